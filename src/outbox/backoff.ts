/** Exponential back-off with jitter and a cap, for rescheduling records across attempts. */

export interface BackoffOptions {
  /** First delay. Default 1000 ms. */
  minDelayMs?: number;
  /** Cap: no wait is longer than this. Default 5 minutes. */
  maxDelayMs?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Fraction of the delay that is randomised (0 = none, 1 = full jitter). Default 0.5. */
  jitter?: number;
}

/**
 * Delay before attempt `attempt + 1` (attempt ≥ 1): min(cap, min·factor^(attempt−1)), of which the
 * `jitter` fraction is random, so that many tills coming back online do not retry in lock-step.
 * A server's Retry-After wins when it is longer (still capped).
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random, retryAfterMs?: number): number {
  const min = opts.minDelayMs ?? 1000;
  const max = opts.maxDelayMs ?? 300_000;
  const factor = opts.factor ?? 2;
  const jitter = Math.min(1, Math.max(0, opts.jitter ?? 0.5));
  const base = Math.min(max, min * Math.pow(factor, Math.max(0, attempt - 1)));
  const delay = base * (1 - jitter) + base * jitter * random();
  const floor = retryAfterMs !== undefined && retryAfterMs > 0 ? Math.min(max, retryAfterMs) : 0;
  return Math.round(Math.max(delay, floor));
}
