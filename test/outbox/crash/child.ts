/**
 * Crash-test child: a till that records sales as fast as it can (and relays them to the emulator)
 * until it is SIGKILLed. Prints `ack <id> <ki>` for every sale whose recordSale resolved — stdout
 * to a pipe is synchronous on Linux, so a printed line was acknowledged before the kill.
 *
 * Env: CRASH_DB, CRASH_URL (emulator), CRASH_RUN (life number), CRASH_MAX_SALES (per life),
 *      CRASH_CALLERS (concurrent recordSale loops), CRASH_RELAY_CONCURRENCY (requests in flight).
 */
import { createTerminal } from '../../../src/terminal/terminal.js';
import { crashCode, crashId } from './codes.js';

const db = process.env.CRASH_DB!;
const url = process.env.CRASH_URL!;
const run = Number(process.env.CRASH_RUN ?? '0');
const max = Number(process.env.CRASH_MAX_SALES ?? '300');
const callers = Number(process.env.CRASH_CALLERS ?? '4');
const relayConcurrency = Number(process.env.CRASH_RELAY_CONCURRENCY ?? '4');

const terminal = await createTerminal({
  tracking: {
    family: 'xtrace',
    country: 'KZ',
    baseUrl: url,
    login: 'demo',
    password: 'demo',
    timeoutMs: 2000,
    retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 20 },
  },
  store: { path: db },
  relay: {
    concurrency: relayConcurrency,
    reconcileDelayMs: 50,
    reconcileMarginMs: 1000, // same host, loopback: no clock skew, requests arrive at once
    confirmDelayMs: 20,
    backoff: { minDelayMs: 20, maxDelayMs: 200 },
    quickRetries: { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 20 },
  },
});
process.stdout.write('ready\n');

let next = 0;
await Promise.all(
  Array.from({ length: callers }, async () => {
    while (next < max) {
      const n = next++;
      const id = crashId(run, n);
      const { ki, km } = crashCode(run, n);
      await terminal.recordSale({ id, items: [{ code: km, price: 1000 }] });
      process.stdout.write(`ack ${id} ${ki}\n`);
    }
  }),
);
process.stdout.write('sold\n');
// Keep relaying until killed.
setInterval(() => undefined, 1 << 30);
