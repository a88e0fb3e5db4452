/** Fuzz input generation and the ParseResult shape check shared by the fuzz test and scripts/fuzz.ts. */
import type { ParseResult } from '../../src/marking/types.js';
import type { Rng } from './codes.js';

const ALPHABET = '0123456789\x1d\r\n()]~|<>&#;:%\\abcdefABCDEF -+/=.,?"\'!*_èЙйқәФ\u0000\u00ff\ufffd\u241d';

function randomText(r: Rng, max: number): string {
  const n = Math.floor(r() * max);
  let s = '';
  for (let i = 0; i < n; i++) s += r() < 0.9 ? ALPHABET[Math.floor(r() * ALPHABET.length)] : String.fromCharCode(Math.floor(r() * 0xffff));
  return s;
}

function mutate(r: Rng, s: string): string {
  const ops = 1 + Math.floor(r() * 3);
  let out = s;
  for (let k = 0; k < ops; k++) {
    const i = Math.floor(r() * (out.length + 1));
    const op = Math.floor(r() * 6);
    const ch = ALPHABET[Math.floor(r() * ALPHABET.length)];
    if (op === 0) out = out.slice(0, i) + ch + out.slice(i);
    else if (op === 1) out = out.slice(0, i) + out.slice(i + 1);
    else if (op === 2) out = out.slice(0, i) + ch + out.slice(i + 1);
    else if (op === 3) out = out.slice(0, i) + out.slice(i, i + 8) + out.slice(i);
    else if (op === 4) out = out.slice(0, i);
    else out = out.slice(i) + out.slice(0, i);
  }
  return out;
}

/** A random string, a mutated real code, a real code, or bytes. */
export function fuzzInput(r: Rng, seeds: string[]): string | Uint8Array {
  const x = r();
  const seed = seeds[Math.floor(r() * seeds.length)];
  if (x < 0.25) return randomText(r, 120);
  if (x < 0.8) return mutate(r, seed);
  if (x < 0.9) return seed;
  const bytes = new Uint8Array(Math.floor(r() * 100));
  for (let i = 0; i < bytes.length; i++) bytes[i] = r() < 0.7 ? seed.charCodeAt(i % Math.max(1, seed.length)) & 0xff : Math.floor(r() * 256);
  return bytes;
}

const KINDS = new Set(['marking', 'gtin', 'sscc', 'unknown']);
const strOrNull = (v: unknown) => v === null || typeof v === 'string';

/** Returns a description of what is wrong with the result's shape, or null. */
export function checkShape(res: ParseResult): string | null {
  if (typeof res !== 'object' || res === null) return 'not an object';
  if (typeof res.ok !== 'boolean') return 'ok not boolean';
  if (!KINDS.has(res.kind)) return `kind ${String(res.kind)}`;
  for (const k of ['gtin', 'serial', 'ki', 'km', 'productGroup', 'expiry'] as const) if (!strOrNull(res[k])) return `${k} not string|null`;
  if (!(res.mrp === null || (Number.isInteger(res.mrp) && res.mrp >= 0))) return 'mrp';
  if (!Array.isArray(res.repairs) || res.repairs.some((x) => typeof x !== 'string')) return 'repairs';
  if (res.ok) {
    if (res.error !== null) return 'ok with error';
    if (res.gtin !== null && !/^\d{14}$/.test(res.gtin)) return 'gtin not 14 digits';
    if (res.kind === 'marking' && (res.ki === null || res.km === null || res.gtin === null)) return 'marking without ki/km/gtin';
    if (res.km !== null && /[\r\n]/.test(res.km)) return 'km with CR/LF';
    if (res.km !== null && res.km.charCodeAt(0) === 0x1d) return 'km with leading GS';
    if (res.expiry !== null && !/^\d{4}-\d{2}-\d{2}$/.test(res.expiry)) return 'expiry not ISO';
  } else {
    if (!res.error || typeof res.error.code !== 'string' || typeof res.error.message !== 'string' || !res.error.message) return 'refusal without error';
    if (res.kind !== 'unknown') return 'refusal with a kind';
  }
  return null;
}
