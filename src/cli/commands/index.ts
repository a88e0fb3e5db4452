/** The list of CLI subcommands. One module per command; add one line here per command. */
import type { Command } from 'commander';
import { register as parse } from './parse.js';
import { registerEmulator } from './emulator.js';

export function registerAll(program: Command): void {
  parse(program);
  registerEmulator(program);
}
