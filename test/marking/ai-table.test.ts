import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM script without types
import { parseDictionary, render } from '../../scripts/gen-ai-table.mjs';
import { AI_ENTRIES } from '../../src/marking/ai-table.generated.js';
import { aiAt, aiLengthByPrefix, aiSpec } from '../../src/marking/ai-spec.js';

const dictionary = readFileSync(new URL('../../data/gs1-syntax-dictionary.txt', import.meta.url), 'utf8');

describe('AI table generated from the GS1 Barcode Syntax Dictionary', () => {
  it('is exactly what the generator makes of the committed dictionary', () => {
    const committed = readFileSync(new URL('../../src/marking/ai-table.generated.ts', import.meta.url), 'utf8');
    expect(committed).toBe(render(parseDictionary(dictionary)));
  });

  it('keeps the repo copy of the dictionary identical to the shared one when both exist', () => {
    let shared: string | null = null;
    try {
      shared = readFileSync(new URL('../../../shared/data/gs1-syntax-dictionary.txt', import.meta.url), 'utf8');
    } catch {
      shared = null; // CI clones may not place shared/ beside the repo
    }
    if (shared !== null) expect(dictionary).toBe(shared);
    expect(dictionary).toContain('# GTIN');
  });

  it('covers the 224 dictionary lines, 72 of them predefined-length', () => {
    const lines = dictionary.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines).toHaveLength(224);
    expect(lines.filter((l) => /^\S+\s+\*/.test(l))).toHaveLength(72);
  });

  it('is prefix-free: the first two digits decide the AI length', () => {
    const byPrefix = new Map<string, number>();
    const clashes: string[] = [];
    for (const e of AI_ENTRIES) {
      const p = e.ai.slice(0, 2);
      if ((byPrefix.get(p) ?? e.ai.length) !== e.ai.length) clashes.push(`${e.ai}: length differs within prefix ${p}`);
      byPrefix.set(p, e.ai.length);
      for (const other of AI_ENTRIES) if (other !== e && other.ai.startsWith(e.ai)) clashes.push(`${e.ai} is a prefix of ${other.ai}`);
    }
    expect(clashes).toEqual([]);
    expect(aiLengthByPrefix[70]).toBe(4); // defining "70" once broke 7021 elsewhere
  });

  it('carries the facts the marking domain relies on', () => {
    expect(aiSpec('01')).toMatchObject({ predefined: true, minLength: 14, maxLength: 14 });
    expect(aiSpec('00')).toMatchObject({ predefined: true, maxLength: 18 });
    expect(aiSpec('21')).toMatchObject({ predefined: false, minLength: 1, maxLength: 20 });
    expect(aiSpec('8005')).toMatchObject({ predefined: false, fixedLength: true, maxLength: 6 });
    expect(aiSpec('7003')).toMatchObject({ predefined: false, fixedLength: true, maxLength: 10 });
    expect(aiSpec('92')).toMatchObject({ predefined: false, maxLength: 90 });
    expect(aiSpec('3103')).toMatchObject({ predefined: true, maxLength: 6 });
    expect(aiSpec('17')?.components[0].linters).toContain('yymmd0');
    expect(aiSpec('99')?.title).toBe('INTERNAL');
    expect(aiSpec('23')).toBeUndefined();
    expect(aiSpec('0x')).toBeUndefined();
    expect(aiAt('8005112000', 0)?.ai).toBe('8005');
    expect(aiAt('x1', 0)).toBeUndefined();
  });
});
