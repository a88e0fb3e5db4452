/**
 * ATOL JSON tasks from a tanba receipt (fiscal-channels.md §2.2): `sell` / `sellReturn` with one position per
 * unit of a marked piece line (ATOL takes one `imcParams` per position), `imcParams.imc` = base64 of the KM
 * exactly as scanned (with its GS), `itemInfoCheckResult` and `industryInfo` (tags 2106 and 1260–1265) from
 * the code's pre-sale check, amounts in roubles. A return names no sale: a FFD 1.2 "возврат прихода" carries
 * the same KM with `itemPieceReturn` and no fiscal sign of the sale (§2.1 step 5).
 */
import { FiscalError } from '../types.js';
import type { CodeCheck, FiscalReceipt, MarkCode, PaymentType, PositionType, ReceiptLine } from '../../sale/types.js';
import { checkLine, settlePayments, toMajor } from '../money.js';
import type { AtolConfig, AtolTaxType } from './config.js';

export type ImcEstimatedStatus = 'itemPieceSold' | 'itemDryForSale' | 'itemPieceReturn' | 'itemDryReturn' | 'itemStatusUnchanged';

/** OKEI unit code (tanba `unit`) → FFD 1.2 measure (tag 2108): the driver's enum name and the tag value. */
export const ATOL_UNITS: Readonly<Record<string, { name: string; code: number }>> = Object.freeze({
  '796': { name: 'piece', code: 0 },
  '163': { name: 'gram', code: 10 },
  '166': { name: 'kilogram', code: 11 },
  '168': { name: 'ton', code: 12 },
  '004': { name: 'centimeter', code: 20 },
  '005': { name: 'decimeter', code: 21 },
  '006': { name: 'meter', code: 22 },
  '051': { name: 'squareCentimeter', code: 30 },
  '053': { name: 'squareDecimeter', code: 31 },
  '055': { name: 'squareMeter', code: 32 },
  '111': { name: 'milliliter', code: 40 },
  '112': { name: 'liter', code: 41 },
  '113': { name: 'cubicMeter', code: 42 },
  '245': { name: 'kilowattHour', code: 50 },
  '233': { name: 'gkal', code: 51 },
  '359': { name: 'day', code: 70 },
  '356': { name: 'hour', code: 71 },
  '355': { name: 'minute', code: 72 },
  '354': { name: 'second', code: 73 },
  '256': { name: 'kilobyte', code: 80 },
  '257': { name: 'megabyte', code: 81 },
  '2553': { name: 'gigabyte', code: 82 },
  '2554': { name: 'terabyte', code: 83 },
});
const OTHER_UNIT = { name: 'otherUnits', code: 255 };

export function atolUnit(unit: string): { name: string; code: number } {
  const u = (unit || '796').trim();
  return ATOL_UNITS[u] ?? ATOL_UNITS[u.padStart(3, '0')] ?? OTHER_UNIT;
}

/** A piece unit: marked lines of it go one position per code with quantity 1. */
export function isPieceUnit(unit: string): boolean {
  return atolUnit(unit).code === 0;
}

/** `imcParams.imc`: base64 of the KM exactly as scanned, GS (0x1D) included. */
export function atolImc(code: MarkCode): string {
  return Buffer.from(code.km, 'utf8').toString('base64');
}

/** The ATOL tax type of a VAT rate, or null when the mapping has none. */
export function atolTaxType(rate: number | null, config: Pick<AtolConfig, 'vatTypes' | 'noVatType'>): AtolTaxType | null {
  if (rate === null) return config.noVatType;
  const key = String(rate);
  return config.vatTypes[key] ?? null;
}

/**
 * A date of the industry requisite (tanba keeps `dd.mm.yyyy`, as FNS order №ЕД-7-20/236@ prints it) in the
 * configured form. Unrecognised text goes as it is.
 */
export function atolIndustryDate(date: string, form: AtolConfig['industryDateForm']): string {
  const s = date.trim();
  let d: string, m: string, y: string;
  const dmy = /^(\d{2})[.\-/](\d{2})[.\-/](\d{4})$/.exec(s);
  const ymd = /^(\d{4})[.\-/](\d{2})[.\-/](\d{2})$/.exec(s);
  if (dmy) [, d, m, y] = dmy;
  else if (ymd) [, y, m, d] = ymd;
  else return s;
  return form === 'yyyy.mm.dd' ? `${y}.${m}.${d}` : `${d}.${m}.${y}`;
}

export interface ItemInfoCheckResult {
  imcCheckFlag: boolean;
  imcCheckResult: boolean;
  imcStatusInfo: boolean;
  imcEstimatedStatusCorrect: boolean;
  ecrStandAloneFlag: boolean;
}

/**
 * Tag 2106 from tanba's pre-sale check: checked (an answer came, online or from the local module), the
 * answer allows the sale, status data present, planned status correct, and "checked autonomously" when the
 * answer did not come from the online system.
 */
export function itemInfoCheckResult(check: CodeCheck): ItemInfoCheckResult {
  const allowed = check.checked && check.verdict === 'allow';
  return {
    imcCheckFlag: check.checked,
    imcCheckResult: allowed,
    imcStatusInfo: check.checked,
    imcEstimatedStatusCorrect: allowed,
    ecrStandAloneFlag: !check.online,
  };
}

export interface AtolImcParams {
  imcType: 'auto';
  imc: string;
  itemEstimatedStatus: ImcEstimatedStatus;
  imcModeProcessing: 0;
  itemInfoCheckResult?: ItemInfoCheckResult;
}

export interface AtolIndustryInfo {
  fois: string;
  date: string;
  number: string;
  industryAttribute: string;
}

export interface AtolPosition {
  type: 'position';
  name: string;
  price: number;
  quantity: number;
  amount: number;
  measurementUnit: string | number;
  paymentMethod: 'fullPayment';
  paymentObject: string;
  tax: { type: AtolTaxType };
  imcParams?: AtolImcParams;
  industryInfo?: AtolIndustryInfo[];
}

export interface AtolPayment {
  type: 'cash' | 'electronically';
  sum: number;
}

export interface AtolReceiptTask {
  type: 'sell' | 'sellReturn';
  taxationType: AtolConfig['taxationType'];
  operator?: { name: string; vatin?: string };
  validateMarkingCodes: boolean;
  clientInfo?: { emailOrPhone?: string; vatin?: string };
  items: AtolPosition[];
  payments: AtolPayment[];
}

const PAYMENT_TYPE: Record<PaymentType, AtolPayment['type']> = { cash: 'cash', card: 'electronically', mobile: 'electronically' };
const UNMARKED_OBJECT: Record<PositionType, string> = { goods: 'commodity', work: 'job', service: 'service' };

export interface TaskOptions {
  config: AtolConfig;
  /** `sale` (sell) or `return` (sellReturn): decided by the channel method, not by `receipt.type`. */
  operation: 'sale' | 'return';
  /**
   * KMs the KKT itself validated and accepted (driver-side check): it holds their check result, so their
   * positions go without `itemInfoCheckResult` / `industryInfo` of ours.
   */
  driverChecked?: (km: string) => boolean;
}

function fail(message: string): FiscalError {
  return new FiscalError('permanent', 'bad-receipt', message);
}

function positionsOf(line: ReceiptLine, index: number, opts: TaskOptions): AtolPosition[] {
  const { config } = opts;
  checkLine(line, index);
  const at = `line ${index + 1}`;
  const tax = atolTaxType(line.vatRate, config);
  if (!tax) throw fail(`${at}: VAT rate ${line.vatRate} % has no ATOL tax type (configure vatTypes)`);
  const unit = atolUnit(line.unit);
  const measurementUnit = config.measurementUnitForm === 'code' ? unit.code : unit.name;
  const base = { type: 'position' as const, name: line.name, measurementUnit, paymentMethod: 'fullPayment' as const, tax: { type: tax } };
  if (line.codes.length === 0) {
    return [{ ...base, price: toMajor(line.price), quantity: line.quantity, amount: toMajor(line.total), paymentObject: UNMARKED_OBJECT[line.positionType] ?? 'commodity' }];
  }
  const piece = unit.code === 0;
  if (piece && !Number.isInteger(line.quantity)) {
    throw fail(`${at}: a marked piece line sold in part (quantity ${line.quantity}) needs itemFractionalAmount, which tanba does not send: sell whole units`);
  }
  const returning = opts.operation === 'return';
  const status: ImcEstimatedStatus = piece ? (returning ? 'itemPieceReturn' : 'itemPieceSold') : returning ? 'itemDryReturn' : 'itemDryForSale';
  const marked = (code: MarkCode, quantity: number, amountMinor: number): AtolPosition => {
    const imcParams: AtolImcParams = { imcType: 'auto', imc: atolImc(code), itemEstimatedStatus: status, imcModeProcessing: 0 };
    const ours = code.check && !opts.driverChecked?.(code.km) ? code.check : undefined;
    if (ours) imcParams.itemInfoCheckResult = itemInfoCheckResult(ours);
    const pos: AtolPosition = { ...base, price: toMajor(line.price), quantity, amount: toMajor(amountMinor), paymentObject: config.paymentObject, imcParams };
    const r = ours?.requisites;
    if (r) pos.industryInfo = [{ fois: r.fois, date: atolIndustryDate(r.date, config.industryDateForm), number: r.number, industryAttribute: r.value }];
    return pos;
  };
  // A piece line: one position per code (quantity 1, amount = the unit price). A measured line: its one code.
  if (piece) return line.codes.map((c) => marked(c, 1, line.price));
  return [marked(line.codes[0], line.quantity, line.total)];
}

/** The `sell` / `sellReturn` task of a receipt. Throws FiscalError permanent (`bad-receipt`) on data ATOL would refuse. */
export function buildReceiptTask(receipt: FiscalReceipt, opts: TaskOptions): AtolReceiptTask {
  if (receipt.legacy) {
    throw new FiscalError('permanent', 'legacy-receipt', 'a legacy receipt (items without names or tax data) cannot be fiscalised by ATOL');
  }
  if (receipt.lines.length === 0) throw fail('a receipt needs at least one line');
  const items = receipt.lines.flatMap((l, i) => positionsOf(l, i, opts));
  const sum = receipt.lines.reduce((s, l) => s + l.total, 0);
  if (sum !== receipt.total) throw fail(`receipt total ${receipt.total} differs from the sum of its lines ${sum}`);
  const settled = settlePayments(receipt.payments, receipt.total);
  // ATOL computes the change itself from cash paid beyond the total; card and mobile are both "electronically".
  const byType = new Map<AtolPayment['type'], number>();
  for (const p of settled.payments) byType.set(PAYMENT_TYPE[p.type], (byType.get(PAYMENT_TYPE[p.type]) ?? 0) + p.amount);
  const payments = [...byType].map(([type, amount]) => ({ type, sum: toMajor(amount) }));
  const task: AtolReceiptTask = {
    type: opts.operation === 'return' ? 'sellReturn' : 'sell',
    taxationType: opts.config.taxationType,
    validateMarkingCodes: opts.config.validateMarkingCodes,
    items,
    payments,
  };
  if (opts.config.operator) task.operator = { ...opts.config.operator };
  const c = receipt.customer;
  const contact = c?.email || c?.phone;
  if (contact || c?.tin) {
    task.clientInfo = {};
    if (contact) task.clientInfo.emailOrPhone = contact;
    if (c?.tin) task.clientInfo.vatin = c.tin;
  }
  return task;
}
