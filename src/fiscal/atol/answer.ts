/**
 * ATOL web server answers (fiscal-channels.md §2.2): the `GET /api/v2/requests/{uuid}` envelope
 * `{results: [{status, errorCode, errorDescription, result}]}`, the receipt's `fiscalParams`, the status
 * tasks used by health, and the mapping of `fiscalParams` to FiscalResult. Every answer is validated here.
 * Task statuses other than `ready` / `error` are [I]: `wait`, `inProgress` and `blocked` mean "not finished",
 * `interrupted` and `canceled` mean "never run".
 */
import { z } from 'zod';
import type { FiscalReceipt, FiscalResult } from '../../sale/types.js';
import { toMajor } from '../money.js';

const int = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);
const str = z.union([z.string(), z.number()]).transform(String);

export const taskResultSchema = z
  .object({
    status: z.string(),
    errorCode: int.nullish().transform((c) => c ?? 0),
    errorDescription: z.string().nullish(),
    result: z.unknown().optional(),
  })
  .loose();
export type TaskResult = z.infer<typeof taskResultSchema>;

export const requestAnswerSchema = z.object({ results: z.array(taskResultSchema) }).loose();
export type RequestAnswer = z.infer<typeof requestAnswerSchema>;

/** How a task stands: `done` (ready), `failed` (error), `skipped` (never run), `pending` (wait / run / unknown). */
export type TaskState = 'done' | 'failed' | 'skipped' | 'pending';

export function taskState(status: string): TaskState {
  switch (status) {
    case 'ready':
      return 'done';
    case 'error':
      return 'failed';
    case 'interrupted':
    case 'canceled':
    case 'cancelled':
      return 'skipped';
    default:
      return 'pending';
  }
}

export const fiscalParamsSchema = z
  .object({
    fiscalDocumentNumber: int,
    fiscalDocumentSign: str,
    fiscalDocumentDateTime: z.string().nullish(),
    fnNumber: str.nullish(),
    registrationNumber: str.nullish(),
    shiftNumber: int.nullish(),
    fiscalReceiptNumber: int.nullish(),
    total: z.number().nullish(),
    fnsUrl: z.string().nullish(),
  })
  .loose();
export type FiscalParams = z.infer<typeof fiscalParamsSchema>;

export const receiptResultSchema = z.object({ fiscalParams: fiscalParamsSchema, warnings: z.record(z.string(), z.unknown()).nullish() }).loose();

/** `getShiftStatus` → `{shiftStatus: {state, number, dateTime}}` [I]. */
export const shiftStatusSchema = z
  .object({
    shiftStatus: z
      .object({ state: z.string(), number: int.nullish(), dateTime: z.string().nullish(), expiredAt: z.string().nullish() })
      .loose(),
  })
  .loose();

/** `ofdExchangeStatus` → `{status: {notSentCount, notSentFirstDocDateTime, notSentFirstDocNumber}}` [I]. */
export const ofdExchangeStatusSchema = z
  .object({
    status: z
      .object({ notSentCount: int.nullish(), notSentFirstDocDateTime: z.string().nullish(), notSentFirstDocNumber: int.nullish() })
      .loose(),
  })
  .loose();

/** `getDeviceStatus` → `{deviceStatus: {paperPresent, coverOpened, fnFiscal, blocked, …}}` [I]. */
export const deviceStatusSchema = z
  .object({
    deviceStatus: z
      .object({
        paperPresent: z.boolean().nullish(),
        coverOpened: z.boolean().nullish(),
        fiscal: z.boolean().nullish(),
        fnFiscal: z.boolean().nullish(),
        fnPresent: z.boolean().nullish(),
        invalidFN: z.boolean().nullish(),
        blocked: z.boolean().nullish(),
        printerConnectionLost: z.boolean().nullish(),
        printerOverheat: z.boolean().nullish(),
        currentDateTime: z.string().nullish(),
      })
      .loose(),
  })
  .loose();

/** `getFnInfo` → `{fnInfo: {serial, validityDate, warnings: {…}}}` [I]. */
export const fnInfoSchema = z
  .object({
    fnInfo: z
      .object({
        serial: str.nullish(),
        validityDate: z.string().nullish(),
        warnings: z
          .object({
            criticalError: z.boolean().nullish(),
            memoryOverflow: z.boolean().nullish(),
            needReplacement: z.boolean().nullish(),
            resourceExhausted: z.boolean().nullish(),
            ofdTimeout: z.boolean().nullish(),
          })
          .loose()
          .nullish(),
      })
      .loose(),
  })
  .loose();

/** An ATOL date-time (ISO 8601 with the KKT's offset) → ISO UTC, or as written when not parseable. */
export function atolDateToIso(s: string): string {
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t).toISOString() : s;
}

/** The FNS receipt QR text `t=…&s=…&fn=…&i=…&fp=…&n=…` (n = 1 sale, 2 return), in the register's local time. */
export function fnsQr(p: FiscalParams, totalMinor: number, operation: 'sale' | 'return'): string | undefined {
  if (!p.fnNumber || !p.fiscalDocumentDateTime) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(p.fiscalDocumentDateTime);
  if (!m) return undefined;
  const t = `${m[1]}${m[2]}${m[3]}T${m[4]}${m[5]}`;
  return `t=${t}&s=${toMajor(totalMinor).toFixed(2)}&fn=${p.fnNumber}&i=${p.fiscalDocumentNumber}&fp=${p.fiscalDocumentSign}&n=${operation === 'return' ? 2 : 1}`;
}

export interface ToResultContext {
  receipt: FiscalReceipt;
  operation: 'sale' | 'return';
  /** The request uuid that issued it (kept for support and reconciliation). */
  uuid: string;
  /** Fallback issue time when the answer has none. */
  now: number;
}

/**
 * `fiscalParams` → FiscalResult. The ATOL result does not say whether the register was offline; `isOffline`
 * is true when a code of the receipt was checked autonomously (`ecrStandAloneFlag`) [I]; the register's
 * unsent documents are reported by health.
 */
export function toFiscalResult(p: FiscalParams, ctx: ToResultContext): FiscalResult {
  const standAlone = ctx.receipt.lines.some((l) => l.codes.some((c) => c.check !== undefined && !c.check.online));
  const result: FiscalResult = {
    channel: 'atol',
    fiscalSign: p.fiscalDocumentSign,
    registrationNumber: p.registrationNumber || p.fnNumber || '',
    dateTime: p.fiscalDocumentDateTime ? atolDateToIso(p.fiscalDocumentDateTime) : new Date(ctx.now).toISOString(),
    total: ctx.receipt.total,
    isOffline: standAlone,
    number: p.fiscalDocumentNumber,
  };
  if (p.shiftNumber != null) result.shift = p.shiftNumber;
  const qr = fnsQr(p, ctx.receipt.total, ctx.operation);
  if (qr) result.qr = qr;
  const extra: Record<string, string | number | boolean> = { fiscalDocumentNumber: p.fiscalDocumentNumber, uuid: ctx.uuid };
  if (p.fnNumber) extra.fnNumber = p.fnNumber;
  if (p.fiscalReceiptNumber != null) extra.fiscalReceiptNumber = p.fiscalReceiptNumber;
  if (p.fnsUrl) extra.fnsUrl = p.fnsUrl;
  result.extra = extra;
  return result;
}
