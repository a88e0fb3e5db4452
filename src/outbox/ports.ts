/**
 * The ports of the delivery core. The relay and the terminal see stores only through these:
 * - ReceiptLog: durable intake (on disk before the caller hears "accepted") and reads;
 * - DeliveryQueue: head-of-line claims per cash register with worker-fenced leases;
 * - QueueViews: what operators, status, metrics and the decision read.
 * SQLite (outbox/sqlite/) implements them for a till; PostgreSQL implements the same ports for
 * chains. `contract.ts` is the test kit both must pass. Times are the store's clock (ms), so a
 * shared database decides leases by one clock; callers pass delays, not instants.
 */
import type { NewRecord } from '../sale/normalize.js';
import type { Customer, FiscalReceipt, FiscalResult } from '../sale/types.js';

export type { NewRecord } from '../sale/normalize.js';

/** Where a receipt is on its way to the cash register. */
export type DeliveryState =
  | 'queued' // on disk, waiting for its turn (or for a retry)
  | 'sending' // a request is (or may be) on its way
  | 'unknown' // a request may have been issued: reconcile before any resend
  | 'fiscalised' // the cash register issued it: `fiscal` holds the result
  | 'rejected' // refused for good (dead letter until an operator retries)
  | 'recorded'; // history only, nothing to deliver (receipts tanba 0.1 delivered as tracking documents)

export interface Reason {
  code: string;
  message: string;
}

/** The public view of one receipt (SDK `sale(id)`, HTTP `GET /v1/sales/:id`, events). Never holds customer data. */
export interface SaleView {
  id: string;
  type: 'sale' | 'return';
  registerId: string;
  /** Channel the register sends through (`webkassa`, …), or null when none is configured. */
  channel: string | null;
  state: DeliveryState;
  fiscal: FiscalResult | null;
  reasons: Reason[];
  /** Network attempts made so far. */
  attempts: number;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
  saleId?: string;
  /** On the dead-letter list: an operator must look (and may retry). */
  deadLetter?: boolean;
}

/** One receipt's delivery, as the relay works on it. */
export interface Delivery {
  seq: number;
  id: string;
  type: 'sale' | 'return';
  registerId: string;
  channel: string | null;
  state: DeliveryState;
  attempts: number;
  /** Claims so far (back-off grows with them). */
  claims: number;
  /** The idempotency key, persisted with the receipt before the first call. */
  key: string;
  result: FiscalResult | null;
  firstSentAt: number | null;
  lastSentAt: number | null;
  lastError: string | null;
  dead: boolean;
  createdAt: number;
  /** What the channel's `prepare` returned before the latest send (channels without an idempotency key). */
  prepared: Record<string, string | number | boolean> | null;
}

/** Fencing: a transition is applied only while the lease it names is still the current one. */
export interface Lease {
  workerId: string;
  token: number;
}

export interface Claimed {
  delivery: Delivery;
  lease: Lease;
  receipt: FiscalReceipt;
  customer: Customer | null;
  /** For a return: the sale's fiscal result (its return basis), or null when the sale was not fiscalised. */
  basis: FiscalResult | null;
  /** For a return whose sale can never be fiscalised (rejected): why the return cannot go either. */
  basisProblem: Reason | null;
}

export interface Transition {
  state: DeliveryState;
  /** Next attempt after this many ms (store clock); null = not scheduled. */
  delayMs: number | null;
  result?: FiscalResult | null;
  reasons?: Reason[];
  lastError?: string | null;
  dead?: boolean;
  /** Network attempts this claim made. */
  attempts?: number;
}

export interface AppendResult {
  view: SaleView;
  /** False when the same id with the same receipt was already there (an idempotent repeat). */
  created: boolean;
}

export interface ReceiptLog {
  /**
   * Durably append a receipt (idempotent by id); resolves only after the commit is on disk.
   * `channel` is the register's channel; `external` receipts arrive fiscalised (rec.fiscal).
   */
  append(rec: NewRecord, channel: string | null): Promise<AppendResult>;
  get(id: string): Promise<SaleView | null>;
  receipt(id: string): Promise<FiscalReceipt | null>;
  /** Returns recorded against a sale, oldest first. */
  returnsOf(saleId: string): Promise<FiscalReceipt[]>;
}

export interface DeliveryQueue {
  /**
   * Lease up to `limit` deliveries that may go now: for each register (of `registers`, or all
   * when null) only its oldest open receipt (strict order), only when due and not leased by a
   * live worker; a return only once its sale is fiscalised or refused for good. A `sending` head
   * whose lease lapsed (its worker died) is handed out as `unknown`.
   */
  claim(workerId: string, registers: string[] | null, limit: number, leaseMs: number): Promise<Claimed[]>;
  /**
   * Mark the claimed delivery `sending` right before its request; `durable` = fsync'd before
   * resolving. `prepared` (the channel's pre-send facts) is stored with the mark.
   */
  markSending(c: Claimed, durable: boolean, prepared?: Record<string, string | number | boolean> | null): Promise<Delivery>;
  /** Apply an outcome and end the lease. Rejects with StoreError `lease-lost` when the lease is not ours any more. */
  transition(c: Claimed, next: Transition): Promise<SaleView>;
  /** Give a claimed delivery back unchanged (the worker stops before sending). */
  release(c: Claimed): Promise<void>;
  /** After a restart: this worker's `sending` deliveries become `unknown`. */
  recover(workerId: string, reconcileDelayMs: number): Promise<number>;
  /** Milliseconds until the next delivery becomes due (0 = now), or null when nothing is scheduled. */
  nextDueIn(registers: string[] | null): Promise<number | null>;
}

export interface RegisterQueueStats {
  registerId: string;
  channel: string | null;
  /** Receipts not yet fiscalised (and not dead). */
  pending: number;
  oldestPendingAt: string | null;
  deadLetters: number;
  lastFiscalisedAt: string | null;
  /** Oldest autonomous (offline) receipt since the last online one: the 72 h clock of the cash register. */
  autonomousSince: string | null;
}

export interface QueueStats {
  pending: number;
  oldestPendingAt: string | null;
  deadLetters: number;
  byState: Partial<Record<DeliveryState, number>>;
  registers: RegisterQueueStats[];
}

export interface ListedReceipt extends SaleView {
  lastError: string | null;
  total: number;
  lines: number;
  codes: number;
}

export interface QueueViews {
  stats(): Promise<QueueStats>;
  /** For operators: dead letters first, then oldest first; `open` = not fiscalised, or dead. Never customer data. */
  list(opts: { which: 'open' | 'all' | 'dead'; limit: number; registerId?: string }): Promise<ListedReceipt[]>;
  /**
   * KIs among `kis` whose latest receipt here is a sale (fiscalised, on its way, or even refused:
   * the goods left the till either way), i.e. sold and not returned since.
   */
  soldHere(kis: string[]): Promise<Set<string>>;
  /** Put a dead letter back into its register's queue (an operator decided to try again). */
  retryDead(id: string): Promise<SaleView>;
  /** Delete fiscalised receipts (and their codes) last updated more than `olderThanMs` ago. */
  purge(olderThanMs: number): Promise<number>;
}

/** Everything a terminal needs from a store. */
export interface Outbox extends ReceiptLog, DeliveryQueue, QueueViews {
  close(): Promise<void>;
}
