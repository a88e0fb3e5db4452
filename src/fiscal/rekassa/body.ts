/**
 * re:Kassa request bodies: a tanba receipt → the KGD-JSON ticket of `POST /api/crs/{id}/tickets`
 * (OPERATION_SELL, or OPERATION_SELL_RETURN with `parentTicket` from the sale's stored result), shaped as
 * in fiscal-channels.md §1.3 (protobuf JSON names of the KGD OFD proto, §1.6). Money is `{bills, coins}`,
 * quantities ×1000, date and time in Kazakhstan time (+05:00). The body is a pure function of its inputs:
 * a replay under the same X-Request-ID must carry exactly the same body.
 */
import { createHash } from 'node:crypto';
import { FiscalError } from '../types.js';
import type { FiscalReceipt, FiscalResult, MarkCode, PaymentType, PositionType, ReceiptLine } from '../../sale/types.js';
import { checkLine, includedVat, settlePayments, toMoney, toThousandths } from '../money.js';
import type { RekassaConfig } from './config.js';

const PAYMENT_TYPE: Record<PaymentType, string> = { cash: 'PAYMENT_CASH', card: 'PAYMENT_CARD', mobile: 'PAYMENT_MOBILE' };
/** KGD `commodity_type` (2.0.4): PRODUCT 0 / TASK 1 / SERVICE 2, sent as the enum number. */
const COMMODITY_TYPE: Record<PositionType, number> = { goods: 0, work: 1, service: 2 };

const KZ_OFFSET_MS = 5 * 3600_000;

export interface KgdDateTime {
  date: { year: string; month: string; day: string };
  time: { hour: string; minute: string; second: string };
}

/** An instant → KGD `{date, time}` in +05:00 (written as the reference sample: "2026", "3", "14", "12", "05", "00"). */
export function kgdDateTime(ms: number): KgdDateTime {
  const d = new Date(ms + KZ_OFFSET_MS);
  const two = (n: number) => String(n).padStart(2, '0');
  return {
    date: { year: String(d.getUTCFullYear()), month: String(d.getUTCMonth() + 1), day: String(d.getUTCDate()) },
    time: { hour: two(d.getUTCHours()), minute: two(d.getUTCMinutes()), second: two(d.getUTCSeconds()) },
  };
}

/** KGD `{date, time}` (strings or numbers, +05:00) → ISO, or null when it is not one. */
export function kgdDateTimeToIso(v: unknown): string | null {
  if (!v || typeof v !== 'object') return null;
  const o = v as { date?: Record<string, unknown>; time?: Record<string, unknown> };
  const n = (x: unknown) => (typeof x === 'number' ? x : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : NaN);
  const y = n(o.date?.year), mo = n(o.date?.month), d = n(o.date?.day);
  const h = n(o.time?.hour ?? 0), mi = n(o.time?.minute ?? 0), s = n(o.time?.second ?? 0);
  if (![y, mo, d, h, mi, s].every(Number.isFinite)) return null;
  return new Date(Date.UTC(y, mo - 1, d, h, mi, s) - KZ_OFFSET_MS).toISOString();
}

const REQUEST_ID_OK = /^[A-Za-z0-9._:-]{1,64}$/;

/** The idempotency key → `X-Request-ID`: as it is when it is a plain token ≤ 64 chars, else `tanba-` + SHA-256 (deterministic). */
export function rekassaRequestId(key: string): string {
  if (REQUEST_ID_OK.test(key)) return key;
  return 'tanba-' + createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 44);
}

/** The marking-code form in `listExciseStamp`: the KM with GS removed (the form of Webkassa's official sample). */
export function rekassaMark(code: MarkCode): string {
  return code.km.replace(/\x1d/g, '');
}

export function buildCommodity(line: ReceiptLine, index: number, config: Pick<RekassaConfig, 'taxPercentScale' | 'markField' | 'sendCommodityType'>): Record<string, unknown> {
  checkLine(line, index);
  const c: Record<string, unknown> = {
    name: line.name,
    sectionCode: line.section ?? '1',
    quantity: toThousandths(line.quantity),
    price: toMoney(line.price),
    sum: toMoney(line.total),
    measureUnitCode: line.unit || '796',
  };
  if (line.gtin) c.barcode = line.gtin;
  if (line.ntin) c.ntin = line.ntin;
  if (line.productId) c.productId = line.productId;
  if (line.codes.length > 0) c[config.markField] = line.codes.map(rekassaMark);
  if (line.vatRate !== null) {
    c.taxes = [
      {
        type: 'VAT',
        percent: Math.round(line.vatRate * config.taxPercentScale),
        sum: toMoney(includedVat(line.total, line.vatRate)),
        isInTotalSum: true,
      },
    ];
  }
  if (config.sendCommodityType) c.commodityType = COMMODITY_TYPE[line.positionType] ?? 0;
  return c;
}

export interface TicketBodyOptions {
  config: Pick<RekassaConfig, 'taxPercentScale' | 'markField' | 'sendCommodityType'>;
  operation: 'sale' | 'return';
  /** For a return: the stored result of the sale. */
  basis?: FiscalResult;
  /** Used only when `receipt.at` is not a date. */
  now: () => number;
}

export function buildTicketBody(receipt: FiscalReceipt, opts: TicketBodyOptions): Record<string, unknown> {
  if (receipt.legacy) {
    throw new FiscalError('permanent', 'legacy-receipt', 'a legacy receipt (items without names or tax data) cannot be fiscalised by re:Kassa');
  }
  if (receipt.lines.length === 0) throw new FiscalError('permanent', 'bad-receipt', 'a receipt needs at least one line');
  const items = receipt.lines.map((l, i) => ({ type: 'ITEM_TYPE_COMMODITY', commodity: buildCommodity(l, i, opts.config) }));
  const sum = receipt.lines.reduce((s, l) => s + l.total, 0);
  if (sum !== receipt.total) {
    throw new FiscalError('permanent', 'bad-receipt', `receipt total ${receipt.total} differs from the sum of its lines ${sum}`);
  }
  const settled = settlePayments(receipt.payments, receipt.total);
  const at = Date.parse(receipt.at);
  const body: Record<string, unknown> = {
    operation: opts.operation === 'return' ? 'OPERATION_SELL_RETURN' : 'OPERATION_SELL',
    dateTime: kgdDateTime(Number.isFinite(at) ? at : opts.now()),
    domain: { type: 'DOMAIN_TRADING' },
    items,
    payments: settled.payments.map((p) => ({ type: PAYMENT_TYPE[p.type], sum: toMoney(p.amount) })),
    amounts: { total: toMoney(receipt.total), taken: toMoney(settled.taken), change: toMoney(settled.change) },
    parentTicket: null,
  };
  if (opts.operation === 'return') {
    const b = opts.basis;
    if (!b) throw new FiscalError('permanent', 'no-return-basis', 'a return needs the fiscal result of its sale (parentTicket)');
    const t = Date.parse(b.dateTime);
    const parentTime = Number.isFinite(t) ? kgdDateTime(t) : null;
    if (!parentTime) throw new FiscalError('permanent', 'bad-return-basis', `the sale's fiscal date "${b.dateTime}" is not a date`);
    body.parentTicket = {
      parentTicketNumber: b.fiscalSign,
      parentTicketDataTime: parentTime,
      kgdKkmId: b.registrationNumber,
      parentTicketTotal: toMoney(b.total),
      parentTicketIsOffline: b.isOffline,
    };
  }
  const c = receipt.customer;
  if (c && (c.email || c.phone || c.tin)) {
    // KGD `extension_options` (§1.6); the re:Kassa JSON name is inferred from the proto [I].
    const ext: Record<string, string> = {};
    if (c.email) ext.customerEmail = c.email;
    if (c.phone) ext.customerPhone = c.phone;
    if (c.tin) ext.customerIinOrBin = c.tin;
    body.extensionOptions = ext;
  }
  return body;
}
