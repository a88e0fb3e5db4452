/**
 * The relay: drains each register's line of receipts into its fiscal channel, in order, one
 * receipt in flight per register, registers in parallel. It knows stores only through the
 * DeliveryQueue port and destinations only through FiscalChannel; what an outcome means is
 * lifecycle.ts, how often to try is retry-policy.ts.
 *
 * - A receipt is marked `sending` before its request (fsync'd when the channel has no idempotency
 *   key); after a crash `sending` becomes `unknown`.
 * - `unknown` is reconciled with `findByKey` before anything is resent.
 * - A blocked register (72 h autonomous, blocked by the OFD) keeps its receipts, is probed now
 *   and then, and is reported until a receipt goes through again.
 * - Wake-ups cannot be lost: every kick bumps a generation the loop checks before it sleeps.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { FiscalError, isFiscalError, type FiscalChannel } from '../fiscal/types.js';
import { isStoreError } from './errors.js';
import { decide, type Outcome } from './lifecycle.js';
import type { Claimed, DeliveryQueue, QueueViews, Reason, SaleView, Transition } from './ports.js';
import { RateLimiter, sleep } from './rate-limiter.js';
import { RetryPolicy, type RetryPolicyOptions } from './retry-policy.js';

export interface RegisterState {
  registerId: string;
  channel: string | null;
  /** The cash register refuses every receipt until someone acts; receipts wait. */
  blocked: (Reason & { since: string }) | null;
  inFlight: boolean;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
}

export interface RelayOptions {
  queue: DeliveryQueue & Partial<Pick<QueueViews, 'purge'>>;
  /** The channel of a register, or null when it has none (its receipts wait). */
  channelFor: (registerId: string) => FiscalChannel | null;
  /** Registers this relay serves (those with a channel). Default: every register in the store. */
  registers?: () => string[] | null;
  /** Unique per process; fences this worker's leases. Default: host:pid:random. */
  workerId?: string;
  policy?: RetryPolicy | RetryPolicyOptions;
  /** Registers in flight at once. Default 32. */
  concurrency?: number;
  /** How long a claim is reserved for this worker; longer than a claim's worst case. Default 120 s. */
  leaseMs?: number;
  /**
   * Longest idle wait before looking at the store again. Receipts appended by this process wake the
   * relay at once; on a shared store others append too, so look every second there. Default 60 s.
   */
  idlePollMs?: number;
  /** Keep delivered receipts this long before purging (return bases, sold-here). Default 180 days. */
  retentionMs?: number;
  purgeIntervalMs?: number;
  random?: () => number;
  /** Every state change the relay makes. */
  onChange?: (view: SaleView) => void;
  /** A register's state changed (blocked, cleared, failing). */
  onRegister?: (state: RegisterState) => void;
  /** After each channel call, with its outcome (status and metrics). */
  onCall?: (registerId: string, channel: string, ok: boolean, error?: FiscalError) => void;
  /** Something unexpected (store failures while persisting…), for the log. */
  onError?: (e: unknown) => void;
}

export interface RelayStatus {
  running: boolean;
  workerId: string;
  inFlight: number;
  registers: RegisterState[];
}

const DAY = 86_400_000;

export function defaultWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

function toFiscalError(e: unknown): FiscalError {
  if (isFiscalError(e)) return e;
  // A channel that throws something else broke its contract: the request may have gone out.
  return new FiscalError('unknown-result', 'unexpected', e instanceof Error ? e.message : String(e));
}

export class Relay {
  readonly workerId: string;
  private readonly policy: RetryPolicy;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private generation = 0;
  private waiter: (() => void) | null = null;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly limiters = new Map<FiscalChannel, RateLimiter>();
  private readonly regs = new Map<string, RegisterState>();
  private readonly stopController = new AbortController();
  private lastPurge = 0;

  constructor(private readonly opts: RelayOptions) {
    this.workerId = opts.workerId ?? defaultWorkerId();
    this.policy = opts.policy instanceof RetryPolicy ? opts.policy : new RetryPolicy(opts.policy, opts.random);
    this.concurrency = Math.max(1, opts.concurrency ?? 32);
    this.leaseMs = opts.leaseMs ?? 120_000;
  }

  /** Resume after a restart (this worker's `sending` → `unknown`) and start draining. */
  async start(): Promise<void> {
    if (this.running) return;
    await this.opts.queue.recover(this.workerId, 0);
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Something may be due (a receipt was recorded, an operator retried, a send finished): look now. */
  kick(): void {
    this.generation++;
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Stop claiming; wait for in-flight sends up to `timeoutMs` (the rest is recovered on restart). */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.kick();
    await this.loopDone;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inFlight.values()]), new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
    this.stopController.abort(new Error('relay stopped'));
  }

  status(): RelayStatus {
    return { running: this.running, workerId: this.workerId, inFlight: this.inFlight.size, registers: [...this.regs.values()].map((r) => ({ ...r })) };
  }

  private register(id: string): RegisterState {
    let r = this.regs.get(id);
    if (!r) this.regs.set(id, (r = { registerId: id, channel: this.opts.channelFor(id)?.name ?? null, blocked: null, inFlight: false, lastSuccessAt: null, lastErrorAt: null, lastError: null }));
    return r;
  }

  private idleRegisters(): string[] | null {
    const all = this.opts.registers?.() ?? null;
    if (all === null) return null;
    return all.filter((r) => !this.inFlight.has(r));
  }

  private async loop(): Promise<void> {
    while (this.running) {
      const gen = this.generation;
      let waitMs: number;
      try {
        await this.maybePurge();
        const free = this.concurrency - this.inFlight.size;
        let claimed: Claimed[] = [];
        if (free > 0) {
          const idle = this.idleRegisters();
          if (idle === null || idle.length > 0) claimed = (await this.opts.queue.claim(this.workerId, idle, free, this.leaseMs)).filter((c) => !this.inFlight.has(c.delivery.registerId));
          for (const c of claimed) this.startWork(c);
        }
        if (claimed.length > 0) continue; // there may be more: look again at once
        const idle = this.idleRegisters();
        const due = free > 0 && (idle === null || idle.length > 0) ? await this.opts.queue.nextDueIn(idle) : null;
        const poll = this.opts.idlePollMs ?? 60_000;
        waitMs = due === null ? poll : Math.max(5, Math.min(due, poll));
      } catch (e) {
        this.opts.onError?.(e); // the store failed (disk full, locked…): nothing changed; try again shortly
        waitMs = 1000;
      }
      if (!this.running) break;
      // Synchronous from here to the wait: a kick after this check resolves the waiter installed below.
      if (gen !== this.generation) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, waitMs);
        const self = this;
        function done(): void {
          clearTimeout(t);
          if (self.waiter === done) self.waiter = null;
          resolve();
        }
        this.waiter = done;
      });
    }
  }

  private async maybePurge(): Promise<void> {
    const purge = this.opts.queue.purge;
    if (!purge) return;
    const now = Date.now();
    if (now - this.lastPurge < (this.opts.purgeIntervalMs ?? 3_600_000)) return;
    this.lastPurge = now;
    await purge.call(this.opts.queue, this.opts.retentionMs ?? 180 * DAY);
  }

  private startWork(c: Claimed): void {
    const reg = c.delivery.registerId;
    const st = this.register(reg);
    st.inFlight = true;
    const p = this.work(c)
      .catch((e) => this.opts.onError?.(e))
      .finally(() => {
        this.inFlight.delete(reg);
        st.inFlight = false;
        this.kick();
      });
    this.inFlight.set(reg, p);
  }

  private limiter(ch: FiscalChannel): RateLimiter {
    let l = this.limiters.get(ch);
    if (!l) this.limiters.set(ch, (l = new RateLimiter(ch.requestsPerMinute)));
    return l;
  }

  private async work(c: Claimed): Promise<void> {
    const reg = c.delivery.registerId;
    const ch = this.opts.channelFor(reg);
    if (!ch) return this.opts.queue.release(c);
    let outcome: Outcome;
    let attempts = 0;
    if (c.delivery.state === 'queued' && c.delivery.type === 'return' && !c.basis) {
      outcome = { kind: 'no-basis', reason: c.basisProblem ?? { code: 'sale-not-fiscalised', message: `Sale ${c.receipt.saleId} has no fiscal receipt.` } };
    } else if (c.delivery.state === 'queued') {
      let prepared: Awaited<ReturnType<NonNullable<FiscalChannel['prepare']>>> | null = null;
      if (ch.prepare) {
        const p = await this.attempt(reg, ch, () => ch.prepare!(withCustomer(c), c.delivery.key));
        if (!p.ok) {
          // Nothing was sent: the receipt waits like any failed send.
          const step = decide(c.delivery, { kind: 'failed', during: 'send', error: p.error.kind === 'unknown-result' ? new FiscalError('transient', p.error.code, p.error.message, p.error.details) : p.error }, this.policy);
          await this.persist(c, { ...step.next, attempts: p.attempts });
          return;
        }
        prepared = p.value;
      }
      await this.opts.queue.markSending(c, !ch.idempotent, prepared);
      const send = c.delivery.type === 'sale' ? () => ch.sell(withCustomer(c), c.delivery.key) : () => ch.refund(withCustomer(c), c.basis!, c.delivery.key);
      const r = await this.attempt(reg, ch, send);
      attempts = r.attempts;
      outcome = r.ok ? { kind: 'issued', result: r.value } : { kind: 'failed', during: 'send', error: r.error };
    } else {
      const r = await this.attempt(reg, ch, () => ch.findByKey(c.delivery.key, withCustomer(c), c.basis ?? undefined, c.delivery.prepared));
      attempts = r.attempts;
      outcome = r.ok ? (r.value ? { kind: 'found', result: r.value } : { kind: 'absent' }) : { kind: 'failed', during: 'reconcile', error: r.error };
    }
    const step = decide(c.delivery, outcome, this.policy);
    await this.persist(c, { ...step.next, attempts });
    const st = this.register(reg);
    if (step.register.kind === 'blocked') {
      if (!st.blocked || st.blocked.code !== step.register.reason.code) {
        st.blocked = { ...step.register.reason, since: new Date().toISOString() };
        this.opts.onRegister?.({ ...st });
      }
    } else if (step.register.kind === 'working' && st.blocked) {
      st.blocked = null;
      this.opts.onRegister?.({ ...st });
    }
  }

  /** One logical call with the policy's in-claim retries; rate-limited per channel. */
  private async attempt<T>(reg: string, ch: FiscalChannel, fn: () => Promise<T>): Promise<{ ok: true; value: T; attempts: number } | { ok: false; error: FiscalError; attempts: number }> {
    const limiter = this.limiter(ch);
    const st = this.register(reg);
    let retryAfterUsed = false;
    for (let n = 1; ; n++) {
      try {
        await limiter.take(this.stopController.signal);
      } catch {
        return { ok: false, error: new FiscalError('transient', 'stopped', 'The relay stopped before the request was sent.'), attempts: n - 1 };
      }
      try {
        const value = await fn();
        limiter.succeeded();
        st.lastSuccessAt = new Date().toISOString();
        this.opts.onCall?.(reg, ch.name, true);
        return { ok: true, value, attempts: n };
      } catch (e) {
        const err = toFiscalError(e);
        if (err.details.status === 429) limiter.throttled();
        st.lastErrorAt = new Date().toISOString();
        st.lastError = `${err.code}: ${err.message}`;
        this.opts.onCall?.(reg, ch.name, false, err);
        const next: { delayMs: number; usesRetryAfter: boolean } | null = this.running ? this.policy.nextAttemptIn(err, n, retryAfterUsed) : null;
        if (!next) return { ok: false, error: err, attempts: n };
        retryAfterUsed ||= next.usesRetryAfter;
        try {
          await sleep(next.delayMs, this.stopController.signal);
        } catch {
          return { ok: false, error: err, attempts: n };
        }
      }
    }
  }

  /** Apply a transition; retry while the store fails (the outcome must not be lost). A lost lease drops it. */
  private async persist(c: Claimed, next: Transition): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const view = await this.opts.queue.transition(c, next);
        this.opts.onChange?.(view);
        return;
      } catch (e) {
        if (isStoreError(e) && e.code === 'lease-lost') {
          this.opts.onError?.(e);
          return;
        }
        this.opts.onError?.(e);
        // Not applied: on restart the receipt is `sending` → `unknown` and reconciled, so nothing is sent twice.
        if (!this.running && attempt > 3) throw e;
        await sleep(Math.min(5000, 100 * attempt)).catch(() => undefined);
      }
    }
  }
}

function withCustomer(c: Claimed) {
  return c.customer ? { ...c.receipt, customer: c.customer } : c.receipt;
}

export function createRelay(opts: RelayOptions): Relay {
  return new Relay(opts);
}
