/**
 * tanba — public SDK surface. Everything a POS vendor imports comes from here.
 */
export * from './marking/index.js';
export * from './scan/index.js';
export * from '../drivers/index.js';
export * from './tracking/index.js';
export { createEmulator } from './emulator/index.js';
export type { Emulator, EmulatorOptions, EmulatorDocumentView, Faults, SeedCode } from './emulator/index.js';
