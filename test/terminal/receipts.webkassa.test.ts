/**
 * Receipts end to end over real HTTP: a terminal on a real SQLite file, the relay, the real
 * Webkassa channel and the Webkassa emulator (which shares no code with the channel). Every
 * assertion on "how many receipts" is made at the emulator.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWebkassaEmulator, type WebkassaEmulator } from '../../src/emulator/webkassa/index.js';
import { openTerminal } from '../../src/batteries.js';
import type { SaleView } from '../../src/outbox/ports.js';
import type { TanbaTerminal } from '../../src/terminal/terminal.js';
import { tempDir } from '../outbox/helpers.js';
import { markCode, returnInput, saleInput, reach } from '../support/receipts.js';

let emu: WebkassaEmulator;
const tmp = tempDir('tanba-receipts-');
let n = 0;
const open: TanbaTerminal[] = [];

beforeAll(async () => {
  emu = await createWebkassaEmulator({ cashboxes: 4 });
});
afterAll(async () => {
  await emu.close();
  tmp.cleanup();
});
afterEach(async () => {
  while (open.length) await open.pop()!.close();
  emu.setFaults({});
});

const cashbox = (i: number) => `SWK0000000${i}`;
const fiscal = (i: number, timeoutMs = 2000) => ({ channel: 'webkassa' as const, url: emu.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', password: 'demo', cashbox: cashbox(i), timeoutMs });

async function terminal(registers = 1, opts: { timeoutMs?: number; relay?: NonNullable<Parameters<typeof openTerminal>[0]>['relay'] } = {}): Promise<TanbaTerminal> {
  const t = await openTerminal({
    store: { kind: 'sqlite', path: tmp.file(`t${++n}.db`) },
    registers: Array.from({ length: registers }, (_, i) => ({ id: `till-${i + 1}`, fiscal: fiscal(i + 1, opts.timeoutMs) })),
    tracking: null,
    relay: { policy: { reconcileDelayMs: 20, quickDelayMs: 10, backoff: { minDelayMs: 20, maxDelayMs: 200 }, blockedProbeMs: 100 }, ...(opts.relay ?? {}) },
  });
  open.push(t);
  return t;
}


const receiptsOf = (id: string) => emu.receipts().filter((r) => r.externalCheckNumber === id);
let uniq = 1000;
const next = (units = 1) => ((uniq += 10), uniq);

describe('receipts through Webkassa', () => {
  it('a sale with ?wait gets its fiscal sign; marked lines carry Mark / MarkList, taxes to the tiyn', async () => {
    const t = await terminal();
    const first = next();
    const v = await t.recordSale(
      {
        id: 'wk-sale-1',
        lines: [
          { name: 'Marlboro Gold', price: 120000, codes: [markCode(first)], vatRate: 12 },
          { name: 'Citramon', price: 65050, quantity: 2, codes: [markCode(first + 1, 2), markCode(first + 2, 2)], vatRate: 12 },
          { name: 'Bag', price: 1000, vatRate: null },
        ],
        payments: [{ type: 'card', amount: 251100 }],
      },
      { waitMs: 10_000 },
    );
    expect(v.state).toBe('fiscalised');
    const [r] = receiptsOf('wk-sale-1');
    expect(v.fiscal).toMatchObject({ channel: 'webkassa', fiscalSign: r.checkNumber, registrationNumber: r.registrationNumber, total: 251100, isOffline: false });
    const body = r.body as { Positions: { Mark?: string; MarkList?: string[]; Count: number; Tax: number; TaxType: number }[]; Payments: { PaymentType: number; Sum: number }[] };
    expect(body.Positions[0].Mark).toBe(markCode(first).replace('\x1d', ''));
    expect(body.Positions[1]).toMatchObject({ Count: 2, MarkList: [markCode(first + 1, 2).replace('\x1d', ''), markCode(first + 2, 2).replace('\x1d', '')], Tax: 139.39 });
    expect(body.Positions[2]).toMatchObject({ TaxType: 0 });
    expect(body.Payments).toEqual([{ PaymentType: 1, Sum: 2511 }]);
  });

  it('the same sale id twice is one receipt; a different body under it is id-conflict', async () => {
    const t = await terminal();
    const input = saleInput('wk-dup-1', { n: next() });
    const a = await t.recordSale(input, { waitMs: 10_000 });
    const b = await t.recordSale(input, { waitMs: 10_000 });
    expect(b.fiscal?.fiscalSign).toBe(a.fiscal?.fiscalSign);
    await expect(t.recordSale({ ...input, lines: input.lines!.slice(0, 1) })).rejects.toMatchObject({ code: 'id-conflict' });
    expect(receiptsOf('wk-dup-1')).toHaveLength(1);
  });

  it('keeps strict order per register while registers run in parallel', async () => {
    const t = await terminal(3);
    emu.setFaults({ latencyMs: 5 });
    const ids: Record<string, string[]> = { 'till-1': [], 'till-2': [], 'till-3': [] };
    const calls: Promise<SaleView>[] = [];
    for (let i = 0; i < 12; i++)
      for (const reg of Object.keys(ids)) {
        const id = `ord-${reg}-${i}`;
        ids[reg].push(id);
        calls.push(t.recordSale(saleInput(id, { n: next(), registerId: reg })));
      }
    await Promise.all(calls);
    await Promise.all(Object.values(ids).flat().map((id) => reach(t, id, 'fiscalised')));
    for (const [reg, list] of Object.entries(ids)) {
      const cb = cashbox(Number(reg.slice(-1)));
      expect(emu.receipts().filter((r) => r.cashbox === cb && r.externalCheckNumber.startsWith('ord-')).map((r) => r.externalCheckNumber)).toEqual(list);
    }
    // Never two requests at once on one cashbox: the emulator would have answered error 9.
    expect(emu.requests().filter((r) => r.errorCodes.includes(9))).toEqual([]);
  });

  it('an ambiguous send (timeout after the request) is reconciled: one receipt, its fiscal sign kept', async () => {
    const t = await terminal(1, { timeoutMs: 300 });
    emu.setFaults({ hangAfterIssueMs: 800 });
    const v0 = await t.recordSale(saleInput('amb-timeout', { n: next() }));
    expect(v0.state).toBe('queued');
    await reach(t, 'amb-timeout', 'unknown');
    emu.setFaults({});
    const v = await reach(t, 'amb-timeout', 'fiscalised');
    expect(receiptsOf('amb-timeout')).toHaveLength(1);
    expect(v.fiscal?.fiscalSign).toBe(receiptsOf('amb-timeout')[0].checkNumber);
  });

  it('a connection reset after the body is reconciled: one receipt', async () => {
    const t = await terminal();
    emu.setFaults({ resetConnections: true, cashbox: cashbox(1) });
    await t.recordSale(saleInput('amb-reset', { n: next() }));
    await reach(t, 'amb-reset', 'unknown');
    emu.setFaults({});
    await reach(t, 'amb-reset', 'fiscalised');
    expect(receiptsOf('amb-reset')).toHaveLength(1);
  });

  it('when the cloud cash register goes away receipts are queued, then go out in their order', async () => {
    const t = await terminal(1, { relay: { policy: { reconcileDelayMs: 20, quickDelayMs: 10, attemptsPerClaim: 2, backoff: { minDelayMs: 30, maxDelayMs: 60 } } } });
    emu.setFaults({ outage: true, cashbox: cashbox(1) });
    const ids = ['off-1', 'off-2', 'off-3', 'off-4'];
    for (const id of ids) expect((await t.recordSale(saleInput(id, { n: next() }), { waitMs: 50 })).state).not.toBe('fiscalised');
    const s = await t.status();
    expect(s.registers[0]).toMatchObject({ id: 'till-1', channel: 'webkassa', state: 'unreachable', pending: 4 });
    expect(s.registers[0].hoursLeft).toBeGreaterThan(71);
    expect(s.problems.map((p) => p.code)).toContain('fiscal-unreachable');
    const posts = emu.requests().filter((r) => r.path === '/api/v4/check' && r.externalCheckNumber === 'off-1').length;
    emu.setFaults({});
    await Promise.all(ids.map((id) => reach(t, id, 'fiscalised')));
    expect(emu.receipts().filter((r) => ids.includes(r.externalCheckNumber)).map((r) => r.externalCheckNumber)).toEqual(ids);
    expect(posts).toBeGreaterThan(0);
    expect((await t.status()).registers[0].state).toBe('ok');
  });

  it('one claim against a 503 makes a bounded number of requests', async () => {
    const t = await terminal(1, { relay: { policy: { attemptsPerClaim: 3, quickDelayMs: 5, backoff: { minDelayMs: 60_000 } } } });
    emu.setFaults({ errorRate: 1, errorStatus: 503, cashbox: cashbox(1) });
    await t.recordSale(saleInput('bounded-503', { n: next() }));
    await new Promise<void>((resolve) => {
      const on = (v: SaleView) => v.id === 'bounded-503' && v.state === 'queued' && v.attempts > 0 && (t.off('receipt', on), resolve());
      t.on('receipt', on);
    });
    const checks = emu.requests().filter((r) => r.path === '/api/v4/check' && r.externalCheckNumber === 'bounded-503');
    expect(checks).toHaveLength(3);
    expect((await t.sale('bounded-503'))?.attempts).toBe(3);
  });

  it('72 h autonomous (error 18) blocks the register: receipts wait, status and events say so, and it clears by itself', async () => {
    const t = await terminal();
    const events: { blocked: unknown }[] = [];
    t.on('register', (s) => events.push(s));
    emu.setFaults({ offlineSince: Date.now() - 73 * 3_600_000 });
    await t.recordSale(saleInput('blk-1', { n: next() }));
    await t.recordSale(saleInput('blk-2', { n: next() }));
    await new Promise<void>((resolve) => {
      const check = () => events.some((e) => e.blocked) && (t.off('register', check), resolve());
      t.on('register', check);
      check();
    });
    const s = await t.status();
    expect(s.registers[0]).toMatchObject({ state: 'blocked', pending: 2, blocked: { code: 'webkassa-18' } });
    expect(s.problems.find((p) => p.code === 'fiscal-blocked')?.message).toMatch(/72 h|OFD/);
    expect(receiptsOf('blk-1')).toHaveLength(0);
    emu.setFaults({});
    await reach(t, 'blk-2', 'fiscalised');
    expect(events.at(-1)?.blocked).toBeNull();
    expect((await t.status()).registers[0].state).toBe('ok');
    expect(emu.receipts().filter((r) => r.externalCheckNumber.startsWith('blk-')).map((r) => r.externalCheckNumber)).toEqual(['blk-1', 'blk-2']);
  });

  it('OFD down: the cash register issues autonomous receipts, stored with isOffline, counted towards the 72 h', async () => {
    const t = await terminal();
    emu.setFaults({ offline: true });
    const v = await t.recordSale(saleInput('auto-1', { n: next() }), { waitMs: 10_000 });
    expect(v.fiscal?.isOffline).toBe(true);
    const s = await t.status();
    expect(s.registers[0].state).toBe('autonomous');
    expect(s.registers[0].autonomousSince).not.toBeNull();
    expect(s.registers[0].hoursLeft).toBeLessThanOrEqual(72);
  });

  it('a return carries the sale receipt as its basis; codes not in the sale are refused at intake', async () => {
    const t = await terminal();
    const c = next();
    const sale = await t.recordSale(saleInput('ret-sale', { n: c, units: 2 }), { waitMs: 10_000 });
    const ret = await t.recordReturn(returnInput('ret-1', 'ret-sale', { n: c, units: 1 }), { waitMs: 10_000 });
    expect(ret.state).toBe('fiscalised');
    const [r] = receiptsOf('ret-1');
    expect(r.operationType).toBe(3);
    expect(r.returnBasis).toMatchObject({ CheckNumber: sale.fiscal!.fiscalSign, RegistrationNumber: sale.fiscal!.registrationNumber, Total: sale.fiscal!.total / 100, IsOffline: false });
    await expect(t.recordReturn(returnInput('ret-2', 'ret-sale', { n: c, units: 1 }))).rejects.toMatchObject({
      code: 'invalid-sale',
      fields: [expect.objectContaining({ field: 'lines.0.codes.0', problem: expect.stringContaining('already returned') })],
    });
    await expect(t.recordReturn(returnInput('ret-3', 'ret-sale', { n: c + 5 }))).rejects.toMatchObject({ code: 'invalid-sale', fields: [expect.objectContaining({ problem: expect.stringContaining('was not sold') })] });
    await expect(t.recordReturn(returnInput('ret-4', 'no-such-sale', { n: c }))).rejects.toMatchObject({ code: 'unknown-sale' });
  });

  it('a receipt the cash register refuses is a dead letter that does not hold up the register; an operator retry sends it again', async () => {
    const t = await terminal();
    // Intake never builds a receipt Webkassa would refuse, so the refusal is injected: an HTTP 400 whose envelope carries error -1.
    emu.setFaults({ errorRate: 1, errorStatus: 400, cashbox: cashbox(1) });
    await t.recordSale(saleInput('dead-1', { n: next() }));
    const dead = await new Promise<SaleView>((resolve) => {
      const on = (v: SaleView) => v.id === 'dead-1' && v.deadLetter && (t.off('receipt', on), resolve(v));
      t.on('receipt', on);
    });
    expect(dead).toMatchObject({ state: 'rejected', deadLetter: true });
    emu.setFaults({});
    const good = await t.recordSale(saleInput('dead-2', { n: next() }), { waitMs: 10_000 });
    expect(good.state).toBe('fiscalised');
    expect((await t.status()).problems.map((p) => p.code)).toContain('dead-letters');
    await t.retryDeadLetter('dead-1');
    await reach(t, 'dead-1', 'fiscalised');
    expect(receiptsOf('dead-1')).toHaveLength(1);
  });

  it('the old items shape is refused on a fiscal register with what to send now; customer contacts reach the receipt and are not kept', async () => {
    const t = await terminal();
    await expect(t.recordSale({ id: 'legacy-1', items: [{ code: markCode(next()), price: 100 }] })).rejects.toMatchObject({
      code: 'invalid-sale',
      fields: [expect.objectContaining({ field: 'items', fix: expect.stringContaining('lines') })],
    });
    const v = await t.recordSale(saleInput('pd-1', { n: next(), customer: { email: 'buyer@example.kz', phone: '+77771234455' } }), { waitMs: 10_000 });
    expect(v.state).toBe('fiscalised');
    expect(receiptsOf('pd-1')[0].body).toMatchObject({ CustomerEmail: 'buyer@example.kz', CustomerPhone: '+77771234455' });
    expect(JSON.stringify(await t.receipts({ which: 'all', limit: 100 }))).not.toContain('buyer@example.kz');
  });
});
