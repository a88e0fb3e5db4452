/**
 * multikassa/check.ts — strict validation of a Multikassa `POST /api/v1/operations` body for a
 * sale (module_operation_type 3) or refund (4), pure: it never throws. Field names per reference
 * §3.2 [S]; units where the reference is silent follow the integrator PDF as two open-source
 * clients read it [S]: `receipt_sum` and `receipt_gnk_received*` in tiyin, item amounts in so'm
 * (2 decimals) — or tiyin with `itemAmounts: 'tiyin'`. The result is the fiscal module's
 * normalised receipt, so the shared module state signs it.
 */
import { isRecord, toMinor } from '../fiscal-faults.js';
import { checkItem, duplicateLabel, expectedVat, parseRefundInfo } from '../uz-fiscal-module/check.js';
import { FM, fmError, parseUzTime, type FmError } from '../uz-fiscal-module/schemas.js';
import type { FmItem, FmReceipt } from '../uz-fiscal-module/state.js';

export type ItemAmounts = 'sum' | 'tiyin';

export type OperationCheck = { ok: true; receipt: FmReceipt } | { ok: false; error: FmError; status: number };

const shape = (message: string): OperationCheck => ({ ok: false, error: fmError(400, message), status: 400 });
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const nonNegInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** An item amount → tiyin, or null when it is not a valid amount in that unit. */
function money(v: unknown, unit: ItemAmounts): number | null {
  if (!isNum(v) || v < 0) return null;
  if (unit === 'tiyin') return Number.isInteger(v) ? v : null;
  const t = toMinor(v);
  return Math.abs(v * 100 - t) < 1e-6 ? t : null;
}

/** The operation type as a number (sent as "3" or 3). */
export function operationType(body: Record<string, unknown>): number | null {
  const t = body.module_operation_type;
  if (typeof t === 'number' && Number.isInteger(t)) return t;
  if (typeof t === 'string' && /^\d+$/.test(t)) return Number(t);
  return null;
}

export function checkOperation(body: Record<string, unknown>, kind: 'sale' | 'refund', unit: ItemAmounts): OperationCheck {
  const timeText = body.receipt_gnk_time;
  const time = parseUzTime(timeText);
  if (time === null) return shape('receipt_gnk_time must be "yyyy-MM-dd HH:mm:ss" (local time, UTC+5)');
  const sum = body.receipt_sum;
  const cash = body.receipt_gnk_receivedcash;
  const card = body.receipt_gnk_receivedcard;
  if (!nonNegInt(sum) || !nonNegInt(cash) || !nonNegInt(card)) return shape('receipt_sum, receipt_gnk_receivedcash and receipt_gnk_receivedcard must be non-negative integers (tiyin)');
  const raw = body.items;
  if (!Array.isArray(raw) || raw.length === 0) return shape('items must be a non-empty array');

  const items: FmItem[] = [];
  for (let i = 0; i < raw.length; i++) {
    const x = raw[i];
    const at = `items[${i}]`;
    if (!isRecord(x)) return shape(`${at} must be an object`);
    if (typeof x.product_name !== 'string' || x.product_name.trim() === '') return shape(`${at}.product_name is required`);
    const count = x.count;
    if (!isNum(count) || count <= 0 || Math.abs(count * 1000 - Math.round(count * 1000)) > 1e-6) return shape(`${at}.count must be positive with at most 3 decimals`);
    const price = money(x.product_price, unit);
    const total = money(x.total_product_price, unit);
    const discount = x.product_discount === undefined || x.product_discount === null ? 0 : money(x.product_discount, unit);
    const other = x.other === undefined || x.other === null ? 0 : money(x.other, unit);
    const what = unit === 'sum' ? "so'm, at most 2 decimals" : 'tiyin, integer';
    if (price === null || total === null || discount === null || other === null) return shape(`${at}: product_price, total_product_price, product_discount and other must be amounts ≥ 0 (${what})`);
    const gross = Math.round(price * count);
    if (Math.abs(total - (gross - discount)) > 1) return shape(`${at}: total_product_price must be product_price × count − product_discount (${gross - discount} tiyin)`);
    const pct = x.product_vat_percent;
    if (!isNum(pct) || pct < 0 || pct > 100) return shape(`${at}.product_vat_percent must be 0..100`);
    if (x.product_without_vat === true && pct !== 0) return shape(`${at}: product_without_vat with a VAT percent`);
    if (typeof x.product_mark !== 'boolean') return shape(`${at}.product_mark must be true or false`);
    const spic = x.classifier_class_code;
    const pkg = x.product_package;
    const label = x.product_label;
    if (spic !== undefined && spic !== null && typeof spic !== 'string') return shape(`${at}.classifier_class_code must be a string`);
    if (label !== undefined && label !== null && typeof label !== 'string') return shape(`${at}.product_label must be a string`);
    const hasLabel = typeof label === 'string' && label !== '';
    if (x.product_mark && !hasLabel) return shape(`${at}: product_mark is true but product_label is empty`);
    if (!x.product_mark && hasLabel) return shape(`${at}: product_label without product_mark: true`);
    const item: FmItem = {
      name: x.product_name,
      amount: Math.round(count * 1000),
      price: gross,
      discount,
      other,
      vat: expectedVat(gross - discount, pct),
      vatPercent: pct,
      spic: typeof spic === 'string' && spic !== '' ? spic : null,
      packageCode: typeof pkg === 'string' && pkg !== '' ? pkg : typeof pkg === 'number' ? String(pkg) : null,
      label: hasLabel ? (label as string) : null,
      barcode: typeof x.product_barcode === 'string' ? x.product_barcode : null,
    };
    const e = checkItem(item, at);
    if (e) return { ok: false, error: e, status: 500 };
    items.push(item);
  }
  const dup = duplicateLabel(items);
  if (dup) return { ok: false, error: fmError(FM.APPLET, `product_label ${dup} appears more than once`), status: 500 };
  const total = items.reduce((s, it) => s + it.price - it.discount, 0);
  const other = items.reduce((s, it) => s + it.other, 0);
  if (total !== sum) return { ok: false, error: fmError(FM.BALANCE, `receipt_sum ${sum} differs from Σ total_product_price ${total} (tiyin)`), status: 500 };
  if (total !== cash + card + other) return { ok: false, error: fmError(FM.BALANCE, `balance rule: receipt_sum ${total} but received cash + card + other = ${cash + card + other}`), status: 500 };

  let refundInfo = null;
  if (kind === 'refund') {
    if (body.RefundInfo === undefined) return shape('a refund (module_operation_type 4) needs RefundInfo {TerminalID, ReceiptSeq, DateTime, FiscalSign}');
    const p = parseRefundInfo(body.RefundInfo);
    if (typeof p === 'string') return shape(p);
    refundInfo = p;
  }
  return {
    ok: true,
    receipt: {
      kind,
      time,
      timeText: timeText as string,
      items,
      receivedCash: cash,
      receivedCard: card,
      total,
      vatTotal: items.reduce((s, it) => s + it.vat, 0),
      labels: items.flatMap((it) => (it.label === null ? [] : [it.label])),
      refundInfo,
    },
  };
}
