/**
 * Crash runner: keeps an emulator running, starts the child till again and again and SIGKILLs it at
 * random (seeded) moments, then drains what is left and checks the emulator: every acknowledged
 * sale's code is among the documents exactly once, and no code appears twice at all.
 */
import { xorshift32 as prng } from '../../support/codes.js';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createEmulator } from '../../../src/emulator/index.js';
import { createTerminal } from '../../../src/terminal/terminal.js';
import { crashCode } from './codes.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface CrashOptions {
  kills: number;
  seed?: number;
  /** Longest life of a child after it is ready, ms. */
  maxLifeMs?: number;
  maxSalesPerLife?: number;
  callers?: number;
  relayConcurrency?: number;
  log?: (line: string) => void;
}

export interface CrashReport {
  kills: number;
  acknowledged: number;
  documents: number;
  missing: string[];
  duplicated: string[];
  /** Codes at the emulator more than once, acknowledged or not. */
  anyDuplicates: string[];
  drainMs: number;
  /** Records by final state. */
  states: Record<string, number>;
}

export async function runCrash(opts: CrashOptions): Promise<CrashReport> {
  const random = prng(opts.seed ?? 42);
  const dir = mkdtempSync(join(tmpdir(), 'tanba-crash-'));
  const db = join(dir, 'sales.db');
  const emulator = await createEmulator({ seed: opts.seed ?? 42 });
  const acked = new Map<string, string>(); // id → ki
  try {
    for (let run = 0; run < opts.kills; run++) {
      // The codes this life may sell are in circulation at the emulator.
      emulator.seedCodes(Array.from({ length: opts.maxSalesPerLife ?? 300 }, (_, n) => ({ code: crashCode(run, n).ki, status: 'INTRODUCED' })));
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'child.ts')], {
        env: {
          ...process.env,
          CRASH_DB: db,
          CRASH_URL: emulator.url,
          CRASH_RUN: String(run),
          CRASH_MAX_SALES: String(opts.maxSalesPerLife ?? 300),
          CRASH_CALLERS: String(opts.callers ?? 4),
          CRASH_RELAY_CONCURRENCY: String(opts.relayConcurrency ?? 4),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      const ready = new Promise<void>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout });
        lines.on('line', (line) => {
          if (line === 'ready') resolve();
          else if (line.startsWith('ack ')) {
            const [, id, ki] = line.split(' ');
            acked.set(id, ki);
          }
        });
        void exited.then((code) => reject(new Error(`child ${run} exited (${code}) before it was killed: ${stderr.slice(-2000)}`)));
      });
      await ready;
      const lifeMs = Math.floor(random() * (opts.maxLifeMs ?? 400));
      await new Promise((r) => setTimeout(r, lifeMs)); // the random moment of the power cut
      child.kill('SIGKILL');
      const code = await exited;
      if (code !== null && code !== 0) throw new Error(`child ${run} failed (${code}): ${stderr.slice(-2000)}`);
      opts.log?.(`life ${run + 1}/${opts.kills}: killed after ${lifeMs} ms; acknowledged so far ${acked.size}`);
    }
    // Power back for good: drain everything.
    const t0 = performance.now();
    const states: Record<string, number> = {};
    const terminal = await createTerminal({
      tracking: { family: 'xtrace', country: 'KZ', baseUrl: emulator.url, login: 'demo', password: 'demo', timeoutMs: 2000 },
      store: { path: db },
      relay: { concurrency: 4, reconcileDelayMs: 50, reconcileMarginMs: 1000, confirmDelayMs: 20, backoff: { minDelayMs: 20, maxDelayMs: 200 } },
    });
    try {
      // Open = not yet confirmed or rejected. Counted through a second (read-only) connection.
      const probe = new Database(db, { readonly: true });
      const open = probe.prepare(`SELECT COUNT(*) AS n FROM records WHERE state IN ('queued','sending','unknown','sent')`);
      try {
        while ((open.get() as { n: number }).n > 0) {
          // Re-check the condition every 100 ms while the relay works.
          await new Promise<void>((r) => setTimeout(r, 100));
        }
      } finally {
        probe.close();
      }
      for (const id of acked.keys()) {
        const st = (await terminal.sale(id))?.state ?? 'absent';
        states[st] = (states[st] ?? 0) + 1;
      }
    } finally {
      await terminal.close();
    }
    const drainMs = performance.now() - t0;
    const counts = new Map<string, number>();
    const docs = emulator.documents();
    for (const d of docs) for (const c of d.codes) counts.set(c, (counts.get(c) ?? 0) + 1);
    const missing: string[] = [];
    const duplicated: string[] = [];
    for (const [id, ki] of acked) {
      const n = counts.get(ki) ?? 0;
      if (n === 0) missing.push(id);
      if (n > 1) duplicated.push(id);
    }
    const anyDuplicates = [...counts].filter(([, n]) => n > 1).map(([c]) => c);
    return { kills: opts.kills, acknowledged: acked.size, documents: docs.length, missing, duplicated, anyDuplicates, drainMs, states };
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
