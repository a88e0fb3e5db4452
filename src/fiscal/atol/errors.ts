/**
 * libfptr (ДТО10) error codes a task result carries (`results[].errorCode`), and what each means for a
 * receipt. Numbers from the driver's constant tables (libfptr10 Java/C# bindings in the corpus) [S]; the
 * grouping is ours [I]:
 * - `blocked`: the register refuses every receipt until someone acts (paper, cover, FN full or expired,
 *   the 30-day OFD limit, shift expired and not closed): stop this register's queue and say what to do;
 * - `transient`: the task did not run through (no link to the KKT, busy, the marking server slow): later;
 * - `ambiguous`: the KKT may have closed the receipt although the task ended in error (closing interrupted):
 *   never resent blind;
 * - everything else: the receipt data was refused (`permanent`).
 */
import { FiscalError, type FiscalErrorKind } from '../types.js';

export const LIBFPTR = {
  OK: 0,
  CONNECTION_DISABLED: 1,
  NO_CONNECTION: 2,
  PORT_BUSY: 3,
  PORT_NOT_AVAILABLE: 4,
  INCORRECT_DATA: 5,
  INVALID_PARAM: 13,
  INVALID_SUM: 16,
  INVALID_QUANTITY: 17,
  CHECK_DATE_TIME: 35,
  NO_PAPER: 44,
  COVER_OPENED: 45,
  PRINTER_FAULT: 46,
  MECHANICAL_FAULT: 47,
  BUSY: 55,
  NOT_FULLY_PAID: 66,
  SHIFT_EXPIRED: 68,
  DENIED_IN_CLOSED_SHIFT: 73,
  DENIED_IN_OPENED_RECEIPT: 82,
  DENIED_IN_OPENED_SHIFT: 83,
  FISCAL_PRINTER_NOT_ACTIVATED: 89,
  NEED_FULL_RESET: 95,
  DENIED_BY_LICENSE: 96,
  NEED_TECHNICAL_SUPPORT: 105,
  PRINTER_OVERHEAT: 114,
  FN_INVALID_STATE: 117,
  FN_FAULT: 118,
  FN_EXPIRED: 120,
  FN_OVERFLOW: 121,
  NEED_RESET_JOURNAL: 127,
  LOW_BATTERY: 132,
  FN_CRYPTO_HAS_EXPIRED: 136,
  FN_RESOURCE_HAS_EXPIRED: 137,
  /** "Исчерпан ресурс ожидания передачи сообщения": documents unsent to the OFD for 30 days. */
  FN_TIMEOUT: 140,
  FN_SHIFT_EXPIRED: 141,
  CUTTER_FAULT: 150,
  REPORT_INTERRUPTED: 151,
  NO_REQUIRED_FISCAL_PROPERTY: 161,
  FN_NOT_FOUND: 166,
  CLOSE_RECEIPT_INTERRUPTED: 177,
  FN_QUERY_INTERRUPTED: 178,
  WAIT_FOR_REBOOT: 188,
  NO_LICENSE: 189,
  NEED_CANCEL_DOCUMENT: 203,
  INVALID_FISCAL_PROPERTY_VALUE_1212: 217,
  NEED_REGISTRATION: 225,
  INVALID_TOTAL: 227,
  MARKING_CODE_VALIDATION_IN_PROGRESS: 401,
  NO_CONNECTION_WITH_SERVER: 402,
  MARKING_CODE_VALIDATION_CANCELED: 403,
  INVALID_MARKING_CODE_STATUS: 404,
  INVALID_GS1: 405,
  MARKING_WORK_DENIED: 406,
  MARKING_WORK_TEMPORARY_BLOCKED: 407,
  MARKS_OVERFLOW: 408,
  INVALID_MARKING_CODE: 409,
  INVALID_STATE: 410,
  OFD_EXCHANGE: 411,
  INVALID_MEASUREMENT_UNIT: 412,
  HAS_NOT_SEND_NOTICES: 417,
  UPDATE_KEYS_REQUIRED: 418,
  MARK_CHECK_TIMEOUT_EXPIRED: 421,
  CHEKING_MARK_IN_PROGRESS: 423,
  RECEIPT_PARSE_ERROR: 501,
  INTERRUPTED_BY_PREVIOUS_ERRORS: 502,
  VALIDATE_FUNC_NOT_FOUND: 504,
  RCP_SERVER_BUSY: 601,
  RCP_SERVER_EXCHANGE: 603,
} as const;

/** What someone at the till must do, per blocking code. */
const BLOCKED_ADVICE: Record<number, string> = {
  [LIBFPTR.NO_PAPER]: 'load receipt paper into the cash register; receipts wait',
  [LIBFPTR.COVER_OPENED]: 'close the printer cover of the cash register; receipts wait',
  [LIBFPTR.PRINTER_FAULT]: 'the cash register lost its receipt printer: check the printer and its cable; receipts wait',
  [LIBFPTR.MECHANICAL_FAULT]: 'the receipt printer reports a mechanical fault (paper jam?): clear it; receipts wait',
  [LIBFPTR.CUTTER_FAULT]: 'the receipt cutter is jammed: clear it; receipts wait',
  [LIBFPTR.SHIFT_EXPIRED]: 'the shift is open for more than 24 hours: close it (Z report) on the cash register; receipts wait',
  [LIBFPTR.FN_SHIFT_EXPIRED]: 'the fiscal drive shift is open for more than 24 hours: close the shift on the cash register; receipts wait',
  [LIBFPTR.FN_TIMEOUT]:
    'the fiscal drive holds documents not sent to the OFD for 30 days and blocks: restore the OFD link (network, OFD contract) and let the register send them; receipts wait',
  [LIBFPTR.FN_OVERFLOW]: 'the fiscal drive archive is full: replace the fiscal drive (re-registration with the FNS); receipts wait',
  [LIBFPTR.FN_RESOURCE_HAS_EXPIRED]: 'the fiscal drive storage is exhausted: replace the fiscal drive; receipts wait',
  [LIBFPTR.FN_EXPIRED]: 'the fiscal drive has expired: replace it and re-register the cash register; receipts wait',
  [LIBFPTR.FN_CRYPTO_HAS_EXPIRED]: 'the fiscal drive crypto resource is exhausted: replace the fiscal drive; receipts wait',
  [LIBFPTR.FN_FAULT]: 'the fiscal drive reports a fatal error: call the cash register service; receipts wait',
  [LIBFPTR.FN_NOT_FOUND]: 'no fiscal drive found in the cash register: call the cash register service; receipts wait',
  [LIBFPTR.FN_INVALID_STATE]: 'the fiscal drive is in a wrong state (not registered or closed): call the cash register service; receipts wait',
  [LIBFPTR.FISCAL_PRINTER_NOT_ACTIVATED]: 'the cash register is not registered with the FNS: register it; receipts wait',
  [LIBFPTR.NEED_REGISTRATION]: 'the cash register needs (re-)registration: do it in the ATOL driver; receipts wait',
  [LIBFPTR.DENIED_BY_LICENSE]: 'the cash register firmware licence does not allow this: install the licence; receipts wait',
  [LIBFPTR.NO_LICENSE]: 'the cash register has no suitable licence (e.g. for FFD 1.2 marking): install it; receipts wait',
  [LIBFPTR.NEED_TECHNICAL_SUPPORT]: 'the cash register asks for maintenance: call the service; receipts wait',
  [LIBFPTR.NEED_FULL_RESET]: 'the cash register needs a full reset: call the service; receipts wait',
  [LIBFPTR.NEED_RESET_JOURNAL]: 'the electronic journal must be cleared: call the service; receipts wait',
  [LIBFPTR.CHECK_DATE_TIME]: 'the cash register clock is wrong: check the date and time on it; receipts wait',
  [LIBFPTR.LOW_BATTERY]: 'the cash register battery is low: connect power; receipts wait',
  [LIBFPTR.WAIT_FOR_REBOOT]: 'the cash register must be restarted: switch it off and on; receipts wait',
  [LIBFPTR.DENIED_IN_OPENED_RECEIPT]: 'a receipt is left open on the cash register: cancel it in the ATOL driver; receipts wait',
  [LIBFPTR.MARKING_WORK_DENIED]: 'the cash register is not registered for marked goods: re-register it with the marking flag; receipts wait',
  [LIBFPTR.MARKS_OVERFLOW]: 'the marking-code table of the fiscal drive is full: let it send its notices to the OFD; receipts wait',
  [LIBFPTR.HAS_NOT_SEND_NOTICES]: 'the fiscal drive has marking notices not sent to the OFD: restore the OFD link; receipts wait',
  [LIBFPTR.UPDATE_KEYS_REQUIRED]: 'the fiscal drive must update its code-check keys: run the key update in the ATOL driver; receipts wait',
};

const TRANSIENT = new Set<number>([
  LIBFPTR.CONNECTION_DISABLED,
  LIBFPTR.NO_CONNECTION,
  LIBFPTR.PORT_BUSY,
  LIBFPTR.PORT_NOT_AVAILABLE,
  LIBFPTR.BUSY,
  LIBFPTR.PRINTER_OVERHEAT,
  LIBFPTR.FN_QUERY_INTERRUPTED,
  LIBFPTR.MARKING_CODE_VALIDATION_IN_PROGRESS,
  LIBFPTR.NO_CONNECTION_WITH_SERVER,
  LIBFPTR.MARKING_CODE_VALIDATION_CANCELED,
  LIBFPTR.MARKING_WORK_TEMPORARY_BLOCKED,
  LIBFPTR.OFD_EXCHANGE,
  LIBFPTR.MARK_CHECK_TIMEOUT_EXPIRED,
  LIBFPTR.CHEKING_MARK_IN_PROGRESS,
  LIBFPTR.INTERRUPTED_BY_PREVIOUS_ERRORS,
  LIBFPTR.RCP_SERVER_BUSY,
  LIBFPTR.RCP_SERVER_EXCHANGE,
]);

/** The receipt may have been closed although the task reports an error: never resend it blind. */
const AMBIGUOUS = new Set<number>([LIBFPTR.CLOSE_RECEIPT_INTERRUPTED, LIBFPTR.NEED_CANCEL_DOCUMENT, LIBFPTR.REPORT_INTERRUPTED]);

export type LibfptrClass = 'blocked' | 'transient' | 'ambiguous' | 'permanent';

export function classifyLibfptr(code: number): LibfptrClass {
  if (AMBIGUOUS.has(code)) return 'ambiguous';
  if (BLOCKED_ADVICE[code] !== undefined) return 'blocked';
  if (TRANSIENT.has(code)) return 'transient';
  return 'permanent';
}

/** Shift older than 24 h, by the KKT or by the fiscal drive. */
export function isShiftExpired(code: number): boolean {
  return code === LIBFPTR.SHIFT_EXPIRED || code === LIBFPTR.FN_SHIFT_EXPIRED;
}

/** A task that ended in error → FiscalError (`what` names the call, e.g. `sell`). */
export function atolError(code: number, description: string | null | undefined, what: string): FiscalError {
  const cls = classifyLibfptr(code);
  const text = description?.trim() ? `${code} "${description.trim()}"` : String(code);
  const details = { channelCode: code };
  if (cls === 'ambiguous') {
    return new FiscalError(
      'permanent',
      `atol-${code}`,
      `${what}: ATOL error ${text}: the receipt may have been closed on the cash register; tanba does not send it again. Look at the last fiscal document on the register and record the sale by hand if it is there`,
      details,
    );
  }
  const kind: FiscalErrorKind = cls;
  const advice = BLOCKED_ADVICE[code];
  return new FiscalError(kind, `atol-${code}`, `${what}: ATOL error ${text}${advice ? `: ${advice}` : ''}`, details);
}
