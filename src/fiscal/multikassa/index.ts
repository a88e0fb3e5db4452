/**
 * The `multikassa` channel: receipts through Multikassa, the Uzbek virtual cash register's local
 * agent (fiscal-channels.md §3.2): `POST /api/v1/operations` with module_operation_type 3 (sale) /
 * 4 (refund with RefundInfo) / 1–2 (shift), `GET /api/v1/zReport`, `GET /api/v1/unsentCount`,
 * `GET /api/v1/info`. Requests to one agent run one at a time.
 *
 * The reference is thin ([S]); where it is silent (decisions, each a config key or one line here):
 * - units: receipt_sum / receipt_gnk_received* in tiyin, item amounts in so'm (`itemAmounts`);
 * - one item per marking code (product_label holds one code), product_mark true with a label;
 * - answers: the `{success, code, message, data}` envelope, a receipt only when a fiscal sign came
 *   back; refusals read from the body on any status, classified by the fiscal-module table;
 * - a closed shift (#2D) is opened (operation 1) and the receipt sent again once (`autoOpenShift`);
 * - no idempotency key is known: `idempotent: false`. `prepare` stores the zReport counters (last
 *   ReceiptSeq when it gives one, the operation counts and cash/card totals); `findByKey` compares
 *   them (uz-fiscal-module/reconcile.ts). The agent has no known call that repeats a past answer, so a
 *   receipt found this way carries TerminalID, ReceiptSeq and `extra.fiscalSignMissing: true` (its
 *   return is refused with what to do instead) — never a second receipt.
 */
import { FiscalError, type ChannelHealth, type ChannelIntakeProblem, type ChannelProblem, type FiscalChannel } from '../types.js';
import type { FiscalReceipt, FiscalResult } from '../../sale/types.js';
import { SerialQueue, silentLogger, type FiscalLogger } from '../http.js';
import { toCompact, uzDateToIso } from '../uz-fiscal-module/answer.js';
import { settleUz } from '../uz-fiscal-module/body.js';
import { FM_CODES, isShiftClosed, isUnplugged } from '../uz-fiscal-module/errors.js';
import { uzIntakeProblems } from '../uz-fiscal-module/intake.js';
import { compare, fromPrepared, toPrepared, type Prepared, type Snapshot } from '../uz-fiscal-module/reconcile.js';
import { buildOperation, shiftOperation } from './body.js';
import { countSchema, infoSchema, MultikassaClient, PATHS, resultOf, saleDataSchema, zReportSchema, type SaleData } from './client.js';
import { multikassaConfigSchema, type MultikassaConfig, type MultikassaConfigInput } from './config.js';

export { multikassaConfigSchema, type MultikassaConfig, type MultikassaConfigInput } from './config.js';
export { buildOperation, type MultikassaBody, type MultikassaItem } from './body.js';

export interface MultikassaDeps {
  logger?: FiscalLogger;
  now?: () => number;
}

export type MultikassaChannel = FiscalChannel & {
  openShift(): Promise<void>;
  closeShift(): Promise<void>;
  close(): Promise<void>;
};

export const CHANNEL = 'multikassa';

const queues = new Map<string, { queue: SerialQueue; users: number }>();

export function createMultikassaChannel(config: MultikassaConfigInput, deps: MultikassaDeps = {}): MultikassaChannel {
  return new Multikassa(multikassaConfigSchema.parse(config), deps);
}

class Multikassa implements FiscalChannel {
  readonly name = CHANNEL;
  readonly idempotent = false;
  readonly requestsPerMinute = null;
  private readonly client: MultikassaClient;
  private readonly queue: SerialQueue;
  private readonly logger: FiscalLogger;
  private readonly now: () => number;
  private readonly settleMs: number;
  private terminalId: string | null;
  private blockedBy: FiscalError | null = null;
  private closed = false;

  constructor(private readonly config: MultikassaConfig, deps: MultikassaDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? Date.now;
    this.settleMs = config.settleMs ?? config.timeoutMs + 5_000;
    this.terminalId = config.terminalId ?? null;
    this.client = new MultikassaClient(config.url, config.timeoutMs, this.logger);
    let q = queues.get(config.url);
    if (!q) queues.set(config.url, (q = { queue: new SerialQueue(), users: 0 }));
    q.users++;
    this.queue = q.queue;
  }

  validate(receipt: FiscalReceipt, sale: FiscalReceipt | null): ChannelIntakeProblem[] {
    return uzIntakeProblems(receipt, sale, { requireIkpuForAll: this.config.requireIkpuForAll, channel: 'Multikassa' });
  }

  prepare(): Promise<Prepared> {
    return this.enqueue(async () => toPrepared(await this.snapshot(), this.now()));
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
    return this.enqueue(() => this.shift(true));
  }

  closeShift(): Promise<void> {
    return this.enqueue(() => this.shift(false));
  }

  health(): Promise<ChannelHealth> {
    if (this.closed) return Promise.resolve({ ok: false, problems: [{ code: 'channel-closed', message: 'the Multikassa channel is closed' }] });
    return this.queue.run(() => this.checkHealth());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    const q = queues.get(this.config.url);
    if (q && --q.users <= 0) queues.delete(this.config.url);
    this.client.close();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new FiscalError('transient', 'channel-closed', 'the Multikassa channel is closed'));
    return this.queue.run(task);
  }

  private async shift(open: boolean): Promise<void> {
    try {
      await this.client.call('POST', PATHS.operations, shiftOperation(open, this.now(), this.config), { mutating: false });
    } catch (e) {
      if (open && e instanceof FiscalError && e.details.channelCode === FM_CODES.ZREPORT_IS_ALREADY_OPEN) return;
      if (open && e instanceof FiscalError && e.kind === 'permanent') {
        throw new FiscalError('blocked', 'multikassa-shift', `the shift is closed and could not be opened (${e.message}): open it in Multikassa; receipts wait`, e.details);
      }
      throw e;
    }
  }

  private async issue(receipt: FiscalReceipt, operation: 'sale' | 'return', basis?: FiscalResult): Promise<FiscalResult> {
    const what = `POST ${PATHS.operations}`;
    let opened = false;
    for (;;) {
      const built = buildOperation(receipt, { config: this.config, operation, basis, now: this.now(), terminalId: this.terminalId });
      let data: unknown;
      try {
        data = await this.client.call('POST', PATHS.operations, built.body, { mutating: true });
      } catch (e) {
        if (e instanceof FiscalError && isShiftClosed(e) && this.config.autoOpenShift && !opened) {
          this.logger.info({ channel: CHANNEL }, 'multikassa: the shift is closed, opening it');
          await this.shift(true);
          opened = true;
          continue;
        }
        if (e instanceof FiscalError) {
          if (e.kind === 'blocked') this.blockedBy = e;
          this.logger.warn({ channel: CHANNEL, kind: e.kind, code: e.code }, 'multikassa: receipt not confirmed');
        }
        throw e;
      }
      const d = saleDataSchema.safeParse(data);
      if (!d.success) throw new FiscalError('unknown-result', 'bad-answer', `${what}: the answer carries no fiscal sign and receipt number; the receipt may have been issued`);
      this.blockedBy = null;
      return this.toResult(d.data, receipt);
    }
  }

  private toResult(d: SaleData, receipt: FiscalReceipt): FiscalResult {
    const tid = d.receipt_gnk_terminalid ?? d.module_gnk_terminalid ?? this.terminalId ?? '';
    if (tid) this.terminalId = tid;
    const compact = d.receipt_gnk_datetime ? toCompact(d.receipt_gnk_datetime) : null;
    const extra: Record<string, string | number | boolean> = { TerminalID: tid, ReceiptSeq: d.receipt_gnk_receiptseq };
    if (compact) extra.DateTime = compact;
    if (d.receipt_id) extra.receiptId = d.receipt_id;
    const r: FiscalResult = {
      channel: CHANNEL,
      fiscalSign: d.receipt_gnk_fiscalsign,
      registrationNumber: tid,
      dateTime: uzDateToIso(d.receipt_gnk_datetime) ?? new Date(this.now()).toISOString(),
      total: receipt.total,
      isOffline: false,
      number: Number(d.receipt_gnk_receiptseq),
      extra,
    };
    if (d.receipt_gnk_qrcodeurl) {
      r.url = d.receipt_gnk_qrcodeurl;
      r.qr = d.receipt_gnk_qrcodeurl;
    }
    return r;
  }

  // ---- reconciliation ----------------------------------------------------------------------------

  private async zReport() {
    const data = await this.client.call('GET', PATHS.zReport, undefined, { mutating: false });
    const z = zReportSchema.safeParse(resultOf(data));
    if (!z.success) throw new FiscalError('transient', 'bad-answer', `GET ${PATHS.zReport}: unexpected answer (no zCount / counters)`);
    if (z.data.terminalId) this.terminalId = z.data.terminalId;
    return z.data;
  }

  private async snapshot(): Promise<Snapshot> {
    const z = await this.zReport();
    const open = z.zCount > 0 && !z.closeTime && Boolean(z.openTime);
    const seq = z.lastReceiptSeq ?? null;
    return {
      // An empty current shift says 0 and the agent has no way to look further back: compare by counts then.
      lastSeq: seq !== null && seq > 0 ? seq : z.zCount === 0 ? 0 : null,
      zNumber: z.zCount,
      zOpen: open,
      saleCount: z.totalSaleCount,
      refundCount: z.totalRefundCount ?? 0,
      saleCash: z.totalSaleCash,
      saleCard: z.totalSaleCard,
      refundCash: z.totalRefundCash ?? 0,
      refundCard: z.totalRefundCard ?? 0,
      receiptCount: -1,
    };
  }

  private async reconcile(receipt: FiscalReceipt, basis: FiscalResult | undefined, prepared: Prepared | null): Promise<FiscalResult | null> {
    const kind = receipt.type === 'return' || basis ? 'refund' : 'sale';
    const before = fromPrepared(prepared);
    if (!before) {
      throw new FiscalError('unknown-result', 'multikassa-no-snapshot', `receipt ${receipt.id}: no Multikassa counters were stored before it was sent, so tanba cannot tell whether it was issued; check the register's receipts and resolve it by hand`);
    }
    let money = { cash: NaN, card: NaN };
    try {
      money = settleUz(receipt);
    } catch {
      /* never sendable: matches nothing */
    }
    const after = await this.snapshot();
    const verdict = compare(before, after, { kind, ...money });
    if (verdict.kind === 'absent') {
      const elapsed = this.now() - before.at;
      if (elapsed < this.settleMs) {
        const wait = this.settleMs - elapsed;
        throw new FiscalError('transient', 'multikassa-settling', `receipt ${receipt.id}: not issued so far, but Multikassa may still be working on the request; asked again in ${Math.ceil(wait / 1000)} s`, { retryAfterMs: wait });
      }
      return null;
    }
    if (verdict.kind === 'unclear') {
      throw new FiscalError('unknown-result', 'multikassa-reconcile', `receipt ${receipt.id} (${kind}): cannot tell whether Multikassa issued it: ${verdict.reason}. Check the register's receipts, then retry it or record its result by hand`);
    }
    const tid = this.terminalId ?? '';
    this.logger.warn({ channel: CHANNEL, receipt: receipt.id }, 'multikassa: reconciled: issued, fiscal sign not recoverable');
    const extra: Record<string, string | number | boolean> = { TerminalID: tid, fiscalSignMissing: true, reconciled: true };
    if (verdict.seq !== null) extra.ReceiptSeq = String(verdict.seq);
    const r: FiscalResult = { channel: CHANNEL, fiscalSign: '', registrationNumber: tid, dateTime: new Date(this.now()).toISOString(), total: receipt.total, isOffline: false, extra };
    if (verdict.seq !== null) r.number = verdict.seq;
    if (after.zOpen) r.shift = after.zNumber;
    return r;
  }

  // ---- health ------------------------------------------------------------------------------------

  private async checkHealth(): Promise<ChannelHealth> {
    const problems: ChannelProblem[] = [];
    const health: ChannelHealth = { ok: true, problems };
    try {
      const info = infoSchema.safeParse(resultOf(await this.client.call('GET', PATHS.info, undefined, { mutating: false })));
      if (info.success) this.terminalId = info.data.terminalId;
    } catch (e) {
      health.ok = false;
      problems.push(problemOf(e, this.config.url));
    }
    if (health.ok) {
      try {
        const c = countSchema.safeParse(resultOf(await this.client.call('GET', PATHS.unsentCount, undefined, { mutating: false })));
        const n = c.success ? (c.data.Count ?? c.data.count ?? 0) : 0;
        health.offline = n > 0;
        if (n > 0) problems.push({ code: 'fiscal-unsent', message: `${n} receipt(s) signed by Multikassa are not yet delivered to the OFD: check the till's internet link; the module blocks when receipts stay unsent too long` });
      } catch (e) {
        problems.push(problemOf(e, this.config.url));
      }
      try {
        const z = await this.zReport();
        if (z.zCount > 0 && !z.closeTime && z.openTime) health.shift = { number: z.zCount, ...(uzDateToIso(z.openTime) ? { openedAt: uzDateToIso(z.openTime)! } : {}) };
        else if (!this.config.autoOpenShift) problems.push({ code: 'shift-closed', message: 'the Multikassa shift is closed and autoOpenShift is off: open it, or receipts wait' });
      } catch (e) {
        problems.push(problemOf(e, this.config.url));
      }
    }
    if (this.blockedBy) {
      const b = problemOf(this.blockedBy, this.config.url);
      if (!problems.some((p) => p.code === b.code)) problems.push(b);
      health.ok = false;
    }
    return health;
  }
}

function problemOf(e: unknown, url: string): ChannelProblem {
  if (!(e instanceof FiscalError)) return { code: 'fiscal-error', message: e instanceof Error ? e.message : String(e) };
  if (isUnplugged(e)) return { code: 'fiscal-unplugged', message: e.message };
  if (e.kind === 'blocked') return { code: 'fiscal-blocked', message: e.message };
  if (e.kind === 'transient' || e.kind === 'unknown-result') {
    return e.code === 'network' || e.code === 'timeout' ? { code: 'fiscal-unreachable', message: `Multikassa does not answer at ${url} (${e.message}): check that it runs on this computer` } : { code: 'fiscal-unreachable', message: e.message };
  }
  return { code: 'fiscal-error', message: e.message };
}
