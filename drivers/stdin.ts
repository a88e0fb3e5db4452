/**
 * stdin / keyboard-wedge driver: one scan per line from a terminal or a pipe. The text is what the
 * OS typed (UTF-8 by default, so a Cyrillic-layout wedge arrives as Cyrillic and the marking engine's
 * layout repair can undo it). Lines that are JSON string literals ("…\u001d…") are unescaped, so
 * GS and other control bytes survive a pipe.
 */
import type { Readable } from 'node:stream';
import { latin1Bytes } from '../src/scan/event.js';
import { splitAim } from '../src/scan/aim.js';
import { FrameSplitter } from '../src/scan/framing.js';
import { BaseScanner, type ScannerCommonOptions } from '../src/scan/scanner-base.js';

export interface StdinScannerOptions extends ScannerCommonOptions {
  /** Input stream (default `process.stdin`). */
  input?: Readable;
  /** How bytes become text: 'utf8' for terminals and wedges (default), 'latin1' for raw byte pipes. */
  encoding?: 'utf8' | 'latin1';
  /** Unescape lines that are JSON string literals (default true). */
  jsonStrings?: boolean;
  /** Label for `source.path` (default "stdin"). */
  label?: string;
  /** Longest line accepted (default 4096 bytes). */
  maxFrameBytes?: number;
}

function unjson(line: string): string | null {
  if (line.length < 2 || line[0] !== '"' || line[line.length - 1] !== '"') return null;
  try {
    const v: unknown = JSON.parse(line);
    return typeof v === 'string' ? v : null;
  } catch {
    return null;
  }
}

export class StdinScanner extends BaseScanner {
  private readonly input: Readable;
  private readonly splitter: FrameSplitter;
  private readonly onData = (chunk: Buffer | string): void => {
    this.splitter.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  };
  private readonly onEnd = (): void => {
    this.splitter.flush();
    void this.close();
  };
  private readonly onError = (err: Error): void => {
    this.report('device-error', `Reading ${this.source.path} failed: ${err.message}`);
  };

  constructor(private readonly options: StdinScannerOptions = {}) {
    super({ driver: 'stdin', path: options.label ?? 'stdin' }, options);
    this.input = options.input ?? process.stdin;
    this.splitter = new FrameSplitter(
      {
        frame: (bytes) => this.onLine(bytes),
        oversize: (n, max) => this.report('frame-oversize', `A ${n}-byte line exceeds the ${max}-byte limit and was dropped.`),
      },
      { interByteTimeoutMs: 0, maxFrameBytes: options.maxFrameBytes ?? 4096 },
    );
    this.input.on('data', this.onData);
    this.input.once('end', this.onEnd);
    this.input.on('error', this.onError);
    queueMicrotask(() => this.setState('connected'));
  }

  private onLine(bytes: Uint8Array): void {
    const enc = this.options.encoding ?? 'utf8';
    let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString(enc);
    let raw = bytes;
    if (this.options.jsonStrings ?? true) {
      const s = unjson(text);
      if (s !== null) {
        text = s;
        raw = [...s].every((c) => c.charCodeAt(0) <= 0xff) ? latin1Bytes(s) : Buffer.from(s, 'utf8');
      }
    }
    if (text.length === 0) return;
    const m = /^\][A-Za-z][0-9A-Za-z]/.exec(text);
    if (m) {
      const { data } = splitAim(raw);
      this.deliver({ raw: data, text: text.slice(3), symbology: m[0] });
    } else this.deliver({ raw, text, symbology: null });
  }

  protected async release(): Promise<void> {
    this.input.off('data', this.onData);
    this.input.off('end', this.onEnd);
    this.input.off('error', this.onError);
    this.splitter.reset();
    if (this.input === process.stdin) process.stdin.pause();
  }
}

/** Read scans from stdin (or any stream), one per line. The scanner closes when the input ends. */
export function openStdinScanner(options: StdinScannerOptions = {}): StdinScanner {
  return new StdinScanner(options);
}
