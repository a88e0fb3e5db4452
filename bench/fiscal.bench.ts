/**
 * Fiscal delivery through the relay and the Webkassa channel, against bare axios loops posting
 * equivalent check bodies (same cashboxes, distinct ExternalCheckNumbers) to the same emulator,
 * measured in the same run. The emulator runs in its own process (a cash register is another
 * machine); its state is reset before every measurement. SQLite files go to os.tmpdir().
 * (a) one register: drain of a backlog of N receipts vs one sequential bare loop (goal ≥ 0.8×);
 * (b) 100 registers in parallel vs 100 concurrent sequential bare loops (goal ≥ 0.8×), with the
 *     relay's default concurrency and with concurrency = registers; each register its own login;
 *     once more with one login shared by all registers (as a shop with one Webkassa account has);
 * (c) recordSale(…, { waitMs }) → fiscal result, p50 and p99, minus the bare loop's p50 and p99
 *     for the same request (goal p99 ≤ 5 ms), with the part until the receipt is on disk;
 * (d) where (a) and (b) lose: the relay draining into a channel that answers at once (no network),
 *     i.e. the relay's and the outbox's own cost per receipt, next to the bare request's time.
 * Ratios are given as the ratio of the medians and as the median of the per-round ratios (bare and
 * relay run back to back in each round, so the second is robust to load that changes between rounds).
 * A warm-up round runs first (JIT of both processes); BENCH_ROUNDS (default 5) rounds follow, and
 * the figures are their medians.
 */
import axios from 'axios';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FiscalChannel } from '../src/fiscal/types.js';
import { buildCheckBody, createWebkassaChannel, webkassaConfigSchema, type WebkassaChannel } from '../src/fiscal/webkassa/index.js';
import { createRelay } from '../src/outbox/relay.js';
import { openSqliteOutbox } from '../src/outbox/sqlite/outbox.js';
import { normalizeSale, type NewRecord } from '../src/sale/normalize.js';
import { createTerminal } from '../src/terminal/terminal.js';
import { saleInput } from '../test/support/receipts.js';
import { fmt, median, percentile } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const N_ONE = 2000;
const REGS = 100;
const N_PER_REG = 30;
const N_LAT = 1000;
const WARM = 50;
const SHARED_LOGIN_CAP_MS = 20_000;

const cashbox = (i: number) => `SWK${String(i + 1).padStart(8, '0')}`;
const loginOf = (i: number) => `bench-${i}@webkassa.kz`;
const regId = (i: number) => `till-${i + 1}`;

interface Server {
  url: string;
  receipts(): Promise<number>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function startServer(cashboxes: number, logins: string[]): Promise<Server> {
  const js = join(here, 'webkassa-server.js');
  const entry = existsSync(js) ? [js] : ['--import', 'tsx', join(here, 'webkassa-server.ts')];
  const child = spawn(process.execPath, [...entry, JSON.stringify({ cashboxes, logins })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^(http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`webkassa emulator exited (${code}): ${out}`)));
  });
  return {
    url,
    receipts: async () => ((await (await fetch(`${url}/_emulator/receipts`)).json()) as unknown[]).length,
    reset: async () => void (await fetch(`${url}/_emulator/reset`, { method: 'POST' })),
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `count` normalised sales for register `reg` (ids unique per tag). */
function records(tag: string, reg: number, count: number): NewRecord[] {
  const registerId = regId(reg);
  return Array.from({ length: count }, (_, i) => normalizeSale(saleInput(`${tag}-${reg}-${i}`, { n: reg * 100_000 + i, registerId }), { now: Date.now(), registerId }));
}

const bodyOf = (rec: NewRecord, reg: number) => buildCheckBody(rec.receipt, { config: { cashbox: cashbox(reg), markForm: 'no-gs' }, key: rec.receipt.id, operation: 'sale' });

/** One sequential client: Authorize once, then POST every check body; `lat` gets each call's time. */
async function bareLoop(url: string, login: string, bodies: Record<string, unknown>[], lat?: number[]): Promise<void> {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const ax = axios.create({ baseURL: url, timeout: 10_000, httpAgent, proxy: false, headers: { 'x-api-key': 'WKD-demo' } });
  try {
    const auth = await ax.post('/api/v4/Authorize', { Login: login, Password: 'demo' });
    const token = (auth.data as { Data: { Token: string } }).Data.Token;
    for (const b of bodies) {
      const s = performance.now();
      const r = await ax.post('/api/v4/check', { Token: token, ...b });
      const errors = (r.data as { Errors?: unknown[] }).Errors ?? [];
      if (errors.length > 0) throw new Error(`bare loop: ${JSON.stringify(errors)}`);
      lat?.push(performance.now() - s);
    }
  } finally {
    httpAgent.destroy();
  }
}

function channel(url: string, reg: number, login: string): WebkassaChannel {
  return createWebkassaChannel(webkassaConfigSchema.parse({ channel: 'webkassa', url, apiKey: 'WKD-demo', login, password: 'demo', cashbox: cashbox(reg), timeoutMs: 10_000 }));
}

/** A cash register that answers at once: what is left of a drain is the relay and the outbox. */
function instantChannel(): FiscalChannel {
  const result = (r: { total: number }, key: string) => ({ channel: 'instant', fiscalSign: key, registrationNumber: '000000000001', dateTime: new Date().toISOString(), total: r.total, isOffline: false });
  return {
    name: 'instant',
    idempotent: true,
    requestsPerMinute: null,
    sell: async (r, key) => result(r, key),
    refund: async (r, _b, key) => result(r, key),
    findByKey: async () => null,
    health: async () => ({ ok: true, problems: [] }),
  };
}

interface Drain {
  perSec: number;
  fiscalised: number;
  complete: boolean;
  storeErrors: number;
}

/** Append the backlog, then time the relay draining it into the channels. */
async function relayDrain(
  dir: string,
  tag: string,
  url: string,
  regs: number[],
  perReg: number,
  opts: { concurrency?: number; login: (reg: number) => string; capMs?: number; instant?: boolean },
): Promise<Drain> {
  const outbox = openSqliteOutbox({ path: join(dir, `${tag}.db`) });
  const all = regs.flatMap((r) => records(tag, r, perReg));
  for (let i = 0; i < all.length; i += 500) await Promise.all(all.slice(i, i + 500).map((rec) => outbox.append(rec, 'webkassa')));
  const channels = new Map<string, FiscalChannel>(regs.map((r) => [regId(r), opts.instant ? instantChannel() : channel(url, r, opts.login(r))]));
  const ids = [...channels.keys()];
  let fiscalised = 0;
  let storeErrors = 0;
  let done!: () => void;
  let failed!: (e: Error) => void;
  const finished = new Promise<void>((resolve, reject) => ((done = resolve), (failed = reject)));
  const relay = createRelay({
    queue: outbox,
    channelFor: (id) => channels.get(id) ?? null,
    registers: () => ids,
    concurrency: opts.concurrency,
    onChange: (v) => {
      if (v.state === 'fiscalised' && ++fiscalised === all.length) done();
      else if (v.deadLetter) failed(new Error(`${v.id} went to the dead letters: ${JSON.stringify(v.reasons)}`));
    },
    onError: () => void storeErrors++,
  });
  let timer: NodeJS.Timeout | undefined;
  const capped = opts.capMs ? new Promise<void>((r) => (timer = setTimeout(r, opts.capMs))) : null;
  const t0 = performance.now();
  await relay.start();
  await (capped ? Promise.race([finished, capped]) : finished);
  const secs = (performance.now() - t0) / 1000;
  clearTimeout(timer);
  await relay.stop();
  for (const ch of channels.values()) await ch.close?.();
  await outbox.close();
  return { perSec: fiscalised / secs, fiscalised, complete: fiscalised === all.length, storeErrors };
}

async function bareDrain(url: string, regs: number[], perReg: number, login: (reg: number) => string): Promise<number> {
  const bodies = regs.map((r) => records(`bare${r}`, r, perReg).map((rec) => bodyOf(rec, r)));
  const t0 = performance.now();
  await Promise.all(regs.map((r, i) => bareLoop(url, login(r), bodies[i])));
  return (regs.length * perReg) / ((performance.now() - t0) / 1000);
}

interface Lat {
  p50: number;
  p99: number;
  diskP50?: number;
  diskP99?: number;
  /** Per step of the relay's path (claim, markSending, sell, transition): p50 and p99, ms. */
  steps?: Record<string, { p50: number; p99: number }>;
}

const STEPS = ['claim', 'markSending', 'sell', 'transition'] as const;

/** Time every call of `obj[name]` into `into[name]` (the wrapper costs about a microsecond). */
function timeCalls(obj: object, names: readonly string[], into: Record<string, number[]>, active: () => boolean): void {
  const o = obj as Record<string, (...a: unknown[]) => Promise<unknown>>;
  for (const name of names) {
    const f = o[name]?.bind(obj);
    if (!f) continue;
    o[name] = async (...a: unknown[]) => {
      const s = performance.now();
      try {
        return await f(...a);
      } finally {
        if (active()) (into[name] ??= []).push(performance.now() - s);
      }
    };
  }
}

/** recordSale(…, { waitMs }) one after another on one register, each until its fiscal result. */
async function recordLatency(dir: string, tag: string, url: string): Promise<Lat> {
  const outbox = openSqliteOutbox({ path: join(dir, `${tag}.db`) });
  const ch = channel(url, 0, 'demo@webkassa.kz');
  const stepTimes: Record<string, number[]> = {};
  let measuring = false;
  timeCalls(outbox, ['claim', 'markSending', 'transition'], stepTimes, () => measuring);
  timeCalls(ch, ['sell'], stepTimes, () => measuring);
  const t = await createTerminal({ outbox, registers: [{ id: regId(0), channel: ch }], tracking: null });
  const lat: number[] = [];
  const disk: number[] = [];
  let onDiskAt = 0;
  let current = '';
  t.on('receipt', (v: { id: string; state: string }) => {
    if (v.id === current && v.state === 'queued') onDiskAt = performance.now();
  });
  try {
    for (let i = 0; i < N_LAT + WARM; i++) {
      measuring = i >= WARM;
      current = `${tag}-${i}`;
      const input = saleInput(current, { n: i, registerId: regId(0) });
      const s = performance.now();
      const v = await t.recordSale(input, { waitMs: 10_000 });
      const e = performance.now();
      if (v.state !== 'fiscalised' || !v.fiscal?.fiscalSign) throw new Error(`${current} came back ${v.state}`);
      if (i >= WARM) {
        lat.push(e - s);
        disk.push(onDiskAt - s);
      }
    }
  } finally {
    await t.close();
  }
  lat.sort((a, b) => a - b);
  disk.sort((a, b) => a - b);
  const steps: Lat['steps'] = {};
  for (const k of STEPS) {
    const xs = (stepTimes[k] ?? []).sort((a, b) => a - b);
    steps[k] = { p50: percentile(xs, 50), p99: percentile(xs, 99) };
  }
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), diskP50: percentile(disk, 50), diskP99: percentile(disk, 99), steps };
}

async function bareLatency(url: string, tag: string): Promise<Lat> {
  const bodies = records(tag, 0, N_LAT + WARM).map((rec) => bodyOf(rec, 0));
  const lat: number[] = [];
  await bareLoop(url, 'demo@webkassa.kz', bodies, lat);
  const l = lat.slice(WARM).sort((a, b) => a - b);
  return { p50: percentile(l, 50), p99: percentile(l, 99) };
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tanba-bench-fiscal-'));
  const regs = Array.from({ length: REGS }, (_, i) => i);
  const server = await startServer(REGS, regs.map(loginOf));
  const fresh = async <T>(fn: () => Promise<T>, expectReceipts?: number): Promise<T> => {
    await server.reset();
    const out = await fn();
    if (expectReceipts !== undefined) {
      const n = await server.receipts();
      if (n !== expectReceipts) throw new Error(`the emulator holds ${n} receipts, expected ${expectReceipts}`);
    }
    return out;
  };
  const own = (r: number) => loginOf(r);
  try {
    const a = { bare: [] as number[], relay: [] as number[] };
    const b = { bare: [] as number[], relay: [] as number[], relayDefault: [] as number[] };
    const c = { bare: [] as Lat[], tanba: [] as Lat[] };
    const d = { one: [] as number[], many: [] as number[] };
    // Warm-up (not reported): the emulator process and this one JIT-compile their hot paths.
    await fresh(() => bareDrain(server.url, [0], 4000, () => 'demo@webkassa.kz'));
    await fresh(() => relayDrain(dir, 'w1', server.url, [0], 2000, { login: () => 'demo@webkassa.kz' }));
    await fresh(() => bareDrain(server.url, regs, N_PER_REG, own));
    await fresh(() => relayDrain(dir, 'w2', server.url, regs, N_PER_REG, { login: own, concurrency: REGS }));
    await fresh(() => recordLatency(dir, 'w3', server.url));
    for (let round = 0; round < ROUNDS; round++) {
      const relayFirst = round % 2 === 1; // alternate the order so neither side always runs warm
      const pair = async (x: () => Promise<void>, y: () => Promise<void>) => (relayFirst ? (await y(), await x()) : (await x(), await y()));
      await pair(
        async () => void a.bare.push(await fresh(() => bareDrain(server.url, [0], N_ONE, () => 'demo@webkassa.kz'), N_ONE)),
        async () => void a.relay.push((await fresh(() => relayDrain(dir, `a${round}`, server.url, [0], N_ONE, { login: () => 'demo@webkassa.kz' }), N_ONE)).perSec),
      );
      await pair(
        async () => void b.bare.push(await fresh(() => bareDrain(server.url, regs, N_PER_REG, own), REGS * N_PER_REG)),
        async () => {
          b.relay.push((await fresh(() => relayDrain(dir, `b${round}`, server.url, regs, N_PER_REG, { login: own, concurrency: REGS }), REGS * N_PER_REG)).perSec);
          b.relayDefault.push((await fresh(() => relayDrain(dir, `bd${round}`, server.url, regs, N_PER_REG, { login: own }), REGS * N_PER_REG)).perSec);
        },
      );
      await pair(
        async () => void c.bare.push(await fresh(() => bareLatency(server.url, `cb${round}`), N_LAT + WARM)),
        async () => void c.tanba.push(await fresh(() => recordLatency(dir, `c${round}`, server.url), N_LAT + WARM)),
      );
      d.one.push((await relayDrain(dir, `d1-${round}`, server.url, [0], N_ONE, { login: () => '', instant: true })).perSec);
      d.many.push((await relayDrain(dir, `d100-${round}`, server.url, regs, N_PER_REG, { login: () => '', instant: true, concurrency: REGS })).perSec);
      console.log(
        `  round ${round + 1}: (a) bare ${fmt(a.bare[round], 0)} /s, relay ${fmt(a.relay[round], 0)} /s; ` +
          `(b) bare ${fmt(b.bare[round], 0)} /s, relay ${fmt(b.relay[round], 0)} /s (default concurrency ${fmt(b.relayDefault[round], 0)} /s); ` +
          `(c) bare p50 ${fmt(c.bare[round].p50, 2)} p99 ${fmt(c.bare[round].p99, 2)} ms, recordSale p50 ${fmt(c.tanba[round].p50, 2)} p99 ${fmt(c.tanba[round].p99, 2)} ms; ` +
          `(d) instant channel 1 register ${fmt(d.one[round], 0)} /s, ${REGS} registers ${fmt(d.many[round], 0)} /s`,
      );
    }
    // One login for all 100 registers (the shipped channel keeps one token per register): a single, capped run.
    const shared = await fresh(() => relayDrain(dir, 'shared', server.url, regs, N_PER_REG, { login: () => 'demo@webkassa.kz', concurrency: REGS, capMs: SHARED_LOGIN_CAP_MS }));

    const ma = { bare: median(a.bare), relay: median(a.relay) };
    const paired = (xs: number[], ys: number[]) => median(xs.map((x, i) => x / ys[i]));
    const mb = { bare: median(b.bare), relay: median(b.relay), relayDefault: median(b.relayDefault) };
    const m = (xs: Lat[], k: 'p50' | 'p99' | 'diskP50' | 'diskP99') => median(xs.map((x) => x[k] ?? NaN));
    const over50 = m(c.tanba, 'p50') - m(c.bare, 'p50');
    const over99 = m(c.tanba, 'p99') - m(c.bare, 'p99');
    console.log(`medians of ${ROUNDS} rounds; Webkassa emulator in its own process on loopback; SQLite in ${tmpdir()}`);
    console.log(`(a) 1 register, backlog of ${N_ONE} receipts`);
    console.log(`    bare axios loop             ${fmt(ma.bare, 0).padStart(7)} receipts/s`);
    console.log(`    relay → webkassa channel    ${fmt(ma.relay, 0).padStart(7)} receipts/s   ratio ${fmt(ma.relay / ma.bare, 2)}×, per round ${fmt(paired(a.relay, a.bare), 2)}× (goal ≥ 0.8×)`);
    console.log(`(b) ${REGS} registers × ${N_PER_REG} receipts, in parallel, one login per register`);
    console.log(`    bare: ${REGS} concurrent loops  ${fmt(mb.bare, 0).padStart(7)} receipts/s`);
    console.log(`    relay, concurrency ${REGS}      ${fmt(mb.relay, 0).padStart(7)} receipts/s   ratio ${fmt(mb.relay / mb.bare, 2)}×, per round ${fmt(paired(b.relay, b.bare), 2)}× (goal ≥ 0.8×)`);
    console.log(`    relay, default concurrency  ${fmt(mb.relayDefault, 0).padStart(7)} receipts/s   ratio ${fmt(mb.relayDefault / mb.bare, 2)}×, per round ${fmt(paired(b.relayDefault, b.bare), 2)}×`);
    console.log(
      `    relay, ONE login shared by all ${REGS} registers (1 run, capped at ${SHARED_LOGIN_CAP_MS / 1000} s): ${shared.fiscalised}/${REGS * N_PER_REG} fiscalised, ` +
        `${fmt(shared.perSec, 0)} receipts/s = ${fmt(shared.perSec / mb.bare, 3)}× bare${shared.complete ? '' : ' (did not finish)'}`,
    );
    console.log(`(c) recordSale(…, { waitMs }) → fiscal result, 1 register, ${N_LAT} sequential sales (after ${WARM} warm-up)`);
    console.log(`    bare axios POST /api/v4/check   p50 ${fmt(m(c.bare, 'p50'), 2)} ms   p99 ${fmt(m(c.bare, 'p99'), 2)} ms`);
    console.log(`    recordSale until fiscalised     p50 ${fmt(m(c.tanba, 'p50'), 2)} ms   p99 ${fmt(m(c.tanba, 'p99'), 2)} ms   (of which until on disk: p50 ${fmt(m(c.tanba, 'diskP50'), 2)} ms, p99 ${fmt(m(c.tanba, 'diskP99'), 2)} ms)`);
    console.log(`    tanba's own time                p50 ${fmt(over50, 2)} ms   p99 ${fmt(over99, 2)} ms (goal p99 ≤ 5 ms)`);
    const step = (k: string, q: 'p50' | 'p99') => median(c.tanba.map((x) => x.steps?.[k]?.[q] ?? NaN));
    console.log(`    steps after the append: ${STEPS.map((k) => `${k} p50 ${fmt(step(k, 'p50'), 3)} / p99 ${fmt(step(k, 'p99'), 3)} ms`).join('; ')}`);
    const us = (perSec: number) => fmt(1e6 / perSec, 0);
    console.log(`(d) relay + outbox alone (a channel that answers at once, no network)`);
    console.log(`    1 register:    ${fmt(median(d.one), 0).padStart(7)} receipts/s = ${us(median(d.one))} µs per receipt on the register's critical path (bare request: ${us(ma.bare)} µs)`);
    console.log(`    ${REGS} registers: ${fmt(median(d.many), 0).padStart(7)} receipts/s = ${us(median(d.many))} µs of this process per receipt (bare, ${REGS} loops: ${us(mb.bare)} µs per receipt)`);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
