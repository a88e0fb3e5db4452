/**
 * The sale-permission rules, as one pure function: parsed code + online answer + local facts + clock
 * reading → verdict and reason codes. No I/O, no global clock, so every rule is table-testable.
 *
 * Principles (CRPT methodological recommendations, as integrators implement them):
 * - a flag that is absent (null) from an answer never denies;
 * - local "sold here" and local block lists deny even without an online answer;
 * - with no answer in time and nothing local denying, the verdict is `unknown`, and the policy says
 *   whether the till may proceed;
 * - RU (reference tracking-systems.md §4.4, §5.2): `valid`, `found`, `utilised`, `verified`,
 *   `realizable` false, `sold` / `isBlocked` true, a past `expireDate`, and price against `mrp` /
 *   `smp` / the group minimum refuse; an answer that was checked offline (the Local Module, or ТС
 *   ПИоТ's `is_checked_offline`) refuses only on block list, sold and price data; when the online
 *   and the offline answer both came, the online one decides but an offline `sold=true` still
 *   refuses; the industry requisite (tag 1260/1265) comes from whichever live answer decided.
 */
import type { ParseResult } from '../marking/types.js';
// One definition of "sold" and of "not in circulation", shared with the adapters that set `sold`.
import { NOT_IN_CIRCULATION_STATUSES as NOT_IN_CIRCULATION, SOLD_STATUSES } from '../tracking/common.js';
import type { CheckRequisites, CodeStatus } from '../tracking/types.js';
import type { ReasonCode } from './messages.js';
import type { Requisites, Verdict } from './types.js';

export type UnknownPolicy = 'allow' | 'deny';

export interface RuleSettings {
  /** IANA time zone of the store, for expiry dates (e.g. `Asia/Almaty`). */
  timeZone: string;
  /** The store's own BIN/INN; enables the owner check when `checkOwner` is true. */
  sellerTin: string | null;
  checkOwner: boolean;
  /** Minimum price in minor units per product group (e.g. `{ tobacco: 80000 }`). */
  minPrices: Record<string, number>;
  /**
   * What happens when nothing answered in time and nothing local denies: `allow` (default) gives
   * verdict `unknown` with a warning and `allowed: true`; `deny` gives verdict `deny` (reason `not-checked`).
   */
  unknownPolicy: UnknownPolicy;
  /**
   * [S] How the price meets the MRP: `max` (default: the price may not exceed it) or `exact` (one
   * integrators' reading of the CRPT rules, "price ≠ mrp refuses" for tobacco).
   */
  mrpRule?: 'max' | 'exact';
}

export interface RuleInput {
  code: ParseResult;
  /** The online answer for this code, when it arrived within the budget (ТС ПИоТ may say it checked offline). */
  online: CodeStatus | null;
  /** RU: the Local Module's answer, when it was asked beside the online check and answered in time. */
  offline?: CodeStatus | null;
  /** A cached online answer (within its TTL), used only when `online` is null. */
  cached: CodeStatus | null;
  /** Local knowledge: this code was sold here and not returned. */
  soldHere: boolean;
  /** Local knowledge: the code or its GTIN is on a block list. */
  blockedLocally: boolean;
  /** Price in minor units the cashier is about to charge, when known. */
  price?: number;
  now: Date;
}

export interface RuleOutcome {
  verdict: Verdict;
  reasons: ReasonCode[];
  source: 'online' | 'local' | 'none';
  /** May the till proceed with the sale. */
  allowed: boolean;
  /** True when the unknown-policy turned "not checked" into a denial. */
  policyDenied: boolean;
  /** RU: tag 1260 from the live answer that decided, when it carried a request id. */
  requisites?: Requisites;
}

/** Tags 1262–1264: the FOIV id and the decree (Government decree 1944 of 21.11.2023). */
export const INDUSTRY_REQUISITE = { fois: '030', date: '21.11.2023', number: '1944' } as const;

/** The request id and time of an answer: its `requisites`, or (True API CDN answers) `reqId`/`reqTimestamp` kept in `raw`. */
function requestOf(s: CodeStatus): CheckRequisites | null {
  if (s.requisites) return s.requisites;
  const raw = s.raw as { reqId?: unknown; reqTimestamp?: unknown } | null;
  if (raw && typeof raw === 'object' && typeof raw.reqId === 'string' && raw.reqId && typeof raw.reqTimestamp === 'number') {
    return { reqId: raw.reqId, reqTimestamp: raw.reqTimestamp };
  }
  return null;
}

/**
 * Tag 1260 for a receipt line from one answer: 1265 = `UUID=<reqId>&Time=<reqTimestamp>`, and when
 * the answer was checked offline `&Inst=<inst>&Ver=<version>` (each part only when the answer has it).
 */
export function requisitesFor(s: CodeStatus | null): Requisites | undefined {
  if (!s || s.unchecked) return undefined;
  const r = requestOf(s);
  if (!r) return undefined;
  let value = `UUID=${r.reqId}&Time=${r.reqTimestamp}`;
  if (s.checkedOffline) {
    if (r.inst) value += `&Inst=${r.inst}`;
    if (r.version) value += `&Ver=${r.version}`;
  }
  return { ...INDUSTRY_REQUISITE, value };
}

/** Today's calendar date (YYYY-MM-DD) in the given IANA time zone. */
export function localDate(now: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** True when `expiry` (ISO date or date-time) is in the past for a store in `timeZone`. */
export function isExpired(expiry: string, now: Date, timeZone: string): boolean {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(expiry);
  if (dateOnly) return expiry < localDate(now, timeZone); // the expiry day itself may still be sold
  const t = Date.parse(expiry);
  if (Number.isNaN(t)) return false; // unreadable date: absent fact, never denies
  return t < now.getTime();
}

/** Facts from one status answer → reason codes. `offline`: only block list, sold and price data count. */
function statusReasons(s: CodeStatus, input: RuleInput, settings: RuleSettings, offline: boolean): ReasonCode[] {
  const out: ReasonCode[] = [];
  const status = s.status?.toUpperCase() ?? null;
  if (!offline) {
    if (s.valid === false) out.push('invalid-code');
    if (s.found === false) {
      out.push('not-found');
      return out; // nothing else in the answer is meaningful
    }
    if (s.utilised === false) out.push('not-applied');
    if (s.verified === false) out.push('not-verified');
  }
  if (s.sold === true || (!offline && status !== null && SOLD_STATUSES.has(status))) out.push('already-sold');
  else if (!offline) {
    // Systems that speak the flags (RU) say it with `realizable`; the others with a status word.
    const speaksFlags = s.realizable !== undefined || s.utilised !== undefined;
    if (s.realizable === false || (!speaksFlags && status !== null && NOT_IN_CIRCULATION.has(status))) out.push('not-in-circulation');
  }
  if (s.blocked === true) out.push('blocked');
  if (!offline) {
    if (s.expiresAt && isExpired(s.expiresAt, input.now, settings.timeZone)) out.push('expired');
    if (settings.checkOwner && settings.sellerTin && s.ownerTin && s.ownerTin !== settings.sellerTin) out.push('other-owner');
    if (out.length === 0 && typeof s.errorCode === 'number' && s.errorCode !== 0) out.push('check-error');
  }
  return out;
}

function priceReasons(input: RuleInput, status: CodeStatus | null, settings: RuleSettings): ReasonCode[] {
  const price = input.price;
  if (price === undefined || !Number.isFinite(price)) return [];
  const out: ReasonCode[] = [];
  const mrp = status?.mrp ?? input.code.mrp;
  if (mrp !== null && mrp !== undefined && price > mrp) out.push('price-above-mrp');
  else if (mrp !== null && mrp !== undefined && settings.mrpRule === 'exact' && price !== mrp) out.push('price-not-mrp');
  const group = status?.productGroup ?? input.code.productGroup;
  const configuredMin = group ? settings.minPrices[group] : undefined;
  const mins = [status?.minPrice, configuredMin].filter((x): x is number => typeof x === 'number');
  if (mins.length > 0 && price < Math.max(...mins)) out.push('price-below-min');
  return out;
}

export function decide(input: RuleInput, settings: RuleSettings): RuleOutcome {
  const { code } = input;
  if (!code.ok) return deny(['invalid-code'], 'local');
  if (code.kind !== 'marking') return deny(['not-marking-code'], 'local');

  const local: ReasonCode[] = [];
  if (input.soldHere) local.push('sold-here');
  if (input.blockedLocally) local.push('blocked');
  if (code.expiry && isExpired(code.expiry, input.now, settings.timeZone)) local.push('expired');

  // An "unchecked" status (ТС ПИоТ emergency mode without a result) is no answer at all.
  const online = input.online && !input.online.unchecked ? input.online : null;
  const offline = input.offline && !input.offline.unchecked ? input.offline : null;
  const live = online ?? offline; // online wins when both answered
  const answer = live ?? input.cached;
  const checkedOffline = answer?.checkedOffline === true;
  const fromAnswer = answer ? statusReasons(answer, input, settings, checkedOffline) : [];
  // Reference §5.2: an offline sold=true always wins, even over a clean online answer.
  if (offline && offline !== answer && offline.sold === true) fromAnswer.push('already-sold');
  const price = priceReasons(input, answer, settings);
  const all = unique([...fromAnswer, ...local, ...price]);
  const emergency = input.online?.emergency === true || input.offline?.emergency === true;
  const notes: ReasonCode[] = [...(live && checkedOffline ? (['checked-offline'] as const) : []), ...(emergency ? (['emergency-mode'] as const) : [])];

  if (live) {
    const source = checkedOffline ? 'local' : 'online';
    const requisites = requisitesFor(live);
    const extra = requisites ? { requisites } : {};
    if (all.length > 0) return { ...deny(unique([...all, ...notes]), source), ...extra };
    return { verdict: 'allow', reasons: notes, source, allowed: true, policyDenied: false, ...extra };
  }
  if (all.length > 0) return deny(unique([...all, ...(input.cached ? (['cached-status'] as const) : []), ...notes]), 'local');
  if (input.cached) {
    // A fresh cached answer that is clean: allow, but say it was not a live check.
    return { verdict: 'allow', reasons: ['cached-status', ...notes], source: 'local', allowed: true, policyDenied: false };
  }
  if (settings.unknownPolicy === 'deny') {
    // Store policy forbids selling unchecked items: a denial the till cannot miss.
    return { verdict: 'deny', reasons: ['not-checked', ...notes], source: 'none', allowed: false, policyDenied: true };
  }
  return { verdict: 'unknown', reasons: ['not-checked', ...notes], source: 'none', allowed: true, policyDenied: false };
}

function deny(reasons: ReasonCode[], source: RuleOutcome['source']): RuleOutcome {
  return { verdict: 'deny', reasons, source, allowed: false, policyDenied: false };
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
