/**
 * Boot-keyboard reports (8 bytes: modifiers, reserved, six key slots) → bytes, independent of the
 * OS keyboard layout. Pure: no device I/O, no clock.
 * Edge-detects key presses (a key counts when it appears, in slot order), applies Shift and Caps Lock
 * with the US usage table, turns Ctrl+key into control codes (Ctrl+] = GS), collects Alt+keypad
 * digits into one byte (Alt+029 / Alt+0029 = GS), optionally maps F8 or Down arrow to GS, and ends a
 * frame on Enter / keypad Enter / Tab.
 */

export interface KeyboardDecoderOptions {
  /** F8 types GS (Honeywell KBDCAS0 default). Default true. */
  f8AsGs?: boolean;
  /** Down arrow types GS (Hand Held Products ValueTeam). Default false. */
  downArrowAsGs?: boolean;
  /** Keys that end a frame. Default ['enter', 'tab']. */
  terminators?: ('enter' | 'tab')[];
  /** Caps Lock state when reading starts (default false). */
  capsLock?: boolean;
}

const ENTER = 0x28;
const KP_ENTER = 0x58;
const TAB = 0x2b;
const CAPS = 0x39;
const F8 = 0x41;
const DOWN = 0x51;
const ROLLOVER = 0x01;

const UNSHIFTED: Record<number, string> = {};
const SHIFTED: Record<number, string> = {};
(() => {
  for (let i = 0; i < 26; i++) {
    UNSHIFTED[0x04 + i] = String.fromCharCode(0x61 + i);
    SHIFTED[0x04 + i] = String.fromCharCode(0x41 + i);
  }
  const digits = '1234567890';
  const shiftedDigits = '!@#$%^&*()';
  for (let i = 0; i < 10; i++) {
    UNSHIFTED[0x1e + i] = digits[i];
    SHIFTED[0x1e + i] = shiftedDigits[i];
  }
  const pairs: [number, string, string][] = [
    [0x2c, ' ', ' '],
    [0x2d, '-', '_'],
    [0x2e, '=', '+'],
    [0x2f, '[', '{'],
    [0x30, ']', '}'],
    [0x31, '\\', '|'],
    [0x32, '#', '~'],
    [0x33, ';', ':'],
    [0x34, "'", '"'],
    [0x35, '`', '~'],
    [0x36, ',', '<'],
    [0x37, '.', '>'],
    [0x38, '/', '?'],
    [0x64, '\\', '|'],
    [0x54, '/', '/'],
    [0x55, '*', '*'],
    [0x56, '-', '-'],
    [0x57, '+', '+'],
    [0x63, '.', '.'],
  ];
  for (const [k, u, s] of pairs) {
    UNSHIFTED[k] = u;
    SHIFTED[k] = s;
  }
  for (let i = 0; i < 9; i++) UNSHIFTED[0x59 + i] = SHIFTED[0x59 + i] = String(i + 1);
  UNSHIFTED[0x62] = SHIFTED[0x62] = '0';
})();

function keypadDigit(key: number): string | null {
  if (key >= 0x59 && key <= 0x61) return String(key - 0x58);
  if (key === 0x62) return '0';
  return null;
}

export class KeyboardReportDecoder {
  private prev: number[] = [];
  private bytes: number[] = [];
  private altDigits = '';
  private caps: boolean;
  private readonly f8AsGs: boolean;
  private readonly downAsGs: boolean;
  private readonly endOnEnter: boolean;
  private readonly endOnTab: boolean;

  constructor(options: KeyboardDecoderOptions = {}) {
    this.f8AsGs = options.f8AsGs ?? true;
    this.downAsGs = options.downArrowAsGs ?? false;
    const t = options.terminators ?? ['enter', 'tab'];
    this.endOnEnter = t.includes('enter');
    this.endOnTab = t.includes('tab');
    this.caps = options.capsLock ?? false;
  }

  /** Bytes typed since the last frame ended. */
  get pending(): number {
    return this.bytes.length + (this.altDigits ? 1 : 0);
  }

  get capsLock(): boolean {
    return this.caps;
  }

  /** Feed one input report; returns the frames it completed (usually none or one). */
  push(input: Uint8Array): Uint8Array[] {
    // A keyboard interface with a report id sends 9 bytes; boot reports have none.
    const r = input.length === 9 ? input.subarray(1) : input;
    if (r.length < 3) return [];
    const mods = r[0];
    const keys: number[] = [];
    for (let i = 2; i < Math.min(r.length, 8); i++) if (r[i] !== 0) keys.push(r[i]);
    if (keys.includes(ROLLOVER)) return [];
    const out: Uint8Array[] = [];
    const alt = (mods & 0x44) !== 0;
    const ctrl = (mods & 0x11) !== 0;
    const shift = (mods & 0x22) !== 0;
    if (!alt) this.endAlt();
    for (const key of keys) {
      if (this.prev.includes(key)) continue;
      const kp = keypadDigit(key);
      if (alt && kp !== null) {
        this.altDigits += kp;
        continue;
      }
      if ((key === ENTER || key === KP_ENTER) && this.endOnEnter) {
        this.end(out);
        continue;
      }
      if (key === TAB && this.endOnTab) {
        this.end(out);
        continue;
      }
      if (key === CAPS) {
        this.caps = !this.caps;
        continue;
      }
      if (key === F8) {
        if (this.f8AsGs) this.bytes.push(0x1d);
        continue;
      }
      if (key === DOWN) {
        if (this.downAsGs) this.bytes.push(0x1d);
        continue;
      }
      if (key === ENTER || key === KP_ENTER) {
        this.bytes.push(0x0d);
        continue;
      }
      if (key === TAB) {
        this.bytes.push(0x09);
        continue;
      }
      const isLetter = key >= 0x04 && key <= 0x1d;
      const shifted = isLetter ? shift !== this.caps : shift;
      const ch = (shifted ? SHIFTED : UNSHIFTED)[key];
      if (ch === undefined) continue;
      let code = ch.charCodeAt(0);
      if (ctrl && code >= 0x40 && code <= 0x7f) code &= 0x1f;
      this.bytes.push(code);
    }
    this.prev = keys;
    return out;
  }

  /** End the current frame without a terminator (idle timeout). Returns null when nothing is pending. */
  flush(): Uint8Array | null {
    this.endAlt();
    if (this.bytes.length === 0) return null;
    const f = Uint8Array.from(this.bytes);
    this.bytes = [];
    return f;
  }

  reset(): void {
    this.prev = [];
    this.bytes = [];
    this.altDigits = '';
  }

  private endAlt(): void {
    if (!this.altDigits) return;
    this.bytes.push(parseInt(this.altDigits, 10) & 0xff);
    this.altDigits = '';
  }

  private end(out: Uint8Array[]): void {
    this.endAlt();
    if (this.bytes.length > 0) out.push(Uint8Array.from(this.bytes));
    this.bytes = [];
  }
}

/** Usage id of a US-layout character and whether Shift is needed (for tests, fixtures and emulators). */
export function usageOf(ch: string): { key: number; shift: boolean } | null {
  for (const [k, v] of Object.entries(UNSHIFTED)) if (v === ch && Number(k) < 0x54) return { key: Number(k), shift: false };
  for (const [k, v] of Object.entries(SHIFTED)) if (v === ch && Number(k) < 0x54) return { key: Number(k), shift: true };
  return null;
}
