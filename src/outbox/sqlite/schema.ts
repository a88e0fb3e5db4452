/**
 * The SQLite layout of the outbox (schema 2) and the in-place upgrade from schema 1 (tanba 0.1,
 * which queued sales as tracking-system documents in one `records` table).
 *
 * - `receipts`: the receipt fact, append-only except for `customer`, which is erased once the
 *   receipt is delivered;
 * - `deliveries`: one row per receipt on its way to its register's fiscal channel (state, the
 *   idempotency key, the result, the lease with its fencing token);
 * - `record_codes`: the codes of every receipt by KI, for "sold here" and returns.
 */
import type Database from 'better-sqlite3';
import type { FiscalReceipt } from '../../sale/types.js';

export const SCHEMA_VERSION = 2;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS receipts (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL CHECK (type IN ('sale','return')),
  sale_id TEXT,
  register_id TEXT NOT NULL,
  body TEXT NOT NULL,
  body_hash TEXT NOT NULL,
  customer TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS receipts_sale ON receipts (sale_id) WHERE sale_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS deliveries (
  seq INTEGER PRIMARY KEY REFERENCES receipts (seq) ON DELETE CASCADE,
  register_id TEXT NOT NULL,
  channel TEXT,
  state TEXT NOT NULL CHECK (state IN ('queued','sending','unknown','fiscalised','rejected','recorded')),
  idem_key TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  claims INTEGER NOT NULL DEFAULT 0,
  result TEXT,
  is_offline INTEGER,
  next_attempt_at INTEGER,
  first_sent_at INTEGER,
  last_sent_at INTEGER,
  prepared TEXT,
  lease_worker TEXT,
  lease_token INTEGER NOT NULL DEFAULT 0,
  lease_until INTEGER,
  last_error TEXT,
  reasons TEXT NOT NULL DEFAULT '[]',
  dead INTEGER NOT NULL DEFAULT 0,
  updated_at INTEGER NOT NULL
);
-- Each register's line of open receipts, oldest first: the head is the only one that may go.
CREATE INDEX IF NOT EXISTS deliveries_line ON deliveries (register_id, seq) WHERE dead = 0 AND state IN ('queued','sending','unknown');
CREATE INDEX IF NOT EXISTS deliveries_done ON deliveries (register_id, seq) WHERE state = 'fiscalised';
-- Receipts of a register in flight (leased): one probe per claim, whatever the backlog.
CREATE INDEX IF NOT EXISTS deliveries_leased ON deliveries (register_id, lease_until) WHERE lease_until IS NOT NULL AND dead = 0 AND state IN ('queued','sending','unknown');
CREATE INDEX IF NOT EXISTS deliveries_dead ON deliveries (seq) WHERE dead = 1;
CREATE TABLE IF NOT EXISTS record_codes (
  ki TEXT NOT NULL,
  seq INTEGER NOT NULL,
  record_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  PRIMARY KEY (ki, seq)
) WITHOUT ROWID;
`;

interface V1Row {
  seq: number;
  id: string;
  type: 'sale' | 'return';
  sale_id: string | null;
  body: string;
  body_hash: string;
  state: string;
  document_id: string | null;
  attempts: number;
  created_at: number;
  updated_at: number;
}

interface V1Body {
  id: string;
  type: 'sale' | 'return';
  saleId?: string;
  at: string;
  registerId?: string;
  items: { ki: string; km: string; price: number; quantity: number }[];
}

/** Register id given to receipts that named none (schema 1 allowed that). */
export const DEFAULT_REGISTER = 'default';

/**
 * Schema 1 → 2, in one transaction. A record the old release delivered as a tracking document is
 * kept as history (`recorded`: sold-here knowledge, no fiscal receipt); one it had not delivered is
 * a dead letter saying what happened, because sales now go through the fiscal receipt and an
 * operator must decide (nothing is dropped and nothing is sent on its own).
 */
export function migrateV1(db: Database.Database, now: number): { migrated: number } {
  const rows = db.prepare(`SELECT seq, id, type, sale_id, body, body_hash, state, document_id, attempts, created_at, updated_at FROM records ORDER BY seq`).all() as V1Row[];
  const insR = db.prepare(
    `INSERT INTO receipts (seq, id, type, sale_id, register_id, body, body_hash, customer, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
  );
  const insD = db.prepare(
    `INSERT INTO deliveries (seq, register_id, channel, state, idem_key, attempts, reasons, last_error, dead, updated_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const r of rows) {
    const b = JSON.parse(r.body) as V1Body;
    const registerId = b.registerId ?? DEFAULT_REGISTER;
    const lines = b.items.map((i) => ({
      name: '',
      price: i.price,
      quantity: i.quantity,
      total: i.price * i.quantity,
      codes: [{ km: i.km, ki: i.ki, gtin: i.ki.slice(2, 16) }],
      unit: '796',
      vatRate: null,
      positionType: 'goods' as const,
    }));
    const total = lines.reduce((a, l) => a + l.total, 0);
    const receipt: FiscalReceipt = {
      type: r.type,
      id: r.id,
      ...(b.saleId ? { saleId: b.saleId } : {}),
      registerId,
      at: b.at,
      lines,
      payments: [{ type: 'cash', amount: total }],
      total,
      legacy: true,
    };
    const delivered = r.state === 'confirmed' || r.state === 'sent';
    const reason = delivered
      ? { code: 'migrated-tracking-document', message: `Delivered by tanba 0.1 as tracking document ${r.document_id ?? '(unknown id)'}, not as a fiscal receipt; kept as history.` }
      : {
          code: 'migrated-unsent',
          message: `Recorded by tanba 0.1 as a tracking-system withdrawal and left ${r.state}; sales now reach the tracking system through the fiscal receipt. Check whether this sale has a fiscal receipt; if not, record it again with receipt lines.`,
        };
    insR.run(r.seq, r.id, r.type, r.sale_id, registerId, JSON.stringify(receipt), r.body_hash, r.created_at);
    insD.run(r.seq, registerId, delivered ? 'recorded' : 'rejected', r.id, r.attempts, JSON.stringify([reason]), delivered ? null : `${reason.code}: ${reason.message}`, delivered ? 0 : 1, now);
  }
  db.exec('DROP TABLE records');
  return { migrated: rows.length };
}
