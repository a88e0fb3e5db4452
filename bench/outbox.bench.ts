/**
 * Durable sale log speed, against a bare better-sqlite3 insert+commit loop with the same pragmas
 * (WAL, synchronous=FULL) measured in the same run:
 * - one caller awaiting each recordSale (goal ≥ 0.7× bare),
 * - 32 concurrent callers (group commit; goal ≥ 20,000 sales/s),
 * - drain of 10,000 queued sales into the emulator at ≥ 90% of its configured rate limit.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTrackingSystem } from '../src/tracking/factory.js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTerminal } from '../src/terminal/terminal.js';
import { openSqliteStore } from '../src/outbox/sqlite-store.js';
import { normalizeSale } from '../src/outbox/normalize.js';
import { createRelay } from '../src/outbox/relay.js';
import type { TrackingSystem } from '../src/tracking/types.js';
import { fmt, median, percentile } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = 3;
const N = 4000;

function gtin(n: number): string {
  const body = ('460' + String(n).padStart(10, '0')).slice(0, 13);
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(body[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}
const code = (n: number) => '01' + gtin(n % 997) + '21' + 'B' + String(n).padStart(12, '0') + '\x1d93abcd';

/** A tracking system that is never called (relay disabled): only its limits are read. */
const idle: TrackingSystem = {
  family: 'xtrace',
  limits: { maxCodesPerCheck: 100, maxCodesPerDocument: 30_000, requestsPerMinute: null },
  checkCodes: () => Promise.reject(new Error('unused')),
  submitSale: () => Promise.reject(new Error('unused')),
  submitReturn: () => Promise.reject(new Error('unused')),
  getDocument: () => Promise.reject(new Error('unused')),
  findDocuments: () => Promise.reject(new Error('unused')),
  health: () => Promise.resolve({ ok: true, latencyMs: 0, tokenExpiresAt: null }),
};

interface Run {
  perSec: number;
  p50: number;
  p99: number;
}

function bare(dir: string, round: number): Run {
  const db = new Database(join(dir, `bare-${round}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE records (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, state TEXT NOT NULL)`);
  const ins = db.prepare(`INSERT INTO records (id, body, state) VALUES (?, ?, 'queued')`);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    const body = JSON.stringify({ id: `b-${i}`, items: [{ code: code(i), price: 1000 }] });
    ins.run(`b-${i}`, body); // autocommit: one fsync'd transaction per sale
    lat.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  db.close();
  lat.sort((a, b) => a - b);
  return { perSec: (N / total) * 1000, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function tanba(dir: string, round: number, callers: number): Promise<Run & { batches: number }> {
  const store = openSqliteStore({ path: join(dir, `tanba-${callers}-${round}.db`) });
  const t = await createTerminal({ tracking: idle, store, relay: { enabled: false } });
  const lat: number[] = [];
  const per = Math.floor(N / callers) * (callers === 1 ? 1 : 4);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; i < per; i++) {
        const n = c * per + i;
        const s = performance.now();
        await t.recordSale({ id: `s-${n}`, items: [{ code: code(n), price: 1000 }] });
        lat.push(performance.now() - s);
      }
    }),
  );
  const total = performance.now() - t0;
  const batches = store.commitStats.commits;
  await t.close();
  await store.close();
  lat.sort((a, b) => a - b);
  return { perSec: ((per * callers) / total) * 1000, p50: percentile(lat, 50), p99: percentile(lat, 99), batches };
}

/** The emulator in its own process (`tanba emulator`), as the national system would be: not sharing our event loop. */
async function startEmulatorProcess(faults: object): Promise<{ url: string; stop: () => Promise<void> }> {
  // Compiled (npm run bench → dist-bench) or from source (tsx).
  const js = join(here, '..', 'src', 'cli', 'main.js');
  const entry = existsSync(js) ? [js] : ['--import', 'tsx', join(here, '..', 'src', 'cli', 'main.ts')];
  const child = spawn(process.execPath, [...entry, 'emulator', '--port', '0', '--faults', JSON.stringify(faults)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`emulator exited (${code}): ${out}`)));
  });
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function drain(dir: string, round = 0): Promise<number> {
  const COUNT = 10_000;
  const RPM = 30_000;
  const BURST = 10; // the emulator tolerates a second's worth; we keep well inside it
  const emulator = await startEmulatorProcess({ rateLimitPerMinute: RPM });
  const store = openSqliteStore({ path: join(dir, `drain-${round}.db`) });
  for (let i = 0; i < COUNT; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, COUNT - i) }, (_, j) =>
        store.append(normalizeSale({ id: `d-${i + j}`, items: [{ code: code(i + j), price: 1000 }] }, { now: Date.now() })),
      ),
    );
  }
  const tracking = createTrackingSystem({
    family: 'xtrace',
    country: 'KZ',
    baseUrl: emulator.url,
    login: 'demo',
    password: 'demo',
    limits: { requestsPerMinute: RPM, burst: BURST, maxConcurrency: 8 },
  } as never);
  let sent = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((r) => (done = r));
  const relay = createRelay({
    store,
    tracking,
    concurrency: 8,
    rateBurst: BURST,
    confirmDelayMs: 600_000, // measure delivery, not confirmation polling
    onChange: (info) => {
      if (info.state === 'sent' && ++sent === COUNT) done();
    },
  });
  const t0 = performance.now();
  await relay.start();
  await finished;
  const secs = (performance.now() - t0) / 1000;
  await relay.stop();
  const res = await fetch(`${emulator.url}/_emulator/documents`);
  const docs = ((await res.json()) as unknown[]).length;
  const stats = (await (await fetch(`${emulator.url}/_emulator/stats`)).json()) as { rateLimited: number };
  await tracking.close?.();
  await emulator.stop();
  await store.close();
  const rate = COUNT / secs;
  console.log(
    `  drain round ${round + 1}: ${COUNT} sales in ${fmt(secs, 2)} s = ${fmt(rate)} /s (${fmt((rate / (RPM / 60)) * 100)}% of ${fmt(RPM / 60)} /s); ` +
      `documents at the emulator ${docs}; 429s ${stats.rateLimited}`,
  );
  return rate / (RPM / 60);
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tanba-bench-outbox-'));
  try {
    const b: Run[] = [];
    const one: Run[] = [];
    const many: (Run & { batches: number })[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      b.push(bare(dir, r));
      one.push(await tanba(dir, r, 1));
      many.push(await tanba(dir, r, 32));
    }
    const m = (xs: Run[], k: keyof Run) => median(xs.map((x) => x[k]));
    const show = (name: string, xs: Run[]) =>
      console.log(`${name.padEnd(34)} ${fmt(m(xs, 'perSec'), 0).padStart(8)} sales/s   p50 ${fmt(m(xs, 'p50'), 3)} ms   p99 ${fmt(m(xs, 'p99'), 3)} ms`);
    console.log(`medians of ${ROUNDS} rounds, ${N} sales each (32 callers: ${N * 4})`);
    show('bare insert+commit (FULL, WAL)', b);
    show('recordSale, 1 caller', one);
    show('recordSale, 32 concurrent callers', many);
    console.log(`ratio 1 caller / bare: ${fmt(m(one, 'perSec') / m(b, 'perSec'), 2)}× (goal ≥ 0.7×)`);
    console.log(`32 callers: ${fmt(m(many, 'perSec'), 0)} sales/s (goal ≥ 20,000); ${fmt(median(many.map((x) => x.batches)), 0)} commits per round`);
    if (process.env.BENCH_SKIP_DRAIN !== '1') {
      const shares: number[] = [];
      for (let r = 0; r < ROUNDS; r++) shares.push(await drain(dir, r));
      console.log(`drain: median ${fmt(median(shares) * 100)}% of the emulator's rate limit (goal ≥ 90%)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
