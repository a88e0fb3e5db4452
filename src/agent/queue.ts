/**
 * Operator views of the outbox for `tanba queue list | show | retry`: the store opened read-only
 * (safe while the agent runs); a retry goes through the running agent when there is one (so its relay
 * picks the receipt up at once), else through the store. Never shows customer contacts.
 */
import { existsSync } from 'node:fs';
import type { ListedReceipt, RegisterQueueStats, SaleView } from '../outbox/ports.js';
import { openSqliteOutbox, type SqliteOutbox } from '../outbox/sqlite/outbox.js';
import { AgentApiError } from './client.js';

export interface QueueRow {
  id: string;
  type: 'sale' | 'return';
  registerId: string;
  channel: string | null;
  state: string;
  deadLetter: boolean;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  fiscalSign: string | null;
  isOffline: boolean | null;
  total: number;
  codes: number;
  lastError: string | null;
}

export interface QueueListing {
  counts: Record<string, number>;
  deadLetters: number;
  registers: RegisterQueueStats[];
  rows: QueueRow[];
}

export interface QueueDetail extends QueueRow {
  saleId: string | null;
  updatedAt: string;
  reasons: { code: string; message: string }[];
  fiscal: SaleView['fiscal'];
  /** The receipt as stored (lines, codes, payments); contacts are never stored with it. */
  receipt: unknown;
}

function openReadOnly(path: string): SqliteOutbox {
  if (!existsSync(path)) throw Object.assign(new Error(`No sale log at ${path}. Check --db / db.path (the agent creates it on first start).`), { code: 'no-database' });
  return openSqliteOutbox({ path, readonly: true, integrityCheck: 'off' });
}

function toRow(r: ListedReceipt): QueueRow {
  return {
    id: r.id,
    type: r.type,
    registerId: r.registerId,
    channel: r.channel,
    state: r.state,
    deadLetter: r.deadLetter === true,
    attempts: r.attempts,
    createdAt: r.createdAt,
    nextAttemptAt: r.nextAttemptAt,
    fiscalSign: r.fiscal?.fiscalSign ?? null,
    isOffline: r.fiscal ? r.fiscal.isOffline : null,
    total: r.total,
    codes: r.codes,
    lastError: r.lastError,
  };
}

/** Receipts not yet fiscalised (dead letters first, then oldest first), with per-register fiscal state. */
export async function listQueue(dbPath: string, opts: { limit?: number; all?: boolean; deadOnly?: boolean; registerId?: string } = {}): Promise<QueueListing> {
  const store = openReadOnly(dbPath);
  try {
    const stats = await store.stats();
    const rows = await store.list({ which: opts.deadOnly ? 'dead' : opts.all ? 'all' : 'open', limit: opts.limit ?? 100, registerId: opts.registerId });
    return { counts: stats.byState, deadLetters: stats.deadLetters, registers: stats.registers, rows: rows.map(toRow) };
  } finally {
    await store.close();
  }
}

export async function showRecord(dbPath: string, id: string): Promise<QueueDetail | null> {
  const store = openReadOnly(dbPath);
  try {
    const row = await store.listed(id);
    if (!row) return null;
    return { ...toRow(row), saleId: row.saleId ?? null, updatedAt: row.updatedAt, reasons: row.reasons, fiscal: row.fiscal, receipt: await store.receipt(id) };
  } finally {
    await store.close();
  }
}

/** Puts a dead letter back into the queue. Prefers the running agent at `agentUrl`. */
export async function retryRecord(dbPath: string, id: string, agent?: { url: string; token?: string }): Promise<{ info: SaleView; via: 'agent' | 'database' }> {
  if (agent) {
    try {
      const res = await fetch(`${agent.url}/v1/queue/${encodeURIComponent(id)}/retry`, {
        method: 'POST',
        headers: agent.token ? { authorization: `Bearer ${agent.token}` } : {},
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json()) as SaleView | { error: { code: string; message: string } };
      if ('error' in body) throw new AgentApiError(res.status, body.error.code, body.error.message);
      return { info: body, via: 'agent' };
    } catch (e) {
      if (e instanceof AgentApiError) throw e;
      // No agent running: fall through to the database.
    }
  }
  const store = openSqliteOutbox({ path: dbPath, integrityCheck: 'off' });
  try {
    return { info: await store.retryDead(id), via: 'database' };
  } finally {
    await store.close();
  }
}

