/**
 * atol/task.ts — validation of `sell` / `sellReturn` JSON tasks as the ATOL driver does it: first the JSON
 * shape (the driver's validatePositionItem / receipt validators: a missing or mistyped field → 501 with the
 * driver's wording), then what the KKT refuses at registration (marking rules of FFD 1.2, sums, payments).
 * Codes chosen for the marking refusals are [I]: the driver tables name them, the reference does not say
 * which one a KKT answers.
 */
import { isRecord, toMinor } from '../fiscal-faults.js';
import {
  ERR,
  ESTIMATED_STATUSES,
  IMC_TYPES,
  ITEM_UNITS,
  MARKED_OBJECTS,
  NON_POSITION_ITEMS,
  PAYMENT_METHODS,
  PAYMENT_OBJECTS,
  PAYMENT_TYPES,
  TAXATION_TYPES,
  TAX_TYPES,
} from './schemas.js';

export interface CheckFlags {
  imcCheckFlag: boolean;
  imcCheckResult: boolean;
  imcStatusInfo: boolean;
  imcEstimatedStatusCorrect: boolean;
  ecrStandAloneFlag: boolean;
}

export interface ValidPosition {
  index: number;
  name: string;
  priceMinor: number;
  quantity: number;
  amountMinor: number;
  paymentObject: number;
  taxType: string;
  /** FFD 1.2 measure value (2108). */
  unit: number;
  /** The KM decoded from `imc` (marked positions). */
  km?: string;
  estimatedStatus?: string;
  checkResult?: CheckFlags;
  industryInfo?: { fois?: string; date?: string; number?: string; industryAttribute?: string }[];
}

export interface ValidReceipt {
  type: 'sell' | 'sellReturn';
  positions: ValidPosition[];
  totalMinor: number;
  paidMinor: number;
  changeMinor: number;
  validateMarkingCodes: boolean;
}

export type Validation = { ok: true; receipt: ValidReceipt } | { ok: false; code: number; text: string };

class TaskError extends Error {
  constructor(readonly code: number, text: string) {
    super(text);
  }
}

const missing = (path: string) => new TaskError(ERR.RECEIPT_PARSE_ERROR, `Поле "${path}" отсутствует`);
const badType = (path: string, expected: string) => new TaskError(ERR.RECEIPT_PARSE_ERROR, `Некорректный тип поля "${path}" (ожидается "${expected}")`);
const badValue = (path: string, value: unknown) => new TaskError(ERR.RECEIPT_PARSE_ERROR, `Некорректное значение поля "${path}" (${typeof value === 'string' ? value : JSON.stringify(value)})`);

const isMissing = (v: unknown): boolean => v === null || v === undefined || (isRecord(v) && Object.keys(v).length === 0);

function mustType(v: unknown, path: string, type: 'number' | 'string' | 'boolean', optional: boolean): void {
  if (isMissing(v)) {
    if (optional) return;
    throw missing(path);
  }
  if (typeof v !== type || (type === 'number' && !Number.isFinite(v as number))) throw badType(path, type);
}

/** A string out of a dictionary, or a numeric string / number (the driver's parse* accept both). */
function mustDict(v: unknown, path: string, values: readonly string[], optional: boolean): void {
  if (isMissing(v)) {
    if (optional) return;
    throw missing(path);
  }
  if (typeof v === 'number') return;
  if (typeof v !== 'string') throw badType(path, 'string|number');
  if (!values.includes(v) && Number.isNaN(parseInt(v, 10))) throw badValue(path, v);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** The driver's industryInfo date form (it reverses it for the FN): yyyy.mm.dd. */
const INDUSTRY_DATE = /^(\d{4}).(\d{2}).(\d{2})$/;
const KM_START = /^01\d{14}21[\x21-\x7e]/;

/** `imc` → the KM, or a TaskError (409) when it is not base64 of a GS1 marking code. */
function decodeImc(imc: string, path: string): string {
  if (imc.length % 4 !== 0 || !BASE64.test(imc)) throw new TaskError(ERR.INVALID_MARKING_CODE, `${path}: значение не является строкой base64`);
  const km = Buffer.from(imc, 'base64').toString('latin1');
  // A full code (beyond the 31 characters of a GS-less short form) separates its variable-length AIs with GS.
  if (!KM_START.test(km) || /[\r\n]/.test(km) || (km.length > 31 && !km.includes('\x1d'))) {
    throw new TaskError(ERR.INVALID_MARKING_CODE, `${path}: код маркировки не распознан (ожидается КМ GS1 с разделителями GS)`);
  }
  return km;
}

function paymentObjectValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return PAYMENT_OBJECTS[v] ?? parseInt(v, 10);
  return 1;
}

function unitValue(v: unknown, path: string): number {
  if (isMissing(v)) return 0;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? (ITEM_UNITS[v] ?? (/^\d+$/.test(v) ? Number(v) : NaN)) : NaN;
  if (!Object.values(ITEM_UNITS).includes(n)) throw new TaskError(ERR.INVALID_MEASUREMENT_UNIT, `${path}: ${JSON.stringify(v)}`);
  return n;
}

function position(item: Record<string, unknown>, i: number, type: ValidReceipt['type']): ValidPosition {
  const at = (f: string) => `items[${i}].${f}`;
  mustType(item.name, at('name'), 'string', false);
  mustType(item.price, at('price'), 'number', false);
  mustType(item.quantity, at('quantity'), 'number', false);
  mustType(item.amount, at('amount'), 'number', false);
  if (!isMissing(item.measurementUnit) && typeof item.measurementUnit !== 'number' && typeof item.measurementUnit !== 'string') throw badType(at('measurementUnit'), 'number|string');
  mustDict(item.paymentMethod, at('paymentMethod'), PAYMENT_METHODS, true);
  mustDict(item.paymentObject, at('paymentObject'), Object.keys(PAYMENT_OBJECTS), true);
  if (isMissing(item.tax)) throw new TaskError(ERR.INVALID_TAX_TYPE, `${at('tax')}: ставка налога не задана`);
  if (!isRecord(item.tax)) throw badType(at('tax'), 'object');
  if (typeof item.tax.type !== 'string') throw isMissing(item.tax.type) ? missing(at('tax.type')) : badType(at('tax.type'), 'string');
  if (!TAX_TYPES.includes(item.tax.type)) throw badValue(at('tax.type'), item.tax.type);

  const name = item.name as string;
  const price = item.price as number;
  const quantity = item.quantity as number;
  const amount = item.amount as number;
  if (name.length === 0 || name.length > 128) throw badValue(at('name'), name);
  if (price < 0 || amount < 0 || Math.abs(price * 100 - Math.round(price * 100)) > 1e-6 || Math.abs(amount * 100 - Math.round(amount * 100)) > 1e-6) {
    throw new TaskError(ERR.INVALID_SUM, `${at('price')} / ${at('amount')}: ${price} / ${amount}`);
  }
  if (!(quantity > 0) || Math.abs(quantity * 1000 - Math.round(quantity * 1000)) > 1e-6) throw new TaskError(ERR.INVALID_QUANTITY, `${at('quantity')}: ${quantity}`);
  const priceMinor = toMinor(price);
  const amountMinor = toMinor(amount);
  // The amount may be lower than price × quantity (a discount), never higher.
  if (amountMinor > Math.round(priceMinor * quantity)) throw new TaskError(ERR.INVALID_SUM, `${at('amount')} ${amount} > ${at('price')} × ${at('quantity')}`);

  const p: ValidPosition = {
    index: i,
    name,
    priceMinor,
    quantity,
    amountMinor,
    paymentObject: paymentObjectValue(item.paymentObject),
    taxType: item.tax.type,
    unit: unitValue(item.measurementUnit, at('measurementUnit')),
  };

  if (!isMissing(item.imcParams)) {
    if (!isRecord(item.imcParams)) throw badType(at('imcParams'), 'object');
    const m = item.imcParams;
    const ap = (f: string) => at(`imcParams.${f}`);
    mustType(m.imc, ap('imc'), 'string', false);
    mustDict(m.imcType, ap('imcType'), IMC_TYPES, true);
    mustType(m.itemFractionalAmount, ap('itemFractionalAmount'), 'string', true);
    mustDict(m.itemEstimatedStatus, ap('itemEstimatedStatus'), ESTIMATED_STATUSES, true);
    mustType(m.imcModeProcessing, ap('imcModeProcessing'), 'number', true);
    mustType(m.imcBarcode, ap('imcBarcode'), 'string', true);
    if (!isMissing(m.itemInfoCheckResult)) {
      if (!isRecord(m.itemInfoCheckResult)) throw badType(ap('itemInfoCheckResult'), 'object');
      const r = m.itemInfoCheckResult;
      for (const f of ['imcCheckFlag', 'imcCheckResult', 'imcStatusInfo', 'imcEstimatedStatusCorrect', 'ecrStandAloneFlag']) {
        if (typeof r[f] !== 'boolean') throw isMissing(r[f]) ? missing(ap(`itemInfoCheckResult.${f}`)) : badType(ap(`itemInfoCheckResult.${f}`), 'boolean');
      }
      p.checkResult = r as unknown as CheckFlags;
    }
    p.km = decodeImc(m.imc as string, ap('imc'));
    p.estimatedStatus = typeof m.itemEstimatedStatus === 'string' ? m.itemEstimatedStatus : undefined;
    const fractional = typeof m.itemFractionalAmount === 'string' && m.itemFractionalAmount !== '';
    if (fractional && !/^[1-9]\d*\/[1-9]\d*$/.test(m.itemFractionalAmount as string)) throw badValue(ap('itemFractionalAmount'), m.itemFractionalAmount);
    const piece = p.estimatedStatus === 'itemPieceSold' || p.estimatedStatus === 'itemPieceReturn';
    if (piece && quantity !== 1 && !fractional) {
      throw new TaskError(ERR.INVALID_QUANTITY, `${at('quantity')}: штучный маркированный товар регистрируется с количеством 1 (или с itemFractionalAmount)`);
    }
    const allowed = type === 'sell' ? ['itemPieceSold', 'itemDryForSale'] : ['itemPieceReturn', 'itemDryReturn'];
    if (!p.estimatedStatus || !allowed.includes(p.estimatedStatus)) {
      throw new TaskError(ERR.INVALID_MARKING_CODE_STATUS, `${ap('itemEstimatedStatus')}: ${p.estimatedStatus ?? '(нет)'} недопустим в чеке ${type}`);
    }
  }

  if (!isMissing(item.industryInfo)) {
    if (!Array.isArray(item.industryInfo)) throw badType(at('industryInfo'), 'array|undefined');
    item.industryInfo.forEach((x: unknown, k: number) => {
      const ai = (f: string) => at(`industryInfo[${k}].${f}`);
      if (!isRecord(x)) throw badType(at(`industryInfo[${k}]`), 'object');
      mustType(x.fois, ai('fois'), 'string', true);
      mustType(x.number, ai('number'), 'string', true);
      mustType(x.industryAttribute, ai('industryAttribute'), 'string', true);
      mustType(x.date, ai('date'), 'string', true);
      if (typeof x.date === 'string' && !INDUSTRY_DATE.test(x.date)) throw badValue('industryInfo.date', x.date);
    });
    p.industryInfo = item.industryInfo as ValidPosition['industryInfo'];
  }

  const marked = MARKED_OBJECTS.has(p.paymentObject);
  if (marked && p.km === undefined) {
    throw new TaskError(ERR.INVALID_FISCAL_PROPERTY_VALUE_1212, `${at('paymentObject')}: предмет расчёта с маркировкой без кода маркировки (imcParams)`);
  }
  if (!marked && p.km !== undefined) {
    throw new TaskError(ERR.INVALID_FISCAL_PROPERTY_VALUE_1212, `${at('paymentObject')}: код маркировки передан для предмета расчёта без маркировки`);
  }
  // After an online check the position must carry the permissive-mode requisite 1260 (decree 1944).
  const c = p.checkResult;
  if (c && c.imcCheckFlag && !c.ecrStandAloneFlag && !(p.industryInfo && p.industryInfo.length > 0)) {
    throw new TaskError(ERR.NO_REQUIRED_FISCAL_PROPERTY, `${at('industryInfo')}: после онлайн-проверки КМ требуется отраслевой реквизит 1260`);
  }
  return p;
}

/** Validates a `sell` / `sellReturn` task. Never throws. */
export function validateReceiptTask(task: Record<string, unknown>): Validation {
  try {
    const type = task.type as ValidReceipt['type'];
    mustDict(task.taxationType, 'taxationType', TAXATION_TYPES, true);
    if (typeof task.taxationType === 'string' && !TAXATION_TYPES.includes(task.taxationType)) throw badValue('taxationType', task.taxationType);
    if (!isMissing(task.operator)) {
      if (!isRecord(task.operator)) throw badType('operator', 'object');
      mustType(task.operator.name, 'operator.name', 'string', false);
      mustType(task.operator.vatin, 'operator.vatin', 'string', true);
    }
    mustType(task.validateMarkingCodes, 'validateMarkingCodes', 'boolean', true);
    if (!isMissing(task.clientInfo) && !isRecord(task.clientInfo)) throw badType('clientInfo', 'object');
    if (isMissing(task.items)) throw missing('items');
    if (!Array.isArray(task.items)) throw badType('items', 'array');
    const positions: ValidPosition[] = [];
    task.items.forEach((item: unknown, i: number) => {
      if (!isRecord(item)) throw badType(`items[${i}]`, 'object');
      if (typeof item.type !== 'string') throw isMissing(item.type) ? missing(`items[${i}].type`) : badType(`items[${i}].type`, 'string');
      if (item.type === 'position') positions.push(position(item, i, type));
      else if (!NON_POSITION_ITEMS.includes(item.type)) throw badValue(`items[${i}].type`, item.type);
    });
    if (positions.length === 0) throw new TaskError(ERR.INVALID_POSITIONS_COUNT, 'в чеке нет ни одной позиции');
    const kms = new Set<string>();
    for (const p of positions) {
      if (p.km === undefined) continue;
      if (kms.has(p.km)) throw new TaskError(ERR.DATA_DUPLICATE, `items[${p.index}].imcParams.imc: код маркировки уже есть в чеке`);
      kms.add(p.km);
    }
    const payments = isMissing(task.payments) ? [] : task.payments;
    if (!Array.isArray(payments)) throw badType('payments', 'array');
    let paid = 0;
    let cash = 0;
    payments.forEach((pay: unknown, i: number) => {
      if (!isRecord(pay)) throw badType(`payments[${i}]`, 'object');
      mustDict(pay.type, `payments[${i}].type`, PAYMENT_TYPES, false);
      mustType(pay.sum, `payments[${i}].sum`, 'number', false);
      const sum = toMinor(pay.sum as number);
      if (sum < 0) throw badValue(`payments[${i}].sum`, pay.sum);
      paid += sum;
      if (pay.type === 'cash' || pay.type === 0 || pay.type === '0') cash += sum;
    });
    const total = positions.reduce((s, p) => s + p.amountMinor, 0);
    if (paid < total) throw new TaskError(ERR.NOT_FULLY_PAID, `оплачено ${paid / 100}, итог ${total / 100}`);
    if (paid - cash > total) throw new TaskError(ERR.NONCASH_PAYMENTS_TOO_MUCH, `безналичные ${(paid - cash) / 100} > итог ${total / 100}`);
    return { ok: true, receipt: { type, positions, totalMinor: total, paidMinor: paid, changeMinor: paid - total, validateMarkingCodes: task.validateMarkingCodes !== false } };
  } catch (e) {
    if (e instanceof TaskError) return { ok: false, code: e.code, text: e.message };
    throw e;
  }
}
