/**
 * Webkassa request bodies: a tanba receipt → the `POST /api/v4/check` body (sale, OperationType 2; return,
 * OperationType 3 with ReturnBasisDetails), and the idempotency key → `ExternalCheckNumber` mapping.
 * Shapes follow the official Check.json / ReturnReceiptRequest.json (fiscal-channels.md §1.2). The Token
 * is added by the client at send time.
 */
import { createHash } from 'node:crypto';
import { FiscalError } from '../types.js';
import type { FiscalReceipt, FiscalResult, MarkCode, PaymentType, PositionType, ReceiptLine } from '../../sale/types.js';
import { checkLine, includedVat, settlePayments, toMajor } from '../money.js';
import type { WebkassaConfig } from './config.js';

/** Webkassa `OperationType`. */
export const OPERATION = { sell: 2, sellReturn: 3 } as const;

const PAYMENT_TYPE: Record<PaymentType, number> = { cash: 0, card: 1, mobile: 4 };
const POSITION_TYPE: Record<PositionType, number> = { goods: 0, work: 1, service: 2 };

const EXTERNAL_NUMBER_OK = /^[A-Za-z0-9._:-]{1,50}$/;

/**
 * The idempotency key → `ExternalCheckNumber` (≤ 50 characters of [A-Za-z0-9._:-]). A key that already fits is
 * used as it is; any other is mapped deterministically to `tanba-` + the first 44 hex digits of its SHA-256, so
 * the same key always gives the same number and a resend is recognised by Webkassa (error 14).
 */
export function webkassaExternalCheckNumber(key: string): string {
  if (EXTERNAL_NUMBER_OK.test(key)) return key;
  return 'tanba-' + createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 44);
}

/** A marking code in the form `Mark`/`MarkList` carry. */
export function webkassaMark(code: MarkCode, form: WebkassaConfig['markForm']): string {
  return form === 'with-gs' ? code.km : code.km.replace(/\x1d/g, '');
}

export interface WebkassaPosition {
  Count: number;
  Price: number;
  TaxPercent: number;
  Tax: number;
  TaxType: number;
  PositionName: string;
  SectionCode: string;
  UnitCode: number;
  Discount: number;
  Markup: number;
  PositionType: number;
  Mark?: string;
  MarkList?: string[];
  GTIN?: string;
  NTIN?: string;
  ProductId?: string;
}

export function buildPosition(line: ReceiptLine, index: number, form: WebkassaConfig['markForm']): WebkassaPosition {
  checkLine(line, index);
  const unit = Number(line.unit || '796');
  if (!Number.isInteger(unit) || unit <= 0) {
    throw new FiscalError('permanent', 'bad-receipt', `line ${index + 1}: unit "${line.unit}" is not a numeric unit code (796 = piece)`);
  }
  const vat = line.vatRate;
  const pos: WebkassaPosition = {
    Count: line.quantity,
    Price: toMajor(line.price),
    TaxPercent: vat ?? 0,
    Tax: toMajor(includedVat(line.total, vat)),
    TaxType: vat === null ? 0 : 100,
    PositionName: line.name,
    SectionCode: line.section ?? '1',
    UnitCode: unit,
    Discount: 0,
    Markup: 0,
    PositionType: POSITION_TYPE[line.positionType] ?? 0,
  };
  // `Mark` for one code (one unit, or one weighed item); `MarkList` for n codes with Count = n. Never both.
  if (line.codes.length === 1) pos.Mark = webkassaMark(line.codes[0], form);
  else if (line.codes.length > 1) pos.MarkList = line.codes.map((c) => webkassaMark(c, form));
  if (line.gtin) pos.GTIN = line.gtin;
  if (line.ntin) pos.NTIN = line.ntin;
  if (line.productId) pos.ProductId = line.productId;
  return pos;
}

export interface CheckBodyOptions {
  config: Pick<WebkassaConfig, 'cashbox' | 'markForm' | 'paperKind'>;
  key: string;
  /** `sale` (OperationType 2) or `return` (3): decided by the channel method, not by `receipt.type`. */
  operation: 'sale' | 'return';
  /** For a return: the stored result of the sale. */
  basis?: FiscalResult;
}

/** The `POST /api/v4/check` body without `Token`. */
export function buildCheckBody(receipt: FiscalReceipt, opts: CheckBodyOptions): Record<string, unknown> {
  if (receipt.legacy) {
    throw new FiscalError('permanent', 'legacy-receipt', 'a legacy receipt (items without names or tax data) cannot be fiscalised by Webkassa');
  }
  if (receipt.lines.length === 0) throw new FiscalError('permanent', 'bad-receipt', 'a receipt needs at least one line');
  const positions = receipt.lines.map((l, i) => buildPosition(l, i, opts.config.markForm));
  const sum = receipt.lines.reduce((s, l) => s + l.total, 0);
  if (sum !== receipt.total) {
    throw new FiscalError('permanent', 'bad-receipt', `receipt total ${receipt.total} differs from the sum of its lines ${sum}`);
  }
  const settled = settlePayments(receipt.payments, receipt.total);
  const body: Record<string, unknown> = {
    CashboxUniqueNumber: opts.config.cashbox,
    OperationType: opts.operation === 'return' ? OPERATION.sellReturn : OPERATION.sell,
    Positions: positions,
    Payments: settled.payments.map((p) => ({ Sum: toMajor(p.amount), PaymentType: PAYMENT_TYPE[p.type] })),
    Change: toMajor(settled.change),
    RoundType: 2,
    ExternalCheckNumber: webkassaExternalCheckNumber(opts.key),
  };
  if (opts.operation === 'return') {
    const b = opts.basis;
    if (!b) throw new FiscalError('permanent', 'no-return-basis', 'a return needs the fiscal result of its sale (ReturnBasisDetails)');
    body.ReturnBasisDetails = {
      CheckNumber: b.fiscalSign,
      DateTime: b.dateTime,
      RegistrationNumber: b.registrationNumber,
      Total: toMajor(b.total),
      IsOffline: b.isOffline,
    };
  }
  const c = receipt.customer;
  if (c?.email) body.CustomerEmail = c.email;
  if (c?.phone) body.CustomerPhone = c.phone;
  if (c?.tin) body.CustomerXin = c.tin;
  if (opts.config.paperKind !== undefined) body.PaperKind = opts.config.paperKind;
  return body;
}
