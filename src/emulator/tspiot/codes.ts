/**
 * tspiot/codes.ts — the emulators' own reading of a marking code (they share nothing with the
 * clients they test): the KI (GTIN + serial, up to the first GS; the first 21 characters of a
 * 29-character tobacco pack), base64 detection, and a rough structure check. Used by the ТС ПИоТ
 * and Local Module emulators.
 */

const GS = '\u001d';
const STARTS_LIKE_A_CODE = /^\d{14}/;

/** Strip an AIM prefix and leading GS / FNC1 stand-ins. */
export function bare(code: string): string {
  let s = code.trim();
  if (/^\](d2|C1|Q3)/.test(s)) s = s.slice(3);
  while (s.startsWith(GS)) s = s.slice(1);
  return s;
}

/** The identification code (KI) the emulator files a code under. */
export function kiOf(code: string): string {
  const s = bare(code);
  const gs = s.indexOf(GS);
  if (gs >= 0) return s.slice(0, gs);
  if (s.length === 29 && !s.startsWith('01')) return s.slice(0, 21);
  return s;
}

/** Plausible structure: `01` + 14 digits + `21` + serial, or a 29-character tobacco pack. */
export function wellFormed(code: string): boolean {
  const s = bare(code);
  return /^01\d{14}21[\x21-\x7e]{1,20}/.test(s) || (s.length === 29 && /^\d{14}/.test(s));
}

/** A code sent as base64 of the KM → the KM; a raw code → itself; null when it is neither. */
export function decodeCode(v: string): { code: string; encoding: 'raw' | 'base64' } | null {
  const s = bare(v);
  if (STARTS_LIKE_A_CODE.test(s)) return { code: v, encoding: 'raw' };
  if (v.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
    const d = Buffer.from(v, 'base64').toString('utf8');
    if (STARTS_LIKE_A_CODE.test(bare(d))) return { code: d, encoding: 'base64' };
  }
  return null;
}

export function gtinOf(code: string): string | null {
  const s = bare(code);
  if (s.startsWith('01') && /^01\d{14}/.test(s)) return s.slice(2, 16);
  if (/^\d{14}/.test(s)) return s.slice(0, 14);
  return null;
}
