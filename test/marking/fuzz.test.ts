/**
 * Fuzz: random and mutated inputs never make parseCode throw, and every result has the contract's
 * shape. CI runs FUZZ_COUNT (default 30,000); `npm run fuzz` runs 1,000,000.
 */
import { describe, expect, it } from 'vitest';
import { parseCode, type ParseResult } from '../../src/marking/index.js';
import { codeMix, rng } from '../support/codes.js';
import { fuzzInput, checkShape } from '../support/fuzz.js';

const COUNT = Number(process.env.FUZZ_COUNT ?? 30_000);

describe('fuzz', () => {
  it(`${COUNT} random and mutated inputs: no throw, typed results`, () => {
    const r = rng(7);
    const seeds = codeMix(11, 500, 0.3).map((c) => c.input);
    const problems: string[] = [];
    let okCount = 0;
    for (let i = 0; i < COUNT; i++) {
      const input = fuzzInput(r, seeds);
      let res: ParseResult;
      try {
        res = parseCode(input, { country: (['KZ', 'RU', 'UZ'] as const)[i % 3] });
      } catch (e) {
        problems.push(`threw on ${JSON.stringify(input)}: ${String(e)}`);
        continue;
      }
      const bad = checkShape(res);
      if (bad) problems.push(`${bad} for ${JSON.stringify(input)}`);
      if (res.ok) okCount++;
      if (problems.length > 5) break;
    }
    expect(problems).toEqual([]);
    // The mutations keep a share of valid codes, so the ok path is exercised too.
    expect(okCount).toBeGreaterThan(COUNT / 20);
  });
});
