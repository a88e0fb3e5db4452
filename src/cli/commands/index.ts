/** The list of CLI subcommands. One module per command; add one line here per command. */
import type { Command } from 'commander';
import { registerEmulator } from './emulator.js';
import { register as parse } from './parse.js';
import { register as scan } from './scan.js';
import { register as decode } from './decode.js';
import { register as devices } from './devices.js';

export function registerAll(program: Command): void {
  parse(program);
  scan(program);
  decode(program);
  devices(program);
  registerEmulator(program);
}
