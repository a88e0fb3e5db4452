/**
 * Kill runner for the PostgreSQL outbox: N `tanba relay` worker processes share one queue on a
 * throw-away cluster and drain registers × perRegister receipts, appended up front by this process,
 * into one Webkassa emulator (one cashbox per register, a little latency so sends overlap kills).
 * Workers are SIGKILLed at seeded random moments (a seeded fraction of the receipts issued so far,
 * a seeded victim among the workers that are up) and restarted at once; leases are short, so the
 * receipts a dead worker held (claimed or mid-send) are taken over by the others. The emulator is
 * the judge:
 * - every appended receipt is exactly one receipt at the emulator (by ExternalCheckNumber), on its
 *   register's cashbox;
 * - per cashbox, the receipts are in append order;
 * - the emulator never saw two requests at once on one cashbox (error 9);
 * - the fiscal result stored with each receipt is the one the cash register issued.
 *
 * Each worker is started as `node_modules/.bin/tsx src/cli/main.ts relay …` in a process group of
 * its own and killed as a group: tsx runs the program in a child process, and a SIGKILL of the tsx
 * wrapper alone would leave that child (the real worker) running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openTerminal } from '../../../src/batteries.js';
import { createWebkassaEmulator } from '../../../src/emulator/webkassa/index.js';
import { mulberry32 } from '../../../src/emulator/prng.js';
import { saleInput } from '../../support/receipts.js';
import { startPostgres } from '../../support/postgres.js';

export interface PgKillOptions {
  /** Worker processes alive at once. Default 4. */
  workers?: number;
  /** Registers (= emulator cashboxes). Default 20. */
  registers?: number;
  /** Receipts per register. Default 200. */
  perRegister?: number;
  /** SIGKILLs in total. Default 24. */
  kills?: number;
  seed?: number;
  /** `relay.leaseSeconds` of the workers. Default 1. */
  leaseSeconds?: number;
  /** Emulator latency per request, ms. Default 5. */
  latencyMs?: number;
  /** `relay.concurrency` of each worker. Default 8. */
  concurrency?: number;
  /** Give up the drain after this long. Default 100 s. */
  drainTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface PgKillReport {
  seed: number;
  workers: number;
  registers: number;
  appended: number;
  /** Receipts the emulator issued. */
  receipts: number;
  kills: number;
  /** Kills while receipts were still to issue (the others hit a drained queue). */
  killsWhilePending: number;
  /** Worker processes started in all (workers + one per kill). */
  started: number;
  /** Leases the killed workers held at the moment of their death (claimed or mid-send). */
  orphanedLeases: number;
  /** Of those, receipts that were `sending` (a request possibly on the wire). */
  orphanedSending: number;
  /** Orphaned leases later claimed again by another worker (a take-over after the lease lapsed). */
  takeOvers: number;
  /** Orphaned `sending` receipts taken over (as `unknown`, reconciled before any resend). */
  takeOversMidSend: number;
  requests: {
    check: number;
    /** GetTicketByExternalCheckNumber: reconciliations of `unknown` receipts. */
    lookups: number;
    lookupFound: number;
    lookupNotFound: number;
    /** Error 14: a resend recognised as a duplicate (never a second receipt). */
    checkDuplicate: number;
    /** Error 9: two requests at once on one cashbox. Must be 0. */
    busy: number;
    /** Error 2: the token was superseded by another worker's Authorize (renewed and repeated). */
    tokenRefused: number;
    authorize: number;
  };
  /** Appended receipts without a receipt at the emulator. */
  missing: string[];
  /** ExternalCheckNumbers issued more than once. */
  duplicated: string[];
  /** Cashboxes whose receipts are not in append order: "register: first difference". */
  outOfOrder: string[];
  /** Receipts on the wrong cashbox, or for ids never appended. */
  strays: string[];
  /** Receipts whose stored fiscal sign is not the one the emulator issued. */
  wrongFiscal: string[];
  /** Receipts not fiscalised when the drain ended: "id state". */
  notFiscalised: string[];
  /** Receipts still pending in the fleet view at the end. */
  pendingAtEnd: number;
  deadLetters: number;
  appendMs: number;
  drainMs: number;
  seconds: number;
}

interface Worker {
  slot: number;
  proc: ChildProcess;
  /** The worker id it printed (`tanba relay <id> delivering for …`), once up. */
  id: string | null;
  ready: Promise<void>;
  exited: Promise<void>;
  out: string;
  dead: boolean;
}

const cashboxOf = (i: number) => `SWK${String(i + 1).padStart(8, '0')}`;
const regIdOf = (i: number) => `kill-r${String(i + 1).padStart(2, '0')}`;
const loginOf = (i: number) => `kill-${i + 1}@webkassa.kz`;
const OPEN = ['queued', 'sending', 'unknown'];

export async function runPostgresKill(opts: PgKillOptions = {}): Promise<PgKillReport> {
  const started = performance.now();
  const seed = opts.seed ?? 20261213;
  const random = mulberry32(seed);
  const nWorkers = opts.workers ?? 4;
  const nRegs = opts.registers ?? 20;
  const perReg = opts.perRegister ?? 200;
  const nKills = opts.kills ?? 24;
  const log = opts.log ?? (() => undefined);
  const total = nRegs * perReg;

  const cluster = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'tanba-pgkill-'));
  const workers = new Set<Worker>();
  const killAll = (): void => {
    for (const w of workers) killGroup(w, 'SIGKILL');
  };
  process.once('exit', killAll);
  let emu: Awaited<ReturnType<typeof createWebkassaEmulator>> | null = null;
  let probe: pg.Pool | null = null;
  let terminal: Awaited<ReturnType<typeof openTerminal>> | null = null;
  let ticker: NodeJS.Timeout | undefined;
  try {
    emu = await createWebkassaEmulator({
      cashboxes: nRegs,
      seed,
      users: Array.from({ length: nRegs }, (_, i) => ({ login: loginOf(i), password: 'demo' })),
      faults: { latencyMs: opts.latencyMs ?? 5 },
    });
    const schema = cluster.newSchema('kill');
    const regs = Array.from({ length: nRegs }, (_, i) => ({ id: regIdOf(i), cashbox: cashboxOf(i), login: loginOf(i) }));
    const fiscalBase = { channel: 'webkassa' as const, url: emu.url, apiKey: 'WKD-demo', password: 'demo', timeoutMs: 2000 };
    const configFile = join(dir, 'relay.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        store: { kind: 'postgres', url: cluster.url, schema },
        fiscal: fiscalBase,
        registers: regs.map((r) => ({ id: r.id, fiscal: { cashbox: r.cashbox, login: r.login } })),
        relay: { leaseSeconds: opts.leaseSeconds ?? 1, concurrency: opts.concurrency ?? 8, reconcileDelayMs: 20, retryMinMs: 20, retryMaxMs: 200 },
        log: { level: 'silent' },
      }),
    );

    // ---- intake, up front: one sequential caller per register, registers in parallel ----
    terminal = await openTerminal({
      store: { kind: 'postgres', url: cluster.url, schema },
      registers: regs.map((r) => ({ id: r.id, fiscal: { ...fiscalBase, cashbox: r.cashbox, login: r.login } })),
      tracking: null,
      relay: { enabled: false },
    });
    const order = new Map<string, string[]>(regs.map((r) => [r.id, []]));
    const t0 = performance.now();
    await Promise.all(
      regs.map(async (r, ri) => {
        for (let i = 0; i < perReg; i++) {
          const id = `${r.id}-${String(i).padStart(4, '0')}`;
          await terminal!.recordSale(saleInput(id, { n: ri * 10_000 + i + 1, registerId: r.id }));
          order.get(r.id)!.push(id);
        }
      }),
    );
    const appendMs = performance.now() - t0;
    log(`appended ${total} receipts in ${Math.round(appendMs)} ms`);

    probe = new pg.Pool({ connectionString: cluster.url, max: 2 });
    const D = `${schema}.deliveries`;

    // ---- workers ----
    const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
    let startedCount = 0;
    const startWorker = (slot: number): Worker => {
      startedCount++;
      const proc = spawn(tsx, ['src/cli/main.ts', 'relay', '--config', configFile, '--db', cluster.url], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const w: Worker = { slot, proc, id: null, ready: Promise.resolve(), exited: Promise.resolve(), out: '', dead: false };
      w.exited = once(proc, 'exit').then(() => {
        w.dead = true;
      });
      w.ready = new Promise<void>((resolve, reject) => {
        const onData = (d: Buffer) => {
          w.out = (w.out + d.toString()).slice(-4000);
          const m = /tanba relay (\S+) delivering for (\d+) register/.exec(w.out);
          if (m && w.id === null) {
            w.id = m[1];
            resolve();
          }
        };
        proc.stdout!.on('data', onData);
        proc.stderr!.on('data', onData);
        void w.exited.then(() => reject(new Error(`worker ${slot} exited before it was up (${proc.exitCode ?? proc.signalCode}): ${w.out}`)));
      });
      w.ready.catch(() => undefined);
      workers.add(w);
      return w;
    };
    /** What the queue and the workers look like (for a failure message). */
    const diagnose = async (): Promise<string> => {
      const heads = await probe!.query(
        `SELECT DISTINCT ON (d.register_id) d.register_id, d.seq, d.state, d.lease_worker, d.lease_until, now() AS now, d.next_attempt_at, d.claims, d.attempts, d.last_error
         FROM ${D} d WHERE NOT d.dead AND d.state = ANY($1::text[]) ORDER BY d.register_id, d.seq`,
        [OPEN],
      );
      const ws = slots.map((w) => `worker ${w.slot} ${w.id ?? '(starting)'} ${w.dead ? 'dead' : 'alive'}: ${w.out.slice(-600)}`);
      const last = emu!.requests().slice(-10);
      const activity = await probe!.query(
        `SELECT pid, state, wait_event_type, wait_event, now() - xact_start AS xact_age, left(query, 120) AS query FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      return [...heads.rows.map((r) => JSON.stringify(r)), ...ws, ...last.map((r) => JSON.stringify(r)), ...activity.rows.map((r) => JSON.stringify(r))].join('\n');
    };
    const tDrain = performance.now();
    const slots: Worker[] = Array.from({ length: nWorkers }, (_, i) => startWorker(i));
    ticker = setInterval(() => {
      void fiscalised().then(
        (n) => log(`t+${Math.round(performance.now() - tDrain)} ms: ${n} fiscalised, ${slots.filter((w) => w.id !== null && !w.dead).length} workers up`),
        () => undefined,
      );
    }, 2000);

    // Progress = receipts fiscalised in the store (cheap to count; the emulator's own list is deep-copied on every read).
    const fiscalised = async () => (await probe!.query<{ n: number }>(`SELECT count(*)::integer AS n FROM ${D} WHERE state = 'fiscalised'`)).rows[0].n;
    const poll = () => new Promise<void>((r) => setTimeout(r, 20));
    // Kill moments: every worker lives a seeded 300–2500 ms after it came up (claiming, sending,
    // reconciling), then it is SIGKILLed and a new one takes its slot, until `kills` kills were made.
    const orphans: { seq: number; claims: number; state: string }[] = [];
    let kills = 0;
    let killsWhilePending = 0;
    const deadline = Date.now() + (opts.drainTimeoutMs ?? 100_000);
    const lifeMs = () => 300 + Math.floor(random() * 2200);
    const killAt = new Map<Worker, number>();
    while (kills < nKills) {
      const done = await fiscalised();
      if (Date.now() > deadline) throw new Error(`kill ${kills + 1}/${nKills} not reached: ${done} of ${total} fiscalised\n${await diagnose()}`);
      // A worker that died by itself (not killed here) fails the run.
      for (const w of slots) if (w.dead) throw new Error(`worker ${w.slot} (${w.id ?? 'starting'}) exited by itself (${w.proc.exitCode ?? w.proc.signalCode}): ${w.out}`);
      for (const w of slots) if (w.id !== null && !killAt.has(w)) killAt.set(w, Date.now() + lifeMs());
      const victim = slots.find((w) => w.id !== null && Date.now() >= killAt.get(w)!);
      if (!victim) {
        await poll();
        continue;
      }
      killGroup(victim, 'SIGKILL');
      await victim.exited;
      kills++;
      if (done < total) killsWhilePending++;
      const held = await probe.query<{ seq: string; claims: number; state: string }>(
        `SELECT seq, claims, state FROM ${D} WHERE lease_worker = $1 AND NOT dead AND state = ANY($2::text[])`,
        [victim.id, OPEN],
      );
      for (const r of held.rows) orphans.push({ seq: Number(r.seq), claims: r.claims, state: r.state });
      log(`kill ${kills}/${nKills} at ${done} fiscalised: worker ${victim.slot} (${victim.id}) held ${held.rows.length} lease(s) [${held.rows.map((r) => r.state).join(',')}]`);
      workers.delete(victim);
      killAt.delete(victim);
      slots[victim.slot] = startWorker(victim.slot);
    }

    // ---- drain ----
    let pendingAtEnd = -1;
    let deadLetters = 0;
    for (;;) {
      const f = await terminal.fleet();
      pendingAtEnd = f.totals.pending;
      deadLetters = f.totals.deadLetters;
      if (pendingAtEnd === 0) break;
      if (Date.now() > deadline) break;
      for (const w of slots) if (w.dead) throw new Error(`worker ${w.slot} (${w.id ?? 'starting'}) exited by itself (${w.proc.exitCode ?? w.proc.signalCode}): ${w.out}`);
      await new Promise<void>((r) => setTimeout(r, 50));
    }
    const drainMs = performance.now() - tDrain;
    clearInterval(ticker);
    if (pendingAtEnd !== 0) log(`not drained:\n${await diagnose()}`);
    log(`drain ended after ${Math.round(drainMs)} ms, ${pendingAtEnd} pending`);

    // Stop the workers (SIGTERM, then SIGKILL after 10 s).
    await Promise.all(
      [...workers].map(async (w) => {
        if (w.dead) return;
        w.proc.kill('SIGTERM'); // tsx passes it on to the worker, which finishes its in-flight sends
        const t = setTimeout(() => killGroup(w, 'SIGKILL'), 10_000);
        await w.exited;
        clearTimeout(t);
        // The tsx wrapper exited; make sure nothing of the group is left.
        killGroup(w, 'SIGKILL');
      }),
    );
    workers.clear();

    // ---- the judge ----
    const receipts = emu.receipts();
    const requests = emu.requests();
    const regOfCashbox = new Map(regs.map((r) => [r.cashbox, r.id]));
    const appended = new Map<string, string>(); // id → register
    for (const [reg, ids] of order) for (const id of ids) appended.set(id, reg);
    const count = new Map<string, number>();
    const strays: string[] = [];
    const perCashbox = new Map<string, string[]>(regs.map((r) => [r.id, []]));
    for (const x of receipts) {
      count.set(x.externalCheckNumber, (count.get(x.externalCheckNumber) ?? 0) + 1);
      const reg = regOfCashbox.get(x.cashbox);
      if (!reg || appended.get(x.externalCheckNumber) !== reg) strays.push(`${x.externalCheckNumber} on ${x.cashbox}`);
      else perCashbox.get(reg)!.push(x.externalCheckNumber);
    }
    const missing = [...appended.keys()].filter((id) => !count.has(id));
    const duplicated = [...count].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`);
    const outOfOrder: string[] = [];
    for (const [reg, ids] of order) {
      const got = perCashbox.get(reg)!;
      const i = ids.findIndex((id, k) => got[k] !== id);
      if (i >= 0 || got.length !== ids.length) outOfOrder.push(`${reg}: at ${i >= 0 ? i : ids.length} expected ${ids[i] ?? '(end)'}, got ${got[i >= 0 ? i : ids.length] ?? '(end)'}`);
    }
    const stored = await probe.query<{ id: string; state: string; sign: string | null; claims: number; seq: string }>(
      `SELECT r.id, d.state, d.result->>'fiscalSign' AS sign, d.claims, d.seq FROM ${D} d JOIN ${schema}.receipts r ON r.seq = d.seq`,
    );
    const signOf = new Map(receipts.map((x) => [x.externalCheckNumber, x.checkNumber]));
    const wrongFiscal: string[] = [];
    const notFiscalised: string[] = [];
    const claimsBySeq = new Map<number, number>();
    for (const r of stored.rows) {
      claimsBySeq.set(Number(r.seq), r.claims);
      if (r.state !== 'fiscalised') notFiscalised.push(`${r.id} ${r.state}`);
      else if (signOf.get(r.id) !== r.sign) wrongFiscal.push(`${r.id}: stored ${r.sign}, issued ${signOf.get(r.id)}`);
    }
    const takenOver = orphans.filter((o) => (claimsBySeq.get(o.seq) ?? 0) > o.claims);
    const path = (p: string) => requests.filter((r) => r.path.endsWith(p));
    const checks = path('/api/v4/check');
    const lookups = path('/GetTicketByExternalCheckNumber');
    return {
      seed,
      workers: nWorkers,
      registers: nRegs,
      appended: appended.size,
      receipts: receipts.length,
      kills,
      killsWhilePending,
      started: startedCount,
      orphanedLeases: orphans.length,
      orphanedSending: orphans.filter((o) => o.state === 'sending').length,
      takeOvers: takenOver.length,
      takeOversMidSend: takenOver.filter((o) => o.state === 'sending').length,
      requests: {
        check: checks.length,
        lookups: lookups.length,
        lookupFound: lookups.filter((r) => r.httpStatus === 200 && r.errorCodes.length === 0).length,
        lookupNotFound: lookups.filter((r) => r.errorCodes.length > 0 && !r.errorCodes.includes(9)).length,
        checkDuplicate: checks.filter((r) => r.errorCodes.includes(14)).length,
        busy: requests.filter((r) => r.errorCodes.includes(9)).length,
        tokenRefused: requests.filter((r) => r.errorCodes.includes(2)).length,
        authorize: path('/api/v4/Authorize').length,
      },
      missing,
      duplicated,
      outOfOrder,
      strays,
      wrongFiscal,
      notFiscalised,
      pendingAtEnd,
      deadLetters,
      appendMs,
      drainMs,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    clearInterval(ticker);
    killAll();
    process.removeListener('exit', killAll);
    await Promise.all([...workers].map((w) => (w.dead ? undefined : w.exited)));
    await terminal?.close().catch(() => undefined);
    await probe?.end().catch(() => undefined);
    await emu?.close().catch(() => undefined);
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Signal a worker's whole process group (the tsx wrapper and the node process running the relay). */
function killGroup(w: Worker, signal: NodeJS.Signals): void {
  if (w.proc.pid === undefined) return;
  try {
    process.kill(-w.proc.pid, signal);
  } catch {
    /* the group is gone */
  }
}
