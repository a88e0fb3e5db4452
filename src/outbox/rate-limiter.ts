/**
 * Request pacing for the relay: a generic cell-rate limiter (token bucket with a small burst) that
 * spaces requests evenly at `perMinute`, plus a global pause for `Retry-After` / 429 storms.
 * Every call to the tracking system (submit, reconcile, confirm) takes one slot.
 */

export class RateLimiter {
  private readonly intervalMs: number;
  private next = 0;
  private pausedUntil = 0;

  constructor(
    perMinute: number | null,
    private readonly burst = 1,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.intervalMs = perMinute && perMinute > 0 ? 60_000 / perMinute : 0;
  }

  /** Resolves when the caller may send one request. Rejects if `signal` aborts first. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      const now = this.clock();
      const start = Math.max(this.next, now - (this.burst - 1) * this.intervalMs, this.pausedUntil);
      if (start <= now) {
        this.next = Math.max(this.next, now - (this.burst - 1) * this.intervalMs) + this.intervalMs;
        return;
      }
      await sleep(start - now, signal);
    }
  }

  /** Hold every request for `ms` (a server asked us to back off). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock() + ms);
  }

  get pausedForMs(): number {
    return Math.max(0, this.pausedUntil - this.clock());
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
