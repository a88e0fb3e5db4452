import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { createTrackingSystem } from '../../src/tracking/factory.js';
import { createTestSigner } from '../../src/tracking/signer.js';
import { TrueApiAdapter } from '../../src/tracking/true-api/adapter.js';
import { isTrackingError } from '../../src/tracking/errors.js';
import { ki, km, saleDoc, returnDoc } from './helpers.js';

let emu: Emulator;
let ta: TrueApiAdapter;

beforeEach(async () => {
  emu = await createEmulator();
  emu.seedCodes([
    { code: km(1), status: 'INTRODUCED', ownerTin: '123456789012', mrp: 19_900, minPrice: 10_000 },
    { code: ki(2), status: 'INTRODUCED', blocked: true },
    { code: ki(3), status: 'RETIRED' },
    { code: ki(5), status: 'EMITTED' },
  ]);
  ta = createTrackingSystem({ country: 'RU', baseUrl: emu.url, apiKey: 'demo-api-key', inn: '123456789012', productGroup: 'tobacco', retry: { baseDelayMs: 1 } }) as TrueApiAdapter;
});
afterEach(async () => {
  await ta.close();
  await emu.close();
});

describe('true-api adapter — happy paths', () => {
  it('the factory picks true-api for RU', () => {
    expect(ta.family).toBe('true-api');
    expect(ta.limits.maxCodesPerCheck).toBe(100);
  });

  it('codes/check through the CDN with X-API-KEY, flags normalised', async () => {
    const res = await ta.checkCodes([km(1), ki(2), ki(3), ki(5), ki(99)]);
    expect(res.map((r) => [r.found, r.status, r.sold, r.blocked])).toEqual([
      [true, 'INTRODUCED', false, false],
      [true, 'INTRODUCED', false, true],
      [true, 'RETIRED', true, false],
      [true, 'EMITTED', false, false],
      [false, null, null, null],
    ]);
    expect(res[0]).toMatchObject({ code: km(1), ki: ki(1), mrp: 19_900, minPrice: 10_000 });
    expect((res[0].raw as { reqId?: string }).reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emu.stats().byRoute['GET /api/v4/true-api/cdn/info']).toBe(1);
    expect(emu.stats().byRoute['GET /api/v4/true-api/cdn/health/check']).toBe(1);
    expect(emu.stats().signIns).toBe(0); // permissive mode needs no token
  });

  it('cises/info with a signed-in token', async () => {
    const res = await ta.getCodeInfo([km(1), ki(99)]);
    expect(res[0]).toMatchObject({ found: true, status: 'INTRODUCED', ownerTin: '123456789012', mrp: 19_900 });
    expect(res[1].found).toBe(false);
    expect(emu.stats().signIns).toBe(1);
  });

  it('without an API key checks go through cises/info', async () => {
    const t2 = new TrueApiAdapter({ family: 'true-api', baseUrl: emu.url });
    const [r] = await t2.checkCodes([ki(3)]);
    expect(r).toMatchObject({ found: true, status: 'RETIRED', sold: true });
    expect(emu.stats().byRoute['POST /api/v3/true-api/cises/info']).toBe(1);
    await t2.close();
  });

  it('LK_RECEIPT then LP_RETURN, with status and reference', async () => {
    const { documentId } = await ta.submitSale(saleDoc('chk-1', [1]));
    const info = await ta.getDocument(documentId);
    expect(info).toMatchObject({ documentId, reference: 'chk-1', state: 'success', errors: [] });
    expect((await ta.checkCodes([km(1)]))[0].sold).toBe(true);
    const ret = await ta.submitReturn(returnDoc('ret-1', 'chk-1', [1]));
    expect((await ta.getDocument(ret.documentId)).state).toBe('success');
    expect((await ta.checkCodes([km(1)]))[0].status).toBe('INTRODUCED');
    expect(emu.documents().map((d) => [d.type, d.reference, d.status])).toEqual([
      ['LK_RECEIPT', 'chk-1', 'CHECKED_OK'],
      ['LP_RETURN', 'ret-1', 'CHECKED_OK'],
    ]);
  });

  it('a document with a sold code is CHECKED_NOT_OK as a whole, with per-code errors', async () => {
    const { documentId } = await ta.submitSale(saleDoc('chk-2', [1, 3]));
    const info = await ta.getDocument(documentId);
    expect(info.state).toBe('error');
    expect(info.errors).toEqual([{ code: ki(3), message: 'code-already-withdrawn: the code was already withdrawn from circulation' }]);
    expect((await ta.checkCodes([km(1)]))[0].sold).toBe(false); // nothing applied
  });

  it('findDocuments by reference, from a fresh adapter', async () => {
    const from = new Date(Date.now() - 60_000).toISOString();
    await ta.submitSale(saleDoc('x', [1]));
    const fresh = new TrueApiAdapter({ family: 'true-api', baseUrl: emu.url });
    const found = await fresh.findDocuments('x', from, new Date(Date.now() + 60_000).toISOString());
    expect(found.map((f) => [f.reference, f.state])).toEqual([['x', 'success']]);
    await fresh.close();
  });

  it('a wrong signature is refused at sign-in (auth, with the reason)', async () => {
    const bad = new TrueApiAdapter({ family: 'true-api', baseUrl: emu.url, signer: createTestSigner({ secret: 'other' }) });
    const err = await bad.getCodeInfo([ki(1)]).catch((e: unknown) => e);
    expect(isTrackingError(err) && err.kind).toBe('auth');
    expect(isTrackingError(err) && err.code).toBe('login-refused');
    expect(String((err as Error).message)).toMatch(/bad signature/);
    await bad.close();
  });

  it('health() reports the CDN host latency', async () => {
    const h = await ta.health();
    expect(h.ok).toBe(true);
    expect(h.latencyMs).toBe(5);
  });
});
