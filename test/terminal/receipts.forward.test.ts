/**
 * Store-and-forward: a till's agent on its own SQLite outbox forwards receipts to the chain's
 * PostgreSQL store (channel `forward`), where the headquarters' relay fiscalises them on the
 * Webkassa emulator. The till gets the real fiscal result back; a repeat is one receipt; a return
 * goes the same way and names its sale.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openTerminal } from '../../src/batteries.js';
import { createWebkassaEmulator } from '../../src/emulator/webkassa/index.js';
import { tempDir } from '../outbox/helpers.js';
import { startPostgres } from '../support/postgres.js';
import { returnInput, saleInput } from '../support/receipts.js';

const cluster = await startPostgres();
const emu = await createWebkassaEmulator();
const tmp = tempDir('tanba-forward-');
afterAll(async () => {
  await emu.close();
  await cluster.stop();
  tmp.cleanup();
});

describe('store-and-forward to the chain', () => {
  it('a till forwards in order; headquarters fiscalises; the till keeps the real result; a repeat is one receipt; a return names its sale', async () => {
    const schema = cluster.newSchema('fwd');
    const policy = { reconcileDelayMs: 20, quickDelayMs: 10, backoff: { minDelayMs: 20, maxDelayMs: 200 } };
    const hq = await openTerminal({
      store: { kind: 'postgres', url: cluster.url, schema },
      registers: [{ id: 'shop3-till1', fiscal: { channel: 'webkassa', url: emu.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', password: 'demo', cashbox: 'SWK00000001' } }],
      tracking: null,
      relay: { policy },
    });
    const till = await openTerminal({
      store: { kind: 'sqlite', path: tmp.file('till.db') },
      registers: [{ id: 'shop3-till1', fiscal: { channel: 'forward', url: cluster.url, schema, waitMs: 10_000 } }],
      tracking: null,
      relay: { policy },
    });
    try {
      const ids = ['shop3-1', 'shop3-2', 'shop3-3'];
      const views = [];
      for (const [i, id] of ids.entries()) views.push(await till.recordSale(saleInput(id, { n: 9100 + i }), { waitMs: 15_000 }));
      for (const v of views) expect(v.state).toBe('fiscalised');
      const wk = emu.receipts().filter((r) => r.externalCheckNumber.startsWith('shop3-'));
      expect(wk.map((r) => r.externalCheckNumber)).toEqual(ids);
      expect(views.map((v) => v.fiscal?.fiscalSign)).toEqual(wk.map((r) => r.checkNumber));
      // The same sale again: one receipt everywhere.
      expect((await till.recordSale(saleInput('shop3-2', { n: 9101 }), { waitMs: 5000 })).fiscal?.fiscalSign).toBe(wk[1].checkNumber);
      const ret = await till.recordReturn(returnInput('shop3-r1', 'shop3-1', { n: 9100 }), { waitMs: 15_000 });
      expect(ret.state).toBe('fiscalised');
      const [r] = emu.receipts().filter((x) => x.externalCheckNumber === 'shop3-r1');
      expect(r.returnBasis).toMatchObject({ CheckNumber: wk[0].checkNumber });
      expect(emu.receipts().filter((x) => x.externalCheckNumber.startsWith('shop3-'))).toHaveLength(4);
      expect((await hq.fleet()).registers.find((x) => x.id === 'shop3-till1')).toMatchObject({ pending: 0 });
    } finally {
      await till.close();
      await hq.close();
    }
  }, 60_000);
});
