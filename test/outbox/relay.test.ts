/**
 * The relay loop's own rules, with a scripted channel (a FiscalChannel whose answers the test
 * decides) on a real SQLite outbox: wake-ups are never lost, one send in flight per register,
 * registers in parallel, bounded attempts per claim, Retry-After honoured once, and findByKey
 * before any resend. The real channels and emulators are exercised in test/terminal/.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { FiscalError, type FiscalChannel } from '../../src/fiscal/types.js';
import type { SaleView } from '../../src/outbox/ports.js';
import { openSqliteOutbox, type SqliteOutbox } from '../../src/outbox/sqlite/outbox.js';
import { createRelay, type Relay } from '../../src/outbox/relay.js';
import type { FiscalReceipt, FiscalResult } from '../../src/sale/types.js';
import { tempDir } from './helpers.js';
import { saleRecord } from '../support/receipts.js';

const tmp = tempDir('tanba-relay-');
afterAll(() => tmp.cleanup());
let n = 0;
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  vi.useRealTimers();
  while (cleanup.length) await cleanup.pop()!();
});

type Script = (call: { op: 'sell' | 'refund' | 'find'; receipt: FiscalReceipt; key: string; n: number }) => Promise<FiscalResult | null>;

/** A channel that answers as the test scripts it and records every call. */
function scripted(script: Script) {
  const calls: { op: string; id: string; register: string }[] = [];
  const inFlight = new Map<string, number>();
  let maxPerRegister = 0;
  let maxOverall = 0;
  let overall = 0;
  const run = async (op: 'sell' | 'refund' | 'find', receipt: FiscalReceipt, key: string) => {
    calls.push({ op, id: receipt.id, register: receipt.registerId });
    const k = receipt.registerId;
    inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
    overall++;
    maxPerRegister = Math.max(maxPerRegister, inFlight.get(k)!);
    maxOverall = Math.max(maxOverall, overall);
    try {
      return await script({ op, receipt, key, n: calls.filter((c) => c.id === receipt.id).length });
    } finally {
      inFlight.set(k, inFlight.get(k)! - 1);
      overall--;
    }
  };
  const channel: FiscalChannel = {
    name: 'scripted',
    idempotent: true,
    requestsPerMinute: null,
    sell: async (r, key) => (await run('sell', r, key))!,
    refund: async (r, _b, key) => (await run('refund', r, key))!,
    findByKey: (key, r) => run('find', r, key),
    health: async () => ({ ok: true, problems: [] }),
  };
  return { channel, calls, stats: () => ({ maxPerRegister, maxOverall }) };
}

const issued = (r: FiscalReceipt): FiscalResult => ({ channel: 'scripted', fiscalSign: 'FS-' + r.id, registrationNumber: 'R-' + r.registerId, dateTime: new Date(0).toISOString(), total: r.total, isOffline: false });

async function setup(channel: FiscalChannel, registers: string[], policy = {}) {
  const outbox: SqliteOutbox = openSqliteOutbox({ path: tmp.file(`r${++n}.db`) });
  const views: SaleView[] = [];
  const relay: Relay = createRelay({
    queue: outbox,
    channelFor: () => channel,
    registers: () => registers,
    policy: { quickDelayMs: 1, reconcileDelayMs: 0, backoff: { minDelayMs: 5, maxDelayMs: 20, jitter: 0 }, ...policy },
    onChange: (v) => views.push(v),
  });
  await relay.start();
  cleanup.push(async () => {
    await relay.stop();
    await outbox.close();
  });
  return { outbox, relay, views };
}

/** Resolves when `pred` holds, checking after every event-loop turn (no timers involved). */
async function until(pred: () => boolean, maxTurns = 2_000_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (pred()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error('condition never held');
}

describe('relay', () => {
  it('never loses a wake-up: a backlog drains with the idle timer frozen', async () => {
    // Only kicks can move the loop: the 60 s idle timeout never fires under frozen timers.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ch = scripted(async ({ receipt }) => issued(receipt));
    const regs = ['a', 'b', 'c'];
    const { outbox, relay, views } = await setup(ch.channel, regs);
    const ids: string[] = [];
    for (let i = 0; i < 150; i++) {
      const id = `w-${i}`;
      ids.push(id);
      await outbox.append(saleRecord(id, { n: i + 1, registerId: regs[i % 3] }), 'scripted');
      if (i % 7 === 0) relay.kick(); // some appends wake it, most arrive while it is busy
    }
    relay.kick();
    await until(() => views.filter((v) => v.state === 'fiscalised').length === ids.length);
    expect(ch.calls.filter((c) => c.op === 'sell')).toHaveLength(150);
  });

  it('never loses a wake-up that arrives while the loop is busy claiming', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending: (() => void)[] = [];
    const ch = scripted(({ receipt }) => new Promise((resolve) => pending.push(() => resolve(issued(receipt)))));
    const outbox = openSqliteOutbox({ path: tmp.file(`r${++n}.db`) });
    const views: SaleView[] = [];
    // Each claim (made for the idle register while x is in flight) lets x's held send finish inside the claim: its kick lands mid-round.
    const queue = Object.assign(Object.create(outbox) as SqliteOutbox, {
      claim: async (...a: Parameters<SqliteOutbox['claim']>) => {
        const got = await outbox.claim(...a);
        for (let i = 0; i < 10; i++) await new Promise<void>((r) => setImmediate(r));
        pending.shift()?.();
        for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
        return got;
      },
    });
    const relay = createRelay({ queue, channelFor: () => ch.channel, registers: () => ['x', 'idle-till'], policy: { reconcileDelayMs: 0 }, onChange: (v) => views.push(v) });
    cleanup.push(async () => {
      while (pending.length) pending.shift()!();
      await relay.stop();
      await outbox.close();
    });
    for (let i = 0; i < 5; i++) await outbox.append(saleRecord(`k-${i}`, { n: i + 1, registerId: 'x' }), 'scripted');
    await relay.start();
    await until(() => views.filter((v) => v.state === 'fiscalised').length === 5, 200_000);
  });

  it('keeps one send in flight per register and runs registers in parallel, in order', async () => {
    const ch = scripted(async ({ receipt }) => {
      await new Promise((r) => setImmediate(r));
      return issued(receipt);
    });
    const regs = ['r1', 'r2', 'r3', 'r4'];
    const { outbox, relay, views } = await setup(ch.channel, regs);
    for (let i = 0; i < 40; i++) await outbox.append(saleRecord(`p-${i}`, { n: i + 1, registerId: regs[i % 4] }), 'scripted');
    relay.kick();
    await until(() => views.filter((v) => v.state === 'fiscalised').length === 40);
    expect(ch.stats().maxPerRegister).toBe(1);
    expect(ch.stats().maxOverall).toBeGreaterThan(1);
    for (const r of regs) {
      const order = ch.calls.filter((c) => c.register === r).map((c) => Number(c.id.slice(2)));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('makes at most attemptsPerClaim calls per claim on transient failures, then reschedules', async () => {
    const ch = scripted(async () => {
      throw new FiscalError('transient', 'http-503', 'down', { status: 503 });
    });
    const { outbox, relay, views } = await setup(ch.channel, ['t'], { attemptsPerClaim: 3, backoff: { minDelayMs: 60_000 } });
    await outbox.append(saleRecord('t-1', { registerId: 't' }), 'scripted');
    relay.kick();
    await until(() => views.some((v) => v.id === 't-1' && v.state === 'queued' && v.attempts > 0));
    expect(ch.calls).toHaveLength(3);
    expect(views.at(-1)).toMatchObject({ attempts: 3, state: 'queued' });
  });

  it('honours a short Retry-After once in a claim', async () => {
    let k = 0;
    const ch = scripted(async ({ receipt }) => {
      if (++k <= 2) throw new FiscalError('transient', 'http-429', 'slow down', { status: 429, retryAfterMs: 30 });
      return issued(receipt);
    });
    const { outbox, relay, views } = await setup(ch.channel, ['q'], { attemptsPerClaim: 5, maxInlineRetryAfterMs: 1000, backoff: { minDelayMs: 10, maxDelayMs: 10, jitter: 0 } });
    await outbox.append(saleRecord('q-1', { registerId: 'q' }), 'scripted');
    relay.kick();
    await until(() => views.some((v) => v.id === 'q-1' && v.state === 'fiscalised'));
    // Claim 1: attempt, wait Retry-After, attempt → a second Retry-After ends the claim; claim 2 succeeds.
    expect(views.filter((v) => v.id === 'q-1').map((v) => [v.state, v.attempts])).toEqual([
      ['queued', 2],
      ['fiscalised', 3],
    ]);
  });

  it('asks findByKey before any resend after an ambiguous send', async () => {
    const ch = scripted(async ({ op, receipt, n }) => {
      if (op === 'sell' && n === 1) throw new FiscalError('unknown-result', 'timeout', 'no answer after the request');
      if (op === 'find') return null; // proven absent
      return issued(receipt);
    });
    const { outbox, relay, views } = await setup(ch.channel, ['u']);
    await outbox.append(saleRecord('u-1', { registerId: 'u' }), 'scripted');
    relay.kick();
    await until(() => views.some((v) => v.id === 'u-1' && v.state === 'fiscalised'));
    expect(ch.calls.map((c) => c.op)).toEqual(['sell', 'find', 'sell']);
    expect(views.map((v) => v.state)).toEqual(['unknown', 'queued', 'fiscalised']);
  });

  it('a channel without an idempotency key gets its pre-send facts back when reconciling', async () => {
    const seen: unknown[] = [];
    let count = 41;
    const ch = scripted(async ({ op, receipt }) => {
      if (op === 'sell') {
        count++;
        throw new FiscalError('unknown-result', 'timeout', 'no answer');
      }
      return count > 41 ? issued(receipt) : null;
    });
    const channel: FiscalChannel = {
      ...ch.channel,
      idempotent: false,
      prepare: async () => ({ receiptCount: count }),
      findByKey: async (key, r, basis, prepared) => {
        seen.push(prepared);
        return ch.channel.findByKey(key, r, basis, prepared);
      },
    };
    const { outbox, relay, views } = await setup(channel, ['n']);
    await outbox.append(saleRecord('n-1', { registerId: 'n' }), 'scripted');
    relay.kick();
    await until(() => views.some((v) => v.id === 'n-1' && v.state === 'fiscalised'));
    expect(seen).toEqual([{ receiptCount: 41 }]);
    expect(ch.calls.map((c) => c.op)).toEqual(['sell', 'find']);
  });

  it('takes the receipt found by findByKey and never sends it again', async () => {
    const ch = scripted(async ({ op, receipt }) => {
      if (op === 'sell') throw new FiscalError('unknown-result', 'network', 'reset after the body');
      return issued(receipt);
    });
    const { outbox, relay, views } = await setup(ch.channel, ['f']);
    await outbox.append(saleRecord('f-1', { registerId: 'f' }), 'scripted');
    relay.kick();
    await until(() => views.some((v) => v.id === 'f-1' && v.state === 'fiscalised'));
    expect(ch.calls.map((c) => c.op)).toEqual(['sell', 'find']);
    expect(views.at(-1)?.fiscal?.fiscalSign).toBe('FS-f-1');
  });
});
