/**
 * The uz-fiscal-module channel over real HTTP against the fiscal-module emulator: receipt bodies
 * (one item per code, VAT to the tiyin, SPIC / PackageCode, the Label form), the shift opened on
 * demand, a sale and its refund with the right RefundInfo, intake rules, the balance rule, every
 * refusal the channel acts on, ambiguous sends reconciled by the module's counters the way the
 * relay drives them (prepare → send → findByKey), health, and per-module serialisation.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createUzFiscalModuleEmulator, type UzFiscalModuleEmulator, type UzFiscalModuleEmulatorOptions } from '../../src/emulator/uz-fiscal-module/index.js';
import { compareSnapshots, createUzFiscalModuleChannel, uzDateToIso, uzFiscalModuleConfigSchema, uzLabel, type Snapshot, type UzFiscalModuleChannel, type UzFiscalModuleConfigInput } from '../../src/fiscal/uz-fiscal-module/index.js';
import { FiscalError } from '../../src/fiscal/types.js';
import type { FiscalReceipt } from '../../src/sale/types.js';
import { GS, key, line, mark, receipt } from './factory.js';
import { applianceMark, IKPU, PACKAGE, uzLine, uzMark } from './uz-factory.js';

const F1 = 'LG420230630021';
const F2 = 'LG420230630022';
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function emulator(opts: UzFiscalModuleEmulatorOptions = {}): Promise<UzFiscalModuleEmulator> {
  const e = await createUzFiscalModuleEmulator(opts);
  cleanup.push(() => e.close());
  return e;
}

function channel(emu: UzFiscalModuleEmulator, over: Partial<UzFiscalModuleConfigInput> = {}): UzFiscalModuleChannel {
  const ch = createUzFiscalModuleChannel({ channel: 'uz-fiscal-module', url: emu.rpcUrl, factoryId: F1, timeoutMs: 3_000, settleMs: 0, ...over });
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

const calls = (emu: UzFiscalModuleEmulator, method: string) => emu.requests().filter((r) => r.method === method);

/** The relay's way of sending a receipt to a channel without an idempotency key. */
async function relaySend(ch: UzFiscalModuleChannel, r: FiscalReceipt, basis?: Parameters<UzFiscalModuleChannel['refund']>[1]) {
  const k = key();
  const prepared = await ch.prepare!(r, k);
  let error: FiscalError | null = null;
  try {
    const value = basis ? await ch.refund(r, basis, k) : await ch.sell(r, k);
    return { value, prepared, error, k };
  } catch (e) {
    error = e as FiscalError;
    return { value: null, prepared, error, k };
  }
}

describe('uz-fiscal-module: receipt body', () => {
  it('sells one item per code with VAT to the tiyin, SPIC, PackageCode, the cleaned Label, Amount ×1000; opens the shift on demand', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const beer = [uzMark('5abcdef'), uzMark('5abcdeg', 'Zz9+')];
    const fridge = applianceMark('SN00000000001');
    const r = receipt(
      [
        uzLine({ name: 'Beer 0.5', price: 1_500_050, quantity: 2, codes: beer, gtin: '04780000000017' }),
        uzLine({ name: 'Fridge', price: 999_999, codes: [fridge] }),
        line({ name: 'Cheese, kg', price: 123_457, quantity: 0.75, unit: '166', vatRate: null }),
        line({ name: 'Delivery', price: 1_999, positionType: 'service', vatRate: 12 }),
      ],
      { payments: [{ type: 'card', amount: 3_000_000 }, { type: 'cash', amount: 1_100_000 }] },
    );
    const res = await ch.sell(r, key());

    const [issued] = emu.receipts();
    expect(emu.receipts()).toHaveLength(1);
    const body = issued.body as { Time: string; ReceivedCash: number; ReceivedCard: number; Items: Record<string, unknown>[]; RefundInfo?: unknown };
    expect(body.Time).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const [b1, b2, f, cheese, delivery] = body.Items;
    // 15000.50 so'm incl. 12 %: 1500050 × 12 / 112 = 160719.64… → 160720 tiyin, per unit item.
    expect(b1).toMatchObject({ Name: 'Beer 0.5', Amount: 1000, Price: 1_500_050, Discount: 0, Other: 0, VAT: 160_720, VATPercent: 12, SPIC: IKPU, PackageCode: PACKAGE, Barcode: '4780000000017', OwnerType: 0, Label: beer[0].ki });
    expect(b2).toMatchObject({ Amount: 1000, Price: 1_500_050, VAT: 160_720, Label: beer[1].ki });
    // 9999.99 × 12/112 = 1071.4275 → 107143 tiyin; the 91/92 tail is cut.
    expect(f).toMatchObject({ Price: 999_999, VAT: 107_143, Label: fridge.ki });
    // 0.75 × 1234.57 = 925.9275 → 92593 tiyin; no VAT; no code, no SPIC.
    expect(cheese).toMatchObject({ Amount: 750, Price: 92_593, VAT: 0, VATPercent: 0, Barcode: '0' });
    expect(cheese.Label).toBeUndefined();
    expect(cheese.SPIC).toBeUndefined();
    expect(delivery).toMatchObject({ Price: 1_999, VAT: 214, OwnerType: 2 });
    const total = 2 * 1_500_050 + 999_999 + 92_593 + 1_999;
    expect(r.total).toBe(total);
    expect(body.ReceivedCard).toBe(3_000_000);
    expect(body.ReceivedCash).toBe(total - 3_000_000);
    expect(issued.labels.every((l) => !l.includes(GS))).toBe(true);

    expect(res).toMatchObject({
      channel: 'uz-fiscal-module',
      fiscalSign: issued.fiscalSign,
      registrationNumber: 'UZ191211501031',
      total,
      isOffline: false,
      number: 1,
      url: issued.qrCodeUrl,
      qr: issued.qrCodeUrl,
      extra: { TerminalID: 'UZ191211501031', ReceiptSeq: '1', DateTime: issued.dateTime, FactoryID: F1 },
    });
    expect(res.dateTime).toBe(uzDateToIso(issued.dateTime));
    // The shift was closed: the first receipt was refused, the shift opened, the receipt sent again.
    expect(emu.requests().map((x) => `${x.method}${x.errorCode ? ` ${x.errorCode}` : ''}`)).toEqual(['Api.SendSaleReceipt 36909', 'Api.OpenZReport', 'Api.SendSaleReceipt']);
  });

  it('the Label form: crypto tail cut (AI 93, AI 91/92), no control characters, packs by packLabel', () => {
    expect(uzLabel(uzMark('5abcdef'))).toBe('0104780000000017215abcdef');
    expect(uzLabel(applianceMark('SN00000000001'))).toBe('010478000000001721SN00000000001');
    expect(uzLabel(mark('3A8B06OMH52K2'))).toBe(mark('3A8B06OMH52K2').ki);
    // A tobacco block with AI 8005 before its tail keeps 8005 (GS removed).
    const block = { km: `0104780000000017215abcdef${GS}8005012000${GS}93abcd`, ki: '0104780000000017215abcdef', gtin: '04780000000017' };
    expect(uzLabel(block)).toBe('0104780000000017215abcdef8005012000');
    // Separators lost: the KI is kept when the rest is a crypto element.
    expect(uzLabel({ km: '0104780000000017215abcdef93U3g5', ki: '0104780000000017215abcdef', gtin: '04780000000017' })).toBe('0104780000000017215abcdef');
    const pack = { km: '04780101164394TF&csaNNW1kK0tL', ki: '04780101164394TF&csaN', gtin: '04780101164394' };
    expect(uzLabel(pack)).toBe('04780101164394TF&csaNNW1k');
    expect(uzLabel(pack, 'ki')).toBe('04780101164394TF&csaN');
    expect(uzLabel(pack, 'full')).toBe(pack.km);
    expect(uzLabel({ km: '0104780000000017215abc\r\n', ki: '0104780000000017215abc', gtin: '04780000000017' })).toBe('0104780000000017215abc');
  });

  it('the balance rule is checked before any call; a legacy receipt is refused', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    const under = receipt([uzLine({ codes: [uzMark('5abcdef')] })], { payments: [{ type: 'cash', amount: 10 }] });
    const e = await rejection(ch.sell(under, key()));
    expect(e).toMatchObject({ kind: 'permanent', code: 'uzfm-balance' });
    expect(e.message).toMatch(/Σ\(Price − Discount\) must equal ReceivedCash \+ ReceivedCard/);
    const cardChange = receipt([uzLine()], { payments: [{ type: 'card', amount: 60_000 }] });
    expect(await rejection(ch.sell(cardChange, key()))).toMatchObject({ kind: 'permanent', code: 'uzfm-balance' });
    expect(await rejection(ch.sell(receipt([uzLine()], { legacy: true }), key()))).toMatchObject({ kind: 'permanent', code: 'legacy-receipt' });
    expect(emu.requests()).toHaveLength(0);
  });
});

describe('uz-fiscal-module: intake and returns', () => {
  it('validate: a marked line needs its ИКПУ and package code; a return on another register is refused with where to make it', () => {
    const ch = createUzFiscalModuleChannel({ channel: 'uz-fiscal-module', factoryId: F1 });
    cleanup.push(() => ch.close());
    const bare = receipt([line({ codes: [uzMark('5abcdef')] }), line({ name: 'Bag' })]);
    expect(ch.validate!(bare, null)).toEqual([
      { field: 'lines.0.ikpu', problem: expect.stringContaining('marked line'), fix: expect.stringContaining('17-digit') },
      { field: 'lines.0.packageCode', problem: expect.any(String), fix: expect.stringContaining('package code') },
    ]);
    const sale = receipt([uzLine({ codes: [uzMark('5abcdef')] })], { registerId: 'till-1' });
    const ret = receipt([uzLine({ codes: [uzMark('5abcdef')] })], { type: 'return', saleId: sale.id, registerId: 'till-2' });
    expect(ch.validate!(ret, sale)).toEqual([{ field: 'registerId', problem: expect.stringContaining(`was fiscalised on register till-1`), fix: expect.stringContaining('"registerId": "till-1"') }]);
    expect(ch.validate!({ ...ret, registerId: 'till-1' }, sale)).toEqual([]);
    const all = createUzFiscalModuleChannel({ channel: 'uz-fiscal-module', factoryId: F1, requireIkpuForAll: true });
    cleanup.push(() => all.close());
    expect(all.validate!(receipt([line({ name: 'Bag' })]), null).map((p) => p.field)).toEqual(['lines.0.ikpu', 'lines.0.packageCode']);
  });

  it('a sale and its refund: RefundInfo {TerminalID, ReceiptSeq, DateTime, FiscalSign} of the stored sale, under both keys', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    const codes = [uzMark('5abcdef'), uzMark('5abcdeg')];
    const sold = await ch.sell(receipt([uzLine({ price: 1_500_000, quantity: 2, codes })]), key());
    const ret = receipt([uzLine({ price: 1_500_000, codes: [codes[1]] })], { type: 'return' });
    const refunded = await ch.refund(ret, sold, key());
    const [s, r] = emu.receipts();
    expect(r.kind).toBe('refund');
    expect(r.refundInfo).toEqual({ terminalId: s.terminalId, receiptSeq: s.receiptSeq, dateTime: s.dateTime, fiscalSign: s.fiscalSign });
    const body = r.body as { RefundInfo: unknown; refundInfo: unknown };
    expect(body.RefundInfo).toEqual({ TerminalID: 'UZ191211501031', ReceiptSeq: '1', DateTime: s.dateTime, FiscalSign: sold.fiscalSign });
    expect(body.refundInfo).toEqual(body.RefundInfo);
    expect(refunded).toMatchObject({ fiscalSign: r.fiscalSign, number: 2 });
    expect(r.labels).toEqual([codes[1].ki]);

    // refundInfoKey picks one spelling.
    const only = channel(emu, { refundInfoKey: 'RefundInfo' });
    await only.refund(receipt([uzLine({ price: 1_500_000, codes: [codes[0]] })], { type: 'return' }), sold, key());
    expect(Object.keys(emu.receipts()[2].body as object)).not.toContain('refundInfo');
  });

  it("a refund whose basis is another module's sale is refused before sending; the emulator would refuse it too", async () => {
    const emu = await emulator({ shiftOpen: true });
    const one = channel(emu);
    const two = channel(emu, { factoryId: F2 });
    const sold = await one.sell(receipt([uzLine({ codes: [uzMark('5abcdef')] })]), key());
    await two.health();
    const e = await rejection(two.refund(receipt([uzLine({ codes: [uzMark('5abcdef')] })], { type: 'return' }), sold, key()));
    expect(e).toMatchObject({ kind: 'permanent', code: 'uzfm-other-module' });
    expect(e.message).toMatch(/same|of its sale/);
    expect(calls(emu, 'Api.SendRefundReceipt')).toHaveLength(0);
    // A basis the module does not know: refused by the module (65533), permanent.
    const bogus = { ...sold, fiscalSign: '999999999999', extra: { ...sold.extra, TerminalID: 'UZ191211501031' } };
    const m = await rejection(one.refund(receipt([uzLine({ codes: [uzMark('5abcdef')] })], { type: 'return' }), bogus, key()));
    expect(m).toMatchObject({ kind: 'permanent', code: 'uzfm-65533' });
    expect(m.message).toMatch(/not the fiscal sign/);
  });
});

describe('uz-fiscal-module: refusals', () => {
  it('unplugged (65534) is transient with the USB advice, health says so; once back the receipt goes', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    emu.setFaults({ unplugged: true });
    const e = await rejection(ch.sell(receipt([uzLine()]), key()));
    expect(e).toMatchObject({ kind: 'transient', code: 'uzfm-65534' });
    expect(e.message).toMatch(/USB cable/);
    const h = await ch.health();
    expect(h.ok).toBe(false);
    expect(h.problems).toEqual([expect.objectContaining({ code: 'fiscal-unplugged', message: expect.stringMatching(/USB cable/) })]);
    emu.setFaults({});
    expect((await ch.sell(receipt([uzLine()]), key())).number).toBe(1);
    expect((await ch.health()).ok).toBe(true);
  });

  it('blocked by the OFD (65279) is blocked, and health keeps saying so until a receipt goes through', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    emu.setFaults({ blocked: true });
    const e = await rejection(ch.sell(receipt([uzLine()]), key()));
    expect(e).toMatchObject({ kind: 'blocked', code: 'uzfm-65279' });
    expect(e.message).toMatch(/OFD/);
    expect((await ch.health()).problems.map((p) => p.code)).toContain('fiscal-blocked');
    emu.setFaults({});
    await ch.sell(receipt([uzLine()]), key());
    expect((await ch.health()).problems.map((p) => p.code)).not.toContain('fiscal-blocked');
  });

  it('a decryption error (65529) is transient: the next try goes', async () => {
    const emu = await emulator({ shiftOpen: true, faults: { decryptionErrors: 1 } });
    const ch = channel(emu);
    expect(await rejection(ch.sell(receipt([uzLine()]), key()))).toMatchObject({ kind: 'transient', code: 'uzfm-65529' });
    expect((await ch.sell(receipt([uzLine()]), key())).number).toBe(1);
  });

  it('a closed shift with autoOpenShift off is blocked with advice; nothing is issued', async () => {
    const emu = await emulator();
    const ch = channel(emu, { autoOpenShift: false });
    const e = await rejection(ch.sell(receipt([uzLine()]), key()));
    expect(e).toMatchObject({ kind: 'blocked', code: 'uzfm-36909' });
    expect(e.message).toMatch(/shift/);
    expect(emu.receipts()).toHaveLength(0);
    expect((await ch.health()).problems.map((p) => p.code)).toContain('shift-closed');
  });

  it('a Communicator that is not running is a transient network error; health says where it looked', async () => {
    const emu = await emulator();
    const url = emu.rpcUrl;
    await emu.close();
    cleanup.pop();
    const ch = createUzFiscalModuleChannel({ channel: 'uz-fiscal-module', url, factoryId: F1, timeoutMs: 2000 });
    cleanup.push(() => ch.close());
    expect(await rejection(ch.sell(receipt([uzLine()]), key()))).toMatchObject({ kind: 'transient', code: 'network' });
    const h = await ch.health();
    expect(h.problems[0]).toMatchObject({ code: 'fiscal-unreachable', message: expect.stringContaining(url) });
  });
});

describe('uz-fiscal-module: ambiguous sends, reconciled by the counters', () => {
  it('a reset after issue: prepare → sell throws unknown-result → findByKey(prepared) finds it with its fiscal sign; no second receipt', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    await ch.sell(receipt([uzLine()]), key());
    emu.setFaults({ resetConnections: true, methods: ['Api.SendSaleReceipt'] });
    const r = receipt([uzLine({ codes: [uzMark('5abcdef')] })]);
    const sent = await relaySend(ch, r);
    expect(sent.error).toMatchObject({ kind: 'unknown-result', code: 'connection-reset' });
    // The receipt count is the module's unacknowledged memory: online it stays 0 before and after, it proves nothing.
    expect(sent.prepared).toMatchObject({ receiptCount: 0, lastReceiptSeq: 1, zNumber: 1, saleCount: 1 });
    emu.setFaults({});
    const found = await ch.findByKey(sent.k, r, undefined, sent.prepared);
    const issued = emu.receipts()[1];
    expect(emu.receipts()).toHaveLength(2);
    expect(found).toMatchObject({ fiscalSign: issued.fiscalSign, registrationNumber: 'UZ191211501031', number: 2, extra: { ReceiptSeq: '2', DateTime: issued.dateTime, reconciled: true } });
    expect(found!.extra!.fiscalSignMissing).toBeUndefined();
    // Its return works from the reconciled result.
    await ch.refund(receipt([uzLine({ codes: [uzMark('5abcdef')] })], { type: 'return' }), found!, key());
    expect(emu.receipts()[2].refundInfo?.fiscalSign).toBe(issued.fiscalSign);
  });

  it('a hang after issue → timeout → unknown-result → findByKey finds it', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu, { timeoutMs: 300 });
    emu.setFaults({ hangAfterIssueMs: 2_000, methods: ['Api.SendSaleReceipt'] });
    const r = receipt([uzLine({ codes: [uzMark('5abcdef')] })], { payments: [{ type: 'card', amount: 50_000 }] });
    const sent = await relaySend(ch, r);
    expect(sent.error).toMatchObject({ kind: 'unknown-result', code: 'timeout' });
    const found = await ch.findByKey(sent.k, r, undefined, sent.prepared);
    expect(found).toMatchObject({ fiscalSign: emu.receipts()[0].fiscalSign, number: 1 });
    expect(emu.receipts()).toHaveLength(1);
  });

  it('not issued: the counters did not move → null, once settleMs has passed since prepare (until then: cannot tell yet)', async () => {
    const emu = await emulator({ shiftOpen: true });
    let now = Date.parse('2026-03-14T07:05:00Z');
    const ch = createUzFiscalModuleChannel({ channel: 'uz-fiscal-module', url: emu.rpcUrl, factoryId: F1, timeoutMs: 1000, settleMs: 10_000 }, { now: () => now });
    cleanup.push(() => ch.close());
    const r = receipt([uzLine()]);
    const k = key();
    const prepared = await ch.prepare!(r, k);
    // (the process died before the request left)
    const e = await rejection(ch.findByKey(k, r, undefined, prepared));
    expect(e).toMatchObject({ kind: 'transient', code: 'uzfm-settling', details: { retryAfterMs: 10_000 } });
    now += 10_000;
    expect(await ch.findByKey(k, r, undefined, prepared)).toBeNull();
    expect(emu.receipts()).toHaveLength(0);
  });

  it('a shift opened by the send itself still reconciles (the new Z report holds just this receipt)', async () => {
    const emu = await emulator();
    const ch = channel(emu);
    emu.setFaults({ resetConnections: true, methods: ['Api.SendSaleReceipt'] });
    const r = receipt([uzLine()]);
    const sent = await relaySend(ch, r);
    expect(sent.prepared).toMatchObject({ zNumber: 0, lastReceiptSeq: 0, zOpen: false });
    expect(sent.error).toMatchObject({ kind: 'unknown-result' });
    emu.setFaults({});
    const found = await ch.findByKey(sent.k, r, undefined, sent.prepared);
    expect(found).toMatchObject({ fiscalSign: emu.receipts()[0].fiscalSign, number: 1 });
    expect(emu.requests().map((x) => x.method)).toContain('Api.OpenZReport');
  });

  it('without prepared facts findByKey cannot tell: a FiscalError, never null', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    expect(await rejection(ch.findByKey(key(), receipt([uzLine()]), undefined, null))).toMatchObject({ kind: 'unknown-result', code: 'uzfm-no-snapshot' });
    expect(await rejection(ch.findByKey(key(), receipt([uzLine()]), undefined, { receiptCount: 0 }))).toMatchObject({ code: 'uzfm-no-snapshot' });
  });

  it('another receipt on the module meanwhile: +2 (ours and theirs) or +1 of other amounts → cannot tell, with a message for an operator', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    const other = channel(emu);
    const r = receipt([uzLine({ price: 70_000 })]);
    let k = key();
    let prepared = await ch.prepare!(r, k);
    await other.sell(receipt([uzLine({ price: 12_300 })]), key());
    const e = await rejection(ch.findByKey(k, r, undefined, prepared));
    expect(e).toMatchObject({ kind: 'unknown-result', code: 'uzfm-reconcile' });
    expect(e.message).toMatch(/one receipt \(1\) was issued but it is a sale of cash 123\.00/);
    expect(e.message).toMatch(/X report/);

    k = key();
    prepared = await ch.prepare!(r, k);
    await other.sell(receipt([uzLine({ price: 12_300 })]), key());
    emu.setFaults({ resetConnections: true, methods: ['Api.SendSaleReceipt'] });
    await ch.sell(r, k).catch(() => undefined);
    emu.setFaults({});
    const two = await rejection(ch.findByKey(k, r, undefined, prepared));
    expect(two).toMatchObject({ kind: 'unknown-result', code: 'uzfm-reconcile' });
    expect(two.message).toMatch(/2 receipts were issued/);
  });

  it('an install without Api.GetLastRegisteredReceipt: the receipt is found without its fiscal sign, marked; its return is refused with what to do', async () => {
    const emu = await emulator({ shiftOpen: true, disabledMethods: ['Api.GetLastRegisteredReceipt'] });
    const ch = channel(emu);
    emu.setFaults({ resetConnections: true, methods: ['Api.SendSaleReceipt'], ofdOffline: true });
    const r = receipt([uzLine({ codes: [uzMark('5abcdef')] })]);
    const sent = await relaySend(ch, r);
    emu.setFaults({ ofdOffline: true });
    const found = await ch.findByKey(sent.k, r, undefined, sent.prepared);
    const issued = emu.receipts()[0];
    expect(found).toMatchObject({ fiscalSign: '', registrationNumber: 'UZ191211501031', number: 1, extra: { fiscalSignMissing: true, reconciled: true, ReceiptSeq: '1', TerminalID: 'UZ191211501031', DateTime: issued.time.replace(/\D/g, '') } });
    const e = await rejection(ch.refund(receipt([uzLine({ codes: [uzMark('5abcdef')] })], { type: 'return' }), found!, key()));
    expect(e).toMatchObject({ kind: 'permanent', code: 'uzfm-basis-without-sign' });
    expect(e.message).toMatch(/fiscal sign/);
    expect(emu.receipts()).toHaveLength(1);
  });

  it('lastReceiptMethod: null skips the call', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu, { lastReceiptMethod: null });
    emu.setFaults({ resetConnections: true, methods: ['Api.SendSaleReceipt'] });
    const r = receipt([uzLine()]);
    const sent = await relaySend(ch, r);
    emu.setFaults({});
    expect((await ch.findByKey(sent.k, r, undefined, sent.prepared))?.extra?.fiscalSignMissing).toBe(true);
    expect(calls(emu, 'Api.GetLastRegisteredReceipt')).toHaveLength(0);
  });

  it('a return reconciled after a reset', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    const code = uzMark('5abcdef');
    const sold = await ch.sell(receipt([uzLine({ codes: [code] })]), key());
    emu.setFaults({ resetConnections: true, methods: ['Api.SendRefundReceipt'] });
    const ret = receipt([uzLine({ codes: [code] })], { type: 'return' });
    const sent = await relaySend(ch, ret, sold);
    expect(sent.error?.kind).toBe('unknown-result');
    emu.setFaults({});
    const found = await ch.findByKey(sent.k, ret, sold, sent.prepared);
    expect(found).toMatchObject({ number: 2, fiscalSign: emu.receipts()[1].fiscalSign });
  });

  it('snapshotReuseMs: prepare reuses the counters advanced by our own receipts; reconciliation still reads fresh and stays safe', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu, { snapshotReuseMs: 60_000 });
    for (let i = 0; i < 3; i++) expect((await relaySend(ch, receipt([uzLine()]))).error).toBeNull();
    expect(calls(emu, 'Api.GetZReportInfo')).toHaveLength(1);
    const r = receipt([uzLine({ price: 33_300 })]);
    emu.setFaults({ resetConnections: true, methods: ['Api.SendSaleReceipt'] });
    const sent = await relaySend(ch, r);
    expect(sent.prepared).toMatchObject({ reused: true, lastReceiptSeq: 3, saleCount: 3, saleCash: 150_000 });
    emu.setFaults({});
    expect((await ch.findByKey(sent.k, r, undefined, sent.prepared))?.number).toBe(4);
    // Another program's receipt after our last one: with the reused counters the next ambiguous send is "cannot tell", never "not issued".
    const other = channel(emu);
    await other.sell(receipt([uzLine({ price: 1_000 })]), key());
    emu.setFaults({ resetConnections: true, methods: ['Api.SendSaleReceipt'] });
    const again = await relaySend(ch, r);
    emu.setFaults({});
    expect(await rejection(ch.findByKey(again.k, r, undefined, again.prepared))).toMatchObject({ code: 'uzfm-reconcile' });
    expect(emu.receipts()).toHaveLength(6);
  });

  it('compareSnapshots: the verdicts', () => {
    const s = (o: Partial<Snapshot> = {}): Snapshot => ({ lastSeq: 10, zNumber: 3, zOpen: true, saleCount: 5, refundCount: 0, saleCash: 1000, saleCard: 0, refundCash: 0, refundCard: 0, receiptCount: 0, ...o });
    const sale = { kind: 'sale' as const, cash: 500, card: 0 };
    expect(compareSnapshots(s(), s(), sale)).toEqual({ kind: 'absent' });
    expect(compareSnapshots(s(), s({ receiptCount: 1 }), sale).kind).toBe('unclear');
    expect(compareSnapshots(s({ receiptCount: 3 }), s({ receiptCount: 0 }), sale)).toEqual({ kind: 'absent' });
    expect(compareSnapshots(s(), s({ lastSeq: 11, saleCount: 6, saleCash: 1500 }), sale)).toEqual({ kind: 'issued', seq: 11 });
    expect(compareSnapshots(s(), s({ lastSeq: 11, refundCount: 1, refundCash: 500 }), sale).kind).toBe('unclear');
    expect(compareSnapshots(s(), s({ lastSeq: 12, saleCount: 7, saleCash: 2000 }), sale).kind).toBe('unclear');
    expect(compareSnapshots(s(), s({ lastSeq: 9 }), sale).kind).toBe('unclear');
    // A shift opened in between: the new Z report holds just ours.
    expect(compareSnapshots(s({ zOpen: false }), s({ zNumber: 4, lastSeq: 11, saleCount: 1, saleCash: 500 }), sale)).toEqual({ kind: 'issued', seq: 11 });
    expect(compareSnapshots(s({ zOpen: false }), s({ zNumber: 4, lastSeq: 10, saleCount: 0, saleCash: 0 }), sale)).toEqual({ kind: 'absent' });
    // An operator closed and reopened: seq still tells "absent", but not whose a new receipt is.
    expect(compareSnapshots(s(), s({ zNumber: 5, lastSeq: 10, saleCount: 0 }), sale)).toEqual({ kind: 'absent' });
    expect(compareSnapshots(s(), s({ zNumber: 5, lastSeq: 11, saleCount: 1, saleCash: 500 }), sale).kind).toBe('unclear');
  });
});

describe('uz-fiscal-module: health, backlog, serialisation, config', () => {
  it('OFD offline: health reports the unsent count (and the oldest one), offline; it clears when they drain', async () => {
    const emu = await emulator({ shiftOpen: true });
    const ch = channel(emu);
    expect(await ch.health()).toMatchObject({ ok: true, offline: false, problems: [], shift: { number: 1 } });
    emu.setFaults({ ofdOffline: true });
    await ch.sell(receipt([uzLine()]), key());
    await ch.sell(receipt([uzLine()]), key());
    const h = await ch.health();
    expect(h).toMatchObject({ ok: true, offline: true });
    expect(h.problems).toEqual([{ code: 'fiscal-unsent', message: expect.stringMatching(/^2 receipt\(s\) signed by fiscal module UZ191211501031 are not yet delivered to the OFD/) }]);
    expect(Date.parse(h.oldestUnsentAt!)).toBeGreaterThan(0);
    emu.setFaults({});
    expect(await ch.health()).toMatchObject({ ok: true, offline: false, problems: [] });
  });

  it('requests to one module never overlap, even from two channel objects; two modules run in parallel', async () => {
    const emu = await emulator({ shiftOpen: true, faults: { latencyMs: 5 } });
    const a = channel(emu);
    const b = channel(emu);
    const c = channel(emu, { factoryId: F2 });
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 6; i++) {
      jobs.push(a.sell(receipt([uzLine()]), key()), b.sell(receipt([uzLine()]), key()), c.sell(receipt([uzLine()]), key()), a.health());
    }
    await Promise.all(jobs);
    expect(emu.requests().filter((r) => r.factoryId === F1 && r.overlapped)).toEqual([]);
    expect(emu.receipts().filter((r) => r.factoryId === F1).map((r) => Number(r.receiptSeq))).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(emu.receipts().filter((r) => r.factoryId === F2)).toHaveLength(6);
  });

  it('config: defaults per the reference, strict keys', () => {
    const c = uzFiscalModuleConfigSchema.parse({ channel: 'uz-fiscal-module', factoryId: F1 });
    expect(c).toMatchObject({ url: 'http://127.0.0.1:3448/rpc/api', timeoutMs: 30_000, autoOpenShift: true, receiptTime: 'send', refundInfoKey: 'both', packLabel: 'cut-crypto', lastReceiptMethod: 'Api.GetLastRegisteredReceipt' });
    expect(() => uzFiscalModuleConfigSchema.parse({ channel: 'uz-fiscal-module', factoryId: F1, token: 'x' })).toThrow();
    expect(() => uzFiscalModuleConfigSchema.parse({ channel: 'uz-fiscal-module' })).toThrow();
    expect(uzDateToIso('20260314120500')).toBe('2026-03-14T07:05:00.000Z');
    expect(uzDateToIso('2026-03-14 12:05:00.0')).toBe('2026-03-14T07:05:00.000Z');
    expect(uzDateToIso('soon')).toBeNull();
  });
});
