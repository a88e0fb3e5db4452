/**
 * The agent against the tracking-system emulator over real HTTP: online decisions, sales delivered
 * and confirmed, a rejected sale on the dead-letter list and put back by an operator, metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beerCode, dairyCode, prng, waterCode } from '../../src/agent/demo-codes.js';
import { recordInfoSchema } from '../../src/agent/api-schemas.js';
import { listQueue, retryRecord, showRecord } from '../../src/agent/queue.js';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { get, openEvents, post, startTestAgent, type TestAgent } from './helpers.js';
import { join } from 'node:path';

const SELLER = '990140000385';
const rnd = prng(7);
const ok = [waterCode(rnd), waterCode(rnd), beerCode(rnd), waterCode(rnd)];
const sold = dairyCode(rnd);
const blocked = beerCode(rnd);
const unknownToSystem = waterCode(rnd);

describe('agent with the emulator', () => {
  let emu: Emulator;
  let t: TestAgent;
  beforeAll(async () => {
    emu = await createEmulator({
      port: 0,
      codes: [
        ...ok.map((c) => ({ code: c.ki, status: 'INTRODUCED', ownerTin: SELLER })),
        { code: sold.ki, status: 'WITHDRAWN', ownerTin: SELLER },
        { code: blocked.ki, status: 'INTRODUCED', ownerTin: SELLER, blocked: true },
      ],
    });
    t = await startTestAgent({
      tracking: { url: emu.url, login: 'demo', password: 'demo' },
      relay: { retryMinMs: 50, retryMaxMs: 200, confirmDelayMs: 20, reconcileDelayMs: 50 },
      sellers: [{ tin: SELLER, registers: ['till-1'] }],
    });
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
  });

  it('allows a code in circulation, online', async () => {
    const r = await post(`${t.url}/v1/codes/check`, { code: ok[0].km });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ verdict: 'allow', source: 'online' });
  });

  it('denies sold and blocked codes, with reasons and messages', async () => {
    const a = await post(`${t.url}/v1/codes/check`, { code: sold.km });
    expect(a.json.verdict).toBe('deny');
    expect(a.json.reasons.map((x: { code: string }) => x.code)).toContain('already-sold');
    const b = await post(`${t.url}/v1/codes/check`, { code: blocked.km });
    expect(b.json.verdict).toBe('deny');
    expect(b.json.reasons.map((x: { code: string }) => x.code)).toContain('blocked');
    expect(b.json.reasons[0].message).toMatch(/\S/);
  });

  it('delivers a sale and reports it confirmed; the status shows the exchange', async () => {
    const es = await openEvents(`${t.url}/v1/events?types=record`);
    try {
      const r = await post(`${t.url}/v1/sales`, { id: 'E-1', registerId: 'till-1', items: [{ code: ok[1].km, price: 50000 }, { code: ok[2].km, price: 70000 }] });
      expect(r.status).toBe(202);
      const conf = await es.next((e) => e.data.id === 'E-1' && e.data.state === 'confirmed');
      expect(conf.data.documentId).toEqual(expect.any(String));
      const g = await get(`${t.url}/v1/sales/E-1`);
      expect(g.json.state).toBe('confirmed');
      const docs = emu.documents().filter((d) => d.reference === 'E-1');
      expect(docs).toHaveLength(1);
      expect(docs[0].codes.sort()).toEqual([ok[1].ki, ok[2].ki].sort());
      const s = await get(`${t.url}/v1/status`);
      expect(s.json.state).toBe('ready');
      expect(s.json.tracking.lastSuccessAt).not.toBeNull();
      expect(s.json.queue.pending).toBe(0);
      // Sold here now: a second check of the same code is refused.
      const again = await post(`${t.url}/v1/codes/check`, { code: ok[1].km });
      expect(again.json.verdict).toBe('deny');
    } finally {
      es.close();
    }
  });

  it('puts a refused sale on the dead-letter list; an operator can see it and put it back', async () => {
    const es = await openEvents(`${t.url}/v1/events?types=record`);
    try {
      await post(`${t.url}/v1/sales`, { id: 'E-dead', items: [{ code: unknownToSystem.km, price: 100 }] });
      const rej = await es.next((e) => e.data.id === 'E-dead' && e.data.state === 'rejected');
      expect(rej.data.reasons.length).toBeGreaterThan(0);
      const g = await get(`${t.url}/v1/sales/E-dead`);
      expect(g.json.deadLetter).toBe(true);
      recordInfoSchema.strict().parse(g.json); // documented in the OpenAPI
      const db = join(t.dir, 'tanba.db');
      const l = await listQueue(db);
      expect(l.deadLetters).toBeGreaterThanOrEqual(1);
      expect(l.rows[0]).toMatchObject({ id: 'E-dead', deadLetter: true, state: 'rejected' });
      const d = await showRecord(db, 'E-dead');
      expect(d?.reasons.length).toBeGreaterThan(0);
      expect(JSON.stringify(d?.body)).toContain(unknownToSystem.ki);
      const dead = await get(`${t.url}/v1/queue/dead`);
      expect(dead.json.map((x: { id: string }) => x.id)).toContain('E-dead');
      // The operator fixes the cause (here: the code gets registered) and retries.
      emu.seedCodes([{ code: unknownToSystem.ki, status: 'INTRODUCED', ownerTin: SELLER }]);
      const r = await retryRecord(db, 'E-dead', { url: t.url });
      expect(r.via).toBe('agent');
      expect(r.info.state).toBe('queued');
      await es.next((e) => e.data.id === 'E-dead' && e.data.state === 'confirmed');
      expect((await listQueue(db)).deadLetters).toBe(0);
      const missing = await post(`${t.url}/v1/queue/nope/retry`, {});
      expect(missing.status).toBe(404);
    } finally {
      es.close();
    }
  });

  it('exposes token time-to-live and exchange age in /metrics', async () => {
    const m = await get(`${t.url}/metrics`);
    const ttl = Number(/^tanba_tracking_token_ttl_seconds (\S+)$/m.exec(m.text)![1]);
    expect(ttl).toBeGreaterThan(60);
    expect(m.text).toMatch(/^tanba_checks_total\{verdict="allow",source="online"\} [1-9]/m);
    expect(m.text).toMatch(/^tanba_records_total\{type="sale",state="confirmed"\} [1-9]/m);
    expect(m.text).toMatch(/^tanba_send_failures_total\{type="sale",state="rejected"\} [1-9]/m);
    expect(m.text).toMatch(/^tanba_ready 1$/m);
  });
});
