/**
 * The emulator's world, independent of HTTP: the code registry, received documents and their
 * asynchronous processing, issued tokens, the server-side rate limit and fault settings.
 * Processing is deterministic: a document is acted upon on the first request that arrives at least
 * `processingDelayMs` after it, in the order documents were received.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mulberry32 } from './prng.js';
import { seedCodeSchema, type Faults, type SeedCode } from './schemas.js';

export type Family = 'xtrace' | 'true-api';

const GS = '\u001d';

/**
 * The identification code (KI) of a seeded or asked code, the emulator's own way (it shares no code
 * with the clients): drop an AIM prefix and leading GS, cut at the first GS; a 29-character tobacco
 * pack without AIs keeps its first 21 characters; anything else is kept whole.
 */
export function kiOf(code: string): string {
  let s = code.trim();
  if (/^\](d2|C1|Q3)/.test(s)) s = s.slice(3);
  while (s.startsWith(GS)) s = s.slice(1);
  const gs = s.indexOf(GS);
  if (gs >= 0) return s.slice(0, gs);
  if (s.length === 29 && !s.startsWith('01')) return s.slice(0, 21);
  return s;
}

export interface CodeRecord {
  ki: string;
  km: string | null;
  gtin: string | null;
  status: string;
  ownerTin: string | null;
  mrp: number | null;
  minPrice: number | null;
  expiresAt: string | null;
  blocked: boolean;
  productGroup: string | null;
  /** xTrace `productGroupId` (integer), when seeded. */
  productGroupId: number | null;
  /** xTrace `extendedStatus`, when seeded. */
  extendedStatus: string | null;
  /** Who emitted the code (xTrace `issuerShortInfo` / `markingData.issuerInfo`), when seeded. */
  issuerTin: string | null;
  /** Sale date from a receipt (xTrace private `markingData.receiptDate`), when seeded. */
  receiptDate: string | null;
  /** Withdrawal by a document (xTrace private `turnoverData.withdrawalDate` / `withdrawalReason`). */
  withdrawalDate: string | null;
  withdrawalReason: string | null;
  /** Return to circulation (xTrace private `turnoverData.returnDate`). */
  returnDate: string | null;
  emittedAt: string;
  history: { at: string; status: string; documentId: string | null }[];
}

export interface DocError {
  index: number;
  ki: string;
  errorCode: string;
  message: string;
}

export interface EmDocument {
  documentId: string;
  family: Family;
  /** Wire type: WITHDRAWAL, RETURN (xTrace) or LK_RECEIPT, LP_RETURN (True API). */
  type: string;
  kind: 'sale' | 'return';
  receivedAt: number;
  reference: string | null;
  sellerTin: string | null;
  codes: string[];
  /** The decoded document body as received. */
  body: unknown;
  /** Wire status (family vocabulary). */
  status: string;
  processed: boolean;
  errors: DocError[];
}

export interface TokenRecord {
  family: Family;
  kind: 'access' | 'refresh';
  expiresAt: number;
  login: string;
  permissions: string[];
}

export interface EmulatorUser {
  login: string;
  password: string;
  /** e.g. `MARKING-CODE.READ` (needed for cod/private/codes). */
  permissions?: string[];
}

export interface StateOptions {
  seed: number;
  now: () => number;
  processingDelayMs: number;
  users: EmulatorUser[];
  apiKeys: string[];
  xtraceTokenTtlSeconds: number;
  trueApiTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export const SOLD = new Set(['WITHDRAWN', 'RETIRED']);

export class EmulatorState {
  readonly codes = new Map<string, CodeRecord>();
  readonly documents: EmDocument[] = [];
  readonly tokens = new Map<string, TokenRecord>();
  readonly challenges = new Map<string, { data: string; expiresAt: number }>();
  faults: Faults = {};
  random: () => number;
  readonly stats = {
    requests: 0,
    byRoute: {} as Record<string, number>,
    logins: 0,
    refreshes: 0,
    signIns: 0,
    rateLimited: 0,
    injectedErrors: 0,
    resets: 0,
    outageRefusals: 0,
    unauthorized: 0,
    notAcceptable: 0,
  };
  /** Server-side bucket (GCRA): theoretical arrival time. */
  private tat = 0;

  constructor(readonly opts: StateOptions) {
    this.random = mulberry32(opts.seed);
  }

  now(): number {
    return this.opts.now();
  }

  // ---- codes ---------------------------------------------------------------------------------

  seed(list: SeedCode[]): number {
    let n = 0;
    for (const raw of list) {
      const c = seedCodeSchema.parse(raw);
      const ki = kiOf(c.code);
      const prev = this.codes.get(ki);
      const km = c.code !== ki ? c.code : (prev?.km ?? null);
      const at = new Date(this.now()).toISOString();
      this.codes.set(ki, {
        ki,
        km,
        gtin: /^01\d{14}/.test(ki) ? ki.slice(2, 16) : null,
        status: c.status,
        ownerTin: c.ownerTin ?? prev?.ownerTin ?? null,
        mrp: c.mrp ?? prev?.mrp ?? null,
        minPrice: c.minPrice ?? prev?.minPrice ?? null,
        expiresAt: c.expiresAt ?? prev?.expiresAt ?? null,
        blocked: c.blocked ?? prev?.blocked ?? false,
        productGroup: c.productGroup ?? prev?.productGroup ?? null,
        productGroupId: c.productGroupId ?? prev?.productGroupId ?? null,
        extendedStatus: c.extendedStatus ?? prev?.extendedStatus ?? null,
        issuerTin: c.issuerTin ?? prev?.issuerTin ?? null,
        receiptDate: c.soldAt ?? prev?.receiptDate ?? null,
        withdrawalDate: prev?.withdrawalDate ?? null,
        withdrawalReason: prev?.withdrawalReason ?? null,
        returnDate: prev?.returnDate ?? null,
        emittedAt: prev?.emittedAt ?? at,
        history: [...(prev?.history ?? []), { at, status: c.status, documentId: null }],
      });
      n++;
    }
    return n;
  }

  /** A code by its KI, or by a full code reduced to its KI. */
  lookup(code: string): CodeRecord | undefined {
    return this.codes.get(kiOf(code));
  }

  /** A code exactly as stored (its KI): xTrace `public/codes` finds nothing for a code with its crypto tail. */
  lookupExact(code: string): CodeRecord | undefined {
    return this.codes.get(code);
  }

  // ---- tokens --------------------------------------------------------------------------------

  issueToken(family: Family, kind: 'access' | 'refresh', user: { login: string; permissions: string[] }): { value: string; ttlMs: number } {
    const ttlS =
      kind === 'refresh'
        ? this.opts.refreshTokenTtlSeconds
        : (this.faults.tokenTtlSeconds ?? (family === 'xtrace' ? this.opts.xtraceTokenTtlSeconds : this.opts.trueApiTokenTtlSeconds));
    const ttlMs = Math.round(ttlS * 1000);
    const expiresAt = this.now() + ttlMs;
    let value: string;
    if (family === 'true-api' && kind === 'access') {
      const b64 = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      value = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: user.login, exp: Math.floor(expiresAt / 1000), jti: randomUUID() })}.${randomBytes(16).toString('base64url')}`;
    } else {
      value = randomBytes(24).toString('base64url');
    }
    this.tokens.set(value, { family, kind, expiresAt, login: user.login, permissions: user.permissions });
    return { value, ttlMs };
  }

  /** 'ok' | 'expired' | 'unknown'; expired tokens are forgotten. */
  checkToken(value: string | undefined, family: Family, kind: 'access' | 'refresh' = 'access'): { ok: true; rec: TokenRecord } | { ok: false; why: 'expired' | 'unknown' } {
    if (!value) return { ok: false, why: 'unknown' };
    const rec = this.tokens.get(value);
    if (!rec || rec.family !== family || rec.kind !== kind) return { ok: false, why: 'unknown' };
    if (this.now() >= rec.expiresAt) return { ok: false, why: 'expired' };
    return { ok: true, rec };
  }

  /** Make every issued access token expire now (refresh tokens stay valid). */
  expireTokens(): void {
    const t = this.now();
    for (const rec of this.tokens.values()) if (rec.kind === 'access') rec.expiresAt = Math.min(rec.expiresAt, t);
  }

  // ---- rate limit ----------------------------------------------------------------------------

  /** null when allowed, otherwise the wait in ms before a request would be allowed. */
  takeRateSlot(): number | null {
    const per = this.faults.rateLimitPerMinute;
    if (!per) return null;
    const interval = 60_000 / per;
    const burst = this.faults.rateLimitBurst ?? Math.max(1, Math.ceil(per / 60));
    const tolerance = (burst - 1) * interval;
    const t = performance.now();
    const tat = Math.max(this.tat, t);
    if (tat - tolerance > t) return tat - tolerance - t;
    this.tat = tat + interval;
    return null;
  }

  // ---- documents -----------------------------------------------------------------------------

  addDocument(d: Omit<EmDocument, 'documentId' | 'receivedAt' | 'status' | 'processed' | 'errors'>): EmDocument {
    const doc: EmDocument = {
      ...d,
      documentId: randomUUID(),
      receivedAt: this.now(),
      status: d.family === 'xtrace' ? 'CREATED' : 'IN_PROGRESS',
      processed: false,
      errors: [],
    };
    this.documents.push(doc);
    return doc;
  }

  findDocument(id: string, family?: Family): EmDocument | undefined {
    return this.documents.find((d) => d.documentId === id && (!family || d.family === family));
  }

  /** Act on every document whose processing time has come, oldest first. */
  processDue(): void {
    const delay = this.faults.processingDelayMs ?? this.opts.processingDelayMs;
    const t = this.now();
    for (const d of this.documents) {
      if (d.processed) continue;
      if (t - d.receivedAt < delay) {
        if (d.family === 'xtrace' && d.status === 'CREATED') d.status = 'IN_PROCESS';
        continue;
      }
      this.process(d);
    }
  }

  private process(d: EmDocument): void {
    const errors: DocError[] = [];
    const ok: CodeRecord[] = [];
    const seen = new Set<string>();
    d.codes.forEach((ki, index) => {
      const fail = (errorCode: string, message: string): void => void errors.push({ index, ki, errorCode, message });
      if (seen.has(ki)) return fail('duplicate-code', 'the code appears twice in the document');
      seen.add(ki);
      const rec = this.codes.get(ki);
      if (!rec) return fail('code-not-found', 'the code is not registered');
      if (d.kind === 'sale') {
        if (rec.blocked) return fail('code-blocked', 'the code is blocked');
        if (SOLD.has(rec.status)) return fail('code-already-withdrawn', 'the code was already withdrawn from circulation');
        if (rec.status !== 'INTRODUCED') return fail('code-not-in-circulation', `the code is ${rec.status}, not INTRODUCED`);
        if (rec.ownerTin && d.sellerTin && rec.ownerTin !== d.sellerTin) return fail('not-owner', 'the seller does not own the code');
      } else if (!SOLD.has(rec.status)) {
        return fail('code-not-withdrawn', `the code is ${rec.status}; only a withdrawn code can be returned`);
      }
      ok.push(rec);
    });
    // True API checks a document as a whole; xTrace processes what it can.
    const apply = d.family === 'xtrace' || errors.length === 0;
    if (apply) {
      const at = new Date(this.now()).toISOString();
      const next = d.kind === 'return' ? 'INTRODUCED' : d.family === 'xtrace' ? 'WITHDRAWN' : 'RETIRED';
      const body = (d.body ?? {}) as { withdrawalReason?: unknown; withdrawalType?: unknown };
      for (const rec of ok) {
        rec.status = next;
        rec.history.push({ at, status: next, documentId: d.documentId });
        if (d.family !== 'xtrace') continue;
        if (d.kind === 'sale') {
          if (body.withdrawalType === 'WRITE_OFF') rec.status = 'WRITTEN_OFF';
          rec.withdrawalDate = at;
          rec.withdrawalReason = typeof body.withdrawalReason === 'string' ? body.withdrawalReason : null;
        } else {
          rec.returnDate = at;
        }
      }
    }
    d.errors = errors;
    d.processed = true;
    if (d.family === 'xtrace') d.status = errors.length === 0 ? 'SUCCESS' : ok.length === 0 ? 'ERROR' : 'PARTIALLY_PROCESSED';
    else d.status = errors.length === 0 ? 'CHECKED_OK' : 'CHECKED_NOT_OK';
  }

  reset(): void {
    this.codes.clear();
    this.documents.length = 0;
    this.tokens.clear();
    this.challenges.clear();
    this.faults = {};
    this.random = mulberry32(this.opts.seed);
    this.tat = 0;
    for (const k of Object.keys(this.stats) as (keyof typeof this.stats)[]) {
      if (k === 'byRoute') this.stats.byRoute = {};
      else this.stats[k] = 0;
    }
  }
}
