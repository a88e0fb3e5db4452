/**
 * Receipts end to end through ATOL: a terminal on a real SQLite file, the real relay, the real ATOL channel
 * handed in ready-made (`registers[].fiscal`), and the ATOL web server emulator. Every "how many receipts"
 * is counted at the emulator. Codes here carry no pre-sale check (no terminal `check` before the sale), so
 * the positions go without itemInfoCheckResult and the KKT checks them itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAtolEmulator, type AtolEmulator } from '../../src/emulator/atol/index.js';
import { createAtolChannel, type AtolReceiptTask } from '../../src/fiscal/atol/index.js';
import { openTerminal } from '../../src/batteries.js';
import type { SaleView } from '../../src/outbox/ports.js';
import type { TanbaTerminal } from '../../src/terminal/terminal.js';
import { tempDir } from '../outbox/helpers.js';
import { GS, markCode, reach } from '../support/receipts.js';

let emu: AtolEmulator;
const tmp = tempDir('tanba-atol-');
let n = 0;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  emu = await createAtolEmulator();
});
afterAll(async () => {
  await emu.close();
  tmp.cleanup();
});
afterEach(async () => {
  while (closers.length) await closers.pop()!();
  emu.setFaults({});
});

async function terminal(timeoutMs = 2_000): Promise<TanbaTerminal> {
  const fiscal = createAtolChannel({ channel: 'atol', url: emu.url, timeoutMs, pollIntervalMs: 10, pollTimeoutMs: 3_000 });
  const t = await openTerminal({
    store: { kind: 'sqlite', path: tmp.file(`t${++n}.db`) },
    registers: [{ id: 'till-1', fiscal }],
    tracking: null,
    relay: { policy: { reconcileDelayMs: 20, quickDelayMs: 10, backoff: { minDelayMs: 20, maxDelayMs: 200 }, blockedProbeMs: 100 } },
  });
  closers.push(async () => {
    await t.close();
    await fiscal.close();
  });
  return t;
}


let uniq = 5000;
const next = () => (uniq += 10);
/** The first code number of each sale id: receipts are counted by the KMs they carry, whatever their uuid. */
const codeOf = new Map<string, number>();
const sale = (id: string, c: number, units = 1) => {
  codeOf.set(id, c);
  return {
    id,
    lines: [
      { name: 'Туфли', price: 300_000, quantity: units, codes: Array.from({ length: units }, (_, i) => markCode(c + i, 7)), vatRate: 22 },
      { name: 'Пакет', price: 1_000, vatRate: null },
    ],
  };
};
const receiptsOf = (id: string) => emu.receipts().filter((r) => r.type === 'sell' && r.kms.includes(markCode(codeOf.get(id)!, 7)));
const decode = (imc: string) => Buffer.from(imc, 'base64').toString('latin1');

describe('receipts through ATOL', () => {
  it('a sale goes out as one sell task: one position per marked unit, imc = the KM with GS', async () => {
    const t = await terminal();
    const c = next();
    const v = await t.recordSale(sale('atol-sale-1', c, 2), { waitMs: 10_000 });
    expect(v.state).toBe('fiscalised');
    const [r] = receiptsOf('atol-sale-1');
    expect(v.fiscal).toMatchObject({ channel: 'atol', fiscalSign: r.fiscalDocumentSign, registrationNumber: r.registrationNumber, number: r.fiscalDocumentNumber, total: 601_000 });
    const items = (r.task as unknown as AtolReceiptTask).items;
    expect(items.map((i) => [i.quantity, i.paymentObject])).toEqual([[1, 'commodityWithMarking'], [1, 'commodityWithMarking'], [1, 'commodity']]);
    expect(items.slice(0, 2).map((i) => decode(i.imcParams!.imc))).toEqual([markCode(c, 7), markCode(c + 1, 7)]);
    expect(decode(items[0].imcParams!.imc)).toContain(GS);
    expect(items[0].imcParams!.itemInfoCheckResult).toBeUndefined();
  });

  it('the same sale id twice is one receipt', async () => {
    const t = await terminal();
    const input = sale('atol-dup-1', next());
    const a = await t.recordSale(input, { waitMs: 10_000 });
    const b = await t.recordSale(input, { waitMs: 10_000 });
    expect(b.fiscal?.fiscalSign).toBe(a.fiscal?.fiscalSign);
    expect(receiptsOf('atol-dup-1')).toHaveLength(1);
  });

  it('a reset after the web server accepted the request is reconciled: one receipt, its fiscal sign kept', async () => {
    const t = await terminal();
    emu.setFaults({ resetConnections: true });
    await t.recordSale(sale('atol-amb-reset', next()));
    await reach(t, 'atol-amb-reset', 'unknown');
    emu.setFaults({});
    const v = await reach(t, 'atol-amb-reset', 'fiscalised');
    expect(receiptsOf('atol-amb-reset')).toHaveLength(1);
    expect(v.fiscal?.fiscalSign).toBe(receiptsOf('atol-amb-reset')[0].fiscalDocumentSign);
  });

  it('a hang after accepting (client timeout) is reconciled with no second receipt', async () => {
    const t = await terminal(300);
    emu.setFaults({ hangAfterIssueMs: 1_500 });
    await t.recordSale(sale('atol-amb-hang', next()));
    await reach(t, 'atol-amb-hang', 'unknown');
    emu.setFaults({});
    await reach(t, 'atol-amb-hang', 'fiscalised');
    expect(receiptsOf('atol-amb-hang')).toHaveLength(1);
  });

  it('a return is a sellReturn with itemPieceReturn and the same KM', async () => {
    const t = await terminal();
    const c = next();
    await t.recordSale(sale('atol-ret-sale', c), { waitMs: 10_000 });
    const ret = await t.recordReturn({ id: 'atol-ret-1', saleId: 'atol-ret-sale', lines: [{ name: 'Туфли', price: 300_000, codes: [markCode(c, 7)], vatRate: 22 }] }, { waitMs: 10_000 });
    expect(ret.state).toBe('fiscalised');
    const r = emu.receipts().find((x) => x.uuid === ret.fiscal?.extra?.uuid)!;
    expect(r.type).toBe('sellReturn');
    const [pos] = (r.task as unknown as AtolReceiptTask).items;
    expect(pos.imcParams!.itemEstimatedStatus).toBe('itemPieceReturn');
    expect(decode(pos.imcParams!.imc)).toBe(markCode(c, 7));
  });

  it('paper out blocks the register; once paper is in, the receipt goes, once', async () => {
    const t = await terminal();
    emu.setFaults({ paperOut: true });
    await t.recordSale(sale('atol-paper', next()));
    await new Promise<void>((resolve) => {
      const check = () => {
        void t.status().then((s) => {
          if (s.registers[0]?.state === 'blocked') {
            t.off('register', check);
            resolve();
          }
        });
      };
      t.on('register', check);
      check();
    });
    const s = await t.status();
    expect(s.registers[0]).toMatchObject({ state: 'blocked', blocked: { code: 'atol-44' } });
    emu.setFaults({});
    await reach(t, 'atol-paper', 'fiscalised');
    expect(receiptsOf('atol-paper')).toHaveLength(1);
  });
});
