/** The emulator over real HTTP: admin surface, API rules (Accept, tokens, rate), document processing, CLI. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { canonicalJson } from '../../src/tracking/canonical-json.js';
import { ki, km, manualClock } from '../tracking/helpers.js';

const open: Emulator[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});
async function start(opts: Parameters<typeof createEmulator>[0] = {}): Promise<Emulator> {
  const e = await createEmulator(opts);
  open.push(e);
  return e;
}

async function call(emu: Emulator, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { accept: '*/*', ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function login(emu: Emulator): Promise<string> {
  const r = await call(emu, 'POST', '/api/users/authenticate', { login: 'demo', password: 'demo' });
  return (r.json as { accessToken: string }).accessToken;
}

/** A withdrawal as the description has it: `{documentBody}` only (`signature` is reserved, not passed). */
async function withdraw(emu: Emulator, token: string, reference: string, codes: string[]) {
  const json = canonicalJson({ primaryDocument: { number: reference, type: 'RECEIPT' }, withdrawalType: 'WITHDRAWAL', codes: codes.map((code) => ({ code })) });
  return call(emu, 'POST', '/public/api/v1/doc/withdrawal', { documentBody: Buffer.from(json).toString('base64') }, { authorization: `Bearer ${token}` });
}

describe('admin surface', () => {
  it('seeds codes by KI or KM (KI derived with parseCode) and validates the body', async () => {
    const emu = await start();
    expect((await call(emu, 'POST', '/_emulator/codes', { codes: [{ code: km(1), status: 'introduced', mrp: 5000 }, { code: ki(2), status: 'EMITTED' }] })).json).toEqual({ ok: true, count: 2 });
    const rec = (await call(emu, 'GET', `/_emulator/codes/${encodeURIComponent(ki(1))}`)).json as Record<string, unknown>;
    expect(rec).toMatchObject({ ki: ki(1), km: km(1), status: 'INTRODUCED', mrp: 5000, gtin: '04600439931256' });
    expect(((await call(emu, 'GET', '/_emulator/codes?limit=1')).json as unknown[]).length).toBe(1);
    const bad = await call(emu, 'POST', '/_emulator/codes', { codes: [{ code: '', status: 'X' }] });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toBe('bad-seed');
    expect((await call(emu, 'POST', '/_emulator/codes', 'nonsense')).status).toBe(400);
  });

  it('sets faults, {} clears them, bad faults are refused', async () => {
    const emu = await start();
    expect((await call(emu, 'POST', '/_emulator/faults', { latencyMs: 5, errorRate: 0.1 })).json).toEqual({ latencyMs: 5, errorRate: 0.1 });
    expect((await call(emu, 'POST', '/_emulator/faults', {})).json).toEqual({});
    expect((await call(emu, 'GET', '/_emulator/faults')).json).toEqual({});
    expect((await call(emu, 'POST', '/_emulator/faults', { errorRate: 2 })).status).toBe(400);
  });

  it('lists every document received, duplicates included, with per-code errors', async () => {
    const emu = await start({ codes: [{ code: ki(1), status: 'INTRODUCED' }] });
    const token = await login(emu);
    expect((await withdraw(emu, token, 'dup', [ki(1)])).status).toBe(200);
    expect((await withdraw(emu, token, 'dup', [ki(1)])).status).toBe(200);
    const docs = (await call(emu, 'GET', '/_emulator/documents')).json as { reference: string; status: string; codes: string[]; errors: unknown[] }[];
    expect(docs.map((d) => [d.reference, d.codes, d.status])).toEqual([
      ['dup', [ki(1)], 'SUCCESS'],
      ['dup', [ki(1)], 'ERROR'],
    ]);
    expect(docs[1].errors).toEqual([{ index: 0, code: ki(1), errorCode: 'code-already-withdrawn', message: 'the code was already withdrawn from circulation' }]);
  });
});

describe('API rules', () => {
  it('406 with an empty body only when Accept covers no JSON answer', async () => {
    const emu = await start();
    const r = await call(emu, 'POST', '/api/users/authenticate', { login: 'demo', password: 'demo' }, { accept: 'application/zip' });
    expect(r.status).toBe(406);
    expect(r.text).toBe('');
    for (const accept of ['application/json', '*/*', 'application/octet-stream, application/json']) {
      expect((await call(emu, 'POST', '/api/users/authenticate', { login: 'demo', password: 'demo' }, { accept })).status).toBe(200);
    }
  });

  it('the token pair: accessToken, accessTokenType BEARER, accessTokenExpiresIn in ms as a string, refreshToken', async () => {
    const emu = await start();
    const r = await call(emu, 'POST', '/api/users/authenticate', { login: 'demo', password: 'demo' });
    expect(Object.keys(r.json as object).sort()).toEqual(['accessToken', 'accessTokenExpiresIn', 'accessTokenType', 'refreshToken']);
    expect(r.json).toMatchObject({ accessTokenType: 'BEARER', accessTokenExpiresIn: '1800000' });
  });

  it('404 for a path the system does not have', async () => {
    const emu = await start();
    const token = await login(emu);
    expect((await call(emu, 'POST', '/public/api/v1/doc/sale', {}, { authorization: `Bearer ${token}` })).status).toBe(404);
  });

  it('401 access-denied on a bad token, inactive-token on an expired one', async () => {
    const clock = manualClock();
    const emu = await start({ now: clock.now });
    const bad = await call(emu, 'POST', '/public/api/cod/public/codes', { codes: [ki(1)] }, { authorization: 'Bearer nope' });
    expect([bad.status, bad.json]).toEqual([401, [{ code: 'access-denied' }]]);
    const token = await login(emu);
    expect((await call(emu, 'POST', '/public/api/cod/public/codes', { codes: [ki(1)] }, { authorization: `Bearer ${token}` })).status).toBe(200);
    clock.advance(30 * 60_000);
    const exp = await call(emu, 'POST', '/public/api/cod/public/codes', { codes: [ki(1)] }, { authorization: `Bearer ${token}` });
    expect(exp.status).toBe(401);
    expect(exp.json).toMatchObject({ context: { _cause: 'inactive-token' } });
  });

  it('bad credentials: [{code: user-incorrect-login-or-password}]', async () => {
    const emu = await start();
    const r = await call(emu, 'POST', '/api/users/authenticate', { login: 'demo', password: 'x' });
    expect([r.status, r.json]).toEqual([400, [{ code: 'user-incorrect-login-or-password' }]]);
  });

  it('429 with Retry-After above the configured rate', async () => {
    const emu = await start({ faults: { rateLimitPerMinute: 60, rateLimitBurst: 2 } });
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 4; i++) {
      const r = await call(emu, 'GET', '/api/v3/true-api/auth/key');
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(emu.stats().rateLimited).toBe(2);
  });

  it('refuses unsorted document JSON with a KZ globalErrors reason; the signature is not needed; the answer is {documentId}', async () => {
    const emu = await start({ codes: [{ code: ki(1), status: 'INTRODUCED' }] });
    const token = await login(emu);
    const unsorted = JSON.stringify({ withdrawalType: 'WITHDRAWAL', codes: [{ code: ki(1) }] });
    const r1 = await call(emu, 'POST', '/public/api/v1/doc/withdrawal', { documentBody: Buffer.from(unsorted).toString('base64') }, { authorization: `Bearer ${token}` });
    expect(r1.status).toBe(400);
    expect(r1.json).toEqual({ globalErrors: [{ error: expect.stringMatching(/^document-keys-not-sorted: /) }] });
    expect(emu.documents()).toHaveLength(0);
    const sorted = canonicalJson({ withdrawalType: 'WITHDRAWAL', codes: [{ code: ki(1) }] });
    const r2 = await call(emu, 'POST', '/public/api/v1/doc/withdrawal', { documentBody: Buffer.from(sorted).toString('base64') }, { authorization: `Bearer ${token}` });
    expect(r2.status).toBe(200);
    expect(Object.keys(r2.json as object)).toEqual(['documentId']);
  });

  it('UZ flavour: errors as {code, context}', async () => {
    const emu = await start({ xtraceCountry: 'UZ' });
    const token = await login(emu);
    const r = await call(emu, 'POST', '/public/api/cod/public/codes', { codes: 'x' }, { authorization: `Bearer ${token}` });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 'invalid-input-parameter', context: {} });
  });

  it('refuses a document above the per-document limit', async () => {
    const emu = await start({ maxCodesPerDocument: 3 });
    const token = await login(emu);
    const r = await withdraw(emu, token, 'big', [ki(1), ki(2), ki(3), ki(4)]);
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.json)).toContain('at most 3 codes per document');
  });

  it('outage answers 503 at once; a connection reset drops the socket after acting', async () => {
    const emu = await start({ codes: [{ code: ki(1), status: 'INTRODUCED' }] });
    const token = await login(emu);
    emu.setFaults({ outage: true });
    expect((await call(emu, 'GET', '/api/v3/true-api/auth/key')).status).toBe(503);
    expect((await call(emu, 'GET', '/_emulator/documents')).status).toBe(200); // admin is never faulted
    emu.setFaults({ resetConnections: true });
    await expect(withdraw(emu, token, 'reset', [ki(1)])).rejects.toThrow();
    expect(emu.documents().map((d) => [d.reference, d.status])).toEqual([['reset', 'SUCCESS']]);
  });
});

describe('document processing', () => {
  it('created → in process → success, on the first request after processingDelayMs', async () => {
    const clock = manualClock();
    const emu = await start({ now: clock.now, processingDelayMs: 2000, codes: [{ code: ki(1), status: 'INTRODUCED' }, { code: ki(2), status: 'WITHDRAWN' }] });
    const token = await login(emu);
    const created = (await withdraw(emu, token, 'slow', [ki(1), ki(2)])).json as { documentId: string };
    expect(emu.state.documents[0].status).toBe('CREATED');
    const get = async () => (await call(emu, 'GET', `/public/api/v1/doc/storage/docs/${created.documentId}`, undefined, { authorization: `Bearer ${token}` })).json as { status: string };
    expect(await get()).toEqual({ documentId: created.documentId, type: 'WITHDRAWAL', status: 'IN_PROCESS', createDate: expect.any(String) });
    expect(emu.code(ki(1))!.status).toBe('INTRODUCED');
    clock.advance(2000);
    expect((await get()).status).toBe('PARTIALLY_PROCESSED');
    expect(emu.code(ki(1))!.status).toBe('WITHDRAWN');
    const errs = (await call(emu, 'GET', `/public/api/v1/doc/storage/errors/${created.documentId}`, undefined, { authorization: `Bearer ${token}` })).json;
    expect(errs).toEqual({ documentErrors: [{ propertyName: 'codes', index: 1, errorCode: 'code-already-withdrawn', errorTags: {} }] });
  });

  it('documents are processed in the order received', async () => {
    const clock = manualClock();
    const emu = await start({ now: clock.now, processingDelayMs: 10, codes: [{ code: ki(1), status: 'INTRODUCED' }] });
    const token = await login(emu);
    await withdraw(emu, token, 'first', [ki(1)]);
    await withdraw(emu, token, 'second', [ki(1)]);
    clock.advance(10);
    expect(emu.documents().map((d) => [d.reference, d.status])).toEqual([
      ['first', 'SUCCESS'],
      ['second', 'ERROR'],
    ]);
  });
});

describe('tanba emulator (CLI)', () => {
  it('prints the URL it listens on (127.0.0.1) and serves the admin surface', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'emulator', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        const rl = createInterface({ input: child.stdout! });
        rl.once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const res = await fetch(`${line}/_emulator/documents`);
      expect(await res.json()).toEqual([]);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
