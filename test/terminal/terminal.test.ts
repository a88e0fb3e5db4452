/** The terminal end to end: real tracking emulator, real xTrace adapter (built from config), real SQLite file; intake rules of receipts. */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import type { Decision } from '../../src/decision/types.js';
import { openTerminal, type OpenTerminalOptions } from '../../src/batteries.js';
import type { ScanEvent, Scanner, ScanSource } from '../../src/scan/types.js';
import { ki, tempDir } from '../outbox/helpers.js';
import { markCode, saleInput } from '../support/receipts.js';

const km = (n: number) => ki(n) + '\x1d93abcd';
const SELLER = '123456789012';

let emulator: Emulator | null = null;
let tmp: ReturnType<typeof tempDir> | null = null;
let terminal: Awaited<ReturnType<typeof openTerminal>> | null = null;

afterEach(async () => {
  await terminal?.close();
  await emulator?.close();
  tmp?.cleanup();
  terminal = null;
  emulator = null;
  tmp = null;
});

async function start(config: Partial<OpenTerminalOptions> = {}) {
  emulator = await createEmulator({ seed: 3 });
  emulator.seedCodes([
    ...Array.from({ length: 10 }, (_, i) => ({ code: ki(i), status: 'INTRODUCED', ownerTin: SELLER })),
    { code: ki(20), status: 'INTRODUCED', expiresAt: '2020-01-01' },
    { code: ki(21), status: 'EMITTED' },
    { code: ki(22), status: 'RECEIVED' },
    { code: ki(23), status: 'INTRODUCED', ownerTin: '999999999999' },
  ]);
  tmp = tempDir('tanba-terminal-');
  terminal = await openTerminal({
    tracking: { family: 'xtrace', country: 'KZ', baseUrl: emulator.url, login: 'demo', password: 'demo', timeoutMs: 1000, usePrivateCodes: true },
    store: { kind: 'sqlite', path: tmp.file() },
    registers: [{ id: 'till-1' }, { id: 'pos-fiscalised', fiscal: { channel: 'external' } }],
    decision: { budgetMs: 1500, timeZone: 'Asia/Almaty', sellerTin: SELLER, checkOwner: true, language: 'en' },
    ...config,
  });
  return terminal;
}

/** Wait for an event that satisfies `pred`. */
function event<T>(em: EventEmitter, name: string, pred: (x: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const on = (x: T) => {
      if (!pred(x)) return;
      em.off(name, on);
      resolve(x);
    };
    em.on(name, on);
  });
}

describe('terminal.check', () => {
  it.each([
    ['clean code → allow', 0, 'allow', []],
    ['not registered → deny not-found', 30, 'deny', ['not-found']],
    ['expired → deny', 20, 'deny', ['expired']],
    ['emitted → deny not-in-circulation', 21, 'deny', ['not-in-circulation']],
    ['received, not applied → deny not-in-circulation', 22, 'deny', ['not-in-circulation']],
    ['another seller → deny other-owner', 23, 'deny', ['other-owner']],
  ])('%s', async (_n, code, verdict, reasons) => {
    const t = await start();
    const decided = event<Decision>(t, 'decision');
    const d = await t.check(km(code));
    expect(d.verdict).toBe(verdict);
    expect(d.reasons.map((r) => r.code)).toEqual(reasons);
    expect(d.source).toBe('online');
    expect(await decided).toBe(d);
  });

  it('an invalid code is denied with a remedy', async () => {
    const t = await start();
    const d = await t.check('0104600439931257215Kbx');
    expect(d.verdict).toBe('deny');
    expect(d.reasons[0]).toMatchObject({ code: 'invalid-code' });
    expect(d.reasons[0].remedy).toBeTruthy();
  });

  it('a slow tracking system gives unknown within the budget', async () => {
    const t = await start({ decision: { budgetMs: 200, timeZone: 'UTC' } });
    await t.check(km(1)); // log in first
    emulator!.setFaults({ latencyMs: 3000 });
    const t0 = performance.now();
    const d = await t.check(km(2));
    // The budget plus a margin for a busy 2-core scheduler, far below the 3 s the system takes.
    expect(performance.now() - t0).toBeLessThan(200 + 800);
    expect(d.verdict).toBe('unknown');
    expect(d.allowed).toBe(true);
  });

  it('a code on the local block list is denied even when the online answer is clean', async () => {
    const t = await start();
    t.blockList.add({ codes: [ki(5)] });
    const d = await t.check(km(5));
    expect(d.verdict).toBe('deny');
    expect(d.reasons.map((r) => r.code)).toEqual(['blocked']);
    expect(d.source).toBe('online');
  });

  it('a code sold here is denied before the tracking system knows', async () => {
    const t = await start();
    expect((await t.check(km(3))).verdict).toBe('allow');
    await t.recordSale({ id: 'r-1', registerId: 'till-1', lines: [{ name: 'Cigarettes', price: 1000, codes: [km(3)] }] });
    const d = await t.check(km(3));
    expect(d.verdict).toBe('deny');
    expect(d.reasons.map((r) => r.code)).toEqual(['sold-here']);
  });
});

describe('terminal intake', () => {
  const fieldsOf = async (p: Promise<unknown>) => {
    const e = (await p.catch((x: unknown) => x)) as { code: string; fields: { field: string; problem: string; fix: string }[] };
    expect(e.code).toBe('invalid-sale');
    for (const f of e.fields) expect(f.fix.length).toBeGreaterThan(5);
    return e.fields.map((f) => f.field);
  };

  it('names every wrong field of a receipt, and stores nothing', async () => {
    const t = await start();
    const fields = await fieldsOf(
      t.recordSale({
        id: 'bad-1',
        registerId: 'till-1',
        lines: [
          { name: '', price: 100 },
          { name: 'Shoes', price: -5 },
          { name: 'Beer', price: 10.5 },
        ],
      }),
    );
    expect(fields).toEqual(['lines.0.name', 'lines.1.price', 'lines.2.price']);
    expect(await t.sale('bad-1')).toBeNull();
  });

  it('refuses code counts that differ from the quantity, codes of two products on a line, bad codes, short payments', async () => {
    const t = await start();
    expect(await fieldsOf(t.recordSale({ id: 'bad-2', registerId: 'till-1', lines: [{ name: 'Water', price: 100, quantity: 2, codes: [markCode(1)] }] }))).toEqual(['lines.0.quantity']);
    expect(await fieldsOf(t.recordSale({ id: 'bad-3', registerId: 'till-1', lines: [{ name: 'Mix', price: 100, quantity: 2, codes: [markCode(2, 1), markCode(3, 2)] }] }))).toEqual(['lines.0.codes']);
    expect(await fieldsOf(t.recordSale({ id: 'bad-4', registerId: 'till-1', lines: [{ name: 'X', price: 100, codes: ['garbage'] }] }))).toEqual(['lines.0.codes.0']);
    expect(await fieldsOf(t.recordSale({ id: 'bad-5', registerId: 'till-1', lines: [{ name: 'X', price: 100, quantity: 2, codes: [markCode(4), markCode(4)] }] }))).toEqual(['lines.0.codes.1']);
    expect(await fieldsOf(t.recordSale({ ...saleInput('bad-6', { n: 5, registerId: 'till-1' }), payments: [{ type: 'card', amount: 1 }] }))).toEqual(['payments']);
    expect(await fieldsOf(t.recordSale({ id: 'bad-7', lines: [{ name: 'X', price: 1 }] }))).toEqual(['registerId']);
    await expect(t.recordSale({ id: 'bad-8', registerId: 'till-9', lines: [{ name: 'X', price: 1 }] })).rejects.toMatchObject({ code: 'unknown-register' });
  });

  it('unmarked lines, weight lines and change from cash are normal', async () => {
    const t = await start();
    const v = await t.recordSale({ id: 'ok-1', registerId: 'till-1', lines: [{ name: 'Apples', price: 99_900, quantity: 1.255, unit: '166' }], payments: [{ type: 'cash', amount: 200_000 }] });
    expect(v).toMatchObject({ state: 'queued', channel: null });
  });

  it('keeps the old items shape where no receipt data is needed', async () => {
    const t = await start();
    const v = await t.recordSale({ id: 'legacy-ok', registerId: 'till-1', items: [{ code: km(6), price: 1000 }] });
    expect(v.state).toBe('queued');
    expect((await t.check(km(6))).reasons.map((r) => r.code)).toEqual(['sold-here']);
  });

  it('a register whose POS fiscalises keeps the reported result and needs it', async () => {
    const t = await start();
    const fiscal = { channel: 'webkassa', fiscalSign: '143425020642', registrationNumber: '032600010221', dateTime: '2026-12-01T10:00:00Z', total: 1000, isOffline: false };
    const v = await t.recordSale({ id: 'ext-1', registerId: 'pos-fiscalised', lines: [{ name: 'X', price: 1000, codes: [km(7)] }], fiscal });
    expect(v).toMatchObject({ state: 'fiscalised', fiscal });
    expect(await fieldsOf(t.recordSale({ id: 'ext-2', registerId: 'pos-fiscalised', lines: [{ name: 'X', price: 1000 }] }))).toEqual(['fiscal']);
    expect(await fieldsOf(t.recordSale({ id: 'ext-3', registerId: 'till-1', lines: [{ name: 'X', price: 1000 }], fiscal }))).toEqual(['fiscal']);
  });

  it('is idempotent by id and refuses a different body under the same id', async () => {
    const t = await start();
    const a = await t.recordSale(saleInput('r-1', { n: 8, registerId: 'till-1' }));
    const b = await t.recordSale(saleInput('r-1', { n: 8, registerId: 'till-1' }));
    expect(b).toEqual(a);
    await expect(t.recordSale(saleInput('r-1', { n: 8, registerId: 'till-1', price: 1 }))).rejects.toMatchObject({ code: 'id-conflict' });
  });

  it('reports a register without a channel that holds receipts', async () => {
    const t = await start();
    await t.recordSale(saleInput('wait-1', { n: 9, registerId: 'till-1' }));
    const st = await t.status();
    expect(st.registers.find((r) => r.id === 'till-1')).toMatchObject({ state: 'unconfigured', pending: 1 });
    expect(st.problems.map((p) => p.code)).toContain('fiscal-not-configured');
    expect(st.tracking.tokenExpiresAt).not.toBeNull();
  });

  it('after close, calls fail with store-closed', async () => {
    const t = await start();
    await t.close();
    await t.close(); // idempotent
    await expect(t.recordSale(saleInput('x', { registerId: 'till-1' }))).rejects.toMatchObject({ code: 'store-closed' });
    await expect(t.check(km(1))).rejects.toMatchObject({ code: 'store-closed' });
  });
});

describe('terminal scanners', () => {
  class TestScanner extends EventEmitter implements Scanner {
    readonly source: ScanSource = { driver: 'simulated', path: 'test-scanner' };
    state: Scanner['state'] = 'connected';
    async close() {
      this.state = 'closed';
    }
    async *[Symbol.asyncIterator](): AsyncIterator<ScanEvent> {
      /* not used */
    }
    scan(text: string) {
      const raw = new Uint8Array(Buffer.from(text, 'latin1'));
      this.emit('scan', { raw, text, symbology: ']d2', source: this.source, at: new Date().toISOString() } satisfies ScanEvent);
    }
  }

  it('emits scan and decision events for scanned codes, and reports scanner state', async () => {
    const scanner = new TestScanner();
    const t = await start({ scanners: [scanner] });
    const scanned = event<{ code: { ki: string } }>(t, 'scan');
    const decided = event<Decision>(t, 'decision');
    scanner.scan(km(4));
    expect((await scanned).code.ki).toBe(ki(4));
    const d = await decided;
    expect(d.verdict).toBe('allow');
    expect(d.code.ki).toBe(ki(4));
    scanner.state = 'disconnected';
    const st = await t.status();
    expect(st.scanners).toEqual([{ path: 'test-scanner', driver: 'simulated', state: 'disconnected' }]);
    expect(st.state).toBe('degraded');
  });
});

describe('terminal status and the sale log', () => {
  it('says the sale log cannot be written, and why, while it cannot; clears it once a write succeeds', async () => {
    const Database = (await import('better-sqlite3')).default;
    const { openSqliteOutbox } = await import('../../src/outbox/sqlite/outbox.js');
    const { createTerminal } = await import('../../src/terminal/terminal.js');
    const dir = tempDir('tanba-unwritable-');
    const outbox = openSqliteOutbox({ path: dir.file(), lockWaitMs: 50 });
    const t = await createTerminal({ outbox, registers: [{ id: 'till-1', channel: null }], tracking: null });
    const other = new Database(dir.file());
    try {
      other.exec('BEGIN IMMEDIATE');
      await expect(t.recordSale(saleInput('u-1', { n: 31 }))).rejects.toMatchObject({ code: 'store-locked' });
      const st = await t.status();
      expect(st.state).toBe('degraded');
      expect(st.problems.find((p) => p.code === 'store-unwritable')?.message).toContain('store-locked');
      other.exec('COMMIT');
      await t.recordSale(saleInput('u-2', { n: 32 }));
      expect((await t.status()).problems.map((p) => p.code)).not.toContain('store-unwritable');
    } finally {
      other.close();
      await t.close();
      dir.cleanup();
    }
  });
});

describe('terminal: the check travels with the code', () => {
  it('a code checked at this till carries its check into the receipt that sells it', async () => {
    const t = await start();
    await t.check(km(1));
    await t.recordSale({ id: 'chk-1', registerId: 'till-1', lines: [{ name: 'Cigarettes', price: 1000, codes: [km(1)] }, { name: 'Other', price: 1000, codes: [km(2)] }] });
    const { openSqliteOutbox } = await import('../../src/outbox/sqlite/outbox.js');
    await t.close();
    const o = openSqliteOutbox({ path: tmp!.file(), readonly: true, integrityCheck: 'off' });
    const r = await o.receipt('chk-1');
    await o.close();
    expect(r?.lines[0].codes[0].check).toMatchObject({ verdict: 'allow', checked: true, online: true });
    expect(r?.lines[1].codes[0].check).toBeUndefined();
  });
});
