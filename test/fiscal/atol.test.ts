/**
 * The ATOL channel over real HTTP against the ATOL web server emulator (which shares no code with it):
 * sell / sellReturn tasks (one position per marked unit, imc = base64 of the KM with GS, itemInfoCheckResult
 * and industryInfo from the code's check), the uuid idempotency (409 → the first result), ambiguous sends
 * reconciled with findByKey, the refusals the channel acts on (shift expired, paper, 30 days unsent), health,
 * and per-register serialisation.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createAtolEmulator, type AtolEmulator } from '../../src/emulator/atol/index.js';
import {
  atolConfigSchema,
  atolIndustryDate,
  atolRequestUuid,
  createAtolChannel,
  isUuid,
  type AtolChannel,
  type AtolConfigInput,
  type AtolPosition,
  type AtolReceiptTask,
} from '../../src/fiscal/atol/index.js';
import { FiscalError } from '../../src/fiscal/types.js';
import type { CodeCheck, MarkCode } from '../../src/sale/types.js';
import { GS, key, line, mark, receipt } from './factory.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function emulator(opts: Parameters<typeof createAtolEmulator>[0] = {}): Promise<AtolEmulator> {
  const e = await createAtolEmulator(opts);
  cleanup.push(() => e.close());
  return e;
}

function channel(emu: { url: string }, over: Partial<AtolConfigInput> = {}, deps: Parameters<typeof createAtolChannel>[1] = {}): AtolChannel {
  const ch = createAtolChannel({ channel: 'atol', url: emu.url, timeoutMs: 5_000, pollIntervalMs: 10, pollTimeoutMs: 5_000, ...over }, deps);
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

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const REQUISITE = 'UUID=3f2a8c1e-0b7d-4e59-9a61-2c4d5e6f7a8b&Time=1735900000000';
const onlineCheck = (over: Partial<CodeCheck> = {}): CodeCheck => ({
  verdict: 'allow',
  checked: true,
  online: true,
  checkedAt: '2026-03-14T07:04:59.000Z',
  requisites: { fois: '030', date: '21.11.2023', number: '1944', value: REQUISITE },
  ...over,
});
const checked = (code: MarkCode, check: CodeCheck): MarkCode => ({ ...code, check });
const rub = (over: Parameters<typeof line>[0] = {}) => line({ vatRate: 22, ...over });
const decode = (imc: string) => Buffer.from(imc, 'base64').toString('latin1');
const taskOf = (emu: AtolEmulator, i = -1) => emu.receipts().at(i)!.task as unknown as AtolReceiptTask;

describe('atol: receipt task', () => {
  it('sells one position per marked unit with imcParams (imc = base64 of the KM with GS) and industryInfo from the check', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const two = [checked(mark('KRdZ8wq1AbC01'), onlineCheck()), checked(mark('KRdZ8wq1AbC02'), onlineCheck())];
    const one = mark('KRdZ8wq1AbC03');
    const r = receipt(
      [
        rub({ name: 'Туфли', price: 300_000, quantity: 2, codes: two }),
        rub({ name: 'Сигареты', price: 25_050, codes: [one], vatRate: 20 }),
        rub({ name: 'Пакет', price: 1_000, quantity: 3, vatRate: null }),
      ],
      { payments: [{ type: 'card', amount: 628_050 }] },
    );
    const k = key();
    const result = await ch.sell(r, k);

    const [issued] = emu.receipts();
    expect(emu.receipts()).toHaveLength(1);
    expect(issued.uuid).toBe(atolRequestUuid(k));
    const task = issued.task as unknown as AtolReceiptTask;
    expect(task).toMatchObject({ type: 'sell', taxationType: 'osn', validateMarkingCodes: true, payments: [{ type: 'electronically', sum: 6280.5 }] });
    expect(task.items).toHaveLength(4);
    const [a, b, c, bag] = task.items as AtolPosition[];
    for (const [pos, code] of [[a, two[0]], [b, two[1]]] as const) {
      expect(pos).toMatchObject({ type: 'position', name: 'Туфли', price: 3000, quantity: 1, amount: 3000, measurementUnit: 'piece', paymentMethod: 'fullPayment', paymentObject: 'commodityWithMarking', tax: { type: 'vat22' } });
      expect(pos.imcParams).toMatchObject({ imcType: 'auto', itemEstimatedStatus: 'itemPieceSold', imcModeProcessing: 0 });
      expect(decode(pos.imcParams!.imc)).toBe(code.km);
      expect(decode(pos.imcParams!.imc)).toContain(GS);
      expect(pos.imcParams!.itemInfoCheckResult).toEqual({ imcCheckFlag: true, imcCheckResult: true, imcStatusInfo: true, imcEstimatedStatusCorrect: true, ecrStandAloneFlag: false });
      expect(pos.industryInfo).toEqual([{ fois: '030', date: '2023.11.21', number: '1944', industryAttribute: REQUISITE }]);
    }
    // A code without a check: the KKT checks it itself (validateMarkingCodes); nothing invented.
    expect(c).toMatchObject({ price: 250.5, quantity: 1, amount: 250.5, tax: { type: 'vat20' } });
    expect(decode(c.imcParams!.imc)).toBe(one.km);
    expect(c.imcParams!.itemInfoCheckResult).toBeUndefined();
    expect(c.industryInfo).toBeUndefined();
    expect(bag).toEqual({ type: 'position', name: 'Пакет', price: 10, quantity: 3, amount: 30, measurementUnit: 'piece', paymentMethod: 'fullPayment', paymentObject: 'commodity', tax: { type: 'none' } });
    expect(emu.receipts()[0].kms).toEqual([two[0].km, two[1].km, one.km]);

    expect(result).toMatchObject({
      channel: 'atol',
      fiscalSign: issued.fiscalDocumentSign,
      registrationNumber: issued.registrationNumber,
      number: issued.fiscalDocumentNumber,
      shift: issued.shiftNumber,
      total: 628_050,
      isOffline: false,
      extra: { fnNumber: issued.fnNumber, fiscalDocumentNumber: issued.fiscalDocumentNumber, fiscalReceiptNumber: 1, uuid: issued.uuid },
    });
    expect(result.dateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(result.qr).toMatch(new RegExp(`^t=\\d{8}T\\d{4}&s=6280\\.50&fn=${issued.fnNumber}&i=${issued.fiscalDocumentNumber}&fp=${issued.fiscalDocumentSign}&n=1$`));
  });

  it('a code checked offline goes with ecrStandAloneFlag and its offline 1265 form; the result is marked offline', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const value = `${REQUISITE}&Inst=lm-01&Ver=1.4.2`;
    const code = checked(mark('OFFline000001'), onlineCheck({ online: false, requisites: { fois: '030', date: '21.11.2023', number: '1944', value } }));
    const res = await ch.sell(receipt([rub({ codes: [code] })]), key());
    const pos = taskOf(emu).items[0];
    expect(pos.imcParams!.itemInfoCheckResult).toMatchObject({ imcCheckFlag: true, ecrStandAloneFlag: true });
    expect(pos.industryInfo![0].industryAttribute).toBe(value);
    expect(res.isOffline).toBe(true);
  });

  it('a code not checked in time says so (imcCheckFlag false) and needs no requisite', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const code = checked(mark('NotChecked001'), { verdict: 'unknown', checked: false, online: false, checkedAt: '2026-03-14T07:04:59.000Z' });
    await ch.sell(receipt([rub({ codes: [code] })]), key());
    const pos = taskOf(emu).items[0];
    expect(pos.imcParams!.itemInfoCheckResult).toEqual({ imcCheckFlag: false, imcCheckResult: false, imcStatusInfo: false, imcEstimatedStatusCorrect: false, ecrStandAloneFlag: true });
    expect(pos.industryInfo).toBeUndefined();
  });

  it('the configurable forms: measurementUnit as a number, the 1263 date as dd.mm.yyyy, excise, operator, another VAT map', async () => {
    const emu = await emulator();
    const ch = channel(emu, { measurementUnitForm: 'code', paymentObject: 'exciseWithMarking', operator: { name: 'Иванова', vatin: '500100732259' }, taxationType: 'usnIncome', vatTypes: { '12': 'vat10' } });
    await ch.sell(receipt([rub({ codes: [mark('Excise0000001')], vatRate: 12 }), rub({ name: 'Сыр', price: 80_000, quantity: 0.25, unit: '166', vatRate: 10 })]), key());
    const t = taskOf(emu);
    expect(t).toMatchObject({ taxationType: 'usnIncome', operator: { name: 'Иванова', vatin: '500100732259' } });
    expect(t.items[0]).toMatchObject({ measurementUnit: 0, paymentObject: 'exciseWithMarking', tax: { type: 'vat10' } });
    expect(t.items[1]).toMatchObject({ measurementUnit: 11, quantity: 0.25, amount: 200, tax: { type: 'vat10' } });
    expect(atolIndustryDate('21.11.2023', 'dd.mm.yyyy')).toBe('21.11.2023');
    expect(atolIndustryDate('21.11.2023', 'yyyy.mm.dd')).toBe('2023.11.21');
    expect(atolIndustryDate('2023-11-21', 'yyyy.mm.dd')).toBe('2023.11.21');
    // The driver's validator wants yyyy.mm.dd: the other form is refused by it, for good.
    const dd = channel(emu, { industryDateForm: 'dd.mm.yyyy' });
    const e = await rejection(dd.sell(receipt([rub({ codes: [checked(mark('DateForm00001'), onlineCheck())] })]), key()));
    expect(e).toMatchObject({ kind: 'permanent', code: 'atol-501', details: { channelCode: 501 } });
    expect(e.message).toContain('industryInfo.date');
  });

  it('a measured marked line (weight) goes as one position with itemDryForSale', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const cheese = mark('Weighed000001');
    await ch.sell(receipt([rub({ name: 'Сыр', price: 120_000, quantity: 0.354, unit: '166', codes: [cheese] })]), key());
    const [pos] = taskOf(emu).items;
    expect(pos).toMatchObject({ quantity: 0.354, amount: 424.8, measurementUnit: 'kilogram', paymentObject: 'commodityWithMarking' });
    expect(pos.imcParams).toMatchObject({ itemEstimatedStatus: 'itemDryForSale' });
  });

  it('cash beyond the total is left to the KKT to give change; card and mobile are both electronically', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    await ch.sell(
      receipt([rub({ price: 100_000 })], { payments: [{ type: 'card', amount: 40_000 }, { type: 'mobile', amount: 10_000 }, { type: 'cash', amount: 60_000 }] }),
      key(),
    );
    expect(taskOf(emu).payments).toEqual([{ type: 'electronically', sum: 500 }, { type: 'cash', sum: 600 }]);
  });

  it('a return is sellReturn with itemPieceReturn and the same KM; no basis of the sale is sent', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const code = mark('Returned00001');
    const sale = await ch.sell(receipt([rub({ codes: [code] })]), key());
    const ret = await ch.refund(receipt([rub({ codes: [code] })], { type: 'return', saleId: 'x' }), sale, key());
    const t = taskOf(emu);
    expect(t.type).toBe('sellReturn');
    expect(t.items[0].imcParams!.itemEstimatedStatus).toBe('itemPieceReturn');
    expect(decode(t.items[0].imcParams!.imc)).toBe(code.km);
    expect(JSON.stringify(t)).not.toContain(sale.fiscalSign);
    expect(ret.qr).toMatch(/&n=2$/);
    expect(emu.receipts().map((r) => r.type)).toEqual(['sell', 'sellReturn']);
  });

  it('refuses, before any request, what ATOL cannot take; validate() says so at intake', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const half = rub({ codes: [mark('Partial000001')], quantity: 0.5 });
    const kz = rub({ vatRate: 12 });
    const r = receipt([half, kz]);
    expect(ch.validate!(r, null)).toEqual([
      { field: 'lines[0].quantity', problem: expect.stringContaining('itemFractionalAmount'), fix: expect.stringContaining('whole units') },
      { field: 'lines[1].vatRate', problem: 'VAT rate 12 % has no ATOL tax type', fix: expect.stringContaining('vatTypes') },
    ]);
    expect(ch.validate!(receipt([rub({ codes: [mark('Fine000000001')] }), rub({ vatRate: null })]), null)).toEqual([]);
    expect(ch.validate!({ ...receipt([rub()]), legacy: true }, null)).toHaveLength(1);
    expect(await rejection(ch.sell(receipt([kz]), key()))).toMatchObject({ kind: 'permanent', code: 'bad-receipt' });
    expect(await rejection(ch.sell(receipt([half]), key()))).toMatchObject({ kind: 'permanent', code: 'bad-receipt' });
    expect(emu.requests()).toEqual([]);
  });
});

describe('atol: idempotency and reconciliation', () => {
  it('maps the key to a request uuid deterministically; a uuid key is used as it is', () => {
    const k = 'store-1:till-1:sale-42';
    expect(isUuid(atolRequestUuid(k))).toBe(true);
    expect(atolRequestUuid(k)).toBe(atolRequestUuid(k));
    expect(atolRequestUuid(k)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(atolRequestUuid(k, 1)).not.toBe(atolRequestUuid(k));
    expect(atolRequestUuid(k, 1)).toBe(atolRequestUuid(k, 1));
    expect(atolRequestUuid('5E1B1C1A-3D4F-4A5B-8C6D-7E8F9A0B1C2D')).toBe('5e1b1c1a-3d4f-4a5b-8c6d-7e8f9a0b1c2d');
    expect(atolRequestUuid('a')).not.toBe(atolRequestUuid('b'));
  });

  it('the same key twice is one receipt: the second send gets 409 and reads the first result', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const r = receipt([rub({ codes: [mark('Duplicate0001')] })]);
    const k = key();
    const a = await ch.sell(r, k);
    const other = channel(emu); // another process / after a restart: no memory of the first
    const b = await other.sell(r, k);
    expect(b).toEqual(a);
    expect(emu.receipts()).toHaveLength(1);
    expect(emu.requests().filter((q) => q.method === 'POST').map((q) => q.httpStatus)).toEqual([201, 409]);
  });

  it('a reset after the request was accepted is unknown-result; findByKey finds the receipt, no second one', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const r = receipt([rub({ codes: [mark('ResetAfter001')] })]);
    const k = key();
    emu.setFaults({ resetConnections: true });
    const e = await rejection(ch.sell(r, k));
    expect(e.kind).toBe('unknown-result');
    emu.setFaults({});
    const found = await ch.findByKey(k, r);
    expect(found).toMatchObject({ channel: 'atol', fiscalSign: emu.receipts()[0].fiscalDocumentSign });
    expect(await ch.sell(r, k)).toEqual(found);
    expect(emu.receipts()).toHaveLength(1);
  });

  it('a hang after the request was accepted (client timeout) is unknown-result; reconciled with one receipt', async () => {
    const emu = await emulator();
    const ch = channel(emu, { timeoutMs: 300 });
    const r = receipt([rub({ codes: [mark('HangAfter0001')] })]);
    const k = key();
    emu.setFaults({ hangAfterIssueMs: 2_000 });
    const e = await rejection(ch.sell(r, k));
    expect(e).toMatchObject({ kind: 'unknown-result', code: 'timeout' });
    emu.setFaults({});
    const found = await ch.findByKey(k, r);
    expect(found?.fiscalSign).toBe(emu.receipts()[0].fiscalDocumentSign);
    expect(emu.receipts()).toHaveLength(1);
  });

  it('a task still pending when pollTimeoutMs passes is unknown-result, and findByKey cannot tell until it finishes', async () => {
    const emu = await emulator({ faults: { processingDelayMs: 60_000 } });
    const ch = channel(emu, { pollTimeoutMs: 150 });
    const r = receipt([rub({ codes: [mark('Pending000001')] })]);
    const k = key();
    expect(await rejection(ch.sell(r, k))).toMatchObject({ kind: 'unknown-result', code: 'atol-pending' });
    expect(await rejection(ch.findByKey(k, r))).toMatchObject({ kind: 'unknown-result', code: 'atol-pending' });
    emu.setFaults({});
    expect(await ch.findByKey(k, r)).toMatchObject({ fiscalSign: emu.receipts()[0].fiscalDocumentSign });
    expect(emu.receipts()).toHaveLength(1);
  });

  it('findByKey of a receipt never received is null (safe to send)', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    expect(await ch.findByKey(key(), receipt([rub()]))).toBeNull();
    expect(emu.requests()).toMatchObject([{ method: 'GET', httpStatus: 404 }]);
  });
});

describe('atol: refusals', () => {
  it('shift older than 24 h: closeShift + openShift, then the receipt once more under the next uuid', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    await ch.sell(receipt([rub()]), key());
    const firstShift = emu.receipts()[0].shiftNumber;
    emu.setFaults({ shiftExpired: true });
    const k = key();
    const res = await ch.sell(receipt([rub({ codes: [mark('ShiftExp00001')] })]), k);
    const posts = emu.requests().filter((q) => q.method === 'POST').slice(1);
    expect(posts.map((q) => q.tasks)).toEqual([['sell'], ['closeShift', 'openShift'], ['sell']]);
    expect(posts[2].uuid).toBe(atolRequestUuid(k, 1));
    expect(res.shift).toBe(firstShift + 1);
    expect(emu.receipts()).toHaveLength(2);
    // The same key again (another channel, no memory): the refused uuid is passed over, the result read back.
    expect(await channel(emu).sell(receipt([rub({ codes: [mark('ShiftExp00001')] })]), k)).toEqual(res);
    expect(await channel(emu).findByKey(k, receipt([rub()]))).toEqual(res);
    expect(emu.receipts()).toHaveLength(2);
  });

  it('shift older than 24 h without autoCloseShift: blocked with what to do', async () => {
    const emu = await emulator({ faults: { shiftExpired: true } });
    const ch = channel(emu, { autoCloseShift: false });
    const e = await rejection(ch.sell(receipt([rub()]), key()));
    expect(e).toMatchObject({ kind: 'blocked', code: 'atol-68' });
    expect(e.message).toMatch(/close it/);
    const h = await ch.health();
    expect(h.ok).toBe(false);
    expect(h.problems.map((p) => p.code)).toContain('shift-expired');
  });

  it('paper out: blocked with the advice; once loaded, the same receipt goes under its next uuid, once', async () => {
    const emu = await emulator({ faults: { paperOut: true } });
    const ch = channel(emu);
    const r = receipt([rub({ codes: [mark('PaperOut00001')] })]);
    const k = key();
    const e = await rejection(ch.sell(r, k));
    expect(e).toMatchObject({ kind: 'blocked', code: 'atol-44', details: { channelCode: 44 } });
    expect(e.message).toMatch(/load receipt paper/);
    const h = await ch.health();
    expect(h.ok).toBe(false);
    expect(h.problems.map((p) => p.code)).toContain('no-paper');
    expect(await ch.findByKey(k, r)).toBeNull(); // refused = proven not issued
    emu.setFaults({});
    const res = await ch.sell(r, k);
    expect(emu.receipts()).toHaveLength(1);
    expect(emu.receipts()[0].uuid).toBe(atolRequestUuid(k, 1));
    expect(res.fiscalSign).toBe(emu.receipts()[0].fiscalDocumentSign);
    expect((await ch.health()).ok).toBe(true);
  });

  it('documents unsent to the OFD: health says offline and for how long; past 30 days receipts are blocked', async () => {
    const now = Date.parse('2026-03-14T07:00:00Z');
    const emu = await emulator({ now: () => now });
    const ch = channel(emu);
    emu.setFaults({ offline: true });
    await ch.sell(receipt([rub()]), key());
    let h = await channel(emu, {}, { now: () => now }).health();
    expect(h).toMatchObject({ ok: true, offline: true, oldestUnsentAt: '2026-03-14T07:00:00.000Z' });
    expect(h.problems.find((p) => p.code === 'fiscal-offline')?.message).toMatch(/30 days before the fiscal drive blocks/);
    emu.setFaults({ offlineSince: now - 31 * 86_400_000 });
    const e = await rejection(ch.sell(receipt([rub()]), key()));
    expect(e).toMatchObject({ kind: 'blocked', code: 'atol-140' });
    expect(e.message).toMatch(/30 days/);
    const ch2 = channel(emu, {}, { now: () => now });
    h = await ch2.health();
    expect(h.ok).toBe(false);
    expect(h.problems.map((p) => p.code)).toContain('fiscal-blocked-30d');
    emu.setFaults({});
    h = await ch2.health();
    expect(h).toMatchObject({ ok: true, offline: false, shift: { number: 1 } });
  });

  it('no link to the KKT is transient; an outage of the web server is transient; no web server is transient', async () => {
    const emu = await emulator({ faults: { kktUnreachable: true } });
    const ch = channel(emu);
    expect(await rejection(ch.sell(receipt([rub()]), key()))).toMatchObject({ kind: 'transient', code: 'atol-2' });
    expect((await ch.health()).problems.map((p) => p.code)).toContain('fiscal-unreachable');
    emu.setFaults({ outage: true });
    expect(await rejection(ch.sell(receipt([rub()]), key()))).toMatchObject({ kind: 'transient', code: 'http-503' });
    const down = channel({ url: `http://127.0.0.1:${await closedPort()}` });
    expect(await rejection(down.sell(receipt([rub()]), key()))).toMatchObject({ kind: 'transient', code: 'network' });
    const h = await down.health();
    expect(h).toMatchObject({ ok: false, problems: [{ code: 'fiscal-unreachable' }] });
  });

  it('the emulator refusing the data is permanent, with the driver code and text', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const code = mark('TwiceInOne001');
    const e = await rejection(ch.sell(receipt([rub({ codes: [code] }), rub({ codes: [code] })]), key()));
    expect(e).toMatchObject({ kind: 'permanent', code: 'atol-160' });
  });
});

describe('atol: health and serialisation', () => {
  it('health reports the shift, the FN and no problems on a working register', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    await ch.sell(receipt([rub()]), key());
    const h = await ch.health();
    expect(h).toEqual({ ok: true, offline: false, shift: { number: 1 }, problems: [] });
  });

  it('requests to one KKT never overlap: each receipt is polled to its end before the next is posted', async () => {
    const emu = await emulator({ processingDelayMs: 20 });
    const ch = channel(emu);
    await Promise.all(Array.from({ length: 5 }, (_, i) => ch.sell(receipt([rub({ codes: [mark(`Serial0000${i}00`)] })]), key())));
    // Each receipt is one block of calls: its POST, then GETs of its uuid only; no uuid comes back later.
    const calls = emu.requests();
    const seen = new Set<string>();
    let current: string | null = null;
    for (const c of calls) {
      if (c.uuid !== current) {
        expect(c.method).toBe('POST');
        expect(seen.has(c.uuid!)).toBe(false);
        current = c.uuid;
        seen.add(current!);
      } else {
        expect(c.method).toBe('GET');
      }
    }
    expect(seen.size).toBe(5);
    expect(calls.filter((c) => c.method === 'GET').length).toBeGreaterThan(5);
    expect(emu.receipts()).toHaveLength(5);
  });

  it('the config schema applies the defaults and merges the VAT map', () => {
    const c = atolConfigSchema.parse({ channel: 'atol' });
    expect(c).toMatchObject({ url: 'http://127.0.0.1:16732', taxationType: 'osn', paymentObject: 'commodityWithMarking', validateMarkingCodes: true, measurementUnitForm: 'name', industryDateForm: 'yyyy.mm.dd', autoCloseShift: true, noVatType: 'none' });
    expect(c.vatTypes).toMatchObject({ '0': 'vat0', '10': 'vat10', '20': 'vat20', '22': 'vat22' });
    expect(atolConfigSchema.parse({ channel: 'atol', vatTypes: { '20': 'vat120' } }).vatTypes).toMatchObject({ '20': 'vat120', '22': 'vat22' });
    expect(atolConfigSchema.safeParse({ channel: 'atol', vatTypes: { '20': 'vat21' } }).success).toBe(false);
    expect(atolConfigSchema.safeParse({ channel: 'atol', password: 'x' }).success).toBe(false);
  });
});

describe('atol: driver-side code validation (beginMarkingCodeValidation)', () => {
  it('begin → status → accept within the budget; the accepted code is then sold without a check result of ours', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const code = mark('DriverCheck01');
    const v = await ch.validateMarkingCode(code);
    expect(v).toMatchObject({ accepted: true, check: { verdict: 'allow', checked: true, online: true }, itemInfoCheckResult: { imcCheckFlag: true, imcCheckResult: true, ecrStandAloneFlag: false } });
    expect(emu.kkt()).toMatchObject({ validation: null, acceptedCodes: 1 });
    expect(emu.requests().filter((q) => q.method === 'POST').map((q) => q.tasks[0])).toEqual(['beginMarkingCodeValidation', 'getMarkingCodeValidationStatus', 'acceptMarkingCode']);
    // The decision attaches the check to the code; the KKT holds it, so the position carries none (and needs no 1260 from us).
    await ch.sell(receipt([rub({ codes: [checked(code, v.check)] })]), key());
    expect(taskOf(emu).items[0].imcParams!.itemInfoCheckResult).toBeUndefined();
    expect(emu.kkt()).toMatchObject({ acceptedCodes: 0 });
  });

  it('a code the marking server refuses is declined (verdict deny)', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const code = mark('DriverDeny001');
    emu.denyCodes([code.ki]);
    const v = await ch.validateMarkingCode(code);
    expect(v).toMatchObject({ accepted: false, check: { verdict: 'deny', checked: true, online: true } });
    expect(emu.requests().filter((q) => q.method === 'POST').at(-1)?.tasks).toEqual(['declineMarkingCode']);
    expect(emu.kkt()).toMatchObject({ validation: null, acceptedCodes: 0 });
  });

  it('a validation already running (401) is cancelled first, then begun again', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const stale = mark('DriverStale01');
    const u = randomUUID();
    await fetch(`${emu.url}/api/v2/requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ uuid: u, request: [{ type: 'beginMarkingCodeValidation', params: { imcType: 'auto', imc: Buffer.from(stale.km).toString('base64'), itemEstimatedStatus: 'itemPieceSold', imcModeProcessing: 0 } }] }),
    });
    await fetch(`${emu.url}/api/v2/requests/${u}`);
    const v = await ch.validateMarkingCode(mark('DriverAfter01'));
    expect(v.accepted).toBe(true);
    expect(emu.requests().filter((q) => q.method === 'POST').map((q) => q.tasks)).toContainEqual(['cancelMarkingCodeValidation', 'beginMarkingCodeValidation']);
  });

  it('out of budget: the validation is cancelled and the code goes as not checked', async () => {
    const emu = await emulator({ validationDelayMs: 60_000 });
    const ch = channel(emu);
    const started = performance.now();
    const v = await ch.validateMarkingCode(mark('DriverSlow001'), { budgetMs: 200 });
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(v).toMatchObject({ accepted: false, itemInfoCheckResult: null, check: { verdict: 'unknown', checked: false, online: false } });
    expect(emu.kkt()).toMatchObject({ validation: null });
  });

  it('offline: the KKT answers autonomously; accepted, but not a verdict of the online system', async () => {
    const emu = await emulator({ faults: { offline: true } });
    const ch = channel(emu);
    const v = await ch.validateMarkingCode(mark('DriverOffl001'), { operation: 'return' });
    expect(v).toMatchObject({ accepted: true, check: { verdict: 'unknown', checked: false, online: false }, itemInfoCheckResult: { ecrStandAloneFlag: true } });
  });
});
