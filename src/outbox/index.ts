/**
 * outbox/ — the durable sale/return log and its relay. `SaleStore` is the interface (SQLite by
 * default: WAL, synchronous=FULL, group commit); the relay drains it into the tracking system with
 * retries, rate limits, reconciliation of ambiguous sends and a dead-letter list.
 */
export type * from './types.js';
export type { SaleStore, StoredRecord, RecordBody, RecordItem, RecordPatch, NewRecord, StoreStats } from './store.js';
export { StoreError, isStoreError, type StoreErrorCode } from './errors.js';
export { SqliteSaleStore, openSqliteStore, type SqliteStoreOptions } from './sqlite-store.js';
export { normalizeSale, normalizeReturn, type NormalizeOptions } from './normalize.js';
export { Relay, createRelay, toDocument, type RelayOptions, type RelayStatus } from './relay.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { RateLimiter } from './rate-limiter.js';
