/** Reconnect back-off: doubling delays with a cap and a little jitter, so a plugged-back scanner is found fast. */

export interface ReconnectOptions {
  /** First delay (default 250 ms). */
  minDelayMs?: number;
  /** Longest delay (default 5000 ms). */
  maxDelayMs?: number;
}

export class Backoff {
  private attempt = 0;
  private readonly min: number;
  private readonly max: number;

  constructor(options: ReconnectOptions = {}) {
    this.min = Math.max(1, options.minDelayMs ?? 250);
    this.max = Math.max(this.min, options.maxDelayMs ?? 5000);
  }

  next(): number {
    const base = Math.min(this.max, this.min * 2 ** Math.min(this.attempt, 16));
    this.attempt++;
    return Math.round(base * (0.9 + Math.random() * 0.2));
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
