/**
 * The Multikassa emulator over real HTTP (fetch only, no tanba client code): operations 1–4 on
 * `POST /api/v1/operations`, the `{success, code, message, data}` envelope, refusals on HTTP 500
 * with `#2D`-style texts, tiyin at the top and so'm in the items, product_mark / product_label,
 * the balance rule, RefundInfo, zReport counters, unsentCount and the faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMultikassaEmulator, type MultikassaEmulator, type MultikassaEmulatorOptions } from '../../src/emulator/multikassa/index.js';

const T0 = Date.parse('2026-03-14T07:05:00Z');
const SPIC = '02203001001000000';
let emu: MultikassaEmulator | null = null;
let clock = T0;
afterEach(async () => {
  await emu?.close();
  emu = null;
});

async function start(opts: MultikassaEmulatorOptions = {}): Promise<MultikassaEmulator> {
  clock = T0;
  emu = await createMultikassaEmulator({ now: () => clock, ...opts });
  return emu;
}

interface Res {
  status: number;
  body: { success: boolean; code: number; message: string; data: any };
}
async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Res> {
  const r = await fetch(`${emu!.url}${path}`, { method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, body: (await r.json()) as Res['body'] };
}
const op = (body: unknown) => call('POST', '/api/v1/operations', body);

const label = (n: number) => `0104780000000017215abc${String(n).padStart(3, '0')}`;
function item(n: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { product_name: 'Cigarettes X', product_barcode: '4780000000017', classifier_class_code: SPIC, product_package: '1495060', product_price: 15000, total_product_price: 15000, product_discount: 0, product_vat_percent: 12, product_without_vat: false, product_mark: true, product_label: label(n), count: 1, other: 0, ...over };
}
function sale(items: Record<string, unknown>[], over: Record<string, unknown> = {}): Record<string, unknown> {
  const sum = items.reduce((s, i) => s + Math.round((i.total_product_price as number) * 100), 0);
  return { module_operation_type: '3', receipt_sum: sum, receipt_gnk_receivedcash: sum, receipt_gnk_receivedcard: 0, receipt_gnk_time: '2026-03-14 12:05:00', receipt_cashier_name: 'Test', items, ...over };
}
const openShift = () => op({ module_operation_type: '1', receipt_gnk_time: '2026-03-14 12:00:00', items: [] });

describe('multikassa emulator', () => {
  it('a closed shift refuses on HTTP 500 with #2D; operation 1 opens it; a sale answers receipt_gnk_* in the envelope', async () => {
    await start();
    const closed = await op(sale([item(1)]));
    expect(closed.status).toBe(500);
    expect(closed.body).toMatchObject({ success: false, code: 0x902d, message: '#2D - ERROR_ZREPORT_IS_NOT_OPEN', data: { message: '#2D - ERROR_ZREPORT_IS_NOT_OPEN' } });
    expect((await openShift()).body).toMatchObject({ success: true, data: { result: { terminalId: 'UZ191211501031', zReportCount: '1' } } });
    const r = await op(sale([item(1)]));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ success: true, code: 0 });
    const d = r.body.data;
    expect(d).toMatchObject({ receipt_gnk_receiptseq: '1', receipt_gnk_terminalid: 'UZ191211501031', receipt_gnk_datetime: '2026-03-14 12:05:00', receipt_sum: 1_500_000 });
    expect(d.receipt_gnk_fiscalsign).toMatch(/^\d{12}$/);
    expect(d.receipt_gnk_qrcodeurl).toBe(`https://ofd.soliq.uz/check?t=UZ191211501031&r=1&c=20260314120500&s=${d.receipt_gnk_fiscalsign}`);
    expect(emu!.receipts()[0]).toMatchObject({ kind: 'sale', receiptSeq: '1', total: 1_500_000, vat: 160_714, labels: [label(1)] });
  });

  it('units: receipt_sum in tiyin, items in so\'m; the balance rule (65531); shapes (400); product_mark needs product_label', async () => {
    await start({ shiftOpen: true });
    expect((await op(sale([item(1)], { receipt_sum: 15000 }))).body).toMatchObject({ success: false, code: 65531 });
    expect((await op(sale([item(1)], { receipt_gnk_receivedcash: 1_000_000 }))).body.code).toBe(65531);
    const half = await op(sale([item(2, { product_price: 12345.67, total_product_price: 12345.67 })]));
    expect(half.body.success).toBe(true);
    expect(emu!.receipts()[0].total).toBe(1_234_567);
    const three = await op(sale([item(3, { product_price: 1.005, total_product_price: 1.005 })]));
    expect(three.status).toBe(400);
    expect((await op(sale([item(4, { product_label: '' })]))).body.message).toMatch(/product_label is empty/);
    expect((await op(sale([item(5, { product_mark: false })]))).body.message).toMatch(/without product_mark/);
    expect((await op(sale([item(6, { total_product_price: 14000 })]))).body.message).toMatch(/total_product_price/);
    expect((await op({ module_operation_type: '9' })).status).toBe(400);
    // Labels are checked as the fiscal module checks them.
    expect((await op(sale([item(0, { product_label: '0104780000000017215abcdef\x1d93U3g5' })]))).body.message).toMatch(/GS/);
    expect((await op(sale([item(0, { product_label: '0104780000000017215abcdef93U3g5' })]))).body.message).toMatch(/AI 93/);
    const tiyin = await createMultikassaEmulator({ itemAmounts: 'tiyin', shiftOpen: true });
    try {
      const r = await fetch(`${tiyin.url}/api/v1/operations`, { method: 'POST', body: JSON.stringify(sale([item(7, { product_price: 1_500_000, total_product_price: 15000 })], { receipt_sum: 15000, receipt_gnk_receivedcash: 15000 })) });
      expect(r.status).toBe(400);
    } finally {
      await tiyin.close();
    }
  });

  it('a refund needs RefundInfo of a sale of this module; zReport counts it; unsentCount grows offline and drains', async () => {
    await start({ shiftOpen: true });
    const s = (await op(sale([item(1), item(2)]))).body.data;
    const info = { TerminalID: s.receipt_gnk_terminalid, ReceiptSeq: s.receipt_gnk_receiptseq, DateTime: s.receipt_gnk_datetime.replace(/\D/g, ''), FiscalSign: s.receipt_gnk_fiscalsign };
    expect((await op(sale([item(1)], { module_operation_type: '4' }))).status).toBe(400);
    expect((await op(sale([item(1)], { module_operation_type: '4', RefundInfo: { ...info, FiscalSign: '1' } }))).body.message).toMatch(/not the fiscal sign/);
    emu!.setFaults({ ofdOffline: true });
    const r = await op(sale([item(1)], { module_operation_type: 4, RefundInfo: info }));
    expect(r.body.success).toBe(true);
    expect(emu!.receipts()[1].refundInfo).toMatchObject({ receiptSeq: '1', fiscalSign: info.FiscalSign });
    const z = (await call('GET', '/api/v1/zReport')).body.data.result;
    expect(z).toMatchObject({ zCount: '1', lastReceiptSeq: '2', totalSaleCount: '1', totalRefundCount: '1', totalSaleCash: '3000000', totalRefundCash: '1500000', closeTime: '' });
    expect((await call('GET', '/api/v1/unsentCount')).body.data.result).toEqual({ Count: 1, TerminalID: { UZ191211501031: 1 } });
    emu!.setFaults({});
    expect((await call('GET', '/api/v1/unsentCount')).body.data.result.Count).toBe(0);
    const closed = await op({ module_operation_type: '2', receipt_gnk_time: '2026-03-14 13:00:00', items: [] });
    expect(closed.body.data.result).toMatchObject({ zCount: '1', totalSaleCash: '30,000.00' });
    expect((await call('GET', '/api/v1/info')).body.data.result).toMatchObject({ terminalId: 'UZ191211501031' });
  });

  it('faults: unplugged (65534), blocked (65279), reset after issue, scoped by route', async () => {
    await start({ shiftOpen: true });
    emu!.setFaults({ unplugged: true });
    expect((await op(sale([item(1)]))).body).toMatchObject({ success: false, code: 65534 });
    expect((await call('GET', '/api/v1/zReport')).body.code).toBe(65534);
    emu!.setFaults({ blocked: true });
    expect((await op(sale([item(1)]))).body.code).toBe(65279);
    emu!.setFaults({ resetConnections: true, methods: ['POST /api/v1/operations'] });
    // A refusal is answered; an issued receipt is not.
    expect((await op(sale([item(1)], { receipt_sum: 1 }))).status).toBe(500);
    await expect(op(sale([item(1)]))).rejects.toThrow();
    expect(emu!.receipts()).toHaveLength(1);
    expect((await call('GET', '/api/v1/zReport')).body.data.result.lastReceiptSeq).toBe('1');
    const admin = await fetch(`${emu!.url}/_emulator/receipts`);
    expect(((await admin.json()) as unknown[]).length).toBe(1);
  });
});
