/**
 * Intake: a sale or return as the caller sent it → the normalised receipt that is stored and sent.
 * Every code is parsed here, once; lines get their totals, payments default to cash, and every
 * mistake is collected (not just the first) into one SaleError naming each field.
 * Customer contacts are split off: they are stored apart and erased once the receipt is delivered.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { parseCode } from '../marking/index.js';
import type { Country } from '../marking/types.js';
import { schemaKeys, toFieldErrors } from '../util/field-errors.js';
import { invalidSale, type SaleProblem } from './errors.js';
import { MAX_AMOUNT, returnInputSchema, saleInputSchema } from './schema.js';
import type { Customer, FiscalReceipt, FiscalResult, MarkCode, Payment, ReceiptLine } from './types.js';

export interface NormalizeOptions {
  country?: Country;
  gsSubstitutes?: string[];
  /** Time to stamp when the caller gives no `at` (ms). */
  now: number;
  /** The register the receipt goes to (already resolved from `registerId` or the only one configured). */
  registerId: string;
  /** VAT percent for lines that do not say; null = the seller charges no VAT. */
  vatRate?: number | null;
}

/** What intake produces: stored durably before the caller hears "accepted". */
export interface NewRecord {
  receipt: FiscalReceipt;
  /** E-receipt contacts, stored apart from the receipt and erased after delivery. */
  customer: Customer | null;
  /** Hash of the caller's receipt (not of its contacts): the same id with the same hash is the same receipt. */
  hash: string;
  /** Channel `external`: the result the POS reports. */
  fiscal: FiscalResult | null;
}

type Parsed = z.output<typeof returnInputSchema> & { saleId?: string };

const hints: Record<string, string> = {
  id: 'write a unique receipt id of printable ASCII, e.g. "till1-000123"',
  saleId: 'write the id of the sale this return reverses',
  registerId: 'write the id of a register from the configuration',
  at: 'write an ISO date-time with its offset, e.g. "2026-03-14T12:05:00+05:00"',
  lines: 'send lines: [{ "name", "price", "quantity", "codes": [...] }]',
  'lines.*.name': 'write the product name as printed on the receipt',
  'lines.*.price': 'write the unit price in minor units as a whole number, e.g. 50000 for 500.00',
  'lines.*.quantity': 'write a number above 0 with at most 3 decimals; a marked piece line: the number of codes',
  'lines.*.codes': 'send the scanned marking codes as strings, one per unit, GS as "\\u001d"',
  'lines.*.codes.*': 'send the code as scanned, GS as "\\u001d"',
  'items.*.code': 'send the code as scanned, GS as "\\u001d"',
  'items.*.price': 'write the price in minor units as a whole number',
  payments: 'send payments: [{ "type": "cash" | "card" | "mobile", "amount" }] or leave them out for one cash payment of the total',
  'payments.*.amount': 'write the amount in minor units as a whole number',
};

const saleKeys = schemaKeys(saleInputSchema as unknown as z.ZodType);
const returnKeys = schemaKeys(returnInputSchema as unknown as z.ZodType);

/** Round half away from zero to a whole number of minor units. */
export function lineTotal(price: number, quantity: number): number {
  return Math.round((price * Math.round(quantity * 1000)) / 1000);
}

export function normalizeSale(input: unknown, opts: NormalizeOptions): NewRecord {
  return normalize('sale', input, opts);
}

export function normalizeReturn(input: unknown, opts: NormalizeOptions): NewRecord {
  return normalize('return', input, opts);
}

function normalize(type: 'sale' | 'return', input: unknown, opts: NormalizeOptions): NewRecord {
  const what = type === 'sale' ? 'sale' : 'return';
  const r = (type === 'sale' ? saleInputSchema : returnInputSchema).safeParse(input);
  const idGuess = typeof (input as { id?: unknown })?.id === 'string' ? ((input as { id: string }).id).slice(0, 128) : undefined;
  if (!r.success) throw invalidSale(what, idGuess, toFieldErrors(r.error.issues, input, hints, type === 'sale' ? saleKeys : returnKeys, 'field'));
  const s = r.data as Parsed;
  const problems: SaleProblem[] = [];
  const legacy = s.items !== undefined;
  const seen = new Map<string, string>();
  const lines: ReceiptLine[] = [];

  const parseOne = (raw: string, field: string): MarkCode | null => {
    const p = parseCode(raw, { country: opts.country, gsSubstitutes: opts.gsSubstitutes });
    if (!p.ok || p.kind !== 'marking' || !p.ki || !p.km || !p.gtin) {
      const why = p.error ? `${p.error.code}: ${p.error.message}` : `it reads as a ${p.kind} barcode, not a marking code`;
      problems.push({ field, problem: `is not a valid marking code (${why})`, fix: 'scan the DataMatrix code on the pack again; send it as scanned, GS as "\\u001d"' });
      return null;
    }
    const dup = seen.get(p.ki);
    if (dup !== undefined) {
      problems.push({ field, problem: `repeats the marking code of ${dup}`, fix: 'each unit has its own code: scan every unit once' });
      return null;
    }
    seen.set(p.ki, field);
    return { km: p.km, ki: p.ki, gtin: p.gtin };
  };

  if (legacy) {
    s.items!.forEach((it, i) => {
      const c = parseOne(it.code, `items.${i}.code`);
      const qty = it.quantity ?? 1;
      lines.push({ name: '', price: it.price, quantity: qty, total: lineTotal(it.price, qty), codes: c ? [c] : [], unit: '796', vatRate: opts.vatRate ?? null, positionType: 'goods' });
    });
  } else {
    s.lines!.forEach((l, i) => {
      const at = `lines.${i}`;
      const qty = l.quantity ?? 1;
      const codes: MarkCode[] = [];
      (l.codes ?? []).forEach((raw, j) => {
        const c = parseOne(raw, `${at}.codes.${j}`);
        if (c) codes.push(c);
      });
      const given = l.codes?.length ?? 0;
      if (given > 0) {
        if (!Number.isInteger(qty) || qty !== given)
          problems.push({
            field: `${at}.quantity`,
            problem: `is ${qty} but the line carries ${given} marking code${given === 1 ? '' : 's'}`,
            fix: `a marked line has one code per unit: write quantity ${given}, or send ${Number.isInteger(qty) ? qty : 'a whole number of'} codes`,
          });
        const gtins = new Set(codes.map((c) => c.gtin));
        if (gtins.size > 1)
          problems.push({ field: `${at}.codes`, problem: `holds codes of ${gtins.size} different products (GTINs ${[...gtins].join(', ')})`, fix: 'put the codes of each product on a line of its own' });
        const lineGtin = l.gtin ? l.gtin.padStart(14, '0') : null;
        if (lineGtin && codes.length > 0 && gtins.size === 1 && !gtins.has(lineGtin))
          problems.push({ field: `${at}.gtin`, problem: `is ${l.gtin} but the codes name GTIN ${codes[0].gtin}`, fix: 'send the GTIN of the scanned product, or leave gtin out' });
      }
      const line: ReceiptLine = {
        name: l.name,
        price: l.price,
        quantity: qty,
        total: lineTotal(l.price, qty),
        codes,
        unit: l.unit ?? '796',
        vatRate: l.vatRate !== undefined ? l.vatRate : (opts.vatRate ?? null),
        positionType: l.positionType ?? 'goods',
      };
      if (l.section !== undefined) line.section = l.section;
      if (l.gtin !== undefined) line.gtin = l.gtin;
      else if (codes[0]) line.gtin = codes[0].gtin;
      if (l.ntin !== undefined) line.ntin = l.ntin;
      if (l.productId !== undefined) line.productId = l.productId;
      if (l.ikpu !== undefined) line.ikpu = l.ikpu;
      if (l.packageCode !== undefined) line.packageCode = l.packageCode;
      lines.push(line);
    });
  }

  const total = lines.reduce((a, l) => a + l.total, 0);
  const payments: Payment[] = s.payments ? mergePayments(s.payments) : [{ type: 'cash', amount: total }];
  const paid = payments.reduce((a, p) => a + p.amount, 0);
  const nonCash = payments.filter((p) => p.type !== 'cash').reduce((a, p) => a + p.amount, 0);
  if (total > MAX_AMOUNT) problems.push({ field: 'lines', problem: `add up to ${total}, more than a receipt can hold`, fix: 'split the receipt' });
  if (paid < total)
    problems.push({ field: 'payments', problem: `add up to ${paid} but the receipt total is ${total}`, fix: `send payments that cover the total ${total} (minor units), or leave payments out for cash` });
  else if (nonCash > total)
    problems.push({ field: 'payments', problem: `card and mobile payments (${nonCash}) exceed the total ${total}`, fix: 'only cash can be more than the total (the change is given back)' });
  if (problems.length) throw invalidSale(what, s.id, problems);

  const receipt: FiscalReceipt = {
    type,
    id: s.id,
    ...(s.saleId !== undefined ? { saleId: s.saleId } : {}),
    registerId: opts.registerId,
    at: s.at ? new Date(s.at).toISOString() : new Date(opts.now).toISOString(),
    lines,
    payments,
    total,
    ...(legacy ? { legacy: true } : {}),
  };
  const canonical = { ...receipt, at: s.at ? receipt.at : null, fiscal: s.fiscal ?? null };
  const hash = createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
  const customer = s.customer && Object.keys(s.customer).length > 0 ? (s.customer as Customer) : null;
  return { receipt, customer, hash, fiscal: (s.fiscal as FiscalResult | undefined) ?? null };
}

function mergePayments(ps: Payment[]): Payment[] {
  const by = new Map<Payment['type'], number>();
  for (const p of ps) by.set(p.type, (by.get(p.type) ?? 0) + p.amount);
  return [...by].map(([type, amount]) => ({ type, amount }));
}
