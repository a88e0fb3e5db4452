/**
 * The official xTrace answer examples (test/fixtures/xtrace/) checked both ways: the adapter reads each
 * one, and the emulator answers with no key the documented example lacks — so the two can no longer
 * agree on an invented shape.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { canonicalJson } from '../../src/tracking/canonical-json.js';
import { isTrackingError } from '../../src/tracking/errors.js';
import { XtraceAdapter } from '../../src/tracking/xtrace/adapter.js';

const dir = new URL('../fixtures/xtrace/', import.meta.url);
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`${name}.json`, dir), 'utf8'));
const KI = '0104600439931256213ZPZKKHXT7AWC';
const DOC = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

/** Every key path of a value (array items merged), e.g. `results[].codeData.status`. */
function keyPaths(v: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(v)) {
    for (const x of v) for (const p of keyPaths(x, `${prefix}[]`)) out.add(p);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.add(p);
      for (const q of keyPaths(x, p)) out.add(q);
    }
  }
  return out;
}

function expectDocumentedKeys(answer: unknown, documented: unknown): void {
  const allowed = keyPaths(documented);
  expect([...keyPaths(answer)].filter((p) => !allowed.has(p))).toEqual([]);
}

describe('the adapter reads the documented answers', () => {
  let srv: Server;
  let url = '';
  beforeAll(async () => {
    const body = canonicalJson({ codes: [{ code: KI }], primaryDocument: { number: 'ref-1' } });
    srv = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      const send = (status: number, v: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      req.resume();
      req.on('end', () => {
        if (path === '/api/users/authenticate') return send(200, fixture('token'));
        if (path === '/public/api/cod/public/codes') return send(200, fixture('public-codes'));
        if (path === '/public/api/cod/private/codes') return send(200, fixture('private-codes'));
        if (path === '/public/api/v1/doc/withdrawal') return send(200, fixture('submit'));
        if (path === '/public/api/v1/doc/storage/docs/search') return send(200, fixture('search'));
        if (path === `/public/api/v1/doc/storage/docs/${DOC}`) return send(200, { ...(fixture('document') as object), status: 'ERROR' });
        if (path === `/public/api/v1/doc/storage/errors/${DOC}`) return send(200, fixture('errors'));
        if (path === `/public/api/v1/doc/storage/json/${DOC}`) return send(200, { documentBody: Buffer.from(body).toString('base64') });
        return send(400, fixture('globalErrors'));
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(srv.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => srv.close(() => r())));

  it('token, public and private code answers', async () => {
    const a = new XtraceAdapter({ family: 'xtrace', baseUrl: url, login: 'l', password: 'p', productGroupNames: { '5': 'lp' } });
    const t0 = Date.now();
    const [pub] = await a.checkCodes([KI]);
    expect(a.tokens!.expiresAt! - t0).toBeGreaterThanOrEqual(1_800_000 - 5);
    expect(pub).toMatchObject({ found: true, status: 'INTRODUCED', extendedStatus: 'CONNECTED', productGroupId: 5, productGroup: 'lp', issuerTin: '990140000385', ownerTin: null, blocked: null, sold: false, realizable: true, expiresAt: '2027-01-12T08:00:00Z' });
    await a.close();
    const p = new XtraceAdapter({ family: 'xtrace', baseUrl: url, login: 'l', password: 'p', usePrivateCodes: true });
    const [priv] = await p.checkCodes([KI]);
    expect(priv).toMatchObject({ found: true, status: 'WITHDRAWN', sold: true, ownerTin: '123456789012', issuerTin: '990140000385', soldAt: '2026-02-28T12:00:00.000Z', productGroupId: 5 });
    await p.close();
  });

  it('submit, search, document and errors answers', async () => {
    const a = new XtraceAdapter({ family: 'xtrace', baseUrl: url, login: 'l', password: 'p' });
    const sale = { type: 'sale' as const, reference: 'ref-1', at: '2026-03-01T10:00:00Z', items: [{ code: KI, ki: KI, km: KI, price: 100, quantity: 1 }] };
    expect(await a.submitSale(sale)).toEqual({ documentId: DOC });
    const fresh = new XtraceAdapter({ family: 'xtrace', baseUrl: url, login: 'l', password: 'p' });
    const found = await fresh.findDocuments('ref-1', '2024-01-01T00:00:00Z', '2027-01-01T00:00:00Z');
    expect(found).toEqual([expect.objectContaining({ documentId: DOC, reference: 'ref-1', state: 'success' })]);
    expect(await fresh.getDocument(DOC)).toMatchObject({ documentId: DOC, reference: 'ref-1', state: 'error', errors: [{ code: KI, message: 'string' }] });
    await a.close();
    await fresh.close();
  });

  it('the KZ error body (HTTP 400)', async () => {
    const a = new XtraceAdapter({ family: 'xtrace', baseUrl: url, login: 'l', password: 'p' });
    const e = await a.getDocument('00000000-0000-0000-0000-000000000000').catch((x: unknown) => x);
    expect(isTrackingError(e) && [e.kind, e.details.reason]).toEqual(['permanent', 'No permission for operation (errorCode 201)']);
    await a.close();
  });
});

describe('the emulator answers in the documented shapes', () => {
  let emu: Emulator;
  let token = '';
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers: { accept: '*/*', authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, json: (await res.json()) as unknown };
  };
  beforeAll(async () => {
    emu = await createEmulator({
      codes: [
        { code: KI, status: 'INTRODUCED', ownerTin: '123456789012', issuerTin: '990140000385', productGroupId: 5, extendedStatus: 'CONNECTED', expiresAt: '2027-01-12T08:00:00Z', soldAt: '2026-02-28T12:00:00.000Z' },
        { code: '0104600439931256213ZPZKKHXT7AWD', status: 'INTRODUCED', blocked: true },
      ],
    });
    const r = await call('POST', '/api/users/authenticate', { login: 'demo', password: 'demo' });
    expectDocumentedKeys(r.json, fixture('token'));
    expect(keyPaths(r.json)).toEqual(keyPaths(fixture('token')));
    token = (r.json as { accessToken: string }).accessToken;
  });
  afterAll(() => emu.close());

  it('public and private code answers', async () => {
    expectDocumentedKeys((await call('POST', '/public/api/cod/public/codes', { codes: [KI] })).json, fixture('public-codes'));
    expectDocumentedKeys((await call('POST', '/public/api/cod/private/codes', { codes: [KI] })).json, fixture('private-codes'));
  });

  it('submit, search, document and errors answers', async () => {
    const body = canonicalJson({ codes: [{ code: KI }, { code: KI }], primaryDocument: { number: 'ref-1' }, withdrawalType: 'WITHDRAWAL' });
    const sub = await call('POST', '/public/api/v1/doc/withdrawal', { documentBody: Buffer.from(body).toString('base64') });
    expect(keyPaths(sub.json)).toEqual(keyPaths(fixture('submit')));
    const id = (sub.json as { documentId: string }).documentId;
    expectDocumentedKeys((await call('GET', '/public/api/v1/doc/storage/docs/search')).json, fixture('search'));
    expectDocumentedKeys((await call('GET', `/public/api/v1/doc/storage/docs/${id}`)).json, fixture('document'));
    const errs = await call('GET', `/public/api/v1/doc/storage/errors/${id}`);
    expect((errs.json as { documentErrors: unknown[] }).documentErrors).toHaveLength(1); // the code twice
    expectDocumentedKeys(errs.json, fixture('errors'));
  });

  it('a refusal in the KZ envelope', async () => {
    const r = await call('POST', '/public/api/cod/public/codes', { codes: 'nope' });
    expect(r.status).toBe(400);
    expectDocumentedKeys(r.json, fixture('globalErrors'));
  });
});
