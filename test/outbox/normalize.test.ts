/** Edge validation of sales and returns: shape, every item's code through parseCode, idempotency hash. */
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/outbox/errors.js';
import { normalizeReturn, normalizeSale } from '../../src/outbox/normalize.js';
import { ki } from './helpers.js';

const NOW = Date.parse('2026-03-10T10:00:00Z');
const code = (n: number) => ki(n) + '\x1d93abcd';

function err(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StoreError);
    return e as StoreError;
  }
  throw new Error('expected a StoreError');
}

describe('normalizeSale', () => {
  it('parses every code into KI + canonical KM and stamps the time', () => {
    const { body } = normalizeSale({ id: 'r-1', items: [{ code: code(1), price: 1500 }] }, { now: NOW });
    expect(body).toEqual({
      type: 'sale',
      id: 'r-1',
      at: '2026-03-10T10:00:00.000Z',
      items: [{ ki: ki(1), km: code(1), price: 1500, quantity: 1 }],
    });
  });

  it('repairs scanner noise before storing (the same pack in two spellings is the same sale)', () => {
    const a = normalizeSale({ id: 'r-1', items: [{ code: code(1), price: 1 }] }, { now: NOW });
    const b = normalizeSale({ id: 'r-1', items: [{ code: ']d2' + ki(1) + '<GS>93abcd', price: 1 }] }, { now: NOW + 5 });
    expect(b.body.items[0].km).toBe(code(1));
    expect(b.hash).toBe(a.hash); // `at` absent in both: the stamp is not part of the identity
  });

  it('a different body gives a different hash', () => {
    const a = normalizeSale({ id: 'r-1', items: [{ code: code(1), price: 1 }] }, { now: NOW });
    const b = normalizeSale({ id: 'r-1', items: [{ code: code(1), price: 2 }] }, { now: NOW });
    expect(b.hash).not.toBe(a.hash);
  });

  it('refuses an invalid code and names the item', () => {
    const e = err(() =>
      normalizeSale({ id: 'r-2', items: [{ code: code(1), price: 1 }, { code: '0104600439931257', price: 1 }] }, { now: NOW }),
    );
    expect(e.code).toBe('invalid-item');
    expect(e.details.itemIndex).toBe(1);
    expect(e.message).toMatch(/Item 2 of sale r-2/);
  });

  it('refuses a plain product barcode as an item', () => {
    expect(err(() => normalizeSale({ id: 'r-3', items: [{ code: '4600439931256', price: 1 }] }, { now: NOW })).code).toBe('invalid-item');
  });

  it('refuses the same code twice in one sale', () => {
    const e = err(() => normalizeSale({ id: 'r-4', items: [{ code: code(1), price: 1 }, { code: code(1), price: 1 }] }, { now: NOW }));
    expect(e.code).toBe('duplicate-item');
  });

  it.each([
    ['no items', { id: 'x', items: [] }],
    ['negative price', { id: 'x', items: [{ code: 'a', price: -1 }] }],
    ['fractional price', { id: 'x', items: [{ code: 'a', price: 1.5 }] }],
    ['empty id', { id: '', items: [{ code: 'a', price: 1 }] }],
    ['id with spaces', { id: 'a b', items: [{ code: 'a', price: 1 }] }],
    ['bad time', { id: 'x', at: 'yesterday', items: [{ code: 'a', price: 1 }] }],
    ['not an object', 42],
    ['null', null],
  ])('refuses bad shape: %s', (_n, input) => {
    expect(err(() => normalizeSale(input as never, { now: NOW })).code).toBe('invalid-sale');
  });

  it('stores no personal data: unknown fields are dropped', () => {
    const { body } = normalizeSale(
      { id: 'r-5', items: [{ code: code(1), price: 1 }], customer: { name: 'A. B.', phone: '+7 700 000 00 00' } } as never,
      { now: NOW },
    );
    expect(JSON.stringify(body)).not.toMatch(/phone|name|700/);
  });
});

describe('normalizeReturn', () => {
  it('needs the sale it reverses', () => {
    expect(err(() => normalizeReturn({ id: 'ret-1', items: [{ code: code(1), price: 1 }] } as never, { now: NOW })).code).toBe('invalid-sale');
    const { body } = normalizeReturn({ id: 'ret-1', saleId: 'r-1', items: [{ code: code(1), price: 1 }] }, { now: NOW });
    expect(body).toMatchObject({ type: 'return', saleId: 'r-1' });
  });
});
