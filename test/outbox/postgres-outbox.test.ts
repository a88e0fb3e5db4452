/**
 * The PostgreSQL outbox on a real throw-away cluster (test/support/postgres.ts): the shared port
 * contract, plus what only a store shared by many processes must show. Each store instance has its
 * own connection pool, i.e. behaves like a separate agent or worker process.
 */
import { EventEmitter, once } from 'node:events';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { Claimed, Outbox } from '../../src/outbox/ports.js';
import { openPostgresOutbox, type PostgresOutbox, type PostgresOutboxOptions } from '../../src/outbox/postgres/outbox.js';
import type { FiscalResult } from '../../src/sale/types.js';
import { defaultConfig, redactConfig } from '../../src/agent/config.js';
import { startTestAgent } from '../agent/helpers.js';
import { outboxContract } from './contract.js';
import { startPostgres } from '../support/postgres.js';
import { kiOf, saleInput, saleRecord } from '../support/receipts.js';

const cluster = await startPostgres();
const admin = new pg.Pool({ connectionString: cluster.url, max: 2 });
afterAll(async () => {
  await admin.end();
  await cluster.stop();
});

outboxContract('postgres', (clock) => openPostgresOutbox({ url: cluster.url, schema: cluster.newSchema('c'), poolSize: 4, testClock: clock.now, takeoverGraceMs: 0 }));

const fiscal = (id: string, extra: Partial<FiscalResult> = {}): FiscalResult => ({
  channel: 'test',
  fiscalSign: 'FS-' + id,
  registrationNumber: '600000000001',
  dateTime: '2026-12-01T09:00:01.000Z',
  total: 290100,
  isOffline: false,
  ...extra,
});

describe('postgres outbox: many processes, one queue', () => {
  const opened: Outbox[] = [];
  afterAll(async () => {
    for (const o of opened) await o.close();
  });
  /** `n` store instances ("processes") on one fresh schema, each with its own pool. */
  const processes = async (n: number, opts: Partial<PostgresOutboxOptions> = {}): Promise<{ schema: string; stores: PostgresOutbox[] }> => {
    const schema = cluster.newSchema('p');
    const stores: PostgresOutbox[] = [];
    for (let i = 0; i < n; i++) stores.push(await openPostgresOutbox({ url: cluster.url, schema, poolSize: 4, ...opts }));
    opened.push(...stores);
    return { schema, stores };
  };

  it('workers in several processes drain many registers: never two leases on one register, each register in order, each receipt claimed once', async () => {
    const REGISTERS = 6;
    const PER_REGISTER = 40;
    const TOTAL = REGISTERS * PER_REGISTER;
    const { schema, stores } = await processes(4);
    const [intake, ...workers] = stores;
    const progress = new EventEmitter();
    progress.setMaxListeners(100);
    const appended = new Map<string, string[]>(); // register → ids in the order they were acknowledged
    const claimedOrder = new Map<string, string[]>();
    const inFlight = new Map<string, string>();
    const violations: string[] = [];
    let done = 0;
    let finished = false;

    // Intake keeps appending while the workers drain: one receipt per register per round, each acknowledged before the next.
    const intakeDone = (async () => {
      for (let i = 0; i < PER_REGISTER; i++) {
        await Promise.all(
          Array.from({ length: REGISTERS }, async (_, r) => {
            const reg = `till-${r}`;
            const id = `${reg}-${String(i).padStart(3, '0')}`;
            await intake.append(saleRecord(id, { n: r * 1000 + i + 1, registerId: reg }), 'x');
            (appended.get(reg) ?? appended.set(reg, []).get(reg)!).push(id);
          }),
        );
        progress.emit('tick');
      }
    })();

    const idle = () => Promise.race([once(progress, 'tick'), new Promise((r) => setTimeout(r, 10))]);
    const worker = async (o: Outbox, workerId: string) => {
      try {
        await drain(o, workerId);
      } catch (e) {
        violations.push(`${workerId} failed: ${(e as Error).message}`);
        finished = true;
      }
    };
    const drain = async (o: Outbox, workerId: string) => {
      while (!finished) {
        const claimed = await o.claim(workerId, null, 2, 60_000);
        if (claimed.length === 0) {
          await idle();
          continue;
        }
        await Promise.all(
          claimed.map(async (c: Claimed) => {
            const reg = c.delivery.registerId;
            const holder = inFlight.get(reg);
            if (holder) violations.push(`${reg}: ${workerId} got ${c.delivery.id} while ${holder} is in flight`);
            inFlight.set(reg, `${workerId}:${c.delivery.id}`);
            (claimedOrder.get(reg) ?? claimedOrder.set(reg, []).get(reg)!).push(c.delivery.id);
            await o.markSending(c, true);
            for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r)); // let the others try this register meanwhile
            inFlight.delete(reg);
            await o.transition(c, { state: 'fiscalised', delayMs: null, result: fiscal(c.delivery.id), attempts: 1 });
            done++;
            progress.emit('tick');
          }),
        );
      }
    };
    // An independent observer: the database itself never shows two live leases on one register.
    let observations = 0;
    const observer = (async () => {
      while (!finished) {
        const r = await admin.query(
          `SELECT register_id, count(*)::int AS n FROM "${schema}".deliveries WHERE lease_until > now() AND state IN ('queued','sending','unknown') GROUP BY register_id HAVING count(*) > 1`,
        );
        observations++;
        for (const row of r.rows) violations.push(`database: ${row.register_id} has ${row.n} live leases`);
        await idle();
      }
    })();

    const runs = workers.flatMap((o, p) => [0, 1, 2].map((w) => worker(o, `p${p}-w${w}`)));
    const t0 = performance.now();
    await intakeDone;
    while (done < TOTAL && !finished) await idle();
    finished = true;
    await Promise.all([...runs, observer]);
    const ms = performance.now() - t0;

    expect(violations).toEqual([]);
    expect(observations).toBeGreaterThan(0);
    for (let r = 0; r < REGISTERS; r++) expect(claimedOrder.get(`till-${r}`)).toEqual(appended.get(`till-${r}`));
    const s = await intake.stats();
    expect(s).toMatchObject({ pending: 0, deadLetters: 0, byState: { fiscalised: TOTAL } });
    const claims = await admin.query(`SELECT max(claims)::int AS most, min(claims)::int AS least FROM "${schema}".deliveries`);
    expect(claims.rows[0]).toEqual({ most: 1, least: 1 });
    console.log(`drained ${TOTAL} receipts over ${REGISTERS} registers with ${runs.length} workers in 3 processes in ${ms.toFixed(0)} ms`);
  });

  it('a worker whose lease lapsed (database clock) is fenced off: lease-lost on every transition, while the taker succeeds', async () => {
    const {
      stores: [a, b],
    } = await processes(2, { takeoverGraceMs: 0 });
    await a.append(saleRecord('lapse-0'), 'x');
    // A lease that lapsed before the request left: the "sending" mark is refused, nothing is sent.
    const [late] = await a.claim('w-a', null, 1, 1);
    await expect(a.markSending(late, true)).rejects.toMatchObject({ code: 'lease-lost' });
    const [again] = await a.claim('w-a', null, 1, 60_000);
    await a.transition(again, { state: 'fiscalised', delayMs: null, result: fiscal('lapse-0') });
    await a.append(saleRecord('lapse-1', { n: 2 }), 'x');
    const [mine] = await a.claim('w-a', null, 1, 1500); // lapses while "sending"
    expect(mine.delivery.id).toBe('lapse-1');
    await a.markSending(mine, true);
    let theirs: Claimed | undefined;
    const deadline = Date.now() + 20_000;
    while (!theirs && Date.now() < deadline) [theirs] = await b.claim('w-b', null, 1, 60_000);
    expect(theirs?.delivery).toMatchObject({ id: 'lapse-1', state: 'unknown', claims: 2 });
    expect(theirs!.lease.token).toBeGreaterThan(mine.lease.token);
    await expect(a.markSending(mine, true)).rejects.toMatchObject({ code: 'lease-lost' });
    await expect(a.transition(mine, { state: 'fiscalised', delayMs: null, result: fiscal('lapse-1', { fiscalSign: 'A' }) })).rejects.toMatchObject({ code: 'lease-lost' });
    await expect(a.release(mine)).rejects.toMatchObject({ code: 'lease-lost' });
    await expect(a.recover('w-a', 0)).resolves.toBe(0);
    const v = await b.transition(theirs!, { state: 'fiscalised', delayMs: null, result: fiscal('lapse-1', { fiscalSign: 'B' }) });
    expect(v).toMatchObject({ state: 'fiscalised', fiscal: { fiscalSign: 'B' } });
    expect((await a.get('lapse-1'))?.fiscal?.fiscalSign).toBe('B');
  });

  it('recovery of one worker leaves the other workers’ in-flight sends alone', async () => {
    const {
      stores: [a, b],
    } = await processes(2);
    await a.append(saleRecord('rec-1', { n: 1, registerId: 'till-1' }), 'x');
    await a.append(saleRecord('rec-2', { n: 2, registerId: 'till-2' }), 'x');
    const [c1] = await a.claim('w1', ['till-1'], 1, 60_000);
    const [c2] = await b.claim('w2', ['till-2'], 1, 60_000);
    await a.markSending(c1, true);
    await b.markSending(c2, true);
    expect(await a.recover('w1', 0)).toBe(1);
    expect((await b.get('rec-2'))?.state).toBe('sending');
    expect((await b.get('rec-1'))?.state).toBe('unknown');
    expect(await b.claim('w3', null, 10, 60_000)).toMatchObject([{ delivery: { id: 'rec-1', state: 'unknown' } }]);
    await expect(a.transition(c1, { state: 'fiscalised', delayMs: null, result: fiscal('rec-1') })).rejects.toMatchObject({ code: 'lease-lost' });
    await expect(b.transition(c2, { state: 'fiscalised', delayMs: null, result: fiscal('rec-2') })).resolves.toMatchObject({ state: 'fiscalised' });
  });

  it('an operator retry of an older dead letter waits while a newer receipt of that register is in flight', async () => {
    const {
      stores: [a, b],
    } = await processes(2);
    await a.append(saleRecord('od-1', { n: 1 }), 'x');
    await a.append(saleRecord('od-2', { n: 2 }), 'x');
    const [d1] = await a.claim('w1', null, 1, 60_000);
    await a.transition(d1, { state: 'rejected', delayMs: null, dead: true, reasons: [{ code: 'x', message: 'refused' }] });
    const [d2] = await a.claim('w1', null, 1, 60_000);
    expect(d2.delivery.id).toBe('od-2');
    await a.markSending(d2, true);
    await b.retryDead('od-1');
    expect(await b.claim('w2', null, 10, 60_000)).toEqual([]);
    await a.transition(d2, { state: 'fiscalised', delayMs: null, result: fiscal('od-2') });
    expect(await b.claim('w2', null, 10, 60_000)).toMatchObject([{ delivery: { id: 'od-1', state: 'queued' } }]);
  });

  it('many processes opening a new schema at once migrate it exactly once', async () => {
    const schema = cluster.newSchema('m');
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresOutbox({ url: cluster.url, schema, poolSize: 2 })));
    opened.push(...stores);
    const v = await admin.query(`SELECT version FROM "${schema}".schema_version ORDER BY version`);
    expect(v.rows).toEqual([{ version: 1 }]);
    await stores[0].append(saleRecord('mig-1'), 'x');
    expect((await stores[5].get('mig-1'))?.state).toBe('queued');
    const again = await openPostgresOutbox({ url: cluster.url, schema });
    opened.push(again);
    expect((await admin.query(`SELECT count(*)::int AS n FROM "${schema}".schema_version`)).rows[0].n).toBe(1);
  });

  it('group-commits concurrent appends; a receipt is visible to every process once acknowledged; the same id from two processes is one receipt', async () => {
    const {
      stores: [a, b],
    } = await processes(2);
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => a.append(saleRecord(`g-${i}`, { n: i + 1 }), 'x')));
    expect(results.every((r) => r.created)).toBe(true);
    expect(a.commitStats.commits).toBeLessThan(20);
    expect(a.commitStats.records).toBe(100);
    for (const i of [0, 57, 99]) expect((await b.get(`g-${i}`))?.state).toBe('queued');
    const twice = await Promise.all([a.append(saleRecord('dup-1', { n: 500 }), 'x'), b.append(saleRecord('dup-1', { n: 500 }), 'x')]);
    expect(twice.map((r) => r.created).sort()).toEqual([false, true]);
    await expect(b.append(saleRecord('dup-1', { n: 501 }), 'x')).rejects.toMatchObject({ code: 'id-conflict' });
    // Repeats in one batch: the first is created, the same body again is a repeat, a different body a conflict.
    const batch = await Promise.allSettled([a.append(saleRecord('dup-2', { n: 600 }), 'x'), a.append(saleRecord('dup-2', { n: 600 }), 'x'), a.append(saleRecord('dup-2', { n: 601 }), 'x')]);
    expect(batch.map((r) => (r.status === 'fulfilled' ? r.value.created : (r.reason as { code: string }).code))).toEqual([true, false, 'id-conflict']);
  });

  it('erases the customer contacts in the database once fiscalised, and never stores them for a receipt that arrives fiscalised', async () => {
    const {
      schema,
      stores: [a],
    } = await processes(1);
    const contacts = async () => (await admin.query(`SELECT count(*)::int AS n FROM "${schema}".contacts`)).rows[0].n as number;
    await a.append(saleRecord('pd-1', { n: 1, customer: { email: 'aigerim@example.kz', phone: '+77771234455' } }), 'x');
    await a.append(saleRecord('pd-2', { n: 2, customer: { email: 'dana@example.kz' }, fiscal: fiscal('pd-2') }), 'external');
    expect(await contacts()).toBe(1);
    const [c] = await a.claim('w', null, 1, 60_000);
    expect(c.customer).toEqual({ email: 'aigerim@example.kz', phone: '+77771234455' });
    await a.markSending(c, false);
    await a.transition(c, { state: 'fiscalised', delayMs: null, result: fiscal('pd-1') });
    expect(await contacts()).toBe(0);
    const everything = JSON.stringify((await admin.query(`SELECT r.*, d.* FROM "${schema}".receipts r JOIN "${schema}".deliveries d USING (seq)`)).rows);
    expect(everything).not.toContain('aigerim@example.kz');
    expect(everything).not.toContain('dana@example.kz');
  });

  it('knows what was sold anywhere in the chain: a code sold through one process is "sold" for another', async () => {
    const {
      stores: [store1, store2],
    } = await processes(2);
    await store1.append(saleRecord('chain-1', { n: 42, registerId: 'store1-till1' }), 'x');
    expect(await store2.soldHere([kiOf(42), kiOf(43)])).toEqual(new Set([kiOf(42)]));
  });

  it('uses the database clock when no test clock is pinned', async () => {
    const {
      stores: [a],
    } = await processes(1);
    const before = Date.now();
    const { view } = await a.append(saleRecord('clk-1'), 'x');
    expect(Math.abs(Date.parse(view.createdAt) - before)).toBeLessThan(5000);
    const [c] = await a.claim('w', null, 1, 60_000);
    await a.transition(c, { state: 'queued', delayMs: 60_000 });
    const due = await a.nextDueIn(null);
    expect(due).toBeGreaterThan(55_000);
    expect(due).toBeLessThanOrEqual(60_000);
    expect(await a.claim('w', null, 1, 60_000)).toEqual([]);
  });

  it('keeps its tables in the configured schema and refuses a schema name that is not a plain identifier', async () => {
    const { schema } = await processes(1);
    const t = await admin.query(`SELECT to_regclass($1) AS t`, [`"${schema}".deliveries`]);
    expect(t.rows[0].t).not.toBeNull();
    await expect(openPostgresOutbox({ url: cluster.url, schema: 'x"; DROP TABLE y; --' })).rejects.toMatchObject({ code: 'store-io' });
  });

  it('reports an unreachable server as store-io naming where it looked, never the password', async () => {
    const socket = openPostgresOutbox({ url: 'postgres://tanba:s3cret-pw@/postgres?host=/nonexistent-tanba-socket', connectTimeoutMs: 2000 });
    await expect(socket).rejects.toMatchObject({ code: 'store-io', message: expect.stringContaining('Cannot reach PostgreSQL at /nonexistent-tanba-socket/.s.PGSQL.5432') });
    const tcp = await openPostgresOutbox({ url: 'postgres://tanba:s3cret-pw@127.0.0.1:1/tanba', connectTimeoutMs: 2000 }).catch((e: Error) => e);
    expect(tcp).toMatchObject({ code: 'store-io', message: expect.stringContaining('Cannot reach PostgreSQL at 127.0.0.1:1') });
    expect(String((tcp as Error).message) + JSON.stringify(tcp)).not.toContain('s3cret-pw');
    const nodb = await openPostgresOutbox({ url: cluster.url.replace('/postgres?', '/no_such_db?'), password: 'other-secret' }).catch((e: Error) => e);
    expect(nodb).toMatchObject({ code: 'store-io', message: expect.stringContaining('no_such_db does not exist') });
    expect((nodb as Error).message).not.toContain('other-secret');
  });

  it('fails calls after close with store-closed', async () => {
    const o = await openPostgresOutbox({ url: cluster.url, schema: cluster.newSchema('x') });
    const pending = o.append(saleRecord('late-1'), 'x');
    await o.close();
    await expect(pending).resolves.toMatchObject({ created: true });
    await expect(o.get('late-1')).rejects.toMatchObject({ code: 'store-closed' });
    await expect(o.append(saleRecord('late-2'), 'x')).rejects.toMatchObject({ code: 'store-closed' });
  });
});

describe('postgres outbox in the agent', () => {
  it('an agent configured with store kind postgres keeps its receipts in the shared database', async () => {
    const schema = cluster.newSchema('agent');
    const t = await startTestAgent({ store: { kind: 'postgres', url: cluster.url, schema } });
    try {
      const res = await fetch(`${t.url}/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(saleInput('agent-1')) });
      expect(res.status).toBe(202);
      const stored = await admin.query(`SELECT r.id, d.state FROM "${schema}".receipts r JOIN "${schema}".deliveries d USING (seq)`);
      expect(stored.rows).toEqual([{ id: 'agent-1', state: 'queued' }]);
    } finally {
      await t.stop();
    }
  });

  it('never shows a password written into the store URL', () => {
    const c = defaultConfig({ store: { kind: 'postgres', url: 'postgres://tanba:hunter2-secret@db.example:5432/tanba' } });
    const shown = JSON.stringify(redactConfig(c));
    expect(shown).not.toContain('hunter2-secret');
    expect(shown).toContain('postgres://tanba:***@db.example:5432/tanba');
  });
});
