/**
 * SaleStore: what the relay and the terminal need from a durable sale log. The SQLite store is the
 * default; a PostgreSQL store (several agents draining one queue) can implement the same interface
 * without touching the relay — `claim` is the only place where workers compete, and it must be atomic.
 */
import type { RecordInfo, RecordState } from './types.js';

/** One line of a stored record: canonical code forms, no customer data. */
export interface RecordItem {
  ki: string;
  km: string;
  price: number;
  quantity: number;
}

/** What is stored for a sale or return, after validation and code parsing. */
export interface RecordBody {
  type: 'sale' | 'return';
  id: string;
  saleId?: string;
  /** ISO time of the operation. */
  at: string;
  registerId?: string;
  sellerTin?: string;
  items: RecordItem[];
}

export interface NewRecord {
  body: RecordBody;
  /** Hash of the caller's input: same id + same hash = the same record. */
  hash: string;
}

export interface StoredRecord extends RecordInfo {
  body: RecordBody;
  lastError: string | null;
  /** On the dead-letter list (an operator must look). */
  dead: boolean;
  /** When the first submission was attempted (ms), for reconciliation windows. */
  firstSentAt: number | null;
  /** When the latest submission was attempted (ms): an ambiguous send landed near this time. */
  lastSentAt: number | null;
}

export interface RecordPatch {
  state?: RecordState;
  documentId?: string | null;
  reasons?: { code: string; message: string }[];
  /** Add to the attempt counter. */
  attempts?: number;
  /** ms since epoch; null = not scheduled. */
  nextAttemptAt?: number | null;
  lastError?: string | null;
  dead?: boolean;
  firstSentAt?: number;
}

export interface StoreStats {
  pending: number;
  oldestPendingAt: string | null;
  deadLetters: number;
  byState: Partial<Record<RecordState, number>>;
}

export interface SaleStore {
  /** Durably append a record (idempotent by id); resolves after the commit is on disk. */
  append(rec: NewRecord): Promise<{ info: RecordInfo; created: boolean }>;
  get(id: string): Promise<RecordInfo | null>;
  getRecord(id: string): Promise<StoredRecord | null>;
  /**
   * Atomically lease up to `limit` records that are due at `now`, best first: queued, then `unknown`
   * and `sent`, each reserved for `leaseMs` (a restart releases leases). A return is never handed
   * out while its sale is still queued, sending or unknown. Claiming sends nothing and changes no state.
   */
  claim(now: number, limit: number, leaseMs: number): Promise<StoredRecord[]>;
  /**
   * Durably mark a claimed queued record `sending` right before its network call (attempts + 1,
   * first/last send times). Null when it is no longer queued. After a crash, `sending` means
   * "may have been received": it becomes `unknown` and is reconciled before any resend.
   */
  markSending(id: string, now: number): Promise<StoredRecord | null>;
  /** Apply a state change (ends the record's lease); returns the new public view. */
  update(id: string, patch: RecordPatch, now: number): Promise<RecordInfo>;
  /** After a restart: every `sending` record becomes `unknown` (its send may or may not have landed). */
  recoverInFlight(now: number, reconcileAt: number): Promise<number>;
  /** When the next record becomes due (ms), or null when nothing is scheduled. */
  nextDueAt(): Promise<number | null>;
  deadLetters(): Promise<StoredRecord[]>;
  /** For operators: dead letters first, then oldest first; `open` = not confirmed, or dead. */
  list(opts: { which: 'open' | 'all' | 'dead'; limit: number }): Promise<StoredRecord[]>;
  /** Put a dead letter back into the queue (an operator decided to try again). */
  retryDeadLetter(id: string, now: number): Promise<RecordInfo>;
  /** KIs among `kis` that were sold here and not returned since. */
  soldHere(kis: string[]): Promise<Set<string>>;
  stats(): Promise<StoreStats>;
  /** Delete confirmed records (and their codes) last updated before `before` (ms). Returns the count. */
  purge(before: number): Promise<number>;
  close(): Promise<void>;
}
