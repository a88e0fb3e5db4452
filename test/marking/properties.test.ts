/**
 * Property tests: for random valid codes of every family, each garble a scanner or keyboard produces
 * leads back to the same KI and KM — or, for a lost GS that fits two formats, to the distinct
 * `gs-missing-ambiguous` refusal, never to a different code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCode, type Country } from '../../src/marking/index.js';
import { GARBLES, GS, garble, makeCode, rng, type Family, type Garble } from '../support/codes.js';

const FAMILIES: Family[] = ['shoes', 'light_industry', 'pharma', 'appliances', 'water', 'dairy', 'dairy_weight', 'beer', 'tobacco_block', 'tobacco_pack', 'ean13'];

const expectedRepair: Record<Garble, string | null> = {
  aim: 'aim-prefix', 'fnc1-gs': 'fnc1-stripped', 'fnc1-e8': 'fnc1-stripped', crlf: 'crlf-stripped', tilde: 'gs-substitute',
  pipe: 'gs-substitute', 'gs-text': 'gs-substitute', 'gs-escape': 'gs-substitute', hri: 'hri', 'gs-dropped': 'gs-restored',
  'layout-ru': 'layout-ru', 'layout-kz': 'layout-kz',
};

function sample(seed: number, family: Family) {
  return makeCode(rng(seed), family);
}

function country(family: Family): Country {
  return family === 'tobacco_pack' ? 'RU' : 'KZ';
}

describe('every garble of every family leads back to the same code', () => {
  it.each(FAMILIES)('%s', (family) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(...GARBLES), (seed, how) => {
        const s = sample(seed, family);
        const input = garble(s.km, family, how);
        const r = parseCode(input, { country: country(family) });
        if (how === 'gs-dropped' && !r.ok) {
          expect(r.error?.code).toBe('gs-missing-ambiguous');
          return;
        }
        expect(r.error).toBeNull();
        expect(r.gtin).toBe(s.gtin);
        expect(r.ki).toBe(s.ki);
        if (family !== 'ean13') expect(r.km).toBe(s.km);
        expect(r.productGroup).toBe(s.productGroup);
        expect(r.mrp).toBe(s.mrp);
        if (input !== s.km) {
          const changed = how.startsWith('layout') ? /[^\x00-\x7f]/.test(input) : true;
          const gsBased = ['tilde', 'pipe', 'gs-text', 'gs-escape', 'gs-dropped'].includes(how);
          if (changed && (!gsBased || s.km.includes(GS))) expect(r.repairs).toContain(expectedRepair[how]);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('garbles combine', () => {
  it('GS lost or substituted, AIM or FNC1 prefix, CR/LF and a keyboard layout together', () => {
    const marked = FAMILIES.filter((f) => f !== 'ean13' && f !== 'tobacco_pack');
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.constantFrom(...marked),
        fc.constantFrom<Garble | null>('tilde', 'gs-text', 'gs-dropped', null),
        fc.constantFrom<Garble | null>('aim', 'fnc1-e8', 'fnc1-gs', null),
        fc.boolean(),
        fc.constantFrom<Garble | null>('layout-ru', 'layout-kz', null),
        (seed, family, gs, prefix, crlf, layout) => {
          const s = sample(seed, family);
          let input = gs ? garble(s.km, family, gs) : s.km;
          if (prefix) input = garble(input, family, prefix);
          if (crlf) input += '\r\n';
          if (layout) input = garble(input, family, layout);
          const r = parseCode(input);
          if (gs === 'gs-dropped' && !r.ok) {
            expect(r.error?.code).toBe('gs-missing-ambiguous');
            return;
          }
          expect(r.error).toBeNull();
          expect(r.ki).toBe(s.ki);
          expect(r.km).toBe(s.km);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('canonical output', () => {
  it('km re-parses to itself with no repairs, and ki is km up to the first GS', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.constantFrom(...FAMILIES.filter((f) => f !== 'ean13')), (seed, family) => {
        const s = sample(seed, family);
        const r = parseCode(s.km, { country: country(family) });
        const again = parseCode(r.km!, { country: country(family) });
        expect(again).toEqual(r);
        expect(again.repairs).toEqual([]);
        if (family !== 'tobacco_pack' && family !== 'pharma') expect(r.ki).toBe(r.km!.split(GS)[0]);
      }),
      { numRuns: 300 },
    );
  });
});
