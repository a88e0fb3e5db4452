/**
 * The Webkassa (API v4) fiscal channel: sell / refund / findByKey / health for one cashbox
 * (fiscal-channels.md §1.2). What a receipt's errors mean:
 * - 2/3: authorise again and repeat once (client.ts); 505: alternative domains (client.ts);
 * - 14 duplicate ExternalCheckNumber: the receipt already exists: its Data (or GetTicketByExternalCheckNumber)
 *   is the result, never a second receipt;
 * - 11 shift > 24 h: with `autoCloseShift`, ZReport then send again once; otherwise `blocked`;
 * - 18 autonomous > 72 h, 7 blocked: `blocked`; the rest: errors.ts.
 * All calls of one channel instance (sell, refund, findByKey, health, and their Authorize/ZReport steps) run
 * one at a time through a serial queue: Webkassa forbids parallel requests on one cashbox (error 9).
 */
import { problemOf as sharedProblemOf } from '../problems.js';
import { FiscalError, type ChannelHealth, type ChannelProblem, type FiscalChannel } from '../types.js';
import type { FiscalReceipt, FiscalResult } from '../../sale/types.js';
import { SerialQueue, silentLogger, type FiscalLogger } from '../http.js';
import { checkDataSchema, checkDateTime, clientInfoSchema, webkassaDateToIso, type Envelope } from './answer.js';
import { buildCheckBody, webkassaExternalCheckNumber } from './body.js';
import { PATHS, WebkassaClient } from './client.js';
import { webkassaConfigSchema, type WebkassaConfig } from './config.js';
import { errorCodes, webkassaError } from './errors.js';

export { webkassaConfigSchema, type WebkassaConfig, type WebkassaConfigInput } from './config.js';
export { webkassaExternalCheckNumber, webkassaMark, buildCheckBody } from './body.js';
export { webkassaDateToIso } from './answer.js';

export interface WebkassaDeps {
  logger?: FiscalLogger;
  /** Clock for fallbacks (an answer without a date) and license expiry; default Date.now. */
  now?: () => number;
}

export type WebkassaChannel = FiscalChannel & { close(): Promise<void> };

/** A license that ends within this many days is reported (health stays ok). */
const LICENSE_WARN_DAYS = 14;

export function createWebkassaChannel(config: WebkassaConfig, deps: WebkassaDeps = {}): WebkassaChannel {
  return new Webkassa(webkassaConfigSchema.parse(config), deps);
}

class Webkassa implements FiscalChannel {
  readonly name = 'webkassa';
  readonly idempotent = true;
  readonly requestsPerMinute = null;
  private readonly client: WebkassaClient;
  private readonly queue = new SerialQueue();
  private readonly logger: FiscalLogger;
  private readonly now: () => number;
  /** Learnt from answers, for health and as fallbacks. */
  private registrationNumber: string | undefined;
  private lastOffline: boolean | undefined;
  private lastShift: number | undefined;
  /** The last receipt refusal that blocks the queue, cleared by the next success. */
  private blockedBy: FiscalError | null = null;
  private closed = false;

  constructor(private readonly config: WebkassaConfig, deps: WebkassaDeps) {
    this.logger = deps.logger ?? silentLogger;
    this.now = deps.now ?? Date.now;
    this.client = new WebkassaClient(config, this.logger);
  }

  sell(receipt: FiscalReceipt, key: string): Promise<FiscalResult> {
    return this.enqueue(() => this.issue(receipt, key, 'sale'));
  }

  refund(receipt: FiscalReceipt, basis: FiscalResult, key: string): Promise<FiscalResult> {
    return this.enqueue(() => this.issue(receipt, key, 'return', basis));
  }

  findByKey(key: string, receipt: FiscalReceipt): Promise<FiscalResult | null> {
    return this.enqueue(() => this.lookup(key, receipt));
  }

  health(): Promise<ChannelHealth> {
    if (this.closed) return Promise.resolve({ ok: false, problems: [{ code: 'channel-closed', message: 'the Webkassa channel is closed' }] });
    return this.queue.run(() => this.checkHealth());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.idle();
    this.client.close();
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new FiscalError('transient', 'channel-closed', 'the Webkassa channel is closed'));
    return this.queue.run(task);
  }

  // ---- receipts ----------------------------------------------------------------------------------

  private async issue(receipt: FiscalReceipt, key: string, operation: 'sale' | 'return', basis?: FiscalResult): Promise<FiscalResult> {
    const body = buildCheckBody(receipt, { config: this.config, key, operation, basis });
    const what = `POST ${PATHS.check}`;
    let shiftClosed = false;
    for (;;) {
      const env = await this.client.call(PATHS.check, body, { mutating: true });
      if (env.Errors.length === 0) {
        const result = this.toResult(env.Data, receipt, true);
        this.blockedBy = null;
        return result;
      }
      const codes = errorCodes(env.Errors);
      if (codes.includes(14)) return this.duplicate(env, key, receipt);
      if (codes.includes(11) && this.config.autoCloseShift && !shiftClosed) {
        await this.zReport();
        shiftClosed = true;
        continue;
      }
      const e = webkassaError(env.Errors, what);
      if (e.kind === 'blocked') this.blockedBy = e;
      this.logger.warn({ channel: 'webkassa', cashbox: this.config.cashbox, kind: e.kind, code: e.code }, 'webkassa: receipt refused');
      throw e;
    }
  }

  /** Error 14: a receipt with this ExternalCheckNumber exists. Use it; never issue a second one. */
  private async duplicate(env: Envelope, key: string, receipt: FiscalReceipt): Promise<FiscalResult> {
    this.logger.info({ channel: 'webkassa', cashbox: this.config.cashbox }, 'webkassa: duplicate ExternalCheckNumber (14), using the receipt already issued');
    if (checkDataSchema.safeParse(env.Data).success) return this.toResult(env.Data, receipt, true);
    let found: FiscalResult | null;
    try {
      found = await this.lookup(key, receipt);
    } catch (e) {
      const m = e instanceof Error ? e.message : String(e);
      throw new FiscalError('unknown-result', 'webkassa-14', `Webkassa says the receipt exists (14) but it could not be fetched: ${m}`, { channelCode: 14 });
    }
    if (!found) {
      throw new FiscalError('unknown-result', 'webkassa-14', 'Webkassa says the receipt exists (14) but GetTicketByExternalCheckNumber does not find it (19)', { channelCode: 14 });
    }
    return found;
  }

  /** Error 11: close the shift with a Z report. 12/13 (already closed / none open) count as closed. */
  private async zReport(): Promise<void> {
    this.logger.warn({ channel: 'webkassa', cashbox: this.config.cashbox }, 'webkassa: shift open > 24 h (11), closing it with a Z report');
    const env = await this.client.call(PATHS.zReport, { CashboxUniqueNumber: this.config.cashbox }, { mutating: false });
    const codes = errorCodes(env.Errors);
    if (codes.length === 0 || codes.every((c) => c === 12 || c === 13)) return;
    const e = webkassaError(env.Errors, `POST ${PATHS.zReport}`);
    // The receipt was refused (11), so nothing was issued: a Z report that fails for a data reason is not
    // the receipt's fault; the queue waits until the shift can be closed.
    throw e.kind === 'permanent' ? new FiscalError('blocked', 'webkassa-11', `the shift is open for more than 24 hours and the Z report failed (${e.message}): close the shift in Webkassa; receipts wait`, { channelCode: 11 }) : e;
  }

  /** GetTicketByExternalCheckNumber: the result, or null on 19 (not found). Never null when unsure. */
  private async lookup(key: string, receipt: FiscalReceipt): Promise<FiscalResult | null> {
    const env = await this.client.call(
      PATHS.ticketByExternalNumber,
      { CashboxUniqueNumber: this.config.cashbox, ExternalCheckNumber: webkassaExternalCheckNumber(key) },
      { mutating: false },
    );
    if (env.Errors.length === 0) return this.toResult(env.Data, receipt, false);
    const codes = errorCodes(env.Errors);
    if (codes.includes(19)) return null;
    const e = webkassaError(env.Errors, `POST ${PATHS.ticketByExternalNumber}`);
    // A lookup that fails for another reason proves nothing about the receipt: "cannot tell", try later.
    throw e.kind === 'permanent' ? new FiscalError('transient', e.code, e.message, e.details) : e;
  }

  private toResult(data: unknown, receipt: FiscalReceipt, fromCheck: boolean): FiscalResult {
    const parsed = checkDataSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
      throw new FiscalError(
        fromCheck ? 'unknown-result' : 'transient',
        'bad-answer',
        `Webkassa answered without a usable check (${where})${fromCheck ? '; the receipt may have been issued' : ''}`,
      );
    }
    const d = parsed.data;
    const registrationNumber = d.Cashbox?.RegistrationNumber ?? this.registrationNumber ?? '';
    if (d.Cashbox?.RegistrationNumber) this.registrationNumber = d.Cashbox.RegistrationNumber;
    const isOffline = d.OfflineMode ?? false;
    this.lastOffline = d.CashboxOfflineMode ?? isOffline;
    if (d.ShiftNumber != null) this.lastShift = d.ShiftNumber;
    const result: FiscalResult = {
      channel: 'webkassa',
      fiscalSign: d.CheckNumber,
      registrationNumber,
      dateTime: checkDateTime(d) ?? new Date(this.now()).toISOString(),
      total: receipt.total,
      isOffline,
    };
    if (d.ShiftNumber != null) result.shift = d.ShiftNumber;
    if (d.CheckOrderNumber != null) result.number = d.CheckOrderNumber;
    if (d.TicketUrl) result.url = d.TicketUrl;
    return result;
  }

  // ---- health ------------------------------------------------------------------------------------

  private async checkHealth(): Promise<ChannelHealth> {
    const problems: ChannelProblem[] = [];
    let ok = true;
    let offline = this.lastOffline;
    try {
      const env = await this.client.call(PATHS.clientInfo, { CashboxUniqueNumber: this.config.cashbox }, { mutating: false });
      if (env.Errors.length > 0) {
        const e = webkassaError(env.Errors, `POST ${PATHS.clientInfo}`);
        ok = false;
        problems.push(problemOf(e));
      } else {
        const info = clientInfoSchema.safeParse(env.Data ?? {});
        if (!info.success) {
          ok = false;
          problems.push({ code: 'fiscal-bad-answer', message: 'Webkassa client-info answered in an unexpected shape' });
        } else {
          const i = info.data;
          if (i.CashboxRegistrationNumber) this.registrationNumber = i.CashboxRegistrationNumber;
          offline = i.OfflineMode ?? i.CashboxOfflineMode ?? offline;
          if (typeof i.CashboxStatus === 'string' && /block/i.test(i.CashboxStatus)) {
            ok = false;
            problems.push({ code: 'fiscal-blocked', message: `the cashbox status is ${i.CashboxStatus}: contact Webkassa support` });
          }
          const lic = dateOf(i.License?.LicenseExpirationDate);
          if (lic !== null) {
            const days = (lic - this.now()) / 86_400_000;
            if (days < 0) {
              ok = false;
              problems.push({ code: 'license-expired', message: `the Webkassa license expired on ${new Date(lic).toISOString().slice(0, 10)}: renew it in the Webkassa cabinet` });
            } else if (days < LICENSE_WARN_DAYS) {
              problems.push({ code: 'license-expiring', message: `the Webkassa license expires on ${new Date(lic).toISOString().slice(0, 10)}: renew it in time` });
            }
          }
          const ofd = dateOf(i.Ofd?.Expiration);
          if (ofd !== null && ofd < this.now()) {
            ok = false;
            problems.push({ code: 'ofd-expired', message: `the OFD service expired on ${new Date(ofd).toISOString().slice(0, 10)}: pay the OFD, or receipts stay autonomous and block after 72 h` });
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
    if (this.lastShift !== undefined) health.shift = { number: this.lastShift };
    return health;
  }
}

function dateOf(s: string | null | undefined): number | null {
  if (!s) return null;
  const t = Date.parse(webkassaDateToIso(s, false));
  return Number.isFinite(t) ? t : null;
}

/** A failure → a problem for status and `tanba doctor`. */
function problemOf(e: unknown): ChannelProblem {
  return sharedProblemOf(e, (f) => {
    if (f.code === 'webkassa-18') return { code: 'fiscal-blocked-72h', message: f.message };
    if (f.code === 'webkassa-11') return { code: 'shift-expired', message: f.message };
    if (f.code === 'webkassa-10') return { code: 'license-expired', message: f.message };
    return null;
  });
}
