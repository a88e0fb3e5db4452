/**
 * uz-fiscal-module/check.ts — strict validation of `params.Receipt` of Api.SendSaleReceipt /
 * Api.SendRefundReceipt (reference §3.1), pure: it never throws and answers the module's error
 * (65532 bad JSON for a wrong shape, 65533 for a refused item, 65531 for the balance rule).
 * Also the item rules Multikassa's emulator shares (VAT, SPIC/PackageCode, Label).
 */
import { isRecord } from '../fiscal-faults.js';
import { labelProblem } from './labels.js';
import { FM, fmError, parseUzTime, type FmError } from './schemas.js';
import type { FmItem, FmReceipt, FmRefundInfo } from './state.js';

export type CheckResult = { ok: true; receipt: FmReceipt } | { ok: false; error: FmError };

const bad = (message: string, code: number = FM.BAD_JSON): CheckResult => ({ ok: false, error: fmError(code, message) });
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const nonNegInt = (v: unknown): v is number => isInt(v) && v >= 0;

/** VAT included in `sum` at `percent`, half-up to the tiyin (independent of the client's helper). */
export function expectedVat(sum: number, percent: number): number {
  if (percent === 0) return 0;
  return Math.floor((sum * percent * 2 + (100 + percent)) / (2 * (100 + percent)));
}

/** A key looked up the way the module's JSON decoder does: exact first, then case-insensitively. */
export function field(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const lower = name.toLowerCase();
  const k = Object.keys(o).find((x) => x.toLowerCase() === lower);
  return k === undefined ? undefined : o[k];
}

/** Item rules shared by both UZ emulators: VAT to the tiyin (±1), SPIC/PackageCode of a marked item, the Label form. */
export function checkItem(it: FmItem, at: string): FmError | null {
  if (it.discount > it.price) return fmError(FM.APPLET, `${at}: DISCOUNT SUM IS GRATER THEN PRICE SUM`);
  if (it.vatPercent < 0 || it.vatPercent > 100) return fmError(FM.APPLET, `${at}: VATPercent must be 0..100`);
  const expected = expectedVat(it.price - it.discount, it.vatPercent);
  if (Math.abs(it.vat - expected) > 1) return fmError(FM.APPLET, `${at}: VAT ${it.vat} does not match VATPercent ${it.vatPercent} of ${it.price - it.discount} tiyin (expected ${expected})`);
  if (it.spic !== null && !/^\d{17}$/.test(it.spic)) return fmError(FM.APPLET, `${at}: SPIC must be the 17-digit ИКПУ`);
  if (it.label !== null) {
    const p = labelProblem(it.label);
    if (p) return fmError(FM.APPLET, `${at}: ${p}`);
    if (it.spic === null || it.packageCode === null) return fmError(FM.APPLET, `${at}: a marked item (Label) needs its SPIC and PackageCode`);
    if (it.amount > 1000) return fmError(FM.APPLET, `${at}: one Label is one unit: Amount must be at most 1000 for a marked item`);
  }
  return null;
}

/** Labels unique within the receipt. */
export function duplicateLabel(items: FmItem[]): string | null {
  const seen = new Set<string>();
  for (const it of items) {
    if (it.label === null) continue;
    if (seen.has(it.label)) return it.label;
    seen.add(it.label);
  }
  return null;
}

function str(v: unknown): string | null {
  if (typeof v === 'string' && v.trim() !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** RefundInfo {TerminalID, ReceiptSeq, DateTime (yyyyMMddHHmmss), FiscalSign}. */
export function parseRefundInfo(v: unknown): FmRefundInfo | string {
  if (!isRecord(v)) return 'RefundInfo must be an object';
  const terminalId = str(field(v, 'TerminalID'));
  const receiptSeq = str(field(v, 'ReceiptSeq'));
  const dateTime = str(field(v, 'DateTime'));
  const fiscalSign = str(field(v, 'FiscalSign'));
  if (!terminalId || !receiptSeq || !dateTime || !fiscalSign) return 'RefundInfo needs TerminalID, ReceiptSeq, DateTime and FiscalSign';
  if (!/^\d{14}$/.test(dateTime)) return 'RefundInfo.DateTime must be 14 digits yyyyMMddHHmmss';
  return { terminalId, receiptSeq, dateTime, fiscalSign };
}

/** params.Receipt of a sale or refund → a normalised receipt, or the module's error. */
export function checkFmReceipt(receipt: unknown, kind: 'sale' | 'refund'): CheckResult {
  if (!isRecord(receipt)) return bad('params.Receipt must be an object');
  const timeText = field(receipt, 'Time');
  const time = parseUzTime(timeText);
  if (time === null) return bad('Receipt.Time must be "yyyy-MM-dd HH:mm:ss" (local time, UTC+5)');
  const receivedCash = field(receipt, 'ReceivedCash');
  const receivedCard = field(receipt, 'ReceivedCard');
  if (!nonNegInt(receivedCash) || !nonNegInt(receivedCard)) return bad('ReceivedCash and ReceivedCard must be non-negative integers (tiyin)');
  const rawItems = field(receipt, 'Items');
  if (!Array.isArray(rawItems) || rawItems.length === 0) return bad('Receipt.Items must be a non-empty array');

  const items: FmItem[] = [];
  for (let i = 0; i < rawItems.length; i++) {
    const x = rawItems[i];
    const at = `Items[${i}]`;
    if (!isRecord(x)) return bad(`${at} must be an object`);
    const name = field(x, 'Name');
    if (typeof name !== 'string' || name.trim() === '') return bad(`${at}.Name is required`);
    const amount = field(x, 'Amount');
    if (!isInt(amount) || amount <= 0) return bad(`${at}.Amount must be a positive integer (quantity × 1000)`);
    const money: Record<string, number> = {};
    for (const k of ['Price', 'Discount', 'Other', 'VAT', 'VATPercent'] as const) {
      const v = field(x, k) ?? (k === 'Discount' || k === 'Other' ? 0 : undefined);
      if (!nonNegInt(v)) return bad(`${at}.${k} must be a non-negative integer${k === 'VATPercent' ? '' : ' (tiyin)'}`);
      money[k] = v;
    }
    const spic = field(x, 'SPIC');
    const pkg = field(x, 'PackageCode');
    const label = field(x, 'Label');
    const barcode = field(x, 'Barcode');
    if (spic !== undefined && spic !== null && typeof spic !== 'string') return bad(`${at}.SPIC must be a string`);
    if (label !== undefined && label !== null && typeof label !== 'string') return bad(`${at}.Label must be a string`);
    const item: FmItem = {
      name,
      amount,
      price: money.Price,
      discount: money.Discount,
      other: money.Other,
      vat: money.VAT,
      vatPercent: money.VATPercent,
      spic: typeof spic === 'string' && spic !== '' ? spic : null,
      packageCode: str(pkg),
      label: typeof label === 'string' && label !== '' ? label : null,
      barcode: str(barcode),
    };
    const e = checkItem(item, at);
    if (e) return { ok: false, error: e };
    items.push(item);
  }
  const dup = duplicateLabel(items);
  if (dup) return bad(`Label ${dup} appears more than once in the receipt`, FM.APPLET);

  const total = items.reduce((s, it) => s + it.price - it.discount, 0);
  const other = items.reduce((s, it) => s + it.other, 0);
  if (total === 0) return { ok: false, error: fmError(FM.RECEIPT_TOTAL_PRICE_ZERO) };
  if (total !== receivedCash + receivedCard + other) {
    return bad(`balance rule: Σ(Price − Discount) = ${total} but ReceivedCash + ReceivedCard + ΣOther = ${receivedCash + receivedCard + other}`, FM.BALANCE);
  }

  let refundInfo: FmRefundInfo | null = null;
  if (kind === 'refund') {
    // Both spellings are seen in the field (`RefundInfo`, `refundInfo`); the decoder treats them alike.
    const keys = Object.keys(receipt).filter((k) => k.toLowerCase() === 'refundinfo');
    if (keys.length === 0) return bad('a refund needs Receipt.RefundInfo {TerminalID, ReceiptSeq, DateTime, FiscalSign}');
    const parsed = keys.map((k) => parseRefundInfo(receipt[k]));
    const first = parsed[0];
    if (typeof first === 'string') return bad(first);
    for (const p of parsed.slice(1)) {
      if (typeof p === 'string') return bad(p);
      if (JSON.stringify(p) !== JSON.stringify(first)) return bad('RefundInfo and refundInfo disagree');
    }
    refundInfo = first;
  }
  return {
    ok: true,
    receipt: {
      kind,
      time,
      timeText: timeText as string,
      items,
      receivedCash,
      receivedCard,
      total,
      vatTotal: items.reduce((s, it) => s + it.vat, 0),
      labels: items.flatMap((it) => (it.label === null ? [] : [it.label])),
      refundInfo,
    },
  };
}
