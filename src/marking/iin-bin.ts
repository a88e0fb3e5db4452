/**
 * Kazakhstan IIN / BIN (12 digits): mod-11 check with the second weight set when the first gives 10
 * (Government decrees 2003 No 565 / 2007 No 406). Used to validate the seller's BIN in configuration.
 */
const W2 = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2];

export function isValidIinBin(value: string): boolean {
  if (typeof value !== 'string' || value.length !== 12) return false;
  const d: number[] = [];
  for (let i = 0; i < 12; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    d.push(c);
  }
  let c = 0;
  for (let i = 0; i < 11; i++) c += d[i] * (i + 1);
  c %= 11;
  if (c === 10) {
    c = 0;
    for (let i = 0; i < 11; i++) c += d[i] * W2[i];
    c %= 11;
  }
  return c !== 10 && c === d[11];
}
