/**
 * The ТС ПИоТ client against the ТС ПИоТ emulator over real HTTP: client_info, both answer shapes
 * (v1 snake_case, v3 base64/pg camelCase), every field mapped, offline answers, emergency mode
 * (203) in checks and health, errors, cancellation; then the decision through ТС ПИоТ: every
 * refusal rule of reference §4.4, the offline rule (no refusal on found=false), 203, the budget,
 * and the receipt requisites (online and offline forms).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decisionSchema } from '../../src/agent/api-schemas.js';
import { createDecider } from '../../src/decision/decider.js';
import { createTsPiotEmulator, type TsPiotEmulator, type TsPiotSeedCode } from '../../src/emulator/tspiot/index.js';
import { isTrackingError, TrackingError } from '../../src/tracking/errors.js';
import { createTrackingSystem } from '../../src/tracking/factory.js';
import { TANBA_VERSION } from '../../src/tracking/tspiot/client-info.js';
import { TsPiotAdapter } from '../../src/tracking/tspiot/adapter.js';
import type { TsPiotConfig } from '../../src/tracking/config.js';
import { ki, km } from './helpers.js';

const TOKEN = 'tspiot-demo-token';
// 2026-03-14 10:00 Moscow.
const NOW = Date.parse('2026-03-14T07:00:00Z');

let emu: TsPiotEmulator;
let ts: TsPiotAdapter;

function adapter(over: Partial<TsPiotConfig> = {}): TsPiotAdapter {
  return createTrackingSystem({ family: 'tspiot', baseUrl: emu.url, token: TOKEN, installId: 'install-1', ...over } as TsPiotConfig) as TsPiotAdapter;
}

beforeEach(async () => {
  emu = await createTsPiotEmulator({ now: () => NOW, lmInst: 'lm-inst-1', lmVersion: '17.2.1' });
  ts = adapter();
});
afterEach(async () => {
  await ts.close();
  await emu.close();
});

describe('tspiot client: codes/check', () => {
  it('sends codes and client_info (name tanba, version, install id, token) and maps every field', async () => {
    emu.seedCodes([{ code: km(1), mrp: 19_900, smp: 10_000, expireDate: '2027-01-01T00:00:00.000Z', grayZone: false }]);
    const [a, b] = await ts.checkCodes([km(1), km(2)]);
    const req = emu.requests()[0];
    expect(req).toMatchObject({ path: '/api/v1/codes/check', protocol: 'v1', encoding: 'raw', codes: [km(1), km(2)] });
    expect(req.clientInfo).toEqual({ name: 'tanba', version: TANBA_VERSION, id: 'install-1', tokenAccepted: true });
    expect(ts.family).toBe('tspiot');
    expect(a).toMatchObject({
      code: km(1),
      ki: ki(1),
      found: true,
      valid: true,
      verified: true,
      utilised: true,
      realizable: true,
      sold: false,
      blocked: false,
      status: 'INTRODUCED',
      expiresAt: '2027-01-01T00:00:00.000Z',
      mrp: 19_900,
      minPrice: 10_000,
      grayZone: false,
      checkedOffline: false,
      errorCode: null,
    });
    expect(a.requisites).toEqual({ reqId: expect.stringMatching(/^[0-9a-f-]{36}$/), reqTimestamp: NOW });
    expect(a.emergency).toBeUndefined();
    expect(b).toMatchObject({ code: km(2), ki: ki(2), found: false, status: null });
  });

  it('v3 (FMU-API): codes as {cis: base64, pg}, camelCase answer with cis in base64 read back', async () => {
    const v3 = adapter({ protocol: 'v3' });
    emu.seedCodes([{ code: ki(1), blocked: true, mrp: 5_000 }]);
    const [a] = await v3.checkCodes([km(1)]);
    const req = emu.requests()[0];
    expect(req).toMatchObject({ path: '/api/v3/codes/check', protocol: 'v3', encoding: 'base64', pg: ['lp'], codes: [km(1)] });
    expect(a).toMatchObject({ code: km(1), ki: ki(1), found: true, blocked: true, mrp: 5_000, checkedOffline: false });
    expect(a.requisites?.reqTimestamp).toBe(NOW);
    await v3.close();
  });

  it('v1 with base64 codes, and a fixed v3 pg, when configured', async () => {
    const b = adapter({ codeEncoding: 'base64' });
    await b.checkCodes([km(1)]);
    expect(emu.requests()[0].encoding).toBe('base64');
    const p = adapter({ protocol: 'v3', productGroup: 'shoes' });
    await p.checkCodes([km(1)]);
    expect(emu.requests()[1].pg).toEqual(['shoes']);
    await b.close();
    await p.close();
  });

  it('an offline answer (is_checked_offline) is marked, with inst/version in its requisites', async () => {
    emu.setFaults({ offline: true });
    const [a] = await ts.checkCodes([km(3)]);
    expect(a).toMatchObject({ checkedOffline: true, found: false, valid: false, status: null, blocked: false, sold: false });
    expect(a.requisites).toMatchObject({ reqTimestamp: NOW, inst: 'lm-inst-1', version: '17.2.1' });
  });

  it('splits long lists into calls of at most maxCodesPerCheck codes', async () => {
    const small = adapter({ maxCodesPerCheck: 2 });
    const out = await small.checkCodes([km(1), km(2), km(3)]);
    expect(out.map((s) => s.ki)).toEqual([ki(1), ki(2), ki(3)]);
    expect(emu.requests().map((r) => r.codes.length)).toEqual([2, 1]);
    await small.close();
  });

  it('HTTP 203 = emergency mode: statuses say so (unchecked when there is no result), health reports it', async () => {
    emu.seedCodes([{ code: ki(1) }]);
    emu.setFaults({ emergency: true });
    const [a] = await ts.checkCodes([km(1)]);
    expect(a).toMatchObject({ code: km(1), ki: ki(1), emergency: true, unchecked: true });
    const h = await ts.health();
    expect(h).toMatchObject({ ok: false, emergency: true });
    expect(h.problems?.map((p) => p.code)).toContain('tspiot-emergency');
    emu.setFaults({ emergency: 'with-codes' });
    const [b] = await ts.checkCodes([km(1)]);
    expect(b).toMatchObject({ emergency: true, found: true, realizable: true });
    expect(b.unchecked).toBeUndefined();
    emu.setFaults({});
    await ts.checkCodes([km(1)]);
    expect((await ts.health()).emergency).toBeUndefined();
  });

  it('health: info details; no token is a warning; an absent ТС ПИоТ is an error with what to do', async () => {
    const h = await ts.health();
    expect(h).toMatchObject({ ok: true, details: { tsPiotId: 'ESM-EMU-0001', kktSerial: expect.any(String), fnSerial: expect.any(String), kktInn: '7700000000', codesCheckTimeout: 1500, installId: 'install-1' } });
    expect(h.problems).toEqual([]);
    const noToken = adapter({ token: undefined });
    expect((await noToken.health()).problems?.map((p) => p.code)).toEqual(['tspiot-no-token']);
    await noToken.close();
    const gone = createTrackingSystem({ family: 'tspiot', baseUrl: 'http://127.0.0.1:9', token: TOKEN });
    const g = await gone.health();
    expect(g.ok).toBe(false);
    expect(g.problems?.[0]).toMatchObject({ code: 'tspiot-unreachable', severity: 'error' });
    expect(g.problems?.[0].message).toMatch(/Start the ТС ПИоТ service/);
    await gone.close?.();
  });

  it('the token never appears in health or errors', async () => {
    const secret = 'very-secret-token-value';
    const t = adapter({ token: secret });
    const err = await t.checkCodes([km(1)]).catch((e: unknown) => e);
    expect(JSON.stringify(await t.health())).not.toContain(secret);
    expect(String((err as Error).message)).not.toContain(secret);
    await t.close();
  });

  it('errors: a refused token is auth with the ТС ПИоТ code; an outage is transient; documents are refused', async () => {
    const bad = adapter({ token: 'wrong' });
    const e = await bad.checkCodes([km(1)]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TrackingError);
    expect(e).toMatchObject({ kind: 'auth', code: 'tspiot-401' });
    expect((e as TrackingError).message).toMatch(/token/);
    await bad.close();
    emu.setFaults({ outage: true });
    const o = await ts.checkCodes([km(1)]).catch((x: unknown) => x);
    expect(isTrackingError(o) && o.kind).toBe('transient');
    await expect(ts.submitSale()).rejects.toMatchObject({ code: 'not-supported' });
    await expect(ts.findDocuments()).rejects.toMatchObject({ code: 'not-supported' });
  });

  it('an AbortSignal ends a slow check at once', async () => {
    emu.setFaults({ latencyMs: 5_000 });
    const c = new AbortController();
    const t0 = performance.now();
    const p = ts.checkCodes([km(1)], { signal: c.signal });
    setTimeout(() => c.abort(new Error('budget')), 50);
    await expect(p).rejects.toMatchObject({ code: 'aborted' });
    expect(performance.now() - t0).toBeLessThan(1_000);
  });
});

// ---- the decision through ТС ПИоТ ------------------------------------------------------------

function decider(over: Partial<Parameters<typeof createDecider>[0]> = {}) {
  return createDecider({ tracking: ts, country: 'RU', timeZone: 'Europe/Moscow', now: () => NOW, budgetMs: 1_500, ...over });
}

type Row = [name: string, seed: Omit<TsPiotSeedCode, 'code'>, price: number | undefined, reasons: string[]];

/** Reference §4.4, one condition at a time, through ТС ПИоТ's v1 answer. */
const refusals: Row[] = [
  ['valid=false (bad format)', { valid: false }, undefined, ['invalid-code']],
  ['found=false (not in ГИС МТ)', { found: false }, undefined, ['not-found']],
  ['utilised=false (no application report)', { utilised: false }, undefined, ['not-applied']],
  ['verified=false (crypto check failed)', { verified: false }, undefined, ['not-verified']],
  ['sold=true (withdrawn)', { sold: true }, undefined, ['already-sold']],
  ['realizable=false (not in circulation)', { realizable: false }, undefined, ['not-in-circulation']],
  ['isBlocked=true (blocked by a state body)', { blocked: true, ogvs: ['FNS'] }, undefined, ['blocked']],
  ['expireDate in the past', { expireDate: '2026-03-13T20:59:59.000Z' }, undefined, ['expired']],
  ['price above mrp', { mrp: 15_000 }, 15_100, ['price-above-mrp']],
  ['price below smp', { smp: 12_000 }, 11_900, ['price-below-min']],
  ['a per-code error from the system', { errorCode: 5, message: 'crypto tail format' }, undefined, ['check-error']],
];

describe('decision through ТС ПИоТ: every refusal rule of §4.4', () => {
  it.each(refusals)('%s', async (_name, seed, price, reasons) => {
    emu.seedCodes([{ code: ki(1), ...seed }]);
    const d = await decider().check(km(1), price !== undefined ? { price } : {});
    expect(d.verdict).toBe('deny');
    expect(d.reasons.map((r) => r.code)).toEqual(reasons);
    expect(d.source).toBe('online');
  });

  it('price below the configured minimum of the product group', async () => {
    emu.seedCodes([{ code: ki(1) }]);
    const d = await decider({ minPrices: { light_industry: 50_000 } }).check(km(1), { price: 40_000 });
    expect(d.reasons.map((r) => r.code)).toEqual(['price-below-min']);
  });

  it('a clean answer allows, with the online requisites UUID=<req_id>&Time=<req_timestamp>', async () => {
    emu.seedCodes([{ code: ki(1), mrp: 15_000, expireDate: '2026-03-14T21:00:00.000Z' }]);
    const d = await decider().check(km(1), { price: 15_000 });
    expect(d).toMatchObject({ verdict: 'allow', allowed: true, source: 'online', reasons: [] });
    const reqId = (await ts.checkCodes([km(1)]))[0].requisites!.reqId;
    expect(reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.requisites).toEqual({ fois: '030', date: '21.11.2023', number: '1944', value: expect.stringMatching(new RegExp(`^UUID=[0-9a-f-]{36}&Time=${NOW}$`)) });
    // the agent's HTTP schema carries it
    expect(decisionSchema.parse(d).requisites).toEqual(d.requisites);
  });

  it('absent flags never refuse', async () => {
    emu.seedCodes([{ code: ki(1), found: false, valid: false, realizable: false, utilised: false, verified: false, omit: ['found', 'valid', 'realizable', 'utilised', 'verified', 'is_blocked', 'sold'] }]);
    const d = await decider().check(km(1));
    expect(d.verdict).toBe('allow');
  });
});

describe('decision through ТС ПИоТ: offline answers (is_checked_offline)', () => {
  it('does not refuse on found/valid/verified/utilised/realizable = false; offline requisites add Inst and Ver', async () => {
    emu.setFaults({ offline: true });
    const d = await decider().check(km(7)); // unknown to everyone: found=false, valid=false, …
    expect(d).toMatchObject({ verdict: 'allow', allowed: true, source: 'local' });
    expect(d.reasons.map((r) => r.code)).toEqual(['checked-offline']);
    expect(d.requisites?.value).toMatch(new RegExp(`^UUID=[0-9a-f-]{36}&Time=${NOW}&Inst=lm-inst-1&Ver=17\\.2\\.1$`));
    expect(d.requisites).toMatchObject({ fois: '030', date: '21.11.2023', number: '1944' });
  });

  it.each([
    ['blocked', { blocked: true }, undefined, ['blocked', 'checked-offline']],
    ['sold', { sold: true }, undefined, ['already-sold', 'checked-offline']],
    ['price above mrp', { mrp: 10_000 }, 10_500, ['price-above-mrp', 'checked-offline']],
    ['price below smp', { smp: 10_000 }, 9_000, ['price-below-min', 'checked-offline']],
  ] as const)('still refuses on block list / sold / price data: %s', async (_n, seed, price, reasons) => {
    emu.setFaults({ offline: true });
    emu.seedCodes([{ code: ki(1), ...seed }]);
    const d = await decider().check(km(1), price !== undefined ? { price } : {});
    expect(d.verdict).toBe('deny');
    expect(d.reasons.map((r) => r.code)).toEqual(reasons);
    expect(d.source).toBe('local');
  });

  it('an expired date in an offline answer is not a refusal (only blocks, sold and price count)', async () => {
    emu.setFaults({ offline: true });
    emu.seedCodes([{ code: ki(1), expireDate: '2020-01-01T00:00:00.000Z' }]);
    expect((await decider().check(km(1))).verdict).toBe('allow');
  });
});

describe('decision through ТС ПИоТ: emergency mode and the budget', () => {
  it('203 without a result: not checked, the cashier is told emergency mode, no requisites', async () => {
    emu.setFaults({ emergency: true });
    const d = await decider({ language: 'ru' }).check(km(1));
    expect(d).toMatchObject({ verdict: 'unknown', allowed: true, source: 'none' });
    expect(d.reasons.map((r) => r.code)).toEqual(['not-checked', 'emergency-mode']);
    expect(d.reasons[1].message).toMatch(/аварийном режиме/);
    expect(d.requisites).toBeUndefined();
  });

  it('203 with a result: the facts decide, the cashier still sees emergency mode', async () => {
    emu.seedCodes([{ code: ki(1) }, { code: ki(2), sold: true }]);
    emu.setFaults({ emergency: 'with-codes' });
    const ok = await decider().check(km(1));
    expect(ok).toMatchObject({ verdict: 'allow', source: 'online' });
    expect(ok.reasons.map((r) => r.code)).toEqual(['emergency-mode']);
    expect(ok.requisites?.value).toMatch(/^UUID=.+&Time=\d+$/);
    const sold = await decider().check(km(2));
    expect(sold.reasons.map((r) => r.code)).toEqual(['already-sold', 'emergency-mode']);
  });

  it('a hanging ТС ПИоТ: the verdict comes at the budget and the call is cancelled', async () => {
    emu.setFaults({ latencyMs: 10_000 });
    const budgetMs = 300;
    const t0 = performance.now();
    const d = await decider({ budgetMs }).check(km(1));
    const took = performance.now() - t0;
    expect(d.verdict).toBe('unknown');
    expect(d.reasons.map((r) => r.code)).toEqual(['not-checked']);
    expect(took).toBeGreaterThanOrEqual(budgetMs - 5);
    // margin for a loaded CI scheduler: timers may fire late, never early
    expect(took).toBeLessThan(budgetMs + 250);
    expect(emu.requests()).toHaveLength(1);
  });
});
