import { describe, expect, it } from 'vitest';
import { gs1CheckDigit, hasValidCheckDigit, isValidIinBin } from '../../src/marking/index.js';

describe('GS1 mod-10 check digit', () => {
  it('matches the reference examples', () => {
    expect(gs1CheckDigit('0460043993125')).toBe(6);
    expect(hasValidCheckDigit('04600439931256')).toBe(true);
    expect(hasValidCheckDigit('04603721009458')).toBe(false); // decoder test payload with a wrong check digit
    expect(hasValidCheckDigit('048700000000000012')).toBe(true); // SSCC body of (00)048700000000000012
  });
});

describe('KZ IIN/BIN', () => {
  it('accepts numbers valid in the first or the second pass', () => {
    expect(isValidIinBin('900101300007')).toBe(true); // first pass: 40 mod 11 = 7
    expect(isValidIinBin('920315400105')).toBe(true); // second pass: 137 mod 11 = 5
  });
  it('refuses wrong check digits, wrong lengths and non-digits', () => {
    expect(isValidIinBin('900101300008')).toBe(false);
    expect(isValidIinBin('920315400104')).toBe(false);
    expect(isValidIinBin('90010130000')).toBe(false);
    expect(isValidIinBin('9001013000070')).toBe(false);
    expect(isValidIinBin('90010130000a')).toBe(false);
    expect(isValidIinBin(undefined as unknown as string)).toBe(false);
  });
  it('refuses numbers whose second pass also gives 10', () => {
    // Search a body whose both passes give 10: such numbers are never issued.
    let found = '';
    for (let n = 0; n < 1e6 && !found; n++) {
      const body = String(100000000000 + n * 7919).slice(0, 11);
      const d = [...body].map(Number);
      const p1 = d.reduce((s, x, i) => s + x * (i + 1), 0) % 11;
      const p2 = d.reduce((s, x, i) => s + x * [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2][i], 0) % 11;
      if (p1 === 10 && p2 === 10) found = body;
    }
    expect(found).not.toBe('');
    for (let c = 0; c <= 9; c++) expect(isValidIinBin(found + c)).toBe(false);
  });
});
