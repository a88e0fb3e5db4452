/**
 * Deriving the identification code (KI) from a scanned or stored code.
 * Private helper until the marking engine's `parseCode` is wired in: it cuts at the first GS,
 * or keeps the first 21 characters of a 29-character tobacco pack; anything else is kept whole.
 */
const GS = '\u001d';

export function deriveKi(code: string): string {
  let s = code.trim();
  if (s.startsWith(']d2') || s.startsWith(']C1') || s.startsWith(']Q3')) s = s.slice(3);
  while (s.startsWith(GS)) s = s.slice(1);
  const gs = s.indexOf(GS);
  if (gs >= 0) return s.slice(0, gs);
  if (s.length === 29 && !s.startsWith('01')) return s.slice(0, 21);
  return s;
}
