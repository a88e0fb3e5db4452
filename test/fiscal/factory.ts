/** Test receipts for the fiscal channel suites: marked and unmarked lines, payments, returns. */
import type { FiscalReceipt, MarkCode, Payment, ReceiptLine } from '../../src/sale/types.js';

export const GS = '\x1d';
export const GTIN = '04870249811936';

/** A KZ-style marking code: 01 GTIN 21 serial GS 91 key GS 92 crypto. */
export function mark(serial: string): MarkCode {
  const ki = `01${GTIN}21${serial}`;
  return { km: `${ki}${GS}91EE11${GS}92${'A'.repeat(40)}${serial}=`, ki, gtin: GTIN };
}

export function line(over: Partial<ReceiptLine> & { name?: string } = {}): ReceiptLine {
  const price = over.price ?? 50_000;
  const quantity = over.quantity ?? 1;
  return {
    name: 'Goods',
    price,
    quantity,
    total: Math.round(price * quantity),
    codes: [],
    unit: '796',
    vatRate: 12,
    positionType: 'goods',
    ...over,
  };
}

let seq = 0;
export function receipt(lines: ReceiptLine[], over: Partial<FiscalReceipt> & { payments?: Payment[] } = {}): FiscalReceipt {
  const total = lines.reduce((s, l) => s + l.total, 0);
  seq++;
  return {
    type: 'sale',
    id: `sale-${process.pid}-${seq}`,
    registerId: 'till-1',
    at: '2026-03-14T07:05:00.000Z',
    lines,
    payments: [{ type: 'cash', amount: total }],
    total,
    ...over,
  };
}

/** A unique idempotency key per call. */
export function key(prefix = 'store-1:till-1'): string {
  seq++;
  return `${prefix}:${process.pid}-${seq}-${Math.random().toString(36).slice(2, 8)}`;
}
