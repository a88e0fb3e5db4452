/**
 * The uz-fiscal-module channel through the real delivery core: a terminal on a real SQLite file
 * (openTerminal with a ready channel), the relay (prepare → durable "sending" mark → send →
 * findByKey with the stored counters), the real channel and the fiscal-module emulator (which
 * shares no code with it). Every "how many receipts" assertion is made at the emulator.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createUzFiscalModuleEmulator, type UzFiscalModuleEmulator } from '../../src/emulator/uz-fiscal-module/index.js';
import { createUzFiscalModuleChannel, type UzFiscalModuleConfigInput } from '../../src/fiscal/uz-fiscal-module/index.js';
import { openTerminal } from '../../src/batteries.js';
import type { SaleView } from '../../src/outbox/ports.js';
import type { SaleInput } from '../../src/sale/schema.js';
import type { TanbaTerminal } from '../../src/terminal/terminal.js';
import { tempDir } from '../outbox/helpers.js';
import { kiOf, markCode, reach } from '../support/receipts.js';

const F1 = 'LG420230630021';
const F2 = 'LG420230630022';
const IKPU = '02203001001000000';
const PKG = '1495060';

let emu: UzFiscalModuleEmulator;
const tmp = tempDir('tanba-uz-relay-');
let n = 0;
const open: TanbaTerminal[] = [];

beforeAll(async () => {
  emu = await createUzFiscalModuleEmulator({ shiftOpen: true });
});
afterAll(async () => {
  await emu.close();
  tmp.cleanup();
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  emu.setFaults({});
});

const channel = (factoryId = F1, over: Partial<UzFiscalModuleConfigInput> = {}) =>
  createUzFiscalModuleChannel({ channel: 'uz-fiscal-module', url: emu.rpcUrl, factoryId, timeoutMs: 2_000, settleMs: 0, ...over });

async function terminal(registers: { id: string; factoryId: string; over?: Partial<UzFiscalModuleConfigInput> }[] = [{ id: 'till-1', factoryId: F1 }]): Promise<TanbaTerminal> {
  const t = await openTerminal({
    store: { kind: 'sqlite', path: tmp.file(`uz${++n}.db`) },
    registers: registers.map((r) => ({ id: r.id, fiscal: channel(r.factoryId, r.over) })),
    tracking: null,
    relay: { policy: { reconcileDelayMs: 20, quickDelayMs: 10, backoff: { minDelayMs: 20, maxDelayMs: 200 }, blockedProbeMs: 100 } },
  });
  open.push(t);
  return t;
}


let uniq = 5000;
const next = () => (uniq += 10);

function uzSale(id: string, c: number, over: Partial<SaleInput> = {}): SaleInput {
  return {
    id,
    lines: [
      { name: 'Beer 0.5', price: 1_500_050, quantity: 2, codes: [markCode(c), markCode(c + 1)], vatRate: 12, ikpu: IKPU, packageCode: PKG },
      { name: 'Bag', price: 1_000, vatRate: null },
    ],
    ...over,
  };
}

/** Receipts at the emulator whose labels hold the KI of code `c`. */
const receiptsWith = (c: number) => emu.receipts().filter((r) => r.labels.includes(kiOf(c)));

describe('receipts through the Uzbek fiscal module', () => {
  it('a sale with waitMs is fiscalised: one item per code with the cleaned Label; its return carries RefundInfo', async () => {
    const t = await terminal();
    const c = next();
    const v = await t.recordSale(uzSale('uz-sale-1', c), { waitMs: 10_000 });
    expect(v.state).toBe('fiscalised');
    const [r] = receiptsWith(c);
    expect(v.fiscal).toMatchObject({ channel: 'uz-fiscal-module', fiscalSign: r.fiscalSign, registrationNumber: 'UZ191211501031', total: 2 * 1_500_050 + 1_000 });
    expect(r.labels).toEqual([kiOf(c), kiOf(c + 1)]);
    const ret = await t.recordReturn({ id: 'uz-ret-1', saleId: 'uz-sale-1', lines: [{ name: 'Beer 0.5', price: 1_500_050, codes: [markCode(c + 1)], vatRate: 12, ikpu: IKPU, packageCode: PKG }] }, { waitMs: 10_000 });
    expect(ret.state).toBe('fiscalised');
    const refund = emu.receipts().find((x) => x.kind === 'refund' && x.labels.includes(kiOf(c + 1)))!;
    expect(refund.refundInfo).toEqual({ terminalId: r.terminalId, receiptSeq: r.receiptSeq, dateTime: r.dateTime, fiscalSign: r.fiscalSign });
    expect(ret.fiscal?.fiscalSign).toBe(refund.fiscalSign);
  });

  it('the connection is killed mid-send (reset after issue): exactly one receipt, the sale fiscalised with its fiscal sign', async () => {
    const t = await terminal();
    const c = next();
    emu.setFaults({ resetConnections: true, methods: ['Api.SendSaleReceipt'] });
    const unknown = reach(t, 'uz-reset-1', 'unknown');
    const fiscalised = reach(t, 'uz-reset-1', 'fiscalised');
    await t.recordSale(uzSale('uz-reset-1', c));
    await unknown;
    const v = await fiscalised;
    expect(receiptsWith(c)).toHaveLength(1);
    expect(v.fiscal?.fiscalSign).toBe(receiptsWith(c)[0].fiscalSign);
    expect(v.fiscal?.extra).toMatchObject({ reconciled: true, ReceiptSeq: receiptsWith(c)[0].receiptSeq });
  });

  it('a hang after issue (timeout after the request) is reconciled: one receipt', async () => {
    const t = await terminal([{ id: 'till-1', factoryId: F1, over: { timeoutMs: 300 } }]);
    const c = next();
    emu.setFaults({ hangAfterIssueMs: 1_500, methods: ['Api.SendSaleReceipt'] });
    const unknown = reach(t, 'uz-hang-1', 'unknown');
    await t.recordSale(uzSale('uz-hang-1', c));
    await unknown;
    emu.setFaults({});
    const v = await reach(t, 'uz-hang-1', 'fiscalised');
    expect(receiptsWith(c)).toHaveLength(1);
    expect(v.fiscal?.fiscalSign).toBe(receiptsWith(c)[0].fiscalSign);
  });

  it('intake: a marked line without ИКПУ is refused; a return on another register is refused with where to make it', async () => {
    const t = await terminal([
      { id: 'till-1', factoryId: F1 },
      { id: 'till-2', factoryId: F2 },
    ]);
    const c = next();
    await expect(t.recordSale({ id: 'uz-noikpu', registerId: 'till-1', lines: [{ name: 'Beer', price: 100, codes: [markCode(c)], vatRate: 12 }] })).rejects.toMatchObject({
      code: 'invalid-sale',
      fields: expect.arrayContaining([expect.objectContaining({ field: 'lines.0.ikpu' }), expect.objectContaining({ field: 'lines.0.packageCode' })]),
    });
    await t.recordSale(uzSale('uz-sale-2', c, { registerId: 'till-1' }), { waitMs: 10_000 });
    await expect(t.recordReturn({ id: 'uz-ret-2', saleId: 'uz-sale-2', registerId: 'till-2', lines: [{ name: 'Beer 0.5', price: 1_500_050, codes: [markCode(c)], vatRate: 12, ikpu: IKPU, packageCode: PKG }] })).rejects.toMatchObject({
      code: 'invalid-sale',
      fields: [expect.objectContaining({ field: 'registerId', fix: expect.stringContaining('till-1') })],
    });
    expect(emu.receipts().filter((r) => r.kind === 'refund' && r.labels.includes(kiOf(c)))).toHaveLength(0);
  });

  it('the module unplugged: receipts wait, then go out in their order once it is back', async () => {
    const t = await terminal();
    emu.setFaults({ unplugged: [F1] });
    const ids = ['uz-usb-1', 'uz-usb-2', 'uz-usb-3'];
    const codes = ids.map(() => next());
    for (let i = 0; i < ids.length; i++) expect((await t.recordSale(uzSale(ids[i], codes[i]), { waitMs: 50 })).state).not.toBe('fiscalised');
    const s = await t.status();
    expect(s.registers[0]).toMatchObject({ id: 'till-1', channel: 'uz-fiscal-module', pending: 3 });
    emu.setFaults({});
    await Promise.all(ids.map((id) => reach(t, id, 'fiscalised')));
    const seqs = codes.map((c) => Number(receiptsWith(c)[0].receiptSeq));
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(codes.every((c) => receiptsWith(c).length === 1)).toBe(true);
  });
});
