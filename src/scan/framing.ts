/**
 * Byte-stream framing for serial and pipe transports: one frame per CR, LF, CRLF or configured suffix,
 * an inter-byte timeout for scanners that send no suffix, an optional user prefix, and a size cap.
 * Frames stay bytes: nothing here decodes text.
 */

export interface FramingOptions {
  /**
   * Extra end-of-frame byte sequence (e.g. "\t" or "\x03"), in addition to CR/LF/CRLF.
   * Give `crlf: false` to make it the only terminator.
   */
  suffix?: string | null;
  /** Treat CR, LF and CRLF as terminators (default true). */
  crlf?: boolean;
  /** A user prefix the scanner puts before every frame; stripped when present. */
  prefix?: string | null;
  /** Flush a partial frame after this many ms of silence; 0 disables (default 200). */
  interByteTimeoutMs?: number;
  /** Longest frame accepted; longer frames are dropped with a `frame-oversize` error (default 4096). */
  maxFrameBytes?: number;
  /**
   * STX/ETX envelopes (RS-232 scanner option): ETX (0x03) ends a frame and a leading STX (0x02) is
   * dropped. Default true; turn off for binary payloads that may carry 0x03.
   */
  stxEtx?: boolean;
}

export type FrameEnd = 'terminator' | 'timeout' | 'flush';

export interface FrameSink {
  frame(bytes: Uint8Array, end: FrameEnd): void;
  oversize(length: number, max: number): void;
}

const CR = 0x0d;
const LF = 0x0a;
const STX = 0x02;
const ETX = 0x03;
const HT = 0x09;

function bytesOf(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}

function startsWith(buf: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length === 0 || buf.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[i] !== prefix[i]) return false;
  return true;
}

/** Splits a byte stream into frames. Push chunks as they arrive; frames come out through the sink. */
export class FrameSplitter {
  private buf: Uint8Array;
  private len = 0;
  private skipLf = false;
  private discarding = false;
  private discarded = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly suffix: Uint8Array | null;
  private readonly prefix: Uint8Array | null;
  private readonly crlf: boolean;
  private readonly stxEtx: boolean;
  private readonly timeoutMs: number;
  readonly maxFrameBytes: number;

  constructor(
    private readonly sink: FrameSink,
    options: FramingOptions = {},
  ) {
    this.suffix = options.suffix ? bytesOf(options.suffix) : null;
    this.prefix = options.prefix ? bytesOf(options.prefix) : null;
    this.crlf = options.crlf ?? true;
    this.stxEtx = options.stxEtx ?? true;
    this.timeoutMs = options.interByteTimeoutMs ?? 200;
    this.maxFrameBytes = options.maxFrameBytes ?? 4096;
    if (!this.crlf && !this.suffix && this.timeoutMs <= 0) {
      throw new TypeError('framing: with crlf off, give a suffix or an inter-byte timeout');
    }
    this.buf = new Uint8Array(Math.min(256, this.maxFrameBytes + 8));
  }

  push(chunk: Uint8Array): void {
    this.clearTimer();
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      if (this.skipLf) {
        this.skipLf = false;
        if (b === LF) continue;
      }
      if (this.crlf && (b === CR || b === LF)) {
        this.end('terminator');
        if (b === CR) this.skipLf = true;
        continue;
      }
      if (this.stxEtx && b === ETX) {
        this.end('terminator');
        continue;
      }
      this.append(b);
      if (this.suffix && this.len >= this.suffix.length && this.endsWithSuffix()) {
        this.len -= this.suffix.length;
        this.end('terminator');
      }
    }
    if ((this.len > 0 || this.discarding) && this.timeoutMs > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.end('timeout');
      }, this.timeoutMs);
      this.timer.unref?.();
    }
  }

  /** Emit whatever is buffered as a frame (e.g. at end of input). */
  flush(): void {
    this.clearTimer();
    this.end('flush');
  }

  /** Drop a partial frame (e.g. on disconnect); returns how many bytes were dropped. */
  reset(): number {
    this.clearTimer();
    const dropped = this.len;
    this.len = 0;
    this.discarding = false;
    this.discarded = 0;
    this.skipLf = false;
    return dropped;
  }

  get pending(): number {
    return this.len;
  }

  private clearTimer(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private append(b: number): void {
    if (this.discarding) {
      this.discarded++;
      return;
    }
    // Keep room for a suffix still being matched beyond the cap.
    const cap = this.maxFrameBytes + (this.suffix ? this.suffix.length : 0);
    if (this.len >= cap) {
      this.discarding = true;
      this.discarded = this.len + 1;
      this.len = 0;
      return;
    }
    if (this.len === this.buf.length) {
      const next = new Uint8Array(Math.min(cap + 1, this.buf.length * 2));
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = b;
  }

  private endsWithSuffix(): boolean {
    const s = this.suffix!;
    const off = this.len - s.length;
    for (let i = 0; i < s.length; i++) if (this.buf[off + i] !== s[i]) return false;
    return true;
  }

  private end(how: FrameEnd): void {
    if (this.discarding) {
      const n = this.discarded;
      this.discarding = false;
      this.discarded = 0;
      this.len = 0;
      this.sink.oversize(n, this.maxFrameBytes);
      return;
    }
    if (this.len === 0) return;
    if (this.len > this.maxFrameBytes) {
      const n = this.len;
      this.len = 0;
      this.sink.oversize(n, this.maxFrameBytes);
      return;
    }
    let frame = this.buf.slice(0, this.len);
    this.len = 0;
    if (this.stxEtx && frame[0] === STX) frame = frame.subarray(1);
    if (this.prefix && startsWith(frame, this.prefix)) frame = frame.subarray(this.prefix.length);
    // A Tab suffix (left over from keyboard-mode settings) is never part of a code.
    let end = frame.length;
    while (end > 0 && frame[end - 1] === HT) end--;
    if (end < frame.length) frame = frame.subarray(0, end);
    if (frame.length === 0) return;
    this.sink.frame(frame, how);
  }
}
