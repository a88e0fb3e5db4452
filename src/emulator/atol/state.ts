/**
 * atol/state.ts — the ATOL emulator's in-memory state: the web server's request queue keyed by uuid (FIFO,
 * processed on the first poll after `processingDelayMs`), the KKT (shift and its age, fiscal document
 * numbers, FN number, documents not yet sent to the OFD and the 30-day limit), the code-validation state
 * machine of the driver (begin → status → accept / decline, 401 when begun twice), and the task executor.
 * Result shapes of the status tasks are [I] (the reference names the tasks, not their answers).
 */
import { createHash } from 'node:crypto';
import { mulberry32 } from '../prng.js';
import { HOUR_MS, isRecord, pad, SHIFT_LIMIT_MS, toEpochMs } from '../fiscal-faults.js';
import { ERR, ERR_TEXT, IMC_TYPES, type AtolFaults } from './schemas.js';
import { validateReceiptTask, type CheckFlags, type ValidReceipt } from './task.js';

/** The fiscal drive blocks when a document waits this long for the OFD. */
export const OFD_LIMIT_MS = 30 * 24 * HOUR_MS;
const MSK_OFFSET_H = 3;

export type TaskStatus = 'wait' | 'inProgress' | 'ready' | 'error' | 'interrupted' | 'canceled';

export interface TaskResultView {
  status: TaskStatus;
  errorCode: number;
  errorDescription: string;
  result?: unknown;
}

export interface AtolRequestView {
  method: string;
  path: string;
  uuid: string | null;
  /** Task types of a POST. */
  tasks: string[];
  at: string;
  /** HTTP status sent; 0 when the connection was reset instead (or the answer is still pending). */
  httpStatus: number;
}

export interface AtolReceiptView {
  uuid: string;
  type: 'sell' | 'sellReturn';
  fiscalDocumentNumber: number;
  fiscalDocumentSign: string;
  fiscalReceiptNumber: number;
  shiftNumber: number;
  fnNumber: string;
  registrationNumber: string;
  /** Roubles. */
  total: number;
  /** Issued while the KKT had no OFD link. */
  offline: boolean;
  issuedAt: string;
  /** The task as received. */
  task: Record<string, unknown>;
  /** The KMs of its marked positions, decoded from `imc`. */
  kms: string[];
}

interface StoredRequest {
  uuid: string;
  tasks: unknown[];
  /** performance.now() when accepted. */
  acceptedAt: number;
  results: TaskResultView[];
  done: boolean;
}

interface Shift {
  number: number;
  openedAt: number;
  receipts: number;
}

interface Validation {
  km: string;
  status: string;
  startedAt: number;
  /** Set once the result is known. */
  result: CheckFlags | null;
  sentImcRequest: boolean;
}

export interface AtolStateOptions {
  seed: number;
  now: () => number;
  /** Default 0. */
  processingDelayMs: number;
  /** How long an online code validation takes (then ready on the next status poll); default 0. */
  validationDelayMs: number;
  fnNumber: string;
  registrationNumber: string;
  serialNumber: string;
}

export class AtolState {
  faults: AtolFaults = {};
  random: () => number;
  readonly requests: AtolRequestView[] = [];
  private readonly queue = new Map<string, StoredRequest>();
  private readonly receiptsIssued: AtolReceiptView[] = [];
  /** KI prefixes (or KMs) the emulated marking server refuses. */
  readonly deniedCodes = new Set<string>();
  fd = 0;
  lastShiftNumber = 0;
  shift: Shift | null = null;
  /** Fiscal documents not yet sent to the OFD (number, issue time). */
  unsent: { fd: number; at: number }[] = [];
  validation: Validation | null = null;
  /** KMs accepted after a driver-side validation (the FN's marking-code table), with their check result. */
  readonly accepted = new Map<string, CheckFlags>();

  constructor(readonly opts: AtolStateOptions) {
    this.random = mulberry32(opts.seed);
  }

  private now(): number {
    return this.opts.now();
  }

  // ---- the web server queue ----------------------------------------------------------------------

  has(uuid: string): boolean {
    return this.queue.has(uuid);
  }

  accept(uuid: string, tasks: unknown[]): void {
    this.queue.set(uuid, {
      uuid,
      tasks,
      acceptedAt: performance.now(),
      results: tasks.map(() => ({ status: 'wait', errorCode: 0, errorDescription: '' })),
      done: false,
    });
  }

  /** Runs every due request in arrival order; a request not yet due holds back those behind it. */
  advance(): void {
    const delay = this.faults.processingDelayMs ?? this.opts.processingDelayMs;
    const t = performance.now();
    for (const r of this.queue.values()) {
      if (r.done) continue;
      if (t - r.acceptedAt < delay) return;
      this.run(r);
    }
  }

  results(uuid: string): TaskResultView[] | null {
    const r = this.queue.get(uuid);
    return r ? structuredClone(r.results) : null;
  }

  /** `DELETE`: a request still waiting is canceled; false when unknown, null when already run. */
  cancel(uuid: string): boolean | null {
    const r = this.queue.get(uuid);
    if (!r) return false;
    if (r.done) return null;
    r.done = true;
    r.results = r.results.map(() => ({ status: 'canceled', errorCode: 0, errorDescription: '' }));
    return true;
  }

  private run(r: StoredRequest): void {
    let failed = false;
    r.results = r.tasks.map((task) => {
      if (failed) return { status: 'interrupted', errorCode: 0, errorDescription: '' };
      const out = this.execute(task, r.uuid);
      if (out.status === 'error') failed = true;
      return out;
    });
    r.done = true;
  }

  // ---- the KKT ------------------------------------------------------------------------------------

  isOffline(): boolean {
    return !!this.faults.offline || this.faults.offlineSince !== undefined;
  }

  /** When unsent documents started waiting (the offlineSince fault pretends an older start). */
  oldestUnsentAt(): number | null {
    if (this.faults.offlineSince !== undefined) return toEpochMs(this.faults.offlineSince);
    return this.unsent.length ? this.unsent[0].at : null;
  }

  private flushOfd(): void {
    if (!this.isOffline()) this.unsent = [];
  }

  shiftState(): 'closed' | 'opened' | 'expired' {
    if (!this.shift) return 'closed';
    return this.now() - this.shift.openedAt > SHIFT_LIMIT_MS ? 'expired' : 'opened';
  }

  setShiftOpenedAt(at: number): void {
    if (!this.shift) this.openShift(at);
    this.shift!.openedAt = at;
  }

  private openShift(at = this.now()): Shift {
    this.lastShiftNumber++;
    this.shift = { number: this.lastShiftNumber, openedAt: at, receipts: 0 };
    this.fiscalDocument();
    return this.shift;
  }

  /** A new fiscal document: its number, and it waits for the OFD while offline. */
  private fiscalDocument(): number {
    this.fd++;
    if (this.isOffline()) this.unsent.push({ fd: this.fd, at: this.now() });
    return this.fd;
  }

  /** ФПД: a 10-digit number derived from the FN and the document number. */
  private sign(fd: number): string {
    const h = createHash('sha256').update(`${this.opts.fnNumber}:${fd}`).digest();
    return String(h.readUInt32BE(0)).padStart(10, '0');
  }

  private kktTime(ms = this.now()): string {
    const d = new Date(ms + MSK_OFFSET_H * HOUR_MS);
    return `${d.toISOString().slice(0, 19)}+${pad(MSK_OFFSET_H, 2)}:00`;
  }

  private fiscalParams(fd: number, extra: Record<string, unknown>): Record<string, unknown> {
    return {
      fiscalDocumentNumber: fd,
      fiscalDocumentSign: this.sign(fd),
      fiscalDocumentDateTime: this.kktTime(),
      fnNumber: this.opts.fnNumber,
      registrationNumber: this.opts.registrationNumber,
      fnsUrl: 'www.nalog.gov.ru',
      ...extra,
    };
  }

  // ---- tasks -------------------------------------------------------------------------------------

  private execute(task: unknown, uuid: string): TaskResultView {
    if (!isRecord(task) || typeof task.type !== 'string') return fail(ERR.RECEIPT_PARSE_ERROR, 'Поле "type" отсутствует');
    if (this.faults.kktUnreachable) return fail(ERR.NO_CONNECTION);
    this.flushOfd();
    switch (task.type) {
      case 'sell':
      case 'sellReturn':
        return this.receipt(task, uuid);
      case 'openShift':
        if (this.shift) return fail(ERR.DENIED_IN_OPENED_SHIFT);
        if (this.paperFault()) return this.paperFault()!;
        this.openShift();
        return ready({ fiscalParams: this.fiscalParams(this.fd, { shiftNumber: this.shift!.number }), warnings: null });
      case 'closeShift': {
        if (!this.shift) return fail(ERR.DENIED_IN_CLOSED_SHIFT);
        if (this.paperFault()) return this.paperFault()!;
        const s = this.shift;
        const fd = this.fiscalDocument();
        this.shift = null;
        if (this.faults.shiftExpired) this.faults = { ...this.faults, shiftExpired: false };
        return ready({ fiscalParams: this.fiscalParams(fd, { shiftNumber: s.number, receiptsCount: s.receipts }), warnings: null });
      }
      case 'getShiftStatus':
        return ready({
          shiftStatus: {
            state: this.shiftState(),
            number: this.shift ? this.shift.number : this.lastShiftNumber,
            // When the shift expires (opened + 24 h) [I].
            dateTime: this.shift ? this.kktTime(this.shift.openedAt + SHIFT_LIMIT_MS) : null,
          },
        });
      case 'ofdExchangeStatus': {
        const first = this.oldestUnsentAt();
        return ready({
          status: {
            notSentCount: this.faults.offlineSince !== undefined ? Math.max(1, this.unsent.length) : this.unsent.length,
            notSentFirstDocNumber: this.unsent.length ? this.unsent[0].fd : 0,
            notSentFirstDocDateTime: first !== null ? this.kktTime(first) : this.kktTime(0),
          },
        });
      }
      case 'getDeviceStatus':
        return ready({
          deviceStatus: {
            currentDateTime: this.kktTime(),
            shift: this.shiftState(),
            paperPresent: !this.faults.paperOut,
            coverOpened: !!this.faults.coverOpen,
            fiscal: true,
            fnFiscal: true,
            fnPresent: true,
            invalidFN: false,
            blocked: false,
            printerConnectionLost: false,
            model: 'ATOL 30F (emulated)',
            serial: this.opts.serialNumber,
          },
        });
      case 'getFnInfo': {
        const first = this.oldestUnsentAt();
        return ready({
          fnInfo: {
            serial: this.opts.fnNumber,
            ffdVersion: '1.2',
            validityDate: this.kktTime(this.now() + 400 * 24 * HOUR_MS),
            warnings: {
              criticalError: false,
              memoryOverflow: !!this.faults.fnFull,
              needReplacement: false,
              resourceExhausted: false,
              ofdTimeout: first !== null && this.now() - first > 25 * 24 * HOUR_MS,
            },
          },
        });
      }
      case 'beginMarkingCodeValidation':
        return this.beginValidation(task);
      case 'getMarkingCodeValidationStatus':
        return this.validationStatus();
      case 'acceptMarkingCode':
      case 'declineMarkingCode':
        return this.finishValidation(task.type === 'acceptMarkingCode');
      case 'cancelMarkingCodeValidation':
        this.validation = null;
        return ready({});
      default:
        return fail(ERR.VALIDATE_FUNC_NOT_FOUND, `${ERR_TEXT[ERR.VALIDATE_FUNC_NOT_FOUND]}: ${task.type}`);
    }
  }

  private paperFault(): TaskResultView | null {
    if (this.faults.coverOpen) return fail(ERR.COVER_OPENED);
    if (this.faults.paperOut) return fail(ERR.NO_PAPER);
    return null;
  }

  private receipt(task: Record<string, unknown>, uuid: string): TaskResultView {
    const v = validateReceiptTask(task);
    if (!v.ok) return fail(v.code, v.text);
    if (this.shiftState() === 'expired') return fail(ERR.SHIFT_EXPIRED);
    const paper = this.paperFault();
    if (paper) return paper;
    if (this.faults.fnFull) return fail(ERR.FN_OVERFLOW);
    const first = this.oldestUnsentAt();
    if (first !== null && this.now() - first > OFD_LIMIT_MS) return fail(ERR.FN_TIMEOUT);
    return this.issue(v.receipt, task, uuid);
  }

  private issue(r: ValidReceipt, task: Record<string, unknown>, uuid: string): TaskResultView {
    const shift = this.shift ?? this.openShift();
    const fd = this.fiscalDocument();
    shift.receipts++;
    const kms = r.positions.filter((p) => p.km !== undefined).map((p) => p.km!);
    for (const km of kms) this.accepted.delete(km);
    const params = this.fiscalParams(fd, { shiftNumber: shift.number, fiscalReceiptNumber: shift.receipts, total: r.totalMinor / 100 });
    this.receiptsIssued.push({
      uuid,
      type: r.type,
      fiscalDocumentNumber: fd,
      fiscalDocumentSign: params.fiscalDocumentSign as string,
      fiscalReceiptNumber: shift.receipts,
      shiftNumber: shift.number,
      fnNumber: this.opts.fnNumber,
      registrationNumber: this.opts.registrationNumber,
      total: r.totalMinor / 100,
      offline: this.isOffline(),
      issuedAt: new Date(this.now()).toISOString(),
      task: structuredClone(task),
      kms,
    });
    return ready({ fiscalParams: params, warnings: null });
  }

  // ---- driver-side code validation (begin → status → accept / decline) -----------------------------

  private beginValidation(task: Record<string, unknown>): TaskResultView {
    if (this.validation) return fail(ERR.MARKING_CODE_VALIDATION_IN_PROGRESS);
    const p = task.params;
    if (!isRecord(p)) return fail(ERR.RECEIPT_PARSE_ERROR, 'Поле "params" отсутствует');
    if (typeof p.imc !== 'string' || p.imc === '') return fail(ERR.RECEIPT_PARSE_ERROR, 'Поле "params.imc" отсутствует');
    if (p.imcType !== undefined && !IMC_TYPES.includes(String(p.imcType)) && typeof p.imcType !== 'number') return fail(ERR.RECEIPT_PARSE_ERROR, `Некорректное значение поля "params.imcType" (${String(p.imcType)})`);
    const status = typeof p.itemEstimatedStatus === 'string' ? p.itemEstimatedStatus : '';
    if (!['itemPieceSold', 'itemDryForSale', 'itemPieceReturn', 'itemDryReturn'].includes(status)) return fail(ERR.INVALID_MARKING_CODE_STATUS);
    const km = Buffer.from(p.imc, 'base64').toString('latin1');
    if (!/^01\d{14}21/.test(km)) return fail(ERR.RECEIPT_PARSE_ERROR, 'params.imc: код маркировки не распознан');
    this.validation = { km, status, startedAt: performance.now(), result: null, sentImcRequest: !this.isOffline() };
    // The FN verifies the crypto tail at once (offline validation); the online answer comes later.
    return ready({ offlineValidation: { fmCheck: true, fmCheckResult: true, fmCheckErrorReason: 'checked' } });
  }

  private denied(km: string): boolean {
    for (const d of this.deniedCodes) if (km.startsWith(d)) return true;
    return false;
  }

  private validationStatus(): TaskResultView {
    const v = this.validation;
    if (!v) return fail(ERR.INVALID_STATE);
    if (!v.result) {
      if (this.isOffline()) {
        // No OFD / marking server: the KKT answers autonomously with the FN's own check.
        v.result = { imcCheckFlag: true, imcCheckResult: true, imcStatusInfo: false, imcEstimatedStatusCorrect: false, ecrStandAloneFlag: true };
      } else if (performance.now() - v.startedAt >= this.opts.validationDelayMs) {
        const ok = !this.denied(v.km);
        v.result = { imcCheckFlag: true, imcCheckResult: ok, imcStatusInfo: true, imcEstimatedStatusCorrect: ok, ecrStandAloneFlag: false };
      }
    }
    if (!v.result) return ready({ ready: false, sentImcRequest: v.sentImcRequest });
    const online = !v.result.ecrStandAloneFlag;
    return ready({
      ready: true,
      sentImcRequest: v.sentImcRequest,
      ...(online
        ? {
            onlineValidation: {
              itemInfoCheckResult: v.result,
              markOperatorResponseResult: 'correct',
              markOperatorItemStatus: v.result.imcEstimatedStatusCorrect ? 'itemEstimatedStatusCorrect' : 'itemEstimatedStatusIncorrect',
              markOperatorResponse: { responseStatus: true, itemStatusCheck: v.result.imcEstimatedStatusCorrect },
            },
          }
        : { offlineValidation: { fmCheck: true, fmCheckResult: true, fmCheckErrorReason: 'checked', itemInfoCheckResult: v.result } }),
    });
  }

  private finishValidation(accept: boolean): TaskResultView {
    const v = this.validation;
    if (!v || !v.result) return fail(ERR.INVALID_STATE);
    this.validation = null;
    if (accept) this.accepted.set(v.km, v.result);
    return ready({ itemInfoCheckResult: v.result });
  }

  // ---- views -------------------------------------------------------------------------------------

  receiptViews(): AtolReceiptView[] {
    return this.receiptsIssued.map((r) => structuredClone(r));
  }

  kktView(): Record<string, unknown> {
    return {
      fnNumber: this.opts.fnNumber,
      registrationNumber: this.opts.registrationNumber,
      serialNumber: this.opts.serialNumber,
      lastFiscalDocumentNumber: this.fd,
      shift: this.shift ? { number: this.shift.number, openedAt: new Date(this.shift.openedAt).toISOString(), receipts: this.shift.receipts, state: this.shiftState() } : null,
      unsentDocuments: this.unsent.length,
      validation: this.validation ? { status: this.validation.status, ready: this.validation.result !== null } : null,
      acceptedCodes: this.accepted.size,
    };
  }

  reset(): void {
    this.faults = {};
    this.random = mulberry32(this.opts.seed);
    this.requests.length = 0;
    this.queue.clear();
    this.receiptsIssued.length = 0;
    this.deniedCodes.clear();
    this.fd = 0;
    this.lastShiftNumber = 0;
    this.shift = null;
    this.unsent = [];
    this.validation = null;
    this.accepted.clear();
  }
}

function ready(result: unknown): TaskResultView {
  return { status: 'ready', errorCode: ERR.OK, errorDescription: ERR_TEXT[ERR.OK], result };
}

function fail(code: number, text?: string): TaskResultView {
  return { status: 'error', errorCode: code, errorDescription: text ?? ERR_TEXT[code] ?? `Ошибка ${code}` };
}
