/**
 * The agent against the emulators over real HTTP: online decisions from the tracking emulator,
 * receipts fiscalised by the Webkassa emulator, a return with its basis, a refused receipt on the
 * dead-letter list and put back by an operator, metrics per register.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beerCode, dairyCode, prng, waterCode } from '../../src/agent/demo-codes.js';
import { saleViewSchema } from '../../src/agent/api-schemas.js';
import { createWebkassaEmulator, type WebkassaEmulator } from '../../src/emulator/webkassa/index.js';
import { listQueue, retryRecord, showRecord } from '../../src/agent/queue.js';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { get, openEvents, post, startTestAgent, type TestAgent } from './helpers.js';
import { join } from 'node:path';

const SELLER = '990140000385';
const rnd = prng(7);
const ok = [waterCode(rnd), waterCode(rnd), beerCode(rnd), waterCode(rnd)];
const sold = dairyCode(rnd);
const writtenOff = beerCode(rnd);
const unknownToSystem = waterCode(rnd);

describe('agent with the emulator', () => {
  let emu: Emulator;
  let wkEmu: WebkassaEmulator;
  let t: TestAgent;
  beforeAll(async () => {
    wkEmu = await createWebkassaEmulator();
    emu = await createEmulator({
      port: 0,
      codes: [
        ...ok.map((c) => ({ code: c.ki, status: 'INTRODUCED', ownerTin: SELLER })),
        { code: sold.ki, status: 'WITHDRAWN', ownerTin: SELLER },
        { code: writtenOff.ki, status: 'WRITTEN_OFF', ownerTin: SELLER },
      ],
    });
    t = await startTestAgent({
      tracking: { url: emu.url, login: 'demo', password: 'demo' },
      relay: { retryMinMs: 50, retryMaxMs: 200, reconcileDelayMs: 50 },
      sellers: [{ tin: SELLER, registers: ['till-1', 'till-2'] }],
      fiscal: { channel: 'webkassa', url: wkEmu.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', password: 'demo' },
      registers: [
        { id: 'till-1', fiscal: { cashbox: 'SWK00000001' } },
        { id: 'till-2', fiscal: { cashbox: 'SWK00000002' } },
      ],
    });
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
    await wkEmu?.close();
  });

  it('allows a code in circulation, online', async () => {
    const r = await post(`${t.url}/v1/codes/check`, { code: ok[0].km });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ verdict: 'allow', source: 'online' });
  });

  // xTrace's documented answer has no block flag (a block list is local): sold and written-off codes are refused.
  it('denies sold and written-off codes, with reasons and messages', async () => {
    const a = await post(`${t.url}/v1/codes/check`, { code: sold.km });
    expect(a.json.verdict).toBe('deny');
    expect(a.json.reasons.map((x: { code: string }) => x.code)).toContain('already-sold');
    const b = await post(`${t.url}/v1/codes/check`, { code: writtenOff.km });
    expect(b.json.verdict).toBe('deny');
    expect(b.json.reasons.map((x: { code: string }) => x.code)).toContain('not-in-circulation');
    expect(b.json.reasons[0].message).toMatch(/\S/);
  });

  it('a sale with ?wait is fiscalised by the cash register: 201 with its fiscal sign; status shows the register', async () => {
    const es = await openEvents(`${t.url}/v1/events?types=receipt`);
    try {
      const r = await post(`${t.url}/v1/sales?wait=10000`, { id: 'E-1', registerId: 'till-1', lines: [{ name: 'Water', price: 50000, codes: [ok[1].km] }, { name: 'Beer', price: 70000, codes: [ok[2].km], vatRate: 12 }] });
      expect(r.status).toBe(201);
      const wk = wkEmu.receipts().filter((x) => x.externalCheckNumber === 'E-1');
      expect(wk).toHaveLength(1);
      expect(r.json.fiscal).toMatchObject({ channel: 'webkassa', fiscalSign: wk[0].checkNumber, total: 120000, isOffline: false });
      saleViewSchema.strict().parse(r.json);
      await es.next((e) => e.data.id === 'E-1' && e.data.state === 'fiscalised');
      const s = await get(`${t.url}/v1/status`);
      expect(s.json.state).toBe('ready');
      expect(s.json.registers.find((x: { id: string }) => x.id === 'till-1')).toMatchObject({ channel: 'webkassa', state: 'ok', pending: 0 });
      // Sold here now: a second check of the same code is refused before the tracking system knows.
      const again = await post(`${t.url}/v1/codes/check`, { code: ok[1].km });
      expect(again.json.verdict).toBe('deny');
      expect(emu.documents()).toEqual([]); // a retail sale is never posted to the tracking system
    } finally {
      es.close();
    }
  });

  it('a return names the sale receipt as its basis', async () => {
    const r = await post(`${t.url}/v1/returns?wait=10000`, { id: 'E-1-ret', saleId: 'E-1', lines: [{ name: 'Beer', price: 70000, codes: [ok[2].km], vatRate: 12 }] });
    expect(r.status).toBe(201);
    const sale = (await get(`${t.url}/v1/sales/E-1`)).json;
    const [ret] = wkEmu.receipts().filter((x) => x.externalCheckNumber === 'E-1-ret');
    expect(ret.returnBasis).toMatchObject({ CheckNumber: sale.fiscal.fiscalSign, RegistrationNumber: sale.fiscal.registrationNumber, Total: 1200 });
    expect((await post(`${t.url}/v1/codes/check`, { code: ok[2].km })).json.reasons.map((x: { code: string }) => x.code)).not.toContain('sold-here');
  });

  it('puts a refused receipt on the dead-letter list; an operator can see it and put it back', async () => {
    const es = await openEvents(`${t.url}/v1/events?types=receipt`);
    try {
      wkEmu.setFaults({ errorRate: 1, errorStatus: 400, cashbox: 'SWK00000002' });
      await post(`${t.url}/v1/sales`, { id: 'E-dead', registerId: 'till-2', lines: [{ name: 'Water', price: 100, codes: [ok[3].km] }] });
      const rej = await es.next((e) => e.data.id === 'E-dead' && e.data.state === 'rejected');
      expect(rej.data.reasons.length).toBeGreaterThan(0);
      const g = await get(`${t.url}/v1/sales/E-dead`);
      expect(g.json.deadLetter).toBe(true);
      saleViewSchema.strict().parse(g.json); // documented in the OpenAPI
      const db = join(t.dir, 'tanba.db');
      const l = await listQueue(db);
      expect(l.deadLetters).toBeGreaterThanOrEqual(1);
      expect(l.rows[0]).toMatchObject({ id: 'E-dead', deadLetter: true, state: 'rejected', registerId: 'till-2' });
      const d = await showRecord(db, 'E-dead');
      expect(d?.reasons.length).toBeGreaterThan(0);
      expect(JSON.stringify(d?.receipt)).toContain(ok[3].ki);
      const dead = await get(`${t.url}/v1/queue/dead`);
      expect(dead.json.map((x: { id: string }) => x.id)).toContain('E-dead');
      // The operator fixes the cause and retries.
      wkEmu.setFaults({});
      const r = await retryRecord(db, 'E-dead', { url: t.url });
      expect(r.via).toBe('agent');
      expect(r.info.state).toBe('queued');
      await es.next((e) => e.data.id === 'E-dead' && e.data.state === 'fiscalised');
      expect((await listQueue(db)).deadLetters).toBe(0);
      expect(wkEmu.receipts().filter((x) => x.externalCheckNumber === 'E-dead')).toHaveLength(1);
      const missing = await post(`${t.url}/v1/queue/nope/retry`, {});
      expect(missing.status).toBe(404);
    } finally {
      es.close();
    }
  });

  it('exposes per-register fiscal state and token time-to-live in /metrics', async () => {
    const m = await get(`${t.url}/metrics`);
    const ttl = Number(/^tanba_tracking_token_ttl_seconds (\S+)$/m.exec(m.text)![1]);
    expect(ttl).toBeGreaterThan(60);
    expect(m.text).toMatch(/^tanba_checks_total\{verdict="allow",source="online"\} [1-9]/m);
    expect(m.text).toMatch(/^tanba_receipts_total\{register="till-1",type="sale",state="fiscalised"\} [1-9]/m);
    expect(m.text).toMatch(/^tanba_fiscal_send_failures_total\{register="till-2",type="sale",state="rejected"\} [1-9]/m);
    expect(m.text).toMatch(/^tanba_fiscal_up\{register="till-1",channel="webkassa"\} 1$/m);
    expect(m.text).toMatch(/^tanba_fiscal_oldest_unsent_age_seconds\{register="till-1",channel="webkassa"\} 0$/m);
    expect(m.text).toMatch(/^tanba_ready 1$/m);
  });
});
