/**
 * The PostgreSQL layout of the outbox and its migrations, applied by the store itself on open.
 *
 * Everything lives in one PG schema (default `tanba`, configurable so several tenants or test
 * runs can share a database). `schema_version` holds one row per applied migration. Migrating
 * takes a transaction-scoped advisory lock, so any number of agents and workers may start at the
 * same moment: one migrates, the others wait for it and then find the schema current.
 *
 * - `registers`: one row per cash register that ever had a receipt. The claim locks these rows
 *   (FOR NO KEY UPDATE SKIP LOCKED): the per-register mutex of the queue (see outbox.ts);
 * - `receipts`: the receipt fact (body as `json`, kept byte-for-byte as written);
 * - `contacts`: the customer's e-receipt contacts, apart from the receipt so erasing them deletes a
 *   small row instead of rewriting the receipt;
 * - `deliveries`: one row per receipt on its way (state, idempotency key, result, the lease with
 *   its worker and fencing token);
 * - `record_codes`: the codes of every receipt by KI ("sold in this chain", returns).
 */
import type { PoolClient } from 'pg';
import { StoreError } from '../errors.js';

/** Advisory-lock class for migrations ('tanb'); the second key is hashtext(schema). */
const MIGRATION_LOCK = 0x74616e62;

const OPEN = `('queued','sending','unknown')`;

interface Migration {
  version: number;
  up: (s: string) => string;
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    up: (s) => `
CREATE TABLE ${s}.registers (
  register_id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE ${s}.receipts (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id text NOT NULL UNIQUE,
  type text NOT NULL CHECK (type IN ('sale','return')),
  sale_id text,
  register_id text NOT NULL,
  body json NOT NULL,
  body_hash text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX receipts_sale ON ${s}.receipts (sale_id) WHERE sale_id IS NOT NULL;
CREATE TABLE ${s}.contacts (
  seq bigint PRIMARY KEY REFERENCES ${s}.receipts (seq) ON DELETE CASCADE,
  customer jsonb NOT NULL
);
CREATE TABLE ${s}.deliveries (
  seq bigint PRIMARY KEY REFERENCES ${s}.receipts (seq) ON DELETE CASCADE,
  register_id text NOT NULL REFERENCES ${s}.registers (register_id),
  channel text,
  state text NOT NULL CHECK (state IN ('queued','sending','unknown','fiscalised','rejected','recorded')),
  idem_key text NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  claims integer NOT NULL DEFAULT 0,
  result jsonb,
  is_offline boolean,
  next_attempt_at timestamptz,
  first_sent_at timestamptz,
  last_sent_at timestamptz,
  prepared jsonb,
  lease_worker text,
  lease_token bigint NOT NULL DEFAULT 0,
  lease_until timestamptz,
  last_error text,
  reasons jsonb NOT NULL DEFAULT '[]',
  dead boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL
);
-- Each register's line of open receipts, oldest first: the head is the only one that may go.
CREATE INDEX deliveries_line ON ${s}.deliveries (register_id, seq) WHERE NOT dead AND state IN ${OPEN};
-- Live and lapsed leases: per register (one in flight) and per worker (recovery).
CREATE INDEX deliveries_leased_register ON ${s}.deliveries (register_id) WHERE lease_worker IS NOT NULL;
CREATE INDEX deliveries_leased_worker ON ${s}.deliveries (lease_worker) WHERE lease_worker IS NOT NULL;
CREATE INDEX deliveries_done ON ${s}.deliveries (register_id, seq) WHERE state = 'fiscalised';
CREATE INDEX deliveries_dead ON ${s}.deliveries (seq) WHERE dead;
CREATE INDEX deliveries_purge ON ${s}.deliveries (updated_at) WHERE state IN ('fiscalised','recorded');
CREATE TABLE ${s}.record_codes (
  ki text NOT NULL,
  seq bigint NOT NULL REFERENCES ${s}.receipts (seq) ON DELETE CASCADE,
  record_id text NOT NULL,
  kind text NOT NULL,
  PRIMARY KEY (ki, seq)
);
CREATE INDEX record_codes_seq ON ${s}.record_codes (seq);
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The schema name as a quoted identifier; only plain identifiers are accepted. */
export function quoteSchema(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name))
    throw new StoreError('store-io', `The PostgreSQL schema name ${JSON.stringify(name)} is not a plain identifier (letters, digits, _; at most 63). Choose another name.`);
  return `"${name}"`;
}

async function currentVersion(client: PoolClient, schema: string): Promise<number | null> {
  const t = await client.query<{ t: string | null }>(`SELECT to_regclass($1) AS t`, [`${quoteSchema(schema)}.schema_version`]);
  if (t.rows[0].t === null) return null;
  const v = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${quoteSchema(schema)}.schema_version`);
  return v.rows[0].v ?? 0;
}

/**
 * Bring `schema` to SCHEMA_VERSION. A current schema is detected without locks or DDL (the
 * common case for every process after the first); otherwise the migration runs in one
 * transaction under an advisory lock, re-reading the version once it holds the lock.
 */
export async function migrate(client: PoolClient, schema: string): Promise<{ from: number; to: number }> {
  const s = quoteSchema(schema);
  const seen = await currentVersion(client, schema);
  if (seen !== null && seen > SCHEMA_VERSION)
    throw new StoreError('store-io', `The PostgreSQL schema ${schema} was written by a newer tanba (schema ${seen}, this one knows ${SCHEMA_VERSION}); upgrade tanba.`);
  if (seen === SCHEMA_VERSION) return { from: seen, to: seen };
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user)`,
    );
    const from = (await currentVersion(client, schema)) ?? 0;
    if (from > SCHEMA_VERSION)
      throw new StoreError('store-io', `The PostgreSQL schema ${schema} was written by a newer tanba (schema ${from}, this one knows ${SCHEMA_VERSION}); upgrade tanba.`);
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue;
      await client.query(m.up(s));
      await client.query(`INSERT INTO ${s}.schema_version (version) VALUES ($1)`, [m.version]);
    }
    await client.query('COMMIT');
    return { from, to: SCHEMA_VERSION };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
