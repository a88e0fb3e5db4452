/** createTerminal end to end: real emulator, real xTrace adapter (built from config), real SQLite file. */
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import type { Decision } from '../../src/decision/types.js';
import { StoreError } from '../../src/outbox/errors.js';
import type { RecordInfo } from '../../src/outbox/types.js';
import type { ScanEvent, Scanner, ScanSource } from '../../src/scan/types.js';
import { createTerminal, type TerminalConfig } from '../../src/terminal/terminal.js';
import { ki, tempDir } from '../outbox/helpers.js';
import { fastRelay } from '../outbox/fixture.js';

const km = (n: number) => ki(n) + '\x1d93abcd';
const SELLER = '123456789012';

let emulator: Emulator | null = null;
let tmp: ReturnType<typeof tempDir> | null = null;
let terminal: Awaited<ReturnType<typeof createTerminal>> | null = null;

afterEach(async () => {
  await terminal?.close();
  await emulator?.close();
  tmp?.cleanup();
  terminal = null;
  emulator = null;
  tmp = null;
});

async function start(config: Partial<TerminalConfig> = {}) {
  emulator = await createEmulator({ seed: 3 });
  emulator.seedCodes([
    ...Array.from({ length: 10 }, (_, i) => ({ code: ki(i), status: 'INTRODUCED', ownerTin: SELLER })),
    { code: ki(20), status: 'INTRODUCED', expiresAt: '2020-01-01' },
    { code: ki(21), status: 'EMITTED' },
    { code: ki(22), status: 'INTRODUCED', blocked: true },
    { code: ki(23), status: 'INTRODUCED', ownerTin: '999999999999' },
  ]);
  tmp = tempDir('tanba-terminal-');
  terminal = await createTerminal({
    tracking: { family: 'xtrace', country: 'KZ', baseUrl: emulator.url, login: 'demo', password: 'demo', timeoutMs: 1000, usePrivateCodes: true },
    store: { path: tmp.file() },
    relay: { ...fastRelay },
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
    ['blocked → deny', 22, 'deny', ['blocked']],
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
    expect(performance.now() - t0).toBeLessThan(250);
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
    const t = await start({ relay: { enabled: false } });
    expect((await t.check(km(3))).verdict).toBe('allow');
    await t.recordSale({ id: 'r-1', items: [{ code: km(3), price: 1000 }] });
    const d = await t.check(km(3));
    expect(d.verdict).toBe('deny');
    expect(d.reasons.map((r) => r.code)).toEqual(['sold-here']);
  });
});

describe('terminal sales', () => {
  it('records, emits state changes, delivers and reports status', async () => {
    const t = await start();
    const seen: RecordInfo[] = [];
    t.on('record', (r: RecordInfo) => seen.push(r));
    const confirmed = event<RecordInfo>(t, 'record', (r) => r.id === 'r-1' && r.state === 'confirmed');
    const info = await t.recordSale({ id: 'r-1', items: [{ code: km(1), price: 1000 }, { code: km(2), price: 2000, quantity: 1 }], sellerTin: SELLER });
    expect(info).toMatchObject({ id: 'r-1', type: 'sale', state: 'queued' });
    await confirmed;
    expect(seen.map((r) => r.state)).toEqual(['queued', 'sending', 'sent', 'confirmed']);
    expect((await t.sale('r-1'))?.state).toBe('confirmed');
    expect(await t.sale('nope')).toBeNull();
    const docs = emulator!.documents();
    expect(docs).toHaveLength(1);
    expect(docs[0].codes.sort()).toEqual([ki(1), ki(2)].sort());
    expect(emulator!.code(ki(1))?.status).toBe('WITHDRAWN');
    // now the tracking system itself says sold
    expect((await t.check(km(1))).reasons.map((r) => r.code)).toContain('already-sold');
    const st = await t.status();
    expect(st).toMatchObject({ ready: true, state: 'ready', queue: { pending: 0, deadLetters: 0 } });
    expect(st.tracking.lastSuccessAt).not.toBeNull();
    expect(st.tracking.tokenExpiresAt).not.toBeNull();
  });

  it('is idempotent by id and refuses a different body under the same id', async () => {
    const t = await start({ relay: { enabled: false } });
    const a = await t.recordSale({ id: 'r-1', items: [{ code: km(1), price: 1000 }] });
    const b = await t.recordSale({ id: 'r-1', items: [{ code: km(1), price: 1000 }] });
    expect(b).toEqual(a);
    const err = await t.recordSale({ id: 'r-1', items: [{ code: km(1), price: 1500 }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('id-conflict');
  });

  it('refuses a sale with an invalid code, naming the item, and stores nothing', async () => {
    const t = await start({ relay: { enabled: false } });
    const err = await t
      .recordSale({ id: 'r-2', items: [{ code: km(1), price: 1 }, { code: 'garbage', price: 1 }] })
      .catch((e: unknown) => e);
    expect((err as StoreError).code).toBe('invalid-item');
    expect((err as StoreError).message).toMatch(/Item 2/);
    expect(await t.sale('r-2')).toBeNull();
  });

  it('after close, calls fail with store-closed', async () => {
    const t = await start({ relay: { enabled: false } });
    await t.close();
    await t.close(); // idempotent
    await expect(t.recordSale({ id: 'x', items: [{ code: km(1), price: 1 }] })).rejects.toMatchObject({ code: 'store-closed' });
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
