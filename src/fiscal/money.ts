/**
 * Money and tax helpers for the fiscal channels. tanba amounts are integers in minor units (tiyn,
 * kopecks, tiyin); channels want tenge decimals (Webkassa), Money{bills, coins} (re:Kassa / KGD-JSON) or
 * ×1000 quantities. VAT is included in prices: the tax of a line is round-to-minor(total × rate / (100 + rate)).
 */
import { FiscalError } from './types.js';
import type { Payment, PaymentType, ReceiptLine } from '../sale/types.js';

/** VAT included in `totalMinor` at `rate` percent, rounded half-up to the minor unit; 0 when rate is null or 0. */
export function includedVat(totalMinor: number, rate: number | null): number {
  if (rate === null || rate === 0) return 0;
  // Exact integer arithmetic: scale the rate to an integer (rates like 16.5 % stay exact to 1/1000 %).
  const r = Math.round(rate * 1000);
  const num = BigInt(Math.round(totalMinor)) * BigInt(r);
  const den = BigInt(100_000 + r);
  const sign = num < 0n ? -1n : 1n;
  const abs = num < 0n ? -num : num;
  return Number(sign * ((2n * abs + den) / (2n * den)));
}

/** Minor units → tenge as a JSON number with at most 2 decimals (50000 → 500, 5357 → 53.57). */
export function toMajor(minor: number): number {
  return Math.round(minor) / 100;
}

/** Minor units → KGD Money: bills = whole tenge as a string, coins = 0..99. */
export function toMoney(minor: number): { bills: string; coins: number } {
  const m = Math.round(minor);
  if (m < 0) throw new FiscalError('permanent', 'bad-receipt', `negative amount ${m}`);
  return { bills: String(Math.floor(m / 100)), coins: m % 100 };
}

/** A quantity (up to 3 decimals) → thousandths (1 → 1000, 0.25 → 250). */
export function toThousandths(quantity: number): number {
  return Math.round(quantity * 1000);
}

export interface SettledPayments {
  /** One entry per payment type, in first-seen order, amounts summed (minor units). */
  payments: { type: PaymentType; amount: number }[];
  /** Σ payments (minor units). */
  taken: number;
  /** Change to give back in cash (minor units). */
  change: number;
}

/**
 * Merges same-type payments and computes the change. No payments → one cash payment of the total.
 * Underpaid, or overpaid beyond the cash part (change comes from cash only) → FiscalError permanent.
 */
export function settlePayments(payments: readonly Payment[], total: number): SettledPayments {
  const merged = new Map<PaymentType, number>();
  for (const p of payments) {
    if (!Number.isInteger(p.amount) || p.amount < 0) {
      throw new FiscalError('permanent', 'bad-receipt', `payment amount must be a non-negative integer in minor units (got ${p.amount})`);
    }
    merged.set(p.type, (merged.get(p.type) ?? 0) + p.amount);
  }
  for (const [t, a] of merged) if (a === 0) merged.delete(t);
  if (merged.size === 0) merged.set('cash', total);
  const list = [...merged].map(([type, amount]) => ({ type, amount }));
  const taken = list.reduce((s, p) => s + p.amount, 0);
  if (taken < total) {
    throw new FiscalError('permanent', 'bad-receipt', `payments (${taken}) do not cover the total (${total})`);
  }
  const change = taken - total;
  const cash = merged.get('cash') ?? 0;
  if (change > cash) {
    throw new FiscalError('permanent', 'bad-receipt', `payments exceed the total by ${change} but only ${cash} was paid in cash: change is given from cash only`);
  }
  return { payments: list, taken, change };
}

/**
 * Checks a line is one a cash register can take: names, amounts, and for a marked line the codes
 * matching the quantity (one code per unit; a weighed line carries one code).
 */
export function checkLine(line: ReceiptLine, index: number): void {
  const at = `line ${index + 1}`;
  if (!line.name || !line.name.trim()) throw new FiscalError('permanent', 'bad-receipt', `${at}: no name`);
  if (!Number.isInteger(line.price) || line.price < 0) throw new FiscalError('permanent', 'bad-receipt', `${at}: price must be a non-negative integer in minor units`);
  if (!Number.isInteger(line.total) || line.total < 0) throw new FiscalError('permanent', 'bad-receipt', `${at}: total must be a non-negative integer in minor units`);
  if (!(line.quantity > 0) || Math.abs(line.quantity * 1000 - Math.round(line.quantity * 1000)) > 1e-6) {
    throw new FiscalError('permanent', 'bad-receipt', `${at}: quantity must be positive with at most 3 decimals`);
  }
  const n = line.codes.length;
  if (n > 1 && line.quantity !== n) {
    throw new FiscalError('permanent', 'bad-receipt', `${at}: ${n} marking codes for quantity ${line.quantity} (one code per unit)`);
  }
  if (n === 1 && Number.isInteger(line.quantity) && line.quantity !== 1) {
    throw new FiscalError('permanent', 'bad-receipt', `${at}: 1 marking code for quantity ${line.quantity} (one code per unit)`);
  }
}
