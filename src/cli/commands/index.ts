/** The list of CLI subcommands. One module per command; add one line here per command. */
import type { Command } from 'commander';
import { registerEmulator } from './emulator.js';

export function registerAll(program: Command): void {
  void program;
  registerEmulator(program);
}
