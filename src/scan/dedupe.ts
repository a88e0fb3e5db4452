/**
 * Double-scan suppression: the same code read again within a window is dropped. The window slides
 * from the last time the code was *seen*, so a code held under a presentation scanner counts once.
 */

export interface DedupeOptions {
  /** Window in ms; 0 disables suppression (default 1000). */
  windowMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

export class DoubleScanFilter {
  private readonly windowMs: number;
  private readonly now: () => number;
  private readonly seen = new Map<string, number>();

  constructor(options: DedupeOptions = {}) {
    this.windowMs = Math.max(0, options.windowMs ?? 1000);
    this.now = options.now ?? Date.now;
  }

  /** True if the scan should be delivered; false for a double scan. `key` identifies the code (e.g. AIM + text). */
  accept(key: string): boolean {
    if (this.windowMs === 0) return true;
    const t = this.now();
    this.prune(t);
    const last = this.seen.get(key);
    this.seen.set(key, t);
    return last === undefined || t - last > this.windowMs;
  }

  clear(): void {
    this.seen.clear();
  }

  private prune(t: number): void {
    if (this.seen.size < 64) return;
    for (const [k, at] of this.seen) if (t - at > this.windowMs) this.seen.delete(k);
  }
}
