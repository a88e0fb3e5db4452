/**
 * The tobacco pack code: 29 characters, no AIs, no GS. GTIN-14 + serial 7, then in RU/KZ the maximum
 * retail price (4 chars, base 80, minor units) + crypto 4; in UZ a verification code of 8.
 */
import { CSET, CS_82 } from './charset.js';
import { hasValidCheckDigit } from './check-digit.js';
import type { Country } from './types.js';

export const PACK_LENGTH = 29;

const A80 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!"%&\'*+-./_,:;=<>?';
const A80_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < A80.length; i++) A80_VALUE[A80.charCodeAt(i)] = i;

/** Decodes the base-80 price at s[pos, pos+4); -1 when a character is outside the alphabet. */
export function decodeBase80(s: string, pos: number): number {
  let v = 0;
  for (let i = pos; i < pos + 4; i++) {
    const c = s.charCodeAt(i);
    const d = c < 128 ? A80_VALUE[c] : -1;
    if (d < 0) return -1;
    v = v * 80 + d;
  }
  return v;
}

/** Encodes a price in minor units as 4 base-80 characters (for tests, demos and emulators). */
export function encodeBase80(value: number): string {
  let out = '';
  let v = Math.floor(value);
  for (let i = 0; i < 4; i++) {
    out = A80[v % 80] + out;
    v = Math.floor(v / 80);
  }
  return out;
}

export type PackCheck = { ok: true; mrp: number | null } | { ok: false; code: 'bad-check-digit' | 'bad-charset'; message: string };

/** Checks a 29-char candidate whose first 14 chars are digits. */
export function checkPack(s: string, country: Country): PackCheck {
  if (!hasValidCheckDigit(s, 0, 14)) {
    return { ok: false, code: 'bad-check-digit', message: 'Tobacco pack code: the GTIN check digit is wrong.' };
  }
  for (let i = 14; i < PACK_LENGTH; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CSET[c] & CS_82) === 0) {
      return { ok: false, code: 'bad-charset', message: `Tobacco pack code: character ${JSON.stringify(s[i])} at position ${i + 1} is not allowed.` };
    }
  }
  if (country === 'UZ') return { ok: true, mrp: null };
  const mrp = decodeBase80(s, 21);
  if (mrp < 0 && country === 'RU') {
    return { ok: false, code: 'bad-charset', message: 'Tobacco pack code: the price part (characters 22–25) is not base-80.' };
  }
  return { ok: true, mrp: mrp < 0 ? null : mrp };
}
