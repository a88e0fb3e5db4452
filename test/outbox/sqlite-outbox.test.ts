/** The SQLite outbox: the shared port contract, plus what only a file can show (upgrade in place, erasure on disk, durability errors). */
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteOutbox } from '../../src/outbox/sqlite/outbox.js';
import { outboxContract, testClock } from './contract.js';
import { tempDir } from './helpers.js';
import { kiOf, NOW, saleRecord } from '../support/receipts.js';

const tmp = tempDir('tanba-sqlite-outbox-');
afterAll(() => tmp.cleanup());
let n = 0;

outboxContract('sqlite', async (clock) => openSqliteOutbox({ path: tmp.file(`c${++n}.db`), now: clock.now }));

describe('sqlite outbox', () => {
  it('upgrades a database written by tanba 0.1 in place: delivered records kept as history, undelivered ones dead letters that say why', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const file = tmp.file('v1.db');
    copyFileSync(join(here, '../fixtures/outbox-v1.db'), file);
    const o = openSqliteOutbox({ path: file, now: () => NOW });
    try {
      const confirmed = await o.get('v1-confirmed');
      expect(confirmed).toMatchObject({ state: 'recorded', registerId: 'till-1', reasons: [{ code: 'migrated-tracking-document' }] });
      expect(confirmed?.reasons[0].message).toContain('doc-1');
      const queued = await o.get('v1-queued');
      expect(queued).toMatchObject({ state: 'rejected', deadLetter: true, registerId: 'default', reasons: [{ code: 'migrated-unsent' }] });
      expect((await o.get('v1-unknown'))?.deadLetter).toBe(true);
      expect((await o.get('v1-return'))?.state).toBe('recorded');
      const receipt = await o.receipt('v1-queued');
      expect(receipt?.lines.map((l) => l.codes[0].ki)).toEqual(['014610000000007821R000070000002', '014610000000007821R000070000003']);
      expect(receipt?.legacy).toBe(true);
      // Sold-here knowledge survives: code 1 was sold and returned; code 4 was sold (never delivered, but it left the till).
      const sold = await o.soldHere(['014610000000007821R000070000001', '014610000000007821R000070000004']);
      expect([...sold]).toEqual(['014610000000007821R000070000004']);
      expect(await o.claim('w', null, 10, 1000)).toEqual([]);
      const s = await o.stats();
      expect(s.deadLetters).toBe(2);
    } finally {
      await o.close();
    }
    const again = openSqliteOutbox({ path: file, now: () => NOW });
    expect((await again.get('v1-queued'))?.state).toBe('rejected');
    await again.close();
  });

  it('erases customer contacts from the file once the receipt is fiscalised', async () => {
    const clock = testClock();
    const file = tmp.file('pd.db');
    const o = openSqliteOutbox({ path: file, now: clock.now });
    await o.append(saleRecord('pd-1', { customer: { email: 'aigerim@example.kz', phone: '+77771234455' } }), 'x');
    const [c] = await o.claim('w', null, 1, 60_000);
    await o.markSending(c, true);
    await o.transition(c, { state: 'fiscalised', delayMs: null, result: { channel: 'x', fiscalSign: '1', registrationNumber: '2', dateTime: 'now', total: 1, isOffline: false } });
    await o.close();
    const bytes = Buffer.concat([readFileSync(file), existsSync(file + '-wal') ? readFileSync(file + '-wal') : Buffer.alloc(0)]).toString('latin1');
    expect(bytes).not.toContain('aigerim@example.kz');
    expect(bytes).not.toContain('77771234455');
  });

  it('refuses a file it cannot read as a sale database, and a full disk, with stable codes', async () => {
    const bad = tmp.file('bad.db');
    writeFileSync(bad, 'this is not a database'.repeat(200));
    expect(() => openSqliteOutbox({ path: bad })).toThrow(expect.objectContaining({ code: 'store-corrupt' }));
    const small = openSqliteOutbox({ path: tmp.file('small.db'), maxPages: 12 });
    let err: unknown;
    for (let i = 0; i < 200 && !err; i++) await small.append(saleRecord(`big-${i}`, { n: i * 10 + 1, units: 8 }), 'x').catch((e) => (err = e));
    expect(err).toMatchObject({ code: 'disk-full' });
    await small.close();
  });
});

describe('sqlite outbox behind another process’s lock', () => {
  it('keeps the event loop free: reads answer at once, an append waits asynchronously, then succeeds or says store-locked', async () => {
    const Database = (await import('better-sqlite3')).default;
    const file = tmp.file('locked.db');
    const o = openSqliteOutbox({ path: file, lockWaitMs: 400 });
    await o.append(saleRecord('lk-0', { n: 1 }), 'x');
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    // The event loop keeps turning while the lock is held: count turns of a 10 ms ticker.
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    try {
      const t0 = performance.now();
      expect((await o.get('lk-0'))?.state).toBe('queued');
      expect((await o.stats()).pending).toBe(1);
      expect(await o.soldHere([kiOf(1)])).toEqual(new Set([kiOf(1)]));
      expect(performance.now() - t0).toBeLessThan(1000);
      const refused = await o.append(saleRecord('lk-1', { n: 2 }), 'x').catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'store-locked' });
      expect(ticks).toBeGreaterThan(5); // the loop ran while the append waited
      const later = o.append(saleRecord('lk-2', { n: 3 }), 'x');
      // The append's first commit runs (and meets the lock) in the turn before this one ends.
      await new Promise((r) => setImmediate(r));
      other.exec('COMMIT');
      expect((await later).created).toBe(true);
    } finally {
      clearInterval(ticker);
      other.close();
      await o.close();
    }
  });
});
