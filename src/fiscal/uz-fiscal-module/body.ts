/**
 * Uzbek fiscal-module request bodies: a tanba receipt → `params.Receipt` of Api.SendSaleReceipt /
 * Api.SendRefundReceipt (fiscal-channels.md §3.1), and the sale's stored result → `RefundInfo`.
 *
 * - Money is in tiyin (tanba's minor units already); `Price` is the item total, `Amount` the
 *   quantity × 1000; `VAT` is included in the price, computed per item, half-up to the tiyin.
 * - `Label` holds one code, so a marked line of n units becomes n items of one unit each (price
 *   each = the unit price; a remainder, if any, goes to the last); a weighed marked line stays one item.
 * - `SPIC` = the line's ИКПУ, `PackageCode` its package code; `Barcode` the EAN-13 of the GTIN
 *   (or "0"); `Name` cut to 63 characters [S: a field client's limit]; `Units` 0 as in the reference sample.
 * - Payments: ReceivedCash = cash taken − change, ReceivedCard = card + mobile; the balance rule
 *   Σ(Price − Discount) = ReceivedCash + ReceivedCard + ΣOther is checked here, before any call.
 */
import { FiscalError } from '../types.js';
import type { FiscalReceipt, FiscalResult, MarkCode, ReceiptLine } from '../../sale/types.js';
import { checkLine, includedVat, settlePayments, toThousandths } from '../money.js';
import { toCompact, uzCompactTime, uzLocalTime } from './answer.js';
import type { UzFiscalModuleConfig } from './config.js';
import { uzLabel, type PackLabel } from './label.js';

export const MAX_NAME = 63;

/** One unit of sale as the module itemises it: a line, or one marked unit of it. */
export interface UzUnit {
  line: ReceiptLine;
  index: number;
  /** Tiyin. */
  total: number;
  quantity: number;
  code: MarkCode | null;
}

/** A line → the items it becomes (one per marking code for a piece line with several codes). */
export function splitLine(line: ReceiptLine, index: number): UzUnit[] {
  checkLine(line, index);
  const n = line.codes.length;
  if (n <= 1) return [{ line, index, total: line.total, quantity: line.quantity, code: line.codes[0] ?? null }];
  const units = line.codes.map((code) => ({ line, index, total: line.price, quantity: 1, code }));
  const rest = line.total - line.price * n;
  units[n - 1].total += rest;
  if (units[n - 1].total < 0) throw new FiscalError('permanent', 'bad-receipt', `line ${index + 1}: its total ${line.total} is below price × codes`);
  return units;
}

/** GTIN-14 → the EAN-13 the module prints (a leading 0 dropped), else as given; no GTIN → "0". */
export function barcodeOf(line: ReceiptLine, code: MarkCode | null): string {
  const g = line.gtin ?? code?.gtin ?? line.codes[0]?.gtin;
  if (!g) return '0';
  return g.length === 14 && g.startsWith('0') ? g.slice(1) : g;
}

export interface UzItem {
  Name: string;
  Barcode: string;
  Amount: number;
  Price: number;
  Discount: number;
  Other: number;
  VAT: number;
  VATPercent: number;
  Units: number;
  OwnerType: number;
  SPIC?: string;
  PackageCode?: string;
  Label?: string;
}

export interface UzRefundInfo {
  TerminalID: string;
  ReceiptSeq: string;
  DateTime: string;
  FiscalSign: string;
}

export interface UzReceiptBody {
  Time: string;
  ReceivedCash: number;
  ReceivedCard: number;
  Items: UzItem[];
  Location?: { Latitude: number; Longitude: number };
  RefundInfo?: UzRefundInfo;
  refundInfo?: UzRefundInfo;
}

export interface Settled {
  /** ReceivedCash (cash taken − change), tiyin. */
  cash: number;
  /** ReceivedCard (card + mobile), tiyin. */
  card: number;
}

/** Payments → what the module counts as received cash and card. */
export function settleUz(receipt: FiscalReceipt): Settled {
  let s: ReturnType<typeof settlePayments>;
  try {
    s = settlePayments(receipt.payments, receipt.total);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new FiscalError('permanent', 'uzfm-balance', `the balance rule fails (${why}): Σ(Price − Discount) must equal ReceivedCash + ReceivedCard + ΣOther, else the module refuses the receipt (65531)`);
  }
  let cash = 0;
  let card = 0;
  for (const p of s.payments) {
    if (p.type === 'cash') cash += p.amount;
    else card += p.amount;
  }
  return { cash: cash - s.change, card };
}

export interface BuildOptions {
  config: Pick<UzFiscalModuleConfig, 'receiptTime' | 'refundInfoKey' | 'packLabel' | 'ownerType' | 'location'>;
  operation: 'sale' | 'return';
  basis?: FiscalResult;
  /** Epoch ms of the send (Receipt.Time with receiptTime "send"). */
  now: number;
  /** TerminalID of this module when known: a refund basis naming another module is refused here. */
  terminalId?: string | null;
}

export interface BuiltReceipt {
  body: UzReceiptBody;
  settled: Settled;
  /** Σ(Price − Discount), tiyin. */
  total: number;
  vat: number;
}

export function buildItems(receipt: FiscalReceipt, pack: PackLabel, ownerType: number): UzItem[] {
  return receipt.lines.flatMap((l, i) => splitLine(l, i)).map((u) => {
    const item: UzItem = {
      Name: u.line.name.trim().slice(0, MAX_NAME),
      Barcode: barcodeOf(u.line, u.code),
      Amount: toThousandths(u.quantity),
      Price: u.total,
      Discount: 0,
      Other: 0,
      VAT: includedVat(u.total, u.line.vatRate),
      VATPercent: u.line.vatRate ?? 0,
      Units: 0,
      OwnerType: u.line.positionType === 'service' ? 2 : ownerType,
    };
    if (u.line.ikpu) item.SPIC = u.line.ikpu;
    if (u.line.packageCode) item.PackageCode = u.line.packageCode;
    if (u.code) item.Label = uzLabel(u.code, pack);
    return item;
  });
}

/** The sale's stored result → RefundInfo; a basis that cannot name the sale on the module is refused. */
export function refundInfoOf(basis: FiscalResult | undefined, terminalId: string | null | undefined): UzRefundInfo {
  if (!basis) throw new FiscalError('permanent', 'no-return-basis', 'a return needs the fiscal result of its sale (RefundInfo)');
  const x = basis.extra ?? {};
  if (x.fiscalSignMissing === true || !basis.fiscalSign) {
    throw new FiscalError(
      'permanent',
      'uzfm-basis-without-sign',
      `the sale's receipt ${x.ReceiptSeq ?? basis.number ?? ''} was recovered after a lost answer without its fiscal sign, which RefundInfo needs: make this return in the fiscal module's own cashier program (or look the sign up on the printed receipt / ofd.soliq.uz) and record it as external`,
    );
  }
  const tid = String(x.TerminalID ?? basis.registrationNumber ?? '');
  const seq = String(x.ReceiptSeq ?? basis.number ?? '');
  const rawDate = typeof x.DateTime === 'string' ? x.DateTime : null;
  const dateTime = (rawDate && toCompact(rawDate)) ?? (Number.isFinite(Date.parse(basis.dateTime)) ? uzCompactTime(Date.parse(basis.dateTime)) : null);
  if (!tid || !/^\d+$/.test(seq) || !dateTime) {
    throw new FiscalError('permanent', 'uzfm-bad-basis', `the sale's fiscal result lacks the TerminalID, ReceiptSeq or DateTime RefundInfo needs (channel ${basis.channel})`);
  }
  if (terminalId && tid !== terminalId) {
    throw new FiscalError('permanent', 'uzfm-other-module', `the sale was fiscalised on fiscal module ${tid}, this register's module is ${terminalId}: a return must be made on the register (fiscal module) of its sale`);
  }
  return { TerminalID: tid, ReceiptSeq: seq, DateTime: dateTime, FiscalSign: basis.fiscalSign };
}

/** A tanba receipt → params.Receipt. Throws FiscalError permanent (nothing sent) when it cannot be expressed. */
export function buildUzReceipt(receipt: FiscalReceipt, opts: BuildOptions): BuiltReceipt {
  if (receipt.legacy) throw new FiscalError('permanent', 'legacy-receipt', 'a legacy receipt (items without names or tax data) cannot be fiscalised by the fiscal module');
  if (receipt.lines.length === 0) throw new FiscalError('permanent', 'bad-receipt', 'a receipt needs at least one line');
  const sum = receipt.lines.reduce((s, l) => s + l.total, 0);
  if (sum !== receipt.total) throw new FiscalError('permanent', 'bad-receipt', `receipt total ${receipt.total} differs from the sum of its lines ${sum}`);
  const items = buildItems(receipt, opts.config.packLabel, opts.config.ownerType);
  const settled = settleUz(receipt);
  const total = items.reduce((s, it) => s + it.Price - it.Discount, 0);
  const other = items.reduce((s, it) => s + it.Other, 0);
  if (total !== settled.cash + settled.card + other) {
    throw new FiscalError(
      'permanent',
      'uzfm-balance',
      `the balance rule fails: Σ(Price − Discount) = ${total} tiyin but ReceivedCash ${settled.cash} + ReceivedCard ${settled.card} + ΣOther ${other} = ${settled.cash + settled.card + other}; the module would refuse it (65531)`,
    );
  }
  const at = opts.config.receiptTime === 'sale' && Number.isFinite(Date.parse(receipt.at)) ? Date.parse(receipt.at) : opts.now;
  const body: UzReceiptBody = { Time: uzLocalTime(at), ReceivedCash: settled.cash, ReceivedCard: settled.card, Items: items };
  if (opts.config.location) body.Location = { ...opts.config.location };
  if (opts.operation === 'return') {
    const info = refundInfoOf(opts.basis, opts.terminalId);
    const key = opts.config.refundInfoKey;
    if (key === 'both' || key === 'RefundInfo') body.RefundInfo = info;
    if (key === 'both' || key === 'refundInfo') body.refundInfo = { ...info };
  }
  return { body, settled, total, vat: items.reduce((s, it) => s + it.VAT, 0) };
}
