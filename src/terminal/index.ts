/** terminal/ — `createTerminal(config)`: the composed SDK object; it receives its outbox, channels, tracking system and scanners. */
export type * from './types.js';
export { createTerminal, type TerminalConfig, type RegisterSetup, type TanbaTerminal } from './terminal.js';
