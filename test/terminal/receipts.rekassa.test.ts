/**
 * Receipts through re:Kassa end to end: terminal, SQLite, relay, the real re:Kassa channel and the
 * re:Kassa emulator over HTTP. A sale, an ambiguous send reconciled by replaying X-Request-ID, and a
 * return naming its sale as `parentTicket`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTerminal } from '../../src/batteries.js';
import { createRekassaEmulator, type RekassaEmulator } from '../../src/emulator/rekassa/index.js';
import type { SaleView } from '../../src/outbox/ports.js';
import type { TanbaTerminal } from '../../src/terminal/terminal.js';
import { tempDir } from '../outbox/helpers.js';
import { returnInput, saleInput } from '../support/receipts.js';

let emu: RekassaEmulator;
let t: TanbaTerminal;
const tmp = tempDir('tanba-rekassa-');

beforeAll(async () => {
  emu = await createRekassaEmulator();
  t = await openTerminal({
    store: { kind: 'sqlite', path: tmp.file() },
    registers: [{ id: 'till-1', fiscal: { channel: 'rekassa', url: emu.url, apiKey: 'rekassa-demo-key', login: 'RK00000101', password: 'demo', cashRegisterId: '101', timeoutMs: 2000 } }],
    tracking: null,
    relay: { policy: { reconcileDelayMs: 20, quickDelayMs: 10, backoff: { minDelayMs: 20, maxDelayMs: 200 } } },
  });
});
afterAll(async () => {
  await t?.close();
  await emu?.close();
  tmp.cleanup();
});

function reach(id: string, state: SaleView['state']): Promise<SaleView> {
  return new Promise((resolve) => {
    const on = (v: SaleView) => v.id === id && v.state === state && (t.off('receipt', on), resolve(v));
    t.on('receipt', on);
    void t.sale(id).then((v) => v?.state === state && (t.off('receipt', on), resolve(v)));
  });
}

describe('receipts through re:Kassa', () => {
  it('a sale is one ticket with the codes in listExciseStamp', async () => {
    const v = await t.recordSale(saleInput('rk-1', { n: 501, units: 2 }), { waitMs: 10_000 });
    expect(v.state).toBe('fiscalised');
    const [r] = emu.receipts().filter((x) => x.requestId === 'rk-1');
    expect(v.fiscal).toMatchObject({ channel: 'rekassa', fiscalSign: r.ticketNumber, isOffline: false, total: 290100 });
    expect(r.marks).toHaveLength(2);
  });

  it('a connection reset after the ticket was issued is reconciled by replaying the same X-Request-ID: one ticket', async () => {
    emu.setFaults({ resetConnections: true, cashRegister: '101' });
    await t.recordSale(saleInput('rk-amb', { n: 511 }));
    await reach('rk-amb', 'unknown');
    emu.setFaults({});
    const v = await reach('rk-amb', 'fiscalised');
    const tickets = emu.receipts().filter((x) => x.requestId === 'rk-amb');
    expect(tickets).toHaveLength(1);
    expect(v.fiscal?.fiscalSign).toBe(tickets[0].ticketNumber);
    expect(emu.requests().filter((x) => x.requestId === 'rk-amb').length).toBeGreaterThan(1);
  });

  it('a return names its sale as parentTicket', async () => {
    const sale = await t.recordSale(saleInput('rk-s', { n: 521 }), { waitMs: 10_000 });
    const ret = await t.recordReturn(returnInput('rk-r', 'rk-s', { n: 521 }), { waitMs: 10_000 });
    expect(ret.state).toBe('fiscalised');
    const [r] = emu.receipts().filter((x) => x.requestId === 'rk-r');
    expect(r.operation).toBe('OPERATION_SELL_RETURN');
    expect(r.parentTicket).toMatchObject({ parentTicketNumber: sale.fiscal!.fiscalSign, parentTicketIsOffline: false });
  });
});
