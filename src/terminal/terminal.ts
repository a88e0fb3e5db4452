/**
 * `createTerminal(config)`: the SDK object a POS embeds. It RECEIVES its parts — the outbox (any
 * store implementing the ports), one fiscal channel per register, the tracking system for the
 * pre-sale check, scanners — and composes them: intake (normalise, check returns against their
 * sale, append durably), the relay that fiscalises receipts in order per register, the decision,
 * status. It builds nothing concrete; `openTerminal` (batteries.ts) picks the defaults.
 * Emits `scan`, `decision`, `receipt` (every state change) and `register` (blocked / cleared).
 */
import { EventEmitter } from 'node:events';
import { createDecider, type Decider, type DeciderOptions } from '../decision/decider.js';
import type { BlockList } from '../decision/local-knowledge.js';
import type { Decision } from '../decision/types.js';
import { EXTERNAL } from '../fiscal/external.js';
import type { ChannelHealth, FiscalChannel } from '../fiscal/types.js';
import type { CodeCheck, FiscalReceipt } from '../sale/types.js';
import { parseCode } from '../marking/index.js';
import type { Country } from '../marking/types.js';
import { StoreError } from '../outbox/errors.js';
import type { ListedReceipt, Outbox, SaleView } from '../outbox/ports.js';
import { createRelay, type Relay, type RelayOptions, type RegisterState } from '../outbox/relay.js';
import { invalidSale, SaleError } from '../sale/errors.js';
import { normalizeReturn, normalizeSale, type NewRecord } from '../sale/normalize.js';
import { checkReturnAgainstSale } from '../sale/returns.js';
import type { ReturnInput, SaleInput } from '../sale/schema.js';
import type { Scanner, ScanEvent } from '../scan/types.js';
import type { TrackingSystem } from '../tracking/types.js';
import type { FleetRegister, FleetView, Problem, RecordOptions, RegisterStatus, Terminal, TerminalStatus } from './types.js';

export interface RegisterSetup {
  id: string;
  /** The fiscal channel of this cash register; null = none yet (receipts are kept and wait). */
  channel: FiscalChannel | null;
  /** VAT percent for lines that do not say; null = no VAT. Default null. */
  vatRate?: number | null;
}

export interface TerminalConfig {
  /** The durable outbox (SQLite `openSqliteOutbox`, or any implementation of the ports). */
  outbox: Outbox;
  /** The cash registers this terminal serves. At least one. */
  registers: RegisterSetup[];
  /** The tracking system for the pre-sale check, or null for local knowledge only. */
  tracking: TrackingSystem | null;
  country?: Country;
  gsSubstitutes?: string[];
  decision?: Omit<DeciderOptions, 'tracking' | 'soldHere' | 'now' | 'country' | 'gsSubstitutes'>;
  /** Relay settings; `enabled: false` records without sending (another process fiscalises). */
  relay?: Omit<RelayOptions, 'queue' | 'channelFor' | 'registers' | 'onChange' | 'onRegister'> & { enabled?: boolean };
  scanners?: Scanner[];
  /** Check every scanned marking code and emit `decision`. Default true. */
  checkOnScan?: boolean;
  /** Receipts unsent for longer than this make the status `degraded`. Default 1 h. */
  queueAgeWarningMs?: number;
  /** The autonomous-mode limit of the cash registers (KZ: 72 h). */
  autonomousLimitHours?: number;
  /** Warn this many hours before the limit. Default 24. */
  autonomousWarningHours?: number;
  /** How long a channel's health answer is reused. Default 30 s. */
  healthTtlMs?: number;
  /** Close the outbox, channels and tracking system with the terminal. Default true. */
  ownsParts?: boolean;
  /** Wall clock (ms). Default Date.now. */
  now?: () => number;
}

const FINAL = new Set(['fiscalised', 'rejected', 'recorded']);

/** Health of a channel with a time-to-live, refreshed in the background once stale; `invalidate` after news. */
function cachedHealth(ch: FiscalChannel, ttlMs: number): { get: () => Promise<ChannelHealth>; invalidate: () => void } {
  let last: { at: number; value: ChannelHealth } | null = null;
  let inflight: Promise<ChannelHealth> | null = null;
  const refresh = () =>
    (inflight ??= ch
      .health()
      .catch((e): ChannelHealth => ({ ok: false, problems: [{ code: 'health-failed', message: e instanceof Error ? e.message : String(e) }] }))
      .then((value) => ((last = { at: Date.now(), value }), value))
      .finally(() => (inflight = null)));
  return {
    get: async () => {
      if (last && Date.now() - last.at < ttlMs) return last.value;
      if (last) {
        void refresh();
        return last.value;
      }
      return refresh();
    },
    // The cash register just answered: the next status asks it afresh instead of showing an old problem.
    invalidate: () => (last = null),
  };
}

class TerminalImpl extends EventEmitter implements Terminal {
  private closed = false;
  private readonly scanListeners: { scanner: Scanner; fn: (s: ScanEvent) => void }[] = [];
  private readonly registers = new Map<string, RegisterSetup>();
  private readonly health = new Map<string, ReturnType<typeof cachedHealth>>();
  /** Returns are checked against their sale and appended one at a time per sale (no double return). */
  private readonly returnLocks = new Map<string, Promise<unknown>>();
  readonly relay: Relay | null;
  readonly decider: Decider;
  /** The latest pre-sale check per KI (bounded), attached to the codes of the receipt that sells them. */
  private readonly checks = new Map<string, CodeCheck>();
  /** The last write the outbox refused (disk full, read-only, locked…), until a write succeeds again. */
  private storeTrouble: { code: string; message: string; at: string } | null = null;

  constructor(
    private readonly config: TerminalConfig,
    private readonly outbox: Outbox,
    private readonly now: () => number,
  ) {
    super();
    // Every caller waiting for its fiscal result (`waitMs`) listens for `receipt`: many at once is normal.
    this.setMaxListeners(0);
    if (config.registers.length === 0) throw new Error('createTerminal: configure at least one register');
    for (const r of config.registers) {
      this.registers.set(r.id, r);
      if (r.channel) this.health.set(r.id, cachedHealth(r.channel, config.healthTtlMs ?? 30_000));
    }
    this.decider = createDecider({ ...(config.decision ?? {}), tracking: config.tracking, soldHere: outbox, now, country: config.country, gsSubstitutes: config.gsSubstitutes });
    const sending = config.registers.filter((r) => r.channel && r.channel.name !== EXTERNAL).map((r) => r.id);
    this.relay =
      config.relay?.enabled === false
        ? null
        : createRelay({
            ...(config.relay ?? {}),
            queue: outbox,
            channelFor: (id) => this.registers.get(id)?.channel ?? null,
            registers: () => sending,
            onChange: (v) => {
              this.storeTrouble = null;
              if (v.state === 'fiscalised') this.health.get(v.registerId)?.invalidate();
              this.emit('receipt', v);
            },
            onRegister: (s) => {
              this.health.get(s.registerId)?.invalidate();
              this.emit('register', s);
            },
            onError: (e) => {
              this.noteStoreTrouble(e);
              config.relay?.onError?.(e);
            },
          });
    for (const scanner of config.scanners ?? []) {
      const fn = (scan: ScanEvent) => this.onScan(scan);
      scanner.on('scan', fn);
      this.scanListeners.push({ scanner, fn });
    }
  }

  async start(): Promise<void> {
    await this.relay?.start();
  }

  private onScan(scan: ScanEvent): void {
    const code = parseCode(scan.raw, { country: this.config.country, gsSubstitutes: this.config.gsSubstitutes });
    this.emit('scan', { scan, code });
    if ((this.config.checkOnScan ?? true) && code.ok && code.kind === 'marking') this.check(scan.raw).catch((e) => this.emit('error', e));
  }

  private guard(): void {
    if (this.closed) throw new StoreError('store-closed', 'The terminal is closed.');
  }

  async check(code: string | Uint8Array, opts: { registerId?: string; price?: number } = {}): Promise<Decision> {
    this.guard();
    const d = await this.decider.check(code, opts);
    if (d.code.ki) this.remember(d.code.ki, d);
    this.emit('decision', d);
    return d;
  }

  private remember(ki: string, d: Decision): void {
    const requisites = (d as Decision & { requisites?: CodeCheck['requisites'] }).requisites;
    this.checks.delete(ki);
    this.checks.set(ki, { verdict: d.verdict, checked: d.source !== 'none', online: d.source === 'online', checkedAt: d.checkedAt, ...(requisites ? { requisites } : {}) });
    if (this.checks.size > 10_000) this.checks.delete(this.checks.keys().next().value as string);
  }

  /** Codes of a new receipt carry the check made for them at this till within the last 30 minutes. */
  private attachChecks(rec: NewRecord): void {
    const since = this.now() - 30 * 60_000;
    for (const l of rec.receipt.lines)
      for (const c of l.codes) {
        const k = this.checks.get(c.ki);
        if (k && Date.parse(k.checkedAt) >= since) c.check = k;
      }
  }

  private register(id: string | undefined, what: string): RegisterSetup {
    if (id !== undefined) {
      const r = this.registers.get(id);
      if (!r)
        throw new SaleError('unknown-register', `Register ${id} is not configured; send one of: ${[...this.registers.keys()].join(', ')}.`, [
          { field: 'registerId', problem: `names no configured register`, fix: `write one of: ${[...this.registers.keys()].join(', ')}` },
        ]);
      return r;
    }
    if (this.registers.size === 1) return [...this.registers.values()][0];
    throw invalidSale(what, undefined, [{ field: 'registerId', problem: 'is required: several registers are configured', fix: `write one of: ${[...this.registers.keys()].join(', ')}` }]);
  }

  /** Channel rules on intake: what the register's channel can take. */
  private checkForChannel(rec: NewRecord, reg: RegisterSetup, what: string, sale: FiscalReceipt | null = null): void {
    const ch = reg.channel?.name ?? null;
    const own = reg.channel?.validate?.(rec.receipt, sale) ?? [];
    if (own.length) throw invalidSale(what, rec.receipt.id, own);
    if (ch === EXTERNAL) {
      if (!rec.fiscal)
        throw invalidSale(what, rec.receipt.id, [
          { field: 'fiscal', problem: `is required: register ${reg.id} fiscalises in the POS (channel "external")`, fix: 'send the fiscal result of the receipt: { channel, fiscalSign, registrationNumber, dateTime, total, isOffline }' },
        ]);
      return;
    }
    if (rec.fiscal)
      throw invalidSale(what, rec.receipt.id, [
        { field: 'fiscal', problem: `is only for registers whose POS fiscalises itself; register ${reg.id} fiscalises through ${ch ?? 'its channel'}`, fix: 'leave fiscal out: tanba issues the receipt' },
      ]);
    if (ch && rec.receipt.legacy)
      throw invalidSale(what, rec.receipt.id, [
        {
          field: 'items',
          problem: `is the old shape without receipt data; register ${reg.id} issues fiscal receipts through ${ch}, which need names, prices and taxes`,
          fix: 'send lines: [{ "name": "…", "price": 50000, "quantity": 1, "codes": ["…"], "vatRate": 12 }] instead of items',
        },
      ]);
  }

  /** The register a receipt names; a body that is wrong in itself is reported as such first. */
  private registerFor(input: unknown, id: string | undefined, what: 'sale' | 'return'): RegisterSetup {
    try {
      return this.register(id, what);
    } catch (e) {
      (what === 'sale' ? normalizeSale : normalizeReturn)(input, { now: this.now(), registerId: '(none)' });
      throw e;
    }
  }

  async recordSale(sale: SaleInput, opts: RecordOptions = {}): Promise<SaleView> {
    this.guard();
    const reg = this.registerFor(sale, (sale as { registerId?: string } | null)?.registerId, 'sale');
    const rec = normalizeSale(sale, this.normalizeOptions(reg));
    this.checkForChannel(rec, reg, 'sale');
    return this.append(rec, reg, opts);
  }

  async recordReturn(ret: ReturnInput, opts: RecordOptions = {}): Promise<SaleView> {
    this.guard();
    const saleId = typeof (ret as { saleId?: unknown })?.saleId === 'string' ? (ret as { saleId: string }).saleId : '';
    const prior = this.returnLocks.get(saleId) ?? Promise.resolve();
    const run = prior.catch(() => undefined).then(() => this.appendReturn(ret, opts));
    this.returnLocks.set(saleId, run);
    try {
      return await run;
    } finally {
      if (this.returnLocks.get(saleId) === run) this.returnLocks.delete(saleId);
    }
  }

  private async appendReturn(ret: ReturnInput, opts: RecordOptions): Promise<SaleView> {
    const sale = ret && typeof ret.saleId === 'string' ? await this.outbox.receipt(ret.saleId) : null;
    if (!sale || sale.type !== 'sale') {
      const shape = normalizeReturn(ret, { now: this.now(), registerId: '(none)' });
      throw new SaleError('unknown-sale', `Return ${shape.receipt.id} names sale ${shape.receipt.saleId}, which this store does not hold; nothing was saved.`, [
        { field: 'saleId', problem: 'names no sale recorded here', fix: 'write the id of the sale being returned, as it was sent to POST /v1/sales' },
      ]);
    }
    const given = (ret as { registerId?: string })?.registerId;
    const reg = this.registerFor(ret, given ?? (this.registers.has(sale.registerId) ? sale.registerId : undefined), 'return');
    const rec = normalizeReturn(ret, this.normalizeOptions(reg));
    const existing = await this.outbox.get(rec.receipt.id);
    if (!existing) checkReturnAgainstSale(rec.receipt, sale, (await this.outbox.returnsOf(sale.id)).filter((r) => r.id !== rec.receipt.id));
    this.checkForChannel(rec, reg, 'return', sale);
    return this.append(rec, reg, opts);
  }

  private normalizeOptions(reg: RegisterSetup) {
    return { country: this.config.country, gsSubstitutes: this.config.gsSubstitutes, now: this.now(), registerId: reg.id, vatRate: reg.vatRate ?? null };
  }

  /** Writes a receipt durably; a new one invalidates cached statuses of its codes and wakes the relay. */
  private async append(rec: NewRecord, reg: RegisterSetup, opts: RecordOptions): Promise<SaleView> {
    const waitMs = Math.max(0, Math.min(opts.waitMs ?? 0, 120_000));
    this.attachChecks(rec);
    // Listen before the append: the relay may fiscalise it before `append` resolves here.
    const waiter = waitMs > 0 && this.relay ? this.waitFinal(rec.receipt.id, waitMs) : null;
    try {
      let appended;
      try {
        appended = await this.outbox.append(rec, reg.channel?.name ?? null);
        this.storeTrouble = null;
      } catch (e) {
        this.noteStoreTrouble(e);
        throw e;
      }
      const { view, created } = appended;
      if (created) {
        for (const l of rec.receipt.lines) for (const c of l.codes) this.decider.forget(c.ki);
        this.emit('receipt', view);
        this.relay?.kick();
      }
      if (!waiter || FINAL.has(view.state)) return view;
      const final = await waiter.promise;
      return final ?? (await this.outbox.get(rec.receipt.id)) ?? view;
    } finally {
      waiter?.cancel();
    }
  }

  private noteStoreTrouble(e: unknown): void {
    const code = (e as { code?: unknown })?.code;
    if (typeof code === 'string' && /^(disk-full|store-)/.test(code) && code !== 'store-closed')
      this.storeTrouble = { code, message: e instanceof Error ? e.message : String(e), at: new Date(this.now()).toISOString() };
  }

  private waitFinal(id: string, ms: number): { promise: Promise<SaleView | null>; cancel: () => void } {
    let cancel = () => {};
    const promise = new Promise<SaleView | null>((resolve) => {
      const onReceipt = (v: SaleView) => {
        if (v.id === id && (FINAL.has(v.state) || v.deadLetter)) finish(v);
      };
      const timer = setTimeout(() => finish(null), ms);
      const finish = (v: SaleView | null) => {
        clearTimeout(timer);
        this.off('receipt', onReceipt);
        resolve(v);
      };
      cancel = () => finish(null);
      this.on('receipt', onReceipt);
    });
    return { promise, cancel };
  }

  sale(id: string): Promise<SaleView | null> {
    return this.outbox.get(id);
  }

  receipts(opts: { which: 'open' | 'all' | 'dead'; limit: number; registerId?: string }): Promise<ListedReceipt[]> {
    return this.outbox.list(opts);
  }

  /** Local block list (codes and GTINs) the decision consults. */
  get blockList(): BlockList {
    return this.decider.blockList;
  }

  async retryDeadLetter(id: string): Promise<SaleView> {
    const view = await this.outbox.retryDead(id);
    this.emit('receipt', view);
    this.relay?.kick();
    return view;
  }

  async fleet(): Promise<FleetView> {
    const stats = await this.outbox.stats();
    const now = this.now();
    const limitH = this.config.autonomousLimitHours ?? 72;
    const registers: FleetRegister[] = stats.registers.map((r) => {
      const starts = [r.oldestPendingAt, r.autonomousSince].filter((x): x is string => x !== null).map(Date.parse);
      const hoursLeft = starts.length ? Math.round((limitH - (now - Math.min(...starts)) / 3_600_000) * 10) / 10 : null;
      return { id: r.registerId, channel: r.channel, pending: r.pending, oldestUnsentAt: r.oldestPendingAt, hoursLeft, deadLetters: r.deadLetters, lastFiscalisedAt: r.lastFiscalisedAt, autonomousSince: r.autonomousSince };
    });
    const hours = registers.map((r) => r.hoursLeft).filter((h): h is number => h !== null);
    return {
      at: new Date(now).toISOString(),
      registers,
      totals: { registers: registers.length, pending: stats.pending, deadLetters: stats.deadLetters, oldestUnsentAt: stats.oldestPendingAt, leastHoursLeft: hours.length ? Math.min(...hours) : null },
    };
  }

  async status(): Promise<TerminalStatus> {
    const problems: Problem[] = [];
    const now = this.now();
    let stats: Awaited<ReturnType<Outbox['stats']>> | null = null;
    try {
      stats = await this.outbox.stats();
    } catch (e) {
      problems.push({ code: (e as StoreError).code ?? 'store-io', message: (e as Error).message });
    }
    if (this.storeTrouble)
      problems.push({ code: 'store-unwritable', message: `The sale log cannot be written (${this.storeTrouble.code} since ${this.storeTrouble.at}): ${this.storeTrouble.message}` });
    const relayRegs = new Map<string, RegisterState>((this.relay?.status().registers ?? []).map((r) => [r.registerId, r]));
    const limitH = this.config.autonomousLimitHours ?? 72;
    const warnH = this.config.autonomousWarningHours ?? 24;
    const ids = new Set([...this.registers.keys(), ...(stats?.registers.map((r) => r.registerId) ?? [])]);
    const healthOf = async (id: string): Promise<ChannelHealth | null> => {
      const h = this.health.get(id);
      if (!h) return null;
      return Promise.race([h.get(), new Promise<null>((r) => setTimeout(() => r(null), 1000).unref())]);
    };
    const registers: RegisterStatus[] = await Promise.all(
      [...ids].sort().map(async (id): Promise<RegisterStatus> => {
        const setup = this.registers.get(id);
        const q = stats?.registers.find((r) => r.registerId === id);
        const rs = relayRegs.get(id);
        const health = await healthOf(id);
        const channel = setup?.channel?.name ?? q?.channel ?? null;
        const oldestUnsentAt = q?.oldestPendingAt ?? null;
        const autonomousSince = q?.autonomousSince ?? (health?.offline && health.oldestUnsentAt ? health.oldestUnsentAt : null);
        const clockStart = [oldestUnsentAt, autonomousSince].filter((x): x is string => x !== null).map(Date.parse);
        const hoursLeft = clockStart.length ? Math.round((limitH - (now - Math.min(...clockStart)) / 3_600_000) * 10) / 10 : null;
        const failing = rs?.lastErrorAt && (!rs.lastSuccessAt || rs.lastErrorAt > rs.lastSuccessAt) && (q?.pending ?? 0) > 0;
        const state: RegisterStatus['state'] = !setup?.channel
          ? 'unconfigured'
          : rs?.blocked
            ? 'blocked'
            : failing
              ? 'unreachable'
              : autonomousSince || health?.offline
                ? 'autonomous'
                : 'ok';
        const r: RegisterStatus = {
          id,
          channel,
          state,
          pending: q?.pending ?? 0,
          oldestUnsentAt,
          deadLetters: q?.deadLetters ?? 0,
          lastSuccessAt: rs?.lastSuccessAt ?? q?.lastFiscalisedAt ?? null,
          lastErrorAt: rs?.lastErrorAt ?? null,
          lastError: rs?.lastError ?? null,
          autonomousSince,
          hoursLeft,
          blocked: rs?.blocked ?? null,
          health,
        };
        if (r.blocked) problems.push({ registerId: id, code: 'fiscal-blocked', message: `Register ${id} is blocked (${r.blocked.code}): ${r.blocked.message} Receipts wait and go out in order once it clears.` });
        else if (state === 'unreachable')
          problems.push({ registerId: id, code: 'fiscal-unreachable', message: `Register ${id}: the cash register (${channel}) is not answering: ${r.lastError}. ${r.pending} receipt(s) are queued and go out in order when it answers.` });
        if (state === 'unconfigured' && r.pending > 0)
          problems.push({ registerId: id, code: 'fiscal-not-configured', message: `Register ${id} has no fiscal channel: ${r.pending} receipt(s) wait. Set registers[].fiscal in the configuration.` });
        if (hoursLeft !== null && hoursLeft <= warnH)
          problems.push({
            registerId: id,
            code: hoursLeft <= 0 ? 'autonomous-72h-reached' : 'autonomous-72h-near',
            message: `Register ${id}: ${hoursLeft <= 0 ? `the ${limitH} h limit is reached` : `${hoursLeft} h left of the ${limitH} h`} a receipt may stay ${autonomousSince ? 'autonomous (not forwarded to the OFD)' : 'unsent'}. Restore the internet link to the cash register${autonomousSince ? ' and its OFD' : ''}.`,
          });
        else if (oldestUnsentAt && now - Date.parse(oldestUnsentAt) > (this.config.queueAgeWarningMs ?? 3_600_000) && state !== 'unconfigured')
          problems.push({ registerId: id, code: 'queue-old', message: `Register ${id}: receipts have been waiting since ${oldestUnsentAt}.` });
        if (r.deadLetters > 0) problems.push({ registerId: id, code: 'dead-letters', message: `Register ${id}: ${r.deadLetters} receipt(s) need an operator: see tanba queue list --dead.` });
        // While unreachable, the register's own problem says it; the health probe would only repeat it.
        if (state !== 'unreachable')
          for (const p of health?.problems ?? [])
            if (!problems.some((q) => q.registerId === id && q.code === p.code)) problems.push({ registerId: id, code: p.code, message: `Register ${id}: ${p.message}` });
        return r;
      }),
    );
    let tracking: TerminalStatus['tracking'] = { configured: Boolean(this.config.tracking), tokenExpiresAt: null, message: null };
    if (this.config.tracking) {
      try {
        const h = await Promise.race([this.config.tracking.health(), new Promise<null>((r) => setTimeout(() => r(null), 1000).unref())]);
        tracking = { configured: true, tokenExpiresAt: h?.tokenExpiresAt ?? null, message: h?.message ?? null };
      } catch (e) {
        tracking = { configured: true, tokenExpiresAt: null, message: e instanceof Error ? e.message : String(e) };
      }
    }
    const scanners = (this.config.scanners ?? []).map((s) => ({ path: s.source.path, driver: s.source.driver, state: s.state }));
    for (const s of scanners) if (s.state !== 'connected') problems.push({ code: 'scanner-' + s.state, message: `Scanner ${s.path} is ${s.state}.` });
    return {
      ready: !this.closed,
      state: problems.length === 0 ? 'ready' : 'degraded',
      problems,
      queue: { pending: stats?.pending ?? 0, oldestPendingAt: stats?.oldestPendingAt ?? null, deadLetters: stats?.deadLetters ?? 0 },
      registers,
      tracking,
      scanners,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { scanner, fn } of this.scanListeners) scanner.off('scan', fn);
    await this.relay?.stop();
    if (this.config.ownsParts !== false) {
      await this.outbox.close().catch(() => undefined);
      for (const r of this.registers.values()) await r.channel?.close?.().catch(() => undefined);
      await this.config.tracking?.close?.().catch(() => undefined);
    }
  }
}

export type TanbaTerminal = Terminal & { readonly blockList: BlockList; readonly relay: Relay | null };

/** Compose a terminal from its parts and start its relay (resuming anything left from a restart). */
export async function createTerminal(config: TerminalConfig): Promise<TanbaTerminal> {
  const t = new TerminalImpl(config, config.outbox, config.now ?? Date.now);
  await t.start();
  return t;
}
