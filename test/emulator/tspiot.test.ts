/**
 * ТС ПИоТ emulator over real HTTP (fetch only, no tanba client code): the v1 and v3 check answers,
 * `info`, strict request validation and the `{error}` envelope, the token, emergency mode (203),
 * offline answers with `inst`/`version`, `req_id`/`req_timestamp`, faults and the admin surface.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createTsPiotEmulator, type TsPiotEmulator, type TsPiotEmulatorOptions } from '../../src/emulator/tspiot/index.js';

const GS = '\u001d';
const T0 = Date.parse('2026-03-14T07:00:00Z');
const ki = (n: number): string => `010460043993125621S${String(n).padStart(12, '0')}`;
const km = (n: number): string => `${ki(n)}${GS}91EE06${GS}92${'dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3R0'}`;
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const CLIENT = { name: 'test-pos', version: '1.0', id: 'inst-1', token: 'tspiot-demo-token' };

let emu: TsPiotEmulator | null = null;
afterEach(async () => {
  await emu?.close();
  emu = null;
});

async function start(opts: TsPiotEmulatorOptions = {}): Promise<TsPiotEmulator> {
  emu = await createTsPiotEmulator({ now: () => T0, ...opts });
  return emu;
}

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(`${emu!.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

describe('ТС ПИоТ emulator: v1 codes/check', () => {
  it('answers codes_response with the proto fields, req_id and req_timestamp', async () => {
    await start({ codes: [{ code: km(1), mrp: 19_900, smp: 10_000, expireDate: '2027-01-01T00:00:00.000Z', producerInn: '7700000001' }] });
    const r = await post('/api/v1/codes/check', { codes: [km(1), km(2)], client_info: CLIENT });
    expect(r.status).toBe(200);
    const [item] = r.json.codes_response;
    expect(item).toMatchObject({ code: 0, desctiption: 'ok', is_checked_offline: false, req_timestamp: T0 });
    expect(item.req_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(item.inst).toBeUndefined();
    expect(item.codes[0]).toMatchObject({
      cis: km(1),
      print_view: ki(1),
      gtin: '04600439931256',
      found: true,
      valid: true,
      verified: true,
      realizable: true,
      utilised: true,
      sold: false,
      is_blocked: false,
      expire_date: '2027-01-01T00:00:00.000Z',
      mrp: 19_900,
      smp: 10_000,
      producer_inn: '7700000001',
    });
    expect(item.codes[1]).toMatchObject({ cis: km(2), found: false, valid: true });
  });

  it('takes codes as base64 too, and records how they came', async () => {
    await start({ codes: [{ code: ki(1), sold: true }] });
    const r = await post('/api/v1/codes/check', { codes: [b64(km(1))], client_info: CLIENT });
    expect(r.json.codes_response[0].codes[0]).toMatchObject({ cis: km(1), sold: true });
    expect(emu!.requests()[0]).toMatchObject({ protocol: 'v1', encoding: 'base64', codes: [km(1)], clientInfo: { name: 'test-pos', id: 'inst-1', tokenAccepted: true } });
  });

  it('leaves out the fields a seed says to omit (absent, not false)', async () => {
    await start({ codes: [{ code: ki(1), omit: ['realizable', 'is_blocked'] }] });
    const c = (await post('/api/v1/codes/check', { codes: [km(1)], client_info: CLIENT })).json.codes_response[0].codes[0];
    expect('realizable' in c).toBe(false);
    expect('is_blocked' in c).toBe(false);
    expect(c.found).toBe(true);
  });

  it('validates strictly: codes, client_info, the token, the batch size', async () => {
    await start({ maxCodesPerCheck: 2 });
    const bad = [
      [{ client_info: CLIENT }, 400, /codes/],
      [{ codes: [], client_info: CLIENT }, 400, /codes/],
      [{ codes: ['hello'], client_info: CLIENT }, 400, /not a marking code/],
      [{ codes: [km(1)] }, 400, /client_info/],
      [{ codes: [km(1)], client_info: { ...CLIENT, id: '' } }, 400, /client_info.id/],
      [{ codes: [km(1), km(2), km(3)], client_info: CLIENT }, 400, /at most 2/],
      [{ codes: [km(1)], client_info: { ...CLIENT, token: 'wrong' } }, 401, /token/],
      [{ codes: [km(1)], client_info: { ...CLIENT, token: undefined } }, 401, /token/],
    ] as const;
    for (const [body, status, text] of bad) {
      const r = await post('/api/v1/codes/check', body);
      expect(r.status).toBe(status);
      expect(r.json.error.error_code).toBe(status);
      expect(r.json.error.error_description).toMatch(text);
    }
  });
});

describe('ТС ПИоТ emulator: the v3 (FMU-API) form', () => {
  it('takes {cis: base64, pg} and answers camelCase, echoing cis as asked', async () => {
    await start({ codes: [{ code: ki(1), blocked: true, ogvs: ['FNS'] }] });
    const r = await post('/api/v3/codes/check', { codes: [{ cis: b64(km(1)), pg: 'lp' }] });
    expect(r.status).toBe(200);
    const [item] = r.json.codesResponse;
    expect(item).toMatchObject({ code: 0, description: 'ok', isCheckedOffline: false, reqTimestamp: T0 });
    expect(item.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(item.codes[0]).toMatchObject({ cis: b64(km(1)), printView: ki(1), isBlocked: true, ogvs: ['FNS'] });
    expect(emu!.requests()[0]).toMatchObject({ protocol: 'v3', pg: ['lp'], clientInfo: null });
  });

  it('refuses a raw KM where base64 is expected', async () => {
    await start();
    const r = await post('/api/v3/codes/check', { codes: [{ cis: km(1) }] });
    expect(r.status).toBe(400);
    expect(r.json.error.error_description).toMatch(/base64/);
  });
});

describe('ТС ПИоТ emulator: modes and faults', () => {
  it('offline: is_checked_offline with inst/version, block and sold data, ГИС МТ flags false', async () => {
    await start({ lmInst: 'lm-1', lmVersion: '17.2', codes: [{ code: ki(1), blocked: true, mrp: 15_000 }] });
    emu!.setFaults({ offline: true });
    const [item] = (await post('/api/v1/codes/check', { codes: [km(1), km(2)], client_info: CLIENT })).json.codes_response;
    expect(item).toMatchObject({ is_checked_offline: true, inst: 'lm-1', version: '17.2' });
    expect(item.codes[0]).toMatchObject({ found: false, valid: false, verified: false, is_blocked: true, sold: false, mrp: 15_000, inst: 'lm-1', version: '17.2' });
    expect(item.codes[1]).toMatchObject({ found: false, is_blocked: false, sold: false });
    const v3 = (await post('/api/v3/codes/check', { codes: [{ cis: b64(km(1)) }] })).json.codesResponse[0];
    expect(v3).toMatchObject({ isCheckedOffline: true, inst: 'lm-1', version: '17.2' });
    expect(v3.codes[0]).toMatchObject({ isBlocked: true, inst: 'lm-1', version: '17.2' });
  });

  it('emergency: HTTP 203 on every call, with or without a codes_response', async () => {
    await start({ codes: [{ code: ki(1) }] });
    emu!.setFaults({ emergency: true });
    const r = await post('/api/v1/codes/check', { codes: [km(1)], client_info: CLIENT });
    expect(r.status).toBe(203);
    expect(r.json).toMatchObject({ code: 203 });
    expect(r.json.codes_response).toBeUndefined();
    const info = await post('/api/v1/info', {});
    expect(info.status).toBe(203);
    emu!.setFaults({ emergency: 'with-codes' });
    const w = await post('/api/v1/codes/check', { codes: [km(1)], client_info: CLIENT });
    expect(w.status).toBe(203);
    expect(w.json.codes_response[0].codes[0]).toMatchObject({ cis: km(1), found: true });
    expect(emu!.requests().filter((x) => x.emergency)).toHaveLength(3);
  });

  it('info answers the module identity and its check timeout', async () => {
    await start();
    const r = await post('/api/v1/info', {});
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ TsPiot_id: expect.any(String), kkt_serial: expect.any(String), fn_serial: expect.any(String), kkt_inn: expect.any(String), codes_check_timeout: 1500 });
  });

  it('outage 503, injected errors (seeded), latency and a reset connection', async () => {
    await start({ seed: 7 });
    emu!.setFaults({ outage: true });
    const o = await post('/api/v1/codes/check', { codes: [km(1)], client_info: CLIENT });
    expect(o.status).toBe(503);
    expect(o.json.error.error_code).toBe(503);
    emu!.setFaults({ errorRate: 1, errorStatus: 504 });
    expect((await post('/api/v1/info', {})).status).toBe(504);
    emu!.setFaults({ latencyMs: 120 });
    const t0 = performance.now();
    expect((await post('/api/v1/info', {})).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(115);
    emu!.setFaults({ resetConnections: true });
    await expect(post('/api/v1/info', {})).rejects.toThrow();
  });

  it('admin surface: seed, faults, requests, reset over HTTP; unknown paths are 404 in the envelope', async () => {
    await start();
    const admin = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${emu!.url}${path}`, { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
      return { status: r.status, json: await r.json() };
    };
    expect((await admin('POST', '/_emulator/codes', { codes: [{ code: ki(5), sold: true }] })).json).toEqual({ ok: true, count: 1 });
    expect((await admin('POST', '/_emulator/codes', { codes: [{ code: ki(5), bogus: 1 }] })).status).toBe(400);
    expect((await admin('POST', '/_emulator/faults', { offline: true })).json).toEqual({ offline: true });
    expect((await admin('POST', '/_emulator/faults', { nope: true })).status).toBe(400);
    const c = (await post('/api/v1/codes/check', { codes: [km(5)], client_info: CLIENT })).json.codes_response[0];
    expect(c.is_checked_offline).toBe(true);
    expect(c.codes[0].sold).toBe(true);
    const nf = await post('/api/v1/nothing', {});
    expect(nf.status).toBe(404);
    expect(nf.json.error.error_code).toBe(404);
    expect((await admin('GET', '/_emulator/requests')).json.map((x: { path: string }) => x.path)).toEqual(['/api/v1/codes/check', '/api/v1/nothing']);
    await admin('POST', '/_emulator/reset', {});
    expect((await admin('GET', '/_emulator/codes')).json).toEqual([]);
    expect((await admin('GET', '/_emulator/faults')).json).toEqual({});
    expect(emu!.requests()).toEqual([]);
  });
});
