/**
 * The multikassa channel over real HTTP against the Multikassa emulator: the operation body (one
 * item per code, so'm in the items and tiyin at the top, product_mark / product_label, ИКПУ and
 * package), the shift opened on demand, a sale and its refund with RefundInfo, intake rules, the
 * balance rule, refusals, ambiguous sends reconciled by the zReport counters (prepare → send →
 * findByKey), health, and one run through the real relay.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMultikassaEmulator, type MultikassaEmulator, type MultikassaEmulatorOptions } from '../../src/emulator/multikassa/index.js';
import { createMultikassaChannel, multikassaConfigSchema, type MultikassaChannel, type MultikassaConfigInput } from '../../src/fiscal/multikassa/index.js';
import { FiscalError } from '../../src/fiscal/types.js';
import type { FiscalReceipt, FiscalResult } from '../../src/sale/types.js';
import { openTerminal } from '../../src/batteries.js';
import type { SaleView } from '../../src/outbox/ports.js';
import { tempDir } from '../outbox/helpers.js';
import { kiOf, markCode } from '../support/receipts.js';
import { key, line, receipt } from './factory.js';
import { IKPU, PACKAGE, uzLine, uzMark } from './uz-factory.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function emulator(opts: MultikassaEmulatorOptions = {}): Promise<MultikassaEmulator> {
  const e = await createMultikassaEmulator(opts);
  cleanup.push(() => e.close());
  return e;
}

function channel(emu: MultikassaEmulator, over: Partial<MultikassaConfigInput> = {}): MultikassaChannel {
  const ch = createMultikassaChannel({ channel: 'multikassa', url: emu.url, timeoutMs: 3_000, settleMs: 0, ...over });
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

async function relaySend(ch: MultikassaChannel, r: FiscalReceipt, basis?: FiscalResult) {
  const k = key();
  const prepared = await ch.prepare!(r, k);
  try {
    return { value: basis ? await ch.refund(r, basis, k) : await ch.sell(r, k), prepared, error: null as FiscalError | null, k };
  } catch (e) {
    return { value: null, prepared, error: e as FiscalError, k };
  }
}

describe('multikassa: operations', () => {
  it('a sale: one item per code, so\'m in items and tiyin at the top, product_mark + the cleaned product_label; the shift opened on demand', async () => {
    const emu = await emulator();
    const ch = channel(emu, { terminalId: 'UZ191211501031' });
    const codes = [uzMark('5abcdef'), uzMark('5abcdeg')];
    const r = receipt([uzLine({ name: 'Beer 0.5', price: 1_500_050, quantity: 2, codes }), line({ name: 'Cheese, kg', price: 123_457, quantity: 0.75, vatRate: null })], {
      payments: [{ type: 'card', amount: 1_000_000 }, { type: 'cash', amount: 3_000_000 }],
    });
    const res = await ch.sell(r, key());
    const [issued] = emu.receipts();
    const body = issued.body as Record<string, any>;
    expect(body).toMatchObject({ module_operation_type: '3', receipt_sum: r.total, receipt_gnk_receivedcard: 1_000_000, receipt_gnk_receivedcash: r.total - 1_000_000, receipt_cashier_name: 'tanba', receipt_gnk_terminalid: 'UZ191211501031' });
    expect(body.receipt_gnk_time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(body.items).toHaveLength(3);
    expect(body.items[0]).toMatchObject({ product_name: 'Beer 0.5', product_price: 15000.5, total_product_price: 15000.5, count: 1, product_vat_percent: 12, product_without_vat: false, product_mark: true, product_label: codes[0].ki, classifier_class_code: IKPU, product_package: PACKAGE, product_barcode: '4780000000017' });
    expect(body.items[1]).toMatchObject({ product_label: codes[1].ki, count: 1 });
    expect(body.items[2]).toMatchObject({ product_price: 1234.57, total_product_price: 925.93, count: 0.75, product_vat_percent: 0, product_without_vat: true, product_mark: false });
    expect(body.items[2].product_label).toBeUndefined();
    expect(issued.vat).toBe(2 * 160_720);
    expect(res).toMatchObject({ channel: 'multikassa', fiscalSign: issued.fiscalSign, registrationNumber: 'UZ191211501031', number: 1, total: r.total, url: issued.qrCodeUrl, extra: { ReceiptSeq: '1', DateTime: issued.dateTime, TerminalID: 'UZ191211501031' } });
    expect(emu.requests().map((x) => `${x.method}${x.errorCode ? ` ${x.errorCode}` : ''}`)).toEqual(['POST /api/v1/operations 36909', 'POST /api/v1/operations', 'POST /api/v1/operations']);
  });

  it('itemAmounts: tiyin sends tiyin integers in the items', async () => {
    const emu = await emulator({ itemAmounts: 'tiyin', shiftOpen: true });
    const ch = channel(emu, { itemAmounts: 'tiyin' });
    await ch.sell(receipt([uzLine({ price: 1_500_050 })]), key());
    expect((emu.receipts()[0].body as any).items[0]).toMatchObject({ product_price: 1_500_050, total_product_price: 1_500_050 });
  });

  it('a sale and its refund with RefundInfo (14-digit DateTime) and receipt_sale_id', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    const code = uzMark('5abcdef');
    const sold = await ch.sell(receipt([uzLine({ codes: [code] })]), key());
    const back = await ch.refund(receipt([uzLine({ codes: [code] })], { type: 'return' }), sold, key());
    const [s, r] = emu.receipts();
    expect((r.body as any).module_operation_type).toBe('4');
    expect((r.body as any).RefundInfo).toEqual({ TerminalID: s.terminalId, ReceiptSeq: s.receiptSeq, DateTime: s.dateTime, FiscalSign: s.fiscalSign });
    expect((r.body as any).receipt_sale_id).toBe(sold.extra?.receiptId);
    expect(back.fiscalSign).toBe(r.fiscalSign);
  });

  it('intake: ИКПУ and package code for marked lines; a return on another register is refused', () => {
    const ch = createMultikassaChannel({ channel: 'multikassa' });
    cleanup.push(() => ch.close());
    expect(ch.validate!(receipt([line({ codes: [uzMark('5abcdef')] })]), null).map((p) => p.field)).toEqual(['lines.0.ikpu', 'lines.0.packageCode']);
    const sale = receipt([uzLine()], { registerId: 'till-1' });
    expect(ch.validate!(receipt([uzLine()], { type: 'return', registerId: 'till-9' }), sale)).toEqual([expect.objectContaining({ field: 'registerId', fix: expect.stringContaining('till-1') })]);
  });

  it('refusals: the balance rule before any call; unplugged transient; blocked; a shape error permanent', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    expect(await rejection(ch.sell(receipt([uzLine()], { payments: [{ type: 'cash', amount: 1 }] }), key()))).toMatchObject({ kind: 'permanent', code: 'uzfm-balance' });
    expect(emu.requests()).toHaveLength(0);
    emu.setFaults({ unplugged: true });
    const u = await rejection(ch.sell(receipt([uzLine()]), key()));
    expect(u).toMatchObject({ kind: 'transient', code: 'multikassa-65534' });
    expect(u.message).toMatch(/USB cable/);
    expect((await ch.health()).problems.map((p) => p.code)).toContain('fiscal-unplugged');
    emu.setFaults({ blocked: true });
    expect(await rejection(ch.sell(receipt([uzLine()]), key()))).toMatchObject({ kind: 'blocked', code: 'multikassa-65279' });
    emu.setFaults({});
    // A label the register refuses (the pack code left whole) is permanent with the register's text.
    const pack = { km: '04780101164394TF&csaNNW1kK0tL', ki: '04780101164394TF&csaN', gtin: '04780101164394' };
    const e = await rejection(channel(emu, { packLabel: 'full' }).sell(receipt([uzLine({ codes: [pack] })]), key()));
    expect(e).toMatchObject({ kind: 'permanent' });
    expect(e.message).toMatch(/29-character pack/);
    expect((await ch.sell(receipt([uzLine({ codes: [pack] })]), key())).number).toBe(1);
  });
});

describe('multikassa: ambiguous sends, reconciled by the zReport counters', () => {
  it('a reset after issue → findByKey(prepared) says issued (ReceiptSeq known, fiscal sign not): never a second receipt', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    await ch.sell(receipt([uzLine()]), key());
    emu.setFaults({ resetConnections: true, methods: ['POST /api/v1/operations'] });
    const r = receipt([uzLine({ codes: [uzMark('5abcdef')] })]);
    const sent = await relaySend(ch, r);
    expect(sent.error).toMatchObject({ kind: 'unknown-result' });
    expect(sent.prepared).toMatchObject({ lastReceiptSeq: 1, zNumber: 1, saleCount: 1 });
    emu.setFaults({});
    const found = await ch.findByKey(sent.k, r, undefined, sent.prepared);
    expect(found).toMatchObject({ channel: 'multikassa', number: 2, registrationNumber: 'UZ191211501031', extra: { ReceiptSeq: '2', fiscalSignMissing: true, reconciled: true } });
    expect(emu.receipts()).toHaveLength(2);
    // Its return is refused with what to do instead.
    expect(await rejection(ch.refund(receipt([uzLine({ codes: [uzMark('5abcdef')] })], { type: 'return' }), found!, key()))).toMatchObject({ code: 'uzfm-basis-without-sign' });
  });

  it('a hang → timeout → found; not issued → null; another receipt meanwhile → cannot tell', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu, { timeoutMs: 300 });
    emu.setFaults({ hangAfterIssueMs: 2_000, methods: ['POST /api/v1/operations'] });
    const r = receipt([uzLine()]);
    const sent = await relaySend(ch, r);
    expect(sent.error).toMatchObject({ kind: 'unknown-result', code: 'timeout' });
    expect((await ch.findByKey(sent.k, r, undefined, sent.prepared))?.number).toBe(1);
    emu.setFaults({});

    const k = key();
    const prepared = await ch.prepare!(r, k);
    expect(await ch.findByKey(k, r, undefined, prepared)).toBeNull();

    const other = channel(emu);
    const k2 = key();
    const p2 = await ch.prepare!(r, k2);
    await other.sell(receipt([uzLine({ price: 777 })]), key());
    expect(await rejection(ch.findByKey(k2, r, undefined, p2))).toMatchObject({ kind: 'unknown-result', code: 'multikassa-reconcile' });
    expect(await rejection(ch.findByKey(k2, r, undefined, null))).toMatchObject({ kind: 'unknown-result', code: 'multikassa-no-snapshot' });
    expect(emu.receipts()).toHaveLength(2);
  });

  it('health: unsent receipts → offline with a problem; clears when they drain; the shift', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    expect(await ch.health()).toMatchObject({ ok: true, offline: false, problems: [], shift: { number: 1 } });
    emu.setFaults({ ofdOffline: true });
    await ch.sell(receipt([uzLine()]), key());
    const h = await ch.health();
    expect(h).toMatchObject({ ok: true, offline: true, problems: [{ code: 'fiscal-unsent' }] });
    emu.setFaults({});
    expect(await ch.health()).toMatchObject({ offline: false, problems: [] });
    await ch.closeShift();
    expect((await ch.health()).shift).toBeUndefined();
  });

  it('config: defaults, strict keys', () => {
    expect(multikassaConfigSchema.parse({ channel: 'multikassa' })).toMatchObject({ url: 'http://localhost:8080', timeoutMs: 30_000, itemAmounts: 'sum', autoOpenShift: true, cashierName: 'tanba' });
    expect(() => multikassaConfigSchema.parse({ channel: 'multikassa', token: 'x' })).toThrow();
  });
});

describe('multikassa through the real relay', () => {
  it('the connection killed mid-send: exactly one receipt at the register, the sale fiscalised', async () => {
    const emu = await emulator({ shiftOpen: true });
    const tmp = tempDir('tanba-mk-relay-');
    cleanup.push(async () => tmp.cleanup());
    const t = await openTerminal({
      store: { kind: 'sqlite', path: tmp.file('mk.db') },
      registers: [{ id: 'till-1', fiscal: createMultikassaChannel({ channel: 'multikassa', url: emu.url, timeoutMs: 2_000, settleMs: 0 }) }],
      tracking: null,
      relay: { policy: { reconcileDelayMs: 20, quickDelayMs: 10, backoff: { minDelayMs: 20, maxDelayMs: 200 } } },
    });
    cleanup.push(() => t.close());
    emu.setFaults({ resetConnections: true, methods: ['POST /api/v1/operations'] });
    const fiscalised = new Promise<SaleView>((resolve) => {
      const on = (v: SaleView) => v.id === 'mk-1' && v.state === 'fiscalised' && (t.off('receipt', on), resolve(v));
      t.on('receipt', on);
    });
    await t.recordSale({ id: 'mk-1', lines: [{ name: 'Beer', price: 1_500_000, codes: [markCode(9001)], vatRate: 12, ikpu: IKPU, packageCode: PACKAGE }] });
    const v = await fiscalised;
    const mine = emu.receipts().filter((r) => r.labels.includes(kiOf(9001)));
    expect(mine).toHaveLength(1);
    expect(v.fiscal).toMatchObject({ channel: 'multikassa', number: Number(mine[0].receiptSeq), extra: { fiscalSignMissing: true } });
    // Healthy again: the next sale gets its fiscal sign normally.
    emu.setFaults({});
    const w = await t.recordSale({ id: 'mk-2', lines: [{ name: 'Beer', price: 1_500_000, codes: [markCode(9002)], vatRate: 12, ikpu: IKPU, packageCode: PACKAGE }] }, { waitMs: 10_000 });
    expect(w.fiscal?.fiscalSign).toBe(emu.receipts().at(-1)!.fiscalSign);
  });
});
