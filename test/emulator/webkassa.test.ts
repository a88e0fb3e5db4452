/**
 * Webkassa API v4 emulator over real HTTP (fetch only, no tanba client code): auth and tokens,
 * strict check validation, idempotency (14), history (19), shifts (11 / ZReport), autonomous
 * mode (OfflineMode, 18), 505 + AlternativeDomainNames, sequence lock (9), post-action faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createWebkassaEmulator, type WebkassaEmulator, type WebkassaEmulatorOptions } from '../../src/emulator/webkassa/index.js';

const KEY = 'WKD-demo';
const CB1 = 'SWK00000001';
const CB2 = 'SWK00000002';
const T0 = Date.parse('2026-03-14T07:00:00Z');
const HOUR = 3_600_000;
/** GS1-looking marking code: AI 01 + GTIN-14, AI 21 + serial. */
const mark = (n: number): string => `010487024981193621${String(n).padStart(6, '0')}`;

let emu: WebkassaEmulator | null = null;
let clock = T0;
afterEach(async () => {
  await emu?.close();
  emu = null;
});

async function start(opts: WebkassaEmulatorOptions = {}): Promise<WebkassaEmulator> {
  clock = T0;
  emu = await createWebkassaEmulator({ now: () => clock, ...opts });
  return emu;
}

interface Res {
  status: number;
  headers: Headers;
  json: { Data: any; Errors: { Code: number; Text: string }[] };
}
async function post(path: string, body: unknown, headers: Record<string, string> = { 'x-api-key': KEY }, signal?: AbortSignal): Promise<Res> {
  const r = await fetch(`${emu!.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal,
  });
  return { status: r.status, headers: r.headers, json: (await r.json()) as Res['json'] };
}
const codes = (r: Res): number[] => r.json.Errors.map((e) => e.Code);

async function login(l = 'demo@webkassa.kz', p = 'demo'): Promise<string> {
  const r = await post('/api/v4/Authorize', { Login: l, Password: p });
  expect(r.json.Errors).toEqual([]);
  return r.json.Data.Token as string;
}

function sale(token: string, ext: string, over: Record<string, unknown> = {}, serial = 1): Record<string, any> {
  return {
    Token: token,
    CashboxUniqueNumber: CB1,
    OperationType: 2,
    Positions: [
      { Count: 1, Price: 500, TaxPercent: 12, Tax: 53.57, TaxType: 100, PositionName: 'Marlboro', PositionCode: '1', Discount: 0, Markup: 0, SectionCode: '1', UnitCode: 796, Mark: mark(serial), GTIN: '4870249811936', NTIN: '0200000000001', PositionType: 0 },
      { Count: 2, Price: 2000, TaxPercent: 12, Tax: 428.57, TaxType: 100, PositionName: 'Цитрамон', SectionCode: '1', UnitCode: 796, MarkList: [mark(serial + 1), mark(serial + 2)], GTIN: '4870249811936', PositionType: 0 },
    ],
    Payments: [{ Sum: 4500, PaymentType: 1 }],
    Change: 0,
    RoundType: 2,
    ExternalCheckNumber: ext,
    ...over,
  };
}
const check = (body: unknown, headers?: Record<string, string>, signal?: AbortSignal) => post('/api/v4/check', body, headers, signal);

/** Resolves once the emulator has logged `n` requests (polling its log, no fixed sleeps). */
async function untilRequests(n: number): Promise<void> {
  while (emu!.requests().length < n) await new Promise((r) => setTimeout(r, 2));
}

describe('webkassa: auth', () => {
  it('Authorize returns a 32-hex token; wrong password → 1; api key required (-1)', async () => {
    await start();
    const token = await login();
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect(codes(await post('/api/v4/Authorize', { Login: 'demo@webkassa.kz', Password: 'nope' }))).toEqual([1]);
    const noKey = await post('/api/v4/Authorize', { Login: 'demo@webkassa.kz', Password: 'demo' }, {});
    expect(noKey.status).toBe(200);
    expect(codes(noKey)).toEqual([-1]);
    expect(noKey.json.Errors[0].Text).toMatch(/x-api-key/);
    expect(codes(await check(sale(token, 'k1'), { 'x-api-key': 'WKD-other' }))).toEqual([-1]);
    expect(emu!.receipts()).toHaveLength(0);
  });

  it('a new Authorize invalidates the previous token (2); unknown token → 3; expireTokens → 2', async () => {
    await start();
    const first = await login();
    const second = await login();
    expect(codes(await check(sale(first, 'a1')))).toEqual([2]);
    expect((await check(sale(second, 'a2'))).json.Errors).toEqual([]);
    expect(codes(await check(sale('0'.repeat(32), 'a3', {}, 10)))).toEqual([3]);
    expect(codes(await check(sale(undefined as unknown as string, 'a3', {}, 10)))).toEqual([3]);
    emu!.expireTokens();
    expect(codes(await check(sale(second, 'a4', {}, 20)))).toEqual([2]);
    const third = await login();
    expect((await check(sale(third, 'a4', {}, 20))).json.Errors).toEqual([]);
    await fetch(`${emu!.url}/_emulator/tokens/expire`, { method: 'POST' });
    expect(codes(await check(sale(third, 'a5', {}, 30)))).toEqual([2]);
  });

  it('tokenTtlSeconds: tokens issued afterwards expire on the emulator clock', async () => {
    await start({ faults: { tokenTtlSeconds: 60 } });
    const token = await login();
    expect((await check(sale(token, 't1'))).json.Errors).toEqual([]);
    clock += 61_000;
    expect(codes(await check(sale(token, 't2', {}, 10)))).toEqual([2]);
  });
});

describe('webkassa: sale', () => {
  it('issues a check with the reference answer shape and logs it', async () => {
    await start();
    const token = await login();
    const r = await check(sale(token, 'e4c89243-82nb-4622-9131-c8a93795d1ec'));
    expect(r.status).toBe(200);
    expect(r.json.Errors).toEqual([]);
    const d = r.json.Data;
    expect(d.CheckNumber).toMatch(/^\d{12}$/);
    expect(d.DateTime).toBe('14.03.2026 12:00:00');
    expect(d.DateTimeUTC).toBe('14.03.2026 07:00:00');
    expect(d).toMatchObject({ OfflineMode: false, CashboxOfflineMode: false, CheckOrderNumber: 1, ShiftNumber: 1 });
    expect(d.Cashbox).toMatchObject({ UniqueNumber: CB1, RegistrationNumber: expect.stringMatching(/^\d{12}$/) });
    expect(d.Cashbox.Ofd).toEqual({ Name: expect.any(String), Host: expect.any(String), Code: expect.any(Number) });
    for (const k of ['EmployeeName', 'TicketUrl', 'TicketPrintUrl', 'IdentityNumber']) expect(typeof (d[k] ?? d.Cashbox[k])).toBe('string');

    const second = await check(sale(token, 'second', {}, 10));
    expect(BigInt(second.json.Data.CheckNumber)).toBeGreaterThan(BigInt(d.CheckNumber));
    expect(second.json.Data.CheckOrderNumber).toBe(2);

    const [rec] = emu!.receipts();
    expect(rec).toMatchObject({ cashbox: CB1, externalCheckNumber: 'e4c89243-82nb-4622-9131-c8a93795d1ec', operationType: 2, checkNumber: d.CheckNumber, registrationNumber: d.Cashbox.RegistrationNumber, total: 4500, offline: false, shiftNumber: 1, checkOrderNumber: 1, returnBasis: null });
    expect(rec.positions).toHaveLength(2);
    expect(rec.body).not.toHaveProperty('Token');
    expect((rec.body as { CashboxUniqueNumber: string }).CashboxUniqueNumber).toBe(CB1);
    const viaHttp = (await (await fetch(`${emu!.url}/_emulator/receipts`)).json()) as unknown[];
    expect(viaHttp).toHaveLength(2);
  });

  it('accepts cash with change, and discounts reduce the total', async () => {
    await start();
    const token = await login();
    const body = sale(token, 'cash', { Payments: [{ Sum: 5000, PaymentType: 0 }], Change: 500 });
    expect((await check(body)).json.Errors).toEqual([]);
    const disc = sale(token, 'disc', { Payments: [{ Sum: 4400, PaymentType: 4 }], Change: null }, 10);
    disc.Positions[0] = { ...disc.Positions[0], Discount: 100, Tax: 42.86 };
    expect((await check(disc)).json.Errors).toEqual([]);
    expect(emu!.receipts().map((r) => r.total)).toEqual([4500, 4400]);
  });

  const invalid: [string, (b: Record<string, any>) => void, number, RegExp][] = [
    ['unknown cashbox', (b) => (b.CashboxUniqueNumber = 'SWK99999999'), 6, /not found/],
    ['OperationType 1', (b) => (b.OperationType = 1), 9, /OperationType/],
    ['no positions', (b) => (b.Positions = []), 9, /Positions/],
    ['Count 0', (b) => (b.Positions[1].Count = 0), 9, /Count/],
    ['negative Price', (b) => (b.Positions[0].Price = -1), 9, /Price/],
    ['empty PositionName', (b) => (b.Positions[0].PositionName = ''), 9, /PositionName/],
    ['no UnitCode', (b) => delete b.Positions[0].UnitCode, 9, /UnitCode/],
    ['TaxType 50', (b) => (b.Positions[0].TaxType = 50), 9, /TaxType/],
    ['Tax inconsistent', (b) => (b.Positions[0].Tax = 60), 9, /Tax 60/],
    ['Mark and MarkList', (b) => (b.Positions[0].MarkList = [mark(99)]), 9, /Marlboro.*either Mark or MarkList/],
    ['Mark with Count 2', (b) => Object.assign(b.Positions[1], { MarkList: undefined, Mark: mark(99) }), 9, /Count = 1/],
    ['MarkList length ≠ Count', (b) => b.Positions[1].MarkList.pop(), 9, /MarkList has 1 codes but Count is 2/],
    ['the same code twice', (b) => (b.Positions[1].MarkList = [mark(1), mark(2)]), 9, /more than once/],
    ['no PositionType on 2.0.4', (b) => delete b.Positions[0].PositionType, 9, /PositionType/],
    ['PaymentType 2', (b) => (b.Payments = [{ Sum: 4500, PaymentType: 2 }]), 9, /PaymentType/],
    ['PaymentType twice', (b) => (b.Payments = [{ Sum: 2000, PaymentType: 1 }, { Sum: 2500, PaymentType: 1 }]), 9, /more than once/],
    ['payments below total', (b) => (b.Payments = [{ Sum: 4499.99, PaymentType: 1 }]), 9, /less than the check total/],
    ['card overpayment', (b) => Object.assign(b, { Payments: [{ Sum: 5000, PaymentType: 1 }], Change: null }), 9, /change/],
    ['wrong Change', (b) => Object.assign(b, { Payments: [{ Sum: 5000, PaymentType: 0 }], Change: 0 }), 9, /Change/],
    ['no ExternalCheckNumber', (b) => delete b.ExternalCheckNumber, 9, /ExternalCheckNumber/],
    ['ExternalCheckNumber > 50', (b) => (b.ExternalCheckNumber = 'x'.repeat(51)), 9, /50/],
    ['return without basis', (b) => (b.OperationType = 3), 255, /ReturnBasisDetails/],
  ];
  it.each(invalid)('refuses %s', async (_name, mutate, code, text) => {
    await start();
    const token = await login();
    const body = sale(token, 'bad');
    mutate(body);
    const r = await check(body);
    expect(r.status).toBe(200);
    expect(r.json.Data).toBeNull();
    expect(codes(r)).toEqual([code]);
    expect(r.json.Errors[0].Text).toMatch(text);
    expect(emu!.receipts()).toHaveLength(0);
    // A refused check does not burn its ExternalCheckNumber (when it had a valid one).
    if (typeof body.ExternalCheckNumber === 'string' && body.ExternalCheckNumber.length <= 50 && code !== 6) {
      expect((await check(sale(token, body.ExternalCheckNumber))).json.Errors).toEqual([]);
    }
  });

  it('protocol 2.0.3 accepts positions without PositionType', async () => {
    await start({ protocol: '2.0.3' });
    const token = await login();
    const body = sale(token, 'p203');
    for (const p of body.Positions) delete p.PositionType;
    expect((await check(body)).json.Errors).toEqual([]);
  });
});

describe('webkassa: idempotency and history', () => {
  it('a duplicate ExternalCheckNumber answers 14 with the stored Data and issues nothing', async () => {
    await start();
    const token = await login();
    const first = await check(sale(token, 'dup-1'));
    const again = await check(sale(token, 'dup-1', { Payments: [{ Sum: 4500, PaymentType: 0 }] }));
    expect(codes(again)).toEqual([14]);
    expect(again.json.Data).toEqual(first.json.Data);
    expect(emu!.receipts()).toHaveLength(1);
    expect(emu!.requests().filter((r) => r.path === '/api/v4/check').map((r) => r.errorCodes)).toEqual([[], [14]]);
    // Another cashbox has its own ExternalCheckNumber space.
    expect((await check(sale(token, 'dup-1', { CashboxUniqueNumber: CB2 }))).json.Errors).toEqual([]);
    expect(emu!.receipts()).toHaveLength(2);
  });

  it('GetTicketByExternalCheckNumber: 19 when absent, the sale answer when present', async () => {
    await start();
    const token = await login();
    const path = '/api-history/v4/Ticket/GetTicketByExternalCheckNumber';
    const absent = await post(path, { Token: token, CashboxUniqueNumber: CB1, ExternalCheckNumber: 'h-1' });
    expect(codes(absent)).toEqual([19]);
    const s = await check(sale(token, 'h-1'));
    const found = await post(path, { Token: token, CashboxUniqueNumber: CB1, ExternalCheckNumber: 'h-1' });
    expect(found.json.Errors).toEqual([]);
    expect(found.json.Data).toEqual(s.json.Data);
    expect(codes(await post(path, { Token: token, CashboxUniqueNumber: CB1, ExternalCheckNumber: 'h-1', ShiftNumber: 1 }))).toEqual([]);
    expect(codes(await post(path, { Token: token, CashboxUniqueNumber: CB1, ExternalCheckNumber: 'h-1', ShiftNumber: 7 }))).toEqual([19]);
    expect(codes(await post(path, { Token: token, CashboxUniqueNumber: CB2, ExternalCheckNumber: 'h-1' }))).toEqual([19]);
  });
});

describe('webkassa: shifts', () => {
  it('a shift older than 24 h → 11; ZReport closes it; the next check opens shift 2', async () => {
    await start();
    const token = await login();
    expect((await check(sale(token, 's-1'))).json.Data.ShiftNumber).toBe(1);
    emu!.setShiftOpenedAt(CB1, clock - 25 * HOUR);
    const old = await check(sale(token, 's-2', {}, 10));
    expect(codes(old)).toEqual([11]);
    const x = await post('/api/v4/XReport', { Token: token, CashboxUniqueNumber: CB1 });
    expect(x.json.Data).toMatchObject({ ShiftNumber: 1, DocumentCount: 1, CashboxSN: CB1 });
    expect(x.json.Data.Sell).toMatchObject({ Count: 1, PaymentsByTypesApiModel: [{ Sum: 4500, Type: 1 }] });
    const z = await post('/api/v4/ZReport', { Token: token, CashboxUniqueNumber: CB1 });
    expect(z.json.Errors).toEqual([]);
    expect(z.json.Data).toMatchObject({ ShiftNumber: 1, DocumentCount: 1, CloseOn: expect.any(String) });
    expect(codes(await post('/api/v4/ZReport', { Token: token, CashboxUniqueNumber: CB1 }))).toEqual([13]);
    expect(codes(await post('/api/v4/XReport', { Token: token, CashboxUniqueNumber: CB1 }))).toEqual([13]);
    const next = await check(sale(token, 's-2', {}, 10));
    expect(next.json.Data).toMatchObject({ ShiftNumber: 2, CheckOrderNumber: 1 });
    const hist = await post('/api/v4/Cashbox/ShiftHistory', { Token: token, CashboxUniqueNumber: CB1, Skip: 0, Take: 10 });
    expect(hist.json.Data.map((h: { ShiftNumber: number; CloseDate: string | null }) => [h.ShiftNumber, h.CloseDate === null])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(codes(await post('/api/v4/Cashbox/ShiftHistory', { Token: token, CashboxUniqueNumber: CB1, Skip: -1, Take: 10 }))).toEqual([9]);
  });

  it('the admin route ages a shift too', async () => {
    await start();
    const token = await login();
    await check(sale(token, 'sa-1'));
    const r = await fetch(`${emu!.url}/_emulator/cashboxes/${CB1}/shift`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openedAt: new Date(clock - 24 * HOUR - 1000).toISOString() }) });
    expect(r.status).toBe(200);
    expect(codes(await check(sale(token, 'sa-2', {}, 10)))).toEqual([11]);
    expect((await fetch(`${emu!.url}/_emulator/cashboxes/NOPE/shift`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"openedAt":0}' })).status).toBe(404);
  });
});

describe('webkassa: autonomous mode', () => {
  it('offline → OfflineMode true with an autonomous sign; 72 h after the first offline check → 18', async () => {
    await start();
    const token = await login();
    const online = await check(sale(token, 'o-0'));
    emu!.setFaults({ offline: true });
    const r = await check(sale(token, 'o-1', {}, 10));
    expect(r.json.Data).toMatchObject({ OfflineMode: true, CashboxOfflineMode: true });
    expect(r.json.Data.CheckNumber).not.toBe(online.json.Data.CheckNumber);
    expect(r.json.Data.CheckNumber.endsWith('1')).toBe(true);
    expect(online.json.Data.CheckNumber.endsWith('0')).toBe(true);
    expect(emu!.receipts()[1].offline).toBe(true);
    clock += 71 * HOUR;
    emu!.setShiftOpenedAt(CB1, clock); // keep the shift young: only the offline age matters here
    expect((await check(sale(token, 'o-2', {}, 20))).json.Data.OfflineMode).toBe(true);
    clock += 2 * HOUR;
    const blocked = await check(sale(token, 'o-3', {}, 30));
    expect(codes(blocked)).toEqual([18]);
    emu!.setFaults({});
    const back = await check(sale(token, 'o-3', {}, 30));
    expect(back.json.Data.OfflineMode).toBe(false);
  });

  it('offlineSince older than 72 h → 18 on every check until the fault is cleared', async () => {
    await start();
    const token = await login();
    emu!.setFaults({ offlineSince: new Date(clock - 73 * HOUR).toISOString() });
    expect(codes(await check(sale(token, 'os-1')))).toEqual([18]);
    expect(codes(await check(sale(token, 'os-2', {}, 10)))).toEqual([18]);
    expect(emu!.receipts()).toHaveLength(0);
    emu!.setFaults({ offlineSince: clock - 10 * HOUR });
    expect((await check(sale(token, 'os-1'))).json.Data.OfflineMode).toBe(true);
    emu!.setFaults({});
    expect((await check(sale(token, 'os-2', {}, 10))).json.Data.OfflineMode).toBe(false);
  });
});

describe('webkassa: transport faults', () => {
  it('domainUnavailable → 505 in the envelope (HTTP 200) with AlternativeDomainNames', async () => {
    await start();
    const token = await login();
    emu!.setFaults({ domainUnavailable: { alternatives: ['kkm2.webkassa.kz', 'kkm3.webkassa.kz'] } });
    const r = await check(sale(token, 'd-1'));
    expect(r.status).toBe(200);
    expect(codes(r)).toEqual([505]);
    expect(r.headers.get('AlternativeDomainNames')).toBe('kkm2.webkassa.kz,kkm3.webkassa.kz');
    expect(codes(await post('/api/v4/Authorize', { Login: 'demo@webkassa.kz', Password: 'demo' }))).toEqual([505]);
    expect(emu!.receipts()).toHaveLength(0);
    expect((await fetch(`${emu!.url}/_emulator/faults`)).status).toBe(200); // admin never faulted
  });

  it('overlapping requests on one cashbox → 9; two cashboxes run in parallel', async () => {
    await start();
    const token = await login();
    emu!.setFaults({ hangAfterIssueMs: 300 });
    const a = check(sale(token, 'c-a'));
    await untilRequests(2);
    const c = check(sale(token, 'c-c', { CashboxUniqueNumber: CB2 }));
    await untilRequests(3);
    const b = await check(sale(token, 'c-b', {}, 10));
    expect(codes(b)).toEqual([9]);
    expect(b.json.Errors[0].Text).toMatch(/sequence/);
    const [ra, rc] = await Promise.all([a, c]);
    expect(ra.json.Errors).toEqual([]);
    expect(rc.json.Errors).toEqual([]);
    expect(emu!.receipts().map((r) => r.externalCheckNumber)).toEqual(['c-a', 'c-c']);
    // Once A has answered, the cashbox takes requests again.
    emu!.setFaults({});
    expect((await check(sale(token, 'c-b', {}, 10))).json.Errors).toEqual([]);
  });

  it('latencyMs holds the cashbox lock too', async () => {
    await start();
    const token = await login();
    emu!.setFaults({ latencyMs: 200, cashbox: CB1 });
    const a = post('/api/v4/XReport', { Token: token, CashboxUniqueNumber: CB1 });
    await untilRequests(2);
    const b = check(sale(token, 'l-b'));
    expect(codes(await a)).toEqual([13]);
    expect(codes(await b)).toEqual([9]);
  });

  it('resetConnections: the check is issued, the answer never arrives; the retry gets 14', async () => {
    await start();
    const token = await login();
    emu!.setFaults({ resetConnections: true });
    await expect(check(sale(token, 'r-1'))).rejects.toThrow();
    expect(emu!.receipts()).toHaveLength(1);
    expect(emu!.requests().at(-1)).toMatchObject({ externalCheckNumber: 'r-1', httpStatus: 0 });
    emu!.setFaults({});
    const retry = await check(sale(token, 'r-1'));
    expect(codes(retry)).toEqual([14]);
    expect(retry.json.Data.CheckNumber).toBe(emu!.receipts()[0].checkNumber);
    expect(emu!.receipts()).toHaveLength(1);
  });

  it('hangAfterIssueMs: the client times out after the check was issued; the cashbox stays busy', async () => {
    await start();
    const token = await login();
    emu!.setFaults({ hangAfterIssueMs: 60_000 });
    await expect(check(sale(token, 'hang-1'), undefined, AbortSignal.timeout(150))).rejects.toThrow();
    expect(emu!.receipts()).toHaveLength(1);
    const busy = await post('/api-history/v4/Ticket/GetTicketByExternalCheckNumber', { Token: token, CashboxUniqueNumber: CB1, ExternalCheckNumber: 'hang-1' });
    expect(codes(busy)).toEqual([9]);
    // close() does not wait for the hang (afterEach).
  });

  it('errorRate → errorStatus, outage → 503, nothing processed', async () => {
    await start({ seed: 7 });
    const token = await login();
    emu!.setFaults({ errorRate: 1, errorStatus: 502 });
    expect((await check(sale(token, 'f-1'))).status).toBe(502);
    emu!.setFaults({ outage: true });
    expect((await check(sale(token, 'f-1'))).status).toBe(503);
    expect((await post('/api/v4/Authorize', { Login: 'demo@webkassa.kz', Password: 'demo' })).status).toBe(503);
    expect(emu!.receipts()).toHaveLength(0);
    expect(emu!.requests().slice(-3).map((r) => r.httpStatus)).toEqual([502, 503, 503]);
  });

  it('blockedCashboxes → 7; a cashbox-scoped fault spares other cashboxes and auth', async () => {
    await start();
    const token = await login();
    emu!.setFaults({ blockedCashboxes: [CB1] });
    expect(codes(await check(sale(token, 'b-1')))).toEqual([7]);
    expect((await check(sale(token, 'b-1', { CashboxUniqueNumber: CB2 }))).json.Errors).toEqual([]);
    emu!.setFaults({ outage: true, cashbox: CB1 });
    expect((await check(sale(token, 'b-2'))).status).toBe(503);
    const t2 = await login();
    expect((await check(sale(t2, 'b-3', { CashboxUniqueNumber: CB2 }, 10))).json.Errors).toEqual([]);
  });
});

describe('webkassa: returns', () => {
  async function sold(token: string) {
    const s = await check(sale(token, 'sale-1'));
    expect(s.json.Errors).toEqual([]);
    const d = s.json.Data;
    const basis = { CheckNumber: d.CheckNumber, DateTime: d.DateTime, RegistrationNumber: d.Cashbox.RegistrationNumber, Total: 4500, IsOffline: false };
    const ret = (ext: string, over: Record<string, unknown> = {}, code = mark(1)) => ({
      Token: token,
      CashboxUniqueNumber: CB1,
      OperationType: 3,
      Positions: [{ Count: 1, Price: 500, TaxPercent: 12, Tax: 53.57, TaxType: 100, PositionName: 'Marlboro', UnitCode: 796, Gtin: '4870249811936', Ntin: '0200000000001', Mark: code, PositionType: 0 }],
      Payments: [{ Sum: 500, PaymentType: 1 }],
      ReturnBasisDetails: basis,
      RoundType: 2,
      ExternalCheckNumber: ext,
      ...over,
    });
    return { basis, ret };
  }

  it('a matching return basis is accepted, once per code', async () => {
    await start();
    const token = await login();
    const { basis, ret } = await sold(token);
    const r = await check(ret('ret-1'));
    expect(r.json.Errors).toEqual([]);
    const rec = emu!.receipts()[1];
    expect(rec).toMatchObject({ operationType: 3, total: 500, returnBasis: basis });
    expect(codes(await check(ret('ret-2')))).toEqual([9]);
    // ISO DateTime format of the basis is accepted too.
    expect((await check(ret('ret-3', { ReturnBasisDetails: { ...basis, DateTime: '2026-03-14T07:00:00.000Z' } }, mark(2)))).json.Errors).toEqual([]);
  });

  const mismatches: [string, (b: Record<string, any>) => Record<string, unknown>, RegExp][] = [
    ['unknown CheckNumber', (b) => ({ ...b, CheckNumber: '100000000000' }), /no sale/],
    ['another RegistrationNumber', (b) => ({ ...b, RegistrationNumber: '999999999999' }), /no sale/],
    ['wrong Total', (b) => ({ ...b, Total: 5000 }), /Total/],
    ['wrong IsOffline', (b) => ({ ...b, IsOffline: true }), /IsOffline/],
    ['bad DateTime', (b) => ({ ...b, DateTime: 'yesterday' }), /DateTime/],
  ];
  it.each(mismatches)('a return basis with %s is refused (9)', async (_n, change, text) => {
    await start();
    const token = await login();
    const { basis, ret } = await sold(token);
    const r = await check(ret('ret-x', { ReturnBasisDetails: change(basis) }));
    expect(codes(r)).toEqual([9]);
    expect(r.json.Errors[0].Text).toMatch(text);
    expect(emu!.receipts()).toHaveLength(1);
  });

  it('a code that was not sold in the basis is refused', async () => {
    await start();
    const token = await login();
    const { ret } = await sold(token);
    const r = await check(ret('ret-y', {}, mark(77)));
    expect(codes(r)).toEqual([9]);
    expect(r.json.Errors[0].Text).toMatch(/not sold/);
  });
});

describe('webkassa: info and admin', () => {
  it('client-info answers the reference shape', async () => {
    await start();
    const token = await login();
    const r = await post('/api-portal/v4/cashbox/client-info', { Token: token, CashboxUniqueNumber: CB2 });
    expect(r.json.Data).toMatchObject({
      CashboxUniqueNumber: CB2,
      CashboxRegistrationNumber: expect.stringMatching(/^\d{12}$/),
      CashboxStatus: expect.any(Number),
      License: { LicenseStatus: expect.any(Number), LicenseExpirationDate: expect.any(String) },
      Ofd: { Ofd: expect.any(Number), Expiration: expect.any(String) },
    });
  });

  it('admin surface: faults validation, requests, reset; unknown paths → 404', async () => {
    await start({ cashboxes: ['KB1'] });
    const bad = await fetch(`${emu!.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 'slow' }) });
    expect(bad.status).toBe(400);
    const set = await fetch(`${emu!.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: true }) });
    expect(await set.json()).toEqual({ outage: true });
    expect(await (await fetch(`${emu!.url}/_emulator/faults`)).json()).toEqual({ outage: true });
    expect((await post('/api/v4/Authorize', {})).status).toBe(503);
    expect((await fetch(`${emu!.url}/_emulator/reset`, { method: 'POST' })).status).toBe(200);
    expect(emu!.requests()).toHaveLength(0);
    const token = await login();
    expect((await check(sale(token, 'kb', { CashboxUniqueNumber: 'KB1' }))).json.Errors).toEqual([]);
    expect((await post('/api/v4/MoneyOperation', {})).status).toBe(404);
    const reqs = (await (await fetch(`${emu!.url}/_emulator/requests`)).json()) as { path: string }[];
    expect(reqs.map((r) => r.path)).toEqual(['/api/v4/Authorize', '/api/v4/check', '/api/v4/MoneyOperation']);
    expect(() => emu!.setFaults({ errorRate: 2 } as never)).toThrow();
  });
});
