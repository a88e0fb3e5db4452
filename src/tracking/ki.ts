/**
 * Deriving the identification code (KI) from a scanned or stored code, with the marking engine's
 * parseCode. When parseCode finds no KI (a code outside every known product-group format, e.g. a
 * vendor's test data), a plain cut is used instead so nothing is lost: at the first GS, or the first
 * 21 characters of a 29-character tobacco pack; anything else is kept whole.
 */
import { parseCode } from '../marking/index.js';

const GS = '\u001d';

export function deriveKi(code: string): string {
  const parsed = parseCode(code);
  if (parsed.ki) return parsed.ki;
  return cutKi(code);
}

/** The fallback cut, without parsing. */
export function cutKi(code: string): string {
  let s = code.trim();
  if (s.startsWith(']d2') || s.startsWith(']C1') || s.startsWith(']Q3')) s = s.slice(3);
  while (s.startsWith(GS)) s = s.slice(1);
  const gs = s.indexOf(GS);
  if (gs >= 0) return s.slice(0, gs);
  if (s.length === 29 && !s.startsWith('01')) return s.slice(0, 21);
  return s;
}
