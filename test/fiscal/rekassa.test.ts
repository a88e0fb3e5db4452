/**
 * The re:Kassa channel over real HTTP against the re:Kassa emulator: KGD-JSON ticket bodies (Money,
 * ×1000 quantities, taxes, excise stamps, +05:00 date), login and re-login, shift expiry, BLOCKED,
 * X-Request-ID replays (findByKey), ambiguous sends, returns with parentTicket, and serialisation.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRekassaEmulator, type RekassaEmulator } from '../../src/emulator/rekassa/index.js';
import {
  createRekassaChannel,
  kgdDateTime,
  rekassaConfigSchema,
  rekassaRequestId,
  type RekassaChannel,
  type RekassaConfigInput,
} from '../../src/fiscal/rekassa/index.js';
import { FiscalError } from '../../src/fiscal/types.js';
import { GS, key, line, mark, receipt } from './factory.js';

const REGISTER = '101';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function emulator(opts: Parameters<typeof createRekassaEmulator>[0] = {}): Promise<RekassaEmulator> {
  const e = await createRekassaEmulator(opts);
  cleanup.push(() => e.close());
  return e;
}

function channel(emu: { url: string }, over: Partial<RekassaConfigInput> = {}): RekassaChannel {
  const config = rekassaConfigSchema.parse({
    channel: 'rekassa',
    url: emu.url,
    apiKey: 'rekassa-demo-key',
    login: 'RK00000101',
    password: 'demo',
    cashRegisterId: REGISTER,
    timeoutMs: 5_000,
    ...over,
  });
  const ch = createRekassaChannel(config);
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

const ticketCalls = (emu: RekassaEmulator) => emu.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/tickets'));
const noGs = (s: string) => s.split(GS).join('');

describe('rekassa: ticket body', () => {
  it('sells marked and unmarked lines as KGD-JSON with taxes to the tiyn', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const one = mark('3A8B06OMH52K2');
    const two = [mark('t1Xrb-xQWhpeG'), mark('dTOZwQTEMrcDN')];
    const r = receipt(
      [
        line({ name: 'Cigarettes X', price: 120_000, codes: [one], gtin: '4600000000000', ntin: '0200000000001', productId: '14304' }),
        line({ name: 'Citramon', price: 200_000, quantity: 2, codes: two }),
        line({ name: 'Cheese, kg', price: 123_457, quantity: 0.75, unit: '166', vatRate: null }),
      ],
      { payments: [{ type: 'card', amount: 400_000 }, { type: 'cash', amount: 150_000 }, { type: 'cash', amount: 100_000 }] },
    );
    const k = key();
    const res = await ch.sell(r, k);

    expect(emu.receipts()).toHaveLength(1);
    const [t] = emu.receipts();
    expect(t.requestId).toBe(k);
    expect(t.operation).toBe('OPERATION_SELL');
    const body = t.body as Record<string, any>;
    expect(body.dateTime).toEqual({ date: { year: '2026', month: '3', day: '14' }, time: { hour: '12', minute: '05', second: '00' } });
    expect(body.domain).toEqual({ type: 'DOMAIN_TRADING' });
    const [c1, c2, c3] = body.items.map((i: any) => {
      expect(i.type).toBe('ITEM_TYPE_COMMODITY');
      return i.commodity;
    });
    expect(c1).toMatchObject({
      name: 'Cigarettes X',
      sectionCode: '1',
      quantity: 1000,
      price: { bills: '1200', coins: 0 },
      sum: { bills: '1200', coins: 0 },
      measureUnitCode: '796',
      barcode: '4600000000000',
      ntin: '0200000000001',
      productId: '14304',
      listExciseStamp: [noGs(one.km)],
      taxes: [{ type: 'VAT', percent: 12000, sum: { bills: '128', coins: 57 }, isInTotalSum: true }],
    });
    expect(c2).toMatchObject({ quantity: 2000, price: { bills: '2000', coins: 0 }, sum: { bills: '4000', coins: 0 }, listExciseStamp: two.map((c) => noGs(c.km)) });
    expect(c2.taxes[0].sum).toEqual({ bills: '428', coins: 57 });
    // 0.75 × 1234.57 = 925.9275 → 925.93; no VAT → no taxes entry; no stamps.
    expect(c3).toMatchObject({ quantity: 750, price: { bills: '1234', coins: 57 }, sum: { bills: '925', coins: 93 }, measureUnitCode: '166' });
    expect(c3.taxes).toBeUndefined();
    expect(c3.listExciseStamp).toBeUndefined();
    const total = 120_000 + 400_000 + 92_593;
    expect(body.payments).toEqual([
      { type: 'PAYMENT_CARD', sum: { bills: '4000', coins: 0 } },
      { type: 'PAYMENT_CASH', sum: { bills: '2500', coins: 0 } },
    ]);
    expect(body.amounts).toEqual({
      total: { bills: '6125', coins: 93 },
      taken: { bills: '6500', coins: 0 },
      change: { bills: '374', coins: 7 },
    });
    expect(t.marks).toHaveLength(3);

    expect(res).toMatchObject({
      channel: 'rekassa',
      fiscalSign: t.ticketNumber,
      registrationNumber: t.kgdKkmId,
      total,
      isOffline: false,
      shift: t.shiftNumber,
      extra: { ticketId: t.id },
    });
    expect(res.qr).toBe(t.answer.qrCode);
    expect(Number.isFinite(Date.parse(res.dateTime))).toBe(true);
  });

  it('taxPercentScale and markField are configurable', async () => {
    const emu = await emulator();
    const ch = channel(emu, { taxPercentScale: 1000, markField: 'listExciseStamp' });
    await ch.sell(receipt([line({ codes: [mark('CONFIGURED001')] })]), key());
    expect(emu.receipts()).toHaveLength(1);
  });

  it('the date is written in +05:00', () => {
    expect(kgdDateTime(Date.parse('2026-12-31T19:00:01Z'))).toEqual({ date: { year: '2027', month: '1', day: '1' }, time: { hour: '00', minute: '00', second: '01' } });
  });

  it('X-Request-ID is the key, or a stable hash of it', () => {
    expect(rekassaRequestId('store-1:till-1:42')).toBe('store-1:till-1:42');
    const odd = 'ключ с пробелами';
    expect(rekassaRequestId(odd)).toBe(rekassaRequestId(odd));
    expect(rekassaRequestId(odd)).toMatch(/^tanba-[0-9a-f]{44}$/);
  });
});

describe('rekassa: protocol errors', () => {
  it('401 after the token expired: logs in again once and repeats', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    await ch.sell(receipt([line()]), key());
    emu.expireTokens();
    const res = await ch.sell(receipt([line()]), key());
    expect(res.fiscalSign).toBeTruthy();
    expect(emu.receipts()).toHaveLength(2);
    expect(ticketCalls(emu).map((r) => r.httpStatus)).toEqual([200, 401, 200]);
    expect(emu.requests().filter((r) => r.path === '/api/auth/login')).toHaveLength(2);
  });

  it('wrong password or partner key → auth, secrets not in the message', async () => {
    const emu = await emulator();
    const e1 = await rejection(channel(emu, { password: 'S3cret-not-this-one' }).sell(receipt([line()]), key()));
    expect(e1.kind).toBe('auth');
    expect(e1.message).not.toContain('S3cret');
    const e2 = await rejection(channel(emu, { apiKey: 'partner-K3y-wrong' }).sell(receipt([line()]), key()));
    expect(e2.kind).toBe('auth');
    expect(e2.message).not.toContain('partner-K3y');
    expect(emu.receipts()).toHaveLength(0);
  });

  it('OPEN_SHIFT_TIMEOUT_EXPIRED: closes the shift and sends again once', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    emu.setShiftOpenedAt(REGISTER, Date.now() - 25 * 3600_000);
    const res = await ch.sell(receipt([line()]), key());
    expect(res.fiscalSign).toBeTruthy();
    expect(emu.receipts()).toHaveLength(1);
    const calls = emu.requests().filter((r) => r.path !== '/api/auth/login').map((r) => `${r.path} ${r.code ?? r.httpStatus}`);
    expect(calls).toEqual([`/api/crs/${REGISTER}/tickets OPEN_SHIFT_TIMEOUT_EXPIRED`, `/api/crs/${REGISTER}/shifts/close 200`, `/api/crs/${REGISTER}/tickets 200`]);
  });

  it('OPEN_SHIFT_TIMEOUT_EXPIRED without autoCloseShift: blocked', async () => {
    const emu = await emulator();
    const ch = channel(emu, { autoCloseShift: false });
    emu.setShiftOpenedAt(REGISTER, Date.now() - 25 * 3600_000);
    const e = await rejection(ch.sell(receipt([line()]), key()));
    expect(e).toMatchObject({ kind: 'blocked', code: 'rekassa-11' });
  });

  it('BLOCKED (autonomous > 72 h, or blocked register) → blocked; health says so', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    emu.setFaults({ offlineSince: Date.now() - 73 * 3600_000 });
    const e = await rejection(ch.sell(receipt([line()]), key()));
    expect(e).toMatchObject({ kind: 'blocked', code: 'rekassa-15' });
    expect(e.message).toMatch(/72 hours/);
    const h = await ch.health();
    expect(h.ok).toBe(false);
    expect(h.problems.map((p) => p.code)).toContain('fiscal-blocked-72h');
    emu.setFaults({ blockedCashRegisters: [REGISTER] });
    expect(await rejection(ch.sell(receipt([line()]), key()))).toMatchObject({ kind: 'blocked', code: 'rekassa-15' });
    expect(emu.receipts()).toHaveLength(0);
  });

  it('offline: tickets are issued autonomously and flagged', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    emu.setFaults({ offline: true });
    const res = await ch.sell(receipt([line()]), key());
    expect(res.isOffline).toBe(true);
    expect((await ch.health()).offline).toBe(true);
  });

  it('the same key with the same body: the ticket already issued; with another body: 409 → permanent', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const r = receipt([line({ codes: [mark('REPLAYREPLAY1')] })]);
    const k = key();
    const first = await ch.sell(r, k);
    const again = await ch.sell(r, k);
    expect(again).toEqual(first);
    expect(emu.receipts()).toHaveLength(1);
    const other = receipt([line({ price: 70_000 })]);
    const e = await rejection(ch.sell(other, k));
    expect(e).toMatchObject({ kind: 'permanent', code: 'rekassa-9' });
    expect(emu.receipts()).toHaveLength(1);
  });

  it('INCORRECT_REQUEST_DATA → permanent: a return naming no sale', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const c = mark('NOBASIS000001');
    const sold = await ch.sell(receipt([line({ codes: [c] })]), key());
    const bogus = { ...sold, fiscalSign: '999999999', total: 1 };
    const e = await rejection(ch.refund(receipt([line({ codes: [c] })], { type: 'return' }), bogus, key()));
    expect(e).toMatchObject({ kind: 'permanent' });
    expect(e.code).toMatch(/^rekassa-/);
  });

  it('HTTP failures: 500 unknown-result, 503 transient, refused transient', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    await ch.health();
    emu.setFaults({ errorRate: 1, errorStatus: 500, cashRegister: REGISTER });
    expect(await rejection(ch.sell(receipt([line()]), key()))).toMatchObject({ kind: 'unknown-result', code: 'http-500' });
    emu.setFaults({ outage: true });
    expect(await rejection(ch.sell(receipt([line()]), key()))).toMatchObject({ kind: 'transient' });
    emu.setFaults({});
    const s = http.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as AddressInfo).port;
    await new Promise<void>((r) => s.close(() => r()));
    const dead = channel({ url: `http://127.0.0.1:${port}` });
    expect(await rejection(dead.sell(receipt([line()]), key()))).toMatchObject({ kind: 'transient', code: 'network' });
    const h = await dead.health();
    expect(h).toMatchObject({ ok: false });
    expect(h.problems[0].code).toBe('fiscal-unreachable');
  });
});

describe('rekassa: ambiguous sends and reconciliation by replay', () => {
  it('a timeout after the request is unknown-result; findByKey replays and gets the one ticket', async () => {
    const emu = await emulator();
    const ch = channel(emu, { timeoutMs: 300 });
    await ch.health();
    emu.setFaults({ hangAfterIssueMs: 1_000 });
    const r = receipt([line({ codes: [mark('HANGHANGHANG2')] })]);
    const k = key();
    expect(await rejection(ch.sell(r, k))).toMatchObject({ kind: 'unknown-result', code: 'timeout' });
    emu.setFaults({});
    const found = await ch.findByKey(k, r);
    expect(found?.fiscalSign).toBe(emu.receipts()[0].ticketNumber);
    expect(emu.receipts()).toHaveLength(1);
    expect(ticketCalls(emu).at(-1)?.replay).toBe(true);
  });

  it('a reset after the body is unknown-result; findByKey replays and gets the one ticket', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    await ch.health();
    emu.setFaults({ resetConnections: true, cashRegister: REGISTER });
    const r = receipt([line()]);
    const k = key();
    expect(await rejection(ch.sell(r, k))).toMatchObject({ kind: 'unknown-result', code: 'connection-reset' });
    emu.setFaults({});
    const found = await ch.findByKey(k, r);
    expect(found?.fiscalSign).toBe(emu.receipts()[0].ticketNumber);
    expect(emu.receipts()).toHaveLength(1);
  });

  it('findByKey of a key never sent issues it, exactly once', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const r = receipt([line()]);
    const k = key();
    const a = await ch.findByKey(k, r);
    const b = await ch.findByKey(k, r);
    expect(a).not.toBeNull();
    expect(b).toEqual(a);
    expect(emu.receipts()).toHaveLength(1);
  });
});

describe('rekassa: returns, health, serialisation', () => {
  it('a return carries parentTicket from the sale and the codes sold', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const c = mark('RETURNED00002');
    const sale = receipt([line({ name: 'Terea', codes: [c] }), line({ name: 'Bag', price: 1_000 })]);
    const sold = await ch.sell(sale, key());
    const ret = receipt([line({ name: 'Terea', codes: [c] })], { type: 'return', saleId: sale.id });
    const k = key();
    const back = await ch.refund(ret, sold, k);
    const t = emu.receipts()[1];
    expect(t.operation).toBe('OPERATION_SELL_RETURN');
    expect(t.parentTicket).toEqual({
      parentTicketNumber: sold.fiscalSign,
      parentTicketDataTime: kgdDateTime(Date.parse(sold.dateTime)),
      kgdKkmId: sold.registrationNumber,
      parentTicketTotal: { bills: String(Math.floor(sale.total / 100)), coins: sale.total % 100 },
      parentTicketIsOffline: false,
    });
    expect(t.marks).toEqual([noGs(c.km)]);

    // After a restart the body is no longer in memory: the replay needs the basis.
    const restarted = channel(emu);
    expect(await rejection(restarted.findByKey(k, ret))).toMatchObject({ kind: 'unknown-result', code: 'rekassa-replay-needs-basis' });
    const found = await restarted.findByKey(k, ret, sold);
    expect(found?.fiscalSign).toBe(back.fiscalSign);
    expect(emu.receipts()).toHaveLength(2);
  });

  it('health is ok with a working register and never rejects', async () => {
    const emu = await emulator();
    const h = await channel(emu).health();
    expect(h.ok).toBe(true);
    expect(h.problems).toEqual([]);
    const hb = await channel(emu, { password: 'nope' }).health();
    expect(hb.ok).toBe(false);
    expect(hb.problems[0].code).toBe('fiscal-auth');
  });

  it('calls on one instance never overlap', async () => {
    const latency = 60;
    const emu = await emulator({ faults: { latencyMs: latency } });
    const ch = channel(emu);
    const r1 = receipt([line({ codes: [mark('OVERLAP000002')] })]);
    const r2 = receipt([line()]);
    const [a, h, f] = await Promise.all([ch.sell(r1, key()), ch.health(), ch.findByKey(key(), r2)]);
    expect(a.fiscalSign).toBeTruthy();
    expect(h.ok).toBe(true);
    expect(f).not.toBeNull();
    // Each request arrives only after the previous one was answered (the emulator waits `latency` before answering).
    const at = emu.requests().map((r) => Date.parse(r.at));
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(latency - 5);
    expect(emu.receipts()).toHaveLength(2);
  });
});

describe('rekassa: logging', () => {
  it('logs no secrets and no customer contacts', async () => {
    const emu = await emulator();
    const lines: string[] = [];
    const log = (obj: object, msg?: string) => lines.push(JSON.stringify(obj) + ' ' + (msg ?? ''));
    const logger = { debug: log, info: log, warn: log, error: log };
    const config = rekassaConfigSchema.parse({ channel: 'rekassa', url: emu.url, apiKey: 'rekassa-demo-key', login: 'RK00000101', password: 'demo', cashRegisterId: REGISTER });
    const ch = createRekassaChannel(config, { logger });
    cleanup.push(() => ch.close());
    const r = receipt([line()], { customer: { email: 'buyer@mail.kz', phone: '+77770001122', tin: '870101300123' } });
    await ch.sell(r, key());
    emu.expireTokens();
    emu.setShiftOpenedAt(REGISTER, Date.now() - 25 * 3600_000);
    await ch.sell(r, key());
    await ch.health();
    expect(lines.length).toBeGreaterThan(5);
    const all = lines.join('\n');
    for (const secret of ['rekassa-demo-key', 'apiKey', '"demo"', 'Bearer', 'buyer@mail.kz', '+77770001122', '870101300123']) expect(all).not.toContain(secret);
  });
});
