/** The adapters under the emulator's faults: tokens, 429 storms, 5xx bursts, outages, timeouts, resets. */
import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { isTrackingError, TrackingError } from '../../src/tracking/errors.js';
import { TrueApiAdapter } from '../../src/tracking/true-api/adapter.js';
import { XtraceAdapter } from '../../src/tracking/xtrace/adapter.js';
import type { XtraceConfig } from '../../src/tracking/config.js';
import { ki, km, manualClock, saleDoc } from './helpers.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

async function emulator(opts: Parameters<typeof createEmulator>[0] = {}): Promise<Emulator> {
  const e = await createEmulator({ codes: Array.from({ length: 10 }, (_, i) => ({ code: km(i + 1), status: 'INTRODUCED' })), ...opts });
  open.push(e);
  return e;
}

function xtrace(emu: Emulator, extra: Partial<XtraceConfig> = {}): XtraceAdapter {
  const a = new XtraceAdapter({ family: 'xtrace', baseUrl: emu.url, login: 'demo', password: 'demo', retry: { baseDelayMs: 1, maxDelayMs: 20 }, ...extra });
  open.push(a);
  return a;
}

async function failure(p: Promise<unknown>): Promise<TrackingError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!isTrackingError(e)) throw new Error(`expected a TrackingError, got ${String(e)}`);
  return e;
}

describe('token lifecycle', () => {
  it('refreshes before expiry, and on 401 inactive-token mid-run', async () => {
    const clock = manualClock();
    const emu = await emulator({ now: clock.now });
    const xt = xtrace(emu, { now: clock.now });
    await xt.checkCodes([ki(1)]);
    expect(emu.stats()).toMatchObject({ logins: 1, refreshes: 0 });

    clock.advance(29 * 60_000); // inside the refresh window (30 min token)
    await xt.checkCodes([ki(1)]);
    expect(emu.stats()).toMatchObject({ logins: 1, refreshes: 1, unauthorized: 0 });

    emu.expireTokens(); // the server drops the token early
    const [r] = await xt.checkCodes([ki(1)]);
    expect(r.found).toBe(true);
    expect(emu.stats()).toMatchObject({ logins: 1, refreshes: 2, unauthorized: 1 });
    expect(xt.tokens!.counters.invalidations).toBe(1);
  });

  it('renews in the background when the refresh window opens, so checks never wait for it', async () => {
    const emu = await emulator({ xtraceTokenTtlSeconds: 1 });
    const xt = xtrace(emu);
    await xt.checkCodes([ki(1)]);
    expect(emu.stats().refreshes).toBe(0);
    const deadline = performance.now() + 5000;
    while (emu.stats().refreshes < 1 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20)); // wait for the condition
    expect(emu.stats().refreshes).toBeGreaterThanOrEqual(1);
    await xt.checkCodes([ki(1)]);
    expect(emu.stats()).toMatchObject({ logins: 1, unauthorized: 0 });
  });

  it('falls back to a full login when the refresh token is refused too', async () => {
    const clock = manualClock();
    const emu = await emulator({ now: clock.now });
    const xt = xtrace(emu, { now: clock.now });
    await xt.checkCodes([ki(1)]);
    emu.state.tokens.clear(); // server restart: every token forgotten
    await xt.checkCodes([ki(1)]);
    expect(emu.stats()).toMatchObject({ logins: 2, refreshes: 0, unauthorized: 1 });
  });

  it('a token refused even after renewal is an auth error', async () => {
    const emu = await emulator({ faults: { tokenTtlSeconds: 0 } });
    const xt = xtrace(emu);
    const e = await failure(xt.checkCodes([ki(1)]));
    expect(e.kind).toBe('auth');
    expect(e.code).toBe('token-refused');
    expect(e.details.reason).toMatch(/inactive-token/);
  });

  it('concurrent callers share one login (single flight)', async () => {
    const emu = await emulator();
    const xt = xtrace(emu);
    await Promise.all(Array.from({ length: 8 }, () => xt.checkCodes([ki(1)])));
    expect(emu.stats().logins).toBe(1);
  });

  it('true-api re-signs in when the JWT expires', async () => {
    const clock = manualClock();
    const emu = await emulator({ now: clock.now });
    const ta = new TrueApiAdapter({ family: 'true-api', baseUrl: emu.url, now: clock.now, retry: { baseDelayMs: 1 } });
    open.push(ta);
    await ta.getCodeInfo([ki(1)]);
    clock.advance(10 * 3600_000 + 1);
    await ta.getCodeInfo([ki(1)]);
    expect(emu.stats()).toMatchObject({ signIns: 2, unauthorized: 0 });
    emu.expireTokens();
    await ta.getCodeInfo([ki(1)]);
    expect(emu.stats()).toMatchObject({ signIns: 3, unauthorized: 1 });
  });

  it('true-api: a failed simpleSignIn restarts with a fresh challenge (a uuid is single-use)', async () => {
    const emu = await emulator({ seed: 7 }); // draws 0.01, 0.06, 0.98
    const ta = new TrueApiAdapter({ family: 'true-api', baseUrl: emu.url, retry: { baseDelayMs: 1, maxDelayMs: 2 } });
    open.push(ta);
    emu.setFaults({ errorRate: 0.5, errorStatus: 503, pathPrefix: '/api/v3/true-api/auth/simpleSignIn' });
    expect((await ta.getCodeInfo([ki(1)]))[0].found).toBe(true);
    expect(emu.stats().byRoute['GET /api/v3/true-api/auth/key']).toBe(3);
    expect(emu.stats().byRoute['POST /api/v3/true-api/auth/simpleSignIn']).toBe(3);
    expect(emu.stats().signIns).toBe(1);
  });

  it('bad credentials surface as auth / login-refused with the server reason', async () => {
    const emu = await emulator();
    const xt = xtrace(emu, { password: 'wrong' });
    const e = await failure(xt.checkCodes([ki(1)]));
    expect(e.kind).toBe('auth');
    expect(e.code).toBe('login-refused');
    expect(e.message).toContain('user-incorrect-login-or-password');
    expect(e.message).not.toContain('wrong'); // never echo the password
  });
});

describe('rate limits', () => {
  it('a 429 storm: every call succeeds after honouring Retry-After', async () => {
    const emu = await emulator({ faults: { rateLimitPerMinute: 600, rateLimitBurst: 5 } });
    const xt = xtrace(emu, { limits: { requestsPerMinute: null, maxConcurrency: null } });
    await xt.checkCodes([ki(1)]); // login + first call
    const started = performance.now();
    const res = await Promise.all(Array.from({ length: 12 }, (_, i) => xt.checkCodes([ki((i % 10) + 1)])));
    expect(res.every((r) => r[0].found)).toBe(true);
    expect(emu.stats().rateLimited).toBeGreaterThan(0);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990); // Retry-After: 1 was honoured
  });

  it('the client-side limiter keeps the server from ever answering 429', async () => {
    // Server: 2400/min with ~0.5 s of tolerance for scheduling jitter on a loaded machine. 60 calls at
    // once would blow it without pacing; with the client bucket at the same rate they go 25 ms apart.
    const emu = await emulator({ faults: { rateLimitPerMinute: 2400, rateLimitBurst: 20 } });
    const xt = xtrace(emu, { limits: { requestsPerMinute: 2400, burst: 1, maxConcurrency: 8 } });
    await xt.health();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 60 }, (_, i) => xt.checkCodes([ki((i % 10) + 1)])));
    expect(emu.stats().rateLimited).toBe(0);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(59 * 25 - 60);
    const unpaced = xtrace(emu, { limits: { requestsPerMinute: null, maxConcurrency: null }, retry: { retries: 0 } });
    await unpaced.health();
    await Promise.allSettled(Array.from({ length: 60 }, (_, i) => unpaced.checkCodes([ki((i % 10) + 1)])));
    expect(emu.stats().rateLimited).toBeGreaterThan(0); // the check above could fail
  });

  it('a Retry-After longer than the cap fails fast as transient with the wait', async () => {
    const emu = await emulator();
    const xt = xtrace(emu, { retry: { baseDelayMs: 1, maxRetryAfterMs: 100 } });
    await xt.checkCodes([ki(1)]);
    emu.setFaults({ rateLimitPerMinute: 1, rateLimitBurst: 1 });
    await xt.checkCodes([ki(1)]); // takes the only slot
    const e = await failure(xt.checkCodes([ki(1)]));
    expect(e.kind).toBe('transient');
    expect(e.code).toBe('rate-limited');
    expect(e.details.retryAfterMs).toBeGreaterThanOrEqual(1000);
  });
});

describe('server errors and outages', () => {
  it('a 5xx burst on reads is retried through (seeded, repeatable)', async () => {
    const emu = await emulator({ seed: 7, faults: { errorRate: 0.5, errorStatus: 503 } });
    const xt = xtrace(emu, { retry: { retries: 8, baseDelayMs: 1, maxDelayMs: 5 } });
    for (let i = 1; i <= 10; i++) expect((await xt.checkCodes([ki(i)]))[0].found).toBe(true);
    const injected = emu.stats().injectedErrors;
    expect(injected).toBeGreaterThan(0);
    // The same seed gives the same sequence.
    const emu2 = await emulator({ seed: 7, faults: { errorRate: 0.5, errorStatus: 503 } });
    const xt2 = xtrace(emu2, { retry: { retries: 8, baseDelayMs: 1, maxDelayMs: 5 } });
    for (let i = 1; i <= 10; i++) await xt2.checkCodes([ki(i)]);
    expect(emu2.stats().injectedErrors).toBe(injected);
  });

  it('503 on a document POST is safe to repeat: one document, no duplicate', async () => {
    const emu = await emulator({ seed: 7 }); // draws 0.01, 0.06, 0.98: two 503s, then through
    const xt = xtrace(emu, { retry: { retries: 10, baseDelayMs: 1, maxDelayMs: 2 } });
    await xt.checkCodes([ki(1)]);
    emu.setFaults({ errorRate: 0.6, errorStatus: 503, pathPrefix: '/public/api/v1/doc/withdrawal' });
    await xt.submitSale(saleDoc('r-503', [1]));
    expect(emu.stats().injectedErrors).toBe(2);
    expect(emu.stats().byRoute['POST /public/api/v1/doc/withdrawal']).toBe(3);
    expect(emu.documents().filter((d) => d.reference === 'r-503')).toHaveLength(1);
  });

  it('500 on a document POST is unknown-result: not re-sent, reconciliation shows absence', async () => {
    const emu = await emulator();
    const xt = xtrace(emu);
    await xt.checkCodes([ki(1)]);
    emu.setFaults({ errorRate: 1, errorStatus: 500, pathPrefix: '/public/api/v1/doc/' });
    const from = new Date(Date.now() - 60_000).toISOString();
    const e = await failure(xt.submitSale(saleDoc('r-500', [1])));
    expect(e.kind).toBe('unknown-result');
    expect(e.code).toBe('http-500');
    expect(emu.stats().byRoute['POST /public/api/v1/doc/withdrawal']).toBe(1);
    emu.setFaults({});
    expect(await xt.findDocuments('r-500', from, new Date(Date.now() + 60_000).toISOString())).toEqual([]);
  });

  it('an outage: transient errors, health() not ok; back to normal when it ends', async () => {
    const emu = await emulator();
    const xt = xtrace(emu, { retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    await xt.checkCodes([ki(1)]);
    emu.setFaults({ outage: true });
    const e = await failure(xt.checkCodes([ki(1)]));
    expect(e).toMatchObject({ kind: 'transient', code: 'http-503' });
    expect(emu.stats().outageRefusals).toBe(4); // first try + 3 retries
    expect((await xt.health()).ok).toBe(false);
    emu.setFaults({});
    expect((await xt.checkCodes([ki(1)]))[0].found).toBe(true);
    expect((await xt.health()).ok).toBe(true);
  });

  it('a dead host is transient / network, even for a POST (nothing was sent)', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const xt = new XtraceAdapter({ family: 'xtrace', baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k', retry: { retries: 1, baseDelayMs: 1 } });
    open.push(xt);
    expect(await failure(xt.checkCodes([ki(1)]))).toMatchObject({ kind: 'transient', code: 'network' });
    expect(await failure(xt.submitSale(saleDoc('r', [1])))).toMatchObject({ kind: 'transient', code: 'network' });
  });
});

describe('timeouts and resets after a POST', () => {
  it('a timeout after POST is unknown-result; reconciliation finds the one document (no duplicate)', async () => {
    const emu = await emulator();
    const xt = xtrace(emu, { timeoutMs: 150 });
    await xt.checkCodes([ki(1)]);
    emu.setFaults({ latencyMs: 400, pathPrefix: '/public/api/v1/doc/withdrawal' });
    const from = new Date(Date.now() - 60_000).toISOString();
    const e = await failure(xt.submitSale(saleDoc('r-timeout', [1])));
    expect(e).toMatchObject({ kind: 'unknown-result', code: 'timeout' });
    expect(emu.stats().byRoute['POST /public/api/v1/doc/withdrawal']).toBe(1); // never re-sent by the adapter
    emu.setFaults({});
    const found = await xt.findDocuments('r-timeout', from, new Date(Date.now() + 60_000).toISOString());
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ reference: 'r-timeout', state: 'success' });
    expect(emu.documents().filter((d) => d.reference === 'r-timeout')).toHaveLength(1);
  });

  it('a timeout after POST, the system holding the document, documentInfos over two pages: reconciled, no second document', async () => {
    const emu = await emulator();
    const xt = xtrace(emu, { timeoutMs: 150, searchPageSize: 2 });
    const from = new Date(Date.now() - 60_000).toISOString();
    await xt.submitSale(saleDoc('other-1', [2]));
    await xt.submitSale(saleDoc('other-2', [3]));
    emu.setFaults({ latencyMs: 400, pathPrefix: '/public/api/v1/doc/withdrawal' });
    const e = await failure(xt.submitSale(saleDoc('r-paged', [1])));
    expect(e).toMatchObject({ kind: 'unknown-result', code: 'timeout' });
    emu.setFaults({});
    const fresh = xtrace(emu, { searchPageSize: 2 }); // after a restart: nothing known locally
    const found = await fresh.findDocuments('r-paged', from, new Date(Date.now() + 60_000).toISOString());
    expect(found.map((f) => [f.reference, f.state])).toEqual([['r-paged', 'success']]); // on the second page
    expect(emu.stats().byRoute['GET /public/api/v1/doc/storage/docs/search']).toBe(2);
    expect(emu.documents().filter((d) => d.reference === 'r-paged')).toHaveLength(1);
  });

  it('true-api: a timeout after lk/documents/create is unknown-result; doc/list reconciliation finds it', async () => {
    const emu = await emulator();
    const ta = new TrueApiAdapter({ family: 'true-api', baseUrl: emu.url, timeoutMs: 150, retry: { baseDelayMs: 1 } });
    open.push(ta);
    await ta.getCodeInfo([ki(1)]);
    emu.setFaults({ latencyMs: 400, pathPrefix: '/api/v3/true-api/lk/documents/create' });
    const from = new Date(Date.now() - 60_000).toISOString();
    const e = await failure(ta.submitSale(saleDoc('ru-timeout', [1])));
    expect(e.kind).toBe('unknown-result');
    emu.setFaults({});
    const found = await ta.findDocuments('ru-timeout', from, new Date(Date.now() + 60_000).toISOString());
    expect(found.map((f) => f.state)).toEqual(['success']);
    expect(emu.stats().byRoute['POST /api/v3/true-api/lk/documents/create']).toBe(1);
  });

  it('a connection reset after a POST is unknown-result; on reads it is retried', async () => {
    const emu = await emulator({ seed: 7 });
    const xt = xtrace(emu, { retry: { retries: 10, baseDelayMs: 1, maxDelayMs: 2 } });
    await xt.checkCodes([ki(1)]);
    emu.setFaults({ resetConnections: true, pathPrefix: '/public/api/v1/doc/withdrawal' });
    const e = await failure(xt.submitSale(saleDoc('r-reset', [2])));
    expect(e).toMatchObject({ kind: 'unknown-result', code: 'connection-reset' });
    expect(emu.documents().filter((d) => d.reference === 'r-reset')).toHaveLength(1);
    emu.setFaults({ resetConnections: 0.5 });
    for (let i = 1; i <= 5; i++) expect((await xt.checkCodes([ki(i)]))[0].found).toBe(true);
    expect(emu.stats().resets).toBeGreaterThan(1);
  });
});

describe('secrets', () => {
  it('logs and errors never carry tokens or passwords', async () => {
    const emu = await emulator({ seed: 7, users: [{ login: 'cashier', password: 'pa55-secret' }] });
    const lines: string[] = [];
    const logger = { debug: (o: object, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')), warn: (o: object, m?: string) => lines.push(JSON.stringify(o) + (m ?? '')) };
    const xt = xtrace(emu, { login: 'cashier', password: 'pa55-secret', logger, retry: { retries: 5, baseDelayMs: 1 } });
    emu.setFaults({ errorRate: 0.5 });
    await xt.checkCodes([ki(1)]);
    emu.expireTokens();
    emu.setFaults({ errorRate: 1, errorStatus: 400 });
    const e = await failure(xt.checkCodes([ki(1)]));
    const text = lines.join('\n') + e.message + JSON.stringify(e.details);
    expect(lines.length).toBeGreaterThan(0);
    expect(text).not.toContain('pa55-secret');
    for (const token of emu.state.tokens.keys()) expect(text).not.toContain(token);
  });
});

describe('caller budget', () => {
  it('an AbortSignal ends a slow check with transient / aborted', async () => {
    const emu = await emulator();
    const xt = xtrace(emu);
    await xt.checkCodes([ki(1)]);
    emu.setFaults({ latencyMs: 2000 });
    const t0 = performance.now();
    const e = await failure(xt.checkCodes([ki(1)], { signal: AbortSignal.timeout(100) }));
    expect(e).toMatchObject({ kind: 'transient', code: 'aborted' });
    expect(performance.now() - t0).toBeLessThan(1500);
  });

  it('an AbortSignal also ends a wait for a rate slot', async () => {
    const emu = await emulator();
    const xt = xtrace(emu, { limits: { requestsPerMinute: 6, burst: 2 } });
    await xt.checkCodes([ki(1)]); // login + check take the two burst slots; the next waits 10 s
    const e = await failure(xt.checkCodes([ki(1)], { signal: AbortSignal.timeout(50) }));
    expect(e).toMatchObject({ kind: 'transient', code: 'aborted' });
  });
});

describe('permanent errors carry the server reason', () => {
  it.each([
    [400, 'bad-request'],
    [403, 'forbidden'],
    [404, 'not-found'],
    [409, 'conflict'],
  ])('%i → permanent %s, not retried', async (status, code) => {
    const emu = await emulator();
    const xt = xtrace(emu);
    await xt.checkCodes([ki(1)]);
    emu.setFaults({ errorRate: 1, errorStatus: status });
    const before = emu.stats().requests;
    const e = await failure(xt.checkCodes([ki(1)]));
    expect(e).toMatchObject({ kind: 'permanent', code, details: { status, reason: `emulated error ${status}` } });
    expect(emu.stats().requests - before).toBe(1);
  });

  it('an unknown document id → permanent not-found with the reason', async () => {
    const emu = await emulator();
    const xt = xtrace(emu);
    const e = await failure(xt.getDocument('00000000-0000-0000-0000-000000000000'));
    expect(e).toMatchObject({ kind: 'permanent', code: 'not-found', details: { reason: expect.stringMatching(/^document-not-found/) } });
  });

  it('a too-long code list (adapter misconfigured) → permanent bad-request with the limit', async () => {
    const emu = await emulator();
    const xt = xtrace(emu, { limits: { maxCodesPerCheck: 5000 } });
    const e = await failure(xt.checkCodes(Array.from({ length: 1001 }, (_, i) => ki(i))));
    expect(e.kind).toBe('permanent');
    expect(e.message).toContain('at most 1000 codes per request');
  });
});

describe('CDN failover (true-api codes/check)', () => {
  it('refreshes a stale host list in the background, without making the check wait', async () => {
    const clock = manualClock();
    const emu = await emulator();
    const ta = new TrueApiAdapter({ family: 'true-api', baseUrl: emu.url, apiKey: 'demo-api-key', now: clock.now });
    open.push(ta);
    await ta.checkCodes([km(1)]);
    const list = ta.cdn!.snapshot();
    expect(emu.stats().byRoute['GET /api/v4/true-api/cdn/info']).toBe(1);
    emu.setFaults({ latencyMs: 1000, pathPrefix: '/api/v4/true-api/cdn/' }); // a slow list
    clock.advance(6 * 3600_000 + 1); // the list is stale
    expect((await ta.checkCodes([km(2)]))[0].found).toBe(true);
    expect(ta.cdn!.snapshot()).toBe(list); // answered with the old list, the new one still loading
    expect(emu.stats().byRoute['GET /api/v4/true-api/cdn/info']).toBe(2); // the refresh started
  });

  it('skips a dead host, prefers the fastest, fails over when the preferred host goes down', async () => {
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const dead = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
    await new Promise<void>((r) => srv.close(() => r()));
    const b = await emulator({ faults: { latencyMs: 20 } });
    const hosts: string[] = [];
    const a = await emulator({ cdnHosts: hosts });
    hosts.push(dead, b.url, a.url);
    const ta = new TrueApiAdapter({ family: 'true-api', baseUrl: a.url, apiKey: 'demo-api-key', retry: { baseDelayMs: 1 } });
    open.push(ta);
    expect((await ta.checkCodes([km(1)]))[0].found).toBe(true);
    expect(ta.cdn!.snapshot().map((h) => h.host)).toEqual([a.url, b.url, dead]);
    expect(a.stats().byRoute['POST /api/v4/true-api/codes/check']).toBe(1);
    a.setFaults({ outage: true });
    expect((await ta.checkCodes([km(2)]))[0].found).toBe(true);
    expect(b.stats().byRoute['POST /api/v4/true-api/codes/check']).toBe(1);
    expect((await ta.checkCodes([km(3)]))[0].found).toBe(true); // a is cooling down: straight to b
    expect(a.stats().outageRefusals).toBe(1);
  });
});
