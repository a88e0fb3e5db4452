/**
 * The Uzbek fiscal module's refusals → FiscalError. The module answers on HTTP 200 with a JSON-RPC
 * `error {code, message}` (fiscal-channels.md §3.1 table); applet status words (0x90xx, E-POS
 * integration guide §3) arrive as the code with their name as the message, and some installs
 * answer only a text ("cannot connect card", "fiscal drive locked"). Multikassa proxies the same
 * codes (as `#2D`-style texts), so its channel uses this table too. An explicit refusal means the
 * module did not sign the receipt.
 *
 * Decisions (one line each below to change):
 * - 65534 / 65535 (module not reachable over USB, or not found by its FactoryID) → `transient`,
 *   with the advice to check the USB cable; "cannot connect card" / FISCAL_DRIVE_IS_NOT_WORKING likewise;
 * - 65279 / "fiscal drive locked" (the OFD blocked the module) → `blocked`;
 * - 65529 (decryption error) and "try later" → `transient`: send again;
 * - 65531 (balance), 65532 (bad JSON), 65533 (applet error), 65525 (applet version) → `permanent`;
 * - 65528 (the Communicator's database) → `permanent`, with advice to look at the module's receipts
 *   before an operator retries (the signing may have happened before the database failed);
 * - receipt memory full, storage days exceeded, locked forever, maintenance required, Z-report memory
 *   full, shift not open, too many operations in the shift, receipt time older than the last one
 *   (the till's clock) → `blocked`: every receipt would meet it until someone acts;
 * - not enough cash/card/VAT in the shift for a refund, total zero or mismatched → `permanent`;
 * - JSON-RPC protocol errors (-32700…-32600) and anything unknown → `permanent`.
 */
import { FiscalError, type FiscalErrorKind } from '../types.js';

/** Codes the table knows. */
export const FM_CODES = {
  BALANCE: 65531,
  BAD_JSON: 65532,
  APPLET: 65533,
  UNPLUGGED: 65534,
  NOT_FOUND: 65535,
  DECRYPTION: 65529,
  DB: 65528,
  APPLET_VERSION: 65525,
  OFD_BLOCKED: 65279,
  RECEIPT_COUNT_ZERO: 0x9006,
  RECEIPT_INDEX_OUT_OF_BOUNDS: 0x9007,
  RECEIPT_NOT_FOUND: 0x9008,
  ZREPORT_INDEX_OUT_OF_BOUNDS: 0x9026,
  ZREPORT_IS_NOT_OPEN: 0x902d,
  ZREPORT_IS_ALREADY_OPEN: 0x9030,
  NO_SUCH_METHOD: -32601,
} as const;

/** Applet status-word names (the message some installs send instead of, or with, the code). */
const NAMES: Record<string, number> = {
  ERROR_RECEIPT_COUNT_ZERO: 0x9006,
  ERROR_RECEIPT_INDEX_OUT_OF_BOUNDS: 0x9007,
  ERROR_RECEIPT_NOT_FOUND: 0x9008,
  ERROR_RECEIPT_TOTAL_PRICE_OVERFLOW: 0x900e,
  ERROR_RECEIPT_TOTAL_PRICE_MISMATCH: 0x900f,
  ERROR_RECEIPT_MEMORY_FULL: 0x9016,
  ERROR_RECEIPT_TIME_PAST: 0x9018,
  ERROR_RECEIPT_STORE_DAYS_LIMIT_EXCEEDED: 0x9019,
  ERROR_ZREPORT_SPACE_IS_FULL: 0x9022,
  ERROR_ZREPORT_INDEX_OUT_OF_BOUNDS: 0x9026,
  ERROR_LOCKED_FOREVER: 0x9028,
  ERROR_CURRENT_ZREPORT_IS_EMPTY: 0x902b,
  ERROR_RECEIPT_TOTAL_PRICE_ZERO: 0x902c,
  ERROR_ZREPORT_IS_NOT_OPEN: 0x902d,
  ERROR_SALE_REFUND_COUNT_OVERFLOW: 0x902f,
  ERROR_ZREPORT_IS_ALREADY_OPEN: 0x9030,
  ERROR_NOT_ENOUGH_CASH_FOR_REFUND: 0x9031,
  ERROR_NOT_ENOUGH_CARD_FOR_REFUND: 0x9032,
  ERROR_NOT_ENOUGH_VAT_FOR_REFUND: 0x9033,
  ERROR_MAINTENANCE_REQUIRED: 0x9035,
  NO_SUCH_METHOD_AVAILABLE: -32601,
};

const USB = 'the fiscal module is not reachable: check its USB cable (re-plug it) and that E-POS Communicator is running; receipts wait and go out once it answers';

const TABLE: Record<number, { kind: FiscalErrorKind; advice: string }> = {
  65534: { kind: 'transient', advice: USB },
  65535: { kind: 'transient', advice: `${USB}; also check the register's factoryId (Api.ListFiscalDrives lists the attached modules)` },
  65279: {
    kind: 'blocked',
    advice: 'the OFD has blocked this fiscal module (receipts not delivered for too long): restore the internet link of the till and contact the OFD; once unblocked, wait about 10 minutes and restart FiscalDriveAPI; receipts wait',
  },
  65529: { kind: 'transient', advice: 'the module could not decrypt the request; it is sent again' },
  65531: { kind: 'permanent', advice: 'the balance rule is violated: Σ(Price − Discount) must equal ReceivedCash + ReceivedCard + ΣOther' },
  65532: { kind: 'permanent', advice: 'the module could not read the request (bad JSON)' },
  65533: { kind: 'permanent', advice: 'the fiscal module (applet) refused the receipt' },
  65528: { kind: 'permanent', advice: "the Communicator's database failed: check the module's receipts (X report) before retrying this one" },
  65525: { kind: 'permanent', advice: 'the applet version of the module is not supported: update E-POS Communicator / the module' },
  0x900e: { kind: 'permanent', advice: 'the receipt total exceeds what the module accepts' },
  0x900f: { kind: 'permanent', advice: 'the receipt total does not match its items' },
  0x9016: { kind: 'blocked', advice: "the module's receipt memory is full: connect the till to the internet so the receipts reach the OFD; receipts wait" },
  0x9018: { kind: 'blocked', advice: "the receipt time is older than the module's last receipt: check the till's clock; receipts wait" },
  0x9019: { kind: 'blocked', advice: 'receipts have been kept too many days without reaching the OFD: connect the till to the internet; receipts wait' },
  0x9022: { kind: 'blocked', advice: "the module's Z-report memory is full: contact the module's service; receipts wait" },
  0x9028: { kind: 'blocked', advice: 'the fiscal module is locked: contact the OFD / the module service; receipts wait' },
  0x902c: { kind: 'permanent', advice: 'a receipt total cannot be zero' },
  0x902d: { kind: 'blocked', advice: 'the shift (Z report) is not open: open it on the module; receipts wait' },
  0x902f: { kind: 'blocked', advice: 'the shift holds the maximum number of operations: close it (Z report) and open a new one; receipts wait' },
  0x9031: { kind: 'permanent', advice: 'the shift does not hold enough cash for this refund' },
  0x9032: { kind: 'permanent', advice: 'the shift does not hold enough card payments for this refund' },
  0x9033: { kind: 'permanent', advice: 'the shift does not hold enough VAT for this refund' },
  0x9035: { kind: 'blocked', advice: 'the OFD requires maintenance of the module: contact the OFD; receipts wait' },
  [-32601]: { kind: 'permanent', advice: 'the module does not offer this method: update E-POS Communicator' },
};

/** The code a refusal means: the numeric code, else a known name or text in the message. */
export function fmCode(code: number | null | undefined, message: string | null | undefined): number | null {
  const m = message ?? '';
  if (typeof code === 'number' && TABLE[code] !== undefined) return code;
  for (const [name, c] of Object.entries(NAMES)) if (m.includes(name)) return c;
  const hash = /#([0-9A-Fa-f]{2})\b/.exec(m);
  if (hash) return 0x9000 | parseInt(hash[1], 16);
  if (/cannot connect card|FISCAL_DRIVE_IS_NOT_WORKING|cannot select applet/i.test(m)) return 65534;
  if (/fiscal drive locked/i.test(m)) return 65279;
  return typeof code === 'number' ? code : null;
}

/** A refusal → FiscalError. `prefix` names the channel in the stable code (`uzfm`, `multikassa`). */
export function fmError(code: number | null | undefined, message: string | null | undefined, what: string, prefix = 'uzfm'): FiscalError {
  const c = fmCode(code, message);
  const entry = c === null ? undefined : TABLE[c];
  let kind: FiscalErrorKind = entry?.kind ?? 'permanent';
  if (c === null && /try later/i.test(message ?? '')) kind = 'transient';
  const text = (message ?? '').slice(0, 300).trim();
  const shown = c === null ? text || 'no code' : `${c}${text && text !== String(c) ? ` ${text}` : ''}`;
  return new FiscalError(kind, `${prefix}-${c ?? 'unknown'}`, `${what}: fiscal module error ${shown}${entry ? `: ${entry.advice}` : ''}`, c === null ? {} : { channelCode: c });
}

export const isShiftClosed = (e: FiscalError): boolean => e.details.channelCode === FM_CODES.ZREPORT_IS_NOT_OPEN;
export const isUnplugged = (e: FiscalError): boolean => e.details.channelCode === FM_CODES.UNPLUGGED || e.details.channelCode === FM_CODES.NOT_FOUND;
export const isNoSuchMethod = (e: FiscalError): boolean => e.details.channelCode === FM_CODES.NO_SUCH_METHOD;
export const isNoReceipts = (e: FiscalError): boolean =>
  e.details.channelCode === FM_CODES.RECEIPT_COUNT_ZERO || e.details.channelCode === FM_CODES.RECEIPT_INDEX_OUT_OF_BOUNDS || e.details.channelCode === FM_CODES.RECEIPT_NOT_FOUND;
