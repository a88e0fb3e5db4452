import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { createTrackingSystem } from '../../src/tracking/factory.js';
import { XtraceAdapter } from '../../src/tracking/xtrace/adapter.js';
import { ki, km, saleDoc, returnDoc } from './helpers.js';

let emu: Emulator;
let xt: XtraceAdapter;

beforeEach(async () => {
  emu = await createEmulator();
  emu.seedCodes([
    { code: km(1), status: 'INTRODUCED', ownerTin: '123456789012', mrp: 150_000 },
    { code: ki(2), status: 'INTRODUCED', blocked: true },
    { code: ki(3), status: 'WITHDRAWN' },
    { code: ki(4), status: 'INTRODUCED', expiresAt: '2026-01-01' },
  ]);
  xt = createTrackingSystem({ country: 'KZ', baseUrl: emu.url, login: 'demo', password: 'demo', retry: { baseDelayMs: 1 } }) as XtraceAdapter;
});
afterEach(async () => {
  await xt.close();
  await emu.close();
});

describe('xtrace adapter — happy paths', () => {
  it('the factory picks xtrace for KZ and UZ', () => {
    expect(xt.family).toBe('xtrace');
    const uz = createTrackingSystem({ country: 'UZ', baseUrl: emu.url, apiKey: 'demo-api-key' });
    expect(uz.family).toBe('xtrace');
    expect(uz.limits.requestsPerMinute).toBe(100);
  });

  it('checks codes and normalises statuses', async () => {
    const res = await xt.checkCodes([km(1), ki(2), ki(3), ki(4), ki(99)]);
    expect(res.map((r) => [r.found, r.status, r.sold, r.blocked])).toEqual([
      [true, 'INTRODUCED', false, false],
      [true, 'INTRODUCED', false, true],
      [true, 'WITHDRAWN', true, false],
      [true, 'INTRODUCED', false, false],
      [false, null, null, null],
    ]);
    expect(res[0].code).toBe(km(1));
    expect(res[0].ki).toBe(ki(1));
    expect(res[0].mrp).toBe(150_000);
    expect(res[3].expiresAt).toBe('2026-01-01');
  });

  it('uses private codes when permitted, and falls back to public on 307', async () => {
    const priv = new XtraceAdapter({ family: 'xtrace', baseUrl: emu.url, login: 'demo', password: 'demo', usePrivateCodes: true });
    const [a] = await priv.checkCodes([km(1)]);
    expect(a.ownerTin).toBe('123456789012');
    expect(emu.stats().byRoute['POST /public/api/cod/private/codes']).toBe(1);
    await priv.close();

    await emu.close();
    emu = await createEmulator({ users: [{ login: 'u', password: 'p' }], codes: [{ code: ki(1), status: 'INTRODUCED' }] });
    const pub = new XtraceAdapter({ family: 'xtrace', baseUrl: emu.url, login: 'u', password: 'p', usePrivateCodes: true });
    const [b] = await pub.checkCodes([ki(1)]);
    expect(b.status).toBe('INTRODUCED');
    await pub.checkCodes([ki(1)]);
    expect(emu.stats().byRoute['POST /public/api/cod/private/codes']).toBe(1); // remembered
    expect(emu.stats().byRoute['POST /public/api/cod/public/codes']).toBe(2);
    await pub.close();
  });

  it('sells, reports the document, and a return brings the code back', async () => {
    const { documentId } = await xt.submitSale(saleDoc('receipt-1', [1]));
    const info = await xt.getDocument(documentId);
    expect(info).toMatchObject({ documentId, reference: 'receipt-1', state: 'success', errors: [] });
    const [after] = await xt.checkCodes([km(1)]);
    expect(after.status).toBe('WITHDRAWN');
    expect(after.sold).toBe(true);

    const ret = await xt.submitReturn(returnDoc('return-1', 'receipt-1', [1]));
    expect((await xt.getDocument(ret.documentId)).state).toBe('success');
    expect((await xt.checkCodes([ki(1)]))[0].status).toBe('INTRODUCED');

    const docs = emu.documents();
    expect(docs.map((d) => [d.type, d.reference, d.codes, d.status])).toEqual([
      ['WITHDRAWAL', 'receipt-1', [ki(1)], 'SUCCESS'],
      ['RETURN', 'return-1', [ki(1)], 'SUCCESS'],
    ]);
  });

  it('selling a sold code is a per-code error in the document', async () => {
    const { documentId } = await xt.submitSale(saleDoc('r-2', [3, 1, 2, 77]));
    const info = await xt.getDocument(documentId);
    expect(info.state).toBe('partial');
    expect(info.errors).toEqual([
      { code: ki(3), message: 'code-already-withdrawn: the code was already withdrawn from circulation' },
      { code: ki(2), message: 'code-blocked: the code is blocked' },
      { code: ki(77), message: 'code-not-found: the code is not registered' },
    ]);
    const again = await xt.submitSale(saleDoc('r-3', [1]));
    const info2 = await xt.getDocument(again.documentId);
    expect(info2.state).toBe('error');
    expect(info2.errors[0].message).toMatch(/^code-already-withdrawn/);
  });

  it('document bodies are base64 of sorted-key JSON with a verifiable signature', async () => {
    await xt.submitSale(saleDoc('r-sig', [1]));
    const body = emu.state.documents[0].body as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([...Object.keys(body)].sort());
    expect(body.primaryDocument).toMatchObject({ number: 'r-sig' });
    expect(body.codes).toEqual([ki(1)]);
  });

  it('finds documents by reference in a time window (reconciliation)', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    await xt.submitSale(saleDoc('a', [1]));
    await xt.submitSale(saleDoc('b', [4]));
    const to = new Date(Date.now() + 60_000).toISOString();
    const fresh = new XtraceAdapter({ family: 'xtrace', baseUrl: emu.url, login: 'demo', password: 'demo' }); // knows nothing locally
    const found = await fresh.findDocuments('b', from, to);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ reference: 'b', state: 'success' });
    expect(await fresh.findDocuments('zzz', from, to)).toEqual([]);
    await fresh.close();
  });

  it('public codes without a token when configured (unconfirmed fact)', async () => {
    await emu.close();
    emu = await createEmulator({ publicCodesNeedAuth: false, codes: [{ code: ki(1), status: 'INTRODUCED' }] });
    const anon = new XtraceAdapter({ family: 'xtrace', baseUrl: emu.url, login: 'demo', password: 'demo', publicCodesAuth: false });
    expect((await anon.checkCodes([ki(1)]))[0].found).toBe(true);
    expect(emu.stats().logins).toBe(0);
    await anon.close();
  });

  it('health() reports ok with the token expiry', async () => {
    const h = await xt.health();
    expect(h.ok).toBe(true);
    expect(h.tokenExpiresAt).not.toBeNull();
  });
});
