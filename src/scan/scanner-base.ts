/**
 * BaseScanner: the part every driver shares — state and status events, error events that never crash
 * (emitted only when someone listens), double-scan suppression, async iteration, and `close()`.
 * Drivers extend it and call `deliver()`, `setState()` and `report()`.
 */
import { EventEmitter } from 'node:events';
import { DoubleScanFilter } from './dedupe.js';
import { makeScanEvent, type ScanEventInit } from './event.js';
import type { ScanEvent, Scanner, ScannerError, ScannerState, ScannerStatus, ScanSource } from './types.js';

export interface ScannerCommonOptions {
  /** Suppress the same code read again within this many ms (default 1000; 0 = off). */
  dedupeWindowMs?: number;
  /** Clock for dedupe, injectable for tests. */
  now?: () => number;
}

export abstract class BaseScanner extends EventEmitter implements Scanner {
  private _state: ScannerState = 'connecting';
  private readonly dedupe: DoubleScanFilter;
  private closing: Promise<void> | null = null;
  private readonly waiters = new Set<() => void>();
  /** Last error reported, for status pages and CLI diagnostics. */
  lastError: ScannerError | null = null;

  protected constructor(
    private _source: ScanSource,
    options: ScannerCommonOptions = {},
  ) {
    super();
    this.dedupe = new DoubleScanFilter({ windowMs: options.dedupeWindowMs, now: options.now });
  }

  get source(): ScanSource {
    return this._source;
  }

  get state(): ScannerState {
    return this._state;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Update the source (e.g. vid/pid learned after open, path found by vid/pid). */
  protected updateSource(patch: Partial<ScanSource>): void {
    this._source = { ...this._source, ...patch };
  }

  protected setState(state: ScannerState, code?: string, message?: string): void {
    if (this._state === 'closed') return;
    if (state === this._state && code === undefined) return;
    this._state = state;
    const status: ScannerStatus = { state, source: this._source };
    if (code) status.code = code;
    if (message) status.message = message;
    this.emit('status', status);
  }

  /** Report a problem as an `error` event; never throws, even with no listener. */
  protected report(code: string, message: string): void {
    const e: ScannerError = { code, message, source: this._source };
    this.lastError = e;
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  /** Build a ScanEvent and emit it unless it is a double scan. Returns the event or null if suppressed. */
  protected deliver(init: Omit<ScanEventInit, 'source'>): ScanEvent | null {
    if (this.closed) return null;
    const scan = makeScanEvent({ ...init, source: this._source });
    if (!this.dedupe.accept(`${scan.symbology ?? ''}\u0000${scan.text}`)) {
      this.emit('duplicate', scan);
      return null;
    }
    this.emit('scan', scan);
    return scan;
  }

  /** Resolves once the scanner reaches `state` (or rejects on close). Handy for CLIs and tests. */
  waitForState(state: ScannerState, timeoutMs = 10_000): Promise<void> {
    if (this._state === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onStatus = (s: ScannerStatus): void => {
        if (s.state === state) done(null);
        else if (s.state === 'closed') done(new Error(`scanner closed before reaching ${state}`));
      };
      const timer = setTimeout(() => done(new Error(`timed out waiting for ${state} (now ${this._state})`)), timeoutMs);
      const done = (err: Error | null): void => {
        clearTimeout(timer);
        this.off('status', onStatus);
        if (err) reject(err);
        else resolve();
      };
      this.on('status', onStatus);
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<ScanEvent> {
    const queue: ScanEvent[] = [];
    let pending: ((r: IteratorResult<ScanEvent>) => void) | null = null;
    let finished = false;
    const onScan = (scan: ScanEvent): void => {
      if (pending) {
        const p = pending;
        pending = null;
        p({ value: scan, done: false });
      } else queue.push(scan);
    };
    const finish = (): void => {
      if (finished) return;
      finished = true;
      this.off('scan', onScan);
      this.waiters.delete(finish);
      if (pending) {
        const p = pending;
        pending = null;
        p({ value: undefined, done: true });
      }
    };
    this.on('scan', onScan);
    this.waiters.add(finish);
    if (this.closed) finish();
    return {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
        if (finished) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => {
          pending = resolve;
        });
      },
      return: () => {
        queue.length = 0;
        finish();
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  close(): Promise<void> {
    if (!this.closing) {
      this.closing = (async () => {
        try {
          await this.release();
        } catch {
          // Releasing a device that is already gone must not fail the close.
        }
        this.setState('closed');
        for (const w of [...this.waiters]) w();
      })();
    }
    return this.closing;
  }

  /** Release device handles and timers. Called once by `close()`. */
  protected abstract release(): Promise<void>;
}
