/**
 * tanba — the SDK's root entry (`import … from 'tanba'`): marking codes, scanners, decisions, the
 * receipt and sale-log contracts, and the terminal. Kept light on purpose: importing it loads no
 * HTTP server or client and no native SQLite. The heavy parts have their own entries
 * (package.json "exports"):
 *
 * - `tanba/tracking`        createTrackingSystem and the adapters (axios)
 * - `tanba/fiscal`          createChannel: the cash-register channels (axios)
 * - `tanba/outbox/sqlite`   openSqliteOutbox (better-sqlite3)
 * - `tanba/outbox/postgres` openPostgresOutbox (pg)
 * - `tanba/emulator`        the tracking-system and cash-register emulators (fastify)
 * - `tanba/agent`           the store agent and its operator tools (fastify, pino, prom-client)
 *
 * `openTerminal` stays here: it loads the SQLite store, the channels and the adapter when called.
 */
import type { OpenTerminalOptions } from './batteries.js';
import type { TanbaTerminal } from './terminal/index.js';

export * from './marking/index.js';
export * from './scan/index.js';
export * from '../drivers/index.js';
export { createTerminal, type TerminalConfig, type RegisterSetup, type TanbaTerminal } from './terminal/index.js';
export type { Terminal, TerminalStatus, RegisterStatus, RecordOptions } from './terminal/types.js';
export type { OpenTerminalOptions } from './batteries.js';
export * from './sale/index.js';
export * from './fiscal/index.js';
export type { FiscalConfig, FiscalConfigInput } from './fiscal/create.js';
export { createDecider, type Decider, type DeciderOptions } from './decision/index.js';
export type { Decision, Reason, Verdict, Language } from './decision/types.js';
export { StoreError, isStoreError, type StoreErrorCode } from './outbox/errors.js';
export type { Outbox, ReceiptLog, DeliveryQueue, QueueViews, SaleView, DeliveryState, Delivery, Claimed, Lease, Transition, QueueStats } from './outbox/index.js';
export type * from './tracking/types.js';
export { TrackingError, isTrackingError } from './tracking/errors.js';
export type { TrackingConfig, XtraceConfig, TrueApiConfig, TsPiotConfig, LocalModuleConfig, LocalModuleConnection, TrackingRuntime } from './tracking/config.js';
export type { Signer, VerifyResult } from './tracking/signer.js';

/**
 * A terminal on the usual parts: the SQLite outbox in a file (or PostgreSQL), each register's fiscal
 * channel and the tracking adapter from their configurations (see src/batteries.ts). Those parts
 * are loaded on the first call, so `import 'tanba'` stays light.
 */
export async function openTerminal(options: OpenTerminalOptions = {}): Promise<TanbaTerminal> {
  const batteries = await import('./batteries.js');
  return batteries.openTerminal(options);
}
