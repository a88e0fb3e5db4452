/**
 * The PostgreSQL outbox (issue 13), in one run on a throw-away cluster started here with
 * `fsync = on` (every commit waits for its WAL flush, as a production server does):
 * (a) durable intake: receipts/s with 32 concurrent callers, each awaiting `append` (resolves
 *     after COMMIT) of pre-normalised sales, vs a bare `pg` loop on the same cluster: 32 concurrent
 *     callers each running INSERT (autocommit: one insert + commit per receipt) of the same JSON
 *     body into a plain table. Goals: ≥ 0.7× the bare loop, ≥ 2,000 receipts/s.
 * (b) drain: 100 registers' backlog through 1, 2 and 4 workers (in-process relays, each on its own
 *     `openPostgresOutbox` pool = its own worker id, relay concurrency 32 each) into a Webkassa
 *     emulator in its own process answering each request after 20 ms; receipts/s per worker count.
 *     The ceiling of the emulator is 100 registers / 20 ms = 5,000 receipts/s (strict order: one
 *     receipt in flight per register).
 * A warm-up round runs first; BENCH_ROUNDS (default 3, at least 3) rounds follow; figures are medians.
 * Intake ratios are given as the ratio of the medians and the median of per-round ratios (bare
 * and outbox run back to back in each round).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createWebkassaChannel, webkassaConfigSchema } from '../src/fiscal/webkassa/index.js';
import type { FiscalChannel } from '../src/fiscal/types.js';
import { openPostgresOutbox } from '../src/outbox/postgres/outbox.js';
import { createRelay } from '../src/outbox/relay.js';
import type { NewRecord } from '../src/sale/normalize.js';
import { startPostgres, type PgCluster } from '../test/support/postgres.js';
import { saleRecord } from '../test/support/receipts.js';
import { fmt, median } from './stats.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Math.max(3, Number(process.env.BENCH_ROUNDS ?? 3));
const CALLERS = 32;
const N_INTAKE = 6400; // 200 per caller
const REGS = 100;
const PER_REG = 20; // 2,000 receipts per drain
const LATENCY_MS = 20;
const WORKERS = [1, 2, 4];

const cashbox = (i: number) => `SWK${String(i + 1).padStart(8, '0')}`;
const regId = (i: number) => `pg-till-${i + 1}`;

interface Server {
  url: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** The Webkassa emulator in its own process (bench/webkassa-server), 20 ms per request. */
async function startServer(cashboxes: number): Promise<Server> {
  const js = join(here, 'webkassa-server.js');
  const entry = existsSync(js) ? [js] : ['--import', 'tsx', join(here, 'webkassa-server.ts')];
  const child = spawn(process.execPath, [...entry, JSON.stringify({ cashboxes })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /^(http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`webkassa emulator exited (${code}): ${out}`)));
  });
  const post = async (path: string, body?: unknown) => {
    const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  };
  return {
    url,
    reset: async () => {
      await post('/_emulator/reset');
      await post('/_emulator/faults', { latencyMs: LATENCY_MS });
    },
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function intakeRecords(tag: string): NewRecord[] {
  return Array.from({ length: N_INTAKE }, (_, i) => saleRecord(`${tag}-${i}`, { n: i + 1, registerId: regId(i % REGS) }));
}

/** `callers` concurrent sequential loops over `items` (each caller takes the next one). */
async function callersLoop<T>(items: T[], callers: number, fn: (x: T) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
  return items.length / ((performance.now() - t0) / 1000);
}

async function outboxIntake(cluster: PgCluster, tag: string): Promise<number> {
  const recs = intakeRecords(tag);
  const outbox = await openPostgresOutbox({ url: cluster.url, schema: cluster.newSchema('intake') });
  try {
    const perSec = await callersLoop(recs, CALLERS, (r) => outbox.append(r, 'webkassa'));
    const stats = await outbox.stats();
    if (stats.pending !== recs.length) throw new Error(`outbox intake: ${stats.pending} pending, expected ${recs.length}`);
    return perSec;
  } finally {
    await outbox.close();
  }
}

async function bareIntake(cluster: PgCluster, tag: string): Promise<number> {
  const recs = intakeRecords(tag);
  const bodies = recs.map((r) => ({ id: r.receipt.id, reg: r.receipt.registerId, body: JSON.stringify(r.receipt) }));
  const schema = cluster.newSchema('bare');
  const pool = new pg.Pool({ connectionString: cluster.url, max: CALLERS });
  try {
    await pool.query(`CREATE SCHEMA ${schema}`);
    await pool.query(`CREATE TABLE ${schema}.receipts (seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, id text NOT NULL UNIQUE, register_id text NOT NULL, body json NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
    // Open the connections before timing (the outbox opens its pool on open, too).
    await Promise.all(Array.from({ length: CALLERS }, async () => (await pool.connect()).release()));
    const insert = { name: 'bare_insert', text: `INSERT INTO ${schema}.receipts (id, register_id, body) VALUES ($1, $2, $3)` };
    const perSec = await callersLoop(bodies, CALLERS, (b) => pool.query({ ...insert, values: [b.id, b.reg, b.body] }));
    const n = (await pool.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${schema}.receipts`)).rows[0].n;
    if (n !== recs.length) throw new Error(`bare intake: ${n} rows, expected ${recs.length}`);
    return perSec;
  } finally {
    await pool.end();
  }
}

interface Drain {
  perSec: number;
  storeErrors: number;
}

/** Append the backlog of 100 registers, then time `workers` relays (own pools, own worker ids) draining it. */
async function drain(cluster: PgCluster, server: Server, tag: string, workers: number): Promise<Drain> {
  await server.reset();
  const schema = cluster.newSchema('drain');
  const intake = await openPostgresOutbox({ url: cluster.url, schema });
  const total = REGS * PER_REG;
  // Register-major order per round: register i's receipts i, i+100, i+200… (interleaved, as tills sell).
  const recs = Array.from({ length: total }, (_, k) => saleRecord(`${tag}-${k}`, { n: k + 1, registerId: regId(k % REGS) }));
  for (let i = 0; i < recs.length; i += 500) await Promise.all(recs.slice(i, i + 500).map((r) => intake.append(r, 'webkassa')));
  await intake.close();
  const ids = Array.from({ length: REGS }, (_, i) => regId(i));
  let fiscalised = 0;
  let storeErrors = 0;
  let done!: () => void;
  let failed!: (e: Error) => void;
  const finished = new Promise<void>((resolve, reject) => ((done = resolve), (failed = reject)));
  const parts = await Promise.all(
    Array.from({ length: workers }, async () => {
      const outbox = await openPostgresOutbox({ url: cluster.url, schema, poolSize: 10 });
      const channels = new Map<string, FiscalChannel & { close(): Promise<void> }>(
        ids.map((id, i) => [
          id,
          createWebkassaChannel(webkassaConfigSchema.parse({ channel: 'webkassa', url: server.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', password: 'demo', cashbox: cashbox(i), timeoutMs: 10_000 })),
        ]),
      );
      const relay = createRelay({
        queue: outbox,
        channelFor: (id) => channels.get(id) ?? null,
        registers: () => ids,
        concurrency: 32,
        idlePollMs: 200,
        onChange: (v) => {
          if (v.state === 'fiscalised' && ++fiscalised === total) done();
          else if (v.deadLetter) failed(new Error(`${v.id} went to the dead letters: ${JSON.stringify(v.reasons)}`));
        },
        onError: () => void storeErrors++,
      });
      return { outbox, channels, relay };
    }),
  );
  const t0 = performance.now();
  await Promise.all(parts.map((p) => p.relay.start()));
  await finished;
  const secs = (performance.now() - t0) / 1000;
  for (const p of parts) {
    await p.relay.stop();
    for (const ch of p.channels.values()) await ch.close();
    await p.outbox.close();
  }
  return { perSec: total / secs, storeErrors };
}

export default async function run(): Promise<void> {
  const t0 = performance.now();
  const cluster = await startPostgres({ fsync: true });
  let server: Server | null = null;
  try {
    server = await startServer(REGS);
    console.log(`cluster: throw-away PostgreSQL, fsync=on, unix socket; ${ROUNDS} rounds after a warm-up; medians`);
    const outboxRates: number[] = [];
    const bareRates: number[] = [];
    const ratios: number[] = [];
    const drains = new Map<number, number[]>(WORKERS.map((w) => [w, []]));
    let storeErrors = 0;
    for (let round = 0; round <= ROUNDS; round++) {
      const warm = round === 0;
      const bare = await bareIntake(cluster, `b${round}`);
      const ob = await outboxIntake(cluster, `o${round}`);
      for (const w of WORKERS) {
        const d = await drain(cluster, server, `d${round}w${w}`, w);
        storeErrors += d.storeErrors;
        if (!warm) drains.get(w)!.push(d.perSec);
      }
      if (warm) continue;
      bareRates.push(bare);
      outboxRates.push(ob);
      ratios.push(ob / bare);
      console.log(`  round ${round}: intake outbox ${fmt(ob, 0)}/s, bare ${fmt(bare, 0)}/s; drain ${WORKERS.map((w) => `${w}w ${fmt(drains.get(w)!.at(-1)!, 0)}/s`).join(', ')}`);
    }
    const mo = median(outboxRates);
    const mb = median(bareRates);
    const rows: [string, string, string][] = [
      ['(a) intake, 32 callers: outbox append (durable, group commit)', `${fmt(mo, 0)} receipts/s`, `goal ≥ 2,000/s: ${mo >= 2000 ? 'met' : 'NOT met'}`],
      ['    bare pg INSERT+COMMIT loop, 32 callers', `${fmt(mb, 0)} receipts/s`, ''],
      ['    outbox / bare', `${fmt(mo / mb, 2)}× (median of rounds ${fmt(median(ratios), 2)}×)`, `goal ≥ 0.7×: ${median(ratios) >= 0.7 ? 'met' : 'NOT met'}`],
    ];
    const d1 = median(drains.get(1)!);
    for (const w of WORKERS) {
      const m = median(drains.get(w)!);
      rows.push([`(b) drain, ${REGS} registers × ${PER_REG}, emulator 20 ms: ${w} worker${w > 1 ? 's' : ''}`, `${fmt(m, 0)} receipts/s`, `${fmt(m / d1, 2)}× 1 worker; ${fmt((100 * m) / (REGS * (1000 / LATENCY_MS)), 0)}% of the 5,000/s ceiling`]);
    }
    const w0 = Math.max(...rows.map((r) => r[0].length));
    const w1 = Math.max(...rows.map((r) => r[1].length));
    console.log('');
    for (const r of rows) console.log(`${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`);
    if (storeErrors > 0) console.log(`store errors reported by the relays during drains: ${storeErrors}`);
    console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  } finally {
    await server?.stop();
    await cluster.stop();
  }
}
