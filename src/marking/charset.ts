/**
 * GS1 character sets as bit flags per char code (GenSpecs 7.11): numeric, CSET 82, CSET 39, CSET 64.
 * One table lookup per character; codes ≥ 128 belong to no set.
 */
export const CS_N = 1;
export const CS_82 = 2;
export const CS_39 = 4;
export const CS_64 = 8;

export const CSET = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CSET[c] |= CS_N | CS_82 | CS_39 | CS_64;
for (const ch of '!"%&\'()*+,-./:;<=>?_') CSET[ch.charCodeAt(0)] |= CS_82;
for (let c = 65; c <= 90; c++) CSET[c] |= CS_82 | CS_39 | CS_64;
for (let c = 97; c <= 122; c++) CSET[c] |= CS_82 | CS_64;
for (const ch of '#-/') CSET[ch.charCodeAt(0)] |= CS_39;
for (const ch of '-_=') CSET[ch.charCodeAt(0)] |= CS_64;

export const CSET_BY_TYPE = { N: CS_N, X: CS_82, Y: CS_39, Z: CS_64 } as const;

/** Position of the first character of s[from, to) outside `set`, or -1. */
export function firstOutside(s: string, from: number, to: number, set: number): number {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || (CSET[c] & set) === 0) return i;
  }
  return -1;
}

export function isDigits(s: string, from = 0, to = s.length): boolean {
  if (to <= from) return false;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}
