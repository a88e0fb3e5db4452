/**
 * The contract between the delivery core and a fiscal channel (a cloud cash register, a fiscal
 * driver, a fiscal module). A channel turns one normalised receipt into one fiscal receipt and
 * reports the result; it never retries on its own (the relay's retry policy does), except for
 * the channel's own protocol steps (re-authorising on an expired token, closing an expired shift,
 * switching to an alternative domain), which are part of one logical call.
 */
import type { FiscalReceipt, FiscalResult } from '../sale/types.js';

export type { FiscalReceipt, FiscalResult } from '../sale/types.js';

export type FiscalChannelName = 'webkassa' | 'rekassa' | 'atol' | 'uz-fiscal-module' | 'multikassa' | 'external';

export interface ChannelProblem {
  /** Stable code, e.g. `fiscal-unreachable`, `fiscal-blocked-72h`, `fiscal-auth`, `shift-expired`, `license-expired`. */
  code: string;
  /** What is wrong and what to do, in English (support engineers read it). */
  message: string;
}

/** A receipt field this channel cannot take, and what to send instead (becomes a 400 invalid-sale field). */
export interface ChannelIntakeProblem {
  field: string;
  problem: string;
  fix: string;
}

export interface ChannelHealth {
  ok: boolean;
  /** The cash register works autonomously (no link to the OFD): receipts are fiscal but not yet forwarded. */
  offline?: boolean;
  /** Oldest receipt the cash register itself has not forwarded to the OFD, when it says. */
  oldestUnsentAt?: string;
  /** Open shift: number and when it was opened, when the channel says. */
  shift?: { number?: number; openedAt?: string };
  problems: ChannelProblem[];
}

export interface FiscalChannel {
  /** The channel kind, e.g. `webkassa`. */
  readonly name: FiscalChannelName | (string & {});
  /**
   * True when resending with the same idempotency key can never make a second receipt
   * (Webkassa ExternalCheckNumber, re:Kassa X-Request-ID, ATOL uuid). The relay then need not
   * fsync the "sending" mark before each call; channels without it (UZ fiscal module) need it.
   */
  readonly idempotent: boolean;
  /** Requests per minute the channel allows, or null when not limited. */
  readonly requestsPerMinute: number | null;
  /**
   * Intake rules of this channel, checked before the receipt is accepted (e.g. UZ: a marked line
   * needs its ИКПУ and package code; a return goes on the sale's register). Empty = acceptable.
   */
  validate?(receipt: FiscalReceipt, sale: FiscalReceipt | null): ChannelIntakeProblem[];
  /**
   * For channels without an idempotency key: called right before each send; what it returns
   * (e.g. the register's receipt count) is stored durably with the "sending" mark and handed back
   * to `findByKey` after an ambiguous send or a crash, to tell whether the receipt was issued.
   */
  prepare?(receipt: FiscalReceipt, key: string): Promise<Record<string, string | number | boolean>>;
  /** Issue a sale receipt. Rejects with a FiscalError. */
  sell(receipt: FiscalReceipt, key: string): Promise<FiscalResult>;
  /** Issue a return receipt naming `basis` (the stored result of the sale). Rejects with a FiscalError. */
  refund(receipt: FiscalReceipt, basis: FiscalResult, key: string): Promise<FiscalResult>;
  /**
   * After an ambiguous send: the receipt issued under `key`, or null when the channel proves it
   * has none (safe to send). Rejects with a FiscalError when it cannot tell. `receipt` and, for a
   * return, its `basis` let channels that reconcile by replaying the request rebuild it exactly.
   */
  findByKey(key: string, receipt: FiscalReceipt, basis?: FiscalResult, prepared?: Record<string, string | number | boolean> | null): Promise<FiscalResult | null>;
  /** Reachability, credentials, shift, license, autonomous mode: for status and `tanba doctor`. Never rejects. */
  health(): Promise<ChannelHealth>;
  close?(): Promise<void>;
}

/**
 * What a failed call means for the receipt:
 * - `transient`: it surely did not reach the cash register (connection refused, 503, 429): send again later;
 * - `unknown-result`: it may have been issued (timeout after the request, reset after the body): reconcile first;
 * - `auth`: credentials refused: nothing issued; retry later and alarm;
 * - `blocked`: the cash register refuses every receipt until someone acts (72 h autonomous,
 *   blocked by the OFD, shift expired and not closed automatically): stop this register's queue and alarm;
 * - `permanent`: this receipt will never be accepted as it is: dead letter, an operator must look.
 */
export type FiscalErrorKind = 'transient' | 'unknown-result' | 'auth' | 'blocked' | 'permanent';

export class FiscalError extends Error {
  override readonly name = 'FiscalError';
  constructor(
    readonly kind: FiscalErrorKind,
    /** Stable code such as `http-503`, `timeout`, `network`, `webkassa-18`, `rekassa-13`, `bad-answer`. */
    readonly code: string,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; channelCode?: number | string } = {},
  ) {
    super(message);
  }
}

export function isFiscalError(e: unknown): e is FiscalError {
  return e instanceof FiscalError;
}
