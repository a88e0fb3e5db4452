/**
 * tanba — public SDK surface. Everything a POS vendor imports comes from here.
 */
export * from './marking/index.js';
export { createTerminal, type TerminalConfig } from './terminal/index.js';
export type { Terminal, TerminalStatus } from './terminal/types.js';
export { createDecider, type Decider, type DeciderOptions } from './decision/index.js';
export type { Decision, Reason, Verdict, Language } from './decision/types.js';
export { StoreError, isStoreError, openSqliteStore, type SaleStore, type StoreErrorCode } from './outbox/index.js';
export type { SaleInput, ReturnInput, RecordInfo, RecordState } from './outbox/types.js';
export * from './tracking/index.js';
export { createEmulator } from './emulator/index.js';
export type { Emulator, EmulatorOptions, EmulatorDocumentView, Faults, SeedCode } from './emulator/index.js';
export * from './scan/index.js';
export * from '../drivers/index.js';
export * from './agent/index.js';
