/**
 * re:Kassa partner-API emulator over real HTTP (fetch only, no tanba client code): login and
 * Bearer tokens, strict KGD-JSON ticket validation, X-Request-ID replay / 409, shifts (24 h,
 * close), autonomous mode (offline, BLOCKED after 72 h), returns against a stored sale, faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createRekassaEmulator, type RekassaEmulator, type RekassaEmulatorOptions } from '../../src/emulator/rekassa/index.js';

const API_KEY = 'rekassa-demo-key';
const T0 = Date.parse('2026-03-14T07:00:00Z');
const HOUR = 3_600_000;
const mark = (n: number): string => `010487024981193621${String(n).padStart(6, '0')}`;
const M = (minor: number) => ({ bills: String(Math.floor(minor / 100)), coins: minor % 100 });

let emu: RekassaEmulator | null = null;
let clock = T0;
afterEach(async () => {
  await emu?.close();
  emu = null;
});
async function start(opts: RekassaEmulatorOptions = {}): Promise<RekassaEmulator> {
  clock = T0;
  emu = await createRekassaEmulator({ now: () => clock, ...opts });
  return emu;
}

interface Res {
  status: number;
  json: any;
}
async function http(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Res> {
  const r = await fetch(`${emu!.url}${path}`, {
    method,
    headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const text = await r.text();
  return { status: r.status, json: text ? JSON.parse(text) : null };
}

async function login(number = 'RK00000101', password = 'demo'): Promise<string> {
  const r = await http('POST', `/api/auth/login?apiKey=${API_KEY}`, { number, password });
  expect(r.status).toBe(200);
  return r.json.token as string;
}

function commodity(name: string, pieces: number, priceMinor: number, stamps: string[] | undefined) {
  const sum = priceMinor * pieces;
  return {
    type: 'ITEM_TYPE_COMMODITY',
    commodity: {
      name,
      sectionCode: '1',
      quantity: pieces * 1000,
      price: M(priceMinor),
      sum: M(sum),
      measureUnitCode: '796',
      barcode: '4870249811936',
      ntin: '0200000000001',
      ...(stamps ? { listExciseStamp: stamps } : {}),
      taxes: [{ type: 'VAT', percent: 12000, sum: M(Math.round((sum * 12) / 112)), isInTotalSum: true }],
      auxiliary: [{ key: 'UNIT_TYPE', value: 'PIECE' }],
    },
  };
}
const DT = { date: { year: '2026', month: '3', day: '14' }, time: { hour: '12', minute: '05', second: '00' } };

/** A sale of 1 × 1200.00 (one stamp) + 2 × 2000.00 (two stamps) = 5200.00 paid by card. */
function sale(serial = 1, over: Record<string, unknown> = {}): Record<string, any> {
  return {
    operation: 'OPERATION_SELL',
    dateTime: DT,
    domain: { type: 'DOMAIN_TRADING' },
    items: [commodity('Сигареты X', 1, 120_000, [mark(serial)]), commodity('Цитрамон', 2, 200_000, [mark(serial + 1), mark(serial + 2)])],
    payments: [{ type: 'PAYMENT_CARD', sum: M(520_000) }],
    amounts: { total: M(520_000), taken: M(520_000), change: M(0) },
    parentTicket: null,
    ...over,
  };
}
const ticket = (token: string, body: unknown, requestId: string | null, reg = '101', signal?: AbortSignal) =>
  http('POST', `/api/crs/${reg}/tickets`, body, { authorization: `Bearer ${token}`, ...(requestId === null ? {} : { 'x-request-id': requestId }) }, signal);
const get = (token: string, path: string) => http('GET', path, undefined, { authorization: `Bearer ${token}` });

async function untilRequests(n: number): Promise<void> {
  while (emu!.requests().length < n) await new Promise((r) => setTimeout(r, 2));
}

describe('rekassa: auth', () => {
  it('login returns {token, id}; bad apiKey → 403, bad password → 401, missing fields → 400', async () => {
    await start();
    const ok = await http('POST', `/api/auth/login?apiKey=${API_KEY}`, { number: 'RK00000102', password: 'demo' });
    expect(ok.status).toBe(200);
    expect(ok.json).toEqual({ token: expect.any(String), id: '102' });
    const badKey = await http('POST', '/api/auth/login?apiKey=nope', { number: 'RK00000101', password: 'demo' });
    expect(badKey.status).toBe(403);
    expect(badKey.json).toEqual({ code: expect.any(String), message: expect.any(String) });
    expect((await http('POST', '/api/auth/login', { number: 'RK00000101', password: 'demo' })).status).toBe(403);
    const badPw = await http('POST', `/api/auth/login?apiKey=${API_KEY}`, { number: 'RK00000101', password: 'x' });
    expect(badPw.status).toBe(401);
    expect(badPw.json.code).toBe('UNAUTHORIZED');
    expect((await http('POST', `/api/auth/login?apiKey=${API_KEY}`, { number: 'RK00000101' })).status).toBe(400);
  });

  it('Bearer required (401); expired tokens → 401; another register → 403; unknown register → 404', async () => {
    await start({ faults: { tokenTtlSeconds: 600 } });
    const token = await login();
    expect((await get(token, '/api/crs/101')).status).toBe(200);
    const none = await http('GET', '/api/crs/101');
    expect(none.status).toBe(401);
    expect(none.json.code).toBe('UNAUTHORIZED');
    expect((await ticket('nope', sale(), 'x-1')).status).toBe(401);
    expect((await get(token, '/api/crs/102')).status).toBe(403);
    expect((await get(token, '/api/crs/999')).status).toBe(404);
    clock += 601_000;
    expect((await get(token, '/api/crs/101')).status).toBe(401);
    emu!.setFaults({});
    const t2 = await login();
    expect((await get(t2, '/api/crs/101')).status).toBe(200);
    emu!.expireTokens();
    expect((await get(t2, '/api/crs/101')).status).toBe(401);
    const t3 = await login();
    await fetch(`${emu!.url}/_emulator/tokens/expire`, { method: 'POST' });
    expect((await ticket(t3, sale(), 'x-2')).status).toBe(401);
    expect(emu!.receipts()).toHaveLength(0);
  });
});

describe('rekassa: tickets', () => {
  it('issues a ticket with the reference answer shape', async () => {
    await start();
    const token = await login();
    const r = await ticket(token, sale(), 'req-1');
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      status: 'OK',
      id: expect.any(String),
      ticketNumber: expect.stringMatching(/^\d{12}$/),
      qrCode: expect.stringContaining(r.json.ticketNumber),
      shiftNumber: 1,
      offline: false,
      dateTime: '2026-03-14T12:00:00+05:00',
      total: { bills: '5200', coins: 0 },
      kgdKkmId: expect.stringMatching(/^\d{12}$/),
    });
    const again = await get(token, `/api/crs/101/tickets/${r.json.id}`);
    expect(again.json).toEqual(r.json);
    expect((await get(token, '/api/crs/101/tickets/0')).status).toBe(404);
    const next = await ticket(token, sale(10), 'req-2');
    expect(BigInt(next.json.ticketNumber)).toBeGreaterThan(BigInt(r.json.ticketNumber));
    const [rec] = emu!.receipts();
    expect(rec).toMatchObject({ cashRegister: '101', requestId: 'req-1', id: r.json.id, ticketNumber: r.json.ticketNumber, operation: 'OPERATION_SELL', total: 5200, offline: false, shiftNumber: 1, parentTicket: null, marks: [mark(1), mark(2), mark(3)] });
    expect(rec.items).toHaveLength(2);
    expect(((await (await fetch(`${emu!.url}/_emulator/receipts`)).json()) as unknown[]).length).toBe(2);
  });

  it('cash with change and coins', async () => {
    await start();
    const token = await login();
    const body = sale(1, {
      items: [commodity('Вода', 3, 19_999, undefined)],
      payments: [{ type: 'PAYMENT_CASH', sum: M(70_000) }],
      amounts: { total: M(59_997), taken: M(70_000), change: M(10_003) },
    });
    const r = await ticket(token, body, 'cash-1');
    expect(r.status).toBe(200);
    expect(r.json.total).toEqual({ bills: '599', coins: 97 });
  });

  it('X-Request-ID is required', async () => {
    await start();
    const token = await login();
    const r = await ticket(token, sale(), null);
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('INCORRECT_REQUEST_DATA');
    expect(r.json.message).toMatch(/X-Request-ID/);
  });

  const c0 = (b: any) => b.items[0].commodity;
  const invalid: [string, (b: Record<string, any>) => void, RegExp][] = [
    ['operation OPERATION_BUY', (b) => (b.operation = 'OPERATION_BUY'), /operation/],
    ['month 13', (b) => (b.dateTime = { ...DT, date: { ...DT.date, month: '13' } }), /dateTime/],
    ['no dateTime', (b) => delete b.dateTime, /dateTime/],
    ['no items', (b) => (b.items = []), /items/],
    ['item type ITEM_TYPE_DISCOUNT', (b) => (b.items[0].type = 'ITEM_TYPE_DISCOUNT'), /ITEM_TYPE_COMMODITY/],
    ['no name', (b) => delete c0(b).name, /name/],
    ['no sectionCode', (b) => delete c0(b).sectionCode, /sectionCode/],
    ['quantity 0', (b) => (c0(b).quantity = 0), /quantity/],
    ['fractional quantity', (b) => (c0(b).quantity = 1000.5), /quantity/],
    ['bills as a number', (b) => (c0(b).price = { bills: 1200, coins: 0 }), /price must be Money/],
    ['coins 100', (b) => (c0(b).price = { bills: '1199', coins: 100 }), /price must be Money/],
    ['sum ≠ price × quantity', (b) => (c0(b).sum = M(120_001)), /differs from price/],
    ['no measureUnitCode', (b) => delete c0(b).measureUnitCode, /measureUnitCode/],
    ['stamps ≠ pieces', (b) => b.items[1].commodity.listExciseStamp.pop(), /listExciseStamp has 1 codes but quantity is 2/],
    ['a stamp twice', (b) => (b.items[1].commodity.listExciseStamp = [mark(1), mark(2)]), /more than once/],
    ['tax type NDS', (b) => (c0(b).taxes[0].type = 'NDS'), /VAT/],
    ['tax sum wrong', (b) => (c0(b).taxes[0].sum = M(13_000)), /does not match 12 %/],
    ['isInTotalSum missing', (b) => delete c0(b).taxes[0].isInTotalSum, /isInTotalSum/],
    ['payment type PAYMENT_CRYPTO', (b) => (b.payments[0].type = 'PAYMENT_CRYPTO'), /PAYMENT_CASH/],
    ['payment type twice', (b) => (b.payments = [{ type: 'PAYMENT_CARD', sum: M(20_000) }, { type: 'PAYMENT_CARD', sum: M(500_000) }]), /more than once/],
    ['total ≠ items', (b) => (b.amounts.total = M(510_000)), /amounts.total/],
    ['taken ≠ payments', (b) => (b.amounts.taken = M(530_000)), /payments/],
    ['taken < total', (b) => Object.assign(b, { payments: [{ type: 'PAYMENT_CARD', sum: M(500_000) }], amounts: { total: M(520_000), taken: M(500_000), change: M(0) } }), /less than/],
    ['change ≠ taken − total', (b) => Object.assign(b, { payments: [{ type: 'PAYMENT_CASH', sum: M(530_000) }], amounts: { total: M(520_000), taken: M(530_000), change: M(0) } }), /change/],
    ['change from a card', (b) => Object.assign(b, { payments: [{ type: 'PAYMENT_CARD', sum: M(530_000) }], amounts: { total: M(520_000), taken: M(530_000), change: M(10_000) } }), /cash/],
    ['a return without parentTicket', (b) => (b.operation = 'OPERATION_SELL_RETURN'), /parentTicket is required/],
  ];
  it.each(invalid)('refuses %s (400 INCORRECT_REQUEST_DATA)', async (_n, mutate, text) => {
    await start();
    const token = await login();
    const body = sale();
    mutate(body);
    const r = await ticket(token, body, 'bad-1');
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('INCORRECT_REQUEST_DATA');
    expect(r.json.message).toMatch(text);
    expect(emu!.receipts()).toHaveLength(0);
    // A refused request does not burn its X-Request-ID.
    expect((await ticket(token, sale(), 'bad-1')).status).toBe(200);
  });
});

describe('rekassa: idempotency', () => {
  it('a replayed X-Request-ID answers the same ticket; a different body → 409', async () => {
    await start();
    const token = await login();
    const first = await ticket(token, sale(), 'idem-1');
    // Same content, different key order: still the same request.
    const reordered = Object.fromEntries(Object.entries(sale()).reverse());
    const replay = await ticket(token, reordered, 'idem-1');
    expect(replay.status).toBe(200);
    expect(replay.json).toEqual(first.json);
    expect(emu!.receipts()).toHaveLength(1);
    const conflict = await ticket(token, sale(10), 'idem-1');
    expect(conflict.status).toBe(409);
    expect(conflict.json.code).toBe('INVALID_RETRY_REQUEST');
    expect(emu!.receipts()).toHaveLength(1);
    expect(emu!.requests().filter((r) => r.path === '/api/crs/101/tickets').map((r) => [r.requestId, r.httpStatus, r.replay])).toEqual([
      ['idem-1', 200, false],
      ['idem-1', 200, true],
      ['idem-1', 409, false],
    ]);
    // X-Request-ID is per cash register.
    const t2 = await login('RK00000102');
    expect((await ticket(t2, sale(), 'idem-1', '102')).json.ticketNumber).not.toBe(first.json.ticketNumber);
    expect(emu!.receipts()).toHaveLength(2);
  });

  it('resetConnections: the ticket is issued, the answer lost; the replay returns it', async () => {
    await start();
    const token = await login();
    emu!.setFaults({ resetConnections: true });
    await expect(ticket(token, sale(), 'lost-1')).rejects.toThrow();
    expect(emu!.receipts()).toHaveLength(1);
    emu!.setFaults({});
    const replay = await ticket(token, sale(), 'lost-1');
    expect(replay.status).toBe(200);
    expect(replay.json.ticketNumber).toBe(emu!.receipts()[0].ticketNumber);
    expect(emu!.receipts()).toHaveLength(1);
  });

  it('hangAfterIssueMs: the client times out after the ticket was issued; a replay during the hang finds it', async () => {
    await start();
    const token = await login();
    emu!.setFaults({ hangAfterIssueMs: 60_000 });
    await expect(ticket(token, sale(), 'hang-1', '101', AbortSignal.timeout(150))).rejects.toThrow();
    expect(emu!.receipts()).toHaveLength(1);
    const replay = await ticket(token, sale(), 'hang-1');
    expect(replay.status).toBe(200);
    expect(replay.json.id).toBe(emu!.receipts()[0].id);
  });
});

describe('rekassa: shifts', () => {
  it('a shift older than 24 h → OPEN_SHIFT_TIMEOUT_EXPIRED; close; the next ticket opens shift 2', async () => {
    await start();
    const token = await login();
    await ticket(token, sale(), 's-1');
    emu!.setShiftOpenedAt('101', clock - 25 * HOUR);
    const old = await ticket(token, sale(10), 's-2');
    expect(old.status).toBe(400);
    expect(old.json.code).toBe('OPEN_SHIFT_TIMEOUT_EXPIRED');
    const info = await get(token, '/api/crs/101');
    expect(info.json).toMatchObject({ id: '101', number: 'RK00000101', offline: false, shift: { shiftNumber: 1, open: true, ticketsCount: 1 } });
    expect((await http('POST', '/api/crs/101/shifts/close', { pin: 'wrong' }, { authorization: `Bearer ${token}` })).status).toBe(403);
    const closed = await http('POST', '/api/crs/101/shifts/close', { pin: 'demo' }, { authorization: `Bearer ${token}` });
    expect(closed.status).toBe(200);
    expect(closed.json).toMatchObject({ shiftNumber: 1, open: false, ticketsCount: 1, sellTotal: { bills: '5200', coins: 0 } });
    const again = await http('POST', '/api/crs/101/shifts/close', undefined, { authorization: `Bearer ${token}` });
    expect(again.status).toBe(400);
    expect(again.json.code).toBe('NO_OPEN_SHIFT');
    const next = await ticket(token, sale(10), 's-2');
    expect(next.status).toBe(200);
    expect(next.json.shiftNumber).toBe(2);
    const list = await get(token, '/api/crs/101/shifts/2/tickets?page=0&size=10');
    expect(list.json.content.map((t: { id: string }) => t.id)).toEqual([next.json.id]);
    expect(list.json.page).toEqual({ number: 0, size: 10, totalElements: 1, totalPages: 1 });
    expect((await get(token, '/api/crs/101/shifts/1/tickets?page=1&size=1')).json.content).toEqual([]);
    expect((await get(token, '/api/crs/101/shifts/9/tickets')).status).toBe(404);
    expect((await get(token, '/api/crs/101/shifts/1/tickets?size=0')).status).toBe(400);
    expect((await get(token, '/api/crs/101/shifts?includeOpen=true')).json.content.map((s: { shiftNumber: number }) => s.shiftNumber)).toEqual([2, 1]);
    expect((await get(token, '/api/crs/101/shifts/1')).json).toMatchObject({ shiftNumber: 1, open: false });
  });

  it('the admin route ages a shift too', async () => {
    await start();
    const token = await login();
    const r = await fetch(`${emu!.url}/_emulator/crs/101/shift`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openedAt: clock - 24 * HOUR - 1 }) });
    expect(r.status).toBe(200);
    expect((await ticket(token, sale(), 'sa-1')).json.code).toBe('OPEN_SHIFT_TIMEOUT_EXPIRED');
    expect((await fetch(`${emu!.url}/_emulator/crs/999/shift`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"openedAt":0}' })).status).toBe(404);
  });
});

describe('rekassa: autonomous mode', () => {
  it('offline → offline: true; 72 h after the first offline ticket → 400 BLOCKED; clears when back online', async () => {
    await start();
    const token = await login();
    const online = await ticket(token, sale(), 'o-0');
    emu!.setFaults({ offline: true });
    const off = await ticket(token, sale(10), 'o-1');
    expect(off.json.offline).toBe(true);
    expect(off.json.ticketNumber.endsWith('1')).toBe(true);
    expect(online.json.ticketNumber.endsWith('0')).toBe(true);
    expect((await get(token, '/api/crs/101')).json).toMatchObject({ offline: true, offlineSince: '2026-03-14T12:00:00+05:00' });
    clock += 73 * HOUR;
    const blocked = await ticket(token, sale(20), 'o-2');
    expect(blocked.status).toBe(400);
    expect(blocked.json.code).toBe('BLOCKED');
    emu!.setFaults({});
    emu!.setShiftOpenedAt('101', clock);
    const back = await ticket(token, sale(20), 'o-2');
    expect(back.status).toBe(200);
    expect(back.json.offline).toBe(false);
  });

  it('offlineSince older than 72 h → BLOCKED until the fault is cleared', async () => {
    await start();
    const token = await login();
    emu!.setFaults({ offlineSince: clock - 73 * HOUR });
    expect((await ticket(token, sale(), 'os-1')).json.code).toBe('BLOCKED');
    expect(emu!.receipts()).toHaveLength(0);
    emu!.setFaults({ offlineSince: new Date(clock - HOUR).toISOString() });
    expect((await ticket(token, sale(), 'os-1')).json.offline).toBe(true);
    emu!.setFaults({});
    expect((await ticket(token, sale(10), 'os-2')).json.offline).toBe(false);
  });
});

describe('rekassa: returns', () => {
  async function sold(token: string) {
    const s = await ticket(token, sale(), 'sale-1');
    expect(s.status).toBe(200);
    const parent = { parentTicketNumber: s.json.ticketNumber, parentTicketDataTime: DT, kgdKkmId: s.json.kgdKkmId, parentTicketTotal: s.json.total, parentTicketIsOffline: s.json.offline };
    const ret = (p: Record<string, unknown> = parent, stamp = mark(1)) => ({
      operation: 'OPERATION_SELL_RETURN',
      dateTime: DT,
      domain: { type: 'DOMAIN_TRADING' },
      items: [commodity('Сигареты X', 1, 120_000, [stamp])],
      payments: [{ type: 'PAYMENT_CARD', sum: M(120_000) }],
      amounts: { total: M(120_000), taken: M(120_000), change: M(0) },
      parentTicket: p,
    });
    return { parent, ret };
  }

  it('a matching parentTicket is accepted, once per stamp', async () => {
    await start();
    const token = await login();
    const { parent, ret } = await sold(token);
    const r = await ticket(token, ret(), 'ret-1');
    expect(r.status).toBe(200);
    expect(emu!.receipts()[1]).toMatchObject({ operation: 'OPERATION_SELL_RETURN', total: 1200, parentTicket: parent });
    const twice = await ticket(token, ret(), 'ret-2');
    expect(twice.status).toBe(400);
    expect(twice.json.message).toMatch(/already been returned/);
  });

  const mismatches: [string, (p: Record<string, any>) => Record<string, unknown>, RegExp][] = [
    ['an unknown ticket number', (p) => ({ ...p, parentTicketNumber: '100000000000' }), /no sale/],
    ['another kgdKkmId', (p) => ({ ...p, kgdKkmId: '999999999999' }), /no sale/],
    ['a wrong total', (p) => ({ ...p, parentTicketTotal: M(100) }), /parentTicketTotal/],
    ['a wrong offline flag', (p) => ({ ...p, parentTicketIsOffline: true }), /parentTicketIsOffline/],
    ['a bad date', (p) => ({ ...p, parentTicketDataTime: { date: { year: '2026', month: '2', day: '30' }, time: DT.time } }), /parentTicketDataTime/],
  ];
  it.each(mismatches)('a parentTicket with %s is refused', async (_n, change, text) => {
    await start();
    const token = await login();
    const { parent, ret } = await sold(token);
    const r = await ticket(token, ret(change(parent)), 'ret-x');
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('INCORRECT_REQUEST_DATA');
    expect(r.json.message).toMatch(text);
    expect(emu!.receipts()).toHaveLength(1);
  });

  it('a stamp that was not sold in the parent is refused', async () => {
    await start();
    const token = await login();
    const { parent, ret } = await sold(token);
    const r = await ticket(token, ret(parent, mark(77)), 'ret-y');
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/not sold/);
  });
});

describe('rekassa: transport faults and admin', () => {
  it('errorRate → errorStatus; outage → 503; blockedCashRegisters → 400 BLOCKED; nothing issued', async () => {
    await start({ seed: 3 });
    const token = await login();
    emu!.setFaults({ errorRate: 1, errorStatus: 500 });
    expect((await ticket(token, sale(), 'f-1')).status).toBe(500);
    emu!.setFaults({ outage: true });
    expect((await ticket(token, sale(), 'f-1')).status).toBe(503);
    expect((await http('POST', `/api/auth/login?apiKey=${API_KEY}`, { number: 'RK00000101', password: 'demo' })).status).toBe(503);
    emu!.setFaults({ blockedCashRegisters: ['101'] });
    const b = await ticket(token, sale(), 'f-1');
    expect(b.status).toBe(400);
    expect(b.json.code).toBe('BLOCKED');
    expect(emu!.receipts()).toHaveLength(0);
    emu!.setFaults({});
    expect((await ticket(token, sale(), 'f-1')).status).toBe(200);
  });

  it('a register-scoped fault spares other registers and login', async () => {
    await start();
    const t1 = await login();
    emu!.setFaults({ cashRegister: '101', latencyMs: 400 });
    const t2 = await login('RK00000102');
    let slowDone = false;
    const slow = ticket(t1, sale(), 'sc-1').then((r) => ((slowDone = true), r));
    await untilRequests(3);
    expect((await ticket(t2, sale(), 'sc-2', '102')).status).toBe(200);
    expect(slowDone).toBe(false);
    expect((await slow).status).toBe(200);
    emu!.setFaults({ cashRegister: '101', outage: true });
    expect((await ticket(t1, sale(10), 'sc-3')).status).toBe(503);
    expect((await ticket(t2, sale(10), 'sc-4', '102')).status).toBe(200);
  });

  it('admin surface: faults validation, requests, reset; unknown paths → 404 {code, message}', async () => {
    await start({ cashRegisters: [{ id: '7', number: 'RK7', password: 'p', kgdKkmId: '000000000007' }] });
    expect((await fetch(`${emu!.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ offline: 'yes' }) })).status).toBe(400);
    const set = await fetch(`${emu!.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: true }) });
    expect(await set.json()).toEqual({ outage: true });
    expect(await (await fetch(`${emu!.url}/_emulator/faults`)).json()).toEqual({ outage: true });
    expect((await fetch(`${emu!.url}/_emulator/reset`, { method: 'POST' })).status).toBe(200);
    const token = await login('RK7', 'p');
    const r = await ticket(token, sale(), 'a-1', '7');
    expect(r.json.kgdKkmId).toBe('000000000007');
    const nf = await http('GET', '/api/nothing');
    expect(nf.status).toBe(404);
    expect(nf.json).toEqual({ code: 'NOT_FOUND', message: expect.any(String) });
    const bad = await fetch(`${emu!.url}/api/crs/7/tickets`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'j' }, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('INCORRECT_REQUEST_DATA');
    const reqs = (await (await fetch(`${emu!.url}/_emulator/requests`)).json()) as { path: string }[];
    expect(reqs.map((x) => x.path)).toEqual(['/api/auth/login', '/api/crs/7/tickets', '/api/nothing', '/api/crs/7/tickets']);
    expect(() => emu!.setFaults({ latencyMs: -1 })).toThrow();
  });
});
