/**
 * The Local Module (ЛМ ЧЗ) client and the combined mode, against the Local Module, ТС ПИоТ and
 * tracking emulators over real HTTP: outCheck (both forms), X-ClientId and Basic / Token auth,
 * the status vocabulary (not ready → 4045, the 72 h sync_error → 4050) with health warnings
 * before it, and the online check and the offline check run in parallel under one budget, with the
 * decision taking whichever answered (online wins; an offline sold=true still refuses) and its
 * requisites.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDecider } from '../../src/decision/decider.js';
import { createEmulator } from '../../src/emulator/index.js';
import { createLocalModuleEmulator, type LocalModuleEmulator } from '../../src/emulator/local-module/index.js';
import { createTsPiotEmulator, type TsPiotEmulator } from '../../src/emulator/tspiot/index.js';
import type { LocalModuleConfig, LocalModuleConnection } from '../../src/tracking/config.js';
import { TrackingError } from '../../src/tracking/errors.js';
import { createTrackingSystem } from '../../src/tracking/factory.js';
import { LocalModuleAdapter } from '../../src/tracking/local-module/adapter.js';
import { isParallelTracking, ParallelCheck } from '../../src/tracking/local-module/parallel.js';
import type { TrackingSystem } from '../../src/tracking/types.js';
import { ki, km, manualClock } from './helpers.js';

const HOUR = 3_600_000;
const FN = '7380440700123456';
const TOKEN = 'tspiot-demo-token';

let clock: ReturnType<typeof manualClock>;
let lmEmu: LocalModuleEmulator;
let tsEmu: TsPiotEmulator;
const open: TrackingSystem[] = [];

function lmConn(over: Partial<LocalModuleConnection> = {}): LocalModuleConnection {
  return { baseUrl: lmEmu.url, login: 'admin', password: 'admin', clientId: FN, ...over };
}
function lm(over: Partial<LocalModuleConfig> = {}): LocalModuleAdapter {
  const a = createTrackingSystem({ family: 'local-module', ...lmConn(), now: clock.now, ...over } as LocalModuleConfig) as LocalModuleAdapter;
  open.push(a);
  return a;
}
function combined(over: Record<string, unknown> = {}): ParallelCheck {
  const t = createTrackingSystem({ family: 'tspiot', baseUrl: tsEmu.url, token: TOKEN, localModule: lmConn(), now: clock.now, ...over }) as ParallelCheck;
  open.push(t);
  return t;
}

beforeEach(async () => {
  clock = manualClock(Date.parse('2026-03-14T07:00:00Z'));
  lmEmu = await createLocalModuleEmulator({ now: clock.now, inst: 'lm-inst-9', version: '17.3.0' });
  // ГИС МТ (behind the ТС ПИоТ emulator) knows codes 1–3 as clean, in circulation.
  tsEmu = await createTsPiotEmulator({ now: clock.now, codes: [1, 2, 3].map((n) => ({ code: ki(n) })) });
});
afterEach(async () => {
  for (const t of open.splice(0)) await t.close?.();
  await lmEmu.close();
  await tsEmu.close();
});

describe('local-module client: outCheck', () => {
  it('POST /api/v2/cis/outCheck with X-ClientId and Basic auth; offline statuses with requisites', async () => {
    lmEmu.seedCodes([{ code: ki(1), blocked: true, greyGtin: true, mrp: 15_000, smp: 12_000 }, { code: ki(2), sold: true }]);
    const a = lm();
    const [s1, s2, s3] = await a.checkCodes([km(1), km(2), km(3)]);
    expect(lmEmu.requests()[0]).toMatchObject({ method: 'POST', path: '/api/v2/cis/outCheck', clientId: FN, auth: 'basic', codes: [km(1), km(2), km(3)], pg: [null, null, null] });
    expect(s1).toMatchObject({ code: km(1), ki: ki(1), checkedOffline: true, blocked: true, sold: false, grayZone: true, mrp: 15_000, minPrice: 12_000, found: true, status: null });
    expect(s1.requisites).toEqual({ reqId: expect.stringMatching(/^[0-9a-f-]{36}$/), reqTimestamp: clock.now(), inst: 'lm-inst-9', version: '17.3.0' });
    expect(s2).toMatchObject({ sold: true, blocked: false });
    expect(s3).toMatchObject({ sold: false, blocked: false, checkedOffline: true });
    expect(a.family).toBe('local-module');
  });

  it('the KI form, a pg, Token auth, and the GET ?cis= form when configured', async () => {
    const tokenEmu = await createLocalModuleEmulator({ now: clock.now, tokens: ['tok-from-tspiot'] });
    const a = lm({ baseUrl: tokenEmu.url, login: undefined, password: undefined, token: 'tok-from-tspiot', codeForm: 'ki', productGroup: 'tobacco' });
    await a.checkCodes([km(1)]);
    expect(tokenEmu.requests()[0]).toMatchObject({ auth: 'token', codes: [ki(1)], pg: ['tobacco'] });
    const g = lm({ baseUrl: tokenEmu.url, login: undefined, password: undefined, token: 'tok-from-tspiot', outCheckMethod: 'GET', outCheckPath: '/api/v1/cis/outCheck' });
    const [s] = await g.checkCodes([km(5)]);
    expect(tokenEmu.requests()[1]).toMatchObject({ method: 'GET', path: '/api/v1/cis/outCheck', codes: [km(5)] });
    expect(s).toMatchObject({ ki: ki(5), checkedOffline: true, requisites: { inst: expect.any(String), version: expect.any(String) } });
    await tokenEmu.close();
  });

  it('wrong credentials: auth error; health says what to set; the password is never in it', async () => {
    const a = lm({ password: 's3cret-pass' });
    await expect(a.checkCodes([km(1)])).rejects.toMatchObject({ kind: 'auth', code: 'unauthorized' });
    const h = await a.health();
    expect(h.problems?.[0].code).toBe('lm-auth');
    expect(JSON.stringify(h)).not.toContain('s3cret-pass');
  });
});

describe('local-module client: status vocabulary, not ready and the 72 h sync_error', () => {
  it('ready and recently synced: healthy, with its details', async () => {
    const h = await lm().health();
    expect(h).toMatchObject({ ok: true, problems: [], details: { status: 'ready', lastSync: new Date(clock.now()).toISOString(), inst: 'lm-inst-9', version: '17.3.0' } });
  });

  it.each([
    ['initialization', 'lm-initializing'],
    ['not_configured', 'lm-not-configured'],
    ['failure', 'lm-failure'],
  ] as const)('%s: outCheck fails with lm-not-ready (4045); health says %s and what to do', async (status, problem) => {
    lmEmu.setState({ status });
    const a = lm();
    const e = await a.checkCodes([km(1)]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TrackingError);
    expect(e).toMatchObject({ code: 'lm-not-ready', details: { status: 400 } });
    const h = await a.health();
    expect(h.ok).toBe(false);
    expect(h.problems?.[0]).toMatchObject({ code: problem, severity: 'error' });
    expect(h.problems?.[0].message).toMatch(/4045/);
  });

  it('warns from 48 h without a sync, and at 72 h the module is in sync_error (4050) with what to do', async () => {
    const a = lm();
    clock.advance(47 * HOUR);
    expect((await a.health()).problems).toEqual([]);
    clock.advance(1 * HOUR);
    const warn = await a.health();
    expect(warn.ok).toBe(true);
    expect(warn.problems).toEqual([expect.objectContaining({ code: 'lm-sync-stale', severity: 'warning' })]);
    expect(warn.problems?.[0].message).toMatch(/48 h.*in about 24 h/s);
    expect((await a.checkCodes([km(1)]))[0].checkedOffline).toBe(true);
    clock.advance(24 * HOUR);
    const e = await a.checkCodes([km(1)]).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'lm-sync-error', kind: 'transient' });
    expect(a.lastKnownState?.status).toBe('sync_error');
    const h = await a.health();
    expect(h.ok).toBe(false);
    expect(h.problems?.[0]).toMatchObject({ code: 'lm-sync-error', severity: 'error' });
    expect(h.problems?.[0].message).toMatch(/restart the Local Module service/);
    lmEmu.sync();
    expect((await a.health()).ok).toBe(true);
  });
});

describe('the decision with the Local Module alone', () => {
  it('an unknown code is allowed offline with the offline requisites; a blocked one is refused', async () => {
    lmEmu.seedCodes([{ code: ki(2), blocked: true }]);
    const d = createDecider({ tracking: lm(), country: 'RU', timeZone: 'Europe/Moscow', now: clock.now });
    const ok = await d.check(km(1));
    expect(ok).toMatchObject({ verdict: 'allow', source: 'local' });
    expect(ok.reasons.map((r) => r.code)).toEqual(['checked-offline']);
    expect(ok.requisites?.value).toMatch(new RegExp(`^UUID=[0-9a-f-]{36}&Time=${clock.now()}&Inst=lm-inst-9&Ver=17\\.3\\.0$`));
    const no = await d.check(km(2));
    expect(no.verdict).toBe('deny');
    expect(no.reasons.map((r) => r.code)).toEqual(['blocked', 'checked-offline']);
  });

  it('a module in sync_error gives no answer: not checked', async () => {
    lmEmu.setState({ lastSync: clock.now() - 73 * HOUR });
    const d = createDecider({ tracking: lm(), country: 'RU', timeZone: 'Europe/Moscow', now: clock.now });
    const dec = await d.check(km(1));
    expect(dec.verdict).toBe('unknown');
    expect(dec.reasons.map((r) => r.code)).toEqual(['not-checked']);
  });
});

describe('combined mode: ТС ПИоТ and the Local Module in parallel under one budget', () => {
  const dec = (t: TrackingSystem, budgetMs = 1_500) => createDecider({ tracking: t, country: 'RU', timeZone: 'Europe/Moscow', now: clock.now, budgetMs });

  it('the factory builds it from `localModule`; both are asked; online wins with its requisites', async () => {
    const t = combined();
    expect(isParallelTracking(t)).toBe(true);
    expect(t.family).toBe('tspiot');
    const d = await dec(t).check(km(1));
    expect(d).toMatchObject({ verdict: 'allow', source: 'online', reasons: [] });
    expect(d.requisites?.value).toMatch(/^UUID=[0-9a-f-]{36}&Time=\d+$/);
    expect(tsEmu.requests()).toHaveLength(1);
    expect(lmEmu.requests()).toHaveLength(1);
  });

  it('an offline sold=true refuses even when the online answer is clean', async () => {
    lmEmu.seedCodes([{ code: ki(1), sold: true }]);
    const d = await dec(combined()).check(km(1));
    expect(d.verdict).toBe('deny');
    expect(d.reasons.map((r) => r.code)).toEqual(['already-sold']);
    expect(d.source).toBe('online');
  });

  it('both run at once: two 400 ms answers take about 400 ms, not 800', async () => {
    tsEmu.setFaults({ latencyMs: 400 });
    lmEmu.setFaults({ latencyMs: 400 });
    const t0 = performance.now();
    const d = await dec(combined()).check(km(1));
    const took = performance.now() - t0;
    expect(d.source).toBe('online');
    expect(took).toBeGreaterThanOrEqual(395);
    // sequential calls could not finish before 800 ms; the rest is room for a busy scheduler
    expect(took).toBeLessThan(750);
  });

  it('ТС ПИоТ hangs: at the budget the Local Module answer decides (offline form of the requisites)', async () => {
    tsEmu.setFaults({ latencyMs: 10_000 });
    lmEmu.seedCodes([{ code: ki(2), blocked: true }]);
    const budgetMs = 400;
    const t0 = performance.now();
    const d = await dec(combined(), budgetMs).check(km(1));
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(budgetMs - 5);
    expect(took).toBeLessThan(budgetMs + 250);
    expect(d).toMatchObject({ verdict: 'allow', source: 'local' });
    expect(d.reasons.map((r) => r.code)).toEqual(['checked-offline']);
    expect(d.requisites?.value).toMatch(/&Inst=lm-inst-9&Ver=17\.3\.0$/);
    const blocked = await dec(combined(), budgetMs).check(km(2));
    expect(blocked.reasons.map((r) => r.code)).toEqual(['blocked', 'checked-offline']);
  });

  it('both hang: not checked, at the budget', async () => {
    tsEmu.setFaults({ latencyMs: 10_000 });
    lmEmu.setFaults({ latencyMs: 10_000 });
    const budgetMs = 300;
    const t0 = performance.now();
    const d = await dec(combined(), budgetMs).check(km(1));
    const took = performance.now() - t0;
    expect(d).toMatchObject({ verdict: 'unknown', source: 'none' });
    expect(took).toBeLessThan(budgetMs + 250);
  });

  it('the Local Module in sync_error does not stop online checks; health reports it', async () => {
    lmEmu.setState({ lastSync: clock.now() - 80 * HOUR });
    const t = combined();
    const d = await dec(t).check(km(1));
    expect(d).toMatchObject({ verdict: 'allow', source: 'online' });
    const h = await t.health();
    expect(h.ok).toBe(false);
    expect(h.problems?.map((p) => p.code)).toEqual(['lm-sync-error']);
    expect(h.details).toMatchObject({ online: { family: 'tspiot' }, offline: { family: 'local-module', status: 'sync_error' } });
  });

  it('checkCodes outside the decider: at the caller\'s abort it answers with what came (the offline side)', async () => {
    tsEmu.setFaults({ latencyMs: 10_000 });
    lmEmu.seedCodes([{ code: ki(1), blocked: true }]);
    const online = createTrackingSystem({ family: 'tspiot', baseUrl: tsEmu.url, token: TOKEN });
    const off = lm();
    open.push(online);
    // Observe the moment the Local Module's answer has landed, then abort (no sleeps).
    let landed!: () => void;
    const landedP = new Promise<void>((r) => (landed = r));
    const observed: TrackingSystem = Object.assign(Object.create(off) as LocalModuleAdapter, {
      checkCodes: (codes: string[], o?: { signal?: AbortSignal }) => off.checkCodes(codes, o).finally(() => landed()),
    });
    const t = new ParallelCheck(online, observed);
    const c = new AbortController();
    const p = t.checkCodes([km(1)], { signal: c.signal });
    await landedP;
    await new Promise((r) => setImmediate(r)); // let the pending reactions run
    c.abort(new Error('budget'));
    const [s] = await p;
    expect(s).toMatchObject({ ki: ki(1), checkedOffline: true, blocked: true });
  });

  it('the direct CDN mode stays selectable (family true-api) and combines the same way; its requisites come from reqId/reqTimestamp', async () => {
    const cdn = await createEmulator({ now: clock.now });
    cdn.seedCodes([{ code: km(1), status: 'INTRODUCED' }]);
    const t = createTrackingSystem({ family: 'true-api', baseUrl: cdn.url, apiKey: 'demo-api-key', localModule: lmConn(), now: clock.now });
    open.push(t);
    expect(t.family).toBe('true-api');
    expect(isParallelTracking(t)).toBe(true);
    const d = await dec(t).check(km(1));
    expect(d).toMatchObject({ verdict: 'allow', source: 'online' });
    expect(d.requisites?.value).toMatch(/^UUID=[0-9a-f-]{36}&Time=\d+$/);
    expect(lmEmu.requests()).toHaveLength(1);
    await t.close?.();
    open.pop();
    await cdn.close();
  });
});

describe('combined mode behind a wrapper that hides its parts (e.g. a health cache)', () => {
  it('at the budget the decider still gets the offline answer the combined check hands over on abort', async () => {
    tsEmu.setFaults({ latencyMs: 10_000 });
    const t = combined();
    const wrapped: TrackingSystem = {
      family: t.family,
      limits: t.limits,
      checkCodes: (c, o) => t.checkCodes(c, o),
      submitSale: (d) => t.submitSale(d),
      submitReturn: (d) => t.submitReturn(d),
      getDocument: (id) => t.getDocument(id),
      findDocuments: (r, f, to) => t.findDocuments(r, f, to),
      health: () => t.health(),
    };
    const budgetMs = 400;
    const t0 = performance.now();
    const d = await createDecider({ tracking: wrapped, country: 'RU', timeZone: 'Europe/Moscow', now: clock.now, budgetMs }).check(km(1));
    expect(performance.now() - t0).toBeLessThan(budgetMs + 250);
    expect(d).toMatchObject({ verdict: 'allow', source: 'local' });
    expect(d.requisites?.value).toMatch(/&Inst=lm-inst-9&Ver=17\.3\.0$/);
  });
});
