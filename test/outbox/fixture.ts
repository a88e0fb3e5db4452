/**
 * A real emulator on 127.0.0.1:0, a real xTrace adapter talking to it, a real SQLite file, and a
 * terminal composed from them, with retry timings shrunk so fault tests finish in seconds.
 */
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { createTerminal, type TerminalConfig } from '../../src/terminal/terminal.js';
import type { RecordInfo } from '../../src/outbox/types.js';
import { createTrackingSystem } from '../../src/tracking/factory.js';
import type { TrackingSystem } from '../../src/tracking/types.js';
import { ki, tempDir } from './helpers.js';

export const km = (n: number) => ki(n) + '\x1d93abcd';

export interface Fixture {
  emulator: Emulator;
  tracking: TrackingSystem;
  terminal: Awaited<ReturnType<typeof createTerminal>>;
  dbPath: string;
  changes: RecordInfo[];
  /** Resolve when `check` holds; re-checked on every record change and every 50 ms. */
  waitFor(check: () => boolean | Promise<boolean>, timeoutMs?: number, what?: string): Promise<void>;
  /** Reopen the terminal on the same file (a restart). */
  restart(overrides?: Partial<TerminalConfig>): Promise<void>;
  /** KI → how many documents at the emulator carry it. */
  documentCounts(type?: 'sale' | 'return'): Map<string, number>;
  close(): Promise<void>;
}

export function makeTracking(url: string, overrides: Record<string, unknown> = {}): TrackingSystem {
  return createTrackingSystem({
    family: 'xtrace',
    country: 'KZ',
    baseUrl: url,
    login: 'demo',
    password: 'demo',
    timeoutMs: 400,
    retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2000, maxTotalMs: 3000 },
    ...overrides,
  } as never);
}

export const fastRelay = {
  backoff: { minDelayMs: 20, maxDelayMs: 200, factor: 2, jitter: 0.5 },
  quickRetries: { retries: 1, minTimeoutMs: 5, maxTimeoutMs: 20 },
  reconcileDelayMs: 50,
  confirmDelayMs: 20,
  leaseMs: 5000,
};

export async function setup(opts: { codes?: number; config?: Partial<TerminalConfig>; tracking?: Record<string, unknown> } = {}): Promise<Fixture> {
  const emulator = await createEmulator({ seed: 7 });
  const n = opts.codes ?? 200;
  emulator.seedCodes(Array.from({ length: n }, (_, i) => ({ code: ki(i), status: 'INTRODUCED' })));
  const tmp = tempDir();
  const dbPath = tmp.file();
  const tracking = makeTracking(emulator.url, opts.tracking);
  const changes: RecordInfo[] = [];
  const listeners = new Set<() => void>();
  const base = (): TerminalConfig => ({
    tracking,
    store: { path: dbPath },
    relay: { ...fastRelay },
    decision: { budgetMs: 1500, timeZone: 'UTC' },
    ...(opts.config ?? {}),
  });
  const attach = (t: Fixture['terminal']) =>
    t.on('record', (info: RecordInfo) => {
      changes.push(info);
      for (const l of listeners) l();
    });

  const fx: Fixture = {
    emulator,
    tracking,
    terminal: await createTerminal(base()),
    dbPath,
    changes,
    async waitFor(check, timeoutMs = 20_000, what = 'condition') {
      const deadline = performance.now() + timeoutMs;
      while (!(await check())) {
        if (performance.now() > deadline) {
          const st = await fx.terminal.status().catch(() => null);
          const recent = changes.slice(-8).map((c) => `${c.id}:${c.state}:${c.attempts}`);
          throw new Error(`timed out waiting for ${what}; status ${JSON.stringify(st?.queue)} ${JSON.stringify(st?.tracking)}; last changes ${recent.join(' ')}`);
        }
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            listeners.delete(done);
            resolve();
          };
          const t = setTimeout(done, 50);
          listeners.add(done);
        });
      }
    },
    async restart(overrides = {}) {
      await fx.terminal.close();
      fx.terminal = await createTerminal({ ...base(), ...overrides });
      attach(fx.terminal);
    },
    documentCounts(type) {
      const m = new Map<string, number>();
      for (const d of emulator.documents()) {
        if (type && !d.type.toLowerCase().includes(type === 'sale' ? 'withdraw' : 'return')) continue;
        for (const c of d.codes) m.set(c, (m.get(c) ?? 0) + 1);
      }
      return m;
    },
    async close() {
      await fx.terminal.close().catch(() => undefined);
      await tracking.close?.();
      await emulator.close();
      tmp.cleanup();
    },
  };
  attach(fx.terminal);
  return fx;
}

/** Record `count` one-item sales using codes [from, from+count). */
export async function sell(fx: Fixture, from: number, count: number, prefix = 'sale'): Promise<string[]> {
  const ids: string[] = [];
  await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const id = `${prefix}-${from + i}`;
      await fx.terminal.recordSale({ id, items: [{ code: km(from + i), price: 1000 }] });
      ids.push(id);
    }),
  );
  return ids;
}

export async function allInState(fx: Fixture, ids: string[], states: string[]): Promise<boolean> {
  for (const id of ids) {
    const r = await fx.terminal.sale(id);
    if (!r || !states.includes(r.state)) return false;
  }
  return true;
}
