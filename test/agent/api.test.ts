/**
 * The agent's HTTP API over real HTTP on loopback, with the real terminal and a real SQLite file
 * (no tracking system and no fiscal channel configured here: checks are local, receipts stay queued —
 * see the emulator tests and test/terminal/receipts.webkassa.test.ts for delivery).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/agent/config.js';
import { clothesCode, prng, waterCode } from '../../src/agent/demo-codes.js';
import { get, openEvents, post, startTestAgent, type TestAgent } from './helpers.js';

const rnd = prng(42);
const codes = Array.from({ length: 12 }, () => waterCode(rnd));
const shirt = clothesCode(rnd);
const line = (code: string, price = 100, name = 'Water 0.5 l') => ({ name, price, codes: [code] });

describe('agent HTTP API (no tracking system)', () => {
  let t: TestAgent;
  beforeAll(async () => {
    t = await startTestAgent({
      http: { bodyLimitBytes: 4096 },
      sellers: [{ tin: '990140000385', registers: ['till-1'] }, { tin: '990240000112', registers: ['till-2'] }],
      registers: [{ id: 'till-1' }, { id: 'till-2' }],
    });
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('listens on loopback and answers GET /v1/status', async () => {
    expect(t.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await get(`${t.url}/v1/status`);
    expect(r.status).toBe(200);
    expect(r.json.state).toBe('degraded');
    expect(r.json.problems.map((p: { code: string }) => p.code)).toContain('tracking-not-configured');
    expect(r.json.queue).toEqual({ pending: 0, oldestPendingAt: null, deadLetters: 0 });
    expect(r.json.agent.trackingConfigured).toBe(false);
    expect(r.json.agent.sellers).toHaveLength(2);
  });

  it('checks a code: parsed, with a verdict and reasons', async () => {
    const r = await post(`${t.url}/v1/codes/check`, { code: codes[0].km, registerId: 'till-1' });
    expect(r.status).toBe(200);
    expect(r.json.code.ok).toBe(true);
    expect(r.json.code.ki).toBe(codes[0].ki);
    expect(['allow', 'deny', 'unknown']).toContain(r.json.verdict);
    // No tracking system: nothing online can confirm it.
    expect(r.json.verdict).toBe('unknown');
    expect(typeof r.json.latencyMs).toBe('number');
  });

  it('denies a code that is not a marking code, saying why', async () => {
    const r = await post(`${t.url}/v1/codes/check`, { code: '01048700000000' });
    expect(r.status).toBe(200);
    expect(r.json.verdict).toBe('deny');
    expect(r.json.code.ok).toBe(false);
    expect(r.json.reasons.length).toBeGreaterThan(0);
    expect(r.json.reasons[0].message.length).toBeGreaterThan(0);
  });

  it('words the reasons in the language asked for', async () => {
    const { reason } = await import('../../src/decision/messages.js');
    const kk = await post(`${t.url}/v1/codes/check`, { code: '01048700000000', language: 'kk' });
    const en = await post(`${t.url}/v1/codes/check`, { code: '01048700000000', language: 'en' });
    expect(kk.json.reasons.map((r: { code: string }) => r.code)).toEqual(en.json.reasons.map((r: { code: string }) => r.code));
    const code = kk.json.reasons[0].code;
    expect(kk.json.reasons[0].message).toBe(reason(code, 'kk').message);
    expect(en.json.reasons[0].message).toBe(reason(code, 'en').message);
    expect((await post(`${t.url}/v1/codes/check`, { code: 'x', language: 'de' })).json.error.fields[0].field).toBe('language');
  });

  it('records a sale (202, on disk) and reports where it is', async () => {
    const sale = { id: 'S-1', registerId: 'till-1', lines: [line(codes[1].km, 45000), { ...line(shirt.km, 990000, 'Shirt'), vatRate: 12 }, { name: 'Bag', price: 500 }] };
    const r = await post(`${t.url}/v1/sales`, sale);
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ id: 'S-1', type: 'sale', registerId: 'till-1', state: 'queued', fiscal: null, channel: null });
    expect(r.headers.get('location')).toBe('/v1/sales/S-1');
    const g = await get(`${t.url}/v1/sales/S-1`);
    expect(g.status).toBe(200);
    expect(g.json).toMatchObject({ id: 'S-1', type: 'sale' });
    const s = await get(`${t.url}/v1/status`);
    expect(s.json.queue.pending).toBeGreaterThanOrEqual(1);
    expect(s.json.queue.oldestPendingAt).not.toBeNull();
    expect(s.json.registers.find((x: { id: string }) => x.id === 'till-1')).toMatchObject({ state: 'unconfigured', pending: 1, channel: null });
  });

  it('?wait on a register without a channel answers 202 once on disk', async () => {
    const r = await post(`${t.url}/v1/sales?wait=50`, { id: 'S-wait', registerId: 'till-2', lines: [{ name: 'Bread', price: 25000 }] });
    expect(r.status).toBe(202);
    expect((await post(`${t.url}/v1/sales?wait=abc`, { id: 'S-wait2', registerId: 'till-2', lines: [{ name: 'Bread', price: 1 }] })).json.error.fields[0].field).toBe('wait');
  });

  it('makes the sale id idempotent: the same sale twice is one sale; another body under it is refused', async () => {
    const sale = { id: 'S-2', lines: [line(codes[2].km, 45000)], registerId: 'till-1' };
    const a = await post(`${t.url}/v1/sales`, sale);
    const b = await post(`${t.url}/v1/sales`, sale);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.json.createdAt).toBe(a.json.createdAt);
    const before = (await get(`${t.url}/v1/status`)).json.queue.pending;
    await post(`${t.url}/v1/sales`, sale);
    expect((await get(`${t.url}/v1/status`)).json.queue.pending).toBe(before);
    const c = await post(`${t.url}/v1/sales`, { ...sale, lines: [line(codes[3].km, 1)] });
    expect(c.status).toBe(409);
    expect(c.json.error.code).toBe('id-conflict');
  });

  it('concurrent posts of the same sale id make one sale', async () => {
    const sale = { id: 'S-race', lines: [line(codes[4].km)], registerId: 'till-2' };
    const rs = await Promise.all(Array.from({ length: 8 }, () => post(`${t.url}/v1/sales`, sale)));
    expect(rs.every((r) => r.status === 202)).toBe(true);
    expect(new Set(rs.map((r) => r.json.createdAt)).size).toBe(1);
  });

  it('keeps each receipt on its register; several registers need a registerId', async () => {
    const { showRecord } = await import('../../src/agent/queue.js');
    const { join } = await import('node:path');
    await post(`${t.url}/v1/sales`, { id: 'S-till2', registerId: 'till-2', lines: [line(codes[11].km, 5)] });
    const db = join(t.dir, 'tanba.db');
    expect(await showRecord(db, 'S-till2')).toMatchObject({ registerId: 'till-2', receipt: { registerId: 'till-2', total: 5 } });
    const r = await post(`${t.url}/v1/sales`, { id: 'S-noreg', lines: [{ name: 'Bag', price: 5 }] });
    expect(r.status).toBe(400);
    expect(r.json.error.fields[0]).toMatchObject({ field: 'registerId', fix: expect.stringContaining('till-1') });
    expect((await post(`${t.url}/v1/sales`, { id: 'S-badreg', registerId: 'till-7', lines: [{ name: 'Bag', price: 5 }] })).json.error.code).toBe('unknown-register');
  });

  it('records a return of a sale; a code not in the sale is refused, naming it', async () => {
    const r = await post(`${t.url}/v1/returns`, { id: 'RET-1', saleId: 'S-1', lines: [line(codes[1].km, 45000)] });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ id: 'RET-1', type: 'return', saleId: 'S-1', registerId: 'till-1' });
    const again = await post(`${t.url}/v1/returns`, { id: 'RET-2', saleId: 'S-1', lines: [line(codes[1].km, 45000)] });
    expect(again.status).toBe(400);
    expect(again.json.error.fields[0]).toMatchObject({ field: 'lines.0.codes.0', problem: expect.stringContaining('already returned') });
    const other = await post(`${t.url}/v1/returns`, { id: 'RET-3', saleId: 'S-1', lines: [line(codes[9].km, 45000)] });
    expect(other.json.error.fields[0].problem).toContain('was not sold');
    const none = await post(`${t.url}/v1/returns`, { id: 'RET-4', saleId: 'S-none', lines: [line(codes[9].km, 45000)] });
    expect(none.status).toBe(404);
    expect(none.json.error.code).toBe('unknown-sale');
  });

  it('an id of 128 characters can be recorded, read back and retried; 129 is refused, naming the field', async () => {
    const long = 'L'.repeat(120) + '-0000001';
    expect(long).toHaveLength(128);
    expect((await post(`${t.url}/v1/sales`, { id: long, registerId: 'till-1', lines: [{ name: 'Bag', price: 5 }] })).status).toBe(202);
    const g = await get(`${t.url}/v1/sales/${encodeURIComponent(long)}`);
    expect(g.status).toBe(200);
    expect(g.json.id).toBe(long);
    expect((await post(`${t.url}/v1/queue/${encodeURIComponent(long)}/retry`, {})).status).toBe(404); // not a dead letter, but found the route
    const r = await post(`${t.url}/v1/sales`, { id: long + 'x', registerId: 'till-1', lines: [{ name: 'Bag', price: 5 }] });
    expect(r.status).toBe(400);
    expect(r.json.error.fields[0].field).toBe('id');
  });

  it('404 for a sale it never saw', async () => {
    const r = await get(`${t.url}/v1/sales/nope`);
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('sale-not-found');
  });

  it('400 invalid-sale for a sale with an invalid marking code, naming the line and code', async () => {
    const r = await post(`${t.url}/v1/sales`, { id: 'S-bad', registerId: 'till-1', lines: [line(codes[5].km, 1), line('hello', 1)] });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('invalid-sale');
    expect(r.json.error.fields).toEqual([expect.objectContaining({ field: 'lines.1.codes.0', problem: expect.stringContaining('not a valid marking code') })]);
    expect((await get(`${t.url}/v1/sales/S-bad`)).status).toBe(404);
  });

  it('the old items shape still works on a register without a fiscal channel', async () => {
    const r = await post(`${t.url}/v1/sales`, { id: 'S-legacy', registerId: 'till-1', items: [{ code: codes[6].km, price: 1 }] });
    expect(r.status).toBe(202);
  });

  describe('bad input → 4xx naming the field', () => {
    it('malformed JSON', async () => {
      const r = await post(`${t.url}/v1/sales`, '{"id": "x", items: [}');
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('invalid-json');
      expect(r.json.error.fields[0].field).toBe('(body)');
    });
    it('empty body', async () => {
      const r = await post(`${t.url}/v1/codes/check`, '');
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('invalid-json');
    });
    it('wrong types', async () => {
      const r = await post(`${t.url}/v1/codes/check`, { code: 5 });
      expect(r.status).toBe(400);
      expect(r.json.error.code).toBe('invalid-body');
      expect(r.json.error.fields).toEqual([expect.objectContaining({ field: 'code', problem: expect.stringContaining('expected string') })]);
    });
    it('nested wrong type and missing field', async () => {
      const r = await post(`${t.url}/v1/sales`, { id: 'S-x', registerId: 'till-1', lines: [{ name: 'A', price: '12.50' }, { price: 5 }] });
      expect(r.status).toBe(400);
      const fields = r.json.error.fields.map((f: { field: string }) => f.field);
      expect(fields).toContain('lines.0.price');
      expect(fields).toContain('lines.1.name');
      expect(r.json.error.fields.find((f: { field: string }) => f.field === 'lines.1.name').problem).toBe('is missing');
    });
    it('a negative price, a fractional quantity, an empty item list', async () => {
      const r = await post(`${t.url}/v1/sales`, { id: 'S-y', registerId: 'till-1', lines: [] });
      expect(r.status).toBe(400);
      expect(r.json.error.fields[0].field).toBe('lines');
      const r2 = await post(`${t.url}/v1/sales`, { id: 'S-y', registerId: 'till-1', lines: [{ name: 'A', price: -1, quantity: 1.0005 }] });
      expect(r2.json.error.fields.map((f: { field: string }) => f.field).sort()).toEqual(['lines.0.price', 'lines.0.quantity']);
      const r3 = await post(`${t.url}/v1/sales`, { id: 'S-y', registerId: 'till-1', line: [] });
      expect(r3.json.error.fields.find((f: { field: string }) => f.field === 'line')).toMatchObject({ problem: 'is not a known field', fix: 'rename it to "lines"' });
    });
    it('an unknown field, with a hint', async () => {
      const r = await post(`${t.url}/v1/codes/check`, { code: codes[8].km, prise: 100 });
      expect(r.status).toBe(400);
      expect(r.json.error.fields[0]).toMatchObject({ field: 'prise', problem: 'is not a known field', fix: 'rename it to "price"' });
    });
    it('a non-object body', async () => {
      const r = await post(`${t.url}/v1/sales`, '[1,2]');
      expect(r.status).toBe(400);
      expect(r.json.error.fields[0].field).toBe('(root)');
    });
    it('oversize body → 413', async () => {
      const r = await post(`${t.url}/v1/sales`, { id: 'S-big', registerId: 'till-1', lines: Array.from({ length: 200 }, () => line(codes[9].km)) });
      expect(r.status).toBe(413);
      expect(r.json.error.code).toBe('body-too-large');
    });
    it('not JSON → 415', async () => {
      const res = await fetch(`${t.url}/v1/codes/check`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      expect(res.status).toBe(415);
      expect((await res.json()).error.code).toBe('unsupported-media-type');
    });
    it('an unknown endpoint → 404 pointing to the OpenAPI document', async () => {
      const r = await get(`${t.url}/v1/nope`);
      expect(r.status).toBe(404);
      expect(r.json.error.message).toContain('/openapi.json');
    });
    it('a bad sale id in the path', async () => {
      const r = await get(`${t.url}/v1/sales/${encodeURIComponent('a b')}`);
      expect(r.status).toBe(400);
      expect(r.json.error.fields[0].field).toBe('id');
    });
  });

  it('refuses a Host that is not loopback when it has no token (DNS rebinding)', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((res, rej) => {
      const u = new URL(t.url);
      const req = request({ hostname: u.hostname, port: u.port, path: '/v1/status', headers: { host: 'evil.example:80' } }, (r) => {
        r.resume();
        res(r.statusCode ?? 0);
      });
      req.on('error', rej);
      req.end();
    });
    expect(status).toBe(403);
    expect((await get(`${t.url.replace('127.0.0.1', 'localhost')}/v1/status`)).status).toBe(200);
  });

  it('answers exactly what the OpenAPI document says (responses against the same schemas, no undocumented fields)', async () => {
    const { decisionSchema, saleViewSchema, statusSchema, parseResultSchema, errorBodySchema } = await import('../../src/agent/api-schemas.js');
    const d = await post(`${t.url}/v1/codes/check`, { code: codes[3].km });
    decisionSchema.strict().parse(d.json);
    parseResultSchema.strict().parse(d.json.code);
    const s = await post(`${t.url}/v1/sales`, { id: 'S-doc', registerId: 'till-2', lines: [line(codes[3].km, 1)] });
    saleViewSchema.strict().parse(s.json);
    saleViewSchema.strict().parse((await get(`${t.url}/v1/sales/S-doc`)).json);
    statusSchema.strict().parse((await get(`${t.url}/v1/status`)).json);
    errorBodySchema.strict().parse((await post(`${t.url}/v1/sales`, { id: 'S-doc' })).json);
  });

  it('serves an OpenAPI document generated from the schemas', async () => {
    const r = await get(`${t.url}/openapi.json`);
    expect(r.status).toBe(200);
    expect(r.json.openapi).toBe('3.1.0');
    expect(Object.keys(r.json.paths)).toEqual(expect.arrayContaining(['/v1/codes/check', '/v1/sales', '/v1/returns', '/v1/sales/{id}', '/v1/status', '/v1/events', '/metrics']));
    const sale = r.json.components.schemas.SaleRequest;
    expect(sale.required).toEqual(['id']);
    expect(sale.properties.lines.items.$ref).toBe('#/components/schemas/SaleLine');
    expect(r.json.components.schemas.SaleLine.required).toEqual(['name', 'price']);
    expect(sale.additionalProperties).toBe(false);
    expect(r.json.components.schemas.Decision.properties.verdict.enum).toEqual(['allow', 'deny', 'unknown']);
  });

  it('serves Prometheus metrics: queue, checks by verdict and source', async () => {
    const r = await get(`${t.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.text).toMatch(/^tanba_queue_depth \d+$/m);
    expect(Number(/^tanba_queue_depth (\d+)$/m.exec(r.text)![1])).toBeGreaterThanOrEqual(3);
    expect(r.text).toMatch(/^tanba_fiscal_oldest_unsent_age_seconds\{register="till-1",channel="none"\} [\d.e+-]+$/m);
    expect(r.text).toMatch(/^tanba_fiscal_queue_depth\{register="till-1",channel="none"\} [1-9]\d*$/m);
    expect(r.text).toMatch(/^tanba_checks_total\{verdict="unknown",source="\w+"\} [1-9]\d*$/m);
    expect(r.text).toMatch(/^tanba_checks_total\{verdict="deny",source="\w+"\} [1-9]\d*$/m);
    expect(r.text).toMatch(/^tanba_tracking_token_ttl_seconds -1$/m);
    expect(r.text).toMatch(/^tanba_scanners_connected 0$/m);
    expect(r.text).toContain('tanba_fiscal_send_failures_total');
    expect(r.text).toMatch(/^tanba_receipts_total\{register="till-1",type="sale",state="queued"\} [1-9]\d*$/m);
    expect(r.text).toMatch(/^tanba_ready 0$/m); // no tracking system: degraded
  });

  it('streams decisions and sale state over server-sent events', async () => {
    const es = await openEvents(`${t.url}/v1/events`);
    try {
      expect(es.contentType).toContain('text/event-stream');
      await es.next((e) => e.event === 'status');
      await post(`${t.url}/v1/codes/check`, { code: codes[10].km });
      const d = await es.next((e) => e.event === 'decision' && e.data.code.ki === codes[10].ki);
      expect(d.data.verdict).toBe('unknown');
      await post(`${t.url}/v1/sales`, { id: 'S-sse', registerId: 'till-1', lines: [line(codes[10].km, 10)] });
      const rec = await es.next((e) => e.event === 'receipt' && e.data.id === 'S-sse');
      expect(rec.data.state).toBe('queued');
      const st = await es.next((e) => e.event === 'status' && e.data.queue.pending >= 4);
      expect(st.data.queue.oldestPendingAt).not.toBeNull();
      // The stream says what /v1/status says.
      expect(st.data.state).toBe('degraded');
      expect(st.data.problems.map((p: { code: string }) => p.code)).toContain('tracking-not-configured');
    } finally {
      es.close();
    }
  });
});

describe('agent auth off loopback', () => {
  it('refuses to start off loopback without a token, naming the field', () => {
    let err: unknown;
    try {
      loadConfig({ env: {}, flags: { host: '0.0.0.0' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([expect.objectContaining({ field: 'http.token' })]);
  });

  it('requires the token on every call when bound to all interfaces', async () => {
    const token = 'test-token-0123456789abcdef';
    const t = await startTestAgent({ http: { host: '0.0.0.0', token } });
    try {
      const url = t.url; // reached through 127.0.0.1
      const no = await get(`${url}/v1/status`);
      expect(no.status).toBe(401);
      expect(no.json.error.code).toBe('unauthorized');
      expect(no.headers.get('www-authenticate')).toContain('Bearer');
      expect((await get(`${url}/v1/status`, { authorization: 'Bearer wrong-token-0123456789abc' })).status).toBe(401);
      expect((await post(`${url}/v1/codes/check`, { code: codes[11].km })).status).toBe(401);
      expect((await get(`${url}/metrics`)).status).toBe(401);
      expect((await get(`${url}/`)).status).toBe(401);
      const ok = await get(`${url}/v1/status`, { authorization: `Bearer ${token}` });
      expect(ok.status).toBe(200);
      const chk = await post(`${url}/v1/codes/check`, { code: codes[11].km }, { authorization: `Bearer ${token}` });
      expect(chk.status).toBe(200);
      expect((await get(`${url}/?token=${token}`)).status).toBe(200);
      // The query token is for what a browser cannot give a header: not for sales or the API.
      expect((await post(`${url}/v1/sales?token=${token}`, { id: 'Q-1', lines: [{ name: 'x', price: 1 }] })).status).toBe(401);
      expect((await get(`${url}/v1/status?token=${token}`)).status).toBe(401);
      const es = await openEvents(`${url}/v1/events?token=${token}`);
      expect(es.status).toBe(200);
      es.close();
      const openapi = await get(`${url}/openapi.json`, { authorization: `Bearer ${token}` });
      expect(openapi.json.security).toEqual([{ bearer: [] }]);
    } finally {
      await t.stop();
    }
  });
});

describe('agent lifecycle', () => {
  it('keeps a recorded sale across a restart and closes with an open event stream', async () => {
    const t1 = await startTestAgent({}, {});
    const dir = t1.dir;
    const es = await openEvents(`${t1.url}/v1/events`);
    const r = await post(`${t1.url}/v1/sales`, { id: 'S-keep', lines: [line(codes[0].km, 1)] });
    expect(r.status).toBe(202);
    await t1.agent.close();
    await t1.agent.terminal.close();
    expect((await fetch(`${t1.url}/v1/status`).catch((e: unknown) => e)) instanceof Error).toBe(true);
    const t2 = await startTestAgent({}, { dir });
    try {
      const g = await get(`${t2.url}/v1/sales/S-keep`);
      expect(g.status).toBe(200);
      expect(g.json.state).toBe('queued');
    } finally {
      es.close();
      await t2.stop();
      await t1.stop();
    }
  });
});
