/** Batch limits at their edges, over real HTTP: the emulator refuses anything above them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { splitDocument } from '../../src/tracking/batch.js';
import { isTrackingError } from '../../src/tracking/errors.js';
import { TrueApiAdapter } from '../../src/tracking/true-api/adapter.js';
import { XtraceAdapter } from '../../src/tracking/xtrace/adapter.js';
import { ki, km, saleDoc } from './helpers.js';

let emu: Emulator;
let xt: XtraceAdapter;
let ta: TrueApiAdapter;
const N = 30_001;

beforeAll(async () => {
  emu = await createEmulator();
  emu.seedCodes(Array.from({ length: N + 10 }, (_, i) => ({ code: ki(i), status: 'INTRODUCED' })));
  xt = new XtraceAdapter({ family: 'xtrace', baseUrl: emu.url, login: 'demo', password: 'demo' });
  ta = new TrueApiAdapter({ family: 'true-api', baseUrl: emu.url, apiKey: 'demo-api-key' });
});
afterAll(async () => {
  await xt.close();
  await ta.close();
  await emu.close();
});

describe('batch splitting', () => {
  it('xtrace: 2,500 codes → info calls of 1000, 1000, 500, answers in order', async () => {
    const codes = Array.from({ length: 2500 }, (_, i) => ki(i));
    const before = emu.stats().byRoute['POST /public/api/cod/public/codes'] ?? 0;
    const res = await xt.checkCodes(codes);
    expect(emu.stats().byRoute['POST /public/api/cod/public/codes'] - before).toBe(3);
    expect(res.map((r) => r.code)).toEqual(codes);
    expect(res.every((r) => r.found && r.status === 'INTRODUCED')).toBe(true);
  });

  it('xtrace: exactly 1000 codes is one call', async () => {
    const before = emu.stats().byRoute['POST /public/api/cod/public/codes'] ?? 0;
    await xt.checkCodes(Array.from({ length: 1000 }, (_, i) => ki(i)));
    expect(emu.stats().byRoute['POST /public/api/cod/public/codes'] - before).toBe(1);
  });

  it('true-api: cises/info splits 2,001 codes into 1000 + 1000 + 1', async () => {
    const codes = Array.from({ length: 2001 }, (_, i) => km(i));
    const res = await ta.getCodeInfo(codes);
    expect(emu.stats().byRoute['POST /api/v3/true-api/cises/info']).toBe(3);
    expect(res.map((r) => r.ki)).toEqual(codes.map((_, i) => ki(i)));
  });

  it('true-api: codes/check splits 250 codes into chunks of 100', async () => {
    const res = await ta.checkCodes(Array.from({ length: 250 }, (_, i) => km(i)));
    expect(emu.stats().byRoute['POST /api/v4/true-api/codes/check']).toBe(3);
    expect(res).toHaveLength(250);
  });

  it('a document of exactly 30,000 codes is accepted; 30,001 is refused before sending, and splitDocument fixes it', async () => {
    const big = saleDoc('big', Array.from({ length: N }, (_, i) => i));
    const e = await xt.submitSale(big).catch((err: unknown) => err);
    expect(isTrackingError(e) && e.code).toBe('document-too-large');
    expect(isTrackingError(e) && e.kind).toBe('permanent');
    expect(emu.documents()).toHaveLength(0);

    const parts = splitDocument(big, xt.limits.maxCodesPerDocument);
    expect(parts.map((p) => [p.reference, p.items.length])).toEqual([
      ['big', 30_000],
      ['big/2', 1],
    ]);
    for (const p of parts) await xt.submitSale(p);
    const docs = emu.documents();
    expect(docs.map((d) => [d.reference, d.codes.length, d.status])).toEqual([
      ['big', 30_000, 'SUCCESS'],
      ['big/2', 1, 'SUCCESS'],
    ]);
  });
});
