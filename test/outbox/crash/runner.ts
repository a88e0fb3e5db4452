/**
 * Crash runner. The parent owns one Webkassa emulator (MAX_REGISTERS cashboxes) that keeps running
 * across kills. It starts the child till (child.ts) again and again on the same SQLite file, with
 * emulator faults in some lives (latency, connections reset after the receipt was issued, 503s,
 * answers held back past the client's timeout after issuing), and SIGKILLs it at a seeded random
 * moment. Then a last life, in this process, drains everything, and the emulator is the judge:
 * - every acknowledged sale is exactly one receipt (by ExternalCheckNumber, on its register's cashbox);
 * - no receipt twice at all (no ExternalCheckNumber, no marking code in two receipts);
 * - per register, receipts are in the order the sales were appended (= acknowledged: one sequential
 *   caller per register; ids carry life and sequence number);
 * - the fiscal result stored with each sale is the receipt the cash register issued.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { openTerminal } from '../../../src/batteries.js';
import { createWebkassaEmulator, type WebkassaFaults } from '../../../src/emulator/webkassa/index.js';
import type { SaleView } from '../../../src/outbox/ports.js';
import { mulberry32 } from '../../../src/emulator/prng.js';
import { cashboxOf, compareKeys, crashTerminalOptions, externalNumber, MAX_REGISTERS, parseCrashId, type CrashKey } from './codes.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface CrashOptions {
  kills: number;
  seed?: number;
  /** Registers of the till (1–3), one caller each. Default 3. */
  registers?: number;
  /** Sales per register per life. Default 40. */
  maxSalesPerLife?: number;
  /** Longest life after the child said `ready`, ms (each life is uniform in 0..this). Default 1500. */
  maxLifeMs?: number;
  /** The channel's per-call timeout, ms (the hang fault holds answers longer than this). Default 300. */
  timeoutMs?: number;
  /** Give up the final drain after this long. Default 120 s. */
  drainTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface CrashReport {
  seed: number;
  kills: number;
  registers: number;
  acknowledged: number;
  /** recordSale calls that rejected (the caller heard an error: allowed, not acknowledged). */
  callerErrors: number;
  /** Sales on disk whose acknowledgement the kill cut off (they are delivered like any other). */
  onDiskNotAcknowledged: number;
  receipts: number;
  lives: {
    byFault: Record<string, number>;
    /** Kills that left a receipt `sending` (a request possibly on the wire): recovered as `unknown`. */
    killedMidSend: number;
    /** Kills that left a receipt `unknown` (an ambiguous send not yet reconciled). */
    killedWithUnknown: number;
  };
  requests: {
    check: number;
    /** Check requests whose connection the emulator reset after issuing (an ambiguous send). */
    checkReset: number;
    /** Check requests answered "duplicate ExternalCheckNumber" (14): a resend recognised. */
    checkDuplicate: number;
    /** GetTicketByExternalCheckNumber calls (reconciliation), found / not found (19). */
    lookups: number;
    lookupFound: number;
    lookupNotFound: number;
    http503: number;
    /** Error 9 (another request on the cashbox in progress). */
    busy: number;
    /** Error 2 (token superseded: one login, several registers). */
    tokenRefused: number;
    authorize: number;
  };
  /** Acknowledged sales without a receipt. */
  missing: string[];
  /** Acknowledged sales with more than one receipt. */
  duplicated: string[];
  /** Any ExternalCheckNumber or marking code in more than one receipt, acknowledged or not. */
  anyDuplicates: string[];
  /** Receipts out of append order on their cashbox. */
  outOfOrder: string[];
  /** Receipts on the wrong cashbox, or for sales this till never stored. */
  strays: string[];
  /** Acknowledged sales whose stored fiscal sign is not their receipt's. */
  wrongFiscal: string[];
  /** Acknowledged sales not fiscalised when the drain ended: "id state". */
  notFiscalised: string[];
  /** Receipts still to fiscalise when the last life started, and how long it took. */
  drainBacklog: number;
  drainMs: number;
  seconds: number;
}

/** A seeded choice of emulator faults for one life. */
function lifeFaults(random: () => number, timeoutMs: number): { name: string; faults: WebkassaFaults } {
  const x = random();
  if (x < 0.3) return { name: 'none', faults: {} };
  if (x < 0.5) return { name: 'latency', faults: { latencyMs: 2 + Math.floor(random() * 20) } };
  if (x < 0.7) return { name: 'reset-after-issue', faults: { resetConnections: 0.25, latencyMs: 1 } };
  if (x < 0.9) return { name: '503', faults: { errorRate: 0.1, errorStatus: 503 } };
  return { name: 'hang-after-issue', faults: { hangAfterIssueMs: timeoutMs + 100 } };
}

/** What the dead child left behind, read through a read-only connection. */
function leftBehind(db: string): { sending: number; unknown: number; open: number } {
  const probe = new Database(db, { readonly: true, fileMustExist: true });
  try {
    const rows = probe.prepare(`SELECT state, COUNT(*) AS n FROM deliveries WHERE dead = 0 AND state IN ('queued','sending','unknown') GROUP BY state`).all() as { state: string; n: number }[];
    const n = (state: string) => rows.find((r) => r.state === state)?.n ?? 0;
    return { sending: n('sending'), unknown: n('unknown'), open: n('queued') + n('sending') + n('unknown') };
  } catch (e) {
    // The first life may die before it created the tables.
    if (/no such table/.test(String(e))) return { sending: 0, unknown: 0, open: 0 };
    throw e;
  } finally {
    probe.close();
  }
}

export async function runCrash(opts: CrashOptions): Promise<CrashReport> {
  const started = performance.now();
  const seed = opts.seed ?? 42;
  const random = mulberry32(seed);
  const registers = Math.min(MAX_REGISTERS, Math.max(1, opts.registers ?? 3));
  const maxSales = opts.maxSalesPerLife ?? 40;
  const maxLifeMs = opts.maxLifeMs ?? 1500;
  const timeoutMs = opts.timeoutMs ?? 300;
  const dir = mkdtempSync(join(tmpdir(), 'tanba-crash-'));
  const db = join(dir, 'sales.db');
  const emulator = await createWebkassaEmulator({ cashboxes: MAX_REGISTERS, seed });
  const acked: string[] = [];
  let callerErrors = 0;
  const lives: CrashReport['lives'] = { byFault: {}, killedMidSend: 0, killedWithUnknown: 0 };
  let backlog = 0;
  try {
    for (let life = 0; life < opts.kills; life++) {
      const { name, faults } = lifeFaults(random, timeoutMs);
      lives.byFault[name] = (lives.byFault[name] ?? 0) + 1;
      emulator.setFaults(faults);
      const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'child.ts')], {
        env: {
          ...process.env,
          CRASH_DB: db,
          CRASH_URL: emulator.url,
          CRASH_LIFE: String(life),
          CRASH_REGISTERS: String(registers),
          CRASH_MAX_SALES: String(maxSales),
          CRASH_TIMEOUT_MS: String(timeoutMs),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      // 'close': the process is gone AND its stdout is read to the end (no ack line is missed).
      const closed = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
      let killed = false;
      const ready = new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (line === 'ready') resolve();
          else if (line.startsWith('ack ')) acked.push(line.slice(4));
          else if (line.startsWith('err ')) callerErrors++;
        });
        void closed.then(([code, signal]) => {
          if (!killed) reject(new Error(`child ${life} ended on its own (${code ?? signal}) before it was killed:\n${stderr.slice(-3000)}`));
        });
      });
      try {
        await ready;
        const lifeMs = Math.floor(random() * maxLifeMs);
        await new Promise((r) => setTimeout(r, lifeMs)); // the random moment of the crash
        killed = true;
        child.kill('SIGKILL');
        const [, signal] = await closed;
        if (signal !== 'SIGKILL') throw new Error(`child ${life} did not die by SIGKILL (${signal}):\n${stderr.slice(-3000)}`);
        const left = leftBehind(db);
        if (left.sending > 0) lives.killedMidSend++;
        if (left.unknown > 0) lives.killedWithUnknown++;
        backlog = left.open;
        opts.log?.(`life ${life + 1}/${opts.kills} [${name}]: killed after ${lifeMs} ms; acknowledged so far ${acked.length}; left sending ${left.sending}, unknown ${left.unknown}, open ${left.open}`);
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    }

    // Power back for good, no faults: this process drains everything on the file.
    emulator.setFaults({});
    const t0 = performance.now();
    const terminal = await openTerminal(crashTerminalOptions({ db, url: emulator.url, registers, timeoutMs: 2000 }));
    const views = new Map<string, SaleView>();
    const notFiscalised: string[] = [];
    let onDiskIds: string[] = [];
    try {
      const waiting = new Set(acked);
      await new Promise<void>((resolve, reject) => {
        let checking = false;
        let again = false;
        const finish = (e?: Error) => {
          clearTimeout(timer);
          terminal.off('receipt', onReceipt);
          if (e) reject(e);
          else resolve();
        };
        const timer = setTimeout(() => finish(), opts.drainTimeoutMs ?? 120_000); // reported as notFiscalised below
        // Done when every acknowledged sale is fiscalised and nothing on the file is open (or dead).
        const check = async (): Promise<void> => {
          if (checking) return void (again = true);
          checking = true;
          try {
            do {
              again = false;
              if (waiting.size === 0 && (await terminal.receipts({ which: 'open', limit: 1 })).length === 0) return finish();
            } while (again);
          } catch (e) {
            finish(e as Error);
          } finally {
            checking = false;
          }
        };
        const onReceipt = (v: SaleView) => {
          if (v.state === 'fiscalised') waiting.delete(v.id);
          if (v.deadLetter || v.state === 'rejected') return finish(); // stuck for good: reported below
          void check();
        };
        terminal.on('receipt', onReceipt);
        void (async () => {
          for (const id of [...waiting]) if ((await terminal.sale(id))?.state === 'fiscalised') waiting.delete(id);
          await check();
        })().catch((e: Error) => finish(e));
      });
      for (const id of acked) {
        const v = await terminal.sale(id);
        if (v) views.set(id, v);
        if (v?.state !== 'fiscalised') notFiscalised.push(`${id} ${v?.state ?? 'absent'}${v?.deadLetter ? ' (dead letter)' : ''}`);
      }
      onDiskIds = (await terminal.receipts({ which: 'all', limit: 10_000_000 })).map((r) => r.id);
    } finally {
      await terminal.close();
    }
    const drainMs = performance.now() - t0;

    // ---- the emulator judges ----
    const receipts = emulator.receipts();
    const requests = emulator.requests();
    const onDisk = new Set(onDiskIds);
    const byExternal = new Map<string, typeof receipts>();
    const markCount = new Map<string, number>();
    for (const r of receipts) {
      byExternal.set(r.externalCheckNumber, [...(byExternal.get(r.externalCheckNumber) ?? []), r]);
      for (const m of r.marks) markCount.set(m, (markCount.get(m) ?? 0) + 1);
    }
    const missing: string[] = [];
    const duplicated: string[] = [];
    const wrongFiscal: string[] = [];
    for (const id of acked) {
      const rs = byExternal.get(externalNumber(id)) ?? [];
      if (rs.length === 0) missing.push(id);
      if (rs.length > 1) duplicated.push(id);
      const v = views.get(id);
      if (rs.length === 1 && v?.fiscal && v.fiscal.fiscalSign !== rs[0].checkNumber) wrongFiscal.push(`${id}: stored ${v.fiscal.fiscalSign}, issued ${rs[0].checkNumber}`);
    }
    const anyDuplicates = [
      ...[...byExternal].filter(([, rs]) => rs.length > 1).map(([x, rs]) => `ExternalCheckNumber ${x} ×${rs.length}`),
      ...[...markCount].filter(([, n]) => n > 1).map(([m, n]) => `mark ${m} ×${n}`),
    ];
    const strays: string[] = [];
    const outOfOrder: string[] = [];
    const last = new Map<string, { key: CrashKey; id: string }>();
    const idOf = new Map(onDiskIds.map((id) => [externalNumber(id), id]));
    for (const r of receipts) {
      const id = idOf.get(r.externalCheckNumber);
      const key = id ? parseCrashId(id) : null;
      if (!id || !key || !onDisk.has(id)) {
        strays.push(`${r.externalCheckNumber} on ${r.cashbox}: no such sale on disk`);
        continue;
      }
      if (r.cashbox !== cashboxOf(key.register)) strays.push(`${id} on ${r.cashbox}, expected ${cashboxOf(key.register)}`);
      const prev = last.get(r.cashbox);
      if (prev && compareKeys(prev.key, key) >= 0) outOfOrder.push(`${r.cashbox}: ${id} after ${prev.id}`);
      last.set(r.cashbox, { key, id });
    }
    const ackedSet = new Set(acked);
    const count = (f: (q: (typeof requests)[number]) => boolean) => requests.filter(f).length;
    const isCheck = (q: (typeof requests)[number]) => q.path === '/api/v4/check';
    const isLookup = (q: (typeof requests)[number]) => q.path.endsWith('GetTicketByExternalCheckNumber');
    return {
      seed,
      kills: opts.kills,
      registers,
      acknowledged: acked.length,
      callerErrors,
      onDiskNotAcknowledged: onDiskIds.filter((id) => !ackedSet.has(id)).length,
      receipts: receipts.length,
      lives,
      requests: {
        check: count(isCheck),
        checkReset: count((q) => isCheck(q) && q.httpStatus === 0),
        checkDuplicate: count((q) => isCheck(q) && q.errorCodes.includes(14)),
        lookups: count(isLookup),
        lookupFound: count((q) => isLookup(q) && q.httpStatus === 200 && q.errorCodes.length === 0),
        lookupNotFound: count((q) => isLookup(q) && q.errorCodes.includes(19)),
        http503: count((q) => q.httpStatus === 503),
        busy: count((q) => q.errorCodes.includes(9)),
        tokenRefused: count((q) => q.errorCodes.includes(2)),
        authorize: count((q) => q.path === '/api/v4/Authorize'),
      },
      missing,
      duplicated,
      anyDuplicates,
      outOfOrder,
      strays,
      wrongFiscal,
      notFiscalised,
      drainBacklog: backlog,
      drainMs: Math.round(drainMs),
      seconds: Math.round((performance.now() - started) / 100) / 10,
    };
  } finally {
    await emulator.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** True when the run found nothing wrong. */
export function crashOk(r: CrashReport): boolean {
  return (
    r.acknowledged > 0 &&
    r.missing.length + r.duplicated.length + r.anyDuplicates.length + r.outOfOrder.length + r.strays.length + r.wrongFiscal.length + r.notFiscalised.length === 0
  );
}
