/**
 * A scanner that scans what it is told to (for the demo, tests and POS vendors' own integration
 * tests): it emits ScanEvents exactly as a serial scanner would, bytes kept as they are.
 */
import { EventEmitter } from 'node:events';
import type { ScanEvent, ScanSource, Scanner, ScannerState } from '../scan/types.js';

export class SimulatedScanner extends EventEmitter implements Scanner {
  readonly source: ScanSource;
  private _state: ScannerState = 'connected';
  private readonly waiting: ((r: IteratorResult<ScanEvent>) => void)[] = [];
  private readonly buffered: ScanEvent[] = [];

  constructor(path = 'simulated-1') {
    super();
    this.source = { driver: 'simulated', path };
  }

  get state(): ScannerState {
    return this._state;
  }

  /** Scan one code: `text` is taken as latin1 bytes (one byte per char) unless bytes are given. */
  scan(input: string | Uint8Array, symbology: string | null = ']d2'): ScanEvent {
    if (this._state === 'closed') throw new Error('scanner closed');
    const raw = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
    const event: ScanEvent = { raw: new Uint8Array(raw), text: Buffer.from(raw).toString('latin1'), symbology, source: this.source, at: new Date().toISOString() };
    this.emit('scan', event);
    const w = this.waiting.shift();
    if (w) w({ value: event, done: false });
    else if (this.iterating) this.buffered.push(event);
    return event;
  }

  private iterating = false;

  /** Simulate unplugging / plugging back. */
  setState(state: ScannerState): void {
    this._state = state;
    this.emit('status', { state, source: this.source });
  }

  async close(): Promise<void> {
    if (this._state === 'closed') return;
    this.setState('closed');
    for (const w of this.waiting.splice(0)) w({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<ScanEvent> {
    this.iterating = true;
    return {
      next: () => {
        const b = this.buffered.shift();
        if (b) return Promise.resolve({ value: b, done: false });
        if (this._state === 'closed') return Promise.resolve({ value: undefined, done: true });
        return new Promise((r) => this.waiting.push(r));
      },
      return: async () => {
        this.iterating = false;
        return { value: undefined, done: true };
      },
    };
  }
}
