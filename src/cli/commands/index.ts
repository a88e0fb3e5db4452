/** The list of CLI subcommands. One module per command; add one line here per command. */
import type { Command } from 'commander';
import { registerEmulator } from './emulator.js';
import { register as parse } from './parse.js';

export function registerAll(program: Command): void {
  parse(program);
  registerEmulator(program);
}
