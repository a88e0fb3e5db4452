/**
 * The re:Kassa (partner API) fiscal channel: sell / refund / findByKey / health for one cash register
 * (fiscal-channels.md §1.3). A receipt is `POST /api/crs/{id}/tickets` with `X-Request-ID: <key>`.
 *
 * findByKey: re:Kassa has no lookup by our key. Its X-Request-ID makes a replay of the same request answer
 * the ticket already issued under that id, or issue it when the first send never arrived, exactly once
 * (the reference marks this [S]). So findByKey replays the POST with the same X-Request-ID and the same body
 * and returns that result; it never answers null. A return's body names its sale (`parentTicket`), so its
 * replay needs the basis: the body of every send is kept in memory by key, and `findByKey` also accepts
 * the basis as an optional third argument for a replay after a restart.
 *
 * OPEN_SHIFT_TIMEOUT_EXPIRED: `POST /api/crs/{id}/shifts/close` (the emulator's path; the real close-shift
 * call is not in the reference [I]), then the ticket again once. All calls of one instance run one at a time.
 */
import { problemOf as sharedProblemOf } from '../problems.js';
import { FiscalError, type ChannelHealth, type ChannelProblem, type FiscalChannel } from '../types.js';
import type { FiscalReceipt, FiscalResult } from '../../sale/types.js';
import { SerialQueue, silentLogger, type FiscalLogger, type RawAnswer } from '../http.js';
import { cashRegisterSchema, ticketAnswerSchema } from './answer.js';
import { buildTicketBody, kgdDateTimeToIso, rekassaRequestId } from './body.js';
import { RekassaClient } from './client.js';
import { rekassaConfigSchema, type RekassaConfig } from './config.js';
import { errorInfo, KGD_RESULT, rekassaError } from './errors.js';

export { rekassaConfigSchema, type RekassaConfig, type RekassaConfigInput } from './config.js';
export { buildTicketBody, kgdDateTime, rekassaMark, rekassaRequestId } from './body.js';

export interface RekassaDeps {
  logger?: FiscalLogger;
  /** Clock for fallbacks (an answer without a date); default Date.now. */
  now?: () => number;
}

export type RekassaChannel = FiscalChannel & {
  /** As FiscalChannel.findByKey; `basis` lets a return be replayed when its body is no longer in memory. */
  findByKey(key: string, receipt: FiscalReceipt, basis?: FiscalResult): Promise<FiscalResult | null>;
  close(): Promise<void>;
};

/** Bodies kept for replays (findByKey); the oldest go first. */
const MAX_REMEMBERED_BODIES = 1000;

export function createRekassaChannel(config: RekassaConfig, deps: RekassaDeps = {}): RekassaChannel {
  return new Rekassa(rekassaConfigSchema.parse(config), deps);
}

class Rekassa implements FiscalChannel {
  readonly name = 'rekassa';
  readonly idempotent = true;
  readonly requestsPerMinute = null;
  private readonly client: RekassaClient;
  private readonly queue = new SerialQueue();
  private readonly logger: FiscalLogger;
  private readonly now: () => number;
  private readonly bodies = new Map<string, Record<string, unknown>>();
  private readonly ticketsPath: string;
  private registrationNumber: string | undefined;
  private lastOffline: boolean | undefined;
  private lastShift: number | undefined;
  private blockedBy: FiscalError | null = null;
  private closed = false;

  constructor(private readonly config: RekassaConfig, deps: RekassaDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? Date.now;
    this.client = new RekassaClient(config, this.logger);
    this.registrationNumber = config.registrationNumber;
    this.ticketsPath = `/api/crs/${encodeURIComponent(config.cashRegisterId)}/tickets`;
  }

  sell(receipt: FiscalReceipt, key: string): Promise<FiscalResult> {
    return this.enqueue(() => this.issue(this.body(receipt, key, 'sale'), receipt, key));
  }

  refund(receipt: FiscalReceipt, basis: FiscalResult, key: string): Promise<FiscalResult> {
    return this.enqueue(() => this.issue(this.body(receipt, key, 'return', basis), receipt, key));
  }

  findByKey(key: string, receipt: FiscalReceipt, basis?: FiscalResult): Promise<FiscalResult | null> {
    return this.enqueue(async () => {
      let body = this.bodies.get(key);
      if (!body) {
        if (receipt.type === 'return' && !basis) {
          throw new FiscalError('unknown-result', 'rekassa-replay-needs-basis', 'cannot reconcile a re:Kassa return without its sale\'s fiscal result (parentTicket): pass the basis to findByKey');
        }
        body = this.body(receipt, key, receipt.type === 'return' ? 'return' : 'sale', basis);
      }
      this.logger.info({ channel: 'rekassa', cashRegisterId: this.config.cashRegisterId }, 'rekassa: reconciling by replaying the ticket under the same X-Request-ID');
      return this.issue(body, receipt, key);
    });
  }

  health(): Promise<ChannelHealth> {
    if (this.closed) return Promise.resolve({ ok: false, problems: [{ code: 'channel-closed', message: 'the re:Kassa channel is closed' }] });
    return this.queue.run(() => this.checkHealth());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    this.client.close();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new FiscalError('transient', 'channel-closed', 'the re:Kassa channel is closed'));
    return this.queue.run(task);
  }

  private body(receipt: FiscalReceipt, key: string, operation: 'sale' | 'return', basis?: FiscalResult): Record<string, unknown> {
    const body = buildTicketBody(receipt, { config: this.config, operation, basis, now: this.now });
    this.bodies.delete(key);
    this.bodies.set(key, body);
    if (this.bodies.size > MAX_REMEMBERED_BODIES) this.bodies.delete(this.bodies.keys().next().value!);
    return body;
  }

  // ---- receipts ----------------------------------------------------------------------------------

  private async issue(body: Record<string, unknown>, receipt: FiscalReceipt, key: string): Promise<FiscalResult> {
    const spec = { mutating: true, what: `POST ${this.ticketsPath}` };
    let shiftClosed = false;
    for (;;) {
      const a = await this.client.request({
        method: 'POST',
        path: this.ticketsPath,
        data: body,
        headers: { 'X-Request-ID': rekassaRequestId(key) },
        mutating: true,
      });
      if (a.status >= 200 && a.status < 300) {
        const result = this.toResult(a, receipt);
        this.blockedBy = null;
        return result;
      }
      const info = errorInfo(a);
      if (info.number === KGD_RESULT.OPEN_SHIFT_TIMEOUT_EXPIRED && this.config.autoCloseShift && !shiftClosed) {
        await this.closeShift();
        shiftClosed = true;
        continue;
      }
      const e = a.status === 401 || a.status === 403
        ? new FiscalError('auth', `http-${a.status}`, `${spec.what}: re:Kassa refused the token even after a fresh login (${a.status}): check the partner apiKey and the cash register's rights`, { status: a.status })
        : rekassaError(a, info, spec);
      if (e.kind === 'blocked') this.blockedBy = e;
      this.logger.warn({ channel: 'rekassa', cashRegisterId: this.config.cashRegisterId, kind: e.kind, code: e.code }, 'rekassa: receipt refused');
      throw e;
    }
  }

  /** Close the expired shift ([I]: the emulator's path). The ticket was refused, so nothing was issued. */
  private async closeShift(): Promise<void> {
    const path = `/api/crs/${encodeURIComponent(this.config.cashRegisterId)}/shifts/close`;
    this.logger.warn({ channel: 'rekassa', cashRegisterId: this.config.cashRegisterId }, 'rekassa: shift open > 24 h, closing it');
    const a = await this.client.request({ method: 'POST', path, data: {}, mutating: false });
    if (a.status >= 200 && a.status < 300) return;
    const e = rekassaError(a, errorInfo(a), { mutating: false, what: `POST ${path}` });
    throw e.kind === 'permanent'
      ? new FiscalError('blocked', 'rekassa-11', `the shift is open for more than 24 hours and closing it failed (${e.message}): close the shift in re:Kassa; receipts wait`, { channelCode: 'OPEN_SHIFT_TIMEOUT_EXPIRED' })
      : e;
  }

  private toResult(a: RawAnswer, receipt: FiscalReceipt): FiscalResult {
    const parsed = a.isJson ? ticketAnswerSchema.safeParse(a.json) : null;
    if (!parsed?.success || (parsed.data.status != null && parsed.data.status !== 'OK')) {
      const why = !a.isJson ? 'not JSON' : parsed?.success ? `status ${parsed.data.status}` : 'no ticketNumber/id';
      throw new FiscalError('unknown-result', 'bad-answer', `POST ${this.ticketsPath}: unexpected answer (${why}); the receipt may have been issued`, { status: a.status });
    }
    const t = parsed.data;
    if (t.kgdKkmId) this.registrationNumber = t.kgdKkmId;
    const isOffline = t.offline ?? false;
    this.lastOffline = isOffline;
    if (t.shiftNumber != null) this.lastShift = t.shiftNumber;
    const dateTime = kgdDateTimeToIso(t.dateTime) ?? isoOf(t.dateTime) ?? new Date(this.now()).toISOString();
    const result: FiscalResult = {
      channel: 'rekassa',
      fiscalSign: t.ticketNumber,
      registrationNumber: t.kgdKkmId ?? this.registrationNumber ?? this.config.login,
      dateTime,
      total: receipt.total,
      isOffline,
      extra: { ticketId: t.id },
    };
    if (t.shiftNumber != null) result.shift = t.shiftNumber;
    if (t.qrCode) result.qr = t.qrCode;
    return result;
  }

  // ---- health ------------------------------------------------------------------------------------

  private async checkHealth(): Promise<ChannelHealth> {
    const path = `/api/crs/${encodeURIComponent(this.config.cashRegisterId)}`;
    const problems: ChannelProblem[] = [];
    let ok = true;
    let offline = this.lastOffline;
    let shift: ChannelHealth['shift'];
    try {
      const a = await this.client.request({ method: 'GET', path, mutating: false });
      if (a.status === 401 || a.status === 403) {
        ok = false;
        problems.push({ code: 'fiscal-auth', message: `re:Kassa refused the token even after a fresh login (${a.status}): check the partner apiKey and the cash register's rights` });
      } else if (a.status < 200 || a.status >= 300) {
        ok = false;
        problems.push(problemOf(rekassaError(a, errorInfo(a), { mutating: false, what: `GET ${path}` })));
      } else {
        const cr = a.isJson ? cashRegisterSchema.safeParse(a.json) : null;
        if (!cr?.success) {
          ok = false;
          problems.push({ code: 'fiscal-bad-answer', message: `GET ${path}: re:Kassa answered in an unexpected shape` });
        } else {
          const c = cr.data;
          const reg = c.kgdKkmId ?? c.registrationNumber;
          if (reg && !this.config.registrationNumber) this.registrationNumber = reg;
          if (c.offline != null) offline = c.offline;
          if (c.blocked || (c.status && /block/i.test(c.status))) {
            ok = false;
            problems.push({ code: 'fiscal-blocked', message: 'the cash register is blocked (e.g. more than 72 hours without the OFD): restore the internet link or pay the OFD; receipts wait' });
          }
          if (c.shiftNumber != null || c.shiftOpenTime) {
            shift = {};
            if (c.shiftNumber != null) shift.number = c.shiftNumber;
            if (c.shiftOpenTime) shift.openedAt = isoOf(c.shiftOpenTime) ?? c.shiftOpenTime;
          }
        }
      }
    } catch (e) {
      ok = false;
      problems.push(problemOf(e));
    }
    const blocked = this.blockedBy ? problemOf(this.blockedBy) : null;
    if (blocked && !problems.some((p) => p.code === blocked.code)) {
      ok = false;
      problems.push(blocked);
    }
    const health: ChannelHealth = { ok, problems };
    if (offline !== undefined) health.offline = offline;
    if (offline) problems.push({ code: 'fiscal-offline', message: 'the cash register works autonomously (no link to the OFD): receipts are fiscal but not yet forwarded; it blocks after 72 h' });
    if (shift) health.shift = shift;
    else if (this.lastShift !== undefined) health.shift = { number: this.lastShift };
    return health;
  }
}

function isoOf(v: unknown): string | null {
  if (typeof v !== 'string' || !v.trim()) return null;
  const t = Date.parse(v);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

/** A failure → a problem for status and `tanba doctor`. */
function problemOf(e: unknown): ChannelProblem {
  return sharedProblemOf(e, (f) => {
    if (f.code === 'rekassa-15') return { code: 'fiscal-blocked-72h', message: f.message };
    if (f.code === 'rekassa-11') return { code: 'shift-expired', message: f.message };
    return null;
  });
}
