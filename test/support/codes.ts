/**
 * Realistic marking codes for tests and benchmarks: every product-group family, built from a seeded
 * PRNG so runs are reproducible, plus the garbles scanners and keyboards produce.
 */
import { gs1CheckDigit } from '../../src/marking/check-digit.js';
import { applyLayout } from '../../src/marking/keyboard-layout.js';
import { encodeBase80 } from '../../src/marking/tobacco-pack.js';
import { mulberry32 } from '../../src/emulator/prng.js';

export const GS = '\x1d';
const CSET82 = '!"%&\'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export type Rng = () => number;

/** A small, fast, seeded PRNG (the emulator's mulberry32). */
export const rng: (seed: number) => Rng = mulberry32;

/** xorshift32, the generator the image and crash tests were tuned with (their seeds pick hard frames). */
export function xorshift32(seed: number): Rng {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const pick = (r: Rng, s: string) => s[Math.floor(r() * s.length)];
const str = (r: Rng, alphabet: string, n: number) => {
  let out = '';
  for (let i = 0; i < n; i++) out += pick(r, alphabet);
  return out;
};

export function gtin(r: Rng, prefix = ['487', '460', '478'][Math.floor(r() * 3)]): string {
  const body = '0' + prefix + str(r, '0123456789', 12 - prefix.length);
  return body + gs1CheckDigit(body);
}

export function ean13(r: Rng): string {
  const body = ['487', '460', '478', '590'][Math.floor(r() * 4)] + str(r, '0123456789', 9);
  return body + gs1CheckDigit(body);
}

export type Family = 'shoes' | 'light_industry' | 'pharma' | 'appliances' | 'water' | 'dairy' | 'dairy_weight' | 'beer' | 'tobacco_block' | 'tobacco_pack' | 'ean13';

export interface Sample {
  family: Family;
  /** Canonical KM (or the EAN digits). */
  km: string;
  ki: string | null;
  gtin: string;
  serial: string | null;
  productGroup: string | null;
  mrp: number | null;
}

export function makeCode(r: Rng, family: Family): Sample {
  const g = gtin(r);
  const s = (n: number) => str(r, CSET82, n);
  const mk = (serial: string, tail: string, group: string, mrp: number | null = null): Sample => ({
    family, km: `01${g}21${serial}${GS}${tail}`, ki: `01${g}21${serial}`, gtin: g, serial, productGroup: group, mrp,
  });
  switch (family) {
    case 'shoes': return mk(s(13), `91${str(r, ALNUM, 4)}${GS}92${str(r, B64, 88)}`, 'shoes');
    case 'light_industry': return mk(s(13), `91${str(r, ALNUM, 4)}${GS}92${str(r, B64, 43)}=`, 'light_industry');
    case 'pharma': {
      const serial = s(13);
      const exp = `${20 + Math.floor(r() * 10)}${String(1 + Math.floor(r() * 12)).padStart(2, '0')}${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`;
      return { family, km: `01${g}17${exp}21${serial}${GS}91${str(r, ALNUM, 4)}${GS}92${str(r, B64, 44)}`, ki: `01${g}21${serial}`, gtin: g, serial, productGroup: 'pharma', mrp: null };
    }
    case 'appliances': return mk(s(20), `91${str(r, ALNUM, 4)}${GS}92${str(r, B64, 44)}`, 'appliances');
    case 'water': return mk(s(13), `93${str(r, ALNUM, 4)}`, 'water');
    case 'dairy': return mk(s(6), `93${str(r, ALNUM, 4)}`, 'dairy');
    case 'dairy_weight': return mk(s(6), `93${str(r, ALNUM, 4)}${GS}3103${str(r, '0123456789', 6)}`, 'dairy');
    case 'beer': return mk(s(7), `93${str(r, ALNUM, 4)}`, 'beer');
    case 'tobacco_block': {
      const price = 10000 + Math.floor(r() * 500000);
      return mk(s(7), `8005${String(price).padStart(6, '0')}${GS}93${str(r, ALNUM, 4)}`, 'tobacco', price);
    }
    case 'tobacco_pack': {
      const serial = s(7);
      const mrp = 5000 + Math.floor(r() * 200000);
      return { family, km: g + serial + encodeBase80(mrp) + str(r, CSET82, 4), ki: g + serial, gtin: g, serial, productGroup: 'tobacco', mrp };
    }
    case 'ean13': {
      const e = ean13(r);
      return { family, km: e, ki: null, gtin: '0' + e, serial: null, productGroup: null, mrp: null };
    }
  }
}

/** The benchmark mix of ecosystem.md §9.2, widened to every family. */
export const MIX: [Family, number][] = [
  ['shoes', 5], ['light_industry', 20], ['pharma', 10], ['appliances', 3], ['water', 12], ['dairy', 8], ['dairy_weight', 5],
  ['beer', 7], ['tobacco_block', 10], ['tobacco_pack', 5], ['ean13', 15],
];

export function pickFamily(r: Rng): Family {
  const total = MIX.reduce((a, [, w]) => a + w, 0);
  let x = r() * total;
  for (const [f, w] of MIX) if ((x -= w) < 0) return f;
  return 'ean13';
}

export type Garble = 'aim' | 'fnc1-gs' | 'fnc1-e8' | 'crlf' | 'tilde' | 'pipe' | 'gs-text' | 'gs-escape' | 'hri' | 'gs-dropped' | 'layout-ru' | 'layout-kz';
export const GARBLES: Garble[] = ['aim', 'fnc1-gs', 'fnc1-e8', 'crlf', 'tilde', 'pipe', 'gs-text', 'gs-escape', 'hri', 'gs-dropped', 'layout-ru', 'layout-kz'];

/** HRI of a canonical GS1 element string whose AI boundaries are known from the sample. */
export function toHri(km: string, family: Family): string {
  if (family === 'tobacco_pack' || family === 'ean13') return km;
  const parts = km.split(GS);
  const out: string[] = [];
  for (const p of parts) {
    // Each GS-separated part starts with a variable AI, possibly preceded by predefined-length AIs.
    let rest = p;
    while (rest.length) {
      const two = rest.slice(0, 2);
      if (two === '01' || two === '17') { out.push(`(${two})${rest.slice(2, two === '01' ? 16 : 8)}`); rest = rest.slice(two === '01' ? 16 : 8); continue; }
      const ai = rest.startsWith('8005') || rest.startsWith('3103') ? rest.slice(0, 4) : two;
      out.push(`(${ai})${rest.slice(ai.length).replace(/\(/g, '\\(')}`);
      rest = '';
    }
  }
  return out.join('');
}

export function garble(km: string, family: Family, how: Garble): string {
  switch (how) {
    case 'aim': return (family === 'ean13' ? ']E0' : family === 'tobacco_pack' ? ']d1' : ']d2') + km;
    case 'fnc1-gs': return family === 'ean13' ? km : GS + km;
    case 'fnc1-e8': return family === 'ean13' ? km : '\u00e8' + km;
    case 'crlf': return km + '\r\n';
    case 'tilde': return km.split(GS).join('~');
    case 'pipe': return km.split(GS).join('|');
    case 'gs-text': return km.split(GS).join('<GS>');
    case 'gs-escape': return km.split(GS).join('\\u001d');
    case 'hri': return toHri(km, family);
    case 'gs-dropped': return km.split(GS).join('');
    case 'layout-ru': return applyLayout(km, 'ru');
    case 'layout-kz': return applyLayout(km, 'kz');
  }
}

/** `count` codes of the mix; `garbledShare` of them garbled with a random garble. */
export function codeMix(seed: number, count: number, garbledShare = 0): { input: string; sample: Sample; garble: Garble | null }[] {
  const r = rng(seed);
  const out: { input: string; sample: Sample; garble: Garble | null }[] = [];
  for (let i = 0; i < count; i++) {
    const sample = makeCode(r, pickFamily(r));
    if (r() < garbledShare) {
      const g = GARBLES[Math.floor(r() * GARBLES.length)];
      out.push({ input: garble(sample.km, sample.family, g), sample, garble: g });
    } else out.push({ input: sample.km, sample, garble: null });
  }
  return out;
}
