/**
 * Client-side pacing: a token bucket (GCRA form, FIFO by reservation) and a concurrency gate.
 * The bucket never lets requests out faster than its rate beyond `burst`; waiters keep their order.
 */

export interface RateLimitOptions {
  /** Sustained rate. */
  perMinute: number;
  /** How many requests may go back to back after idling. Default 1 (strict spacing). */
  burst?: number;
}

export class TokenBucket {
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  /** Theoretical arrival time of the next request. */
  private tat = 0;

  constructor(
    readonly options: RateLimitOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(options.perMinute > 0)) throw new RangeError('perMinute must be > 0');
    this.intervalMs = 60_000 / options.perMinute;
    this.toleranceMs = (Math.max(1, Math.floor(options.burst ?? 1)) - 1) * this.intervalMs;
  }

  /** Milliseconds the next caller would wait. */
  peekWaitMs(): number {
    const t = this.now();
    return Math.max(0, Math.max(this.tat, t) - this.toleranceMs - t);
  }

  /** Reserve a slot and wait for it. Rejects with the signal's reason if aborted while waiting. */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const t = this.now();
    const tat = Math.max(this.tat, t);
    const allowAt = tat - this.toleranceMs;
    this.tat = tat + this.intervalMs;
    const wait = allowAt - t;
    if (wait > 0) await sleep(wait, signal);
  }
}

export class Semaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  constructor(readonly max: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.max) await new Promise<void>((r) => this.waiters.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiters.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
