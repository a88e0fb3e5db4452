/**
 * The till's outbox: one SQLite file through better-sqlite3, WAL, `synchronous=FULL` on intake
 * (every acknowledged receipt is fsync'd), `quick_check` on open, schema 1 upgraded in place.
 * Implements ReceiptLog, DeliveryQueue and QueueViews (ports.ts).
 *
 * Group commit: appends that arrive in the same event-loop turn are written in one transaction
 * and all resolve after it; a failed commit rejects every caller in it.
 * Relay bookkeeping (claims, transitions) is committed with `synchronous=NORMAL` (WAL: consistent,
 * not fsync'd per commit): losing the newest of these on a power cut falls back to an earlier
 * state that reconciliation resolves (see relay.ts). The "sending" mark is fsync'd when the channel
 * has no idempotency key (the caller says so).
 */
import Database from 'better-sqlite3';
import { SaleError } from '../../sale/errors.js';
import type { Customer, FiscalReceipt, FiscalResult } from '../../sale/types.js';
import { fromSqliteError, StoreError } from '../errors.js';
import type {
  AppendResult,
  Claimed,
  Delivery,
  DeliveryState,
  ListedReceipt,
  NewRecord,
  Outbox,
  QueueStats,
  Reason,
  RegisterQueueStats,
  SaleView,
  Transition,
} from '../ports.js';
import { migrateV1, SCHEMA, SCHEMA_VERSION } from './schema.js';

export interface SqliteOutboxOptions {
  /** Database file; created when missing. */
  path: string;
  /**
   * How long one statement may wait for a lock held by another process. better-sqlite3 waits on
   * the event loop, so this is kept short (default 50 ms); appends then retry asynchronously for
   * up to `lockWaitMs` before the caller is told `store-locked`, and the relay retries later.
   */
  busyTimeoutMs?: number;
  /** How long an append keeps retrying a locked database (without blocking the event loop). Default 5000 ms. */
  lockWaitMs?: number;
  /** `quick` (default) or `full` integrity check on open; `off` skips it. */
  integrityCheck?: 'quick' | 'full' | 'off';
  /** Cap the database size in pages (SQLite `max_page_count`); writes past it fail with disk-full. */
  maxPages?: number;
  /** Clock (ms). Default Date.now. */
  now?: () => number;
  /** Open an existing file for reading only (operator tools beside a running agent). */
  readonly?: boolean;
  /**
   * A SQLite file has one relay: on `recover`, every `sending` delivery and every lease is taken
   * over, whoever held it (the previous process is gone). Default true; false scopes recovery to
   * the worker (what a shared store does).
   */
  takeOverOnRecover?: boolean;
}

interface ReceiptRow {
  seq: number;
  id: string;
  type: 'sale' | 'return';
  sale_id: string | null;
  register_id: string;
  body: string;
  body_hash: string;
  customer: string | null;
  created_at: number;
}

interface DeliveryRow {
  seq: number;
  register_id: string;
  channel: string | null;
  state: DeliveryState;
  idem_key: string;
  attempts: number;
  claims: number;
  result: string | null;
  is_offline: number | null;
  next_attempt_at: number | null;
  first_sent_at: number | null;
  last_sent_at: number | null;
  prepared: string | null;
  lease_worker: string | null;
  lease_token: number;
  lease_until: number | null;
  last_error: string | null;
  reasons: string;
  dead: number;
  updated_at: number;
}

type Row = DeliveryRow & Omit<ReceiptRow, 'seq' | 'register_id'>;

interface Pending {
  rec: NewRecord;
  channel: string | null;
  /** When the first commit of this append was tried (ms, monotonic). */
  since: number;
  resolve: (v: AppendResult) => void;
  reject: (e: unknown) => void;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const OPEN = `('queued','sending','unknown')`;
const JOIN = `SELECT d.*, r.id, r.type, r.sale_id, r.body, r.body_hash, r.customer, r.created_at FROM deliveries d JOIN receipts r ON r.seq = d.seq`;

function toView(r: Row): SaleView {
  const v: SaleView = {
    id: r.id,
    type: r.type,
    registerId: r.register_id,
    channel: r.channel,
    state: r.state,
    fiscal: r.result ? (JSON.parse(r.result) as FiscalResult) : null,
    reasons: JSON.parse(r.reasons) as Reason[],
    attempts: r.attempts,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    nextAttemptAt: r.dead || r.next_attempt_at === null ? null : iso(r.next_attempt_at),
  };
  if (r.sale_id !== null) v.saleId = r.sale_id;
  if (r.dead) v.deadLetter = true;
  return v;
}

function toListed(r: Row): ListedReceipt {
  const body = JSON.parse(r.body) as FiscalReceipt;
  return { ...toView(r), lastError: r.last_error, total: body.total, lines: body.lines.length, codes: body.lines.reduce((a, l) => a + l.codes.length, 0) };
}

function toDelivery(r: Row): Delivery {
  return {
    seq: r.seq,
    id: r.id,
    type: r.type,
    registerId: r.register_id,
    channel: r.channel,
    state: r.state,
    attempts: r.attempts,
    claims: r.claims,
    key: r.idem_key,
    result: r.result ? (JSON.parse(r.result) as FiscalResult) : null,
    firstSentAt: r.first_sent_at,
    lastSentAt: r.last_sent_at,
    lastError: r.last_error,
    dead: r.dead === 1,
    createdAt: r.created_at,
    prepared: r.prepared ? (JSON.parse(r.prepared) as Delivery['prepared']) : null,
  };
}

export class SqliteOutbox implements Outbox {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly takeOver: boolean;
  private readonly lockWaitMs: number;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Group-commit counters: transactions written by `append`, and receipts in them. */
  readonly commitStats = { commits: 0, records: 0, largestBatch: 0 };
  private readonly st: ReturnType<SqliteOutbox['prepare']>;

  private constructor(db: Database.Database, opts: SqliteOutboxOptions) {
    this.db = db;
    this.now = opts.now ?? Date.now;
    this.takeOver = opts.takeOverOnRecover ?? true;
    this.lockWaitMs = opts.lockWaitMs ?? 5000;
    this.st = this.prepare();
  }

  /** Open (or create, or upgrade) the outbox. Throws StoreError (`store-corrupt`, `store-readonly`, …). */
  static open(options: SqliteOutboxOptions): SqliteOutbox {
    let db: Database.Database | undefined;
    try {
      const readonly = options.readonly === true;
      db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 50, readonly, fileMustExist: readonly });
      if (!readonly) {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (String(mode).toLowerCase() !== 'wal') throw new StoreError('store-io', `Could not switch the sale database to WAL (got ${String(mode)}).`);
        db.pragma('synchronous = FULL');
        db.pragma('foreign_keys = ON');
        // Erased customer contacts are overwritten on disk, not left in free pages.
        db.pragma('secure_delete = ON');
        if (options.maxPages) db.pragma(`max_page_count = ${Math.floor(options.maxPages)}`);
      }
      const check = options.integrityCheck ?? 'quick';
      if (check !== 'off') {
        const rows = db.pragma(check === 'full' ? 'integrity_check' : 'quick_check') as Record<string, string>[];
        const msgs = rows.map((r) => Object.values(r)[0]);
        if (!(msgs.length === 1 && msgs[0] === 'ok'))
          throw new StoreError('store-corrupt', `The sale database failed its integrity check: ${msgs.slice(0, 3).join('; ')}. Restore it from a backup or move it aside.`);
      }
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw new StoreError('store-io', `The sale database was written by a newer tanba (schema ${version}); upgrade tanba.`);
      if (readonly) {
        if (version < SCHEMA_VERSION)
          throw new StoreError('store-readonly', `The sale database has schema ${version}; start the agent once to upgrade it to schema ${SCHEMA_VERSION}.`);
      } else {
        const d = db;
        d.transaction(() => {
          d.exec(SCHEMA);
          if (version === 1) migrateV1(d, options.now?.() ?? Date.now());
          if (version < SCHEMA_VERSION) d.pragma(`user_version = ${SCHEMA_VERSION}`);
        }).immediate();
      }
      return new SqliteOutbox(db, options);
    } catch (e) {
      try {
        db?.close();
      } catch {
        /* already failing */
      }
      throw fromSqliteError(e, 'opening the sale database');
    }
  }

  private prepare() {
    const db = this.db;
    return {
      insertReceipt: db.prepare(
        `INSERT INTO receipts (id, type, sale_id, register_id, body, body_hash, customer, created_at)
         VALUES (@id, @type, @sale_id, @register_id, @body, @body_hash, @customer, @now) ON CONFLICT(id) DO NOTHING`,
      ),
      insertDelivery: db.prepare(
        `INSERT INTO deliveries (seq, register_id, channel, state, idem_key, result, is_offline, next_attempt_at, updated_at)
         VALUES (@seq, @register_id, @channel, @state, @key, @result, @is_offline, @next, @now)`,
      ),
      insertCode: db.prepare(`INSERT OR IGNORE INTO record_codes (ki, seq, record_id, kind) VALUES (?, ?, ?, ?)`),
      receiptById: db.prepare(`SELECT * FROM receipts WHERE id = ?`),
      byId: db.prepare(`${JOIN} WHERE r.id = ?`),
      bySeq: db.prepare(`${JOIN} WHERE d.seq = ?`),
      returnsOf: db.prepare(`SELECT r.body FROM receipts r JOIN deliveries d ON d.seq = r.seq WHERE r.sale_id = ? AND r.type = 'return' AND d.state <> 'rejected' ORDER BY r.seq`),
      head: db.prepare(`${JOIN} WHERE d.register_id = ? AND d.dead = 0 AND d.state IN ${OPEN} ORDER BY d.seq LIMIT 1`),
      busyUntil: db.prepare(`SELECT MAX(lease_until) AS t FROM deliveries WHERE register_id = ? AND dead = 0 AND state IN ${OPEN} AND lease_until > ?`),
      openRegisters: db.prepare(`SELECT DISTINCT register_id FROM deliveries WHERE dead = 0 AND state IN ${OPEN}`),
      saleOf: db.prepare(`SELECT d.state, d.dead, d.result FROM receipts r JOIN deliveries d ON d.seq = r.seq WHERE r.id = ? AND r.type = 'sale'`),
      lease: db.prepare(
        `UPDATE deliveries SET lease_worker = @worker, lease_token = lease_token + 1, lease_until = @until, claims = claims + 1, state = @state
         WHERE seq = @seq RETURNING lease_token`,
      ),
      setSending: db.prepare(
        `UPDATE deliveries SET state = 'sending', updated_at = @now, first_sent_at = COALESCE(first_sent_at, @now), last_sent_at = @now, prepared = @prepared
         WHERE seq = @seq AND lease_worker = @worker AND lease_token = @token AND lease_until > @now`,
      ),
      transition: db.prepare(
        `UPDATE deliveries SET state = @state, next_attempt_at = @next, result = COALESCE(@result, result), is_offline = COALESCE(@is_offline, is_offline),
           reasons = COALESCE(@reasons, reasons), last_error = CASE WHEN @set_error THEN @last_error ELSE last_error END, dead = COALESCE(@dead, dead),
           attempts = attempts + @attempts, lease_worker = NULL, lease_until = NULL, updated_at = @now
         WHERE seq = @seq AND lease_worker = @worker AND lease_token = @token`,
      ),
      eraseCustomer: db.prepare(`UPDATE receipts SET customer = NULL WHERE seq = ? AND customer IS NOT NULL`),
      release: db.prepare(`UPDATE deliveries SET lease_worker = NULL, lease_until = NULL WHERE seq = @seq AND lease_worker = @worker AND lease_token = @token`),
      recoverAll: db.prepare(
        `UPDATE deliveries SET state = 'unknown', next_attempt_at = @next, lease_worker = NULL, lease_until = NULL, updated_at = @now WHERE state = 'sending'`,
      ),
      releaseAll: db.prepare(`UPDATE deliveries SET lease_worker = NULL, lease_until = NULL WHERE lease_worker IS NOT NULL`),
      recoverMine: db.prepare(
        `UPDATE deliveries SET state = 'unknown', next_attempt_at = @next, lease_worker = NULL, lease_until = NULL, updated_at = @now
         WHERE state = 'sending' AND lease_worker = @worker`,
      ),
      releaseMine: db.prepare(`UPDATE deliveries SET lease_worker = NULL, lease_until = NULL WHERE lease_worker = @worker`),
      dead: db.prepare(`${JOIN} WHERE d.dead = 1 AND (@reg IS NULL OR d.register_id = @reg) ORDER BY d.seq LIMIT @limit`),
      listAll: db.prepare(`${JOIN} WHERE (@reg IS NULL OR d.register_id = @reg) ORDER BY d.dead DESC, d.seq LIMIT @limit`),
      listOpen: db.prepare(`${JOIN} WHERE (d.dead = 1 OR d.state IN ${OPEN}) AND (@reg IS NULL OR d.register_id = @reg) ORDER BY d.dead DESC, d.seq LIMIT @limit`),
      lastKind: db.prepare(
        `SELECT kind FROM record_codes WHERE ki = ? ORDER BY seq DESC LIMIT 1`,
      ),
      countByState: db.prepare(`SELECT state, dead, COUNT(*) AS n FROM deliveries GROUP BY state, dead`),
      pendingByRegister: db.prepare(
        `SELECT d.register_id, MAX(d.channel) AS channel, COUNT(*) AS n, MIN(r.created_at) AS oldest FROM deliveries d JOIN receipts r ON r.seq = d.seq
         WHERE d.dead = 0 AND d.state IN ${OPEN} GROUP BY d.register_id`,
      ),
      deadByRegister: db.prepare(`SELECT register_id, MAX(channel) AS channel, COUNT(*) AS n FROM deliveries WHERE dead = 1 GROUP BY register_id`),
      doneRegisters: db.prepare(`SELECT register_id, MAX(channel) AS channel, MAX(seq) AS last_seq FROM deliveries WHERE state = 'fiscalised' GROUP BY register_id`),
      lastOnline: db.prepare(`SELECT MAX(seq) AS s FROM deliveries WHERE register_id = ? AND state = 'fiscalised' AND is_offline = 0`),
      autonomousSince: db.prepare(`SELECT MIN(updated_at) AS t FROM deliveries WHERE register_id = ? AND state = 'fiscalised' AND is_offline = 1 AND seq > ?`),
      updatedAt: db.prepare(`SELECT updated_at FROM deliveries WHERE seq = ?`),
      retryDead: db.prepare(
        `UPDATE deliveries SET dead = 0, state = @state, next_attempt_at = @now, claims = 0, lease_worker = NULL, lease_until = NULL, last_error = NULL,
           reasons = '[]', updated_at = @now WHERE seq = @seq`,
      ),
      purgeable: db.prepare(
        `SELECT d.seq, r.id, r.type FROM deliveries d JOIN receipts r ON r.seq = d.seq WHERE d.state IN ('fiscalised','recorded') AND d.updated_at < ?
           AND NOT EXISTS (SELECT 1 FROM receipts x JOIN deliveries y ON y.seq = x.seq WHERE x.sale_id = r.id AND y.state IN ${OPEN}) LIMIT 1000`,
      ),
      deleteCodes: db.prepare(`DELETE FROM record_codes WHERE seq = ?`),
      deleteDelivery: db.prepare(`DELETE FROM deliveries WHERE seq = ?`),
      deleteReceipt: db.prepare(`DELETE FROM receipts WHERE seq = ?`),
    };
  }

  private run<T>(doing: string, fn: () => T): Promise<T> {
    try {
      if (this.closed) throw new StoreError('store-closed', 'The sale store is closed.');
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(e instanceof SaleError ? e : fromSqliteError(e, doing));
    }
  }

  private relaxed<T>(fn: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  // ---- ReceiptLog ----

  append(rec: NewRecord, channel: string | null): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new StoreError('store-closed', 'The sale store is closed; nothing was saved.'));
      this.pending.push({ rec, channel, resolve, reject, since: performance.now() });
      this.scheduleFlush(0);
    });
  }

  private scheduleFlush(delayMs: number): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (delayMs === 0) setImmediate(() => this.flush());
    else setTimeout(() => this.flush(), delayMs);
  }

  /** Write every pending append in one transaction, then settle all of them. */
  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.flushScheduled = false;
    if (batch.length === 0) return;
    if (this.closed) {
      for (const p of batch) p.reject(new StoreError('store-closed', 'The sale store is closed; nothing was saved.'));
      return;
    }
    const now = this.now();
    let results: (AppendResult | StoreError)[];
    try {
      results = this.db.transaction(() => batch.map((p) => this.insertOne(p.rec, p.channel, now))).immediate();
      this.commitStats.commits++;
      this.commitStats.records += batch.length;
      this.commitStats.largestBatch = Math.max(this.commitStats.largestBatch, batch.length);
    } catch (e) {
      const err = fromSqliteError(e, 'saving a sale');
      if (err.code === 'store-locked' && !this.closed) {
        // Another process holds the database: try again shortly, off the event loop, until lockWaitMs.
        const t = performance.now();
        const keep = batch.filter((p) => t - p.since < this.lockWaitMs);
        for (const p of batch) if (!keep.includes(p)) p.reject(err);
        if (keep.length) {
          this.pending = [...keep, ...this.pending];
          this.scheduleFlush(25);
        }
        return;
      }
      for (const p of batch) p.reject(err);
      return;
    }
    results.forEach((r, i) => (r instanceof StoreError ? batch[i].reject(r) : batch[i].resolve(r)));
  }

  private insertOne(rec: NewRecord, channel: string | null, now: number): AppendResult | StoreError {
    const r = rec.receipt;
    const fiscal = rec.fiscal;
    const res = this.st.insertReceipt.run({
      id: r.id,
      type: r.type,
      sale_id: r.saleId ?? null,
      register_id: r.registerId,
      body: JSON.stringify(r),
      body_hash: rec.hash,
      // A receipt fiscalised by the POS is delivered already: its contacts are never stored.
      customer: rec.customer && !fiscal ? JSON.stringify(rec.customer) : null,
      now,
    });
    if (res.changes === 0) {
      const existing = this.st.receiptById.get(r.id) as ReceiptRow;
      if (existing.type === r.type && existing.body_hash === rec.hash) return { view: toView(this.st.byId.get(r.id) as Row), created: false };
      return new StoreError('id-conflict', `The id ${r.id} is already used by a different ${existing.type}; nothing was saved. Use a new id for a new ${r.type}.`, { id: r.id });
    }
    const seq = Number(res.lastInsertRowid);
    this.st.insertDelivery.run({
      seq,
      register_id: r.registerId,
      channel,
      state: fiscal ? 'fiscalised' : 'queued',
      key: r.id,
      result: fiscal ? JSON.stringify(fiscal) : null,
      is_offline: fiscal ? (fiscal.isOffline ? 1 : 0) : null,
      next: fiscal ? null : now,
      now,
    });
    for (const l of r.lines) for (const c of l.codes) this.st.insertCode.run(c.ki, seq, r.id, r.type);
    return { view: toView(this.st.bySeq.get(seq) as Row), created: true };
  }

  get(id: string): Promise<SaleView | null> {
    return this.run('reading a receipt', () => {
      const r = this.st.byId.get(id) as Row | undefined;
      return r ? toView(r) : null;
    });
  }

  receipt(id: string): Promise<FiscalReceipt | null> {
    return this.run('reading a receipt', () => {
      const r = this.st.receiptById.get(id) as ReceiptRow | undefined;
      return r ? (JSON.parse(r.body) as FiscalReceipt) : null;
    });
  }

  returnsOf(saleId: string): Promise<FiscalReceipt[]> {
    return this.run('reading returns', () => (this.st.returnsOf.all(saleId) as { body: string }[]).map((r) => JSON.parse(r.body) as FiscalReceipt));
  }

  // ---- DeliveryQueue ----

  /** The head of a register's line, and whether it may go now. */
  private headOf(registerId: string, now: number): { row: Row; dueAt: number; basis: FiscalResult | null; basisProblem: Reason | null } | null {
    const row = this.st.head.get(registerId) as Row | undefined;
    if (!row) return null;
    let dueAt = Math.max(row.next_attempt_at ?? now, row.lease_until ?? 0);
    if (row.state === 'sending') dueAt = row.lease_until ?? now; // in flight: due again only if its lease lapses
    // Another receipt of this register is in flight (e.g. an older dead letter was retried meanwhile): one at a time.
    const busy = (this.st.busyUntil.get(registerId, now) as { t: number | null }).t;
    if (busy !== null) dueAt = Math.max(dueAt, busy);
    let basis: FiscalResult | null = null;
    let basisProblem: Reason | null = null;
    if (row.type === 'return' && row.sale_id !== null) {
      const sale = this.st.saleOf.get(row.sale_id) as { state: DeliveryState; dead: number; result: string | null } | undefined;
      if (!sale) basisProblem = { code: 'sale-missing', message: `Sale ${row.sale_id} is no longer in this store; the return has no basis.` };
      else if (sale.state === 'fiscalised' && sale.result) basis = JSON.parse(sale.result) as FiscalResult;
      else if (sale.state === 'rejected' || sale.state === 'recorded' || sale.state === 'fiscalised')
        basisProblem = {
          code: 'sale-not-fiscalised',
          message: `Sale ${row.sale_id} has no fiscal receipt (${sale.state}); a return must name one. Retry the sale first, then this return.`,
        };
      else return { row, dueAt: Infinity, basis, basisProblem }; // the sale is still on its way: wait for it
    }
    return { row, dueAt, basis, basisProblem };
  }

  claim(workerId: string, registers: string[] | null, limit: number, leaseMs: number): Promise<Claimed[]> {
    return this.run('claiming receipts to send', () =>
      this.relaxed(() =>
        this.db
          .transaction(() => {
            const now = this.now();
            const regs = registers ?? (this.st.openRegisters.all() as { register_id: string }[]).map((r) => r.register_id);
            const out: Claimed[] = [];
            for (const reg of regs) {
              if (out.length >= limit) break;
              const h = this.headOf(reg, now);
              if (!h || h.dueAt > now) continue;
              const state: DeliveryState = h.row.state === 'sending' ? 'unknown' : h.row.state;
              const { lease_token: token } = this.st.lease.get({ worker: workerId, until: now + leaseMs, seq: h.row.seq, state }) as { lease_token: number };
              const row: Row = { ...h.row, state, lease_worker: workerId, lease_token: token, lease_until: now + leaseMs, claims: h.row.claims + 1 };
              out.push({
                delivery: toDelivery(row),
                lease: { workerId, token },
                receipt: JSON.parse(row.body) as FiscalReceipt,
                customer: row.customer ? (JSON.parse(row.customer) as Customer) : null,
                basis: h.basis,
                basisProblem: h.basisProblem,
              });
            }
            return out;
          })
          .immediate(),
      ),
    );
  }

  markSending(c: Claimed, durable: boolean, prepared: Delivery['prepared'] = null): Promise<Delivery> {
    return this.run('marking a receipt as sending', () => {
      const go = () => {
        const res = this.st.setSending.run({ now: this.now(), seq: c.delivery.seq, worker: c.lease.workerId, token: c.lease.token, prepared: prepared ? JSON.stringify(prepared) : null });
        if (res.changes === 0) throw leaseLost(c);
        return toDelivery(this.st.bySeq.get(c.delivery.seq) as Row);
      };
      return durable ? go() : this.relaxed(go);
    });
  }

  transition(c: Claimed, next: Transition): Promise<SaleView> {
    return this.run('updating a receipt', () =>
      this.relaxed(() =>
        this.db.transaction(() => {
          const now = this.now();
          const res = this.st.transition.run({
            seq: c.delivery.seq,
            worker: c.lease.workerId,
            token: c.lease.token,
            state: next.state,
            next: next.delayMs === null ? null : now + Math.max(0, next.delayMs),
            result: next.result ? JSON.stringify(next.result) : null,
            is_offline: next.result ? (next.result.isOffline ? 1 : 0) : null,
            reasons: next.reasons ? JSON.stringify(next.reasons) : null,
            set_error: next.lastError !== undefined ? 1 : 0,
            last_error: next.lastError ?? null,
            dead: next.dead === undefined ? null : next.dead ? 1 : 0,
            attempts: next.attempts ?? 0,
            now,
          });
          if (res.changes === 0) throw leaseLost(c);
          // Delivered: the e-receipt contacts have served their purpose.
          if (next.state === 'fiscalised') this.st.eraseCustomer.run(c.delivery.seq);
          return toView(this.st.bySeq.get(c.delivery.seq) as Row);
        })(),
      ),
    );
  }

  release(c: Claimed): Promise<void> {
    return this.run('releasing a claim', () => {
      this.relaxed(() => this.st.release.run({ seq: c.delivery.seq, worker: c.lease.workerId, token: c.lease.token }));
    });
  }

  recover(workerId: string, reconcileDelayMs: number): Promise<number> {
    return this.run('recovering after a restart', () =>
      this.db.transaction(() => {
        const now = this.now();
        const p = { next: now + reconcileDelayMs, now, worker: workerId };
        if (this.takeOver) {
          const n = this.st.recoverAll.run(p).changes;
          this.st.releaseAll.run();
          return n;
        }
        const n = this.st.recoverMine.run(p).changes;
        this.st.releaseMine.run({ worker: workerId });
        return n;
      })(),
    );
  }

  nextDueIn(registers: string[] | null): Promise<number | null> {
    return this.run('reading the queue', () => {
      const now = this.now();
      const regs = registers ?? (this.st.openRegisters.all() as { register_id: string }[]).map((r) => r.register_id);
      let best: number | null = null;
      for (const reg of regs) {
        const h = this.headOf(reg, now);
        if (!h || h.dueAt === Infinity) continue;
        const d = Math.max(0, h.dueAt - now);
        if (best === null || d < best) best = d;
      }
      return best;
    });
  }

  // ---- QueueViews ----

  stats(): Promise<QueueStats> {
    return this.run('reading queue statistics', () => {
      const byState: QueueStats['byState'] = {};
      let deadLetters = 0;
      for (const r of this.st.countByState.all() as { state: DeliveryState; dead: number; n: number }[]) {
        byState[r.state] = (byState[r.state] ?? 0) + r.n;
        if (r.dead) deadLetters += r.n;
      }
      const regs = new Map<string, RegisterQueueStats>();
      const reg = (id: string, channel: string | null): RegisterQueueStats => {
        let s = regs.get(id);
        if (!s) regs.set(id, (s = { registerId: id, channel, pending: 0, oldestPendingAt: null, deadLetters: 0, lastFiscalisedAt: null, autonomousSince: null }));
        s.channel ??= channel;
        return s;
      };
      let pending = 0;
      let oldest: number | null = null;
      for (const r of this.st.pendingByRegister.all() as { register_id: string; channel: string | null; n: number; oldest: number }[]) {
        const s = reg(r.register_id, r.channel);
        s.pending = r.n;
        s.oldestPendingAt = iso(r.oldest);
        pending += r.n;
        oldest = oldest === null ? r.oldest : Math.min(oldest, r.oldest);
      }
      for (const r of this.st.deadByRegister.all() as { register_id: string; channel: string | null; n: number }[]) reg(r.register_id, r.channel).deadLetters = r.n;
      for (const r of this.st.doneRegisters.all() as { register_id: string; channel: string | null; last_seq: number }[]) {
        const s = reg(r.register_id, r.channel);
        s.lastFiscalisedAt = iso((this.st.updatedAt.get(r.last_seq) as { updated_at: number }).updated_at);
        const online = (this.st.lastOnline.get(r.register_id) as { s: number | null }).s ?? 0;
        s.autonomousSince = iso((this.st.autonomousSince.get(r.register_id, online) as { t: number | null }).t);
      }
      return { pending, oldestPendingAt: iso(oldest), deadLetters, byState, registers: [...regs.values()].sort((a, b) => a.registerId.localeCompare(b.registerId)) };
    });
  }

  list(opts: { which: 'open' | 'all' | 'dead'; limit: number; registerId?: string }): Promise<ListedReceipt[]> {
    return this.run('listing receipts', () => {
      const stmt = opts.which === 'dead' ? this.st.dead : opts.which === 'all' ? this.st.listAll : this.st.listOpen;
      return (stmt.all({ reg: opts.registerId ?? null, limit: opts.limit }) as Row[]).map(toListed);
    });
  }

  /** One receipt as operators list it (`tanba queue show`), by id. */
  listed(id: string): Promise<ListedReceipt | null> {
    return this.run('reading a receipt', () => {
      const r = this.st.byId.get(id) as Row | undefined;
      return r ? toListed(r) : null;
    });
  }

  soldHere(kis: string[]): Promise<Set<string>> {
    return this.run('reading codes sold here', () => {
      const out = new Set<string>();
      for (const ki of kis) if ((this.st.lastKind.get(ki) as { kind: string } | undefined)?.kind === 'sale') out.add(ki);
      return out;
    });
  }

  retryDead(id: string): Promise<SaleView> {
    return this.run('retrying a dead letter', () => {
      const r = this.st.byId.get(id) as Row | undefined;
      if (!r || !r.dead) throw new StoreError('not-found', `No dead letter with id ${id}.`, { id });
      // A refused receipt goes back to the line as a fresh send; one that may have been issued is reconciled first.
      const state: DeliveryState = r.state === 'rejected' ? 'queued' : r.state === 'sending' ? 'unknown' : r.state;
      this.st.retryDead.run({ state, now: this.now(), seq: r.seq });
      return toView(this.st.bySeq.get(r.seq) as Row);
    });
  }

  purge(olderThanMs: number): Promise<number> {
    return this.run('purging delivered receipts', () => {
      let total = 0;
      const before = this.now() - olderThanMs;
      for (;;) {
        const rows = this.st.purgeable.all(before) as { seq: number }[];
        if (rows.length === 0) return total;
        this.db.transaction(() => {
          for (const r of rows) {
            this.st.deleteCodes.run(r.seq);
            this.st.deleteDelivery.run(r.seq);
            this.st.deleteReceipt.run(r.seq);
          }
        })();
        total += rows.length;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.pending.length > 0) this.flush();
    this.closed = true;
    try {
      this.db.close();
    } catch (e) {
      throw fromSqliteError(e, 'closing the sale database');
    }
  }
}

function leaseLost(c: Claimed): StoreError {
  return new StoreError('lease-lost', `Receipt ${c.delivery.id} was taken over by another worker (lease ${c.lease.token} of ${c.lease.workerId} lapsed); this outcome was not applied.`, {
    id: c.delivery.id,
  });
}

export function openSqliteOutbox(options: SqliteOutboxOptions): SqliteOutbox {
  return SqliteOutbox.open(options);
}
