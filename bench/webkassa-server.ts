/**
 * The Webkassa emulator in its own process for benchmarks (a cash register is another machine: it
 * must not share the benchmark's event loop). `node webkassa-server.js '{"cashboxes":100,"logins":[…]}'`
 * prints its URL on stdout; `logins` (password `demo`) come beside the default `demo@webkassa.kz`.
 * Stops on SIGTERM.
 */
import { createWebkassaEmulator } from '../src/emulator/webkassa/index.js';

const o = JSON.parse(process.argv[2] ?? '{}') as { cashboxes?: number; logins?: string[] };
const users = [{ login: 'demo@webkassa.kz', password: 'demo' }, ...(o.logins ?? []).map((login) => ({ login, password: 'demo' }))];
const emu = await createWebkassaEmulator({ cashboxes: o.cashboxes ?? 4, users, seed: 1 });
process.stdout.write(`${emu.url}\n`);
process.once('SIGTERM', () => void emu.close().then(() => process.exit(0)));
