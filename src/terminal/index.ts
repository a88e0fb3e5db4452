/** terminal/ — `createTerminal(config)`: the composed SDK object (decision + sale log + relay + tracking + scanners). */
export type * from './types.js';
export { createTerminal, type TerminalConfig, type TanbaTerminalExtras } from './terminal.js';
