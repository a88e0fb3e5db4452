/** Intake of receipts, pure: one parse per code, totals and payments, the hash that makes an id idempotent, the return rule. */
import { describe, expect, it } from 'vitest';
import { lineTotal, normalizeReturn, normalizeSale } from '../../src/sale/normalize.js';
import { checkReturnAgainstSale } from '../../src/sale/returns.js';
import { kiOf, markCode, NOW, saleInput } from '../support/receipts.js';

const opts = { now: NOW, registerId: 'till-1', vatRate: 12 };

describe('normalizeSale', () => {
  it('parses every code once into KM, KI and GTIN, fills defaults, totals lines and defaults to a cash payment', () => {
    const { receipt, customer } = normalizeSale({ id: 's1', lines: [{ name: 'Marlboro', price: 120000, codes: [']d2' + markCode(1)] }, { name: 'Lighter', price: 25050, quantity: 2, vatRate: null }] }, opts);
    expect(receipt.lines[0]).toMatchObject({ codes: [{ km: markCode(1), ki: kiOf(1), gtin: kiOf(1).slice(2, 16) }], unit: '796', vatRate: 12, positionType: 'goods', total: 120000, gtin: kiOf(1).slice(2, 16) });
    expect(receipt.lines[1]).toMatchObject({ codes: [], vatRate: null, total: 50100 });
    expect(receipt).toMatchObject({ total: 170100, payments: [{ type: 'cash', amount: 170100 }], at: new Date(NOW).toISOString(), registerId: 'till-1' });
    expect(customer).toBeNull();
  });

  it('the same receipt scanned differently is the same hash; contacts and the default time do not change it; a price does', () => {
    const a = normalizeSale({ id: 's2', lines: [{ name: 'A', price: 100, codes: [markCode(2)] }] }, opts);
    const b = normalizeSale({ id: 's2', lines: [{ name: 'A', price: 100, codes: [']d2' + markCode(2) + '\r\n'] }], customer: { email: 'x@y.kz' } }, { ...opts, now: NOW + 5000 });
    const c = normalizeSale({ id: 's2', lines: [{ name: 'A', price: 101, codes: [markCode(2)] }] }, opts);
    expect(b.hash).toBe(a.hash);
    expect(c.hash).not.toBe(a.hash);
    expect(b.customer).toEqual({ email: 'x@y.kz' });
    expect(JSON.stringify(b.receipt)).not.toContain('x@y.kz');
  });

  it('weight lines round to the tiyn; payments merge by type', () => {
    expect(lineTotal(99_999, 1.255)).toBe(125_499);
    expect(lineTotal(1, 0.001)).toBe(0);
    const r = normalizeSale({ id: 's3', lines: [{ name: 'Cheese', price: 400_000, quantity: 0.333, unit: '166' }], payments: [{ type: 'card', amount: 100_000 }, { type: 'card', amount: 33_200 }] }, opts);
    expect(r.receipt).toMatchObject({ total: 133_200, payments: [{ type: 'card', amount: 133_200 }] });
  });

  it('reports at most 50 mistakes of a hostile body, each with what to write', () => {
    const body: Record<string, unknown> = { ...saleInput('s4') };
    for (let i = 0; i < 15_000; i++) body[`k${i}`] = i;
    const e = (() => {
      try {
        normalizeSale(body, opts);
      } catch (x) {
        return x as { code: string; fields: { fix: string }[]; message: string };
      }
    })()!;
    expect(e.code).toBe('invalid-sale');
    expect(e.fields).toHaveLength(50);
    expect(JSON.stringify(e).length).toBeLessThan(20_000);
  });

  it('refuses a receipt whose total a cash register cannot hold', () => {
    expect(() => normalizeSale({ id: 's5', lines: [{ name: 'A', price: 1e13, quantity: 2 }] }, opts)).toThrow(/more than a receipt can hold/);
  });
});

describe('checkReturnAgainstSale', () => {
  const sale = normalizeSale({ id: 'sale', lines: [{ name: 'Marlboro', price: 1000, quantity: 2, codes: [markCode(10), markCode(11)] }, { name: 'Bag', price: 50, quantity: 3 }] }, opts).receipt;
  const ret = (id: string, lines: object[]) => normalizeReturn({ id, saleId: 'sale', lines }, opts).receipt;

  it('accepts codes and unmarked quantities of the sale, then only what is left', () => {
    const r1 = ret('r1', [{ name: 'Marlboro', price: 1000, codes: [markCode(10)] }, { name: 'Bag', price: 50, quantity: 2 }]);
    expect(() => checkReturnAgainstSale(r1, sale, [])).not.toThrow();
    const r2 = ret('r2', [{ name: 'Bag', price: 50, quantity: 2 }]);
    expect(() => checkReturnAgainstSale(r2, sale, [r1])).toThrow(/only 1 of "Bag" is left/);
    const r3 = ret('r3', [{ name: 'Marlboro', price: 1000, codes: [markCode(10)] }]);
    expect(() => checkReturnAgainstSale(r3, sale, [r1])).toThrow(/already returned by return r1/);
    const r4 = ret('r4', [{ name: 'Cola', price: 50 }]);
    expect(() => checkReturnAgainstSale(r4, sale, [])).toThrow(/is not a line of sale sale/);
  });
});
