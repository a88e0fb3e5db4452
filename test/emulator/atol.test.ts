/**
 * The ATOL web server emulator over raw HTTP, without tanba's client: the request queue keyed by uuid
 * (201, 409 on a duplicate, 404 unknown, DELETE), asynchronous status, the driver's JSON validation and the
 * FFD 1.2 marking rules (imcParams required on a marked position, industryInfo after an online check),
 * the KKT states (shift, paper, OFD), the code-validation state machine, faults and the admin surface.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAtolEmulator, type AtolEmulator, type TaskResultView } from '../../src/emulator/atol/index.js';

const GS = '\x1d';
const KM = `0104600439931256215Qbag!${GS}93Zjqw`;
const KM2 = `0104600439931256215Qbag2${GS}91EE11${GS}92${'c'.repeat(44)}`;
const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const REQ = { fois: '030', date: '2023.11.21', number: '1944', industryAttribute: 'UUID=3f2a8c1e-0b7d-4e59-9a61-2c4d5e6f7a8b&Time=1735900000000' };
const ONLINE = { imcCheckFlag: true, imcCheckResult: true, imcStatusInfo: true, imcEstimatedStatusCorrect: true, ecrStandAloneFlag: false };

let emu: AtolEmulator;
beforeAll(async () => {
  emu = await createAtolEmulator();
});
afterAll(async () => {
  await emu.close();
});
beforeEach(() => emu.reset());

async function post(uuid: string, request: unknown): Promise<number> {
  const r = await fetch(`${emu.url}/api/v2/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uuid, request }) });
  await r.text();
  return r.status;
}

async function get(uuid: string): Promise<{ status: number; results?: TaskResultView[] }> {
  const r = await fetch(`${emu.url}/api/v2/requests/${uuid}`);
  const body = (await r.json()) as { results?: TaskResultView[] };
  return { status: r.status, results: body.results };
}

/** Posts one request and reads it back once (processing delay 0: finished on the first poll). */
async function run(...tasks: unknown[]): Promise<TaskResultView[]> {
  const uuid = randomUUID();
  expect(await post(uuid, tasks)).toBe(201);
  const g = await get(uuid);
  expect(g.status).toBe(200);
  return g.results!;
}

const position = (over: Record<string, unknown> = {}) => ({
  type: 'position',
  name: 'Туфли',
  price: 3000,
  quantity: 1,
  amount: 3000,
  measurementUnit: 'piece',
  paymentMethod: 'fullPayment',
  paymentObject: 'commodityWithMarking',
  tax: { type: 'vat22' },
  imcParams: { imcType: 'auto', imc: b64(KM), itemEstimatedStatus: 'itemPieceSold', imcModeProcessing: 0, itemInfoCheckResult: ONLINE },
  industryInfo: [REQ],
  ...over,
});
const sell = (items: unknown[], over: Record<string, unknown> = {}) => ({
  type: 'sell',
  taxationType: 'osn',
  validateMarkingCodes: true,
  items,
  payments: [{ type: 'cash', sum: items.reduce((s: number, i) => s + ((i as { amount?: number }).amount ?? 0), 0) }],
  ...over,
});

describe('atol emulator: request queue', () => {
  it('201 then ready with fiscalParams; a duplicate uuid is 409 and issues nothing; unknown uuid is 404', async () => {
    const uuid = randomUUID();
    expect(await post(uuid, [sell([position()])])).toBe(201);
    expect(await post(uuid, [sell([position()])])).toBe(409);
    const g = await get(uuid);
    expect(g.status).toBe(200);
    expect(g.results).toEqual([
      {
        status: 'ready',
        errorCode: 0,
        errorDescription: 'Ошибок нет',
        result: {
          fiscalParams: {
            fiscalDocumentNumber: 2, // 1 = the shift opened automatically
            fiscalDocumentSign: expect.stringMatching(/^\d{10}$/),
            fiscalDocumentDateTime: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+03:00$/),
            fnNumber: '7380440700076512',
            registrationNumber: '0000000001012345',
            fnsUrl: 'www.nalog.gov.ru',
            shiftNumber: 1,
            fiscalReceiptNumber: 1,
            total: 3000,
          },
          warnings: null,
        },
      },
    ]);
    expect(emu.receipts()).toHaveLength(1);
    expect(emu.receipts()[0]).toMatchObject({ uuid, type: 'sell', kms: [KM], total: 3000, offline: false });
    expect((await get(randomUUID())).status).toBe(404);
    expect(await post('not-a-uuid', [sell([position()])])).toBe(400);
    expect(await post(randomUUID(), [])).toBe(400);
    expect(emu.requests().map((r) => `${r.method} ${r.httpStatus}`)).toEqual(['POST 201', 'POST 409', 'GET 200', 'GET 404', 'POST 400', 'POST 400']);
  });

  it('processes asynchronously: waiting until processingDelayMs has passed, then finished on the next poll, in arrival order', async () => {
    emu.setFaults({ processingDelayMs: 60_000 });
    const a = randomUUID();
    const b = randomUUID();
    expect(await post(a, [sell([position()])])).toBe(201);
    expect(await post(b, [sell([position({ imcParams: { ...position().imcParams, imc: b64(KM2) } })])])).toBe(201);
    expect((await get(b)).results).toEqual([{ status: 'wait', errorCode: 0, errorDescription: '' }]);
    expect(emu.receipts()).toHaveLength(0);
    emu.setFaults({ processingDelayMs: 0 });
    expect((await get(b)).results![0].status).toBe('ready');
    expect(emu.receipts().map((x) => x.uuid)).toEqual([a, b]);
  });

  it('a processing delay is real time: the first poll that sees the request finished comes no earlier', async () => {
    emu.setFaults({ processingDelayMs: 120 });
    const u = randomUUID();
    const t0 = performance.now();
    await post(u, [sell([position()])]);
    let r = await get(u);
    while (r.results![0].status === 'wait' && performance.now() - t0 < 5_000) {
      await new Promise((res) => setTimeout(res, 20)); // the polling interval a client uses
      r = await get(u);
    }
    expect(r.results![0].status).toBe('ready');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(120);
  });

  it('a connection reset after accepting keeps the request: it is found and issued once', async () => {
    emu.setFaults({ resetConnections: true });
    const uuid = randomUUID();
    await expect(post(uuid, [sell([position()])])).rejects.toThrow();
    emu.setFaults({});
    expect((await get(uuid)).results![0].status).toBe('ready');
    expect(await post(uuid, [sell([position()])])).toBe(409);
    expect(emu.receipts()).toHaveLength(1);
  });

  it('DELETE cancels a waiting request; after an error the rest of a request is interrupted', async () => {
    emu.setFaults({ processingDelayMs: 60_000 });
    const uuid = randomUUID();
    await post(uuid, [sell([position()])]);
    const d = await fetch(`${emu.url}/api/v2/requests/${uuid}`, { method: 'DELETE' });
    expect(d.status).toBe(200);
    emu.setFaults({});
    expect((await get(uuid)).results).toEqual([{ status: 'canceled', errorCode: 0, errorDescription: '' }]);
    const rs = await run({ type: 'closeShift' }, { type: 'getShiftStatus' });
    expect(rs.map((r) => r.status)).toEqual(['error', 'interrupted']);
    expect(rs[0].errorCode).toBe(73);
    expect(emu.receipts()).toHaveLength(0);
  });

  it('outage: 503 and nothing queued; unknown task types are error 504', async () => {
    emu.setFaults({ outage: true });
    const uuid = randomUUID();
    expect(await post(uuid, [sell([position()])])).toBe(503);
    emu.setFaults({});
    expect((await get(uuid)).status).toBe(404);
    expect((await run({ type: 'printRainbow' }))[0]).toMatchObject({ status: 'error', errorCode: 504 });
  });
});

describe('atol emulator: receipt validation (the driver and FFD 1.2)', () => {
  const refused = async (task: unknown): Promise<TaskResultView> => {
    const [r] = await run(task);
    expect(r.status).toBe('error');
    expect(emu.receipts()).toHaveLength(0);
    return r;
  };

  it('a marked position without imcParams is refused', async () => {
    const { imcParams: _drop, ...bare } = position();
    void _drop;
    expect(await refused(sell([bare]))).toMatchObject({ errorCode: 217, errorDescription: expect.stringContaining('imcParams') });
  });

  it('after an online check a marked position needs industryInfo (1260); after an autonomous check it does not', async () => {
    expect(await refused(sell([position({ industryInfo: undefined })]))).toMatchObject({ errorCode: 161 });
    const offline = position({ industryInfo: undefined, imcParams: { ...position().imcParams, itemInfoCheckResult: { ...ONLINE, ecrStandAloneFlag: true } } });
    expect((await run(sell([offline])))[0].status).toBe('ready');
    // No check result at all: the KKT checks the code itself (validateMarkingCodes).
    const unchecked = position({ industryInfo: undefined, imcParams: { imcType: 'auto', imc: b64(KM2), itemEstimatedStatus: 'itemPieceSold', imcModeProcessing: 0 } });
    expect((await run(sell([unchecked])))[0].status).toBe('ready');
  });

  it('imc must be base64 of a GS1 code with its GS separators', async () => {
    const imc = (v: string) => position({ imcParams: { ...position().imcParams, imc: v } });
    expect(await refused(sell([imc('not base64!')]))).toMatchObject({ errorCode: 409 });
    expect(await refused(sell([imc(b64(KM2.replaceAll(GS, '')))]))).toMatchObject({ errorCode: 409 });
    expect(await refused(sell([imc(b64('hello world, not a code'))]))).toMatchObject({ errorCode: 409 });
  });

  it('the driver JSON rules: missing fields, wrong types and values are 501 with the driver wording', async () => {
    const { price: _p, ...noPrice } = position();
    void _p;
    expect(await refused(sell([noPrice]))).toEqual({ status: 'error', errorCode: 501, errorDescription: 'Поле "items[0].price" отсутствует' });
    expect(await refused(sell([position({ quantity: '1' })]))).toMatchObject({ errorCode: 501, errorDescription: expect.stringContaining('items[0].quantity') });
    expect(await refused(sell([position({ tax: { type: 'vat21' } })]))).toMatchObject({ errorCode: 501 });
    expect(await refused(sell([position({ industryInfo: [{ ...REQ, date: '21.11.2023' }] })]))).toMatchObject({ errorCode: 501, errorDescription: expect.stringContaining('industryInfo.date') });
    expect(await refused(sell([position({ imcParams: { ...position().imcParams, itemInfoCheckResult: { imcCheckFlag: true } } })]))).toMatchObject({ errorCode: 501 });
    expect(await refused(sell([position({ measurementUnit: 'bucket' })]))).toMatchObject({ errorCode: 412 });
    expect(await refused(sell([position({ tax: undefined })]))).toMatchObject({ errorCode: 144 });
  });

  it('the KKT rules: piece quantity, status vs receipt type, duplicates, sums and payments', async () => {
    expect(await refused(sell([position({ quantity: 2, amount: 6000 })]))).toMatchObject({ errorCode: 17 });
    expect(await refused(sell([position({ imcParams: { ...position().imcParams, itemEstimatedStatus: 'itemPieceReturn' } })]))).toMatchObject({ errorCode: 404 });
    expect(await refused(sell([position(), position()]))).toMatchObject({ errorCode: 160 });
    expect(await refused(sell([position({ amount: 3000.01 })]))).toMatchObject({ errorCode: 16 });
    expect(await refused(sell([position()], { payments: [{ type: 'cash', sum: 2999 }] }))).toMatchObject({ errorCode: 66 });
    expect(await refused(sell([position()], { payments: [{ type: 'electronically', sum: 3500 }] }))).toMatchObject({ errorCode: 52 });
    expect(await refused(sell([position({ paymentObject: 'commodity' })]))).toMatchObject({ errorCode: 217 });
    expect(await refused(sell([]))).toMatchObject({ errorCode: 110 });
    // A partial sale of a piece names its fraction.
    const half = position({ quantity: 0.5, amount: 1500, imcParams: { ...position().imcParams, itemFractionalAmount: '1/2' } });
    expect((await run(sell([half])))[0].status).toBe('ready');
  });

  it('sellReturn takes itemPieceReturn and the same KM; cash beyond the total is change', async () => {
    const ret = sell([position({ imcParams: { ...position().imcParams, itemEstimatedStatus: 'itemPieceReturn', itemInfoCheckResult: undefined }, industryInfo: undefined })], {
      type: 'sellReturn',
      payments: [{ type: 'cash', sum: 5000 }],
    });
    expect((await run(ret))[0].status).toBe('ready');
    expect(emu.receipts()[0]).toMatchObject({ type: 'sellReturn', kms: [KM] });
  });
});

describe('atol emulator: the KKT', () => {
  it('shift older than 24 h: 68 until closeShift; the next receipt opens a new shift', async () => {
    emu.setFaults({ shiftExpired: true });
    expect((await run({ type: 'getShiftStatus' }))[0].result).toMatchObject({ shiftStatus: { state: 'expired', number: 1 } });
    expect((await run(sell([position()])))[0]).toMatchObject({ status: 'error', errorCode: 68, errorDescription: 'Смена превысила 24 часа' });
    const [close] = await run({ type: 'closeShift', operator: { name: 'Иванова' } });
    expect(close).toMatchObject({ status: 'ready', result: { fiscalParams: { shiftNumber: 1, fiscalDocumentNumber: 2 } } });
    expect((await run(sell([position()])))[0].result).toMatchObject({ fiscalParams: { shiftNumber: 2, fiscalReceiptNumber: 1, fiscalDocumentNumber: 4 } });
    expect((await run({ type: 'openShift' }))[0]).toMatchObject({ status: 'error', errorCode: 83 });
  });

  it('paper out and cover open refuse receipts; the device status says why', async () => {
    emu.setFaults({ paperOut: true });
    expect((await run(sell([position()])))[0]).toMatchObject({ errorCode: 44, errorDescription: 'Нет бумаги' });
    expect((await run({ type: 'getDeviceStatus' }))[0].result).toMatchObject({ deviceStatus: { paperPresent: false, coverOpened: false } });
    emu.setFaults({ coverOpen: true });
    expect((await run(sell([position()])))[0]).toMatchObject({ errorCode: 45 });
    emu.setFaults({ kktUnreachable: true });
    expect((await run({ type: 'getDeviceStatus' }))[0]).toMatchObject({ status: 'error', errorCode: 2 });
  });

  it('offline: documents wait for the OFD and are sent once the link is back; 30 days unsent block the FN', async () => {
    emu.setFaults({ offline: true });
    await run(sell([position()]));
    expect((await run({ type: 'ofdExchangeStatus' }))[0].result).toMatchObject({ status: { notSentCount: 2, notSentFirstDocNumber: 1 } });
    expect(emu.receipts()[0].offline).toBe(true);
    emu.setFaults({});
    expect((await run({ type: 'ofdExchangeStatus' }))[0].result).toMatchObject({ status: { notSentCount: 0 } });
    emu.setFaults({ offlineSince: Date.now() - 31 * 86_400_000 });
    expect((await run(sell([position({ imcParams: { ...position().imcParams, imc: b64(KM2) } })])))[0]).toMatchObject({ errorCode: 140 });
    expect((await run({ type: 'getFnInfo' }))[0].result).toMatchObject({ fnInfo: { warnings: { ofdTimeout: true } } });
  });
});

describe('atol emulator: code validation state machine', () => {
  const begin = (km = KM) => ({ type: 'beginMarkingCodeValidation', params: { imcType: 'auto', imc: b64(km), itemEstimatedStatus: 'itemPieceSold', imcModeProcessing: 0, itemUnits: 'piece', itemQuantity: 1 } });

  it('begin → status (ready, online result) → accept; begin twice is 401; cancel clears it', async () => {
    expect((await run(begin()))[0]).toMatchObject({ status: 'ready', result: { offlineValidation: { fmCheck: true } } });
    expect((await run(begin()))[0]).toMatchObject({ status: 'error', errorCode: 401 });
    const [s] = await run({ type: 'getMarkingCodeValidationStatus' });
    expect(s.result).toMatchObject({ ready: true, sentImcRequest: true, onlineValidation: { itemInfoCheckResult: ONLINE, markOperatorResponseResult: 'correct' } });
    expect((await run({ type: 'acceptMarkingCode' }))[0]).toMatchObject({ status: 'ready', result: { itemInfoCheckResult: ONLINE } });
    expect(emu.kkt()).toMatchObject({ validation: null, acceptedCodes: 1 });
    expect((await run({ type: 'acceptMarkingCode' }))[0]).toMatchObject({ errorCode: 410 });
    await run(begin(KM2));
    expect((await run({ type: 'cancelMarkingCodeValidation' }))[0].status).toBe('ready');
    expect((await run(begin(KM2)))[0].status).toBe('ready');
  });

  it('a refused code is not allowed; decline ends the validation; offline answers autonomously', async () => {
    emu.denyCodes([KM2.slice(0, 24)]);
    await run(begin(KM2));
    expect((await run({ type: 'getMarkingCodeValidationStatus' }))[0].result).toMatchObject({ ready: true, onlineValidation: { itemInfoCheckResult: { imcCheckResult: false, imcEstimatedStatusCorrect: false } } });
    expect((await run({ type: 'declineMarkingCode' }))[0].status).toBe('ready');
    expect((await run({ type: 'getMarkingCodeValidationStatus' }))[0]).toMatchObject({ errorCode: 410 });
    emu.setFaults({ offline: true });
    await run(begin());
    expect((await run({ type: 'getMarkingCodeValidationStatus' }))[0].result).toMatchObject({ ready: true, sentImcRequest: false, offlineValidation: { itemInfoCheckResult: { ecrStandAloneFlag: true } } });
  });

  it('with validationDelayMs the status is not ready at first', async () => {
    const slow = await createAtolEmulator({ validationDelayMs: 60_000 });
    try {
      const u = randomUUID();
      await fetch(`${slow.url}/api/v2/requests`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ uuid: u, request: [begin(), { type: 'getMarkingCodeValidationStatus' }] }) });
      const r = (await (await fetch(`${slow.url}/api/v2/requests/${u}`)).json()) as { results: TaskResultView[] };
      expect(r.results[1].result).toEqual({ ready: false, sentImcRequest: true });
    } finally {
      await slow.close();
    }
  });
});

describe('atol emulator: admin surface', () => {
  it('faults are validated; receipts, requests, kkt and reset are served', async () => {
    const bad = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ paperOut: 'yes' }) });
    expect(bad.status).toBe(400);
    const ok = await fetch(`${emu.url}/_emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 1 }) });
    expect(await ok.json()).toEqual({ latencyMs: 1 });
    await run(sell([position()]));
    expect(((await (await fetch(`${emu.url}/_emulator/receipts`)).json()) as unknown[]).length).toBe(1);
    expect(((await (await fetch(`${emu.url}/_emulator/requests`)).json()) as unknown[]).length).toBe(2);
    expect(await (await fetch(`${emu.url}/_emulator/kkt`)).json()).toMatchObject({ lastFiscalDocumentNumber: 2, shift: { number: 1, state: 'opened' } });
    const shift = await fetch(`${emu.url}/_emulator/shift`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ openedAt: Date.now() - 30 * 3_600_000 }) });
    expect(await shift.json()).toMatchObject({ shift: { state: 'expired' } });
    await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' });
    expect(emu.receipts()).toEqual([]);
    expect(emu.requests()).toEqual([]);
  });
});
