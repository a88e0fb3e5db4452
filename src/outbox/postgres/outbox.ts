/**
 * The shared outbox for chains and cloud POS: PostgreSQL through node-postgres, one queue that any
 * number of agents and relay workers (processes) use at once. Implements ReceiptLog, DeliveryQueue
 * and QueueViews (ports.ts) with the same semantics as the SQLite store (sqlite/outbox.ts) and
 * passes the same contract suite.
 *
 * The rules and how they are kept:
 * - Durable means committed: `append` resolves after COMMIT (synchronous_commit as configured on
 *   the server; `on` by default). Appends of one event-loop turn share one transaction (group
 *   commit); one batch is in flight at a time, so a process's appends get seqs in call order.
 * - One clock: leases, schedules and timestamps come from the DATABASE clock (`now()`, the start
 *   of the transaction), never from the caller. Tests may pin it (`testClock`, see the options).
 * - Strict order and at most one send in flight per register, across all processes. The claim is
 *   one transaction in two statements:
 *     1. lock the `registers` rows whose head looks due, `FOR NO KEY UPDATE SKIP LOCKED`: the row
 *        lock is the per-register mutex, held to COMMIT. A register another claimer holds is
 *        skipped, never waited for. (FOR NO KEY UPDATE does not conflict with the FOR KEY SHARE
 *        lock that an append's foreign key check takes, so intake never waits for claims.)
 *     2. in a NEW statement (READ COMMITTED: a snapshot taken after the locks were granted, so it
 *        sees every lease a previous holder of the lock committed), re-read each locked register's
 *        head and lease it if it may go: not dead, due, no live lease on ANY open receipt of the
 *        register, and a return only once its sale is fiscalised or refused.
 *   Locking the head row alone with SKIP LOCKED would not do: a second claimer would skip the
 *   locked head and take the receipt behind it. A registers row (rather than
 *   pg_try_advisory_xact_lock(hashtext(register))) was chosen because it cannot collide between
 *   registers, is visible in pg_locks/pg_stat_activity like any row lock, and doubles as the list
 *   of registers the claim and the fleet views walk (one index probe per register, not a scan of
 *   the backlog). Only claims create leases, and they hold the register's lock while doing so;
 *   transitions only end leases. So at most one live lease exists per register at any time.
 * - Fencing: every transition (`markSending`, `transition`, `release`) is
 *   `WHERE seq = … AND lease_worker = … AND lease_token = …`; the claim bumps the token. A worker
 *   whose lease lapsed and was taken over gets StoreError `lease-lost`, and changes nothing. The
 *   claim itself re-checks state, token and holder on the row it updates, so a late transition of
 *   a lapsed holder that commits first wins cleanly instead of being overwritten.
 * - A lapsed lease of a dead worker is taken over by the next claim, as `unknown` when it was
 *   `sending` (reconcile before any resend). `recover(workerId)` touches only that worker's rows.
 * - Customer contacts live in `contacts` and are deleted in the same statement that fiscalises
 *   the receipt; views and lists never read them.
 */
import pg from 'pg';
import type { PoolClient, QueryResultRow } from 'pg';
import type { Customer, FiscalReceipt, FiscalResult } from '../../sale/types.js';
import { StoreError } from '../errors.js';
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
import { describeTarget, fromPgError, withPassword, type Target } from './connection.js';
import { migrate, quoteSchema } from './schema.js';

export interface PostgresOutboxOptions {
  /** `postgres://user[:password]@host[:port]/database` or `postgres://user@/database?host=/socket/dir`. */
  url: string;
  /** Password, when it is not in the URL (e.g. from TANBA_STORE_PASSWORD); replaces one in the URL. */
  password?: string;
  /** PG schema holding the tables; created and migrated on open. Default `tanba`. */
  schema?: string;
  /**
   * A `sending` receipt whose worker's lease lapsed is taken over (and reconciled) only this long
   * after the lease ended, so a slow but live worker's request is over first. Default 5000 ms.
   */
  takeoverGraceMs?: number;
  /** Connections in this process's pool. Default 10. */
  poolSize?: number;
  /** How long to wait for a connection. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** Not supported: leases and schedules use the database clock. (Tests pin it with `testClock`.) */
  now?: never;
  /**
   * FOR TESTS ONLY: pin the store clock to this function (ms) instead of the database's `now()`,
   * so a test can move time (lease lapse, schedules) and assert exact instants. Every SQL that reads
   * the clock takes it as a parameter; when this is not set that parameter is NULL and the server's
   * `now()` is used. Never set it in production: processes with different clocks would disagree
   * about leases.
   */
  testClock?: () => number;
}

/** Delivery joined with the receipt columns the views need. Timestamps arrive as Date, int8 as string. */
interface Row {
  seq: string;
  register_id: string;
  channel: string | null;
  state: DeliveryState;
  idem_key: string;
  attempts: number;
  claims: number;
  result: FiscalResult | null;
  is_offline: boolean | null;
  next_attempt_at: Date | null;
  first_sent_at: Date | null;
  last_sent_at: Date | null;
  prepared: Delivery['prepared'];
  lease_worker: string | null;
  lease_token: string;
  lease_until: Date | null;
  last_error: string | null;
  reasons: Reason[];
  dead: boolean;
  updated_at: Date;
  id: string;
  type: 'sale' | 'return';
  sale_id: string | null;
  created_at: Date;
}

interface ClaimRow extends Row {
  body: FiscalReceipt;
  customer: Customer | null;
  sale_state: DeliveryState | null;
  sale_result: FiscalResult | null;
}

interface Pending {
  rec: NewRecord;
  channel: string | null;
  resolve: (v: AppendResult) => void;
  reject: (e: unknown) => void;
}

const OPEN = `('queued','sending','unknown')`;
/** The store clock: the pinned test clock ($1) or the database's transaction time. */
const NOW = `COALESCE($1::timestamptz, now())`;
const ms = (param: string) => `(${param}::float8 * interval '1 millisecond')`;
const MAX_BATCH = 1000;
const RETRYABLE = new Set(['40001', '40P01']);

const time = (d: Date | null): number | null => (d === null ? null : d.getTime());
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

function toView(r: Row): SaleView {
  const v: SaleView = {
    id: r.id,
    type: r.type,
    registerId: r.register_id,
    channel: r.channel,
    state: r.state,
    fiscal: r.result ?? null,
    reasons: r.reasons,
    attempts: r.attempts,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    nextAttemptAt: r.dead || r.next_attempt_at === null ? null : iso(r.next_attempt_at),
  };
  if (r.sale_id !== null) v.saleId = r.sale_id;
  if (r.dead) v.deadLetter = true;
  return v;
}

function toDelivery(r: Row): Delivery {
  return {
    seq: Number(r.seq),
    id: r.id,
    type: r.type,
    registerId: r.register_id,
    channel: r.channel,
    state: r.state,
    attempts: r.attempts,
    claims: r.claims,
    key: r.idem_key,
    result: r.result ?? null,
    firstSentAt: time(r.first_sent_at),
    lastSentAt: time(r.last_sent_at),
    lastError: r.last_error,
    dead: r.dead,
    createdAt: r.created_at.getTime(),
    prepared: r.prepared ?? null,
  };
}

function leaseLost(c: Claimed): StoreError {
  return new StoreError('lease-lost', `Receipt ${c.delivery.id} was taken over by another worker (lease ${c.lease.token} of ${c.lease.workerId} lapsed); this outcome was not applied.`, {
    id: c.delivery.id,
  });
}

/** SQL text of one store, with its schema name baked in. */
function statements(s: string, takeoverGraceMs: number) {
  const grace = `(${Math.max(0, Math.floor(takeoverGraceMs))} * interval '1 millisecond')`;
  const D = `${s}.deliveries`;
  const R = `${s}.receipts`;
  const cols = `d.seq, d.register_id, d.channel, d.state, d.idem_key, d.attempts, d.claims, d.result, d.is_offline, d.next_attempt_at, d.first_sent_at,
    d.last_sent_at, d.prepared, d.lease_worker, d.lease_token, d.lease_until, d.last_error, d.reasons, d.dead, d.updated_at`;
  const join = `SELECT ${cols}, r.id, r.type, r.sale_id, r.created_at FROM ${D} d JOIN ${R} r ON r.seq = d.seq`;
  /**
   * Each register's head (`h`), the sale a returning head names (`s`), and when the head may go
   * (`t.due_at`; NULL = a return waiting for its sale). The same rule as SqliteOutbox.headOf, plus:
   * a live lease on any other open receipt of the register (an operator retried an older dead
   * letter while a newer one was in flight) keeps the register busy.
   */
  const heads = (extra = '') => `
    FROM ${s}.registers g
    CROSS JOIN LATERAL (
      SELECT d.seq, d.state, d.next_attempt_at, d.lease_until, d.lease_worker, d.lease_token, r.type, r.sale_id${extra}
      FROM ${D} d JOIN ${R} r ON r.seq = d.seq
      WHERE d.register_id = g.register_id AND NOT d.dead AND d.state IN ${OPEN}
      ORDER BY d.seq LIMIT 1) h
    LEFT JOIN LATERAL (
      SELECT sd.state, sd.result FROM ${R} sr JOIN ${D} sd ON sd.seq = sr.seq
      WHERE h.type = 'return' AND h.sale_id IS NOT NULL AND sr.id = h.sale_id AND sr.type = 'sale'
      LIMIT 1) s ON true
    CROSS JOIN LATERAL (
      SELECT CASE
        WHEN h.type = 'return' AND h.sale_id IS NOT NULL AND s.state IS NOT NULL AND s.state NOT IN ('fiscalised','rejected','recorded') THEN NULL
        -- A lapsed send is taken over only after a grace: a slow but live worker may still be finishing it.
        WHEN h.state = 'sending' THEN GREATEST(COALESCE(h.lease_until, ${NOW}) + ${grace}, l.until)
        ELSE GREATEST(COALESCE(h.next_attempt_at, ${NOW}), h.lease_until, l.until)
      END AS due_at
      FROM (SELECT max(x.lease_until) AS until FROM ${D} x
            WHERE x.register_id = g.register_id AND x.lease_worker IS NOT NULL AND NOT x.dead AND x.state IN ${OPEN}) l) t`;
  const text = {
    appendBatch: `
      WITH input AS (
        SELECT * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::boolean[])
          WITH ORDINALITY AS i(id, type, sale_id, register_id, body, hash, channel, result, customer, is_offline, ord)),
      regs AS (
        INSERT INTO ${s}.registers (register_id) SELECT DISTINCT register_id FROM input ORDER BY register_id ON CONFLICT DO NOTHING),
      ins AS (
        INSERT INTO ${R} (id, type, sale_id, register_id, body, body_hash, created_at)
        SELECT id, type, sale_id, register_id, body::json, hash, ${NOW} FROM input ORDER BY ord
        ON CONFLICT (id) DO NOTHING RETURNING seq, id),
      dels AS (
        INSERT INTO ${D} (seq, register_id, channel, state, idem_key, result, is_offline, next_attempt_at, updated_at)
        SELECT ins.seq, i.register_id, i.channel, CASE WHEN i.result IS NULL THEN 'queued' ELSE 'fiscalised' END, i.id, i.result::jsonb, i.is_offline,
          CASE WHEN i.result IS NULL THEN ${NOW} END, ${NOW}
        FROM ins JOIN input i ON i.id = ins.id),
      cons AS (
        INSERT INTO ${s}.contacts (seq, customer) SELECT ins.seq, i.customer::jsonb FROM ins JOIN input i ON i.id = ins.id WHERE i.customer IS NOT NULL),
      codes AS (
        INSERT INTO ${s}.record_codes (ki, seq, record_id, kind)
        SELECT k.ki, ins.seq, ins.id, i.type FROM unnest($12::text[], $13::text[]) AS k(ki, id) JOIN ins ON ins.id = k.id JOIN input i ON i.id = k.id
        ON CONFLICT DO NOTHING)
      SELECT id FROM ins`,
    viewsByIds: `${join.replace('SELECT ', 'SELECT r.body_hash, ')} WHERE r.id = ANY($1::text[])`,
    byId: `${join} WHERE r.id = $1`,
    receipt: `SELECT body FROM ${R} WHERE id = $1`,
    returnsOf: `SELECT r.body FROM ${R} r JOIN ${D} d ON d.seq = r.seq WHERE r.sale_id = $1 AND r.type = 'return' AND d.state <> 'rejected' ORDER BY r.seq`,
    lockDueRegisters: `
      SELECT g.register_id ${heads()}
      WHERE ($2::text[] IS NULL OR g.register_id = ANY($2::text[])) AND t.due_at <= ${NOW}
      ORDER BY t.due_at, g.register_id
      LIMIT $3
      FOR NO KEY UPDATE OF g SKIP LOCKED`,
    leaseHeads: `
      UPDATE ${D} d SET lease_worker = $3, lease_token = d.lease_token + 1, lease_until = ${NOW} + ${ms('$4')}, claims = d.claims + 1,
        state = CASE WHEN d.state = 'sending' THEN 'unknown' ELSE d.state END
      FROM (
        SELECT h.seq, h.state, h.lease_worker, h.lease_token, h.id, h.type, h.sale_id, h.body, h.created_at, ct.customer, s.state AS sale_state, s.result AS sale_result
        ${heads(', r.id, r.body, r.created_at')}
        LEFT JOIN ${s}.contacts ct ON ct.seq = h.seq
        WHERE g.register_id = ANY($2::text[]) AND t.due_at <= ${NOW}) c
      WHERE d.seq = c.seq AND d.state = c.state AND d.lease_token = c.lease_token AND d.lease_worker IS NOT DISTINCT FROM c.lease_worker AND NOT d.dead
      RETURNING ${cols}, c.id, c.type, c.sale_id, c.created_at, c.body, c.customer, c.sale_state, c.sale_result`,
    markSending: `
      WITH u AS (
        UPDATE ${D} SET state = 'sending', updated_at = ${NOW}, first_sent_at = COALESCE(first_sent_at, ${NOW}), last_sent_at = ${NOW}, prepared = $5::jsonb
        WHERE seq = $2 AND lease_worker = $3 AND lease_token = $4 AND lease_until > ${NOW} RETURNING *)
      SELECT ${cols.replace(/\bd\./g, 'u.')}, r.id, r.type, r.sale_id, r.created_at FROM u JOIN ${R} r ON r.seq = u.seq`,
    transition: `
      WITH u AS (
        UPDATE ${D} SET state = $5,
          next_attempt_at = CASE WHEN $6::float8 IS NULL THEN NULL ELSE ${NOW} + ${ms('GREATEST($6::float8, 0)')} END,
          result = COALESCE($7::jsonb, result), is_offline = COALESCE($8::boolean, is_offline), reasons = COALESCE($9::jsonb, reasons),
          last_error = CASE WHEN $10::boolean THEN $11::text ELSE last_error END, dead = COALESCE($12::boolean, dead), attempts = attempts + $13::integer,
          lease_worker = NULL, lease_until = NULL, updated_at = ${NOW}
        WHERE seq = $2 AND lease_worker = $3 AND lease_token = $4 AND lease_until > ${NOW} RETURNING *),
      erased AS (DELETE FROM ${s}.contacts c USING u WHERE c.seq = u.seq AND u.state = 'fiscalised')
      SELECT ${cols.replace(/\bd\./g, 'u.')}, r.id, r.type, r.sale_id, r.created_at FROM u JOIN ${R} r ON r.seq = u.seq`,
    release: `UPDATE ${D} SET lease_worker = NULL, lease_until = NULL WHERE seq = $1 AND lease_worker = $2 AND lease_token = $3`,
    recover: `
      WITH mine AS (
        UPDATE ${D} SET state = 'unknown', next_attempt_at = ${NOW} + ${ms('$3')}, lease_worker = NULL, lease_until = NULL, updated_at = ${NOW}
        WHERE lease_worker = $2 AND state = 'sending' RETURNING seq),
      freed AS (UPDATE ${D} SET lease_worker = NULL, lease_until = NULL WHERE lease_worker = $2 AND state <> 'sending')
      SELECT count(*)::integer AS n FROM mine`,
    nextDue: `SELECT min(t.due_at) AS due, ${NOW} AS now ${heads()} WHERE ($2::text[] IS NULL OR g.register_id = ANY($2::text[]))`,
    countByState: `SELECT state, dead, count(*)::integer AS n FROM ${D} GROUP BY state, dead`,
    pendingByRegister: `
      SELECT d.register_id, max(d.channel) AS channel, count(*)::integer AS n, min(r.created_at) AS oldest FROM ${D} d JOIN ${R} r ON r.seq = d.seq
      WHERE NOT d.dead AND d.state IN ${OPEN} GROUP BY d.register_id`,
    deadByRegister: `SELECT register_id, max(channel) AS channel, count(*)::integer AS n FROM ${D} WHERE dead GROUP BY register_id`,
    doneByRegister: `
      SELECT g.register_id, lf.channel, lf.updated_at AS last_at, au.since
      FROM ${s}.registers g
      CROSS JOIN LATERAL (SELECT channel, updated_at FROM ${D} WHERE register_id = g.register_id AND state = 'fiscalised' ORDER BY seq DESC LIMIT 1) lf
      LEFT JOIN LATERAL (SELECT seq FROM ${D} WHERE register_id = g.register_id AND state = 'fiscalised' AND is_offline = false ORDER BY seq DESC LIMIT 1) lo ON true
      CROSS JOIN LATERAL (SELECT min(updated_at) AS since FROM ${D}
        WHERE register_id = g.register_id AND state = 'fiscalised' AND is_offline AND seq > COALESCE(lo.seq, 0)) au`,
    listDead: `${join.replace('SELECT ', 'SELECT r.body, ')} WHERE d.dead AND ($2::text IS NULL OR d.register_id = $2) ORDER BY d.seq LIMIT $1`,
    listAll: `${join.replace('SELECT ', 'SELECT r.body, ')} WHERE ($2::text IS NULL OR d.register_id = $2) ORDER BY d.dead DESC, d.seq LIMIT $1`,
    listOpen: `${join.replace('SELECT ', 'SELECT r.body, ')} WHERE (d.dead OR d.state IN ${OPEN}) AND ($2::text IS NULL OR d.register_id = $2) ORDER BY d.dead DESC, d.seq LIMIT $1`,
    lastKinds: `SELECT DISTINCT ON (ki) ki, kind FROM ${s}.record_codes WHERE ki = ANY($1::text[]) ORDER BY ki, seq DESC`,
    retryDead: `
      WITH u AS (
        UPDATE ${D} d SET dead = false, state = CASE d.state WHEN 'rejected' THEN 'queued' WHEN 'sending' THEN 'unknown' ELSE d.state END,
          next_attempt_at = ${NOW}, claims = 0, lease_worker = NULL, lease_until = NULL, last_error = NULL, reasons = '[]', updated_at = ${NOW}
        FROM ${R} r WHERE r.seq = d.seq AND r.id = $2 AND d.dead RETURNING d.*)
      SELECT ${cols.replace(/\bd\./g, 'u.')}, r.id, r.type, r.sale_id, r.created_at FROM u JOIN ${R} r ON r.seq = u.seq`,
    purge: `
      WITH p AS (
        SELECT d.seq FROM ${D} d JOIN ${R} r ON r.seq = d.seq
        WHERE d.state IN ('fiscalised','recorded') AND d.updated_at < ${NOW} - ${ms('$2')}
          AND NOT EXISTS (SELECT 1 FROM ${R} x JOIN ${D} y ON y.seq = x.seq WHERE x.sale_id = r.id AND y.state IN ${OPEN})
        LIMIT 1000 FOR UPDATE OF d SKIP LOCKED)
      DELETE FROM ${R} r USING p WHERE r.seq = p.seq`,
  };
  // Named statements: each connection parses and plans each one once.
  return Object.fromEntries(Object.entries(text).map(([k, t]) => [k, { name: `tanba_${k}`, text: t }])) as Record<keyof typeof text, Statement>;
}

interface Statement {
  name: string;
  text: string;
}

export class PostgresOutbox implements Outbox {
  private readonly pool: pg.Pool;
  private readonly target: Target;
  private readonly sql: ReturnType<typeof statements>;
  private readonly testClock: (() => number) | null;
  private pending: Pending[] = [];
  private flushScheduled = false;
  private flushing: Promise<void> | null = null;
  private closed = false;
  /** Group-commit counters: transactions written by `append`, and receipts in them. */
  readonly commitStats = { commits: 0, records: 0, largestBatch: 0 };
  /** The PG schema this store uses. */
  readonly schema: string;

  private constructor(pool: pg.Pool, target: Target, schema: string, opts: PostgresOutboxOptions) {
    this.pool = pool;
    this.target = target;
    this.schema = schema;
    this.sql = statements(quoteSchema(schema), opts.takeoverGraceMs ?? 5000);
    this.testClock = opts.testClock ?? null;
  }

  /** Connect, create or migrate the schema, and return the store. Throws StoreError (`store-io`, …). */
  static async open(opts: PostgresOutboxOptions): Promise<PostgresOutbox> {
    if ((opts as { now?: unknown }).now !== undefined)
      throw new StoreError('store-io', 'The PostgreSQL store uses the database clock; it takes no `now` option.');
    const schema = opts.schema ?? 'tanba';
    quoteSchema(schema);
    const target = describeTarget(opts.url);
    const pool = new pg.Pool({
      connectionString: opts.password !== undefined ? withPassword(opts.url, opts.password) : opts.url,
      max: Math.max(1, opts.poolSize ?? 10),
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      application_name: 'tanba',
    });
    // An idle client whose server went away emits 'error' on the pool; without a listener that
    // would crash the process. The next query reports the problem as a StoreError instead.
    pool.on('error', () => undefined);
    let client: PoolClient | undefined;
    try {
      client = await pool.connect();
      await migrate(client, schema);
      client.release();
      client = undefined;
      return new PostgresOutbox(pool, target, schema, opts);
    } catch (e) {
      client?.release(true);
      await pool.end().catch(() => undefined);
      throw fromPgError(e, 'opening the sale database', target);
    }
  }

  private clock(): string | null {
    return this.testClock ? new Date(this.testClock()).toISOString() : null;
  }

  private open(doing: string): void {
    if (this.closed) throw new StoreError('store-closed', `The sale store is closed (while ${doing}).`);
  }

  private async query<T extends QueryResultRow>(doing: string, st: Statement, values: unknown[]): Promise<T[]> {
    this.open(doing);
    try {
      return (await this.pool.query<T>({ ...st, values })).rows;
    } catch (e) {
      throw fromPgError(e, doing, this.target);
    }
  }

  /** Run `fn` in one transaction on one pooled connection; retried on deadlock/serialization failure. */
  private async tx<T>(doing: string, fn: (c: PoolClient) => Promise<T>, opts: { syncCommit?: boolean } = {}): Promise<T> {
    this.open(doing);
    for (let attempt = 1; ; attempt++) {
      let client: PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw fromPgError(e, doing, this.target);
      }
      let broken = false;
      try {
        await client.query('BEGIN');
        if (opts.syncCommit === false) await client.query('SET LOCAL synchronous_commit = off');
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        const code = (e as { code?: string }).code;
        if (!(e instanceof StoreError) && code && RETRYABLE.has(code) && attempt < 4) continue;
        throw fromPgError(e, doing, this.target);
      } finally {
        client.release(broken);
      }
    }
  }

  // ---- ReceiptLog ----

  append(rec: NewRecord, channel: string | null): Promise<AppendResult> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new StoreError('store-closed', 'The sale store is closed; nothing was saved.'));
      this.pending.push({ rec, channel, resolve, reject });
      this.scheduleFlush();
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        if (this.pending.length > 0) this.scheduleFlush();
      });
    });
  }

  /** Write the pending appends (up to MAX_BATCH) in one transaction, then settle each. */
  private async flush(): Promise<void> {
    const batch = this.pending.splice(0, MAX_BATCH);
    if (batch.length === 0) return;
    let results: (AppendResult | StoreError)[];
    try {
      results = await this.tx('saving a sale', (c) => this.writeBatch(c, batch));
      this.commitStats.commits++;
      this.commitStats.records += batch.length;
      this.commitStats.largestBatch = Math.max(this.commitStats.largestBatch, batch.length);
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    results.forEach((r, i) => (r instanceof StoreError ? batch[i].reject(r) : batch[i].resolve(r)));
  }

  private async writeBatch(c: PoolClient, batch: Pending[]): Promise<(AppendResult | StoreError)[]> {
    // The first occurrence of an id in the batch is inserted; repeats are answered like any repeat.
    const first = new Map<string, number>();
    batch.forEach((p, i) => first.has(p.rec.receipt.id) || first.set(p.rec.receipt.id, i));
    const col = {
      id: [] as string[], type: [] as string[], saleId: [] as (string | null)[], register: [] as string[], body: [] as string[], hash: [] as string[],
      channel: [] as (string | null)[], result: [] as (string | null)[], customer: [] as (string | null)[], offline: [] as (boolean | null)[],
      ki: [] as string[], kiId: [] as string[],
    };
    for (const i of first.values()) {
      const { rec, channel } = batch[i];
      const r = rec.receipt;
      col.id.push(r.id);
      col.type.push(r.type);
      col.saleId.push(r.saleId ?? null);
      col.register.push(r.registerId);
      col.body.push(JSON.stringify(r));
      col.hash.push(rec.hash);
      col.channel.push(channel);
      col.result.push(rec.fiscal ? JSON.stringify(rec.fiscal) : null);
      // A receipt fiscalised by the POS is delivered already: its contacts are never stored.
      col.customer.push(rec.customer && !rec.fiscal ? JSON.stringify(rec.customer) : null);
      col.offline.push(rec.fiscal ? rec.fiscal.isOffline : null);
      for (const l of r.lines)
        for (const k of l.codes) {
          col.ki.push(k.ki);
          col.kiId.push(r.id);
        }
    }
    const now = this.clock();
    const inserted = await c.query<{ id: string }>({ ...this.sql.appendBatch, values: [
      now, col.id, col.type, col.saleId, col.register, col.body, col.hash, col.channel, col.result, col.customer, col.offline, col.ki, col.kiId,
    ] });
    const created = new Set(inserted.rows.map((r) => r.id));
    const rows = await c.query<Row & { body_hash: string }>({ ...this.sql.viewsByIds, values: [[...first.keys()]] });
    const byId = new Map(rows.rows.map((r) => [r.id, r]));
    return batch.map((p, i) => {
      const r = p.rec.receipt;
      const row = byId.get(r.id)!;
      if (first.get(r.id) === i && created.has(r.id)) return { view: toView(row), created: true };
      if (row.type === r.type && row.body_hash === p.rec.hash) return { view: toView(row), created: false };
      return new StoreError('id-conflict', `The id ${r.id} is already used by a different ${row.type}; nothing was saved. Use a new id for a new ${r.type}.`, { id: r.id });
    });
  }

  async get(id: string): Promise<SaleView | null> {
    const [r] = await this.query<Row>('reading a receipt', this.sql.byId, [id]);
    return r ? toView(r) : null;
  }

  async receipt(id: string): Promise<FiscalReceipt | null> {
    const [r] = await this.query<{ body: FiscalReceipt }>('reading a receipt', this.sql.receipt, [id]);
    return r ? r.body : null;
  }

  async returnsOf(saleId: string): Promise<FiscalReceipt[]> {
    return (await this.query<{ body: FiscalReceipt }>('reading returns', this.sql.returnsOf, [saleId])).map((r) => r.body);
  }

  // ---- DeliveryQueue ----

  async claim(workerId: string, registers: string[] | null, limit: number, leaseMs: number): Promise<Claimed[]> {
    if (limit <= 0 || (registers !== null && registers.length === 0)) {
      this.open('claiming receipts to send');
      return [];
    }
    const rows = await this.tx('claiming receipts to send', async (c) => {
      const now = this.clock();
      const locked = await c.query<{ register_id: string }>({ ...this.sql.lockDueRegisters, values: [now, registers, Math.floor(limit)] });
      if (locked.rows.length === 0) return [];
      const regs = locked.rows.map((r) => r.register_id);
      return (await c.query<ClaimRow>({ ...this.sql.leaseHeads, values: [now, regs, workerId, Math.max(0, leaseMs)] })).rows;
    });
    return rows
      .sort((a, b) => Number(a.seq) - Number(b.seq))
      .map((row) => {
        let basis: FiscalResult | null = null;
        let basisProblem: Reason | null = null;
        if (row.type === 'return' && row.sale_id !== null) {
          if (row.sale_state === null) basisProblem = { code: 'sale-missing', message: `Sale ${row.sale_id} is no longer in this store; the return has no basis.` };
          else if (row.sale_state === 'fiscalised' && row.sale_result) basis = row.sale_result;
          else
            basisProblem = {
              code: 'sale-not-fiscalised',
              message: `Sale ${row.sale_id} has no fiscal receipt (${row.sale_state}); a return must name one. Retry the sale first, then this return.`,
            };
        }
        return {
          delivery: toDelivery(row),
          lease: { workerId, token: Number(row.lease_token) },
          receipt: row.body,
          customer: row.customer ?? null,
          basis,
          basisProblem,
        };
      });
  }

  async markSending(c: Claimed, durable: boolean, prepared: Delivery['prepared'] = null): Promise<Delivery> {
    const values = [this.clock(), c.delivery.seq, c.lease.workerId, c.lease.token, prepared ? JSON.stringify(prepared) : null];
    const doing = 'marking a receipt as sending';
    // Not durable (the channel has an idempotency key): the commit need not wait for the WAL flush;
    // a server crash may lose the mark, which reconciliation by key covers.
    const rows = durable ? await this.query<Row>(doing, this.sql.markSending, values) : await this.tx(doing, async (cl) => (await cl.query<Row>({ ...this.sql.markSending, values })).rows, { syncCommit: false });
    if (rows.length === 0) throw leaseLost(c);
    return toDelivery(rows[0]);
  }

  async transition(c: Claimed, next: Transition): Promise<SaleView> {
    const rows = await this.query<Row>('updating a receipt', this.sql.transition, [
      this.clock(),
      c.delivery.seq,
      c.lease.workerId,
      c.lease.token,
      next.state,
      next.delayMs,
      next.result ? JSON.stringify(next.result) : null,
      next.result ? next.result.isOffline : null,
      next.reasons ? JSON.stringify(next.reasons) : null,
      next.lastError !== undefined,
      next.lastError ?? null,
      next.dead === undefined ? null : next.dead,
      Math.floor(next.attempts ?? 0),
    ]);
    if (rows.length === 0) throw leaseLost(c);
    return toView(rows[0]);
  }

  async release(c: Claimed): Promise<void> {
    this.open('releasing a claim');
    let n: number;
    try {
      n = (await this.pool.query({ ...this.sql.release, values: [c.delivery.seq, c.lease.workerId, c.lease.token] })).rowCount ?? 0;
    } catch (e) {
      throw fromPgError(e, 'releasing a claim', this.target);
    }
    if (n === 0) throw leaseLost(c);
  }

  async recover(workerId: string, reconcileDelayMs: number): Promise<number> {
    const [r] = await this.query<{ n: number }>('recovering after a restart', this.sql.recover, [this.clock(), workerId, Math.max(0, reconcileDelayMs)]);
    return r.n;
  }

  async nextDueIn(registers: string[] | null): Promise<number | null> {
    if (registers !== null && registers.length === 0) return null;
    const [r] = await this.query<{ due: Date | null; now: Date }>('reading the queue', this.sql.nextDue, [this.clock(), registers]);
    return r.due === null ? null : Math.max(0, r.due.getTime() - r.now.getTime());
  }

  // ---- QueueViews ----

  async stats(): Promise<QueueStats> {
    const doing = 'reading queue statistics';
    const [counts, pendingRows, deadRows, doneRows] = await Promise.all([
      this.query<{ state: DeliveryState; dead: boolean; n: number }>(doing, this.sql.countByState, []),
      this.query<{ register_id: string; channel: string | null; n: number; oldest: Date }>(doing, this.sql.pendingByRegister, []),
      this.query<{ register_id: string; channel: string | null; n: number }>(doing, this.sql.deadByRegister, []),
      this.query<{ register_id: string; channel: string | null; last_at: Date; since: Date | null }>(doing, this.sql.doneByRegister, []),
    ]);
    const byState: QueueStats['byState'] = {};
    let deadLetters = 0;
    for (const r of counts) {
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
    for (const r of pendingRows) {
      const s = reg(r.register_id, r.channel);
      s.pending = r.n;
      s.oldestPendingAt = iso(r.oldest);
      pending += r.n;
      oldest = oldest === null ? r.oldest.getTime() : Math.min(oldest, r.oldest.getTime());
    }
    for (const r of deadRows) reg(r.register_id, r.channel).deadLetters = r.n;
    for (const r of doneRows) {
      const s = reg(r.register_id, r.channel);
      s.lastFiscalisedAt = iso(r.last_at);
      s.autonomousSince = iso(r.since);
    }
    return {
      pending,
      oldestPendingAt: oldest === null ? null : new Date(oldest).toISOString(),
      deadLetters,
      byState,
      registers: [...regs.values()].sort((a, b) => a.registerId.localeCompare(b.registerId)),
    };
  }

  async list(opts: { which: 'open' | 'all' | 'dead'; limit: number; registerId?: string }): Promise<ListedReceipt[]> {
    const text = opts.which === 'dead' ? this.sql.listDead : opts.which === 'all' ? this.sql.listAll : this.sql.listOpen;
    const rows = await this.query<Row & { body: FiscalReceipt }>('listing receipts', text, [Math.max(0, Math.floor(opts.limit)), opts.registerId ?? null]);
    return rows.map((r) => ({
      ...toView(r),
      lastError: r.last_error,
      total: r.body.total,
      lines: r.body.lines.length,
      codes: r.body.lines.reduce((a, l) => a + l.codes.length, 0),
    }));
  }

  /** "Sold in this chain": the latest receipt of the KI, in any store sharing this database, is a sale. */
  async soldHere(kis: string[]): Promise<Set<string>> {
    if (kis.length === 0) return new Set();
    const rows = await this.query<{ ki: string; kind: string }>('reading codes sold here', this.sql.lastKinds, [kis]);
    return new Set(rows.filter((r) => r.kind === 'sale').map((r) => r.ki));
  }

  async retryDead(id: string): Promise<SaleView> {
    const [r] = await this.query<Row>('retrying a dead letter', this.sql.retryDead, [this.clock(), id]);
    if (!r) throw new StoreError('not-found', `No dead letter with id ${id}.`, { id });
    return toView(r);
  }

  async purge(olderThanMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      this.open('purging delivered receipts');
      let n: number;
      try {
        n = (await this.pool.query({ ...this.sql.purge, values: [this.clock(), Math.max(0, olderThanMs)] })).rowCount ?? 0;
      } catch (e) {
        throw fromPgError(e, 'purging delivered receipts', this.target);
      }
      total += n;
      if (n === 0) return total;
    }
  }

  /** Write what is pending, then close the pool. Further calls fail with `store-closed`. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing || this.flushScheduled || this.pending.length > 0) {
      if (this.flushing) await this.flushing;
      else await new Promise<void>((r) => setImmediate(r));
    }
    this.closed = true;
    await this.pool.end().catch((e: unknown) => {
      throw fromPgError(e, 'closing the sale database', this.target);
    });
  }
}

export function openPostgresOutbox(opts: PostgresOutboxOptions): Promise<PostgresOutbox> {
  return PostgresOutbox.open(opts);
}
