/**
 * uz-fiscal-module/schemas.ts — what the Uzbek fiscal-module emulators (the module's JSON-RPC and
 * Multikassa, which drives the same kind of module) share: the fault shape (zod), the error codes
 * the module answers (reference fiscal-channels.md §3.1 table, plus the applet status words of
 * the E-POS integration guide, 0x90xx), and the UTC+5 time formats of the module.
 */
import { z } from 'zod';
import { commonFaultsShape } from '../fiscal-faults.js';

/** Factory ids given as `true` (every module) or a list. */
const moduleSet = z.union([z.boolean(), z.array(z.string().min(1)).max(100)]);

export const uzFaultsSchema = z
  .object({
    latencyMs: commonFaultsShape.latencyMs,
    /** Destroy the socket instead of answering, AFTER acting: a receipt call only once it issued (its refusals are answered), any other call always. */
    resetConnections: commonFaultsShape.resetConnections,
    /** Issue the receipt, then wait this long before answering (the client times out after the request). */
    hangAfterIssueMs: commonFaultsShape.hangAfterIssueMs,
    /** The module is not reachable over USB: every call that needs it answers 65534. */
    unplugged: moduleSet.optional(),
    /** The OFD has blocked the module (too long without sending): receipts answer 65279. */
    blocked: moduleSet.optional(),
    /** The next N receipt calls answer 65529 (decryption error, retry) without issuing anything. */
    decryptionErrors: z.number().int().min(0).max(10_000).optional(),
    /** No link to the OFD: signed receipts stay unsent (GetUnsentCount grows); they drain once this clears. */
    ofdOffline: z.boolean().optional(),
    /** Apply latency / reset / hang only to these methods (e.g. `Api.SendSaleReceipt`, or `POST /api/v1/operations`). */
    methods: z.array(z.string().min(1)).max(50).optional(),
    /** Apply latency / reset / hang only to calls for this module. */
    factoryId: z.string().min(1).optional(),
  })
  .strict();
export type UzFaults = z.infer<typeof uzFaultsSchema>;

export function hits(set: boolean | string[] | undefined, factoryId: string): boolean {
  return set === true || (Array.isArray(set) && set.includes(factoryId));
}

/** Error codes of the fiscal module (JSON-RPC `error.code`). */
export const FM = {
  /** Σ(Price − Discount) ≠ ReceivedCash + ReceivedCard + ΣOther. */
  BALANCE: 65531,
  BAD_JSON: 65532,
  APPLET: 65533,
  UNPLUGGED: 65534,
  CANNOT_CONNECT: 65535,
  DECRYPTION: 65529,
  DB: 65528,
  APPLET_VERSION: 65525,
  OFD_BLOCKED: 65279,
  RECEIPT_COUNT_ZERO: 0x9006,
  RECEIPT_INDEX_OUT_OF_BOUNDS: 0x9007,
  RECEIPT_TOTAL_PRICE_MISMATCH: 0x900f,
  RECEIPT_TIME_PAST: 0x9018,
  ZREPORT_INDEX_OUT_OF_BOUNDS: 0x9026,
  CURRENT_ZREPORT_IS_EMPTY: 0x902b,
  RECEIPT_TOTAL_PRICE_ZERO: 0x902c,
  ZREPORT_IS_NOT_OPEN: 0x902d,
  ZREPORT_IS_ALREADY_OPEN: 0x9030,
  NO_SUCH_METHOD: -32601,
} as const;

/** The applet's own names for its status words (E-POS integration guide §3). */
export const APPLET_NAMES: Record<number, string> = {
  [FM.RECEIPT_COUNT_ZERO]: 'ERROR_RECEIPT_COUNT_ZERO',
  [FM.RECEIPT_INDEX_OUT_OF_BOUNDS]: 'ERROR_RECEIPT_INDEX_OUT_OF_BOUNDS',
  [FM.RECEIPT_TOTAL_PRICE_MISMATCH]: 'ERROR_RECEIPT_TOTAL_PRICE_MISMATCH',
  [FM.RECEIPT_TIME_PAST]: 'ERROR_RECEIPT_TIME_PAST',
  [FM.ZREPORT_INDEX_OUT_OF_BOUNDS]: 'ERROR_ZREPORT_INDEX_OUT_OF_BOUNDS',
  [FM.CURRENT_ZREPORT_IS_EMPTY]: 'ERROR_CURRENT_ZREPORT_IS_EMPTY',
  [FM.RECEIPT_TOTAL_PRICE_ZERO]: 'ERROR_RECEIPT_TOTAL_PRICE_ZERO',
  [FM.ZREPORT_IS_NOT_OPEN]: 'ERROR_ZREPORT_IS_NOT_OPEN',
  [FM.ZREPORT_IS_ALREADY_OPEN]: 'ERROR_ZREPORT_IS_ALREADY_OPEN',
};

/** A refusal: a JSON-RPC error object. */
export interface FmError {
  code: number;
  message: string;
}
export const fmError = (code: number, message?: string): FmError => ({ code, message: message ?? APPLET_NAMES[code] ?? `error ${code}` });

const OFFSET_MS = 5 * 3_600_000;

/** "yyyyMMddHHmmss" in UTC+5: the module's DateTime (answers, RefundInfo, QR `c=`). */
export function uzCompact(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 19).replace(/[-:T]/g, '');
}

/** "yyyy-MM-dd HH:mm:ss" in UTC+5: Receipt.Time, Z-report OpenTime/CloseTime, TransactionTime. */
export function uzTime(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

/** "yyyy-MM-dd HH:mm:ss" (UTC+5) → epoch ms, or null when it is not a valid time of that form. */
export function parseUzTime(s: unknown): number | null {
  if (typeof s !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  const t = Date.UTC(y, mo - 1, d, h, mi, se);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return null;
  return t - OFFSET_MS;
}

/** The receipt check link printed as the QR code (ofd.soliq.uz format, reference §3.1 answer). */
export function qrCodeUrl(terminalId: string, receiptSeq: string, dateTime: string, fiscalSign: string): string {
  return `https://ofd.soliq.uz/check?t=${terminalId}&r=${receiptSeq}&c=${dateTime}&s=${fiscalSign}`;
}
