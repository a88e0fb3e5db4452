/**
 * rekassa/ticket.ts — strict validation of a re:Kassa `POST /api/crs/{id}/tickets` body: the KGD
 * OFD ticket in protobuf-JSON names (reference §1.3, §1.6, mapping §1.7). Pure; never throws;
 * answers `{ok:false, message}` (→ HTTP 400 INCORRECT_REQUEST_DATA). Money in coins (minor units).
 */
import { isRecord } from '../fiscal-faults.js';

export type Operation = 'OPERATION_SELL' | 'OPERATION_SELL_RETURN';
export const PAYMENT_TYPES = ['PAYMENT_CASH', 'PAYMENT_CARD', 'PAYMENT_MOBILE'] as const;
/** Piece (796): one excise stamp per unit. */
export const PIECE_UNIT = '796';

export interface ParentTicket {
  ticketNumber: string;
  kgdKkmId: string;
  totalMinor: number;
  isOffline: boolean;
}

export interface ValidTicket {
  operation: Operation;
  totalMinor: number;
  takenMinor: number;
  changeMinor: number;
  marks: string[];
  parent: ParentTicket | null;
}

export type TicketResult = { ok: true; ticket: ValidTicket } | { ok: false; message: string };

const bad = (message: string): TicketResult => ({ ok: false, message });
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

/** Money `{bills: "<digits>", coins: 0..99}` → coins, or null. */
export function moneyMinor(v: unknown): number | null {
  if (!isRecord(v)) return null;
  const { bills, coins } = v;
  if (typeof bills !== 'string' || !/^\d{1,13}$/.test(bills)) return null;
  if (typeof coins !== 'number' || !Number.isInteger(coins) || coins < 0 || coins > 99) return null;
  return Number(bills) * 100 + coins;
}

/** A protobuf-JSON uint: an integer or a digit string. */
function uint(v: unknown): number | null {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d{1,15}$/.test(v)) return Number(v);
  return null;
}

/** `{date:{year,month,day}, time:{hour,minute,second}}` with a real calendar date. */
export function validDateTime(v: unknown): string | null {
  if (!isRecord(v) || !isRecord(v.date) || !isRecord(v.time)) return 'must be {date:{year,month,day}, time:{hour,minute,second}}';
  const y = uint(v.date.year);
  const mo = uint(v.date.month);
  const d = uint(v.date.day);
  const h = uint(v.time.hour);
  const mi = uint(v.time.minute);
  const s = uint(v.time.second);
  if (y === null || mo === null || d === null || h === null || mi === null || s === null) return 'has a missing or non-numeric part';
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (y < 2000 || y > 2100 || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return 'is not a calendar date';
  if (h > 23 || mi > 59 || s > 59) return 'is not a time of day';
  return null;
}

export function validateTicket(body: Record<string, unknown>): TicketResult {
  const op = body.operation;
  if (op !== 'OPERATION_SELL' && op !== 'OPERATION_SELL_RETURN') return bad(`operation must be OPERATION_SELL or OPERATION_SELL_RETURN, got ${JSON.stringify(op ?? null)}`);
  const dt = validDateTime(body.dateTime);
  if (dt) return bad(`dateTime ${dt}`);
  if (body.domain !== undefined && body.domain !== null && !(isRecord(body.domain) && typeof body.domain.type === 'string' && body.domain.type.startsWith('DOMAIN_'))) {
    return bad('domain must be {type: "DOMAIN_…"}');
  }

  const items = body.items;
  if (!Array.isArray(items) || items.length === 0) return bad('items must be a non-empty array');
  let itemsMinor = 0;
  const marks: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    const at = `items[${i}]`;
    if (!isRecord(it)) return bad(`${at} must be an object`);
    if (it.type !== 'ITEM_TYPE_COMMODITY') return bad(`${at}.type must be ITEM_TYPE_COMMODITY`);
    const c = it.commodity;
    if (!isRecord(c)) return bad(`${at}.commodity is required`);
    if (!nonEmpty(c.name)) return bad(`${at}.commodity.name is required`);
    if (!nonEmpty(c.sectionCode)) return bad(`${at}.commodity.sectionCode is required`);
    const qty = uint(c.quantity);
    if (qty === null || qty <= 0) return bad(`${at}.commodity.quantity must be an integer > 0 (thousandths: 1 piece = 1000)`);
    const price = moneyMinor(c.price);
    if (price === null) return bad(`${at}.commodity.price must be Money {bills: "<digits>", coins: 0..99}`);
    const sum = moneyMinor(c.sum);
    if (sum === null) return bad(`${at}.commodity.sum must be Money {bills: "<digits>", coins: 0..99}`);
    const expected = Math.round((price * qty) / 1000);
    if (sum !== expected) return bad(`${at}.commodity.sum ${sum / 100} differs from price × quantity / 1000 = ${expected / 100}`);
    if (!nonEmpty(c.measureUnitCode)) return bad(`${at}.commodity.measureUnitCode is required (e.g. "796" = piece)`);

    const stamps = c.listExciseStamp;
    if (stamps !== undefined && stamps !== null) {
      if (!Array.isArray(stamps) || stamps.some((s) => !nonEmpty(s))) return bad(`${at}.commodity.listExciseStamp must be an array of non-empty strings`);
      if (stamps.length > 0 && c.measureUnitCode === PIECE_UNIT) {
        if (qty % 1000 !== 0 || stamps.length !== qty / 1000) {
          return bad(`${at} ("${c.name}"): listExciseStamp has ${stamps.length} codes but quantity is ${qty / 1000} pieces`);
        }
      }
      for (const s of stamps as string[]) {
        if (seen.has(s)) return bad(`${at}: excise stamp ${s} appears more than once in the ticket`);
        seen.add(s);
        marks.push(s);
      }
    }

    const taxes = c.taxes;
    if (taxes !== undefined && taxes !== null) {
      if (!Array.isArray(taxes)) return bad(`${at}.commodity.taxes must be an array`);
      for (let k = 0; k < taxes.length; k++) {
        const t = taxes[k];
        const tat = `${at}.commodity.taxes[${k}]`;
        if (!isRecord(t)) return bad(`${tat} must be an object`);
        if (t.type !== 'VAT') return bad(`${tat}.type must be VAT`);
        const pct = uint(t.percent);
        // percent in thousandths of a percent: 12000 = 12 % [I].
        if (pct === null || pct > 100_000) return bad(`${tat}.percent must be an integer in thousandths of a percent (12000 = 12 %)`);
        const tsum = moneyMinor(t.sum);
        if (tsum === null) return bad(`${tat}.sum must be Money`);
        if (typeof t.isInTotalSum !== 'boolean') return bad(`${tat}.isInTotalSum must be a boolean`);
        const want = Math.round(t.isInTotalSum ? (sum * pct) / (100_000 + pct) : (sum * pct) / 100_000);
        if (Math.abs(tsum - want) > 1) return bad(`${tat}.sum ${tsum / 100} does not match ${pct / 1000} % of ${sum / 100} (expected ${want / 100})`);
      }
    }
    itemsMinor += sum;
  }

  const payments = body.payments;
  if (!Array.isArray(payments) || payments.length === 0) return bad('payments must be a non-empty array');
  const byType = new Map<string, number>();
  for (let i = 0; i < payments.length; i++) {
    const p = payments[i];
    if (!isRecord(p)) return bad(`payments[${i}] must be an object`);
    if (!PAYMENT_TYPES.includes(p.type as 'PAYMENT_CASH')) return bad(`payments[${i}].type must be PAYMENT_CASH, PAYMENT_CARD or PAYMENT_MOBILE`);
    if (byType.has(p.type as string)) return bad(`payments[${i}].type ${p.type} appears more than once`);
    const s = moneyMinor(p.sum);
    if (s === null) return bad(`payments[${i}].sum must be Money`);
    byType.set(p.type as string, s);
  }
  const paid = [...byType.values()].reduce((a, b) => a + b, 0);

  const a = body.amounts;
  if (!isRecord(a)) return bad('amounts {total, taken, change} is required');
  const total = moneyMinor(a.total);
  const taken = moneyMinor(a.taken);
  const change = moneyMinor(a.change);
  if (total === null || taken === null || change === null) return bad('amounts.total, amounts.taken and amounts.change must be Money');
  const discount = a.discount === undefined || a.discount === null ? 0 : moneyMinor(a.discount);
  const markup = a.markup === undefined || a.markup === null ? 0 : moneyMinor(a.markup);
  if (discount === null || markup === null) return bad('amounts.discount / amounts.markup must be Money');
  const wantTotal = itemsMinor - discount + markup;
  if (total !== wantTotal) return bad(`amounts.total ${total / 100} differs from the sum of the items ${wantTotal / 100}`);
  if (taken !== paid) return bad(`amounts.taken ${taken / 100} differs from the sum of the payments ${paid / 100}`); // [I]
  if (taken < total) return bad(`amounts.taken ${taken / 100} is less than amounts.total ${total / 100}`);
  if (change !== taken - total) return bad(`amounts.change ${change / 100} must be taken − total = ${(taken - total) / 100}`);
  if (change > (byType.get('PAYMENT_CASH') ?? 0)) return bad('change can only be given out of a cash payment'); // [I]

  let parent: ParentTicket | null = null;
  if (op === 'OPERATION_SELL_RETURN') {
    const p = body.parentTicket;
    if (!isRecord(p)) return bad('parentTicket is required for OPERATION_SELL_RETURN');
    if (!nonEmpty(p.parentTicketNumber)) return bad('parentTicket.parentTicketNumber (fiscal sign of the sale) is required');
    const pdt = validDateTime(p.parentTicketDataTime);
    if (pdt) return bad(`parentTicket.parentTicketDataTime ${pdt}`);
    if (!nonEmpty(p.kgdKkmId)) return bad('parentTicket.kgdKkmId is required');
    const pt = moneyMinor(p.parentTicketTotal);
    if (pt === null) return bad('parentTicket.parentTicketTotal must be Money');
    if (typeof p.parentTicketIsOffline !== 'boolean') return bad('parentTicket.parentTicketIsOffline must be a boolean');
    parent = { ticketNumber: p.parentTicketNumber, kgdKkmId: p.kgdKkmId, totalMinor: pt, isOffline: p.parentTicketIsOffline };
  }

  return { ok: true, ticket: { operation: op, totalMinor: total, takenMinor: taken, changeMinor: change, marks, parent } };
}
