/**
 * Operator views of the sale log for `tanba queue list | show | retry`: the store opened read-only
 * (safe while the agent runs); a retry goes through the running agent when there is one (so its relay
 * picks the record up at once), else through the store.
 */
import { existsSync } from 'node:fs';
import { openSqliteStore } from '../outbox/sqlite-store.js';
import type { SaleStore, StoredRecord } from '../outbox/store.js';
import type { RecordInfo } from '../outbox/types.js';
import { AgentApiError } from './client.js';

export interface QueueRow {
  id: string;
  type: 'sale' | 'return';
  state: string;
  deadLetter: boolean;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null;
  documentId: string | null;
  lastError: string | null;
}

export interface QueueListing {
  counts: Record<string, number>;
  deadLetters: number;
  rows: QueueRow[];
}

export interface QueueDetail extends QueueRow {
  saleId: string | null;
  updatedAt: string;
  reasons: { code: string; message: string }[];
  body: unknown;
}

function openReadOnly(path: string): SaleStore {
  if (!existsSync(path)) throw Object.assign(new Error(`No sale log at ${path}. Check --db / db.path (the agent creates it on first start).`), { code: 'no-database' });
  return openSqliteStore({ path, readonly: true, integrityCheck: 'off' });
}

function toRow(r: StoredRecord): QueueRow {
  return {
    id: r.id,
    type: r.type,
    state: r.state,
    deadLetter: r.dead,
    attempts: r.attempts,
    createdAt: r.createdAt,
    nextAttemptAt: r.dead ? null : r.nextAttemptAt,
    documentId: r.documentId,
    lastError: r.lastError,
  };
}

/** Records not yet confirmed (dead letters first, then oldest first). */
export async function listQueue(dbPath: string, opts: { limit?: number; all?: boolean; deadOnly?: boolean } = {}): Promise<QueueListing> {
  const store = openReadOnly(dbPath);
  try {
    const stats = await store.stats();
    const rows = await store.list({ which: opts.deadOnly ? 'dead' : opts.all ? 'all' : 'open', limit: opts.limit ?? 100 });
    return { counts: stats.byState, deadLetters: stats.deadLetters, rows: rows.map(toRow) };
  } finally {
    await store.close();
  }
}

export async function showRecord(dbPath: string, id: string): Promise<QueueDetail | null> {
  const store = openReadOnly(dbPath);
  try {
    const r = await store.getRecord(id);
    if (!r) return null;
    return { ...toRow(r), saleId: r.saleId ?? null, updatedAt: r.updatedAt, reasons: r.reasons, body: r.body };
  } finally {
    await store.close();
  }
}

/** Puts a dead letter back into the queue. Prefers the running agent at `agentUrl`. */
export async function retryRecord(dbPath: string, id: string, agent?: { url: string; token?: string }): Promise<{ info: RecordInfo; via: 'agent' | 'database' }> {
  if (agent) {
    try {
      const res = await fetch(`${agent.url}/v1/queue/${encodeURIComponent(id)}/retry`, {
        method: 'POST',
        headers: agent.token ? { authorization: `Bearer ${agent.token}` } : {},
        signal: AbortSignal.timeout(5000),
      });
      const body = (await res.json()) as RecordInfo | { error: { code: string; message: string } };
      if ('error' in body) throw new AgentApiError(res.status, body.error.code, body.error.message);
      return { info: body, via: 'agent' };
    } catch (e) {
      if (e instanceof AgentApiError) throw e;
      // No agent running: fall through to the database.
    }
  }
  const store = openSqliteStore({ path: dbPath, integrityCheck: 'off' });
  try {
    return { info: await store.retryDeadLetter(id, Date.now()), via: 'database' };
  } finally {
    await store.close();
  }
}

