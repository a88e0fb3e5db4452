/**
 * The marking code in the form the Uzbek fiscal module takes in `Label` (and Multikassa in
 * `product_label`): the KM with its crypto tail cut and control characters removed
 * (fiscal-channels.md §0.4 and §3.1, [S]). Derived from the parsed code (MarkCode), never from a
 * re-scanned string.
 *
 * - GS1 form (`01` GTIN `21` serial ␝ …): the element strings are cut at the first crypto element
 *   (AI 91, 92 or 93) — it and everything after it go; the rest is joined without separators.
 *   A KM whose separators were lost keeps only the KI when the remainder starts with 91/92/93.
 * - Tobacco pack (29 characters, no AIs): `cut-crypto` drops the last 4 characters (a field client's
 *   form), `ki` keeps GTIN + serial (21), `full` keeps all 29 [S/I].
 * - Any control character (GS, CR, LF…) is removed last.
 */
import type { MarkCode } from '../../sale/types.js';

export type PackLabel = 'cut-crypto' | 'ki' | 'full';

const GS = '\x1d';
const CRYPTO_AI = /^9[123]/;
const CONTROL = /[\x00-\x1f\x7f]/g;

export function uzLabel(code: MarkCode, pack: PackLabel = 'cut-crypto'): string {
  const km = code.km;
  let out: string;
  if (km.includes(GS)) {
    const kept: string[] = [];
    for (const [i, element] of km.split(GS).entries()) {
      if (i > 0 && CRYPTO_AI.test(element)) break;
      kept.push(element);
    }
    out = kept.join('');
  } else if (km.length === 29 && /^\d{14}/.test(km) && !isGs1(km)) {
    out = packLabel(km, pack);
  } else {
    out = isGs1(km) ? gs1WithoutSeparators(km, code.ki) : km;
  }
  return out.replace(CONTROL, '');
}

/** `01` + 14 digits + `21`: a GS1 element string (a 29-char pack never has AI 21 at position 16). */
function isGs1(km: string): boolean {
  return /^01\d{14}21/.test(km);
}

function gs1WithoutSeparators(km: string, ki: string): string {
  if (ki && km.startsWith(ki) && km.length > ki.length && CRYPTO_AI.test(km.slice(ki.length))) return ki;
  return km;
}

function packLabel(km: string, pack: PackLabel): string {
  if (pack === 'full') return km;
  if (pack === 'ki') return km.slice(0, 21);
  return km.slice(0, 25);
}
