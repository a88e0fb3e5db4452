/**
 * The Webkassa channel over real HTTP against the Webkassa emulator: receipt bodies (Mark / MarkList,
 * taxes to the tiyn, payments), every error code the channel acts on, ambiguous sends reconciled with
 * findByKey, returns with their basis, and per-cashbox serialisation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWebkassaEmulator, type WebkassaEmulator } from '../../src/emulator/webkassa/index.js';
import {
  createWebkassaChannel,
  webkassaConfigSchema,
  webkassaDateToIso,
  webkassaExternalCheckNumber,
  type WebkassaChannel,
  type WebkassaConfigInput,
} from '../../src/fiscal/webkassa/index.js';
import { FiscalError } from '../../src/fiscal/types.js';
import { includedVat, settlePayments } from '../../src/fiscal/money.js';
import { GS, key, line, mark, receipt } from './factory.js';

const CASHBOX = 'SWK00000001';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function emulator(opts: Parameters<typeof createWebkassaEmulator>[0] = {}): Promise<WebkassaEmulator> {
  const e = await createWebkassaEmulator(opts);
  cleanup.push(() => e.close());
  return e;
}

function channel(emu: { url: string }, over: Partial<WebkassaConfigInput> = {}): WebkassaChannel {
  const config = webkassaConfigSchema.parse({
    channel: 'webkassa',
    url: emu.url,
    apiKey: 'WKD-demo',
    login: 'demo@webkassa.kz',
    password: 'demo',
    cashbox: CASHBOX,
    timeoutMs: 5_000,
    ...over,
  });
  const ch = createWebkassaChannel(config);
  cleanup.push(() => ch.close());
  return ch;
}

async function rejection(p: Promise<unknown>): Promise<FiscalError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(FiscalError);
    return e as FiscalError;
  }
  throw new Error('expected a rejection');
}

const checkCalls = (emu: WebkassaEmulator) => emu.requests().filter((r) => r.path.toLowerCase() === '/api/v4/check');

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('webkassa: receipt body', () => {
  it('sells marked (Mark, MarkList) and unmarked lines with taxes to the tiyn', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const one = mark('3A8B06OMH52K2');
    const two = [mark('t1Xrb-xQWhpeG'), mark('dTOZwQTEMrcDN')];
    const r = receipt(
      [
        line({ name: 'Marlboro', price: 50_000, codes: [one], gtin: '4870249811936', ntin: '0200000000001', productId: '14304' }),
        line({ name: 'Citramon', price: 200_000, quantity: 2, codes: two }),
        line({ name: 'Cheese, kg', price: 123_457, quantity: 0.75, unit: '166', vatRate: null }),
        line({ name: 'Delivery', price: 1_999, vatRate: 12, positionType: 'service', section: '2' }),
      ],
      {},
    );
    // Mixed payments: two cash parts are merged, the change comes from cash.
    const payments = [
      { type: 'card' as const, amount: 400_000 },
      { type: 'cash' as const, amount: 100_000 },
      { type: 'cash' as const, amount: 100_000 },
    ];
    r.payments = payments;
    const k = key();
    const res = await ch.sell(r, k);

    const [issued] = emu.receipts();
    expect(emu.receipts()).toHaveLength(1);
    expect(issued.externalCheckNumber).toBe(k);
    expect(issued.operationType).toBe(2);
    const body = issued.body as Record<string, any>;
    const [p1, p2, p3, p4] = body.Positions;
    expect(p1).toMatchObject({ Count: 1, Price: 500, TaxPercent: 12, Tax: 53.57, TaxType: 100, PositionName: 'Marlboro', SectionCode: '1', UnitCode: 796, PositionType: 0 });
    expect(p1.Mark).toBe(one.km.split(GS).join(''));
    expect(p1.MarkList).toBeUndefined();
    expect(p1).toMatchObject({ GTIN: '4870249811936', NTIN: '0200000000001', ProductId: '14304' });
    expect(p2).toMatchObject({ Count: 2, Price: 2000, Tax: 428.57, TaxType: 100 });
    expect(p2.MarkList).toEqual(two.map((c) => c.km.split(GS).join('')));
    expect(p2.Mark).toBeUndefined();
    // 0.75 × 1234.57 = 925.9275 → 925.93; no VAT.
    expect(p3).toMatchObject({ Count: 0.75, Price: 1234.57, TaxPercent: 0, Tax: 0, TaxType: 0, UnitCode: 166 });
    expect(p3.Mark).toBeUndefined();
    expect(p3.MarkList).toBeUndefined();
    // 19.99 × 12/112 = 2.1418 → 2.14.
    expect(p4).toMatchObject({ Price: 19.99, Tax: 2.14, PositionType: 2, SectionCode: '2' });
    const total = 50_000 + 400_000 + 92_593 + 1_999;
    expect(r.total).toBe(total);
    expect(body.Payments).toEqual([
      { Sum: 4000, PaymentType: 1 },
      { Sum: 2000, PaymentType: 0 },
    ]);
    expect(body.Change).toBeCloseTo((600_000 - total) / 100, 2);
    expect(body.RoundType).toBe(2);
    expect(issued.marks).toHaveLength(3);

    expect(res).toMatchObject({
      channel: 'webkassa',
      fiscalSign: issued.checkNumber,
      registrationNumber: issued.registrationNumber,
      total,
      isOffline: false,
      shift: issued.shiftNumber,
      number: issued.checkOrderNumber,
    });
    expect(res.dateTime).toBe(webkassaDateToIso(issued.data.DateTimeUTC, true));
    expect(res.dateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(typeof res.url).toBe('string');
  });

  it('keeps GS in the codes with markForm with-gs', async () => {
    const emu = await emulator();
    const ch = channel(emu, { markForm: 'with-gs' });
    const c = mark('WITHGS0000001');
    await ch.sell(receipt([line({ codes: [c] })]), key());
    const body = emu.receipts()[0].body as Record<string, any>;
    expect(body.Positions[0].Mark).toBe(c.km);
  });

  it('sends customer contacts and maps long keys to a stable ExternalCheckNumber', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const long = 'store-with-a-very-long-name:register-42:' + 'x'.repeat(60) + ' / ü';
    const r = receipt([line()], { customer: { email: 'a@b.kz', phone: '+77771234455', tin: '987654321012' } });
    await ch.sell(r, long);
    const [issued] = emu.receipts();
    expect(issued.externalCheckNumber).toBe(webkassaExternalCheckNumber(long));
    expect(issued.body).toMatchObject({ CustomerEmail: 'a@b.kz', CustomerPhone: '+77771234455', CustomerXin: '987654321012' });
  });

  it('rejects receipts it cannot express before any call', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const codes = [mark('AAAAAAAAAAAA1'), mark('AAAAAAAAAAAA2')];
    const e = await rejection(ch.sell(receipt([line({ quantity: 3, codes })]), key()));
    expect(e).toMatchObject({ kind: 'permanent', code: 'bad-receipt' });
    const under = receipt([line()], { payments: [{ type: 'cash', amount: 10 }] });
    expect(await rejection(ch.sell(under, key()))).toMatchObject({ kind: 'permanent', code: 'bad-receipt' });
    const cardChange = receipt([line()], { payments: [{ type: 'card', amount: 60_000 }] });
    expect(await rejection(ch.sell(cardChange, key()))).toMatchObject({ kind: 'permanent', code: 'bad-receipt' });
    expect(checkCalls(emu)).toHaveLength(0);
  });
});

describe('webkassa: protocol errors', () => {
  it('2: an expired token is renewed once and the call repeated', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    await ch.sell(receipt([line()]), key());
    emu.expireTokens();
    const res = await ch.sell(receipt([line()]), key());
    expect(res.fiscalSign).toBeTruthy();
    expect(emu.receipts()).toHaveLength(2);
    expect(checkCalls(emu).flatMap((r) => r.errorCodes)).toContain(2);
    expect(emu.requests().filter((r) => r.path === '/api/v4/Authorize')).toHaveLength(2);
  });

  it('3: an unknown token (emulator reset) is renewed too', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    await ch.findByKey(key(), receipt([line()]));
    emu.reset();
    const res = await ch.sell(receipt([line()]), key());
    expect(res.fiscalSign).toBeTruthy();
    expect(emu.receipts()).toHaveLength(1);
    const codes = checkCalls(emu).flatMap((r) => r.errorCodes);
    expect(codes.some((c) => c === 2 || c === 3)).toBe(true);
  });

  it('1: wrong credentials are an auth error', async () => {
    const emu = await emulator();
    const ch = channel(emu, { password: 'S3cret-not-this-one' });
    const e = await rejection(ch.sell(receipt([line()]), key()));
    expect(e).toMatchObject({ kind: 'auth', code: 'webkassa-1' });
    expect(e.message).not.toContain('S3cret');
  });

  it('11: a shift older than 24 h is closed with a Z report and the receipt sent again', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    emu.setShiftOpenedAt(CASHBOX, Date.now() - 25 * 3600_000);
    const res = await ch.sell(receipt([line()]), key());
    expect(res.fiscalSign).toBeTruthy();
    expect(emu.receipts()).toHaveLength(1);
    const paths = emu.requests().map((r) => `${r.path}${r.errorCodes.length ? ` ${r.errorCodes.join(',')}` : ''}`);
    expect(paths.filter((p) => !p.startsWith('/api/v4/Authorize'))).toEqual(['/api/v4/check 11', '/api/v4/ZReport', '/api/v4/check']);
  });

  it('11 without autoCloseShift: blocked, with advice', async () => {
    const emu = await emulator();
    const ch = channel(emu, { autoCloseShift: false });
    emu.setShiftOpenedAt(CASHBOX, Date.now() - 25 * 3600_000);
    const e = await rejection(ch.sell(receipt([line()]), key()));
    expect(e).toMatchObject({ kind: 'blocked', code: 'webkassa-11' });
    expect(e.message).toMatch(/close the shift/i);
    expect(emu.receipts()).toHaveLength(0);
    const h = await ch.health();
    expect(h.problems.map((p) => p.code)).toContain('shift-expired');
  });

  it('14: the same key twice gives the receipt already issued, never a second one', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const r = receipt([line({ codes: [mark('DUPLICATE0001')] })]);
    const k = key();
    const first = await ch.sell(r, k);
    const again = await ch.sell(r, k);
    expect(again).toEqual(first);
    expect(emu.receipts()).toHaveLength(1);
    expect(checkCalls(emu).flatMap((x) => x.errorCodes)).toContain(14);
  });

  it('18: autonomous for more than 72 h is blocked, and health says so', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    emu.setFaults({ offlineSince: Date.now() - 73 * 3600_000 });
    const e = await rejection(ch.sell(receipt([line()]), key()));
    expect(e).toMatchObject({ kind: 'blocked', code: 'webkassa-18' });
    expect(e.message).toMatch(/72 hours/);
    expect(e.message).toMatch(/internet|OFD/);
    expect(emu.receipts()).toHaveLength(0);
    const h = await ch.health();
    expect(h.ok).toBe(false);
    expect(h.problems.map((p) => p.code)).toContain('fiscal-blocked-72h');
  });

  it('offline: receipts are issued autonomously and flagged', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    emu.setFaults({ offline: true });
    const res = await ch.sell(receipt([line()]), key());
    expect(res.isOffline).toBe(true);
    expect(emu.receipts()[0].offline).toBe(true);
    const h = await ch.health();
    expect(h.offline).toBe(true);
  });

  it('7: a blocked cashbox is blocked', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    emu.setFaults({ blockedCashboxes: [CASHBOX] });
    const e = await rejection(ch.sell(receipt([line()]), key()));
    expect(e).toMatchObject({ kind: 'blocked', code: 'webkassa-7' });
  });

  it('505: the call moves to an alternative domain, which is remembered', async () => {
    const alt = await emulator();
    const primary = await emulator({ faults: { domainUnavailable: { alternatives: [new URL(alt.url).host] } } });
    const ch = channel(primary);
    const a = await ch.sell(receipt([line()]), key());
    const b = await ch.sell(receipt([line()]), key());
    expect(primary.receipts()).toHaveLength(0);
    expect(alt.receipts().map((r) => r.checkNumber)).toEqual([a.fiscalSign, b.fiscalSign]);
    // After the switch, the primary is not asked again.
    expect(primary.requests().filter((r) => r.path === '/api/v4/check')).toHaveLength(0);
    expect(primary.requests()).toHaveLength(1);
  });

  it('505: configured alternativeUrls are tried after the header; none working → transient', async () => {
    const port = await closedPort();
    const alt = await emulator();
    const primary = await emulator({ faults: { domainUnavailable: { alternatives: [`127.0.0.1:${port}`] } } });
    const ch = channel(primary, { alternativeUrls: [alt.url] });
    await ch.sell(receipt([line()]), key());
    expect(alt.receipts()).toHaveLength(1);

    const lone = await emulator({ faults: { domainUnavailable: { alternatives: [`127.0.0.1:${port}`] } } });
    const ch2 = channel(lone);
    const e = await rejection(ch2.sell(receipt([line()]), key()));
    expect(e).toMatchObject({ kind: 'transient', code: 'webkassa-505' });
  });

  it('data errors are permanent with the texts: a return whose basis matches no sale', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const sold = await ch.sell(receipt([line({ codes: [mark('BASISMISSING1')] })]), key());
    const bogus = { ...sold, fiscalSign: '999999999999', total: 1 };
    const e = await rejection(ch.refund(receipt([line({ codes: [mark('BASISMISSING1')] })], { type: 'return' }), bogus, key()));
    expect(e.kind).toBe('permanent');
    expect(e.code).toMatch(/^webkassa-/);
    expect(e.message).toMatch(/Webkassa error -?\d+ \S/);
  });

  it('HTTP failures: 500 unknown-result, 503/429 transient, refused transient', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    await ch.health();
    emu.setFaults({ errorRate: 1, errorStatus: 500 });
    expect(await rejection(ch.sell(receipt([line()]), key()))).toMatchObject({ kind: 'unknown-result', code: 'http-500' });
    emu.setFaults({ errorRate: 1, errorStatus: 429 });
    expect(await rejection(ch.sell(receipt([line()]), key()))).toMatchObject({ kind: 'transient', code: 'rate-limited' });
    emu.setFaults({ outage: true });
    expect(await rejection(ch.sell(receipt([line()]), key()))).toMatchObject({ kind: 'transient', code: 'http-503' });
    emu.setFaults({});
    const port = await closedPort();
    const dead = channel({ url: `http://127.0.0.1:${port}` });
    expect(await rejection(dead.sell(receipt([line()]), key()))).toMatchObject({ kind: 'transient', code: 'network' });
    const h = await dead.health();
    expect(h.ok).toBe(false);
    expect(h.problems[0].code).toBe('fiscal-unreachable');
  });

  it('a non-JSON answer to /check is unknown-result bad-answer', async () => {
    // Not a Webkassa fake: an endpoint that answers garbage, to see the classification.
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(req.url?.includes('Authorize') ? JSON.stringify({ Data: { Token: 't' }, Errors: [] }) : '<html>gateway</html>');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
    const ch = channel({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    expect(await rejection(ch.sell(receipt([line()]), key()))).toMatchObject({ kind: 'unknown-result', code: 'bad-answer' });
    expect(await rejection(ch.findByKey(key(), receipt([line()])))).toMatchObject({ kind: 'transient', code: 'bad-answer' });
  });
});

describe('webkassa: ambiguous sends and reconciliation', () => {
  it('19: findByKey of a key never sent is null', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    expect(await ch.findByKey(key(), receipt([line()]))).toBeNull();
  });

  it('a timeout after the request is unknown-result; findByKey then finds the one receipt', async () => {
    const emu = await emulator();
    const ch = channel(emu, { timeoutMs: 300 });
    await ch.health(); // authorise before the fault
    emu.setFaults({ hangAfterIssueMs: 1_500 });
    const r = receipt([line({ codes: [mark('HANGHANGHANG1')] })]);
    const k = key();
    const e = await rejection(ch.sell(r, k));
    expect(e).toMatchObject({ kind: 'unknown-result', code: 'timeout' });
    emu.setFaults({});
    // Webkassa may still be busy with the timed-out call: the lookup answers 9 (sequence) → transient, and the
    // caller asks again later (here: polled through the public API).
    let found: Awaited<ReturnType<typeof ch.findByKey>> = null;
    await vi.waitFor(async () => {
      found = await ch.findByKey(k, r);
    }, { timeout: 5_000, interval: 100 });
    expect(found).not.toBeNull();
    expect(found!.fiscalSign).toBe(emu.receipts()[0].checkNumber);
    expect(found!.total).toBe(r.total);
    // Sending again under the same key is safe too: 14 → the same receipt.
    const again = await ch.sell(r, k);
    expect(again.fiscalSign).toBe(found!.fiscalSign);
    expect(emu.receipts()).toHaveLength(1);
  });

  it('a reset after the body is unknown-result; findByKey then finds the one receipt', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    await ch.health();
    emu.setFaults({ resetConnections: true, cashbox: CASHBOX });
    const r = receipt([line()]);
    const k = key();
    const e = await rejection(ch.sell(r, k));
    expect(e).toMatchObject({ kind: 'unknown-result', code: 'connection-reset' });
    emu.setFaults({});
    const found = await ch.findByKey(k, r);
    expect(found?.fiscalSign).toBe(emu.receipts()[0].checkNumber);
    expect(emu.receipts()).toHaveLength(1);
  });
});

describe('webkassa: returns, health, serialisation', () => {
  it('a return carries the basis of its sale and the codes sold', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const c = mark('RETURNED00001');
    const sale = receipt([line({ name: 'Terea', codes: [c] }), line({ name: 'Bag', price: 1_000 })]);
    const sold = await ch.sell(sale, key());
    const ret = receipt([line({ name: 'Terea', codes: [c] })], { type: 'return', saleId: sale.id });
    const back = await ch.refund(ret, sold, key());
    expect(back.fiscalSign).not.toBe(sold.fiscalSign);
    const issued = emu.receipts()[1];
    expect(issued.operationType).toBe(3);
    expect(issued.returnBasis).toEqual({
      CheckNumber: sold.fiscalSign,
      DateTime: sold.dateTime,
      RegistrationNumber: sold.registrationNumber,
      Total: sale.total / 100,
      IsOffline: false,
    });
    expect(issued.marks).toEqual([c.km.split(GS).join('')]);
  });

  it('health is ok with a working cashbox and never rejects', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const h = await ch.health();
    expect(h.ok).toBe(true);
    expect(h.problems.filter((p) => p.code !== 'license-expiring')).toEqual([]);
    const bad = channel(emu, { password: 'nope' });
    const hb = await bad.health();
    expect(hb.ok).toBe(false);
    expect(hb.problems[0].code).toBe('fiscal-auth');
  });

  it('calls on one instance never overlap (the emulator answers 9 on overlap)', async () => {
    const emu = await emulator({ faults: { latencyMs: 30 } });
    const ch = channel(emu);
    const r1 = receipt([line({ codes: [mark('OVERLAP000001')] })]);
    const r2 = receipt([line()]);
    const [a, h, f, b] = await Promise.all([ch.sell(r1, key()), ch.health(), ch.findByKey(key(), r2), ch.sell(r2, key())]);
    expect(a.fiscalSign).toBeTruthy();
    expect(b.fiscalSign).toBeTruthy();
    expect(h.ok).toBe(true);
    expect(f).toBeNull();
    expect(emu.requests().flatMap((r) => r.errorCodes)).not.toContain(9);
    expect(emu.receipts()).toHaveLength(2);
  });
});

describe('webkassa: logging', () => {
  it('logs no secrets and no customer contacts, even through re-auth and errors', async () => {
    const emu = await emulator();
    const lines: string[] = [];
    const log = (obj: object, msg?: string) => lines.push(JSON.stringify(obj) + ' ' + (msg ?? ''));
    const logger = { debug: log, info: log, warn: log, error: log };
    const config = webkassaConfigSchema.parse({ channel: 'webkassa', url: emu.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', password: 'demo', cashbox: CASHBOX });
    const ch = createWebkassaChannel(config, { logger });
    cleanup.push(() => ch.close());
    const r = receipt([line()], { customer: { email: 'buyer@mail.kz', phone: '+77770001122', tin: '870101300123' } });
    await ch.sell(r, key());
    emu.expireTokens();
    emu.setShiftOpenedAt(CASHBOX, Date.now() - 25 * 3600_000);
    await ch.sell(r, key());
    emu.setFaults({ blockedCashboxes: [CASHBOX] });
    await ch.sell(r, key()).catch(() => {});
    await ch.health();
    expect(lines.length).toBeGreaterThan(5);
    const all = lines.join('\n');
    for (const secret of ['WKD-demo', '"demo"', 'buyer@mail.kz', '+77770001122', '870101300123', 'Token']) expect(all).not.toContain(secret);
  });
});

describe('webkassa: pure helpers', () => {
  it('ExternalCheckNumber mapping is deterministic, ≤ 50 chars, in the allowed set', () => {
    expect(webkassaExternalCheckNumber('store-1:till-1:42')).toBe('store-1:till-1:42');
    const long = 'k'.repeat(51);
    const m = webkassaExternalCheckNumber(long);
    expect(m).toHaveLength(50);
    expect(m).toMatch(/^[A-Za-z0-9._:-]+$/);
    expect(webkassaExternalCheckNumber(long)).toBe(m);
    expect(webkassaExternalCheckNumber('k'.repeat(52))).not.toBe(m);
    expect(webkassaExternalCheckNumber('a b')).toMatch(/^tanba-[0-9a-f]{44}$/);
  });

  it('VAT included in the price, rounded half-up to the tiyn', () => {
    expect(includedVat(50_000, 12)).toBe(5_357);
    expect(includedVat(400_000, 12)).toBe(42_857);
    expect(includedVat(112, 12)).toBe(12);
    expect(includedVat(56, 12)).toBe(6); // 6.0 exactly
    expect(includedVat(14, 12)).toBe(2); // 1.5 → 2
    expect(includedVat(1_000, null)).toBe(0);
    expect(includedVat(12_000, 20)).toBe(2_000);
  });

  it('payments: merged per type, change from cash only', () => {
    expect(settlePayments([], 500)).toEqual({ payments: [{ type: 'cash', amount: 500 }], taken: 500, change: 0 });
    expect(settlePayments([{ type: 'cash', amount: 300 }, { type: 'card', amount: 100 }, { type: 'cash', amount: 300 }], 500)).toEqual({
      payments: [{ type: 'cash', amount: 600 }, { type: 'card', amount: 100 }],
      taken: 700,
      change: 200,
    });
  });

  it('dates: DateTime is +05:00, DateTimeUTC is UTC', () => {
    expect(webkassaDateToIso('02.07.2026 18:45:00', false)).toBe('2026-07-02T13:45:00.000Z');
    expect(webkassaDateToIso('02.07.2026 13:45:00', true)).toBe('2026-07-02T13:45:00.000Z');
    expect(webkassaDateToIso('2025-09-05T06:22:21.567Z', false)).toBe('2025-09-05T06:22:21.567Z');
    expect(webkassaDateToIso('whenever', false)).toBe('whenever');
  });
});

describe('webkassa: cashboxes of one account', () => {
  it('share one token (a new Authorize revokes the last): no refusal storm, one Authorize for all', async () => {
    const emu = await emulator();
    const a = channel(emu, { cashbox: 'SWK00000001' });
    const b = channel(emu, { cashbox: 'SWK00000002' });
    const c = channel(emu, { cashbox: 'SWK00000003' });
    for (let i = 0; i < 10; i++) await Promise.all([a, b, c].map((ch, j) => ch.sell(receipt([line({ codes: [mark(`SHR${i}${j}AAAAAAAAAA`)] })]), key())));
    const auth = emu.requests().filter((r) => r.path === '/api/v4/Authorize');
    expect(auth).toHaveLength(1);
    expect(emu.requests().filter((r) => r.errorCodes.includes(2) || r.errorCodes.includes(3))).toEqual([]);
    expect(emu.receipts()).toHaveLength(30);
    // When the token does expire, the three renew it once between them.
    emu.expireTokens();
    await Promise.all([a, b, c].map((ch, j) => ch.sell(receipt([line({ codes: [mark(`SHX${j}AAAAAAAAAAA`)] })]), key())));
    expect(emu.requests().filter((r) => r.path === '/api/v4/Authorize')).toHaveLength(2);
  });
});
