/**
 * Request pacing for the relay: a generic cell-rate limiter (token bucket with a small burst) that
 * spaces requests evenly at `perMinute`, plus a global pause for `Retry-After` / 429 storms.
 * Every call to the tracking system (submit, reconcile, confirm) takes one slot.
 *
 * Adaptive: a 429 doubles the spacing (starting at 50 ms when no rate is configured), each success
 * shrinks it by 10% back towards the configured rate — so a server whose limit we were not told
 * about is approached from below instead of being hammered after every Retry-After pause.
 */

const MAX_INTERVAL_MS = 10_000;

export class RateLimiter {
  private readonly baseIntervalMs: number;
  private intervalMs: number;
  private lastThrottleAt = -Infinity;
  private next = 0;
  private pausedUntil = 0;

  constructor(
    perMinute: number | null,
    private readonly burst = 1,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.baseIntervalMs = perMinute && perMinute > 0 ? 60_000 / perMinute : 0;
    this.intervalMs = this.baseIntervalMs;
  }

  /** The server said "too many requests": space requests out more. */
  throttled(): void {
    // Requests in flight together all bounce at once: count one storm per second, not per request.
    const now = this.clock();
    if (now - this.lastThrottleAt < 1000) return;
    this.lastThrottleAt = now;
    this.intervalMs = Math.min(MAX_INTERVAL_MS, Math.max(50, this.intervalMs * 2));
  }

  /** A request went through: creep back towards the configured rate. */
  succeeded(): void {
    if (this.intervalMs <= this.baseIntervalMs) return;
    const next = this.intervalMs * 0.9;
    this.intervalMs = next < 1 && this.baseIntervalMs === 0 ? 0 : Math.max(this.baseIntervalMs, next);
  }

  get currentIntervalMs(): number {
    return this.intervalMs;
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
