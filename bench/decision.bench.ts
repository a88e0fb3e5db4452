/**
 * Decision latency:
 * - with the emulator answering on loopback: p50/p99 of `check()` against the adapter's own
 *   `checkCodes()` round trip measured in the same run (goal: p99 ≤ 10 ms beyond the emulator's own time);
 * - with a tracking system that never answers: the verdict must come by budget + 50 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecider } from '../src/decision/decider.js';
import { createEmulator } from '../src/emulator/index.js';
import { openSqliteOutbox } from '../src/outbox/sqlite/outbox.js';
import { createTrackingSystem } from '../src/tracking/factory.js';
import type { TrackingSystem } from '../src/tracking/types.js';
import { fmt, median, percentile } from './stats.js';

const ROUNDS = 3;
const N = 1000;

function gtin(n: number): string {
  const body = ('462' + String(n).padStart(10, '0')).slice(0, 13);
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(body[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}
const ki = (n: number) => '01' + gtin(n % 100) + '21' + 'D' + String(n).padStart(12, '0');

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const lat: number[] = [];
  for (let i = 0; i < n; i++) {
    const s = performance.now();
    await fn(i);
    lat.push(performance.now() - s);
  }
  return lat.sort((a, b) => a - b);
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tanba-bench-decision-'));
  const emulator = await createEmulator();
  emulator.seedCodes(Array.from({ length: N }, (_, i) => ({ code: ki(i), status: 'INTRODUCED' })));
  const tracking = createTrackingSystem({ family: 'xtrace', country: 'KZ', baseUrl: emulator.url, login: 'demo', password: 'demo' } as never);
  const store = openSqliteOutbox({ path: join(dir, 'sales.db') });
  try {
    const decider = createDecider({ tracking, soldHere: store, timeZone: 'Asia/Almaty' });
    await tracking.checkCodes([ki(0)]); // log in once
    const raw: { p50: number; p99: number }[] = [];
    const dec: { p50: number; p99: number }[] = [];
    let verdictsOk = true;
    for (let r = 0; r < ROUNDS; r++) {
      const a = await timed(N, (i) => tracking.checkCodes([ki(i) + '\x1d93abcd']));
      const b = await timed(N, async (i) => {
        const d = await decider.check(ki(i) + '\x1d93abcd');
        if (d.verdict !== 'allow') verdictsOk = false;
      });
      raw.push({ p50: percentile(a, 50), p99: percentile(a, 99) });
      dec.push({ p50: percentile(b, 50), p99: percentile(b, 99) });
    }
    const m = (xs: { p50: number; p99: number }[], k: 'p50' | 'p99') => median(xs.map((x) => x[k]));
    console.log(`medians of ${ROUNDS} rounds × ${N} checks, emulator on loopback`);
    console.log(`adapter checkCodes (emulator's own time)  p50 ${fmt(m(raw, 'p50'), 2)} ms   p99 ${fmt(m(raw, 'p99'), 2)} ms`);
    console.log(`decision check()                          p50 ${fmt(m(dec, 'p50'), 2)} ms   p99 ${fmt(m(dec, 'p99'), 2)} ms`);
    console.log(`decision p99 beyond the emulator's: ${fmt(m(dec, 'p99') - m(raw, 'p99'), 2)} ms (goal ≤ 10 ms); all verdicts allow: ${verdictsOk}`);

    // A tracking system that never answers (until aborted).
    const hanging: TrackingSystem = {
      ...tracking,
      family: 'xtrace',
      limits: tracking.limits,
      checkCodes: (_codes, opts) => new Promise((_, reject) => opts?.signal?.addEventListener('abort', () => reject(opts.signal!.reason))),
    };
    const budgetMs = 300;
    const hd = createDecider({ tracking: hanging, soldHere: store, budgetMs, timeZone: 'Asia/Almaty' });
    const lat: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, async (_, i) => {
          const s = performance.now();
          const d = await hd.check(ki(batch * 20 + i) + '\x1d93abcd');
          lat.push(performance.now() - s);
          if (d.verdict !== 'unknown') verdictsOk = false;
        }),
      );
    }
    lat.sort((a, b) => a - b);
    console.log(
      `hanging system, budget ${budgetMs} ms, 200 checks (20 at a time): p50 ${fmt(percentile(lat, 50), 1)} ms  p99 ${fmt(percentile(lat, 99), 1)} ms  max ${fmt(lat[lat.length - 1], 1)} ms (goal ≤ ${budgetMs + 50} ms)`,
    );
  } finally {
    await store.close();
    await tracking.close?.();
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
