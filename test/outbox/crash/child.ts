/**
 * Crash-test child: a till with 1–3 registers on one Webkassa (the parent's emulator). One caller
 * per register records sales one after another; each prints `ack <id>` once recordSale resolved
 * (the receipt is on disk). stdout to a pipe is synchronous on Linux, so a printed line was
 * acknowledged before any kill. After `CRASH_MAX_SALES` sales per register it keeps relaying
 * until it is SIGKILLed.
 *
 * Env: CRASH_DB, CRASH_URL (emulator), CRASH_LIFE, CRASH_REGISTERS, CRASH_MAX_SALES (per register),
 *      CRASH_TIMEOUT_MS (channel timeout).
 */
import { openTerminal } from '../../../src/batteries.js';
import { crashSale, crashTerminalOptions } from './codes.js';

const env = process.env;
const life = Number(env.CRASH_LIFE ?? '0');
const registers = Number(env.CRASH_REGISTERS ?? '3');
const max = Number(env.CRASH_MAX_SALES ?? '50');

const terminal = await openTerminal(crashTerminalOptions({ db: env.CRASH_DB!, url: env.CRASH_URL!, registers, timeoutMs: Number(env.CRASH_TIMEOUT_MS ?? '400') }));
process.stdout.write('ready\n');

await Promise.all(
  Array.from({ length: registers }, async (_, r) => {
    for (let seq = 0; seq < max; seq++) {
      const sale = crashSale(life, r, seq);
      try {
        await terminal.recordSale(sale);
      } catch (e) {
        // Not acknowledged: the caller heard an error (allowed by the contract; counted by the parent).
        process.stdout.write(`err ${sale.id} ${e instanceof Error ? e.message.replace(/\s+/g, ' ') : String(e)}\n`);
        continue;
      }
      process.stdout.write(`ack ${sale.id}\n`);
    }
  }),
);
process.stdout.write('sold\n');
// Keep relaying until killed.
setInterval(() => undefined, 1 << 30);
