/**
 * webkassa/check.ts — strict validation of a `POST /api/v4/check` body (sale / sale return),
 * pure: it never throws on bad input and answers `{ok:false, code, text}` with a Webkassa error
 * code. Money is computed in tiyn (integer minor units). Shape per reference §1.2 (Check.json,
 * ReturnReceiptRequest.json).
 */
import { isRecord, toMinor } from '../fiscal-faults.js';
import { WK } from './schemas.js';

export type Protocol = '2.0.3' | '2.0.4';

export interface ValidPosition {
  index: number;
  count: number;
  /** Price × Count − Discount + Markup, in tiyn (RoundType 2: rounded per position). */
  sumMinor: number;
  marks: string[];
}

export interface ReturnBasis {
  checkNumber: string;
  registrationNumber: string;
  totalMinor: number;
  isOffline: boolean;
  dateTime: string;
}

export interface ValidCheck {
  operationType: 2 | 3;
  positions: ValidPosition[];
  totalMinor: number;
  paidMinor: number;
  changeMinor: number;
  /** Payment sums by PaymentType, tiyn. */
  payments: Map<number, number>;
  marks: string[];
  basis: ReturnBasis | null;
}

export type CheckResult = { ok: true; check: ValidCheck } | { ok: false; code: number; text: string };

const bad = (text: string, code: number = WK.DATA_ERROR): CheckResult => ({ ok: false, code, text });
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

/** Return-basis DateTime: ISO 8601, "yyyy-MM-dd HH:mm:ss" or "dd.MM.yyyy HH:mm:ss" (both seen, §1.2). */
export function parseBasisDateTime(s: string): boolean {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(s)) return !Number.isNaN(Date.parse(s));
  let m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (m) return validParts(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6]);
  m = /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (m) return validParts(+m[3], +m[2], +m[1], +m[4], +m[5], +m[6]);
  return false;
}

function validParts(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && h < 24 && mi < 60 && s < 60;
}

export const ALLOWED_PAYMENT_TYPES = [0, 1, 4] as const;

export function validateCheck(body: Record<string, unknown>, protocol: Protocol): CheckResult {
  const op = body.OperationType;
  if (op !== 2 && op !== 3) {
    // 0/1 (buy, buy return) exist in Webkassa but are outside what a retail POS sends.
    return bad(`OperationType ${JSON.stringify(op)} is not supported: 2 (sell) or 3 (sell return) expected`);
  }
  const positions = body.Positions;
  if (!Array.isArray(positions) || positions.length === 0) return bad('Positions must be a non-empty array');

  const valid: ValidPosition[] = [];
  const seenMarks = new Set<string>();
  for (let i = 0; i < positions.length; i++) {
    const p = positions[i];
    const at = `Positions[${i}]`;
    if (!isRecord(p)) return bad(`${at} must be an object`);
    if (!isNum(p.Count) || p.Count <= 0) return bad(`${at}: Count must be a number > 0`);
    if (!isNum(p.Price) || p.Price < 0) return bad(`${at}: Price must be a number >= 0`);
    if (!nonEmpty(p.PositionName)) return bad(`${at}: PositionName is required`);
    const unit = p.UnitCode;
    if (!((isNum(unit) && Number.isInteger(unit) && unit > 0) || (typeof unit === 'string' && /^\d+$/.test(unit)))) {
      return bad(`${at}: UnitCode is required (e.g. 796 = piece)`);
    }
    for (const k of ['Discount', 'Markup'] as const) {
      if (p[k] !== undefined && p[k] !== null && (!isNum(p[k]) || (p[k] as number) < 0)) return bad(`${at}: ${k} must be a number >= 0`);
    }
    const grossMinor = toMinor(p.Price * p.Count);
    const discount = isNum(p.Discount) ? toMinor(p.Discount) : 0;
    const markup = isNum(p.Markup) ? toMinor(p.Markup) : 0;
    if (discount > grossMinor) return bad(`${at}: Discount exceeds Price × Count`);
    const sumMinor = grossMinor - discount + markup;

    // VAT. Tax is checked against the position's net sum (after Discount/Markup) [I].
    if (p.TaxType === 100) {
      if (!isNum(p.TaxPercent) || p.TaxPercent <= 0 || p.TaxPercent >= 100) return bad(`${at}: TaxPercent must be a VAT rate (e.g. 12) when TaxType is 100`);
      if (!isNum(p.Tax)) return bad(`${at}: Tax is required when TaxType is 100`);
      const expected = Math.round((sumMinor * p.TaxPercent) / (100 + p.TaxPercent));
      if (Math.abs(toMinor(p.Tax) - expected) > 1) {
        return bad(`${at}: Tax ${p.Tax} does not match TaxPercent ${p.TaxPercent} of ${sumMinor / 100} (expected ${expected / 100})`);
      }
    } else if (p.TaxType === 0) {
      if (isNum(p.Tax) && p.Tax !== 0) return bad(`${at}: Tax must be 0 when TaxType is 0 (no VAT)`);
      if (isNum(p.TaxPercent) && p.TaxPercent !== 0) return bad(`${at}: TaxPercent must be 0 when TaxType is 0 (no VAT)`);
    } else {
      return bad(`${at}: TaxType must be 0 (no VAT) or 100 (VAT)`);
    }

    // Position type: mandatory on 2.0.4.
    if (p.PositionType === undefined || p.PositionType === null) {
      if (protocol === '2.0.4') return bad(`${at}: PositionType (0 goods, 1 work, 2 service) is required on protocol 2.0.4`);
    } else if (p.PositionType !== 0 && p.PositionType !== 1 && p.PositionType !== 2) {
      return bad(`${at}: PositionType must be 0 (goods), 1 (work) or 2 (service)`);
    }

    // Virtual warehouse: GTIN/NTIN required without ProductId.
    if (p.WarehouseType === 1 && !nonEmpty(p.ProductId) && !nonEmpty(p.GTIN) && !nonEmpty(p.Gtin) && !nonEmpty(p.NTIN) && !nonEmpty(p.Ntin)) {
      return bad(`${at}: GTIN or NTIN is required with WarehouseType 1 when ProductId is absent`);
    }

    // Marking: Mark xor MarkList.
    const hasMark = p.Mark !== undefined && p.Mark !== null;
    const hasList = p.MarkList !== undefined && p.MarkList !== null;
    let marks: string[] = [];
    if (hasMark && hasList) return bad(`${at} ("${p.PositionName}"): use either Mark or MarkList, not both`);
    if (hasMark) {
      if (!nonEmpty(p.Mark)) return bad(`${at}: Mark must be a non-empty string`);
      if (p.Count !== 1) return bad(`${at} ("${p.PositionName}"): Mark is for one code with Count = 1; use MarkList for Count ${p.Count}`);
      marks = [p.Mark];
    } else if (hasList) {
      const list = p.MarkList;
      if (!Array.isArray(list) || list.some((m) => !nonEmpty(m))) return bad(`${at}: MarkList must be an array of non-empty strings`);
      if (list.length !== p.Count) return bad(`${at} ("${p.PositionName}"): MarkList has ${list.length} codes but Count is ${p.Count}`);
      marks = list as string[];
    }
    for (const m of marks) {
      if (seenMarks.has(m)) return bad(`${at}: marking code ${m} appears more than once in the check`);
      seenMarks.add(m);
    }
    valid.push({ index: i, count: p.Count, sumMinor, marks });
  }
  const totalMinor = valid.reduce((s, p) => s + p.sumMinor, 0);

  // Payments.
  const payments = body.Payments;
  if (!Array.isArray(payments) || payments.length === 0) return bad('Payments must be a non-empty array');
  const byType = new Map<number, number>();
  for (let i = 0; i < payments.length; i++) {
    const p = payments[i];
    if (!isRecord(p)) return bad(`Payments[${i}] must be an object`);
    if (!ALLOWED_PAYMENT_TYPES.includes(p.PaymentType as 0)) return bad(`Payments[${i}]: PaymentType must be 0 (cash), 1 (card) or 4 (mobile)`);
    if (byType.has(p.PaymentType as number)) return bad(`Payments[${i}]: PaymentType ${p.PaymentType} appears more than once`);
    if (!isNum(p.Sum) || p.Sum < 0) return bad(`Payments[${i}]: Sum must be a number >= 0`);
    byType.set(p.PaymentType as number, toMinor(p.Sum));
  }
  const paidMinor = [...byType.values()].reduce((s, v) => s + v, 0);
  if (paidMinor < totalMinor) return bad(`the payments (${paidMinor / 100}) are less than the check total (${totalMinor / 100})`);
  const changeMinor = paidMinor - totalMinor;
  // Change can only be given out of cash [I].
  if (changeMinor > (byType.get(0) ?? 0)) return bad(`change ${changeMinor / 100} exceeds the cash payment; card and mobile payments cannot exceed the total`);
  if (body.Change !== undefined && body.Change !== null) {
    if (!isNum(body.Change) || Math.abs(toMinor(body.Change) - changeMinor) > 1) return bad(`Change ${JSON.stringify(body.Change)} differs from payments − total = ${changeMinor / 100}`);
  }
  if (body.RoundType !== undefined && body.RoundType !== null && body.RoundType !== 0 && body.RoundType !== 2 && body.RoundType !== 3) {
    return bad('RoundType must be 0, 2 or 3');
  }

  // Return basis (mandatory for returns on 2.0.3+).
  let basis: ReturnBasis | null = null;
  if (op === 3) {
    const b = body.ReturnBasisDetails;
    if (b === undefined || b === null) return bad('ReturnBasisDetails is required for a return (OperationType 3)', WK.RETURN_BASIS_MISSING);
    if (!isRecord(b)) return bad('ReturnBasisDetails must be an object');
    if (!nonEmpty(b.CheckNumber)) return bad('ReturnBasisDetails.CheckNumber (fiscal sign of the sale) is required');
    if (!nonEmpty(b.RegistrationNumber)) return bad('ReturnBasisDetails.RegistrationNumber (RNM) is required');
    if (!isNum(b.Total) || b.Total < 0) return bad('ReturnBasisDetails.Total must be the total of the sale');
    if (typeof b.IsOffline !== 'boolean') return bad('ReturnBasisDetails.IsOffline must be a boolean');
    if (typeof b.DateTime !== 'string' || !parseBasisDateTime(b.DateTime)) return bad('ReturnBasisDetails.DateTime must be a date-time of the sale');
    basis = { checkNumber: b.CheckNumber, registrationNumber: b.RegistrationNumber, totalMinor: toMinor(b.Total), isOffline: b.IsOffline, dateTime: b.DateTime };
  }

  return {
    ok: true,
    check: { operationType: op, positions: valid, totalMinor, paidMinor, changeMinor, payments: byType, marks: [...seenMarks], basis },
  };
}
