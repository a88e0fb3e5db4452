/**
 * Multikassa request bodies: a tanba receipt → `POST /api/v1/operations` with module_operation_type
 * 3 (sale) or 4 (refund, with RefundInfo of the stored sale), and the shift operations 1 / 2
 * (fiscal-channels.md §3.2, [S]). Items as the fiscal module itemises them (uz-fiscal-module's
 * splitLine: one item per marking code): classifier_class_code = ИКПУ, product_package,
 * product_mark + product_label (the cleaned code), count, unit and total price; VAT is computed by
 * the register from product_vat_percent. Top-level sums in tiyin; item amounts in so'm or tiyin.
 */
import { FiscalError } from '../types.js';
import type { FiscalReceipt, FiscalResult } from '../../sale/types.js';
import { toMajor, toThousandths } from '../money.js';
import { uzLocalTime } from '../uz-fiscal-module/answer.js';
import { barcodeOf, MAX_NAME, refundInfoOf, settleUz, splitLine, type Settled, type UzRefundInfo } from '../uz-fiscal-module/body.js';
import { uzLabel } from '../uz-fiscal-module/label.js';
import type { MultikassaConfig } from './config.js';

export const OPERATION = { openShift: '1', closeShift: '2', sale: '3', refund: '4' } as const;

export interface MultikassaItem {
  product_name: string;
  product_barcode: string;
  product_price: number;
  total_product_price: number;
  product_discount: number;
  product_vat_percent: number;
  product_without_vat: boolean;
  product_mark: boolean;
  count: number;
  other: number;
  classifier_class_code?: string;
  product_package?: string;
  product_label?: string;
}

export interface MultikassaBody {
  module_operation_type: string;
  receipt_sum: number;
  receipt_gnk_receivedcash: number;
  receipt_gnk_receivedcard: number;
  receipt_gnk_time: string;
  receipt_cashier_name: string;
  items: MultikassaItem[];
  receipt_gnk_terminalid?: string;
  module_gnk_terminalid?: string;
  location?: { latitude: number; longitude: number };
  RefundInfo?: UzRefundInfo;
  receipt_sale_id?: string;
}

export interface BuildOptions {
  config: Pick<MultikassaConfig, 'receiptTime' | 'itemAmounts' | 'packLabel' | 'cashierName' | 'terminalId' | 'location'>;
  operation: 'sale' | 'return';
  basis?: FiscalResult;
  now: number;
  terminalId?: string | null;
}

export interface Built {
  body: MultikassaBody;
  settled: Settled;
}

export function buildOperation(receipt: FiscalReceipt, opts: BuildOptions): Built {
  if (receipt.legacy) throw new FiscalError('permanent', 'legacy-receipt', 'a legacy receipt (items without names or tax data) cannot be fiscalised by Multikassa');
  if (receipt.lines.length === 0) throw new FiscalError('permanent', 'bad-receipt', 'a receipt needs at least one line');
  const sum = receipt.lines.reduce((s, l) => s + l.total, 0);
  if (sum !== receipt.total) throw new FiscalError('permanent', 'bad-receipt', `receipt total ${receipt.total} differs from the sum of its lines ${sum}`);
  const amount = (minor: number) => (opts.config.itemAmounts === 'tiyin' ? minor : toMajor(minor));
  const items = receipt.lines.flatMap((l, i) => splitLine(l, i)).map((u): MultikassaItem => {
    // A unit split off a marked line is one piece at its own total; a whole line keeps its unit price × quantity.
    const split = u.quantity !== u.line.quantity;
    const item: MultikassaItem = {
      product_name: u.line.name.trim().slice(0, MAX_NAME),
      product_barcode: barcodeOf(u.line, u.code),
      product_price: amount(split ? u.total : u.line.price),
      total_product_price: amount(u.total),
      product_discount: 0,
      product_vat_percent: u.line.vatRate ?? 0,
      product_without_vat: u.line.vatRate === null,
      product_mark: u.code !== null,
      count: toThousandths(u.quantity) / 1000,
      other: 0,
    };
    if (u.line.ikpu) item.classifier_class_code = u.line.ikpu;
    if (u.line.packageCode) item.product_package = u.line.packageCode;
    if (u.code) item.product_label = uzLabel(u.code, opts.config.packLabel);
    return item;
  });
  const settled = settleUz(receipt);
  if (settled.cash + settled.card !== receipt.total) {
    throw new FiscalError('permanent', 'multikassa-balance', `the balance rule fails: receipt_sum ${receipt.total} but received cash ${settled.cash} + card ${settled.card}`);
  }
  const at = opts.config.receiptTime === 'sale' && Number.isFinite(Date.parse(receipt.at)) ? Date.parse(receipt.at) : opts.now;
  const body: MultikassaBody = {
    module_operation_type: opts.operation === 'return' ? OPERATION.refund : OPERATION.sale,
    receipt_sum: receipt.total,
    receipt_gnk_receivedcash: settled.cash,
    receipt_gnk_receivedcard: settled.card,
    receipt_gnk_time: uzLocalTime(at),
    receipt_cashier_name: opts.config.cashierName,
    items,
  };
  if (opts.config.terminalId) {
    body.receipt_gnk_terminalid = opts.config.terminalId;
    body.module_gnk_terminalid = opts.config.terminalId;
  }
  if (opts.config.location) body.location = { ...opts.config.location };
  if (opts.operation === 'return') {
    body.RefundInfo = refundInfoOf(opts.basis, opts.terminalId ?? opts.config.terminalId);
    const saleId = opts.basis?.extra?.receiptId;
    if (typeof saleId === 'string' && saleId) body.receipt_sale_id = saleId;
  }
  return { body, settled };
}

/** Operation 1 / 2: open or close the shift. */
export function shiftOperation(open: boolean, now: number, config: Pick<MultikassaConfig, 'cashierName' | 'terminalId'>): Record<string, unknown> {
  const body: Record<string, unknown> = { module_operation_type: open ? OPERATION.openShift : OPERATION.closeShift, receipt_cashier_name: config.cashierName, receipt_gnk_time: uzLocalTime(now), items: [] };
  if (config.terminalId) body.module_gnk_terminalid = config.terminalId;
  return body;
}
