/**
 * A bounded concurrent load on loopback: 32 clients, checks and sales mixed with retries of the
 * same sale ids; every answer is a valid 200/202, no sale is lost or doubled, the emulator ends up
 * with each sale exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng, waterCode, type DemoCode } from '../../src/agent/demo-codes.js';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { get, openEvents, post, startTestAgent, type TestAgent } from './helpers.js';

const CLIENTS = 32;
const SALES_PER_CLIENT = 4;
const CHECKS_PER_CLIENT = 5;

describe('agent under concurrent load', () => {
  let emu: Emulator;
  let t: TestAgent;
  const rnd = prng(1234);
  const codes: DemoCode[] = Array.from({ length: CLIENTS * SALES_PER_CLIENT }, () => waterCode(rnd));

  beforeAll(async () => {
    emu = await createEmulator({ port: 0, codes: codes.map((c) => ({ code: c.ki, status: 'INTRODUCED' })) });
    t = await startTestAgent({ tracking: { url: emu.url, login: 'demo', password: 'demo' }, relay: { retryMinMs: 50, retryMaxMs: 200, confirmDelayMs: 20, concurrency: 8 } });
  });
  afterAll(async () => {
    await t?.stop();
    await emu?.close();
  });

  it(`${CLIENTS} clients × (${CHECKS_PER_CLIENT} checks + ${SALES_PER_CLIENT} sales, each posted twice)`, async () => {
    const es = await openEvents(`${t.url}/v1/events?types=record`);
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
          const sale = { id: `L-${c}-${i}`, items: [{ code: code.km, price: 1000 + i }] };
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
      if (e.data.state === 'confirmed') confirmed.add(e.data.id);
      return [...ids].every((id) => confirmed.has(id));
    });
    es.close();
    const docs = emu.documents().filter((d) => d.reference?.startsWith('L-'));
    const refs = docs.map((d) => d.reference);
    expect(new Set(refs).size).toBe(ids.size);
    expect(refs).toHaveLength(ids.size);
    const s = await get(`${t.url}/v1/status`);
    expect(s.json.queue.pending).toBe(0);
  }, 60_000);
});
