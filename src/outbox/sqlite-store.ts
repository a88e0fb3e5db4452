/**
 * The default SaleStore: one SQLite file through better-sqlite3, WAL journal, `synchronous=FULL`
 * (every commit is fsync'd before it returns), checked with `PRAGMA quick_check` (or a full
 * `integrity_check`) when opened.
 *
 * Group commit: `append` calls that arrive in the same event-loop turn are written in one
 * transaction; all of them resolve after that commit. A failed commit rejects every caller in it,
 * so nothing is acknowledged that is not on disk.
 */
import Database from 'better-sqlite3';
import { fromSqliteError, StoreError } from './errors.js';
import type { NewRecord, RecordBody, RecordPatch, SaleStore, StoreStats, StoredRecord } from './store.js';
import type { RecordInfo, RecordState } from './types.js';

export interface SqliteStoreOptions {
  /** Database file; created when missing. */
  path: string;
  /** How long to wait for a lock held by another connection. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** `quick` (default) or `full` integrity check on open; `off` skips it. */
  integrityCheck?: 'quick' | 'full' | 'off';
  /** Cap the database size in pages (SQLite `max_page_count`); writes past it fail with disk-full. */
  maxPages?: number;
  /** Wall clock (ms). Default Date.now. */
  now?: () => number;
  /**
   * Open an existing file for reading only (operator tools beside a running agent): nothing is created,
   * no pragma or schema is written, and any write fails with `store-readonly`.
   */
  readonly?: boolean;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type IN ('sale','return')),
  sale_id TEXT,
  body TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  state TEXT NOT NULL,
  document_id TEXT,
  reasons TEXT NOT NULL DEFAULT '[]',
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  next_attempt_at INTEGER,
  first_sent_at INTEGER,
  last_sent_at INTEGER,
  lease_until INTEGER,
  last_error TEXT,
  dead INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS records_due ON records (dead, state, next_attempt_at);
CREATE INDEX IF NOT EXISTS records_sale ON records (sale_id) WHERE sale_id IS NOT NULL;
-- Codes per record, for "sold here" lookups: one B-tree keyed by KI (few pages per commit).
CREATE TABLE IF NOT EXISTS record_codes (
  ki TEXT NOT NULL,
  seq INTEGER NOT NULL,
  record_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (ki, seq)
) WITHOUT ROWID;
`;

interface Row {
  seq: number;
  id: string;
  type: 'sale' | 'return';
  sale_id: string | null;
  body: string;
  body_hash: string;
  state: RecordState;
  document_id: string | null;
  reasons: string;
  attempts: number;
  created_at: number;
  updated_at: number;
  next_attempt_at: number | null;
  first_sent_at: number | null;
  last_sent_at: number | null;
  lease_until: number | null;
  last_error: string | null;
  dead: number;
}

interface Pending {
  rec: NewRecord;
  resolve: (v: { info: RecordInfo; created: boolean }) => void;
  reject: (e: unknown) => void;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

function toInfo(r: Row): RecordInfo {
  const info: RecordInfo = {
    id: r.id,
    type: r.type,
    state: r.state,
    documentId: r.document_id,
    reasons: JSON.parse(r.reasons) as RecordInfo['reasons'],
    attempts: r.attempts,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    nextAttemptAt: r.dead ? null : iso(r.next_attempt_at),
  };
  if (r.sale_id !== null) info.saleId = r.sale_id;
  if (r.dead) info.deadLetter = true;
  return info;
}

function toStored(r: Row): StoredRecord {
  return { ...toInfo(r), body: JSON.parse(r.body) as RecordBody, lastError: r.last_error, dead: r.dead === 1, firstSentAt: r.first_sent_at, lastSentAt: r.last_sent_at };
}

export class SqliteSaleStore implements SaleStore {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Group-commit counters: transactions written by `append`, and records in them. */
  readonly commitStats = { commits: 0, records: 0, largestBatch: 0 };
  private readonly updateCache = new Map<string, Database.Statement>();
  private readonly stmt: ReturnType<SqliteSaleStore['prepare']>;

  private constructor(db: Database.Database, now: () => number) {
    this.db = db;
    this.now = now;
    this.stmt = this.prepare();
  }

  /** Open (or create) the store. Throws StoreError `store-corrupt` when the file fails its check. */
  static open(options: SqliteStoreOptions): SqliteSaleStore {
    let db: Database.Database | undefined;
    try {
      const readonly = options.readonly === true;
      db = new Database(options.path, { timeout: options.busyTimeoutMs ?? 5000, readonly, fileMustExist: readonly });
      if (!readonly) {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (String(mode).toLowerCase() !== 'wal') throw new StoreError('store-io', `Could not switch the sale database to WAL (got ${String(mode)}).`);
        db.pragma('synchronous = FULL');
        db.pragma('foreign_keys = ON');
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
      if (version > SCHEMA_VERSION)
        throw new StoreError('store-io', `The sale database was written by a newer tanba (schema ${version}); upgrade tanba.`);
      if (!readonly) {
        db.exec(SCHEMA);
        if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
      }
      return new SqliteSaleStore(db, options.now ?? Date.now);
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
      insert: db.prepare(
        `INSERT INTO records (id, type, sale_id, body, body_hash, state, created_at, updated_at, next_attempt_at)
         VALUES (@id, @type, @sale_id, @body, @body_hash, 'queued', @now, @now, @now) ON CONFLICT(id) DO NOTHING`,
      ),
      insertCode: db.prepare(`INSERT OR IGNORE INTO record_codes (ki, seq, record_id, kind) VALUES (?, ?, ?, ?)`),
      byId: db.prepare(`SELECT * FROM records WHERE id = ?`),
      claimQueued: db.prepare(
        `SELECT * FROM records r WHERE r.dead = 0 AND r.state = 'queued' AND r.next_attempt_at <= @now
           AND (r.lease_until IS NULL OR r.lease_until <= @now)
           AND (r.type = 'sale' OR NOT EXISTS (
             SELECT 1 FROM records s WHERE s.id = r.sale_id AND s.type = 'sale' AND s.state IN ('queued','sending','unknown')))
         ORDER BY r.next_attempt_at, r.seq LIMIT @limit`,
      ),
      claimOther: db.prepare(
        `SELECT * FROM records WHERE dead = 0 AND state = @state AND next_attempt_at <= @now AND (lease_until IS NULL OR lease_until <= @now)
         ORDER BY next_attempt_at, seq LIMIT @limit`,
      ),
      setSending: db.prepare(
        `UPDATE records SET state = 'sending', updated_at = @now, next_attempt_at = NULL, lease_until = NULL, attempts = attempts + 1,
           first_sent_at = COALESCE(first_sent_at, @now), last_sent_at = @now WHERE id = @id AND state = 'queued'`,
      ),
      lease: db.prepare(`UPDATE records SET lease_until = ? WHERE id = ?`),
      recover: db.prepare(`UPDATE records SET state = 'unknown', updated_at = ?, next_attempt_at = ? WHERE state = 'sending'`),
      releaseLeases: db.prepare(`UPDATE records SET lease_until = NULL WHERE lease_until IS NOT NULL`),
      nextDue: db.prepare(
        `SELECT MIN(MAX(r.next_attempt_at, COALESCE(r.lease_until, 0))) AS t FROM records r WHERE r.dead = 0 AND r.state IN ('queued','unknown','sent') AND r.next_attempt_at IS NOT NULL
           AND (r.type = 'sale' OR r.state <> 'queued' OR NOT EXISTS (
             SELECT 1 FROM records s WHERE s.id = r.sale_id AND s.type = 'sale' AND s.state IN ('queued','sending','unknown')))`,
      ),
      dead: db.prepare(`SELECT * FROM records WHERE dead = 1 ORDER BY seq`),
      listAll: db.prepare(`SELECT * FROM records ORDER BY dead DESC, created_at, seq LIMIT ?`),
      listOpen: db.prepare(`SELECT * FROM records WHERE dead = 1 OR state <> 'confirmed' ORDER BY dead DESC, created_at, seq LIMIT ?`),
      lastKind: db.prepare(`SELECT kind FROM record_codes WHERE ki = ? ORDER BY seq DESC LIMIT 1`),
      countByState: db.prepare(`SELECT state, dead, COUNT(*) AS n, MIN(created_at) AS oldest FROM records GROUP BY state, dead`),
      purgeIds: db.prepare(`SELECT id, seq, body FROM records WHERE state = 'confirmed' AND updated_at < ? LIMIT 1000`),
      deleteRecord: db.prepare(`DELETE FROM records WHERE id = ?`),
      deleteCode: db.prepare(`DELETE FROM record_codes WHERE ki = ? AND seq = ?`),
    };
  }

  private ensureOpen(): void {
    if (this.closed) throw new StoreError('store-closed', 'The sale store is closed.');
  }

  append(rec: NewRecord): Promise<{ info: RecordInfo; created: boolean }> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new StoreError('store-closed', 'The sale store is closed; nothing was saved.'));
      this.pending.push({ rec, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
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
    let results: ({ info: RecordInfo; created: boolean } | StoreError)[];
    try {
      results = this.db.transaction(() => batch.map((p) => this.insertOne(p.rec, now))).immediate();
      this.commitStats.commits++;
      this.commitStats.records += batch.length;
      this.commitStats.largestBatch = Math.max(this.commitStats.largestBatch, batch.length);
    } catch (e) {
      const err = fromSqliteError(e, 'saving a sale');
      for (const p of batch) p.reject(err);
      return;
    }
    results.forEach((r, i) => (r instanceof StoreError ? batch[i].reject(r) : batch[i].resolve(r)));
  }

  private insertOne(rec: NewRecord, now: number): { info: RecordInfo; created: boolean } | StoreError {
    const b = rec.body;
    const res = this.stmt.insert.run({ id: b.id, type: b.type, sale_id: b.saleId ?? null, body: JSON.stringify(b), body_hash: rec.hash, now });
    if (res.changes === 0) {
      const existing = this.stmt.byId.get(b.id) as Row;
      if (existing.type === b.type && existing.body_hash === rec.hash) return { info: toInfo(existing), created: false };
      return new StoreError(
        'id-conflict',
        `The id ${b.id} is already used by a different ${existing.type}; nothing was saved. Use a new id for a new ${b.type}.`,
        { id: b.id },
      );
    }
    const seq = Number(res.lastInsertRowid);
    for (const it of b.items) this.stmt.insertCode.run(it.ki, seq, b.id, b.type);
    const info: RecordInfo = {
      id: b.id,
      type: b.type,
      state: 'queued',
      documentId: null,
      reasons: [],
      attempts: 0,
      createdAt: iso(now)!,
      updatedAt: iso(now)!,
      nextAttemptAt: iso(now),
    };
    if (b.saleId !== undefined) info.saleId = b.saleId;
    return { info, created: true };
  }

  private run<T>(doing: string, fn: () => T): Promise<T> {
    try {
      this.ensureOpen();
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(fromSqliteError(e, doing));
    }
  }

  get(id: string): Promise<RecordInfo | null> {
    return this.run('reading a record', () => {
      const r = this.stmt.byId.get(id) as Row | undefined;
      return r ? toInfo(r) : null;
    });
  }

  getRecord(id: string): Promise<StoredRecord | null> {
    return this.run('reading a record', () => {
      const r = this.stmt.byId.get(id) as Row | undefined;
      return r ? toStored(r) : null;
    });
  }

  /** Leases are bookkeeping (a crash releases them): committed relaxed, like `update`. */
  claim(now: number, limit: number, leaseMs: number): Promise<StoredRecord[]> {
    return this.run('claiming records to send', () =>
      this.relaxed(() =>
        this.db
          .transaction(() => {
            const out: StoredRecord[] = [];
            const until = now + leaseMs;
            for (const r of this.stmt.claimQueued.all({ now, limit }) as Row[]) {
              this.stmt.lease.run(until, r.id);
              out.push(toStored({ ...r, lease_until: until }));
            }
            for (const state of ['unknown', 'sent'] as const) {
              if (out.length >= limit) break;
              for (const r of this.stmt.claimOther.all({ state, now, limit: limit - out.length }) as Row[]) {
                this.stmt.lease.run(until, r.id);
                out.push(toStored({ ...r, lease_until: until }));
              }
            }
            return out;
          })
          .immediate(),
      ),
    );
  }

  /** Durably (synchronous=FULL) mark a queued record as being sent, right before the network call. */
  markSending(id: string, now: number): Promise<StoredRecord | null> {
    return this.run('marking a record as sending', () => {
      const res = this.stmt.setSending.run({ now, id });
      if (res.changes === 0) return null;
      return toStored(this.stmt.byId.get(id) as Row);
    });
  }

  /**
   * Relay bookkeeping after a claim is committed with `synchronous=NORMAL` (WAL: consistent, not
   * fsync'd per commit). Losing the newest of these on a power cut is safe: the record falls back to
   * `sending`, which becomes `unknown` on restart and is reconciled before anything is re-sent.
   * The next FULL commit (an append or a claim) makes them durable too.
   */
  update(id: string, patch: RecordPatch, now: number): Promise<RecordInfo> {
    return this.run('updating a record', () => this.relaxed(() => this.updateNow(id, patch, now)));
  }

  private relaxed<T>(fn: () => T): T {
    this.db.pragma('synchronous = NORMAL');
    try {
      return fn();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  private updateNow(id: string, patch: RecordPatch, now: number): RecordInfo {
    {
      const sets: string[] = ['updated_at = @now', 'lease_until = NULL'];
      const params: Record<string, unknown> = { id, now };
      if (patch.state !== undefined) (sets.push('state = @state'), (params.state = patch.state));
      if (patch.documentId !== undefined) (sets.push('document_id = @document_id'), (params.document_id = patch.documentId));
      if (patch.reasons !== undefined) (sets.push('reasons = @reasons'), (params.reasons = JSON.stringify(patch.reasons)));
      if (patch.attempts) (sets.push('attempts = attempts + @attempts'), (params.attempts = patch.attempts));
      if (patch.nextAttemptAt !== undefined) (sets.push('next_attempt_at = @next'), (params.next = patch.nextAttemptAt));
      if (patch.lastError !== undefined) (sets.push('last_error = @last_error'), (params.last_error = patch.lastError));
      if (patch.dead !== undefined) (sets.push('dead = @dead'), (params.dead = patch.dead ? 1 : 0));
      if (patch.firstSentAt !== undefined) (sets.push('first_sent_at = COALESCE(first_sent_at, @first)'), (params.first = patch.firstSentAt));
      const sql = `UPDATE records SET ${sets.join(', ')} WHERE id = @id`;
      let st = this.updateCache.get(sql);
      if (!st) this.updateCache.set(sql, (st = this.db.prepare(sql)));
      const res = st.run(params);
      if (res.changes === 0) throw new StoreError('not-found', `No sale or return with id ${id}.`, { id });
      return toInfo(this.stmt.byId.get(id) as Row);
    }
  }

  recoverInFlight(now: number, reconcileAt: number): Promise<number> {
    return this.run('recovering after a restart', () =>
      this.db.transaction(() => {
        this.stmt.releaseLeases.run();
        return this.stmt.recover.run(now, reconcileAt).changes;
      })(),
    );
  }

  nextDueAt(): Promise<number | null> {
    return this.run('reading the queue', () => (this.stmt.nextDue.get() as { t: number | null }).t);
  }

  deadLetters(): Promise<StoredRecord[]> {
    return this.run('listing dead letters', () => (this.stmt.dead.all() as Row[]).map(toStored));
  }

  list(opts: { which: 'open' | 'all' | 'dead'; limit: number }): Promise<StoredRecord[]> {
    return this.run('listing records', () => {
      const rows =
        opts.which === 'dead'
          ? (this.stmt.dead.all() as Row[]).slice(0, opts.limit)
          : ((opts.which === 'all' ? this.stmt.listAll : this.stmt.listOpen).all(opts.limit) as Row[]);
      return rows.map(toStored);
    });
  }

  retryDeadLetter(id: string, now: number): Promise<RecordInfo> {
    return this.run('retrying a dead letter', () => {
      const r = this.stmt.byId.get(id) as Row | undefined;
      if (!r || !r.dead) throw new StoreError('not-found', `No dead letter with id ${id}.`, { id });
      // A rejected record goes back to the queue as a fresh send; anything else resumes where it was.
      const state: RecordState = r.state === 'rejected' ? 'queued' : r.state === 'sending' ? 'unknown' : r.state;
      this.db
        .prepare(
          `UPDATE records SET dead = 0, lease_until = NULL, state = ?, document_id = CASE WHEN ? = 'queued' THEN NULL ELSE document_id END,
             attempts = 0, next_attempt_at = ?, updated_at = ?, last_error = NULL WHERE id = ?`,
        )
        .run(state, state, now, now, id);
      return toInfo(this.stmt.byId.get(id) as Row);
    });
  }

  soldHere(kis: string[]): Promise<Set<string>> {
    return this.run('reading codes sold here', () => {
      const out = new Set<string>();
      for (const ki of kis) {
        const r = this.stmt.lastKind.get(ki) as { kind: string } | undefined;
        if (r?.kind === 'sale') out.add(ki);
      }
      return out;
    });
  }

  stats(): Promise<StoreStats> {
    return this.run('reading queue statistics', () => {
      const rows = this.stmt.countByState.all() as { state: RecordState; dead: number; n: number; oldest: number }[];
      let pending = 0;
      let oldest: number | null = null;
      let deadLetters = 0;
      const byState: StoreStats['byState'] = {};
      for (const r of rows) {
        byState[r.state] = (byState[r.state] ?? 0) + r.n;
        if (r.dead) deadLetters += r.n;
        if (!r.dead && (r.state === 'queued' || r.state === 'sending' || r.state === 'unknown')) {
          pending += r.n;
          oldest = oldest === null ? r.oldest : Math.min(oldest, r.oldest);
        }
      }
      return { pending, oldestPendingAt: iso(oldest), deadLetters, byState };
    });
  }

  purge(before: number): Promise<number> {
    return this.run('purging confirmed records', () => {
      let total = 0;
      for (;;) {
        const rows = this.stmt.purgeIds.all(before) as { id: string; seq: number; body: string }[];
        if (rows.length === 0) return total;
        this.db.transaction(() => {
          for (const r of rows) {
            for (const it of (JSON.parse(r.body) as RecordBody).items) this.stmt.deleteCode.run(it.ki, r.seq);
            this.stmt.deleteRecord.run(r.id);
          }
        })();
        total += rows.length;
      }
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Whatever is waiting for the group commit is written first.
    if (this.pending.length > 0) this.flush();
    this.closed = true;
    try {
      this.db.close();
    } catch (e) {
      throw fromSqliteError(e, 'closing the sale database');
    }
  }
}

export function openSqliteStore(options: SqliteStoreOptions): SqliteSaleStore {
  return SqliteSaleStore.open(options);
}
