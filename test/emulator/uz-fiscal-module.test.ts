/**
 * The Uzbek fiscal-module emulator over real HTTP (fetch only, no tanba client code): JSON-RPC on
 * one path and always HTTP 200, the FactoryID → TerminalID registry, monotonic ReceiptSeq, fiscal
 * signs and the ofd.soliq.uz QR link, Z reports, the balance rule (65531), Label validation,
 * RefundInfo against the module's own sales, the memory / unsent counters and the faults.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createUzFiscalModuleEmulator, type UzFiscalModuleEmulator, type UzFiscalModuleEmulatorOptions } from '../../src/emulator/uz-fiscal-module/index.js';

const F1 = 'LG420230630021';
const F2 = 'LG420230630022';
const T0 = Date.parse('2026-03-14T07:05:00Z');
const GS = '\x1d';
const SPIC = '02203001001000000';

let emu: UzFiscalModuleEmulator | null = null;
let clock = T0;
afterEach(async () => {
  await emu?.close();
  emu = null;
});

async function start(opts: UzFiscalModuleEmulatorOptions = {}): Promise<UzFiscalModuleEmulator> {
  clock = T0;
  emu = await createUzFiscalModuleEmulator({ now: () => clock, shiftOpen: true, ...opts });
  return emu;
}

interface Rpc {
  status: number;
  body: { jsonrpc: string; id: unknown; result?: any; error?: { code: number; message: string } };
}
let ids = 0;
async function rpc(method: string, params: Record<string, unknown> = {}, raw?: string): Promise<Rpc> {
  const r = await fetch(emu!.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: raw ?? JSON.stringify({ jsonrpc: '2.0', id: ++ids, method, params }) });
  return { status: r.status, body: (await r.json()) as Rpc['body'] };
}

const label = (n: number) => `0104780000000017215abc${String(n).padStart(3, '0')}`;
function item(n: number, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { Name: 'Cigarettes X', Barcode: '4780000000017', SPIC, PackageCode: '1495060', Amount: 1000, Price: 1_500_000, Discount: 0, Other: 0, VAT: 160_714, VATPercent: 12, Units: 0, OwnerType: 0, Label: label(n), ...over };
}
function receipt(items: Record<string, unknown>[], over: Record<string, unknown> = {}): Record<string, unknown> {
  const total = items.reduce((s, i) => s + (i.Price as number) - ((i.Discount as number) ?? 0), 0);
  return { Time: '2026-03-14 12:05:00', ReceivedCash: total, ReceivedCard: 0, Items: items, ...over };
}
const sale = (items: Record<string, unknown>[], over: Record<string, unknown> = {}, factoryId = F1) => rpc('Api.SendSaleReceipt', { FactoryID: factoryId, Receipt: receipt(items, over) });

describe('uz-fiscal-module emulator: protocol', () => {
  it('answers JSON-RPC 2.0 on /rpc/api, always HTTP 200, errors in error; unknown methods -32601', async () => {
    await start();
    const info = await rpc('Api.GetInfo', { FactoryID: F1 });
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ jsonrpc: '2.0', id: ids, result: { FactoryID: F1, TerminalID: 'UZ191211501031' } });
    const two = await rpc('Api.GetInfo', { FactoryID: F2 });
    expect(two.body.result.TerminalID).toBe('UZ191211501032');
    const unknown = await rpc('Api.GetInfo', { FactoryID: 'LG000' });
    expect(unknown.status).toBe(200);
    expect(unknown.body.error?.code).toBe(65535);
    expect((await rpc('Api.NoSuch')).body.error).toEqual({ code: -32601, message: 'NO_SUCH_METHOD_AVAILABLE' });
    const broken = await rpc('', {}, '{"jsonrpc": "2.0", "method": ');
    expect(broken.status).toBe(200);
    expect(broken.body.error?.code).toBe(65532);
    expect((await rpc('Api.ListFiscalDrives')).body.result).toEqual({ FactoryID: [F1, F2] });
    const notFound = await fetch(`${emu!.url}/uzpos`, { method: 'POST', body: '{}' });
    expect(notFound.status).toBe(404);
  });

  it('issues a sale: monotonic ReceiptSeq per module, 12-digit fiscal sign, DateTime in UTC+5, QRCodeURL on ofd.soliq.uz', async () => {
    await start();
    const a = await sale([item(1)]);
    expect(a.body.error).toBeUndefined();
    const r = a.body.result;
    expect(r).toMatchObject({ TerminalID: 'UZ191211501031', ReceiptSeq: '1', DateTime: '20260314120500' });
    expect(r.FiscalSign).toMatch(/^\d{12}$/);
    expect(r.QRCodeURL).toBe(`https://ofd.soliq.uz/check?t=UZ191211501031&r=1&c=20260314120500&s=${r.FiscalSign}`);
    clock += 1000;
    const b = (await sale([item(2)], { Time: '2026-03-14 12:05:01' })).body.result;
    expect(b.ReceiptSeq).toBe('2');
    expect(BigInt(b.FiscalSign)).toBeGreaterThan(BigInt(r.FiscalSign));
    const other = (await sale([item(3)], {}, F2)).body.result;
    expect(other).toMatchObject({ TerminalID: 'UZ191211501032', ReceiptSeq: '1' });
    expect(emu!.receipts().map((x) => [x.factoryId, x.receiptSeq, x.kind])).toEqual([
      [F1, '1', 'sale'],
      [F1, '2', 'sale'],
      [F2, '1', 'sale'],
    ]);
    expect(emu!.receipts()[0].labels).toEqual([label(1)]);
    const viaHttp = (await (await fetch(`${emu!.url}/_emulator/receipts`)).json()) as unknown[];
    expect(viaHttp).toHaveLength(3);
    const last = (await rpc('Api.GetLastRegisteredReceipt', { FactoryID: F1 })).body.result;
    expect(last).toEqual(b);
  });

  it('Z reports: closed shift refuses receipts (0x902D), open/close, counters, LastReceiptSeq; empty Z cannot close', async () => {
    await start({ shiftOpen: false });
    expect((await rpc('Api.GetZReportInfo', { FactoryID: F1, Number: 0 })).body.error?.code).toBe(0x9026);
    expect((await sale([item(1)])).body.error).toEqual({ code: 0x902d, message: 'ERROR_ZREPORT_IS_NOT_OPEN' });
    expect((await rpc('Api.OpenZReport', { FactoryID: F1, Time: '2026-03-14 12:00:00' })).body.result).toBeTruthy();
    expect((await rpc('Api.OpenZReport', { FactoryID: F1 })).body.error?.code).toBe(0x9030);
    expect((await rpc('Api.CloseZReport', { FactoryID: F1 })).body.error?.code).toBe(0x902b);
    await sale([item(1)], { ReceivedCash: 1_000_000, ReceivedCard: 500_000 });
    const z = (await rpc('Api.GetZReportInfo', { FactoryID: F1, Number: 0 })).body.result;
    expect(z).toMatchObject({ Number: 1, Count: 1, OpenTime: '2026-03-14 12:00:00', CloseTime: '', FirstReceiptSeq: '1', LastReceiptSeq: '1', TotalSaleCount: 1, TotalSaleCash: 1_000_000, TotalSaleCard: 500_000, TotalSaleVAT: 160_714, TotalRefundCount: 0 });
    expect((await rpc('Api.CloseZReport', { FactoryID: F1 })).body.result).toBeTruthy();
    await rpc('Api.OpenZReport', { FactoryID: F1 });
    const fresh = (await rpc('Api.GetZReportInfo', { FactoryID: F1, Number: 0 })).body.result;
    expect(fresh).toMatchObject({ Number: 2, LastReceiptSeq: '0', TotalSaleCount: 0 });
    const prev = (await rpc('Api.GetZReportInfo', { FactoryID: F1, Number: 1 })).body.result;
    expect(prev).toMatchObject({ Number: 1, LastReceiptSeq: '1' });
    expect(prev.CloseTime).not.toBe('');
  });
});

describe('uz-fiscal-module emulator: receipt rules', () => {
  it('the balance rule: Σ(Price − Discount) = ReceivedCash + ReceivedCard + ΣOther, else 65531', async () => {
    await start();
    const bad = await sale([item(1)], { ReceivedCash: 1_400_000 });
    expect(bad.status).toBe(200);
    expect(bad.body.error?.code).toBe(65531);
    expect(bad.body.error?.message).toMatch(/1500000/);
    const split = await sale([item(2, { Discount: 100_000, VAT: 150_000, Other: 400_000 })], { ReceivedCash: 600_000, ReceivedCard: 400_000 });
    expect(split.body.error).toBeUndefined();
    expect(emu!.receipts()).toHaveLength(1);
  });

  it('VAT to the tiyin (±1), SPIC 17 digits, Amount ×1000, shapes (65532)', async () => {
    await start();
    expect((await sale([item(1, { VAT: 160_000 })])).body.error?.message).toMatch(/expected 160714/);
    expect((await sale([item(1, { VAT: 160_715 })])).body.error).toBeUndefined();
    expect((await sale([item(2, { SPIC: '123' })])).body.error?.message).toMatch(/17-digit/);
    expect((await sale([item(3, { Amount: 1.5 })])).body.error?.code).toBe(65532);
    expect((await sale([item(4)], { Time: '14.03.2026 12:05' })).body.error?.code).toBe(65532);
    expect((await sale([])).body.error?.code).toBe(65532);
  });

  it('Label: refuses GS, a crypto tail (AI 93, AI 91/92), the full pack code, duplicates; a marked item needs SPIC and PackageCode', async () => {
    await start();
    const refuse = async (l: string) => (await sale([item(0, { Label: l })])).body.error?.message ?? 'accepted';
    expect(await refuse(`0104780000000017215abcdef${GS}93U3g5`)).toMatch(/control character 0x1d \(GS\)/);
    expect(await refuse('0104780000000017215abcdef93U3g5')).toMatch(/AI 93/);
    expect(await refuse('010478000000001721T00000000123493Ab12')).toMatch(/AI 93/);
    expect(await refuse(`010478000000001721T000000001234${'91EE1192'}${'A'.repeat(44)}`)).toMatch(/crypto tail/);
    expect(await refuse('04780101164394TF&csaNNW1kK0tL')).toMatch(/29-character pack/);
    expect(await refuse('04780101164394TF&csaNNW1k')).toBe('accepted');
    expect((await sale([item(5), item(5)], { ReceivedCash: 3_000_000 })).body.error?.message).toMatch(/more than once/);
    expect((await sale([item(6, { SPIC: undefined })])).body.error?.message).toMatch(/SPIC and PackageCode/);
    expect((await sale([item(7, { Amount: 2000 })])).body.error?.message).toMatch(/one Label is one unit/);
    expect((await sale([item(8, { Label: undefined, SPIC: undefined, PackageCode: undefined })])).body.error).toBeUndefined();
  });

  it('a refund needs RefundInfo naming a sale of the same module; labels must have been sold and not refunded', async () => {
    await start();
    const s = (await sale([item(1), item(2)], { ReceivedCash: 3_000_000 })).body.result;
    const info = { TerminalID: s.TerminalID, ReceiptSeq: s.ReceiptSeq, DateTime: s.DateTime, FiscalSign: s.FiscalSign };
    const refund = (over: Record<string, unknown>, items = [item(1)], factoryId = F1) => rpc('Api.SendRefundReceipt', { FactoryID: factoryId, Receipt: receipt(items, over) });
    expect((await refund({})).body.error?.message).toMatch(/RefundInfo/);
    expect((await refund({ RefundInfo: { ...info, FiscalSign: '999' } })).body.error?.message).toMatch(/not the fiscal sign/);
    expect((await refund({ RefundInfo: { ...info, DateTime: '2026-03-14 12:05:00' } })).body.error?.message).toMatch(/14 digits/);
    expect((await refund({ RefundInfo: info }, [item(1)], F2)).body.error?.message).toMatch(/another module/);
    expect((await refund({ RefundInfo: info }, [item(9)])).body.error?.message).toMatch(/was not sold/);
    // The camelCase key (seen in the field) works the same; both keys must agree.
    expect((await refund({ RefundInfo: info, refundInfo: { ...info, ReceiptSeq: '7' } })).body.error?.message).toMatch(/disagree/);
    const ok = await refund({ refundInfo: info });
    expect(ok.body.error).toBeUndefined();
    expect(ok.body.result.ReceiptSeq).toBe('2');
    expect((await refund({ RefundInfo: info })).body.error?.message).toMatch(/already been refunded/);
    const [, r] = emu!.receipts();
    expect(r).toMatchObject({ kind: 'refund', refundInfo: { terminalId: s.TerminalID, receiptSeq: '1', fiscalSign: s.FiscalSign, dateTime: s.DateTime } });
    const z = (await rpc('Api.GetZReportInfo', { FactoryID: F1, Number: 0 })).body.result;
    expect(z).toMatchObject({ TotalSaleCount: 1, TotalRefundCount: 1, TotalRefundCash: 1_500_000, LastReceiptSeq: '2' });
  });
});

describe('uz-fiscal-module emulator: memory, backlog and faults', () => {
  it('ofdOffline: receipts stay in the module memory (GetReceiptCount, GetReceiptInfo) and unsent; they drain when it clears', async () => {
    await start();
    await sale([item(1)]);
    expect((await rpc('Api.GetReceiptCount', { FactoryID: F1 })).body.result).toEqual({ Count: 0, AppletVersion: expect.any(String) });
    expect((await rpc('Api.GetReceiptInfo', { FactoryID: F1, Number: 1 })).body.error?.code).toBe(0x9006);
    emu!.setFaults({ ofdOffline: true });
    clock += 60_000;
    await sale([item(2)], { Time: '2026-03-14 12:06:00' });
    await sale([item(3)], { Time: '2026-03-14 12:06:00' });
    expect((await rpc('Api.GetReceiptCount', { FactoryID: F1 })).body.result.Count).toBe(2);
    expect((await rpc('Api.GetUnsentCount')).body.result).toEqual({ Count: 2, TerminalID: { UZ191211501031: 2, UZ191211501032: 0 } });
    expect((await rpc('Api.GetUnsentCount', { FactoryID: F2 })).body.result.Count).toBe(0);
    const first = (await rpc('Api.GetReceiptInfo', { FactoryID: F1, Number: 1 })).body.result;
    expect(first).toMatchObject({ Number: 1, Count: 2, ReceiptSeq: '2', Sale: true, TotalCash: 1_500_000, TransactionTime: '2026-03-14 12:06:00' });
    expect((await rpc('Api.GetReceiptInfo', { FactoryID: F1, Number: 3 })).body.error?.code).toBe(0x9007);
    emu!.setFaults({});
    expect((await rpc('Api.GetUnsentCount')).body.result.Count).toBe(0);
    expect(emu!.receipts().every((r) => r.sent)).toBe(true);
  });

  it('unplugged (65534) and back; blocked by the OFD (65279); decryption errors (65529) for the next N receipts', async () => {
    await start();
    emu!.setFaults({ unplugged: [F1] });
    expect((await sale([item(1)])).body.error?.code).toBe(65534);
    expect((await rpc('Api.GetInfo', { FactoryID: F1 })).body.error?.message).toMatch(/USB/);
    expect((await rpc('Api.GetInfo', { FactoryID: F2 })).body.result).toBeTruthy();
    expect((await rpc('Api.ListFiscalDrives')).body.result).toEqual({ FactoryID: [F2] });
    emu!.setFaults({});
    expect((await sale([item(1)])).body.result.ReceiptSeq).toBe('1');
    emu!.setFaults({ blocked: true });
    expect((await sale([item(2)])).body.error?.code).toBe(65279);
    expect((await rpc('Api.GetZReportInfo', { FactoryID: F1, Number: 0 })).body.result).toBeTruthy();
    emu!.setFaults({ decryptionErrors: 2 });
    expect((await sale([item(2)])).body.error?.code).toBe(65529);
    expect((await sale([item(2)])).body.error?.code).toBe(65529);
    expect((await sale([item(2)])).body.result.ReceiptSeq).toBe('2');
    expect(emu!.receipts()).toHaveLength(2);
  });

  it('resetConnections: the receipt is issued, the answer never arrives; scoped to a method', async () => {
    await start();
    emu!.setFaults({ resetConnections: true, methods: ['Api.SendSaleReceipt'] });
    await expect(sale([item(1)])).rejects.toThrow();
    expect(emu!.receipts()).toHaveLength(1);
    expect((await rpc('Api.GetZReportInfo', { FactoryID: F1, Number: 0 })).body.result.LastReceiptSeq).toBe('1');
    expect(emu!.requests().find((r) => r.method === 'Api.SendSaleReceipt')).toMatchObject({ reset: true });
  });

  it('hangAfterIssueMs: issued at once, answered late; a request meanwhile is flagged as overlapping', async () => {
    await start();
    emu!.setFaults({ hangAfterIssueMs: 60_000 });
    await expect(
      fetch(emu!.rpcUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'Api.SendSaleReceipt', params: { FactoryID: F1, Receipt: receipt([item(1)]) } }), signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
    expect(emu!.receipts()).toHaveLength(1);
    await rpc('Api.GetReceiptCount', { FactoryID: F1 });
    expect(emu!.requests().at(-1)).toMatchObject({ method: 'Api.GetReceiptCount', overlapped: true });
  });

  it('admin surface: faults, requests, modules, shift, reset', async () => {
    await start({ shiftOpen: false, modules: [{ factoryId: 'LG1', terminalId: 'UZ000000000001' }] });
    const bad = await fetch(`${emu!.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ nope: 1 }) });
    expect(bad.status).toBe(400);
    await fetch(`${emu!.url}/_emulator/faults`, { method: 'POST', body: JSON.stringify({ latencyMs: 1 }) });
    expect(await (await fetch(`${emu!.url}/_emulator/faults`)).json()).toEqual({ latencyMs: 1 });
    expect((await fetch(`${emu!.url}/_emulator/modules/LG1/shift`, { method: 'POST', body: JSON.stringify({ open: true }) })).status).toBe(200);
    // One module: FactoryID may be left out, as the Communicator does with one card.
    expect((await rpc('Api.SendSaleReceipt', { Receipt: receipt([item(1)]) })).body.result.TerminalID).toBe('UZ000000000001');
    expect(await (await fetch(`${emu!.url}/_emulator/modules`)).json()).toEqual([{ factoryId: 'LG1', terminalId: 'UZ000000000001', lastReceiptSeq: 1, unsent: 0, shift: { number: 1, open: true } }]);
    expect(((await (await fetch(`${emu!.url}/_emulator/requests`)).json()) as unknown[]).length).toBe(1);
    await fetch(`${emu!.url}/_emulator/reset`, { method: 'POST' });
    expect(emu!.receipts()).toEqual([]);
    expect(emu!.modules()[0].lastReceiptSeq).toBe(0);
  });
});
