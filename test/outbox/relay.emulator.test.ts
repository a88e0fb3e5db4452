/**
 * The relay against the real emulator over loopback: happy path, returns after their sale,
 * outage longer than the retry caps, 429 storm, 5xx, answers slower than the timeout and dropped
 * connections (ambiguous sends → reconciliation, no duplicates), token expiry, dead letters,
 * rejected documents, restart. Every scenario ends with each sale's codes at the emulator exactly once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { allInState, fastRelay, km, sell, setup, type Fixture } from './fixture.js';
import { ki, tempDir } from './helpers.js';
import { openSqliteStore } from '../../src/outbox/sqlite-store.js';
import { normalizeSale } from '../../src/outbox/normalize.js';
import { createRelay } from '../../src/outbox/relay.js';

let fx: Fixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

function expectExactlyOnce(f: Fixture, from: number, count: number): void {
  const counts = f.documentCounts('sale');
  const wrong: string[] = [];
  for (let i = from; i < from + count; i++) if (counts.get(ki(i)) !== 1) wrong.push(`${ki(i)}×${counts.get(ki(i)) ?? 0}`);
  expect(wrong).toEqual([]);
}

// Each scenario's waits carry their own deadlines and diagnostics; the test timeout leaves room for them.
describe('relay → emulator', { timeout: 70_000 }, () => {
  it('delivers sales and confirms them; a return goes after its sale', async () => {
    fx = await setup();
    const f = fx;
    const ids = await sell(f, 0, 20);
    await f.terminal.recordReturn({ id: 'ret-1', saleId: 'sale-3', items: [{ code: km(3), price: 1000 }] });
    await f.waitFor(() => allInState(f, [...ids, 'ret-1'], ['confirmed']), 20_000, 'all confirmed');
    expectExactlyOnce(f, 0, 20);
    const docs = f.emulator.documents();
    const saleIdx = docs.findIndex((d) => d.reference === 'sale-3');
    const retIdx = docs.findIndex((d) => d.reference === 'ret-1');
    expect(saleIdx).toBeGreaterThanOrEqual(0);
    expect(retIdx).toBeGreaterThan(saleIdx);
    expect(f.emulator.code(ki(3))?.status).toBe('INTRODUCED'); // returned to circulation
    const info = await f.terminal.sale('sale-0');
    expect(info?.documentId).toBe(docs.find((d) => d.reference === 'sale-0')?.documentId);
    const st = await f.terminal.status();
    expect(st.queue).toEqual({ pending: 0, oldestPendingAt: null, deadLetters: 0 });
    expect(st.state).toBe('ready');
  });

  it('a return recorded before its sale is delivered waits for the sale', async () => {
    fx = await setup();
    const f = fx;
    await f.emulator.setFaults({ outage: true });
    await sell(f, 0, 1);
    await f.terminal.recordReturn({ id: 'ret-0', saleId: 'sale-0', items: [{ code: km(0), price: 1000 }] });
    await f.waitFor(async () => ((await f.terminal.sale('sale-0'))?.attempts ?? 0) >= 2, 10_000, 'sale retried');
    expect((await f.terminal.sale('ret-0'))?.attempts).toBe(0); // never tried while the sale is pending
    f.emulator.setFaults({});
    await f.waitFor(() => allInState(f, ['sale-0', 'ret-0'], ['confirmed']), 20_000, 'both confirmed');
    const docs = f.emulator.documents();
    expect(docs.map((d) => d.reference)).toEqual(['sale-0', 'ret-0']);
  });

  it('survives an outage longer than the retry caps; everything is delivered once afterwards', async () => {
    fx = await setup();
    const f = fx;
    f.emulator.setFaults({ outage: true });
    const ids = await sell(f, 0, 15);
    // Every sale is retried several times, well past the 200 ms back-off cap, and never given up.
    await f.waitFor(async () => {
      for (const id of ids) if (((await f.terminal.sale(id))?.attempts ?? 0) < 4) return false;
      return true;
    }, 20_000, 'retries past the cap');
    const st = await f.terminal.status();
    expect(st.state).toBe('degraded');
    expect(st.problems.map((p) => p.code)).toContain('tracking-unreachable');
    expect(st.queue.pending).toBe(15);
    expect(st.queue.deadLetters).toBe(0);
    expect(f.emulator.documents()).toEqual([]);
    f.emulator.setFaults({});
    await f.waitFor(() => allInState(f, ids, ['confirmed']), 30_000, 'all confirmed');
    expectExactlyOnce(f, 0, 15);
  }, 60_000); // room for both waits to report their own timeout

  it('429 storm: honours Retry-After and delivers everything once', async () => {
    fx = await setup({ config: { relay: { concurrency: 8, requestsPerMinute: null, backoff: { minDelayMs: 20, maxDelayMs: 2000 }, reconcileDelayMs: 50, confirmDelayMs: 20 } } });
    const f = fx;
    f.emulator.setFaults({ rateLimitPerMinute: 1200, rateLimitBurst: 2 });
    const ids = await sell(f, 0, 25);
    await f.waitFor(() => allInState(f, ids, ['confirmed']), 50_000, 'all confirmed');
    expect(f.emulator.stats().rateLimited).toBeGreaterThan(0);
    expectExactlyOnce(f, 0, 25);
  }, 60_000);

  it('5xx errors (some sends ambiguous): reconciled, delivered once', async () => {
    fx = await setup();
    const f = fx;
    f.emulator.setFaults({ errorRate: 0.5, errorStatus: 500 });
    const ids = await sell(f, 0, 30);
    await f.waitFor(() => allInState(f, ids, ['sent', 'confirmed']), 30_000, 'all sent');
    f.emulator.setFaults({});
    await f.waitFor(() => allInState(f, ids, ['confirmed']), 30_000, 'all confirmed');
    expect(f.emulator.stats().injectedErrors).toBeGreaterThan(0);
    expectExactlyOnce(f, 0, 30);
  }, 70_000);

  it('answers slower than the timeout: unknown → reconciliation finds the document, no resend', async () => {
    fx = await setup();
    const f = fx;
    // Adapter timeout is 400 ms: every answer to a submit is too late (other calls answer promptly).
    f.emulator.setFaults({ latencyMs: 700, pathPrefix: '/public/api/v1/doc/withdrawal' });
    const ids = await sell(f, 0, 6);
    // Reconciliation (search by reference) proves each was received: confirmed without a resend,
    // while submits are still slow.
    await f.waitFor(() => allInState(f, ids, ['confirmed']), 20_000, 'all confirmed');
    for (const id of ids) expect(f.changes.some((c) => c.id === id && c.state === 'unknown')).toBe(true);
    expectExactlyOnce(f, 0, 6);
    expect(f.emulator.documents().length).toBe(6);
    expect(f.emulator.stats().byRoute['POST /public/api/v1/doc/withdrawal']).toBe(6);
  });

  it('dropped connections after the server acted: reconciled, delivered once', async () => {
    fx = await setup();
    const f = fx;
    f.emulator.setFaults({ resetConnections: 0.5, pathPrefix: '/public/api/v1/doc/withdrawal' });
    const ids = await sell(f, 0, 20);
    await f.waitFor(() => allInState(f, ids, ['confirmed']), 30_000, 'all confirmed');
    expect(f.emulator.stats().resets).toBeGreaterThan(0);
    expectExactlyOnce(f, 0, 20);
  });

  it('token expiry: renews and delivers once', async () => {
    fx = await setup();
    const f = fx;
    const first = await sell(f, 0, 5);
    await f.waitFor(() => allInState(f, first, ['confirmed']), 20_000, 'first batch');
    f.emulator.expireTokens();
    f.emulator.setFaults({ tokenTtlSeconds: 1 });
    const second = await sell(f, 5, 5);
    await f.waitFor(() => allInState(f, second, ['confirmed']), 20_000, 'second batch');
    f.emulator.expireTokens();
    const third = await sell(f, 10, 5);
    await f.waitFor(() => allInState(f, third, ['confirmed']), 20_000, 'third batch');
    expectExactlyOnce(f, 0, 15);
  });

  it('a permanent refusal goes to the dead-letter list; an operator retry delivers it', async () => {
    fx = await setup();
    const f = fx;
    f.emulator.setFaults({ errorRate: 1, errorStatus: 400, pathPrefix: '/public/api/v1/doc/withdrawal' });
    await sell(f, 0, 1);
    await f.waitFor(async () => (await f.terminal.deadLetters()).length === 1, 10_000, 'dead letter');
    const [dl] = await f.terminal.deadLetters();
    expect(dl).toMatchObject({ id: 'sale-0', state: 'rejected', dead: true });
    expect(dl.reasons[0].code).toMatch(/400|bad-request/);
    expect((await f.terminal.status()).problems.map((p) => p.code)).toContain('dead-letters');
    f.emulator.setFaults({});
    await f.terminal.retryDeadLetter('sale-0');
    await f.waitFor(() => allInState(f, ['sale-0'], ['confirmed']), 10_000, 'confirmed');
    expectExactlyOnce(f, 0, 1);
  });

  it('a document the system rejects ends rejected with reasons, on the dead-letter list', async () => {
    fx = await setup({ codes: 1 });
    const f = fx;
    await f.terminal.recordSale({ id: 'bad-1', items: [{ code: km(5), price: 1000 }] }); // code 5 is not registered
    await f.waitFor(() => allInState(f, ['bad-1'], ['rejected']), 10_000, 'rejected');
    const r = await f.terminal.sale('bad-1');
    expect(r?.deadLetter).toBe(true);
    expect(r?.reasons[0].message).toMatch(/code-not-found/);
    expect(f.emulator.documents().length).toBe(1);
  });

  it('resumes after a restart: records written while the relay was off are delivered once', async () => {
    fx = await setup({ config: { relay: { enabled: false } } });
    const f = fx;
    const ids = await sell(f, 0, 10);
    expect(f.emulator.documents()).toEqual([]);
    await f.restart({ relay: { reconcileDelayMs: 50, confirmDelayMs: 20, backoff: { minDelayMs: 20, maxDelayMs: 200 } } });
    await f.waitFor(() => allInState(f, ids, ['confirmed']), 20_000, 'all confirmed');
    expectExactlyOnce(f, 0, 10);
  });

  it('stop() puts claimed-but-unsent records back in the queue (no needless reconciliation)', async () => {
    fx = await setup({ config: { relay: { enabled: false } } });
    const f = fx;
    const tmp = tempDir();
    const store = openSqliteStore({ path: tmp.file() });
    try {
      for (let i = 0; i < 5; i++) await store.append(normalizeSale({ id: `s-${i}`, items: [{ code: km(i), price: 1 }] }, { now: Date.now() }));
      f.emulator.setFaults({ latencyMs: 300, pathPrefix: '/public/api/v1/doc/withdrawal' });
      const relay = createRelay({ ...fastRelay, store, tracking: f.tracking, concurrency: 1, claimBatch: 5 });
      await relay.start();
      await f.waitFor(() => f.emulator.documents().length === 1, 10_000, 'first document received');
      await relay.stop();
      const states = await Promise.all([0, 1, 2, 3, 4].map(async (i) => (await store.get(`s-${i}`))!.state));
      expect(states.filter((x) => x === 'queued').length).toBeGreaterThanOrEqual(3);
      expect(states.filter((x) => x === 'sending')).toEqual([]);
    } finally {
      await store.close();
      tmp.cleanup();
    }
  });
});
