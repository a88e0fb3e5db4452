#!/usr/bin/env node
/** The `tanba` command: composition root for the CLI. Each subcommand lives in ./commands/. */
import { Command } from 'commander';
import { registerAll } from './commands/index.js';

const program = new Command();
program.name('tanba').description('Product marking at the cash register (KZ, RU, UZ).').version('0.1.0');
registerAll(program);
program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`tanba: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
