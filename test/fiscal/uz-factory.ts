/** Test receipts for the Uzbek channels: UZ marking codes (AI 93 and AI 91/92 tails), lines with ИКПУ and package code. */
import type { MarkCode, ReceiptLine } from '../../src/sale/types.js';
import { GS, line } from './factory.js';

export const UZ_GTIN = '04780000000017';
export const IKPU = '02203001001000000';
export const PACKAGE = '1495060';

/** Beer / tobacco-like UZ code: 01 GTIN 21 serial(7) GS 93 verification(4). */
export function uzMark(serial: string, tail = 'U3g5'): MarkCode {
  const ki = `01${UZ_GTIN}21${serial}`;
  return { km: `${ki}${GS}93${tail}`, ki, gtin: UZ_GTIN };
}

/** Appliance-like code: 01 GTIN 21 serial(13) GS 91 key(4) GS 92 crypto(44). */
export function applianceMark(serial: string): MarkCode {
  const ki = `01${UZ_GTIN}21${serial}`;
  return { km: `${ki}${GS}91EE11${GS}92${'A'.repeat(40)}abc=`, ki, gtin: UZ_GTIN };
}

/** A UZ line: ИКПУ and package code filled in. */
export function uzLine(over: Partial<ReceiptLine> = {}): ReceiptLine {
  return line({ ikpu: IKPU, packageCode: PACKAGE, ...over });
}
