/**
 * Durable intake speed (the relay off: only "on disk before the caller hears accepted"), against a
 * bare better-sqlite3 insert+commit loop with the same pragmas (WAL, synchronous=FULL) and a
 * receipt body of the same size, measured in the same run. SQLite files in os.tmpdir().
 * - one caller awaiting each recordSale (goal ≥ 0.7× bare): intake = normalise + one fsync'd commit;
 * - 32 concurrent callers: group commit (appends of one event-loop turn share one transaction);
 *   goal ≥ 20,000 sales/s, and the commits per round show the batching.
 * Fiscal delivery speed is fiscal.bench.ts.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteOutbox } from '../src/outbox/sqlite/outbox.js';
import { normalizeSale } from '../src/sale/normalize.js';
import { createTerminal } from '../src/terminal/terminal.js';
import { saleInput } from '../test/support/receipts.js';
import { fmt, median, percentile } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const N = 4000;

interface Run {
  perSec: number;
  p50: number;
  p99: number;
}

function bare(dir: string, round: number): Run {
  const db = new Database(join(dir, `bare-${round}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE receipts (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, body TEXT NOT NULL, state TEXT NOT NULL)`);
  const ins = db.prepare(`INSERT INTO receipts (id, body, state) VALUES (?, ?, 'queued')`);
  // The body tanba stores, built once: the baseline is the commit alone.
  const body = JSON.stringify(normalizeSale(saleInput('b-0', { n: 0, registerId: 'till-1' }), { now: Date.now(), registerId: 'till-1' }).receipt);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const s = performance.now();
    ins.run(`b-${i}`, body); // autocommit: one fsync'd transaction per sale
    lat.push(performance.now() - s);
  }
  const total = performance.now() - t0;
  db.close();
  lat.sort((a, b) => a - b);
  return { perSec: (N / total) * 1000, p50: percentile(lat, 50), p99: percentile(lat, 99) };
}

async function tanba(dir: string, round: number, callers: number): Promise<Run & { commits: number; largest: number }> {
  const outbox = openSqliteOutbox({ path: join(dir, `tanba-${callers}-${round}.db`) });
  const t = await createTerminal({ outbox, registers: [{ id: 'till-1', channel: null }], tracking: null, relay: { enabled: false } });
  const lat: number[] = [];
  const per = callers === 1 ? N : Math.floor((N * 4) / callers);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async (_, c) => {
      for (let i = 0; i < per; i++) {
        const n = c * per + i;
        const s = performance.now();
        await t.recordSale(saleInput(`s-${n}`, { n }));
        lat.push(performance.now() - s);
      }
    }),
  );
  const total = performance.now() - t0;
  const { commits, largestBatch } = outbox.commitStats;
  await t.close();
  lat.sort((a, b) => a - b);
  return { perSec: ((per * callers) / total) * 1000, p50: percentile(lat, 50), p99: percentile(lat, 99), commits, largest: largestBatch };
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tanba-bench-outbox-'));
  try {
    const b: Run[] = [];
    const one: Run[] = [];
    const many: (Run & { commits: number; largest: number })[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      b.push(bare(dir, r));
      one.push(await tanba(dir, r, 1));
      many.push(await tanba(dir, r, 32));
    }
    const m = (xs: Run[], k: keyof Run) => median(xs.map((x) => x[k]));
    const show = (name: string, xs: Run[]) =>
      console.log(`${name.padEnd(34)} ${fmt(m(xs, 'perSec'), 0).padStart(8)} sales/s   p50 ${fmt(m(xs, 'p50'), 3)} ms   p99 ${fmt(m(xs, 'p99'), 3)} ms`);
    console.log(`medians of ${ROUNDS} rounds, ${N} sales each (32 callers: ${N * 4}); SQLite in ${tmpdir()}`);
    show('bare insert+commit (FULL, WAL)', b);
    show('recordSale, 1 caller', one);
    show('recordSale, 32 concurrent callers', many);
    console.log(`ratio 1 caller / bare: ${fmt(m(one, 'perSec') / m(b, 'perSec'), 2)}× (goal ≥ 0.7×)`);
    console.log(
      `32 callers: ${fmt(m(many, 'perSec'), 0)} sales/s (goal ≥ 20,000); ${fmt(median(many.map((x) => x.commits)), 0)} commits per round, ` +
        `largest batch ${fmt(median(many.map((x) => x.largest)), 0)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
