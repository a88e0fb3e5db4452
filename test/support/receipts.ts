/**
 * Receipts for tests and benchmarks: valid, unique marking codes (tobacco-like KM with GS and a
 * crypto tail) by number, and sale/return inputs and normalised records built through the real
 * intake (normalizeSale), so tests exercise what a POS would send.
 */
import { gs1CheckDigit } from '../../src/marking/check-digit.js';
import type { SaleView } from '../../src/outbox/ports.js';
import { normalizeReturn, normalizeSale, type NewRecord } from '../../src/sale/normalize.js';
import type { TanbaTerminal } from '../../src/terminal/terminal.js';
import type { ReturnInput, SaleInput } from '../../src/sale/schema.js';

export const GS = '\x1d';

/** GTIN-14 of product number `p` (prefix 0487, a Kazakh GS1 prefix). */
export function productGtin(p: number): string {
  const body = '0487' + String(p % 1_000_000_000).padStart(9, '0');
  return body + gs1CheckDigit(body);
}

/** A unique KM: (01) GTIN of product p, (21) a 13-character serial from n, GS, (93) a 4-character tail. */
export function markCode(n: number, p = 1): string {
  return '01' + productGtin(p) + '21' + 'T' + String(n).padStart(12, '0') + GS + '93' + 'Ab' + String(n % 100).padStart(2, '0');
}

export function kiOf(n: number, p = 1): string {
  return '01' + productGtin(p) + '21' + 'T' + String(n).padStart(12, '0');
}

/** A sale of one marked line (codes n..n+units-1 of product p) plus one unmarked line. */
export function saleInput(id: string, opts: { n?: number; units?: number; product?: number; price?: number; registerId?: string; customer?: SaleInput['customer']; unmarked?: boolean } = {}): SaleInput {
  const n = opts.n ?? 1;
  const units = opts.units ?? 1;
  const codes = Array.from({ length: units }, (_, i) => markCode(n + i, opts.product ?? 1));
  const lines: NonNullable<SaleInput['lines']> = [{ name: 'Marlboro Gold', price: opts.price ?? 120000, quantity: units, codes, vatRate: 12 }];
  if (opts.unmarked !== false) lines.push({ name: 'Lighter', price: 25050, quantity: 2, vatRate: 12 });
  return { id, ...(opts.registerId ? { registerId: opts.registerId } : {}), lines, ...(opts.customer ? { customer: opts.customer } : {}) };
}

export function returnInput(id: string, saleId: string, opts: { n?: number; units?: number; product?: number; price?: number; registerId?: string } = {}): ReturnInput {
  const n = opts.n ?? 1;
  const units = opts.units ?? 1;
  const codes = Array.from({ length: units }, (_, i) => markCode(n + i, opts.product ?? 1));
  return { id, saleId, ...(opts.registerId ? { registerId: opts.registerId } : {}), lines: [{ name: 'Marlboro Gold', price: opts.price ?? 120000, quantity: units, codes, vatRate: 12 }] };
}

export const NOW = Date.parse('2026-12-01T09:00:00Z');

export function saleRecord(id: string, opts: Parameters<typeof saleInput>[1] & { fiscal?: SaleInput['fiscal'] } = {}): NewRecord {
  const input = saleInput(id, opts);
  return normalizeSale(opts.fiscal ? { ...input, fiscal: opts.fiscal } : input, { now: NOW, registerId: opts.registerId ?? 'till-1' });
}

export function returnRecord(id: string, saleId: string, opts: Parameters<typeof returnInput>[2] = {}): NewRecord {
  return normalizeReturn(returnInput(id, saleId, opts), { now: NOW, registerId: opts.registerId ?? 'till-1' });
}

/** Resolves with the receipt once it reaches `state` (listening before checking, so no event is missed). */
export function reach(t: TanbaTerminal, id: string, state: SaleView['state'], timeoutMs = 15_000): Promise<SaleView> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      t.off('receipt', on);
      void t.sale(id).then((v) => reject(new Error(`${id} did not reach ${state} in ${timeoutMs} ms; it is ${JSON.stringify(v)}`)));
    }, timeoutMs);
    const on = (v: SaleView) => {
      if (v.id === id && v.state === state) done(v);
    };
    const done = (v: SaleView) => {
      clearTimeout(timer);
      t.off('receipt', on);
      resolve(v);
    };
    t.on('receipt', on);
    void t.sale(id).then((v) => v?.state === state && done(v));
  });
}
