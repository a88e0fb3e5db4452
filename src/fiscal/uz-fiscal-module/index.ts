/**
 * The `uz-fiscal-module` channel: receipts through the Uzbek fiscal module's local JSON-RPC
 * (E-POS Communicator / FiscalDriveAPI, fiscal-channels.md §3.1). Sale = Api.SendSaleReceipt,
 * return = Api.SendRefundReceipt with RefundInfo of the stored sale, shift = Api.OpenZReport /
 * Api.CloseZReport (opened automatically when a receipt meets a closed shift), status =
 * Api.GetInfo + Api.GetUnsentCount + Api.GetZReportInfo. Requests to one module run one at a time
 * (one serial queue per url + FactoryID, shared by every channel object naming that module).
 *
 * There is no idempotency key (`idempotent: false`). Before each send `prepare` takes the module's
 * counters (reconcile.ts: last ReceiptSeq, the Z report's counters and totals, the receipt count);
 * the relay stores them with the "sending" mark; after an ambiguous send or a crash `findByKey`
 * takes them again and decides:
 * - nothing moved → null (not issued; safe to send) — but only once `settleMs` has passed since the
 *   snapshot, so a request the Communicator is still working on is not overtaken by a resend;
 * - exactly one receipt of our kind and amounts → issued: its answer is fetched again with
 *   `lastReceiptMethod` (Api.GetLastRegisteredReceipt) when the install has it, so the fiscal sign a
 *   return needs is kept; without it the result carries what the module still knows (TerminalID,
 *   ReceiptSeq, its time from Api.GetReceiptInfo) and `extra.fiscalSignMissing: true` — never a
 *   second receipt; a return of such a sale is refused with what to do instead;
 * - anything else → FiscalError `unknown-result` with a message for an operator (asked again later).
 */
import { FiscalError, type ChannelHealth, type ChannelIntakeProblem, type ChannelProblem, type FiscalChannel } from '../types.js';
import type { FiscalReceipt, FiscalResult } from '../../sale/types.js';
import { SerialQueue, silentLogger, type FiscalLogger } from '../http.js';
import { infoAnswerSchema, countAnswerSchema, parseResult, receiptInfoAnswerSchema, saleAnswerSchema, toCompact, unsentAnswerSchema, uzDateToIso, uzLocalTime, zInfoAnswerSchema, type SaleAnswer, type ZInfo } from './answer.js';
import { buildUzReceipt, settleUz, type BuiltReceipt } from './body.js';
import { UzRpcClient } from './client.js';
import { uzFiscalModuleConfigSchema, type UzFiscalModuleConfig, type UzFiscalModuleConfigInput } from './config.js';
import { FM_CODES, isNoReceipts, isNoSuchMethod, isShiftClosed, isUnplugged } from './errors.js';
import { uzIntakeProblems } from './intake.js';
import { compare, fromPrepared, toPrepared, type Prepared, type Snapshot } from './reconcile.js';

export { uzFiscalModuleConfigSchema, type UzFiscalModuleConfig, type UzFiscalModuleConfigInput } from './config.js';
export { uzLabel, type PackLabel } from './label.js';
export { buildUzReceipt, refundInfoOf, splitLine, type UzItem, type UzReceiptBody, type UzRefundInfo } from './body.js';
export { fmError as uzFiscalModuleError, FM_CODES } from './errors.js';
export { compare as compareSnapshots, type Snapshot, type Verdict } from './reconcile.js';
export { uzIntakeProblems } from './intake.js';
export { uzDateToIso } from './answer.js';

export interface UzFiscalModuleDeps {
  logger?: FiscalLogger;
  /** Clock (epoch ms) for Receipt.Time and the settle delay; default Date.now. */
  now?: () => number;
}

export type UzFiscalModuleChannel = FiscalChannel & {
  readonly factoryId: string;
  /** Api.OpenZReport (an open shift counts as opened). */
  openShift(): Promise<void>;
  /** Api.CloseZReport. */
  closeShift(): Promise<void>;
  close(): Promise<void>;
};

export const CHANNEL = 'uz-fiscal-module';

/** Serial queues per module (url + FactoryID): two channel objects for one module still never overlap. */
const queues = new Map<string, { queue: SerialQueue; users: number }>();
function acquire(key: string): SerialQueue {
  let q = queues.get(key);
  if (!q) queues.set(key, (q = { queue: new SerialQueue(), users: 0 }));
  q.users++;
  return q.queue;
}
function release(key: string): void {
  const q = queues.get(key);
  if (q && --q.users <= 0) queues.delete(key);
}

export function createUzFiscalModuleChannel(config: UzFiscalModuleConfigInput, deps: UzFiscalModuleDeps = {}): UzFiscalModuleChannel {
  return new UzFiscalModule(uzFiscalModuleConfigSchema.parse(config), deps);
}

/** How far back the last ReceiptSeq is looked for through empty Z reports. */
const MAX_Z_WALK = 30;
/** How many receipts of the module's memory are scanned for a reconciled receipt's time. */
const MAX_MEMORY_SCAN = 50;

class UzFiscalModule implements FiscalChannel {
  readonly name = CHANNEL;
  readonly idempotent = false;
  readonly requestsPerMinute = null;
  readonly factoryId: string;
  private readonly rpc: UzRpcClient;
  private readonly queueKey: string;
  private readonly queue: SerialQueue;
  private readonly logger: FiscalLogger;
  private readonly now: () => number;
  private readonly settleMs: number;
  private terminalId: string | null = null;
  private lastShift: { number: number; open: boolean; openedAt?: string } | null = null;
  private blockedBy: FiscalError | null = null;
  private lastReceiptUnsupported = false;
  /** The counters last read fresh, advanced by our own confirmed receipts (`snapshotReuseMs`). */
  private cached: { snap: Snapshot; readAt: number } | null = null;
  private closed = false;

  constructor(private readonly config: UzFiscalModuleConfig, deps: UzFiscalModuleDeps) {
    this.factoryId = config.factoryId;
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? Date.now;
    this.settleMs = config.settleMs ?? config.timeoutMs + 5_000;
    this.rpc = new UzRpcClient(config.url, config.timeoutMs, this.logger);
    this.queueKey = `${config.url}#${config.factoryId}`;
    this.queue = acquire(this.queueKey);
  }

  validate(receipt: FiscalReceipt, sale: FiscalReceipt | null): ChannelIntakeProblem[] {
    return uzIntakeProblems(receipt, sale, { requireIkpuForAll: this.config.requireIkpuForAll, channel: 'the Uzbek fiscal module' });
  }

  prepare(): Promise<Prepared> {
    return this.enqueue(async () => {
      const now = this.now();
      const reuse = this.config.snapshotReuseMs;
      if (reuse > 0 && this.cached && now - this.cached.readAt <= reuse) return toPrepared(this.cached.snap, now, { factoryId: this.factoryId, reused: true });
      const snap = await this.snapshot();
      this.cached = { snap, readAt: now };
      return toPrepared(snap, now, { factoryId: this.factoryId });
    });
  }

  sell(receipt: FiscalReceipt): Promise<FiscalResult> {
    return this.enqueue(() => this.issue(receipt, 'sale'));
  }

  refund(receipt: FiscalReceipt, basis: FiscalResult): Promise<FiscalResult> {
    return this.enqueue(() => this.issue(receipt, 'return', basis));
  }

  findByKey(_key: string, receipt: FiscalReceipt, basis?: FiscalResult, prepared?: Prepared | null): Promise<FiscalResult | null> {
    return this.enqueue(() => this.reconcile(receipt, basis, prepared ?? null));
  }

  openShift(): Promise<void> {
    return this.enqueue(() => {
      this.cached = null;
      return this.openShiftNow();
    });
  }

  closeShift(): Promise<void> {
    return this.enqueue(async () => {
      this.cached = null;
      await this.rpc.call('Api.CloseZReport', { FactoryID: this.factoryId, Time: uzLocalTime(this.now()) }, { mutating: false });
      if (this.lastShift) this.lastShift = { ...this.lastShift, open: false };
    });
  }

  health(): Promise<ChannelHealth> {
    if (this.closed) return Promise.resolve({ ok: false, problems: [{ code: 'channel-closed', message: 'the fiscal-module channel is closed' }] });
    return this.queue.run(() => this.checkHealth());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    release(this.queueKey);
    this.rpc.close();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new FiscalError('transient', 'channel-closed', 'the fiscal-module channel is closed'));
    return this.queue.run(task);
  }

  // ---- receipts ----------------------------------------------------------------------------------

  private async issue(receipt: FiscalReceipt, operation: 'sale' | 'return', basis?: FiscalResult): Promise<FiscalResult> {
    const method = operation === 'sale' ? 'Api.SendSaleReceipt' : 'Api.SendRefundReceipt';
    if (operation === 'return' && this.terminalId === null) await this.learnTerminalId().catch(() => undefined);
    let opened = false;
    for (;;) {
      const built: BuiltReceipt = buildUzReceipt(receipt, { config: this.config, operation, basis, now: this.now(), terminalId: this.terminalId });
      let result: unknown;
      try {
        result = await this.rpc.call(method, { FactoryID: this.factoryId, Receipt: built.body }, { mutating: true });
      } catch (e) {
        if (e instanceof FiscalError && isShiftClosed(e) && this.config.autoOpenShift && !opened) {
          this.logger.info({ channel: CHANNEL, factoryId: this.factoryId }, 'uz-fiscal-module: the shift is closed, opening it');
          await this.openShiftNow();
          opened = true;
          continue;
        }
        if (e instanceof FiscalError) {
          if (e.kind === 'blocked') this.blockedBy = e;
          // Only a refusal by the module leaves its counters as they were.
          if (e.details.channelCode === undefined) this.cached = null;
          this.logger.warn({ channel: CHANNEL, factoryId: this.factoryId, kind: e.kind, code: e.code }, 'uz-fiscal-module: receipt not confirmed');
        } else this.cached = null;
        if (opened) this.cached = null;
        throw e;
      }
      const a = parseResult(saleAnswerSchema, result);
      if (!a) {
        this.cached = null;
        throw new FiscalError('unknown-result', 'bad-answer', `${method}: the answer carries no TerminalID, ReceiptSeq, DateTime and FiscalSign; the receipt may have been issued`);
      }
      this.blockedBy = null;
      this.terminalId = a.terminalid;
      this.advanceCache(operation, built, Number(a.receiptseq), opened);
      return this.toResult(a, receipt);
    }
  }

  /** Our confirmed receipt moves the cached counters as it moved the module's. */
  private advanceCache(operation: 'sale' | 'return', built: BuiltReceipt, seq: number, opened: boolean): void {
    const c = this.cached;
    if (!c) return;
    const s = { ...c.snap, lastSeq: seq, receiptCount: -1 };
    if (opened) Object.assign(s, { zNumber: s.zNumber + 1, zOpen: true, saleCount: 0, refundCount: 0, saleCash: 0, saleCard: 0, refundCash: 0, refundCard: 0 });
    if (operation === 'sale') Object.assign(s, { saleCount: s.saleCount + 1, saleCash: s.saleCash + built.settled.cash, saleCard: s.saleCard + built.settled.card });
    else Object.assign(s, { refundCount: s.refundCount + 1, refundCash: s.refundCash + built.settled.cash, refundCard: s.refundCard + built.settled.card });
    this.cached = { snap: s, readAt: c.readAt };
  }

  private async openShiftNow(): Promise<void> {
    try {
      await this.rpc.call('Api.OpenZReport', { FactoryID: this.factoryId, Time: uzLocalTime(this.now()) }, { mutating: false });
    } catch (e) {
      if (e instanceof FiscalError && e.details.channelCode === FM_CODES.ZREPORT_IS_ALREADY_OPEN) return;
      if (e instanceof FiscalError && e.kind === 'permanent') {
        throw new FiscalError('blocked', 'uzfm-shift', `the shift is closed and could not be opened (${e.message}): open it on the fiscal module; receipts wait`, e.details);
      }
      throw e;
    }
  }

  private toResult(a: SaleAnswer, receipt: FiscalReceipt): FiscalResult {
    const result: FiscalResult = {
      channel: CHANNEL,
      fiscalSign: a.fiscalsign,
      registrationNumber: a.terminalid,
      dateTime: uzDateToIso(a.datetime) ?? new Date(this.now()).toISOString(),
      total: receipt.total,
      // The module signs locally; whether the OFD has it yet is the unsent backlog (health), not a property of the receipt.
      isOffline: false,
      number: Number(a.receiptseq),
      extra: { TerminalID: a.terminalid, ReceiptSeq: a.receiptseq, DateTime: a.datetime, FactoryID: this.factoryId },
    };
    if (a.qrcodeurl) {
      result.url = a.qrcodeurl;
      result.qr = a.qrcodeurl;
    }
    if (this.lastShift?.open) result.shift = this.lastShift.number;
    return result;
  }

  // ---- reconciliation ----------------------------------------------------------------------------

  /** The module's counters now (reconcile.ts). */
  private async snapshot(): Promise<Snapshot> {
    let z: ZInfo | null;
    try {
      z = await this.zInfo(0);
    } catch (e) {
      if (e instanceof FiscalError && isNoSuchMethod(e)) {
        throw new FiscalError('blocked', 'uzfm-no-zreport-info', 'the fiscal module does not answer Api.GetZReportInfo, which tanba needs to tell after a lost answer whether a receipt was issued (there is no idempotency key): update E-POS Communicator; receipts wait', e.details);
      }
      throw e;
    }
    let lastSeq: number | null = z ? z.lastreceiptseq : 0;
    if (z && lastSeq === 0) {
      // An empty current Z report: the last receipt is in the latest non-empty one before it.
      const bound = Math.min(z.count ?? MAX_Z_WALK, MAX_Z_WALK);
      lastSeq = null;
      for (let i = 1; i < bound && lastSeq === null; i++) {
        const older = await this.zInfo(i);
        if (!older) lastSeq = 0;
        else if (older.lastreceiptseq > 0) lastSeq = older.lastreceiptseq;
      }
      if (lastSeq === null && (z.count ?? Infinity) <= MAX_Z_WALK) lastSeq = 0;
    }
    const count = await this.receiptCount();
    return {
      lastSeq,
      zNumber: z?.number ?? 0,
      zOpen: Boolean(z && !z.closetime),
      saleCount: z?.totalsalecount ?? 0,
      refundCount: z?.totalrefundcount ?? 0,
      saleCash: z?.totalsalecash ?? 0,
      saleCard: z?.totalsalecard ?? 0,
      refundCash: z?.totalrefundcash ?? 0,
      refundCard: z?.totalrefundcard ?? 0,
      receiptCount: count,
    };
  }

  /** Api.GetZReportInfo {Number: index}; null when there is no such Z report. */
  private async zInfo(index: number): Promise<ZInfo | null> {
    let r: unknown;
    try {
      r = await this.rpc.call('Api.GetZReportInfo', { FactoryID: this.factoryId, Number: index }, { mutating: false });
    } catch (e) {
      if (e instanceof FiscalError && e.details.channelCode === FM_CODES.ZREPORT_INDEX_OUT_OF_BOUNDS) return null;
      throw e;
    }
    const z = parseResult(zInfoAnswerSchema, r);
    if (!z) throw new FiscalError('transient', 'bad-answer', 'Api.GetZReportInfo: unexpected answer (no Number / LastReceiptSeq / totals)');
    const tid = (z as Record<string, unknown>).terminalid;
    if (typeof tid === 'string' && tid) this.terminalId = tid;
    if (index === 0) this.lastShift = { number: z.number, open: !z.closetime, ...(z.opentime ? { openedAt: uzDateToIso(z.opentime) ?? z.opentime } : {}) };
    return z;
  }

  /** Api.GetReceiptCount (receipts in the module's memory); -1 when the install lacks it. */
  private async receiptCount(): Promise<number> {
    try {
      const r = parseResult(countAnswerSchema, await this.rpc.call('Api.GetReceiptCount', { FactoryID: this.factoryId }, { mutating: false }));
      if (!r) throw new FiscalError('transient', 'bad-answer', 'Api.GetReceiptCount: unexpected answer (no Count)');
      return r.count;
    } catch (e) {
      if (e instanceof FiscalError && isNoSuchMethod(e)) return -1;
      throw e;
    }
  }

  private async learnTerminalId(): Promise<string> {
    const info = parseResult(infoAnswerSchema, await this.rpc.call('Api.GetInfo', { FactoryID: this.factoryId }, { mutating: false }));
    if (!info) throw new FiscalError('transient', 'bad-answer', 'Api.GetInfo: unexpected answer (no TerminalID)');
    this.terminalId = info.terminalid;
    return info.terminalid;
  }

  private async reconcile(receipt: FiscalReceipt, basis: FiscalResult | undefined, prepared: Prepared | null): Promise<FiscalResult | null> {
    const kind = receipt.type === 'return' || basis ? 'refund' : 'sale';
    const before = fromPrepared(prepared);
    if (!before) {
      throw new FiscalError(
        'unknown-result',
        'uzfm-no-snapshot',
        `receipt ${receipt.id}: no counters of fiscal module ${this.factoryId} were stored before it was sent, so tanba cannot tell whether it was issued; check the module's receipts (X report, ofd.soliq.uz) and resolve it by hand`,
      );
    }
    let money = { cash: NaN, card: NaN };
    try {
      money = settleUz(receipt);
    } catch {
      /* a receipt that cannot be built was never sent: its amounts match nothing */
    }
    const after = await this.snapshot();
    this.cached = { snap: after, readAt: this.now() };
    const verdict = compare(before, after, { kind, ...money });
    const amounts = Number.isFinite(money.cash) ? `cash ${(money.cash / 100).toFixed(2)}, card ${(money.card / 100).toFixed(2)}` : 'amounts unknown';
    switch (verdict.kind) {
      case 'absent': {
        const elapsed = this.now() - before.at;
        if (elapsed < this.settleMs) {
          const wait = this.settleMs - elapsed;
          throw new FiscalError('transient', 'uzfm-settling', `receipt ${receipt.id}: not issued so far, but the module may still be working on the request; asked again in ${Math.ceil(wait / 1000)} s`, { retryAfterMs: wait });
        }
        this.logger.info({ channel: CHANNEL, factoryId: this.factoryId, receipt: receipt.id }, 'uz-fiscal-module: reconciled: not issued');
        return null;
      }
      case 'issued':
        return this.recover(verdict.seq, receipt, after);
      case 'unclear':
        this.logger.warn({ channel: CHANNEL, factoryId: this.factoryId, receipt: receipt.id }, 'uz-fiscal-module: reconciliation needs an operator');
        throw new FiscalError(
          'unknown-result',
          'uzfm-reconcile',
          `receipt ${receipt.id} (${kind}, ${amounts}): cannot tell whether fiscal module ${this.factoryId} issued it: ${verdict.reason}. Check the module's receipts (X report, ofd.soliq.uz), then retry it or record its result by hand`,
        );
    }
  }

  /** The receipt found by the counters: its full answer when the module can repeat it, else what is known. */
  private async recover(seq: number | null, receipt: FiscalReceipt, after: Snapshot): Promise<FiscalResult> {
    const method = this.config.lastReceiptMethod;
    if (method && !this.lastReceiptUnsupported) {
      try {
        const a = parseResult(saleAnswerSchema, await this.rpc.call(method, { FactoryID: this.factoryId }, { mutating: false }));
        if (a && (seq === null || Number(a.receiptseq) === seq)) {
          this.terminalId = a.terminalid;
          const r = this.toResult(a, receipt);
          r.extra = { ...r.extra, reconciled: true };
          this.logger.info({ channel: CHANNEL, factoryId: this.factoryId, receipt: receipt.id }, 'uz-fiscal-module: reconciled: issued');
          return r;
        }
      } catch (e) {
        if (e instanceof FiscalError && isNoSuchMethod(e)) this.lastReceiptUnsupported = true;
        else if (!(e instanceof FiscalError && isNoReceipts(e))) throw e;
      }
    }
    // Without the answer: TerminalID and ReceiptSeq are certain; the time comes from the module's memory when still there.
    let time: string | null = null;
    if (seq !== null && after.receiptCount > 0) {
      for (let n = after.receiptCount; n >= Math.max(1, after.receiptCount - MAX_MEMORY_SCAN); n--) {
        try {
          const info = parseResult(receiptInfoAnswerSchema, await this.rpc.call('Api.GetReceiptInfo', { FactoryID: this.factoryId, Number: n }, { mutating: false }));
          if (info && Number(info.receiptseq) === seq) {
            time = info.transactiontime ?? null;
            break;
          }
        } catch {
          break;
        }
      }
    }
    const tid = this.terminalId ?? (await this.learnTerminalId().catch(() => ''));
    const compact = time ? toCompact(time) : null;
    const extra: Record<string, string | number | boolean> = { TerminalID: tid, FactoryID: this.factoryId, fiscalSignMissing: true, reconciled: true };
    if (seq !== null) extra.ReceiptSeq = String(seq);
    if (compact) extra.DateTime = compact;
    this.logger.warn({ channel: CHANNEL, factoryId: this.factoryId, receipt: receipt.id }, 'uz-fiscal-module: reconciled: issued, fiscal sign not recoverable');
    const result: FiscalResult = {
      channel: CHANNEL,
      fiscalSign: '',
      registrationNumber: tid,
      dateTime: uzDateToIso(time) ?? new Date(this.now()).toISOString(),
      total: receipt.total,
      isOffline: false,
      extra,
    };
    if (seq !== null) result.number = seq;
    if (after.zOpen) result.shift = after.zNumber;
    return result;
  }

  // ---- health ------------------------------------------------------------------------------------

  private async checkHealth(): Promise<ChannelHealth> {
    const problems: ChannelProblem[] = [];
    let ok = true;
    const health: ChannelHealth = { ok, problems };
    try {
      await this.learnTerminalId();
    } catch (e) {
      ok = false;
      problems.push(problemOf(e, this.config.url));
    }
    if (ok) {
      try {
        const u = parseResult(unsentAnswerSchema, await this.rpc.call('Api.GetUnsentCount', { FactoryID: this.factoryId }, { mutating: false }));
        if (u) {
          const mine = u.terminalid && typeof u.terminalid === 'object' && this.terminalId && u.terminalid[this.terminalId] !== undefined ? u.terminalid[this.terminalId] : u.count;
          health.offline = mine > 0;
          if (mine > 0) {
            problems.push({
              code: 'fiscal-unsent',
              message: `${mine} receipt(s) signed by fiscal module ${this.terminalId ?? this.factoryId} are not yet delivered to the OFD: check the till's internet link; the module blocks when receipts stay unsent too long`,
            });
            const oldest = await this.oldestUnsent();
            if (oldest) health.oldestUnsentAt = oldest;
          }
        }
      } catch (e) {
        problems.push(problemOf(e, this.config.url));
      }
      try {
        const z = await this.zInfo(0);
        if (z && !z.closetime) health.shift = { number: z.number, ...(this.lastShift?.openedAt ? { openedAt: this.lastShift.openedAt } : {}) };
        else if (!this.config.autoOpenShift) problems.push({ code: 'shift-closed', message: 'the shift (Z report) of the fiscal module is closed and autoOpenShift is off: open it, or receipts wait' });
      } catch (e) {
        problems.push(problemOf(e, this.config.url));
      }
    }
    const blocked = this.blockedBy ? problemOf(this.blockedBy, this.config.url) : null;
    if (blocked && !problems.some((p) => p.code === blocked.code)) {
      ok = false;
      problems.push(blocked);
    }
    health.ok = ok;
    return health;
  }

  /** The time of the oldest receipt still in the module's memory (Api.GetReceiptInfo {Number: 1}), best effort. */
  private async oldestUnsent(): Promise<string | null> {
    try {
      const info = parseResult(receiptInfoAnswerSchema, await this.rpc.call('Api.GetReceiptInfo', { FactoryID: this.factoryId, Number: 1 }, { mutating: false }));
      return uzDateToIso(info?.transactiontime ?? null);
    } catch {
      return null;
    }
  }
}

/** A failure → a problem for status and `tanba doctor`. */
function problemOf(e: unknown, url: string): ChannelProblem {
  if (!(e instanceof FiscalError)) return { code: 'fiscal-error', message: e instanceof Error ? e.message : String(e) };
  if (isUnplugged(e)) return { code: 'fiscal-unplugged', message: e.message };
  if (e.details.channelCode === 65279) return { code: 'fiscal-blocked', message: e.message };
  switch (e.kind) {
    case 'blocked':
      return { code: 'fiscal-blocked', message: e.message };
    case 'transient':
    case 'unknown-result':
      return e.code === 'network' || e.code === 'timeout'
        ? { code: 'fiscal-unreachable', message: `E-POS Communicator does not answer at ${url} (${e.message}): check that the service runs on this computer` }
        : { code: 'fiscal-unreachable', message: e.message };
    default:
      return { code: 'fiscal-error', message: e.message };
  }
}
