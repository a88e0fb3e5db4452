/**
 * The ATOL fiscal channel (ДТО10 web server, JSON tasks; fiscal-channels.md §2): sell / refund / findByKey /
 * health for one cash register (KKT) behind one web server.
 *
 * A receipt is one request `{uuid, request: [sell | sellReturn]}` polled until its task is finished. The
 * uuid is derived from the idempotency key (uuid.ts): a resend with the same key is answered 409 and the
 * channel reads that request's result, so it never makes a second receipt. A task that ended in error keeps
 * its uuid, so the next try of the same receipt takes the next attempt's uuid — only after the previous one is
 * proven refused (status `error`, or never run). `findByKey` walks the same chain: the first uuid the web
 * server does not know proves the receipt was never issued.
 *
 * What a refusal means (errors.ts): shift > 24 h (68) → with `autoCloseShift`, `closeShift` + `openShift`, then
 * the receipt once more; paper, cover, fiscal drive full / expired, 30 days unsent → `blocked` with the advice;
 * "closing interrupted" → dead letter, never resent blind; data errors → `permanent`. A task still pending when
 * `pollTimeoutMs` passes → `unknown-result` (the relay reconciles later). All calls of one channel instance run
 * one at a time through a serial queue: requests to one KKT never overlap.
 *
 * Besides the FiscalChannel contract, `validateMarkingCode` runs the driver's own pre-sale check of a code
 * (validation.ts) for stores without a ТС ПИоТ service of their own.
 */
import { problemOf as sharedProblemOf } from '../problems.js';
import { randomUUID } from 'node:crypto';
import { FiscalError, type ChannelHealth, type ChannelIntakeProblem, type ChannelProblem, type FiscalChannel } from '../types.js';
import type { FiscalReceipt, FiscalResult, MarkCode } from '../../sale/types.js';
import { SerialQueue, silentLogger, type FiscalLogger } from '../http.js';
import {
  deviceStatusSchema,
  fnInfoSchema,
  ofdExchangeStatusSchema,
  receiptResultSchema,
  shiftStatusSchema,
  taskState,
  toFiscalResult,
  type RequestAnswer,
  type TaskResult,
} from './answer.js';
import { atolTaxType, buildReceiptTask, isPieceUnit } from './body.js';
import { AtolClient } from './client.js';
import { atolConfigSchema, type AtolConfig, type AtolConfigInput } from './config.js';
import { atolError, classifyLibfptr, isShiftExpired, LIBFPTR } from './errors.js';
import { atolRequestUuid } from './uuid.js';
import { validateCode, type CodeValidation, type CodeValidationOptions } from './validation.js';

export { atolConfigSchema, DEFAULT_ATOL_VAT_TYPES, ATOL_TAX_TYPES, ATOL_TAXATION_TYPES, type AtolConfig, type AtolConfigInput, type AtolTaxType } from './config.js';
export { atolRequestUuid, uuidV5, isUuid, ATOL_UUID_NAMESPACE } from './uuid.js';
export {
  buildReceiptTask,
  atolImc,
  atolUnit,
  atolTaxType,
  atolIndustryDate,
  itemInfoCheckResult,
  ATOL_UNITS,
  type AtolReceiptTask,
  type AtolPosition,
  type AtolImcParams,
  type AtolIndustryInfo,
  type ItemInfoCheckResult,
} from './body.js';
export { LIBFPTR, classifyLibfptr, atolError } from './errors.js';
export { atolDateToIso, fnsQr, toFiscalResult } from './answer.js';
export type { CodeValidation, CodeValidationOptions } from './validation.js';

export interface AtolDeps {
  logger?: FiscalLogger;
  /** Clock (epoch ms) for fallbacks (an answer without a date) and the age of unsent documents; default Date.now. */
  now?: () => number;
}

export type AtolChannel = FiscalChannel & {
  close(): Promise<void>;
  /**
   * Driver-side pre-sale check of one code (for stores without a ТС ПИоТ service of their own): begin →
   * status → accept / decline on the KKT within the budget. An accepted code's position later goes without
   * a check result of ours (the KKT holds it). Never blocks the sale by itself: out of time = not checked.
   */
  validateMarkingCode(code: Pick<MarkCode, 'km'>, opts?: CodeValidationOptions): Promise<CodeValidation>;
};

/** Health waits at most this long for its status request. */
const HEALTH_POLL_MS = 10_000;
/** The fiscal drive blocks when a document waits this long for the OFD. */
const OFD_LIMIT_DAYS = 30;
const DAY = 86_400_000;
/** Keys whose next attempt is remembered (older entries are forgotten; the chain is walked again then). */
const ATTEMPT_CACHE = 10_000;
/** Codes accepted by a driver-side validation and not yet sold, at most. */
const ACCEPTED_CACHE = 1_000;

export function createAtolChannel(config: AtolConfigInput, deps: AtolDeps = {}): AtolChannel {
  return new Atol(atolConfigSchema.parse(config), deps);
}

type Operation = 'sale' | 'return';

class Atol implements FiscalChannel {
  readonly name = 'atol';
  readonly idempotent = true;
  readonly requestsPerMinute = null;
  private readonly client: AtolClient;
  private readonly queue = new SerialQueue();
  private readonly logger: FiscalLogger;
  private readonly now: () => number;
  /** Per key: the first attempt not proven refused (every earlier uuid ended in error or never ran). */
  private readonly nextAttempt = new Map<string, number>();
  /** The last refusal that blocks the register, cleared by the next success. */
  private blockedBy: FiscalError | null = null;
  private lastShift: number | undefined;
  /** KMs the KKT validated and accepted (driver-side check), until a receipt carries them. */
  private readonly driverChecked = new Set<string>();
  private closed = false;

  constructor(private readonly config: AtolConfig, deps: AtolDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? Date.now;
    this.client = new AtolClient(config, this.logger);
  }

  validate(receipt: FiscalReceipt): ChannelIntakeProblem[] {
    if (receipt.legacy) {
      return [{ field: 'lines', problem: 'legacy items carry no names, prices or VAT rates, which an ATOL receipt needs', fix: 'send `lines` with name, price and vatRate' }];
    }
    const problems: ChannelIntakeProblem[] = [];
    receipt.lines.forEach((l, i) => {
      if (!atolTaxType(l.vatRate, this.config)) {
        problems.push({
          field: `lines[${i}].vatRate`,
          problem: `VAT rate ${l.vatRate} % has no ATOL tax type`,
          fix: `use one of ${Object.keys(this.config.vatTypes).join(', ')} or null, or map the rate in the register's fiscal.vatTypes`,
        });
      }
      if (l.codes.length === 0) return;
      const piece = isPieceUnit(l.unit);
      if (piece && !Number.isInteger(l.quantity)) {
        problems.push({
          field: `lines[${i}].quantity`,
          problem: `a marked piece line sold in part (quantity ${l.quantity}) needs its fraction (itemFractionalAmount), which tanba does not send to ATOL`,
          fix: 'sell whole units: quantity = the number of marking codes',
        });
      } else if (piece && l.codes.length !== l.quantity) {
        problems.push({ field: `lines[${i}].codes`, problem: `${l.codes.length} marking codes for quantity ${l.quantity}`, fix: 'one marking code per unit' });
      } else if (!piece && l.codes.length > 1) {
        problems.push({ field: `lines[${i}].codes`, problem: 'a measured (weight, volume) marked line carries one marking code', fix: 'one line per marked item' });
      }
    });
    return problems;
  }

  sell(receipt: FiscalReceipt, key: string): Promise<FiscalResult> {
    return this.enqueue(() => this.issue(receipt, key, 'sale'));
  }

  refund(receipt: FiscalReceipt, _basis: FiscalResult, key: string): Promise<FiscalResult> {
    // RU: a return receipt carries the same KM with itemPieceReturn; FFD 1.2 has no tag naming the sale.
    return this.enqueue(() => this.issue(receipt, key, 'return'));
  }

  findByKey(key: string, receipt: FiscalReceipt, basis?: FiscalResult): Promise<FiscalResult | null> {
    return this.enqueue(() => this.lookup(key, receipt, basis ? 'return' : receipt.type === 'return' ? 'return' : 'sale'));
  }

  validateMarkingCode(code: Pick<MarkCode, 'km'>, opts: CodeValidationOptions = {}): Promise<CodeValidation> {
    const deadline = performance.now() + (opts.budgetMs ?? 1_500);
    return this.enqueue(async () => {
      const v = await validateCode({ client: this.client, pollIntervalMs: Math.min(this.config.pollIntervalMs, 50), now: this.now, deadline }, code, opts);
      if (v.accepted) {
        this.driverChecked.add(code.km);
        if (this.driverChecked.size > ACCEPTED_CACHE) this.driverChecked.delete(this.driverChecked.values().next().value!);
      }
      return v;
    });
  }

  health(): Promise<ChannelHealth> {
    if (this.closed) return Promise.resolve({ ok: false, problems: [{ code: 'channel-closed', message: 'the ATOL channel is closed' }] });
    return this.queue.run(() => this.checkHealth());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.client.abort();
    await this.queue.idle();
    this.client.close();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new FiscalError('transient', 'channel-closed', 'the ATOL channel is closed'));
    return this.queue.run(task);
  }

  private remember(key: string, attempt: number): void {
    this.nextAttempt.delete(key);
    this.nextAttempt.set(key, attempt);
    if (this.nextAttempt.size > ATTEMPT_CACHE) this.nextAttempt.delete(this.nextAttempt.keys().next().value!);
  }

  // ---- receipts ----------------------------------------------------------------------------------

  private async issue(receipt: FiscalReceipt, key: string, operation: Operation): Promise<FiscalResult> {
    const task = buildReceiptTask(receipt, { config: this.config, operation, driverChecked: (km) => this.driverChecked.has(km) });
    const what = task.type;
    let shiftClosed = false;
    for (let attempt = this.nextAttempt.get(key) ?? 0; ; attempt++) {
      if (attempt >= this.config.maxAttempts) {
        throw new FiscalError('permanent', 'atol-attempts', `${what}: ${attempt} attempts of this receipt were refused by the cash register; look at the register's journal`);
      }
      const uuid = atolRequestUuid(key, attempt);
      const submitted = await this.client.submit(uuid, [task], true);
      if (submitted === 'duplicate') this.logger.info({ channel: 'atol', attempt }, 'atol: request uuid already known (409), reading its result');
      const r = await this.settle(uuid, what);
      switch (taskState(r.status)) {
        case 'done': {
          const result = this.receiptResult(r, receipt, operation, uuid, what);
          this.nextAttempt.delete(key);
          this.blockedBy = null;
          for (const l of receipt.lines) for (const c of l.codes) this.driverChecked.delete(c.km);
          return result;
        }
        case 'skipped':
          this.remember(key, attempt + 1);
          continue;
        case 'failed':
          break;
        case 'pending':
          throw unknown(`${what}: the task is still running`);
      }
      const code = r.errorCode;
      if (classifyLibfptr(code) === 'ambiguous') throw atolError(code, r.errorDescription, what);
      this.remember(key, attempt + 1);
      // An error read back under a known uuid is an earlier refusal: try the next attempt for today's answer.
      if (submitted === 'duplicate') continue;
      if (isShiftExpired(code) && this.config.autoCloseShift && !shiftClosed) {
        await this.closeShift(code);
        shiftClosed = true;
        continue;
      }
      const e = atolError(code, r.errorDescription, what);
      if (e.kind === 'blocked') this.blockedBy = e;
      this.logger.warn({ channel: 'atol', kind: e.kind, code: e.code }, 'atol: receipt refused');
      throw e;
    }
  }

  /** Polls an accepted request to its end. Anything but a finished task is `unknown-result`: the request exists. */
  private async settle(uuid: string, what: string): Promise<TaskResult> {
    let answer: RequestAnswer | 'pending' | null;
    try {
      answer = await this.client.poll(uuid, { timeoutMs: this.config.pollTimeoutMs });
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      throw unknown(`${what}: the request was accepted but its result could not be read (${m})`);
    }
    if (answer === null) throw unknown(`${what}: the web server accepted the request but does not know it now`);
    if (answer === 'pending') throw unknown(`${what}: no result within ${this.config.pollTimeoutMs} ms (the cash register is busy or waiting)`);
    const r = answer.results[0];
    if (!r) throw unknown(`${what}: the answer lists no task`);
    return r;
  }

  private receiptResult(r: TaskResult, receipt: FiscalReceipt, operation: Operation, uuid: string, what: string): FiscalResult {
    const parsed = receiptResultSchema.safeParse(r.result);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
      throw new FiscalError('unknown-result', 'bad-answer', `${what}: the task is ready but its fiscalParams are unusable (${where}); the receipt was probably issued`);
    }
    const p = parsed.data.fiscalParams;
    if (p.shiftNumber != null) this.lastShift = p.shiftNumber;
    if (p.total != null && Math.round(p.total * 100) !== receipt.total) {
      this.logger.warn({ channel: 'atol', fiscalTotal: p.total, total: receipt.total }, 'atol: the register reports another receipt total');
    }
    return toFiscalResult(p, { receipt, operation, uuid, now: this.now() });
  }

  /** Shift > 24 h: close it and open a new one (73 / 83 — already closed / open — count as done). */
  private async closeShift(cause: number): Promise<void> {
    this.logger.warn({ channel: 'atol', code: cause }, 'atol: shift open > 24 h, closing it');
    const operator = this.config.operator ? { operator: { ...this.config.operator } } : {};
    const uuid = randomUUID();
    const fail = (why: string): FiscalError =>
      new FiscalError('blocked', `atol-${cause}`, `the shift is open for more than 24 hours and closing it failed (${why}): close the shift on the cash register; receipts wait`, { channelCode: cause });
    try {
      await this.client.submit(uuid, [{ type: 'closeShift', ...operator }, { type: 'openShift', ...operator }], true);
    } catch (e) {
      throw e instanceof FiscalError && e.kind === 'unknown-result' ? new FiscalError('transient', e.code, `closeShift: ${e.message}`) : e;
    }
    let answer: RequestAnswer | 'pending' | null;
    try {
      answer = await this.client.poll(uuid, { timeoutMs: this.config.pollTimeoutMs });
    } catch (e) {
      // The receipt was refused (68), so nothing was issued: try again later.
      throw new FiscalError('transient', 'atol-close-shift', `closeShift: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (answer === null || answer === 'pending') throw new FiscalError('transient', 'atol-close-shift', 'closeShift: no result in time; the receipt waits');
    const [close, open] = answer.results;
    if (!close) throw fail('no result');
    if (taskState(close.status) === 'failed' && close.errorCode !== LIBFPTR.DENIED_IN_CLOSED_SHIFT) {
      const e = atolError(close.errorCode, close.errorDescription, 'closeShift');
      this.blockedBy = e.kind === 'blocked' ? e : fail(e.message);
      throw this.blockedBy;
    }
    if (open && taskState(open.status) === 'failed' && open.errorCode !== LIBFPTR.DENIED_IN_OPENED_SHIFT) {
      this.logger.warn({ channel: 'atol', code: open.errorCode }, 'atol: openShift after closeShift failed; the receipt opens it');
    }
  }

  /** Walks the key's uuid chain: the first unknown uuid proves nothing was issued. */
  private async lookup(key: string, receipt: FiscalReceipt, operation: Operation): Promise<FiscalResult | null> {
    const what = 'findByKey';
    for (let attempt = this.nextAttempt.get(key) ?? 0; attempt < this.config.maxAttempts; attempt++) {
      const uuid = atolRequestUuid(key, attempt);
      const answer = await this.client.poll(uuid, { timeoutMs: this.config.pollTimeoutMs });
      if (answer === null) {
        this.remember(key, attempt);
        return null;
      }
      if (answer === 'pending') throw unknown(`${what}: the request is still waiting or running on the cash register`);
      const r = answer.results[0];
      if (!r) throw new FiscalError('transient', 'bad-answer', `${what}: the answer lists no task`);
      const state = taskState(r.status);
      if (state === 'done') {
        const result = this.receiptResult(r, receipt, operation, uuid, what);
        this.nextAttempt.delete(key);
        return result;
      }
      if (state === 'failed' && classifyLibfptr(r.errorCode) === 'ambiguous') throw atolError(r.errorCode, r.errorDescription, what);
      // error or never run: proven refused, look at the next attempt
    }
    throw new FiscalError('permanent', 'atol-attempts', `${what}: ${this.config.maxAttempts} attempts of this receipt were refused by the cash register`);
  }

  // ---- health ------------------------------------------------------------------------------------

  private async checkHealth(): Promise<ChannelHealth> {
    const problems: ChannelProblem[] = [];
    let ok = true;
    const health: ChannelHealth = { ok, problems };
    const tasks = [{ type: 'getShiftStatus' }, { type: 'ofdExchangeStatus' }, { type: 'getDeviceStatus' }, { type: 'getFnInfo' }];
    let answer: RequestAnswer | 'pending' | null = null;
    try {
      const uuid = randomUUID();
      await this.client.submit(uuid, tasks, false);
      answer = await this.client.poll(uuid, { timeoutMs: Math.min(this.config.pollTimeoutMs, HEALTH_POLL_MS) });
    } catch (e) {
      ok = false;
      problems.push(problemOf(e));
    }
    if (answer === 'pending' || answer === null) {
      if (answer === 'pending') {
        ok = false;
        problems.push({ code: 'fiscal-busy', message: 'the ATOL web server did not run the status request in time: the cash register is busy, off or its queue is stuck' });
      }
    } else {
      const [shift, ofd, device, fn] = answer.results;
      const failedTask = answer.results.find((r) => taskState(r.status) === 'failed');
      if (failedTask) {
        const e = atolError(failedTask.errorCode, failedTask.errorDescription, 'status');
        if (e.kind !== 'permanent') {
          ok = false;
          problems.push(problemOf(e));
        }
      }
      ok = this.readShift(shift, health, problems) && ok;
      ok = this.readOfd(ofd, health, problems) && ok;
      ok = readDevice(device, problems) && ok;
      ok = this.readFn(fn, problems) && ok;
    }
    const blocked = this.blockedBy ? problemOf(this.blockedBy) : null;
    if (blocked && !problems.some((p) => p.code === blocked.code)) {
      ok = false;
      problems.push(blocked);
    }
    if (health.shift === undefined && this.lastShift !== undefined) health.shift = { number: this.lastShift };
    health.ok = ok;
    return health;
  }

  private readShift(r: TaskResult | undefined, health: ChannelHealth, problems: ChannelProblem[]): boolean {
    const s = done(r, shiftStatusSchema)?.shiftStatus;
    if (!s) return true;
    if (s.number != null) health.shift = { number: s.number };
    if (s.state === 'expired') {
      problems.push({
        code: 'shift-expired',
        message: this.config.autoCloseShift
          ? 'the shift is open for more than 24 hours: the next receipt closes it and opens a new one'
          : 'the shift is open for more than 24 hours: close it (Z report) on the cash register; receipts wait',
      });
      return this.config.autoCloseShift;
    }
    return true;
  }

  private readOfd(r: TaskResult | undefined, health: ChannelHealth, problems: ChannelProblem[]): boolean {
    const s = done(r, ofdExchangeStatusSchema)?.status;
    if (!s) return true;
    const count = s.notSentCount ?? 0;
    health.offline = count > 0;
    if (count === 0) return true;
    const first = s.notSentFirstDocDateTime ? Date.parse(s.notSentFirstDocDateTime) : NaN;
    if (Number.isFinite(first)) health.oldestUnsentAt = new Date(first).toISOString();
    const days = Number.isFinite(first) ? (this.now() - first) / DAY : 0;
    if (days >= OFD_LIMIT_DAYS) {
      problems.push({
        code: 'fiscal-blocked-30d',
        message: `${count} fiscal documents have not reached the OFD for ${Math.floor(days)} days: the fiscal drive blocks; restore the OFD link (network, OFD contract)`,
      });
      return false;
    }
    problems.push({
      code: 'fiscal-offline',
      message: `${count} fiscal documents are not yet sent to the OFD${Number.isFinite(first) ? ` (oldest since ${new Date(first).toISOString()}, ${Math.max(0, Math.ceil(OFD_LIMIT_DAYS - days))} days before the fiscal drive blocks)` : ''}: check the register's network and OFD settings`,
    });
    return true;
  }

  private readFn(r: TaskResult | undefined, problems: ChannelProblem[]): boolean {
    const f = done(r, fnInfoSchema)?.fnInfo;
    if (!f) return true;
    const report = new Reporter(problems);
    const w = f.warnings ?? {};
    if (w.criticalError) report.bad('fn-critical', 'the fiscal drive reports a critical error: call the cash register service');
    if (w.memoryOverflow) report.bad('fn-full', 'the fiscal drive memory is full: replace the fiscal drive');
    if (w.resourceExhausted) report.bad('fn-exhausted', 'the fiscal drive resource is exhausted: replace the fiscal drive');
    if (w.ofdTimeout) report.warn('fn-ofd-timeout', 'the fiscal drive waits too long for the OFD: restore the OFD link before it blocks');
    if (w.needReplacement) report.warn('fn-replace-soon', 'the fiscal drive must be replaced soon (less than 30 days left or its memory nearly full)');
    const until = f.validityDate ? Date.parse(f.validityDate) : NaN;
    if (Number.isFinite(until)) {
      const days = (until - this.now()) / DAY;
      const date = new Date(until).toISOString().slice(0, 10);
      if (days < 0) report.bad('fn-expired', `the fiscal drive expired on ${date}: replace it`);
      else if (days < 30) report.warn('fn-expiring', `the fiscal drive expires on ${date}: order a replacement`);
    }
    return report.ok;
  }
}

/** Collects problems; `ok` turns false with the first one that stops receipts. */
class Reporter {
  ok = true;
  constructor(private readonly problems: ChannelProblem[]) {}
  bad(code: string, message: string): void {
    this.ok = false;
    this.problems.push({ code, message });
  }
  warn(code: string, message: string): void {
    this.problems.push({ code, message });
  }
}

function unknown(message: string): FiscalError {
  return new FiscalError('unknown-result', 'atol-pending', `${message}; the receipt may be issued: it is reconciled before any resend`);
}

/** The parsed result of a finished status task, or null. */
function done<T>(r: TaskResult | undefined, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } }): T | null {
  if (!r || taskState(r.status) !== 'done') return null;
  const p = schema.safeParse(r.result);
  return p.success ? p.data : null;
}

function readDevice(r: TaskResult | undefined, problems: ChannelProblem[]): boolean {
  const d = done(r, deviceStatusSchema)?.deviceStatus;
  if (!d) return true;
  const report = new Reporter(problems);
  if (d.paperPresent === false) report.bad('no-paper', 'the cash register is out of receipt paper: load paper');
  if (d.coverOpened === true) report.bad('cover-open', 'the printer cover of the cash register is open: close it');
  if (d.printerConnectionLost === true) report.bad('printer-fault', 'the cash register lost its receipt printer: check it and its cable');
  if (d.fnPresent === false || d.invalidFN === true) report.bad('fn-missing', 'no valid fiscal drive in the cash register: call the service');
  if (d.fiscal === false || d.fnFiscal === false) report.bad('fiscal-not-registered', 'the cash register or its fiscal drive is not registered with the FNS');
  if (d.blocked === true) report.bad('fiscal-blocked', 'the cash register reports it is blocked: look at its display or the ATOL driver');
  return report.ok;
}

/** A failure → a problem for status and `tanba doctor`. */
function problemOf(e: unknown): ChannelProblem {
  return sharedProblemOf(e, (f) => {
    const c = f.details.channelCode;
    if (c === LIBFPTR.SHIFT_EXPIRED || c === LIBFPTR.FN_SHIFT_EXPIRED) return { code: 'shift-expired', message: f.message };
    if (c === LIBFPTR.NO_PAPER) return { code: 'no-paper', message: f.message };
    if (c === LIBFPTR.COVER_OPENED) return { code: 'cover-open', message: f.message };
    if (c === LIBFPTR.FN_TIMEOUT) return { code: 'fiscal-blocked-30d', message: f.message };
    if (c === LIBFPTR.NO_CONNECTION || c === LIBFPTR.CONNECTION_DISABLED) return { code: 'fiscal-unreachable', message: `the ATOL web server cannot reach the cash register: ${f.message}` };
    return null;
  });
}
