/**
 * Realistic marking codes for the demo and tests: valid GTINs and serials of the common families,
 * and the garbles a till really sees (typed under a Russian or Kazakh keyboard layout, lost GS).
 */
import { gs1CheckDigit as checkDigit } from '../marking/index.js';
import { mulberry32 } from '../emulator/prng.js';

const GS = '\x1d';

/** GS1 mod-10 check digit of a GTIN body, as a string. */
export function gs1CheckDigit(body: string): string {
  return String(checkDigit(body));
}

/** Small deterministic PRNG so a demo run is reproducible. */
export const prng = mulberry32;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64 = `${ALNUM}+/`;
const pick = (rnd: () => number, alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');

export function gtin(rnd: () => number, prefix = '0487'): string {
  const body = prefix + pick(rnd, '0123456789', 13 - prefix.length);
  return body + gs1CheckDigit(body);
}

export interface DemoCode {
  /** What the product is, for printing. */
  label: string;
  /** The canonical code (KM, with GS). */
  km: string;
  /** The identification code (KI). */
  ki: string;
  group: 'water' | 'clothes' | 'dairy' | 'beer';
}

/** Water: 01 GTIN 21 serial13 GS 93 key4. */
export function waterCode(rnd: () => number, label = 'Water 0.5 l'): DemoCode {
  const ki = `01${gtin(rnd)}21${pick(rnd, ALNUM, 13)}`;
  return { label, ki, km: `${ki}${GS}93${pick(rnd, ALNUM, 4)}`, group: 'water' };
}

/** Light industry / clothes: 01 GTIN 21 serial13 GS 91 key4 GS 92 code44. */
export function clothesCode(rnd: () => number, label = 'T-shirt'): DemoCode {
  const ki = `01${gtin(rnd)}21${pick(rnd, ALNUM, 13)}`;
  return { label, ki, km: `${ki}${GS}91${pick(rnd, ALNUM, 4)}${GS}92${pick(rnd, B64, 44)}`, group: 'clothes' };
}

/** Dairy: 01 GTIN 21 serial6 GS 93 key4. */
export function dairyCode(rnd: () => number, label = 'Kefir 1 l'): DemoCode {
  const ki = `01${gtin(rnd)}21${pick(rnd, ALNUM, 6)}`;
  return { label, ki, km: `${ki}${GS}93${pick(rnd, ALNUM, 4)}`, group: 'dairy' };
}

/** Beer: 01 GTIN 21 serial7 GS 93 key4. */
export function beerCode(rnd: () => number, label = 'Beer 0.5 l'): DemoCode {
  const ki = `01${gtin(rnd)}21${pick(rnd, ALNUM, 7)}`;
  return { label, ki, km: `${ki}${GS}93${pick(rnd, ALNUM, 4)}`, group: 'beer' };
}

// Keyboard layouts by key position (unshifted row, then shifted row, key for key):
// what the OS types under the layout when the scanner presses the key of a US character.
const US = '`1234567890-=qwertyuiop[]asdfghjkl;\'zxcvbnm,./\\' + '~!@#$%^&*()_+QWERTYUIOP{}ASDFGHJKL:"ZXCVBNM<>?|';
const RU = 'ё1234567890-=йцукенгшщзхъфывапролджэячсмитьбю.\\' + 'Ё!"№;%:?*()_+ЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ,/';
const KZ = '("әіңғ,.үұқөһйцукенгшщзхъфывапролджэячсмитьбю№\\' + ')!ӘІҢҒ;:ҮҰҚӨҺЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ?/';

function retype(text: string, layout: string): string {
  let out = '';
  for (const ch of text) {
    const i = US.indexOf(ch);
    out += i >= 0 ? [...layout][i] : ch;
  }
  return out;
}

/** The code as a keyboard-wedge scanner types it while the Russian (ЙЦУКЕН) layout is active. */
export function typedUnderRussianLayout(text: string): string {
  return retype(text, RU);
}

/** The code as typed while the Kazakh layout is active (the digit row gives Kazakh letters). */
export function typedUnderKazakhLayout(text: string): string {
  return retype(text, KZ);
}

/** The code as a scanner in keyboard mode that drops GS sends it. */
export function withoutGs(text: string): string {
  return text.split(GS).join('');
}

/** Text as UTF-8 bytes, the way a keyboard-wedge reader hands typed text over. */
export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf8'));
}
