/**
 * A bounded concurrent load on loopback: 32 clients on 4 registers, checks and sales mixed with
 * retries of the same sale ids; every answer is a valid 200/202, no sale is lost or doubled, the
 * Webkassa emulator ends up with each sale exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng, waterCode, type DemoCode } from '../../src/agent/demo-codes.js';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { createWebkassaEmulator, type WebkassaEmulator } from '../../src/emulator/webkassa/index.js';
import { get, openEvents, post, startTestAgent, type TestAgent } from './helpers.js';

const CLIENTS = 32;
const SALES_PER_CLIENT = 4;
const CHECKS_PER_CLIENT = 5;

describe('agent under concurrent load', () => {
  let emu: Emulator;
  let wk: WebkassaEmulator;
  let t: TestAgent;
  const rnd = prng(1234);
  const codes: DemoCode[] = Array.from({ length: CLIENTS * SALES_PER_CLIENT }, () => waterCode(rnd));

  beforeAll(async () => {
    emu = await createEmulator({ port: 0, codes: codes.map((c) => ({ code: c.ki, status: 'INTRODUCED' })) });
    wk = await createWebkassaEmulator();
    t = await startTestAgent({
      tracking: { url: emu.url, login: 'demo', password: 'demo' },
      relay: { retryMinMs: 50, retryMaxMs: 200, concurrency: 8 },
      fiscal: { channel: 'webkassa', url: wk.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', password: 'demo' },
      registers: [1, 2, 3, 4].map((i) => ({ id: `till-${i}`, fiscal: { cashbox: `SWK0000000${i}` } })),
    });
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
    await wk?.close();
  });

  it(`${CLIENTS} clients × (${CHECKS_PER_CLIENT} checks + ${SALES_PER_CLIENT} sales, each posted twice)`, async () => {
    const es = await openEvents(`${t.url}/v1/events?types=receipt`);
    const statuses: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = 0; i < CHECKS_PER_CLIENT; i++) {
          const r = await post(`${t.url}/v1/codes/check`, { code: codes[(c * 7 + i) % codes.length].km });
          statuses.push(r.status);
          expect(['allow', 'deny', 'unknown']).toContain(r.json.verdict);
        }
        for (let i = 0; i < SALES_PER_CLIENT; i++) {
          const code = codes[c * SALES_PER_CLIENT + i];
          const sale = { id: `L-${c}-${i}`, registerId: `till-${(c % 4) + 1}`, lines: [{ name: 'Water', price: 1000 + i, codes: [code.km] }] };
          // A POS that retries after a lost answer: the same id twice, concurrently.
          const [a, b] = await Promise.all([post(`${t.url}/v1/sales`, sale), post(`${t.url}/v1/sales`, sale)]);
          statuses.push(a.status, b.status);
          expect(a.json.id).toBe(sale.id);
          expect(b.json.createdAt).toBe(a.json.createdAt);
        }
      }),
    );
    const elapsed = performance.now() - t0;
    expect(statuses.every((s) => s === 200 || s === 202)).toBe(true);
    expect(statuses).toHaveLength(CLIENTS * (CHECKS_PER_CLIENT + 2 * SALES_PER_CLIENT));
    // Bounded: well under the test timeout even on two noisy cores.
    expect(elapsed).toBeLessThan(40_000);

    const ids = new Set(codes.map((_, k) => `L-${Math.floor(k / SALES_PER_CLIENT)}-${k % SALES_PER_CLIENT}`));
    const confirmed = new Set<string>();
    await es.next((e) => {
      if (e.data.state === 'fiscalised') confirmed.add(e.data.id);
      return [...ids].every((id) => confirmed.has(id));
    });
    es.close();
    const refs = wk.receipts().filter((r) => r.externalCheckNumber.startsWith('L-')).map((r) => r.externalCheckNumber);
    expect(new Set(refs).size).toBe(ids.size);
    expect(refs).toHaveLength(ids.size);
    const s = await get(`${t.url}/v1/status`);
    expect(s.json.queue.pending).toBe(0);
  }, 60_000);
});
