/**
 * `createTerminal(config)`: the SDK object a POS embeds. Composes the marking engine, decision,
 * the durable sale log, the relay and a tracking system, plus optional scanners. Emits `scan`,
 * `decision` and `record` (every state change of a sale or return).
 */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { createDecider, type Decider, type DeciderOptions } from '../decision/decider.js';
import type { Decision } from '../decision/types.js';
import type { BlockList } from '../decision/local-knowledge.js';
import { parseCode } from '../marking/index.js';
import type { Country } from '../marking/types.js';
import { StoreError } from '../outbox/errors.js';
import { normalizeReturn, normalizeSale, type NormalizeOptions } from '../outbox/normalize.js';
import type { NewRecord } from '../outbox/store.js';
import { createRelay, type Relay, type RelayOptions } from '../outbox/relay.js';
import { openSqliteStore, type SqliteStoreOptions } from '../outbox/sqlite-store.js';
import type { SaleStore, StoredRecord } from '../outbox/store.js';
import type { RecordInfo, ReturnInput, SaleInput } from '../outbox/types.js';
import type { Scanner, ScanEvent } from '../scan/types.js';
import type { TrackingConfig } from '../tracking/config.js';
import { createTrackingSystem } from '../tracking/factory.js';
import type { TrackingSystem } from '../tracking/types.js';
import type { Terminal, TerminalStatus } from './types.js';

export interface TerminalConfig {
  /** A TrackingSystem (e.g. from `createTrackingSystem`), or the adapter config to build one from. */
  tracking: TrackingSystem | TrackingConfig;
  /** A ready SaleStore, or SQLite options. Default: `tanba-sales.db` in the working folder. */
  store?: SaleStore | Partial<SqliteStoreOptions>;
  country?: Country;
  gsSubstitutes?: string[];
  /** Decision settings (budget, language, time zone, seller BIN, owner check, prices, unknown policy). */
  decision?: Omit<DeciderOptions, 'tracking' | 'soldHere' | 'now' | 'country' | 'gsSubstitutes'>;
  /** Relay settings; `enabled: false` records without sending (e.g. a read-only till). */
  relay?: Omit<RelayOptions, 'store' | 'tracking' | 'now' | 'onChange'> & { enabled?: boolean };
  scanners?: Scanner[];
  /** Check every scanned marking code and emit `decision`. Default true. */
  checkOnScan?: boolean;
  /** A queue older than this makes the status `degraded`. Default 24 h. */
  queueAgeWarningMs?: number;
  /** Wall clock (ms). Default Date.now. */
  now?: () => number;
}

function isTrackingSystem(x: unknown): x is TrackingSystem {
  return typeof x === 'object' && x !== null && typeof (x as TrackingSystem).checkCodes === 'function';
}

function isStore(x: unknown): x is SaleStore {
  return typeof x === 'object' && x !== null && typeof (x as SaleStore).append === 'function';
}

class TanbaTerminal extends EventEmitter implements Terminal {
  private closed = false;
  private readonly scanListeners: { scanner: Scanner; fn: (s: ScanEvent) => void }[] = [];

  constructor(
    private readonly config: TerminalConfig,
    private readonly tracking: TrackingSystem,
    private readonly ownsTracking: boolean,
    private readonly store: SaleStore,
    private readonly ownsStore: boolean,
    private readonly decider: Decider,
    private readonly relay: Relay | null,
    private readonly now: () => number,
  ) {
    super();
    for (const scanner of config.scanners ?? []) {
      const fn = (scan: ScanEvent) => this.onScan(scan);
      scanner.on('scan', fn);
      this.scanListeners.push({ scanner, fn });
    }
  }

  private onScan(scan: ScanEvent): void {
    const code = parseCode(scan.raw, { country: this.config.country, gsSubstitutes: this.config.gsSubstitutes });
    this.emit('scan', { scan, code });
    if ((this.config.checkOnScan ?? true) && code.ok && code.kind === 'marking') {
      this.check(scan.raw).catch((e) => this.emit('error', e));
    }
  }

  private guard(): void {
    if (this.closed) throw new StoreError('store-closed', 'The terminal is closed.');
  }

  async check(code: string | Uint8Array, opts: { registerId?: string; price?: number } = {}): Promise<Decision> {
    this.guard();
    const d = await this.decider.check(code, opts);
    this.emit('decision', d);
    return d;
  }

  async recordSale(sale: SaleInput): Promise<RecordInfo> {
    this.guard();
    return this.append(normalizeSale(sale, this.normalizeOptions()), sale.id);
  }

  async recordReturn(ret: ReturnInput): Promise<RecordInfo> {
    this.guard();
    return this.append(normalizeReturn(ret, this.normalizeOptions()), ret.id);
  }

  private normalizeOptions(): NormalizeOptions {
    return { country: this.config.country, gsSubstitutes: this.config.gsSubstitutes, now: this.now() };
  }

  /** Writes a sale or return durably; a new record invalidates cached statuses of its codes and wakes the relay. */
  private async append(rec: NewRecord, id: string): Promise<RecordInfo> {
    this.checkDocumentSize(rec.body.items.length, id);
    const { info, created } = await this.store.append(rec);
    if (created) {
      for (const it of rec.body.items) this.decider.forget(it.ki);
      this.emit('record', info);
      this.relay?.kick();
    }
    return info;
  }

  private checkDocumentSize(n: number, id: string): void {
    const max = this.tracking.limits.maxCodesPerDocument;
    if (n > max)
      throw new StoreError('invalid-sale', `Sale ${id} has ${n} marked items; the tracking system takes at most ${max} per document. Split the receipt.`, { id });
  }

  sale(id: string): Promise<RecordInfo | null> {
    return this.store.get(id);
  }

  /** Local block list (codes and GTINs) the decision consults; load it from an adapter or the operator. */
  get blockList(): BlockList {
    return this.decider.blockList;
  }

  /** Records the relay gave up on (permanent refusals, rejected documents). */
  deadLetters(): Promise<StoredRecord[]> {
    return this.store.deadLetters();
  }

  /** An operator decided to try a dead letter again. */
  async retryDeadLetter(id: string): Promise<RecordInfo> {
    const info = await this.store.retryDeadLetter(id, this.now());
    this.emit('record', info);
    this.relay?.kick();
    return info;
  }

  async status(): Promise<TerminalStatus> {
    const problems: TerminalStatus['problems'] = [];
    let queue: TerminalStatus['queue'] = { pending: 0, oldestPendingAt: null, deadLetters: 0 };
    try {
      const s = await this.store.stats();
      queue = { pending: s.pending, oldestPendingAt: s.oldestPendingAt, deadLetters: s.deadLetters };
    } catch (e) {
      problems.push({ code: (e as StoreError).code ?? 'store-io', message: (e as Error).message });
    }
    const relay = this.relay?.status();
    const ageLimit = this.config.queueAgeWarningMs ?? 86_400_000;
    if (queue.oldestPendingAt && this.now() - Date.parse(queue.oldestPendingAt) > ageLimit)
      problems.push({ code: 'queue-old', message: `Sales have been waiting since ${queue.oldestPendingAt}; check the connection to the tracking system.` });
    if (queue.deadLetters > 0)
      problems.push({ code: 'dead-letters', message: `${queue.deadLetters} sale(s) or return(s) need an operator: see the dead-letter list.` });
    if (relay && relay.lastErrorAt && (!relay.lastSuccessAt || relay.lastErrorAt > relay.lastSuccessAt))
      problems.push({ code: 'tracking-unreachable', message: `The tracking system is not answering: ${relay.lastError ?? 'unknown error'}.` });
    let tokenExpiresAt: string | null = null;
    try {
      const h = await Promise.race([
        this.tracking.health(),
        new Promise<null>((r) => setTimeout(() => r(null), 1000).unref()),
      ]);
      tokenExpiresAt = h?.tokenExpiresAt ?? null;
    } catch {
      /* reported through the relay's last error */
    }
    const scanners = (this.config.scanners ?? []).map((s) => ({ path: s.source.path, driver: s.source.driver, state: s.state }));
    for (const s of scanners)
      if (s.state !== 'connected') problems.push({ code: 'scanner-' + s.state, message: `Scanner ${s.path} is ${s.state}.` });
    return {
      ready: !this.closed,
      state: problems.length === 0 ? 'ready' : 'degraded',
      problems,
      queue,
      tracking: {
        lastSuccessAt: relay?.lastSuccessAt ?? null,
        lastErrorAt: relay?.lastErrorAt ?? null,
        lastError: relay?.lastError ?? null,
        tokenExpiresAt,
      },
      scanners,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const { scanner, fn } of this.scanListeners) scanner.off('scan', fn);
    await this.relay?.stop();
    if (this.ownsStore) await this.store.close();
    if (this.ownsTracking) await this.tracking.close?.();
  }
}

/** Build a terminal: opens the store, starts the relay (resuming anything left from a restart). */
export async function createTerminal(config: TerminalConfig): Promise<Terminal & TanbaTerminalExtras> {
  const now = config.now ?? Date.now;
  const ownsTracking = !isTrackingSystem(config.tracking);
  const tracking = isTrackingSystem(config.tracking) ? config.tracking : createTrackingSystem({ now, ...config.tracking } as TrackingConfig);
  const ownsStore = !isStore(config.store);
  const store: SaleStore = isStore(config.store)
    ? config.store
    : openSqliteStore({ path: join(process.cwd(), 'tanba-sales.db'), now, ...(config.store ?? {}) });
  try {
    const decider = createDecider({
      ...(config.decision ?? {}),
      tracking,
      soldHere: store,
      now,
      country: config.country,
      gsSubstitutes: config.gsSubstitutes,
    });
    let terminal: TanbaTerminal | null = null;
    const relay =
      config.relay?.enabled === false
        ? null
        : createRelay({ ...(config.relay ?? {}), store, tracking, now, onChange: (info) => terminal?.emit('record', info) });
    terminal = new TanbaTerminal(config, tracking, ownsTracking, store, ownsStore, decider, relay, now);
    await relay?.start();
    return terminal;
  } catch (e) {
    if (ownsStore) await store.close().catch(() => undefined);
    if (ownsTracking) await tracking.close?.().catch(() => undefined);
    throw e;
  }
}

export interface TanbaTerminalExtras {
  readonly blockList: BlockList;
  deadLetters(): Promise<StoredRecord[]>;
  retryDeadLetter(id: string): Promise<RecordInfo>;
}
