/** The list of CLI subcommands. One module per command; add one line here per command. */
import type { Command } from 'commander';
import { register as parse } from './parse.js';
import { register as scan } from './scan.js';
import { register as decode } from './decode.js';
import { register as devices } from './devices.js';
import { registerEmulator } from './emulator.js';
import { registerAgent } from './agent.js';
import { registerStatus } from './status.js';
import { registerDoctor } from './doctor.js';
import { registerDemo } from './demo.js';
import { registerQueue } from './queue.js';
import { registerRelay } from './relay.js';
import { registerFleet } from './fleet.js';

export function registerAll(program: Command): void {
  parse(program);
  scan(program);
  decode(program);
  devices(program);
  registerEmulator(program);
  registerAgent(program);
  registerStatus(program);
  registerDoctor(program);
  registerDemo(program);
  registerQueue(program);
  registerRelay(program);
  registerFleet(program);
}
