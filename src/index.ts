/**
 * tanba — public SDK surface. Everything a POS vendor imports comes from here.
 */
export * from './marking/index.js';
export { createTerminal, type TerminalConfig, type RegisterSetup } from './terminal/index.js';
export type { Terminal, TerminalStatus, RegisterStatus, RecordOptions } from './terminal/types.js';
export { openTerminal, type OpenTerminalOptions } from './batteries.js';
export * from './sale/index.js';
export * from './fiscal/index.js';
export { createChannel, fiscalConfigSchema, type FiscalConfig, type FiscalConfigInput } from './fiscal/create.js';
export { createDecider, type Decider, type DeciderOptions } from './decision/index.js';
export type { Decision, Reason, Verdict, Language } from './decision/types.js';
export { LANGUAGES, isLanguage } from './decision/locales/index.js';
export { StoreError, isStoreError, openSqliteOutbox, SqliteOutbox, type StoreErrorCode, type SqliteOutboxOptions } from './outbox/index.js';
export type { Outbox, ReceiptLog, DeliveryQueue, QueueViews, SaleView, DeliveryState, Delivery, Claimed, Lease, Transition, QueueStats } from './outbox/index.js';
export * from './tracking/index.js';
export { createEmulator } from './emulator/index.js';
export { createWebkassaEmulator, type WebkassaEmulator, type WebkassaEmulatorOptions } from './emulator/webkassa/index.js';
export { createRekassaEmulator, type RekassaEmulator, type RekassaEmulatorOptions } from './emulator/rekassa/index.js';
export type { Emulator, EmulatorOptions, EmulatorDocumentView, Faults, SeedCode } from './emulator/index.js';
export * from './scan/index.js';
export * from '../drivers/index.js';
export * from './agent/index.js';
