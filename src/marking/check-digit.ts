/** GS1 mod-10 check digits (GTIN-8/12/13/14, SSCC, GLN…). */

/** The check digit for the digits s[from, to) (the data without its check digit). */
export function gs1CheckDigit(s: string, from = 0, to = s.length): number {
  let sum = 0;
  let w = 3;
  for (let i = to - 1; i >= from; i--, w = 4 - w) sum += (s.charCodeAt(i) - 48) * w;
  return (10 - (sum % 10)) % 10;
}

/** True when the digits s[from, to) end in a correct mod-10 check digit. Digits must be checked first. */
export function hasValidCheckDigit(s: string, from = 0, to = s.length): boolean {
  return to - from >= 2 && gs1CheckDigit(s, from, to - 1) === s.charCodeAt(to - 1) - 48;
}
