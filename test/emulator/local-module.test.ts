/**
 * Local Module (ЛМ ЧЗ) emulator over real HTTP (fetch only, no tanba client code): Basic / Token
 * auth and X-ClientId on every call, the status vocabulary, 4045 while not ready, the 72 h rule
 * (4050 sync_error), outCheck in both forms with reqId/reqTimestamp/inst/version, cis/sell and
 * cis/return feeding the sold DB (30 days), init, faults and the admin surface.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalModuleEmulator, type LocalModuleEmulator, type LocalModuleEmulatorOptions } from '../../src/emulator/local-module/index.js';

const GS = '\u001d';
const HOUR = 3_600_000;
const T0 = Date.parse('2026-03-14T07:00:00Z');
const ki = (n: number): string => `010460043993125621S${String(n).padStart(12, '0')}`;
const km = (n: number): string => `${ki(n)}${GS}91EE06${GS}92${'dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3R0'}`;
const BASIC = `Basic ${Buffer.from('admin:admin').toString('base64')}`;
const HEADERS = { authorization: BASIC, 'x-clientid': '7380440700123456' };

let emu: LocalModuleEmulator | null = null;
let clock = T0;
afterEach(async () => {
  await emu?.close();
  emu = null;
});

async function start(opts: LocalModuleEmulatorOptions = {}): Promise<LocalModuleEmulator> {
  clock = T0;
  emu = await createLocalModuleEmulator({ now: () => clock, ...opts });
  return emu;
}

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = HEADERS): Promise<{ status: number; json: any }> {
  const r = await fetch(`${emu!.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

describe('Local Module emulator: auth and X-ClientId', () => {
  it('needs Basic auth (or a Token) and X-ClientId on every call', async () => {
    await start({ tokens: ['tok-1'] });
    expect((await call('GET', '/api/v1/status', undefined, { 'x-clientid': '1' })).status).toBe(401);
    expect((await call('GET', '/api/v1/status', undefined, { authorization: `Basic ${Buffer.from('admin:nope').toString('base64')}`, 'x-clientid': '1' })).status).toBe(401);
    const noClient = await call('GET', '/api/v1/status', undefined, { authorization: BASIC });
    expect(noClient.status).toBe(400);
    expect(noClient.json.description).toMatch(/X-ClientId/);
    expect((await call('GET', '/api/v1/status', undefined, { authorization: 'Token tok-1', 'x-clientid': '1' })).status).toBe(200);
    expect((await call('GET', '/api/v1/status')).status).toBe(200);
    expect(emu!.requests().map((r) => r.auth)).toEqual(['none', 'refused', 'basic', 'token', 'basic']);
    expect(JSON.stringify(emu!.requests())).not.toContain('admin:admin');
  });

  it('refuses an X-ClientId that is not registered when a list is given', async () => {
    await start({ clientIds: ['111'] });
    expect((await call('GET', '/api/v1/status', undefined, { authorization: BASIC, 'x-clientid': '222' })).status).toBe(403);
    expect((await call('GET', '/api/v1/status', undefined, { authorization: BASIC, 'x-clientid': '111' })).status).toBe(200);
  });
});

describe('Local Module emulator: status vocabulary and the 72 h rule', () => {
  it('status answers the fields of the reference', async () => {
    await start();
    const s = await call('GET', '/api/v2/status');
    expect(s.json).toMatchObject({ status: 'ready', lastSync: T0, version: expect.any(String), inst: expect.any(String), operationMode: expect.any(String), dbState: expect.any(Object) });
  });

  it.each(['not_configured', 'initialization', 'failure'] as const)('%s: status says so, every other call is 400 / 4045', async (status) => {
    await start({ status });
    expect((await call('GET', '/api/v1/status')).json.status).toBe(status);
    const r = await call('POST', '/api/v2/cis/outCheck', { cis_list: [{ cis: km(1) }] });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe(4045);
    expect((await call('POST', '/api/v2/cis/sell', { cis_list: [{ cis: km(1) }] })).json.code).toBe(4045);
  });

  it('72 h after the last sync a ready module is in sync_error (4050) until it syncs', async () => {
    await start();
    clock = T0 + 72 * HOUR - 1;
    expect((await call('GET', '/api/v1/status')).json.status).toBe('ready');
    expect((await call('POST', '/api/v2/cis/outCheck', { cis_list: [{ cis: km(1) }] })).status).toBe(200);
    clock = T0 + 72 * HOUR;
    expect((await call('GET', '/api/v1/status')).json.status).toBe('sync_error');
    const r = await call('POST', '/api/v2/cis/outCheck', { cis_list: [{ cis: km(1) }] });
    expect(r).toMatchObject({ status: 400, json: { code: 4050 } });
    expect(emu!.state().status).toBe('sync_error');
    emu!.sync();
    expect((await call('GET', '/api/v1/status')).json).toMatchObject({ status: 'ready', lastSync: clock });
  });

  it('init with the X-API-KEY makes a not-configured module ready', async () => {
    await start({ status: 'not_configured' });
    expect((await call('POST', '/api/v2/init', {})).status).toBe(400);
    expect((await call('POST', '/api/v2/init', { token: 'participant-x-api-key' })).json).toEqual({ code: 0, description: 'ok' });
    expect((await call('GET', '/api/v1/status')).json.status).toBe('ready');
  });
});

describe('Local Module emulator: outCheck, sell, return', () => {
  it('POST /api/v2/cis/outCheck answers results[] with reqId, reqTimestamp, inst, version and the code data', async () => {
    await start({ inst: 'lm-inst', version: '17.2.1', codes: [{ code: ki(1), blocked: true, greyGtin: true, mrp: 15_000, smp: 12_000 }] });
    const r = await call('POST', '/api/v2/cis/outCheck', { cis_list: [{ cis: km(1), pg: 'tobacco' }, { cis: km(2) }] });
    expect(r.status).toBe(200);
    const [res] = r.json.results;
    expect(res).toMatchObject({ reqTimestamp: T0, inst: 'lm-inst', version: '17.2.1' });
    expect(res.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.codes).toEqual([
      { cis: km(1), isBlocked: true, isGreyGtin: true, gtin: '04600439931256', sold: false, mrp: 15_000, smp: 12_000 },
      { cis: km(2), isBlocked: false, isGreyGtin: false, gtin: '04600439931256', sold: false },
    ]);
    expect(emu!.requests()[0]).toMatchObject({ clientId: '7380440700123456', codes: [km(1), km(2)], pg: ['tobacco', null] });
  });

  it('validates cis_list', async () => {
    await start({ maxCodesPerCheck: 1 });
    for (const body of [{}, { cis_list: [] }, { cis_list: ['plain string'] }, { cis_list: [{ cis: km(1) }, { cis: km(2) }] }, { cis_list: [{ cis: km(1), pg: true }] }]) {
      const r = await call('POST', '/api/v2/cis/outCheck', body);
      expect(r.status).toBe(400);
      expect(r.json.code).toBe(400);
    }
  });

  it('GET /api/v1/cis/outCheck?cis= answers the flat form', async () => {
    await start({ codes: [{ code: ki(3), sold: true }] });
    const r = await call('GET', `/api/v1/cis/outCheck?cis=${encodeURIComponent(km(3))}`);
    expect(r.json).toMatchObject({ code: 0, codes: [{ cis: km(3), sold: true }], reqId: expect.any(String), reqTimestamp: T0, inst: expect.any(String), version: expect.any(String) });
  });

  it('cis/sell (201) marks the code sold for 30 days; cis/return (200) undoes it', async () => {
    await start();
    expect((await call('POST', '/api/v2/cis/sell', { cis_list: [km(4)] })).status).toBe(201);
    const sold = async () => (await call('POST', '/api/v2/cis/outCheck', { cis_list: [{ cis: ki(4) }] })).json.results[0].codes[0].sold;
    expect(await sold()).toBe(true);
    expect(emu!.sold()).toEqual([{ cis: ki(4), soldAt: new Date(T0).toISOString() }]);
    expect((await call('GET', '/api/v2/cis/sold?limit=10')).json).toMatchObject({ total: 1, items: [{ cis: ki(4) }] });
    expect((await call('POST', '/api/v2/cis/return', { cis_list: [{ cis: km(4) }] })).status).toBe(200);
    expect(await sold()).toBe(false);
    await call('POST', '/api/v2/cis/sell', { cis_list: [km(4)] });
    emu!.sync();
    clock += 31 * 24 * HOUR;
    emu!.sync(); // keep the module ready; the sold entry has aged out
    expect(await sold()).toBe(false);
  });
});

describe('Local Module emulator: faults and admin', () => {
  it('outage, injected errors and latency; admin state, sync, reset', async () => {
    await start();
    emu!.setFaults({ outage: true });
    expect((await call('GET', '/api/v1/status')).status).toBe(503);
    emu!.setFaults({ errorRate: 1 });
    expect((await call('GET', '/api/v1/status')).status).toBe(500);
    emu!.setFaults({ latencyMs: 100 });
    const t0 = performance.now();
    expect((await call('GET', '/api/v1/status')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    emu!.setFaults({});
    const admin = async (method: string, path: string, body?: unknown) => call(method, path, body, {});
    expect((await admin('POST', '/_emulator/state', { status: 'failure' })).json.status).toBe('failure');
    expect((await admin('POST', '/_emulator/state', { status: 'broken' })).status).toBe(400);
    expect((await admin('POST', '/_emulator/state', { status: 'ready', lastSync: new Date(T0 - 80 * HOUR).toISOString() })).json.status).toBe('sync_error');
    expect((await admin('POST', '/_emulator/sync', {})).json).toEqual({ status: 'ready', lastSync: T0 });
    expect((await admin('POST', '/_emulator/codes', { codes: [{ code: ki(9), blocked: true }] })).json).toEqual({ ok: true, count: 1 });
    expect((await admin('GET', '/_emulator/codes')).json).toHaveLength(1);
    await admin('POST', '/_emulator/reset', {});
    expect((await admin('GET', '/_emulator/codes')).json).toEqual([]);
    expect((await admin('GET', '/_emulator/requests')).json).toEqual([]);
  });
});
