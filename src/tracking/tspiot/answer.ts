/**
 * tspiot/answer.ts — reading ТС ПИоТ `codes/check` answers into CodeStatus (pure: no I/O, no clock).
 *
 * The sources disagree on the spelling, so every shape they show is read:
 * - v1 as the proto names it (reference §2.4): `{codes_response:[{code, desctiption, codes[{cis, found,
 *   valid, …, is_blocked, expire_date, error_code}], req_id, req_timestamp, is_checked_offline}]}`;
 * - the same with JSON-transcoded camelCase names (`codesResponse`, `reqId`, `isCheckedOffline`,
 *   `isBlocked`, `expireDate`, `errorCode`), as the spoleto REST models read it, and the FMU-API v3
 *   variant whose items add `inst`/`version` and may echo `cis` as base64;
 * - a flat CDN-like body `{code, description, codes[], reqId, reqTimestamp}`.
 * `code` of a response item is a result number in the proto and the asked KM in the reference: both
 * are accepted. Emergency mode is HTTP 203 or a top-level `code: 203`.
 * The Local Module client reuses the small helpers here (`field`, `decodeCis`, `matchByKi`).
 */
import { bool, num, str } from '../common.js';
import { deriveKi } from '../ki.js';
import type { CheckRequisites, CodeStatus } from '../types.js';

export type Obj = Record<string, unknown>;

export function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The first of `names` present in `o` (snake_case and camelCase spellings of one field). */
export function field(o: Obj, ...names: string[]): unknown {
  for (const n of names) if (o[n] !== undefined) return o[n];
  return undefined;
}

/** A boolean that is there, null when absent (never guessed). */
function flag(o: Obj, ...names: string[]): boolean | null {
  return bool(field(o, ...names));
}

const CODE_START = /^(?:\]d2|\]C1|\]Q3|\u001d)?\d{14}/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** A code as the system echoed it: raw, or base64 of the KM (v3). Anything else is kept as it is. */
export function decodeCis(cis: string): string {
  if (CODE_START.test(cis)) return cis;
  if (cis.length % 4 === 0 && BASE64.test(cis)) {
    const decoded = Buffer.from(cis, 'base64').toString('utf8');
    if (CODE_START.test(decoded)) return decoded;
  }
  return cis;
}

/** The answer side of one code that nobody answered for (or emergency mode): every fact absent. */
export function unansweredStatus(code: string, extra: Partial<CodeStatus> = {}): CodeStatus {
  return {
    code,
    ki: deriveKi(code),
    found: false,
    status: null,
    ownerTin: null,
    blocked: null,
    sold: null,
    expiresAt: null,
    mrp: null,
    minPrice: null,
    productGroup: null,
    raw: null,
    ...extra,
  };
}

/** Answers in the order asked, matched by KI; a code without an answer gets a not-found status. */
export function matchByKi(asked: string[], answers: CodeStatus[], missing: (code: string) => CodeStatus = (c) => unansweredStatus(c)): CodeStatus[] {
  const byKi = new Map<string, CodeStatus>();
  for (const a of answers) if (a.ki) byKi.set(a.ki, a);
  return asked.map((code) => {
    const hit = byKi.get(deriveKi(code));
    return hit ? { ...hit, code } : missing(code);
  });
}

export function requisitesOf(reqId: unknown, reqTimestamp: unknown, inst: unknown, version: unknown): CheckRequisites | undefined {
  const id = str(reqId);
  const ts = num(reqTimestamp);
  if (!id || ts === null) return undefined;
  const i = str(inst);
  const v = str(version);
  return { reqId: id, reqTimestamp: ts, ...(i ? { inst: i } : {}), ...(v ? { version: v } : {}) };
}

export interface ResponseContext {
  reqId: unknown;
  reqTimestamp: unknown;
  inst: unknown;
  version: unknown;
  checkedOffline: boolean;
  emergency: boolean;
}

/** One `Codes` item → CodeStatus. Offline answers carry block list / sold / price data only. */
export function normaliseTsPiotCode(item: Obj, ctx: ResponseContext): CodeStatus {
  const cis = decodeCis(str(field(item, 'cis')) ?? '');
  const found = flag(item, 'found');
  const valid = flag(item, 'valid');
  const verified = flag(item, 'verified');
  const realizable = flag(item, 'realizable');
  const utilised = flag(item, 'utilised');
  const sold = flag(item, 'sold');
  const errorCodeRaw = num(field(item, 'error_code', 'errorCode'));
  const errorCode = errorCodeRaw === 0 ? null : errorCodeRaw;
  let status: string | null = null;
  if (!ctx.checkedOffline) {
    if (sold === true) status = 'RETIRED';
    else if (realizable === true) status = 'INTRODUCED';
    else if (utilised === false) status = 'EMITTED';
    else if (utilised === true && realizable === false) status = 'APPLIED';
  }
  const requisites = requisitesOf(
    ctx.reqId,
    ctx.reqTimestamp,
    field(item, 'inst') ?? ctx.inst,
    field(item, 'version') ?? ctx.version,
  );
  return {
    code: cis,
    ki: cis ? deriveKi(cis) : null,
    // Absent = not said: only an explicit false is "not found".
    found: found !== false,
    status: found === false ? null : status,
    ownerTin: null,
    blocked: flag(item, 'is_blocked', 'isBlocked'),
    sold,
    expiresAt: str(field(item, 'expire_date', 'expireDate')),
    mrp: num(field(item, 'mrp')),
    minPrice: num(field(item, 'smp')),
    productGroup: null,
    raw: item,
    valid,
    verified,
    utilised,
    realizable,
    grayZone: flag(item, 'grayZone', 'gray_zone', 'isGreyGtin'),
    errorCode,
    errorMessage: errorCode !== null ? str(field(item, 'message')) : null,
    ...(requisites ? { requisites } : {}),
    checkedOffline: ctx.checkedOffline,
    ...(ctx.emergency ? { emergency: true } : {}),
  };
}

/** The response items of a `codes/check` answer, in any of the shapes above. */
export function responseItems(body: Obj): Obj[] {
  const list = field(body, 'codes_response', 'codesResponse');
  if (Array.isArray(list)) return list.filter(isObj);
  if (isObj(list)) {
    // The JSON form of the proto's `CodesResponse` message: {codes_response: {codes_response: [...]}}.
    const inner = field(list, 'codes_response', 'codesResponse');
    if (Array.isArray(inner)) return inner.filter(isObj);
  }
  if (Array.isArray(field(body, 'codes'))) return [body]; // flat, CDN-like
  return [];
}

export interface ParsedCheck {
  statuses: CodeStatus[];
  /** Response items that refused (result code ≠ 0 and nothing answered), with their text. */
  refusals: { code: number; description: string | null }[];
  emergency: boolean;
}

/** Read a `codes/check` body (status 200 or 203). Throws nothing: shape problems surface as no statuses. */
export function parseCheckBody(body: unknown, httpStatus: number): ParsedCheck {
  const o = isObj(body) ? body : {};
  const emergency = httpStatus === 203 || num(o.code) === 203;
  const statuses: CodeStatus[] = [];
  const refusals: ParsedCheck['refusals'] = [];
  for (const r of responseItems(o)) {
    const ctx: ResponseContext = {
      reqId: field(r, 'req_id', 'reqId'),
      reqTimestamp: field(r, 'req_timestamp', 'reqTimestamp'),
      inst: field(r, 'inst'),
      version: field(r, 'version'),
      checkedOffline: bool(field(r, 'is_checked_offline', 'isCheckedOffline')) === true,
      emergency,
    };
    const codes = Array.isArray(r.codes) ? r.codes.filter(isObj) : [];
    const result = num(r.code);
    if (codes.length === 0 && result !== null && result !== 0) {
      refusals.push({ code: result, description: str(field(r, 'description', 'desctiption')) });
      continue;
    }
    for (const c of codes) {
      const s = normaliseTsPiotCode(c, ctx);
      // The reference's form names the asked KM in `code` when `cis` is absent.
      if (!s.code && typeof r.code === 'string') {
        const km = decodeCis(r.code);
        statuses.push({ ...s, code: km, ki: deriveKi(km) });
      } else statuses.push(s);
    }
  }
  return { statuses, refusals, emergency };
}

/** `{error: {error_code, error_description}}`, the other branch of the proto's oneof. */
export function errorOf(body: unknown): { code: number | null; description: string | null } | null {
  if (!isObj(body) || !isObj(body.error)) return null;
  const e = body.error;
  return { code: num(field(e, 'error_code', 'errorCode')), description: str(field(e, 'error_description', 'errorDescription', 'message')) };
}
