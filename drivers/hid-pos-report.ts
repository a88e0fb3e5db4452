/**
 * HID POS (usage page 0x8C) input reports → scans. Pure: no device I/O.
 * Two 64-byte layouts exist (offsets as node-hid delivers them, byte 0 = report id 2):
 *  - Layout A (Honeywell, HHP, Access-IS, Youjie): [1] length, [2..4] AIM id, [5..60] data, [61] code id, [63] bit0 continued.
 *  - Layout B (Newland and its OEMs): [1] length, [2..57] data (AIM inside when enabled), [62] code id, [63] bit0 continued.
 * Data chunks are joined until the continuation bit clears; zero padding is never a terminator.
 */
import { isAimAt, splitAim } from '../src/scan/aim.js';

export const HID_POS_REPORT_ID = 0x02;
export const HID_POS_USAGE_PAGE = 0x8c;
export const HID_POS_USAGE = 0x02;

export interface HidPosMessage {
  bytes: Uint8Array;
  aim: string | null;
  /** Vendor code-id letter, when the device set one. */
  vendorCodeId: string | null;
  layout: 'A' | 'B';
}

export type HidPosPush =
  | { kind: 'none' }
  | { kind: 'message'; message: HidPosMessage }
  | { kind: 'ignored'; reason: 'report-id' | 'short' | 'empty' };

function isPrintable(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

function codeId(b: number | undefined): string | null {
  return b !== undefined && isPrintable(b) ? String.fromCharCode(b) : null;
}

export interface HidPosAssemblerOptions {
  /** Strip this suffix (default "\r") from the end of a message; null keeps everything. */
  stripSuffix?: string | null;
  /** Longest message kept (default 8192 bytes); longer ones are cut at this size. */
  maxMessageBytes?: number;
}

/**
 * Layout A has the AIM id at bytes 2–4 and `length` data bytes from byte 5. A Newland report with AIM
 * prefixing on also starts `]d2` at byte 2, but its `length` counts from byte 2, so the three bytes
 * just past its data ([2+len, 5+len)) are zero padding; in Layout A they are the last data bytes.
 */
function detectLayoutA(report: Uint8Array): boolean {
  if (!isAimAt(report, 2) || report.length < 6) return false;
  const len = Math.min(report[1], 56);
  if (len < 3) return true;
  for (let i = 2 + len; i < 5 + len && i < report.length; i++) if (report[i] !== 0) return true;
  return false;
}

/** Per-device assembler: feed every input report, get whole messages out. */
export class HidPosAssembler {
  private chunks: Uint8Array[] = [];
  private size = 0;
  private aim: string | null = null;
  private vendorCodeId: string | null = null;
  private layout: 'A' | 'B' = 'B';
  private readonly suffix: Uint8Array | null;
  private readonly max: number;
  overflowed = false;

  constructor(options: HidPosAssemblerOptions = {}) {
    const sfx = options.stripSuffix === undefined ? '\r' : options.stripSuffix;
    this.suffix = sfx ? Uint8Array.from(sfx, (c) => c.charCodeAt(0) & 0xff) : null;
    this.max = options.maxMessageBytes ?? 8192;
  }

  /** Bytes of an unfinished message (a continued report whose successor never came). */
  get pending(): number {
    return this.size;
  }

  reset(): void {
    this.chunks = [];
    this.size = 0;
    this.aim = null;
    this.vendorCodeId = null;
    this.overflowed = false;
  }

  push(report: Uint8Array): HidPosPush {
    if (report.length < 3) return { kind: 'ignored', reason: 'short' };
    if (report[0] !== HID_POS_REPORT_ID) return { kind: 'ignored', reason: 'report-id' };
    const first = this.size === 0 && this.chunks.length === 0;
    const layoutA = first ? detectLayoutA(report) : this.layout === 'A';
    // Continuation reports of Layout A normally repeat the AIM id; if one does not, its data starts at byte 2.
    const aimHere = layoutA && (first || (isAimAt(report, 2) && String.fromCharCode(report[2], report[3], report[4]) === this.aim));
    const dataStart = aimHere ? 5 : 2;
    const dataEnd = aimHere ? 61 : layoutA ? 61 : 58;
    const len = Math.min(report[1], Math.max(0, Math.min(dataEnd, report.length) - dataStart));
    const continued = report.length >= 64 ? (report[63] & 0x01) === 1 : false;
    if (first) {
      this.layout = layoutA ? 'A' : 'B';
      this.aim = layoutA ? String.fromCharCode(report[2], report[3], report[4]) : null;
    }
    const cid = codeId(layoutA ? report[61] : report[62]);
    if (cid && !this.vendorCodeId) this.vendorCodeId = cid;
    if (len > 0) {
      const room = this.max - this.size;
      if (room <= 0) this.overflowed = true;
      else {
        const take = Math.min(room, len);
        if (take < len) this.overflowed = true;
        this.chunks.push(report.slice(dataStart, dataStart + take));
        this.size += take;
      }
    }
    if (continued) return { kind: 'none' };
    if (this.size === 0) {
      this.reset();
      return { kind: 'ignored', reason: 'empty' };
    }
    let bytes: Uint8Array = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      bytes.set(c, off);
      off += c.length;
    }
    if (this.suffix && bytes.length >= this.suffix.length) {
      const s = this.suffix;
      let match = true;
      for (let i = 0; i < s.length; i++) if (bytes[bytes.length - s.length + i] !== s[i]) match = false;
      if (match) bytes = bytes.subarray(0, bytes.length - s.length);
    }
    let aim = this.aim;
    if (!aim) {
      const split = splitAim(bytes);
      aim = split.aim;
      bytes = split.data;
    }
    const message: HidPosMessage = { bytes, aim, vendorCodeId: this.vendorCodeId, layout: this.layout };
    const overflowed = this.overflowed;
    this.reset();
    this.overflowed = overflowed;
    return { kind: 'message', message };
  }
}

/** Build a 64-byte HID POS report (for tests, fixtures and emulators). */
export function buildHidPosReport(
  layout: 'A' | 'B',
  data: Uint8Array,
  opts: { aim?: string; continued?: boolean; codeId?: string } = {},
): Uint8Array {
  const r = new Uint8Array(64);
  r[0] = HID_POS_REPORT_ID;
  const start = layout === 'A' ? 5 : 2;
  if (data.length > 56) throw new RangeError('at most 56 data bytes per report');
  r[1] = data.length;
  if (layout === 'A') {
    const aim = opts.aim ?? ']X0';
    for (let i = 0; i < 3; i++) r[2 + i] = aim.charCodeAt(i);
  }
  r.set(data, start);
  if (opts.codeId) r[layout === 'A' ? 61 : 62] = opts.codeId.charCodeAt(0);
  if (opts.continued) r[63] = 0x01;
  return r;
}

/** Split a message into the reports a device would send. */
export function toHidPosReports(layout: 'A' | 'B', message: Uint8Array, opts: { aim?: string; codeId?: string } = {}): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < message.length || out.length === 0; off += 56) {
    const chunk = message.subarray(off, off + 56);
    out.push(buildHidPosReport(layout, chunk, { ...opts, continued: off + 56 < message.length }));
  }
  return out;
}
