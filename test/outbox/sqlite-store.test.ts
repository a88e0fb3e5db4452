/** The SQLite sale store on real files in os.tmpdir(). */
import Database from 'better-sqlite3';
import { openSync, writeSync, closeSync, writeFileSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/outbox/errors.js';
import { openSqliteStore, SqliteSaleStore } from '../../src/outbox/sqlite-store.js';
import { ki, record, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let store: SqliteSaleStore | null = null;
const T0 = Date.parse('2026-03-10T10:00:00Z');

beforeEach(() => {
  tmp = tempDir();
});
afterEach(async () => {
  await store?.close().catch(() => undefined);
  store = null;
  tmp.cleanup();
});

function open(opts: Partial<Parameters<typeof openSqliteStore>[0]> = {}): SqliteSaleStore {
  store = openSqliteStore({ path: tmp.file(), now: () => T0, ...opts });
  return store;
}

async function expectStoreError(p: Promise<unknown>, code: string): Promise<StoreError> {
  const e = await p.then(
    () => null,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(StoreError);
  expect((e as StoreError).code).toBe(code);
  return e as StoreError;
}

describe('SqliteSaleStore', () => {
  it('opens in WAL with synchronous=FULL', () => {
    open();
    const db = new Database(tmp.file());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    // synchronous is per connection: read it through the store's own connection
    const inner = (store as unknown as { db: Database.Database }).db;
    expect(inner.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  it('an acknowledged append is visible to a fresh connection (it is on disk)', async () => {
    const s = open();
    const { info, created } = await s.append(record('sale-1'));
    expect(created).toBe(true);
    expect(info).toMatchObject({ id: 'sale-1', type: 'sale', state: 'queued', attempts: 0, documentId: null });
    const db = new Database(tmp.file(), { readonly: true });
    expect(db.prepare('SELECT id, state FROM records').all()).toEqual([{ id: 'sale-1', state: 'queued' }]);
    db.close();
  });

  it('is idempotent by id: same body → same record; different body → id-conflict', async () => {
    const s = open();
    const a = await s.append(record('sale-1'));
    const b = await s.append(record('sale-1'));
    expect(b.created).toBe(false);
    expect(b.info).toEqual(a.info);
    const err = await expectStoreError(s.append(record('sale-1', { price: 999 })), 'id-conflict');
    expect(err.message).toContain('sale-1');
    await expectStoreError(s.append(record('sale-1', { type: 'return', saleId: 'x' })), 'id-conflict');
    expect((await s.stats()).byState.queued).toBe(1);
  });

  it('group-commits appends from the same tick in one transaction; all resolve after it', async () => {
    const s = open();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => s.append(record(`g-${i}`))));
    expect(results.every((r) => r.created)).toBe(true);
    expect(s.commitStats.commits).toBe(1);
    expect(s.commitStats.largestBatch).toBe(200);
    expect((await s.stats()).pending).toBe(200);
  });

  it('a conflict inside a group rejects only its own caller', async () => {
    const s = open();
    await s.append(record('dup'));
    const out = await Promise.allSettled([s.append(record('a1')), s.append(record('dup', { price: 5 })), s.append(record('a2'))]);
    expect(out.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((out[1] as PromiseRejectedResult).reason as StoreError).code).toBe('id-conflict');
  });

  it('disk full: the caller gets disk-full and nothing of that batch is stored; earlier sales survive', async () => {
    const s = open({ maxPages: 40 });
    const acked: string[] = [];
    let err: unknown = null;
    for (let i = 0; i < 10_000 && !err; i++) {
      const many = Array.from({ length: 20 }, (_, j) => ki(i * 20 + j));
      try {
        await s.append(record(`big-${i}`, { kis: many }));
        acked.push(`big-${i}`);
      } catch (e) {
        err = e;
      }
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('disk-full');
    const failedId = `big-${acked.length}`;
    expect(await s.get(failedId)).toBeNull();
    await s.close();
    store = null;
    const s2 = open();
    for (const id of acked) expect(await s2.get(id)).not.toBeNull();
    expect((await s2.stats()).pending).toBe(acked.length);
  });

  it('locked by another process: store-locked, nothing acknowledged; works once released', async () => {
    const s = open({ busyTimeoutMs: 50 });
    await s.append(record('before'));
    const other = new Database(tmp.file());
    other.exec('BEGIN EXCLUSIVE');
    await expectStoreError(s.append(record('during')), 'store-locked');
    other.exec('ROLLBACK');
    other.close();
    expect(await s.get('during')).toBeNull();
    await s.append(record('after'));
    expect((await s.stats()).pending).toBe(2);
  });

  it('a file that is not a database: store-corrupt on open', () => {
    writeFileSync(tmp.file(), Buffer.alloc(8192, 0x41));
    expect(() => open()).toThrow(StoreError);
    try {
      open();
    } catch (e) {
      expect((e as StoreError).code).toBe('store-corrupt');
    }
  });

  it('a damaged database: store-corrupt on open (integrity check)', async () => {
    const s = open();
    for (let i = 0; i < 200; i++) await s.append(record(`c-${i}`, { kis: [ki(i * 3), ki(i * 3 + 1), ki(i * 3 + 2)] }));
    await s.close();
    store = null;
    // checkpoint the WAL into the main file, then scribble over a few interior pages
    const db = new Database(tmp.file());
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode = DELETE');
    db.close();
    const size = statSync(tmp.file()).size;
    expect(size).toBeGreaterThan(4096 * 6);
    const fd = openSync(tmp.file(), 'r+');
    for (const page of [2, 3, 4, 5]) writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, page * 4096);
    closeSync(fd);
    let err: unknown = null;
    try {
      open({ integrityCheck: 'full' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('store-corrupt');
  });

  it('claim leases queued records FIFO and never hands out a return before its sale is sent', async () => {
    const s = open();
    await s.append(record('s1'));
    await s.append(record('r1', { type: 'return', saleId: 's1' }));
    await s.append(record('r-foreign', { type: 'return', saleId: 'sold-elsewhere' }));
    const first = await s.claim(T0, 10, 60_000);
    expect(first.map((r) => [r.id, r.state, r.attempts])).toEqual([
      ['s1', 'queued', 0],
      ['r-foreign', 'queued', 0],
    ]);
    expect(await s.claim(T0, 10, 60_000)).toEqual([]); // leased; r1 waits for its sale
    const sending = await s.markSending('s1', T0);
    expect(sending).toMatchObject({ state: 'sending', attempts: 1, firstSentAt: T0, lastSentAt: T0 });
    expect(await s.markSending('s1', T0)).toBeNull(); // no longer queued
    expect((await s.get('s1'))!.state).toBe('sending');
    expect(await s.claim(T0, 10, 60_000)).toEqual([]); // r1 still waits: its sale is only sending
    await s.update('s1', { state: 'sent', documentId: 'doc-1', nextAttemptAt: T0 + 5000 }, T0);
    const next = await s.claim(T0, 10, 60_000);
    expect(next.map((r) => r.id)).toEqual(['r1']);
  });

  it('an unused lease runs out, and a restart releases all leases', async () => {
    const s = open();
    await s.append(record('l1'));
    expect((await s.claim(T0, 10, 60_000)).length).toBe(1);
    expect(await s.claim(T0 + 1000, 10, 60_000)).toEqual([]);
    expect(await s.nextDueAt()).toBe(T0 + 60_000);
    expect((await s.claim(T0 + 60_000, 10, 60_000)).map((r) => r.id)).toEqual(['l1']);
    await s.recoverInFlight(T0 + 61_000, T0 + 61_000);
    expect((await s.claim(T0 + 61_000, 10, 60_000)).map((r) => r.id)).toEqual(['l1']);
  });

  it('leases unknown and sent records so one worker takes each', async () => {
    const s = open();
    await s.append(record('u1'));
    await s.claim(T0, 10, 60_000);
    await s.markSending('u1', T0);
    await s.update('u1', { state: 'unknown', nextAttemptAt: T0 }, T0);
    expect((await s.claim(T0, 10, 60_000)).map((r) => r.id)).toEqual(['u1']);
    expect(await s.claim(T0 + 1000, 10, 60_000)).toEqual([]);
    expect((await s.claim(T0 + 61_000, 10, 60_000)).map((r) => r.id)).toEqual(['u1']);
  });

  it('relay bookkeeping commits relaxed, but the connection returns to synchronous=FULL', async () => {
    const s = open();
    await s.append(record('n1'));
    await s.claim(T0, 10, 60_000);
    await s.markSending('n1', T0);
    await s.update('n1', { state: 'sent', documentId: 'd' }, T0);
    const inner = (s as unknown as { db: Database.Database }).db;
    expect(inner.pragma('synchronous', { simple: true })).toBe(2);
    await expectStoreError(s.update('missing', { state: 'sent' }, T0), 'not-found');
    expect(inner.pragma('synchronous', { simple: true })).toBe(2);
  });

  it('after a restart, sending records become unknown (to be reconciled, not resent blindly)', async () => {
    const s = open();
    await s.append(record('x1'));
    await s.claim(T0, 10, 60_000);
    await s.markSending('x1', T0);
    await s.close();
    store = null;
    const s2 = open();
    expect(await s2.recoverInFlight(T0 + 1, T0 + 500)).toBe(1);
    const r = (await s2.getRecord('x1'))!;
    expect(r.state).toBe('unknown');
    expect(r.nextAttemptAt).toBe(new Date(T0 + 500).toISOString());
    expect(r.firstSentAt).toBe(T0);
  });

  it('knows which codes were sold here, until returned', async () => {
    const s = open();
    const [a, b] = [ki(1), ki(2)];
    await s.append(record('s1', { kis: [a, b] }));
    expect([...(await s.soldHere([a, b, ki(3)]))].sort()).toEqual([a, b].sort());
    await s.append(record('r1', { type: 'return', saleId: 's1', kis: [a] }));
    expect([...(await s.soldHere([a, b]))]).toEqual([b]);
  });

  it('dead letters can be listed and retried by an operator', async () => {
    const s = open();
    await s.append(record('d1'));
    await s.claim(T0, 10, 60_000);
    await s.markSending('d1', T0);
    await s.update('d1', { state: 'rejected', dead: true, nextAttemptAt: null, reasons: [{ code: 'bad-request', message: 'no' }] }, T0);
    expect((await s.deadLetters()).map((r) => r.id)).toEqual(['d1']);
    expect((await s.get('d1'))!.deadLetter).toBe(true);
    expect((await s.stats()).deadLetters).toBe(1);
    const info = await s.retryDeadLetter('d1', T0 + 10);
    expect(info).toMatchObject({ state: 'queued', attempts: 0 });
    expect(info.deadLetter).toBeUndefined();
    expect(await s.deadLetters()).toEqual([]);
    await expectStoreError(s.retryDeadLetter('d1', T0), 'not-found');
  });

  it('lists records for operators (dead letters first, confirmed only on request) and opens read-only beside a writer', async () => {
    const s = open();
    await s.append(record('l1'));
    await s.append(record('l2'));
    await s.append(record('l3'));
    await s.claim(T0, 10, 60_000);
    await s.markSending('l1', T0);
    await s.update('l1', { state: 'confirmed', documentId: 'doc-1', nextAttemptAt: null }, T0);
    await s.markSending('l3', T0);
    await s.update('l3', { state: 'rejected', dead: true, nextAttemptAt: null }, T0);
    const reader = openSqliteStore({ path: tmp.file(), readonly: true, integrityCheck: 'off' });
    try {
      expect((await reader.list({ which: 'open', limit: 10 })).map((r) => r.id)).toEqual(['l3', 'l2']);
      expect((await reader.list({ which: 'all', limit: 10 })).map((r) => r.id)).toEqual(['l3', 'l1', 'l2']);
      expect((await reader.list({ which: 'dead', limit: 10 })).map((r) => [r.id, r.dead])).toEqual([['l3', true]]);
      expect((await reader.list({ which: 'all', limit: 1 })).map((r) => r.id)).toEqual(['l3']);
      await expectStoreError(reader.retryDeadLetter('l3', T0), 'store-readonly');
    } finally {
      await reader.close();
    }
    // The writer is unaffected, and a read-only open never creates a missing file.
    expect((await s.get('l2'))!.state).toBe('queued');
    expect(() => openSqliteStore({ path: `${tmp.file()}-missing`, readonly: true })).toThrow(StoreError);
  });

  it('purges confirmed records (and their codes) after the retention period, nothing else', async () => {
    const s = open();
    await s.append(record('p1', { kis: [ki(10)] }));
    await s.append(record('p2', { kis: [ki(11)] }));
    await s.update('p1', { state: 'confirmed' }, T0);
    await s.update('p2', { state: 'sent' }, T0);
    expect(await s.purge(T0)).toBe(0); // not older than the cut-off
    expect(await s.purge(T0 + 1)).toBe(1);
    expect(await s.get('p1')).toBeNull();
    expect(await s.get('p2')).not.toBeNull();
    expect([...(await s.soldHere([ki(10), ki(11)]))]).toEqual([ki(11)]);
  });

  it('refuses work after close with store-closed', async () => {
    const s = open();
    await s.close();
    await expectStoreError(s.append(record('z')), 'store-closed');
    await expectStoreError(s.get('z'), 'store-closed');
  });

  it('close() writes appends that were waiting for the group commit', async () => {
    const s = open();
    const p = s.append(record('late'));
    await s.close();
    store = null;
    await p;
    const s2 = open();
    expect(await s2.get('late')).not.toBeNull();
  });
});
