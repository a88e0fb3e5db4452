/**
 * outbox/ — the delivery core, channel-agnostic: the ports (ports.ts), the pure lifecycle, the one
 * retry policy and the relay that drains each register's receipts in order into its fiscal
 * channel. sqlite/ implements the ports for a till (WAL, synchronous=FULL, group commit).
 */
export type * from './ports.js';
export { StoreError, isStoreError, type StoreErrorCode } from './errors.js';
export { SqliteOutbox, openSqliteOutbox, type SqliteOutboxOptions } from './sqlite/outbox.js';
// PostgreSQL (chains, cloud POS): `import { openPostgresOutbox } from 'tanba/outbox/postgres'` keeps `pg` out of a till's process.
export { Relay, createRelay, defaultWorkerId, type RelayOptions, type RelayStatus, type RegisterState } from './relay.js';
export { decide, type Outcome, type RegisterSignal, type Step } from './lifecycle.js';
export { RetryPolicy, type RetryPolicyOptions } from './retry-policy.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { RateLimiter } from './rate-limiter.js';
