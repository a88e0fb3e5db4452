/**
 * `tanba/emulator` — the emulators of the national tracking systems and of the cash registers, for
 * tests, demos and POS vendors' own test suites (what `tanba emulator` runs). Kept out of the root
 * entry: they load fastify.
 */
export { createEmulator } from '../emulator/index.js';
export type { Emulator, EmulatorOptions, EmulatorDocumentView, Faults, SeedCode } from '../emulator/index.js';
export { createWebkassaEmulator, type WebkassaEmulator, type WebkassaEmulatorOptions } from '../emulator/webkassa/index.js';
export { createRekassaEmulator, type RekassaEmulator, type RekassaEmulatorOptions } from '../emulator/rekassa/index.js';
export { createAtolEmulator, type AtolEmulator, type AtolEmulatorOptions } from '../emulator/atol/index.js';
export { createTsPiotEmulator, type TsPiotEmulator, type TsPiotEmulatorOptions } from '../emulator/tspiot/index.js';
export { createLocalModuleEmulator, type LocalModuleEmulator, type LocalModuleEmulatorOptions } from '../emulator/local-module/index.js';
export { createUzFiscalModuleEmulator, type UzFiscalModuleEmulator, type UzFiscalModuleEmulatorOptions } from '../emulator/uz-fiscal-module/index.js';
export { createMultikassaEmulator, type MultikassaEmulator, type MultikassaEmulatorOptions } from '../emulator/multikassa/index.js';
