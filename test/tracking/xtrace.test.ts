/**
 * The xTrace adapter against the emulator over real HTTP, item by item of the official KZ description
 * (xTrace ver.1.0) as shared/reference/tracking-fidelity.md §3 / §6.2 transcribes it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { InternalAxiosRequestConfig } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decide, type RuleSettings } from '../../src/decision/rules.js';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { parseCode } from '../../src/marking/index.js';
import { SOLD_STATUSES, XTRACE_STATUSES } from '../../src/tracking/common.js';
import { isTrackingError } from '../../src/tracking/errors.js';
import { createTrackingSystem } from '../../src/tracking/factory.js';
import { XtraceAdapter } from '../../src/tracking/xtrace/adapter.js';
import type { XtraceConfig } from '../../src/tracking/config.js';
import { ki, km, manualClock, returnDoc, saleDoc } from './helpers.js';

const SELLER = '123456789012';
const ISSUER = '990140000385';

let emu: Emulator;
let xt: XtraceAdapter;
const open: { close(): Promise<void> }[] = [];

function adapter(extra: Partial<XtraceConfig> = {}, on: Emulator = emu): XtraceAdapter {
  const a = new XtraceAdapter({ family: 'xtrace', baseUrl: on.url, login: 'demo', password: 'demo', retry: { baseDelayMs: 1 }, ...extra });
  open.push(a);
  return a;
}

/** Every request the adapter puts on the wire. */
function wire(a: XtraceAdapter): InternalAxiosRequestConfig[] {
  const seen: InternalAxiosRequestConfig[] = [];
  a.http.axios.interceptors.request.use((cfg) => {
    seen.push(cfg);
    return cfg;
  });
  return seen;
}

async function raw(path: string, body: unknown, token: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${emu.url}${path}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json().catch(() => null) };
}

async function token(): Promise<string> {
  const r = await fetch(`${emu.url}/api/users/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'demo', password: 'demo' }) });
  return ((await r.json()) as { accessToken: string }).accessToken;
}

beforeEach(async () => {
  emu = await createEmulator();
  emu.seedCodes([
    { code: km(1), status: 'INTRODUCED', ownerTin: SELLER, issuerTin: ISSUER, mrp: 150_000, productGroupId: 5 },
    { code: ki(2), status: 'INTRODUCED', blocked: true },
    { code: ki(3), status: 'WITHDRAWN' },
    { code: ki(4), status: 'INTRODUCED', expiresAt: '2026-01-01T00:00:00Z' },
  ]);
  xt = createTrackingSystem({ country: 'KZ', baseUrl: emu.url, login: 'demo', password: 'demo', retry: { baseDelayMs: 1 } }) as XtraceAdapter;
  open.push(xt);
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  await emu.close();
});

describe('xtrace: the factory', () => {
  it('picks xtrace for KZ and UZ', () => {
    expect(xt.family).toBe('xtrace');
    const uz = createTrackingSystem({ country: 'UZ', baseUrl: emu.url, apiKey: 'demo-api-key' });
    open.push(uz as XtraceAdapter);
    expect(uz.family).toBe('xtrace');
    expect(uz.limits.requestsPerMinute).toBe(100);
  });
});

describe('xtrace: the token answer', () => {
  it('reads accessTokenExpiresIn (ms, a string) for the token lifetime', async () => {
    await emu.close();
    const clock = manualClock();
    emu = await createEmulator({ now: clock.now, xtraceTokenTtlSeconds: 600, codes: [{ code: ki(1), status: 'INTRODUCED' }] });
    const a = adapter({ now: clock.now });
    await a.checkCodes([ki(1)]);
    expect(a.tokens!.expiresAt).toBe(clock.now() + 600_000);
  });
});

describe('xtrace: public/codes', () => {
  it('sends the KI (no crypto tail) for a scanned KM, and checkForm gives the KI of a parsed code', async () => {
    const seen = wire(xt);
    const [a] = await xt.checkCodes([km(1)]);
    expect(a).toMatchObject({ code: km(1), ki: ki(1), found: true, status: 'INTRODUCED' });
    const call = seen.find((c) => c.url === '/public/api/cod/public/codes')!;
    expect(JSON.parse(String(call.data))).toEqual({ codes: [ki(1)] });
    expect(xt.checkForm(parseCode(km(1)))).toBe(ki(1));
  });

  it('UZ: a full scanned code (GS, crypto tail) is checked as its KI and allowed', async () => {
    await emu.close();
    emu = await createEmulator({ xtraceCountry: 'UZ', codes: [{ code: ki(1), status: 'INTRODUCED' }] });
    const uz = createTrackingSystem({ country: 'UZ', baseUrl: emu.url, apiKey: 'demo-api-key' }) as XtraceAdapter;
    open.push(uz);
    const parsed = parseCode(km(1));
    const [s] = await uz.checkCodes([uz.checkForm(parsed)]);
    const out = decide({ code: parsed, online: s, cached: null, soldHere: false, blockedLocally: false, now: new Date() }, { timeZone: 'Asia/Tashkent', sellerTin: null, checkOwner: false, minPrices: {}, unknownPolicy: 'allow' });
    expect([s.found, out.verdict]).toEqual([true, 'allow']);
  });

  it('the emulator, like UZ, answers [] for a code with its crypto tail and for an unknown code (omitted, no error item)', async () => {
    const t = await token();
    expect(await raw('/public/api/cod/public/codes', { codes: [km(1)] }, t)).toEqual({ status: 200, json: [] });
    expect(await raw('/public/api/cod/public/codes', { codes: [ki(99), ki(1)] }, t)).toMatchObject({ status: 200, json: [{ code: ki(1) }] });
  });

  it('an omitted code is not found; the others are matched by KI whatever their order', async () => {
    const res = await xt.checkCodes([ki(99), km(1), ki(3)]);
    expect(res.map((r) => [r.code, r.found, r.status])).toEqual([
      [ki(99), false, null],
      [km(1), true, 'INTRODUCED'],
      [ki(3), true, 'WITHDRAWN'],
    ]);
  });

  it('reads only the documented fields: productGroupId (integer), issuerShortInfo is the issuer (not the owner), expirationDate', async () => {
    const t = await token();
    const { json } = await raw('/public/api/cod/public/codes', { codes: [ki(1)] }, t);
    const item = (json as Record<string, unknown>[])[0];
    const documented = ['code', 'template', 'isHadExtendedCode', 'productId', 'productGroupId', 'categoryId', 'packageType', 'status', 'extendedStatus', 'emissionDate', 'issueDate', 'issuerShortInfo', 'productionDate', 'expirationDate', 'productSeries', 'mixedProductGroups', 'mixedCategories', 'gtin', 'aggregateProductGroups', 'aggregateCategories'];
    for (const k of Object.keys(item)) expect(documented).toContain(k);
    expect(item.productGroupId).toBe(5);

    const mapped = adapter({ productGroupNames: { '5': 'lp' } });
    const [a] = await mapped.checkCodes([km(1)]);
    expect(a).toMatchObject({ productGroupId: 5, productGroup: 'lp', issuerTin: ISSUER, ownerTin: null, blocked: null, mrp: null, minPrice: null });
    const [plain] = await xt.checkCodes([km(1)]);
    expect(plain.productGroup).toBeNull(); // an unmapped id is no group (the rules then use the code's own)
    const [b, d] = await xt.checkCodes([ki(2), ki(4)]);
    expect(b.blocked).toBeNull(); // the emulator knows it is blocked; the public answer does not say so
    expect(d.expiresAt).toBe('2026-01-01T00:00:00Z');
  });
});

describe('xtrace: the status vocabulary and one definition of "sold"', () => {
  const settings: RuleSettings = { timeZone: 'Asia/Almaty', sellerTin: SELLER, checkOwner: true, minPrices: {}, unknownPolicy: 'allow' };

  it.each([
    ['RECEIVED', 'deny', ['not-in-circulation']],
    ['EMITTED', 'deny', ['not-in-circulation']],
    ['APPLIED', 'deny', ['not-in-circulation']],
    ['INTRODUCED', 'allow', []],
    ['WITHDRAWN', 'deny', ['already-sold']],
    ['WRITTEN_OFF', 'deny', ['not-in-circulation']],
    ['RETIRED', 'deny', ['already-sold']],
  ])('%s → %s %j', async (status, verdict, reasons) => {
    emu.seedCodes([{ code: ki(50), status }]);
    const [s] = await xt.checkCodes([km(50)]);
    expect(s.sold).toBe(SOLD_STATUSES.has(status));
    const out = decide({ code: parseCode(km(50)), online: s, cached: null, soldHere: false, blockedLocally: false, now: new Date('2026-03-01T10:00:00Z') }, settings);
    expect([out.verdict, out.reasons]).toEqual([verdict, reasons]);
  });

  it('every documented status has one answer for "sold", the same set the rules use', () => {
    const sold = [...new Set([...XTRACE_STATUSES.KZ, ...XTRACE_STATUSES.UZ])].filter((s) => SOLD_STATUSES.has(s)).sort();
    expect(sold).toEqual(['RETIRED', 'WITHDRAWN']);
  });

  it('INTRODUCED under WAIT_SHIPMENT / CUSTOMS_CONTROL may not be sold (configurable)', async () => {
    emu.seedCodes([
      { code: ki(60), status: 'INTRODUCED', extendedStatus: 'WAIT_SHIPMENT' },
      { code: ki(61), status: 'INTRODUCED', extendedStatus: 'CUSTOMS_CONTROL' },
      { code: ki(62), status: 'INTRODUCED', extendedStatus: 'CONNECTED' },
    ]);
    const res = await xt.checkCodes([ki(60), ki(61), ki(62)]);
    expect(res.map((r) => [r.extendedStatus, r.realizable])).toEqual([
      ['WAIT_SHIPMENT', false],
      ['CUSTOMS_CONTROL', false],
      ['CONNECTED', true],
    ]);
    const lax = adapter({ notSellableExtendedStatuses: [] });
    expect((await lax.checkCodes([ki(60)]))[0].realizable).toBe(true);
  });
});

describe('xtrace: private/codes', () => {
  it('gives the owner (turnoverData.ownerInfo) and the issuer separately', async () => {
    const priv = adapter({ usePrivateCodes: true });
    const [a] = await priv.checkCodes([km(1)]);
    expect(a).toMatchObject({ found: true, ownerTin: SELLER, issuerTin: ISSUER, productGroupId: 5, sold: false });
    expect(emu.stats().byRoute['POST /public/api/cod/private/codes']).toBe(1);
  });

  it('a sale date from a receipt (markingData.receiptDate) is a sale, even while the status still says INTRODUCED', async () => {
    emu.seedCodes([{ code: ki(70), status: 'INTRODUCED', soldAt: '2026-02-28T12:00:00.000Z' }]);
    const priv = adapter({ usePrivateCodes: true });
    const [s] = await priv.checkCodes([ki(70)]);
    expect(s).toMatchObject({ status: 'INTRODUCED', sold: true, soldAt: '2026-02-28T12:00:00.000Z', realizable: false });
  });

  it('a withdrawal sets turnoverData.withdrawalDate; a later return makes it sellable again', async () => {
    const priv = adapter({ usePrivateCodes: true });
    await priv.submitSale(saleDoc('w-1', [1]));
    await priv.getDocument(emu.state.documents[0].documentId);
    const [sold] = await priv.checkCodes([ki(1)]);
    expect(sold).toMatchObject({ status: 'WITHDRAWN', sold: true });
    expect(sold.soldAt).toEqual(expect.any(String));
    await priv.submitReturn(returnDoc('r-1', 'w-1', [1]));
    await priv.getDocument(emu.state.documents[1].documentId);
    const [back] = await priv.checkCodes([ki(1)]);
    expect(back).toMatchObject({ status: 'INTRODUCED', sold: false, realizable: true });
  });

  it('falls back to public on 307 (no MARKING-CODE.READ) and remembers it', async () => {
    await emu.close();
    emu = await createEmulator({ users: [{ login: 'u', password: 'p' }], codes: [{ code: ki(1), status: 'INTRODUCED', ownerTin: SELLER }] });
    const pub = adapter({ login: 'u', password: 'p', usePrivateCodes: true });
    const [b] = await pub.checkCodes([km(1)]);
    expect(b).toMatchObject({ status: 'INTRODUCED', ownerTin: null });
    await pub.checkCodes([ki(1)]);
    expect(emu.stats().byRoute['POST /public/api/cod/private/codes']).toBe(1);
    expect(emu.stats().byRoute['POST /public/api/cod/public/codes']).toBe(2);
  });

  it('public codes without a token when configured (unconfirmed fact)', async () => {
    await emu.close();
    emu = await createEmulator({ publicCodesNeedAuth: false, codes: [{ code: ki(1), status: 'INTRODUCED' }] });
    const anon = adapter({ publicCodesAuth: false });
    expect((await anon.checkCodes([ki(1)]))[0].found).toBe(true);
    expect(emu.stats().logins).toBe(0);
  });
});

describe('xtrace: documents', () => {
  it('submit: {documentBody} only (signature reserved, not passed); the answer {documentId}', async () => {
    const seen = wire(xt);
    const { documentId } = await xt.submitSale(saleDoc('receipt-1', [1]));
    const post = seen.find((c) => c.url === '/public/api/v1/doc/withdrawal')!;
    const sent = JSON.parse(String(post.data)) as Record<string, unknown>;
    expect(Object.keys(sent)).toEqual(['documentBody']);
    const body = JSON.parse(Buffer.from(String(sent.documentBody), 'base64').toString('utf8')) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([...Object.keys(body)].sort());
    expect(body.primaryDocument).toMatchObject({ number: 'receipt-1' });
    expect(documentId).toBe(emu.state.documents[0].documentId);
    expect(await xt.getDocument(documentId)).toMatchObject({ documentId, reference: 'receipt-1', state: 'success', errors: [] });
  });

  it('the test signer only when chosen explicitly — never because the URL is loopback', async () => {
    const signed = adapter({ testSigner: true });
    const seen = wire(signed);
    await signed.submitSale(saleDoc('s-1', [1]));
    const sent = JSON.parse(String(seen.find((c) => c.url === '/public/api/v1/doc/withdrawal')!.data)) as Record<string, unknown>;
    expect(typeof sent.signature).toBe('string');
    expect(emu.documents()).toHaveLength(1);
  });

  it('a rejected document: documentErrors (with errorTags) reach the record reasons, by code', async () => {
    const { documentId } = await xt.submitSale(saleDoc('r-2', [3, 1, 2, 77]));
    const info = await xt.getDocument(documentId);
    expect(info.state).toBe('partial');
    expect(info.errors).toEqual([
      { code: ki(3), message: 'code-already-withdrawn' },
      { code: ki(2), message: 'code-blocked' },
      { code: ki(77), message: 'code-not-found' },
    ]);
    const again = await xt.submitSale(saleDoc('r-3', [1]));
    const info2 = await xt.getDocument(again.documentId);
    expect(info2.state).toBe('error');
    expect(info2.errors).toEqual([{ code: ki(1), message: 'code-already-withdrawn' }]);
  });
});

describe('xtrace: the document search (reconciliation)', () => {
  const window = () => ({ from: new Date(Date.now() - 60_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });

  it('reads documentInfos, follows the UUID cursor page by page, sends the types filter', async () => {
    const { from, to } = window();
    emu.seedCodes(Array.from({ length: 11 }, (_, i) => ({ code: ki(100 + i), status: 'INTRODUCED' })));
    for (let i = 0; i < 11; i++) await xt.submitSale(saleDoc(`doc-${i}`, [100 + i]));
    await xt.submitReturn(returnDoc('doc-5', 'doc-4', [104])); // same reference, another type: filtered out
    const fresh = adapter({ searchPageSize: 4 }); // knows nothing locally
    const seen = wire(fresh);
    const found = await fresh.findDocuments('doc-9', from, to);
    expect(found.map((f) => [f.reference, f.state])).toEqual([['doc-9', 'success']]);
    const searches = seen.filter((c) => c.url === '/public/api/v1/doc/storage/docs/search');
    expect(searches.map((c) => c.params.cursor ?? null)).toEqual([null, emu.state.documents[3].documentId, emu.state.documents[7].documentId]);
    expect(searches.every((c) => c.params.types === 'WITHDRAWAL' && c.params.limit === 4)).toBe(true);
    expect((await fresh.findDocuments('doc-5', from, to)).map((f) => f.raw)).toEqual([expect.objectContaining({ type: 'WITHDRAWAL' })]);
    expect(await fresh.findDocuments('zzz', from, to)).toEqual([]);
  });

  it('a search that hits the page cap is "still unknown", never "absent"', async () => {
    const { from, to } = window();
    for (let i = 0; i < 7; i++) await xt.submitSale(saleDoc(`cap-${i}`, [200 + i]));
    const capped = adapter({ searchPageSize: 3, searchMaxPages: 2 }); // 6 documents seen, a 7th exists
    const e = await capped.findDocuments('cap-6', from, to).then(
      () => null,
      (err: unknown) => err,
    );
    expect(isTrackingError(e) && [e.kind, e.code]).toEqual(['transient', 'search-incomplete']);
    const absent = await capped.findDocuments('nowhere', from, to).catch((err: unknown) => err);
    expect(isTrackingError(absent) && absent.code).toBe('search-incomplete'); // not []
    const enough = adapter({ searchPageSize: 3, searchMaxPages: 3 });
    expect((await enough.findDocuments('cap-6', from, to)).map((f) => f.reference)).toEqual(['cap-6']);
    expect(await enough.findDocuments('nowhere', from, to)).toEqual([]); // complete: absent is known
  });

  it('an answer without documentInfos is a bad answer, not an empty list', async () => {
    const srv = await stub((req, send) => {
      if (req.url?.startsWith('/api/users/authenticate')) return send(200, { accessToken: 'a', accessTokenType: 'BEARER', accessTokenExpiresIn: '1800000', refreshToken: 'r' });
      return send(200, { items: [], nextCursor: null }); // the old invented shape
    });
    const a = new XtraceAdapter({ family: 'xtrace', baseUrl: srv.url, login: 'x', password: 'y', retry: { retries: 0 } });
    open.push(a);
    const e = await a.findDocuments('r', new Date(0).toISOString(), new Date().toISOString()).catch((err: unknown) => err);
    expect(isTrackingError(e) && [e.kind, e.code]).toEqual(['permanent', 'bad-answer']);
  });
});

describe('xtrace: KZ error bodies', () => {
  it('HTTP 400 {globalErrors:[{error, errorCode}]} is permanent, with its reason', async () => {
    const srv = await stub((req, send) => {
      if (req.url?.startsWith('/api/users/authenticate')) return send(200, { accessToken: 'a', accessTokenType: 'BEARER', accessTokenExpiresIn: '1800000', refreshToken: 'r' });
      return send(400, { globalErrors: [{ error: 'No permission for operation', errorCode: 201 }] });
    });
    const a = new XtraceAdapter({ family: 'xtrace', baseUrl: srv.url, login: 'x', password: 'y', retry: { retries: 3, baseDelayMs: 1 } });
    open.push(a);
    const e = await a.checkCodes([ki(1)]).catch((err: unknown) => err);
    expect(isTrackingError(e) && { kind: e.kind, reason: e.details.reason, status: e.details.status }).toEqual({
      kind: 'permanent',
      reason: 'No permission for operation (errorCode 201)',
      status: 400,
    });
    expect(srv.requests()).toBe(2); // authenticate + one call: not retried
  });

  it('the emulator refuses in the same envelope', async () => {
    const e = await adapter({ limits: { maxCodesPerCheck: 5000 } })
      .checkCodes(Array.from({ length: 1001 }, (_, i) => ki(i)))
      .catch((err: unknown) => err);
    expect(isTrackingError(e) && [e.kind, e.details.reason]).toEqual(['permanent', 'invalid-input-parameter: at most 1000 codes per request']);
  });
});

describe('xtrace: health', () => {
  it('reports ok with the token expiry', async () => {
    const h = await xt.health();
    expect(h.ok).toBe(true);
    expect(h.tokenExpiresAt).not.toBeNull();
  });
});

/** A one-off HTTP server on 127.0.0.1, port 0. */
async function stub(handle: (req: IncomingMessage, send: (status: number, body: unknown) => void) => void): Promise<{ url: string; requests(): number; close(): Promise<void> }> {
  let n = 0;
  const srv: Server = createServer((req, res) => {
    n++;
    req.resume();
    req.on('end', () =>
      handle(req, (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      }),
    );
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const s = {
    url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`,
    requests: () => n,
    close: () => new Promise<void>((r) => srv.close(() => r())),
  };
  open.push(s);
  return s;
}
