/**
 * Operator views of the sale log for `tanba queue list | show | retry`: read straight from the
 * SQLite file (read-only, safe while the agent runs); a retry goes through the running agent when
 * there is one (so its relay picks the record up at once), else through the store.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../outbox/sqlite-store.js';
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

const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

function openReadOnly(path: string): Database.Database {
  if (!existsSync(path)) throw Object.assign(new Error(`No sale log at ${path}. Check --db / db.path (the agent creates it on first start).`), { code: 'no-database' });
  return new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
}

interface Row {
  id: string;
  type: 'sale' | 'return';
  sale_id: string | null;
  body: string;
  state: string;
  document_id: string | null;
  reasons: string;
  attempts: number;
  created_at: number;
  updated_at: number;
  next_attempt_at: number | null;
  last_error: string | null;
  dead: number;
}

function toRow(r: Row): QueueRow {
  return {
    id: r.id,
    type: r.type,
    state: r.state,
    deadLetter: r.dead === 1,
    attempts: r.attempts,
    createdAt: iso(r.created_at)!,
    nextAttemptAt: r.dead ? null : iso(r.next_attempt_at),
    documentId: r.document_id,
    lastError: r.last_error,
  };
}

/** Records not yet confirmed (dead letters first, then oldest first). */
export function listQueue(dbPath: string, opts: { limit?: number; all?: boolean; deadOnly?: boolean } = {}): QueueListing {
  const db = openReadOnly(dbPath);
  try {
    const counts: Record<string, number> = {};
    let deadLetters = 0;
    for (const r of db.prepare('SELECT state, dead, COUNT(*) AS n FROM records GROUP BY state, dead').all() as { state: string; dead: number; n: number }[]) {
      counts[r.state] = (counts[r.state] ?? 0) + r.n;
      if (r.dead) deadLetters += r.n;
    }
    const where = opts.deadOnly ? 'WHERE dead = 1' : opts.all ? '' : "WHERE dead = 1 OR state <> 'confirmed'";
    const rows = (db.prepare(`SELECT * FROM records ${where} ORDER BY dead DESC, created_at ASC LIMIT ?`).all(opts.limit ?? 100) as Row[]).map(toRow);
    return { counts, deadLetters, rows };
  } finally {
    db.close();
  }
}

export function showRecord(dbPath: string, id: string): QueueDetail | null {
  const db = openReadOnly(dbPath);
  try {
    const r = db.prepare('SELECT * FROM records WHERE id = ?').get(id) as Row | undefined;
    if (!r) return null;
    return { ...toRow(r), saleId: r.sale_id, updatedAt: iso(r.updated_at)!, reasons: JSON.parse(r.reasons) as QueueDetail['reasons'], body: JSON.parse(r.body) as unknown };
  } finally {
    db.close();
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

