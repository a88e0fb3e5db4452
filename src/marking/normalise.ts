/**
 * Scanner-text normalisation (reference/marking-codes.md §9): input decoding, the framing a scanner
 * adds (CR/LF/Tab suffix, AIM symbology prefix, a leading FNC1 artifact), and GS substitutes.
 */
import { GS } from './element-string.js';

/** The longest input considered; anything longer is refused before any work (a DL URI fits easily). */
export const MAX_INPUT_LENGTH = 2048;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Bytes as a scanner sends them: latin1 (one char per byte, so GS and 0xE8 survive), unless the bytes
 * are valid UTF-8 holding non-ASCII text (a keyboard wedge typing Cyrillic), which is decoded as UTF-8.
 */
export function decodeBytes(bytes: Uint8Array): string {
  let high = false;
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0x80) high = true;
    s += String.fromCharCode(b);
  }
  if (high) {
    try {
      return UTF8.decode(bytes);
    } catch {
      return s;
    }
  }
  return s;
}

/** Default GS substitutes: none of them can occur in valid data (outside CSET 82, or escape texts). */
export const DEFAULT_GS_SUBSTITUTES: readonly string[] = [
  '<GS>', '{GS}', '[GS]', '&#x1D;', '&#x1d;', '&#29;', '\\x1d', '\\x1D', '\\u001d', '\\u001D', '\\u1d', '\\u1D',
  '^]', '\u241d', '~', '|',
  // FNC1 written as codeword 232 (è) or lost in a charset conversion (U+FFFD), where a separator belongs.
  '\u00e8', '\ufffd',
];

export interface Framing {
  text: string;
  aim: string | null;
}

function isAimChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Strips what the scanner put around the data: trailing CR/LF/Tab, the AIM prefix `]xy`, and one
 * leading FNC1 artifact (GS, `è`/0xE8, U+FFFD, or `è` that went through a UTF-8 → latin1 round trip).
 * Pushes one repair name per kind of thing removed.
 */
export function stripFraming(input: string, repairs: string[]): Framing {
  let t = input;
  let end = t.length;
  while (end > 0) {
    const c = t.charCodeAt(end - 1);
    if (c !== 13 && c !== 10 && c !== 9) break;
    end--;
  }
  if (end !== t.length) {
    t = t.slice(0, end);
    repairs.push('crlf-stripped');
  }
  let aim: string | null = null;
  if (t.charCodeAt(0) === 93 /* ] */ && t.length >= 3 && isAimChar(t.charCodeAt(1)) && isAimChar(t.charCodeAt(2))) {
    aim = t.slice(0, 3);
    t = t.slice(3);
    repairs.push('aim-prefix');
  }
  const c0 = t.charCodeAt(0);
  if (c0 === 0x1d || c0 === 0xe8 || c0 === 0xfffd) {
    t = t.slice(1);
    repairs.push('fnc1-stripped');
  } else if (c0 === 0xc3 && t.charCodeAt(1) === 0xa8) {
    t = t.slice(2);
    repairs.push('fnc1-stripped');
  }
  return { text: t, aim };
}

/** Which character codes can start a substitute: a table for ASCII, a list for the rest. */
interface FirstChars {
  ascii: Uint8Array;
  other: number[];
}

function firstChars(substitutes: readonly string[]): FirstChars {
  const ascii = new Uint8Array(128);
  const other: number[] = [];
  for (const sub of substitutes) {
    const c = sub.charCodeAt(0);
    if (c < 128) ascii[c] = 1;
    else other.push(c);
  }
  return { ascii, other };
}

const DEFAULT_FIRST = firstChars(DEFAULT_GS_SUBSTITUTES);

/** Replaces every configured substitute with GS in one pass. Returns the input itself when none occurs. */
export function substituteGs(t: string, substitutes: readonly string[]): string {
  const { ascii, other } = substitutes === DEFAULT_GS_SUBSTITUTES ? DEFAULT_FIRST : firstChars(substitutes);
  let out = '';
  let from = 0;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 128 ? ascii[c] === 0 : !other.includes(c)) continue;
    for (let k = 0; k < substitutes.length; k++) {
      const sub = substitutes[k];
      if (sub.charCodeAt(0) === c && t.startsWith(sub, i)) {
        out += t.slice(from, i) + GS;
        i += sub.length - 1;
        from = i + 1;
        break;
      }
    }
  }
  return from === 0 ? t : out + t.slice(from);
}
