/**
 * The sale-permission rules, as one pure function: parsed code + online answer + local facts + clock
 * reading → verdict and reason codes. No I/O, no global clock, so every rule is table-testable.
 *
 * Principles (CRPT methodological recommendations, as integrators implement them):
 * - a flag that is absent (null) from an answer never denies;
 * - local "sold here" and local block lists deny even without an online answer;
 * - with no answer in time and nothing local denying, the verdict is `unknown`, and the policy says
 *   whether the till may proceed.
 */
import type { ParseResult } from '../marking/types.js';
import type { CodeStatus } from '../tracking/types.js';
import type { ReasonCode } from './messages.js';
import type { Verdict } from './types.js';

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
}

export interface RuleInput {
  code: ParseResult;
  /** The online answer for this code, when it arrived within the budget. */
  online: CodeStatus | null;
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
}

/** Statuses (normalised, upper case) meaning the item was sold / withdrawn from circulation. */
const SOLD_STATUSES = new Set(['RETIRED', 'WITHDRAWN', 'SOLD', 'LOAN_RETIRED', 'REMARK_RETIRED']);
/** Statuses meaning the item is not (or no longer) in circulation at retail. */
const NOT_IN_CIRCULATION = new Set([
  'EMITTED',
  'APPLIED',
  'APPLIED_NOT_PAID',
  'WRITTEN_OFF',
  'DISAGGREGATION',
  'DISAGGREGATED',
  'EXPORTED',
  'RESERVED_NOT_USED',
  'WAIT_SHIPMENT',
  'FTS_RESPOND_NOT_OK',
  'FTS_RESPOND_WAITING',
  'FTS_CONTROL',
]);

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

/** Facts from one status answer → reason codes. */
function statusReasons(s: CodeStatus, input: RuleInput, settings: RuleSettings): ReasonCode[] {
  const out: ReasonCode[] = [];
  if (s.found === false) {
    out.push('not-found');
    return out; // nothing else in the answer is meaningful
  }
  const status = s.status?.toUpperCase() ?? null;
  if (s.sold === true || (status !== null && SOLD_STATUSES.has(status))) out.push('already-sold');
  else if (status !== null && NOT_IN_CIRCULATION.has(status)) out.push('not-in-circulation');
  if (s.blocked === true) out.push('blocked');
  if (s.expiresAt && isExpired(s.expiresAt, input.now, settings.timeZone)) out.push('expired');
  if (settings.checkOwner && settings.sellerTin && s.ownerTin && s.ownerTin !== settings.sellerTin) out.push('other-owner');
  return out;
}

function priceReasons(input: RuleInput, status: CodeStatus | null, settings: RuleSettings): ReasonCode[] {
  const price = input.price;
  if (price === undefined || !Number.isFinite(price)) return [];
  const out: ReasonCode[] = [];
  const mrp = status?.mrp ?? input.code.mrp;
  if (mrp !== null && mrp !== undefined && price > mrp) out.push('price-above-mrp');
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

  const answer = input.online ?? input.cached;
  const fromAnswer = answer ? statusReasons(answer, input, settings) : [];
  const price = priceReasons(input, answer, settings);
  const all = unique([...fromAnswer, ...local, ...price]);

  if (input.online) {
    if (all.length > 0) return deny(all, 'online');
    return { verdict: 'allow', reasons: [], source: 'online', allowed: true, policyDenied: false };
  }
  if (all.length > 0) return deny(input.cached ? unique([...all, 'cached-status']) : all, 'local');
  if (input.cached) {
    // A fresh cached answer that is clean: allow, but say it was not a live check.
    return { verdict: 'allow', reasons: ['cached-status'], source: 'local', allowed: true, policyDenied: false };
  }
  if (settings.unknownPolicy === 'deny') {
    // Store policy forbids selling unchecked items: a denial the till cannot miss.
    return { verdict: 'deny', reasons: ['not-checked'], source: 'none', allowed: false, policyDenied: true };
  }
  return { verdict: 'unknown', reasons: ['not-checked'], source: 'none', allowed: true, policyDenied: false };
}

function deny(reasons: ReasonCode[], source: RuleOutcome['source']): RuleOutcome {
  return { verdict: 'deny', reasons, source, allowed: false, policyDenied: false };
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
