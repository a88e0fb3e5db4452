/**
 * The outbox port contract (ReceiptLog, DeliveryQueue, QueueViews): one suite every store
 * implementation must pass (SQLite here; PostgreSQL runs the same function). `make` opens a fresh,
 * empty store on the given clock; `clock.advance` moves that clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Claimed, Outbox } from '../../src/outbox/ports.js';
import type { FiscalResult } from '../../src/sale/types.js';
import { kiOf, NOW, returnRecord, saleRecord } from '../support/receipts.js';

export interface ContractClock {
  now: () => number;
  advance: (ms: number) => void;
}

export function testClock(start = NOW): ContractClock {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const result = (id: string, extra: Partial<FiscalResult> = {}): FiscalResult => ({
  channel: 'test',
  fiscalSign: 'FS-' + id,
  registrationNumber: '600000000001',
  dateTime: '2026-12-01T09:00:01.000Z',
  total: 290100,
  isOffline: false,
  ...extra,
});

export function outboxContract(name: string, make: (clock: ContractClock) => Promise<Outbox>): void {
  describe(`outbox contract: ${name}`, () => {
    const open: Outbox[] = [];
    afterEach(async () => {
      while (open.length) await open.pop()!.close();
    });
    const fresh = async (clock = testClock()) => {
      const o = await make(clock);
      open.push(o);
      return { o, clock };
    };
    const fiscalise = async (o: Outbox, c: Claimed, r = result(c.delivery.id)) => {
      await o.markSending(c, true);
      return o.transition(c, { state: 'fiscalised', delayMs: null, result: r, attempts: 1 });
    };

    it('appends durably and idempotently by id; a different body under the same id is id-conflict', async () => {
      const { o } = await fresh();
      const a = await o.append(saleRecord('s-1'), 'webkassa');
      expect(a.created).toBe(true);
      expect(a.view).toMatchObject({ id: 's-1', type: 'sale', registerId: 'till-1', channel: 'webkassa', state: 'queued', fiscal: null, attempts: 0 });
      const again = await o.append(saleRecord('s-1'), 'webkassa');
      expect(again.created).toBe(false);
      await expect(o.append(saleRecord('s-1', { price: 1 }), 'webkassa')).rejects.toMatchObject({ code: 'id-conflict' });
      expect((await o.receipt('s-1'))?.lines[0].codes[0].ki).toBe(kiOf(1));
    });

    it('a receipt the POS fiscalised itself arrives fiscalised and is never claimed', async () => {
      const { o } = await fresh();
      const r = await o.append(saleRecord('e-1', { fiscal: result('e-1') }), 'external');
      expect(r.view.state).toBe('fiscalised');
      expect(r.view.fiscal?.fiscalSign).toBe('FS-e-1');
      expect(await o.claim('w1', null, 10, 60_000)).toEqual([]);
    });

    it('claims only the head of each register: one receipt in flight per register, registers in parallel', async () => {
      const { o } = await fresh();
      await o.append(saleRecord('a-1', { n: 1 }), 'x');
      await o.append(saleRecord('a-2', { n: 2 }), 'x');
      await o.append(saleRecord('b-1', { n: 3, registerId: 'till-2' }), 'x');
      const first = await o.claim('w1', null, 10, 60_000);
      expect(first.map((c) => c.delivery.id).sort()).toEqual(['a-1', 'b-1']);
      expect(await o.claim('w2', null, 10, 60_000)).toEqual([]);
      const a1 = first.find((c) => c.delivery.id === 'a-1')!;
      await fiscalise(o, a1);
      const next = await o.claim('w2', ['till-1'], 10, 60_000);
      expect(next.map((c) => c.delivery.id)).toEqual(['a-2']);
    });

    it('fences transitions: a worker whose lease lapsed cannot overwrite the worker that took over', async () => {
      const { o, clock } = await fresh();
      await o.append(saleRecord('f-1'), 'x');
      const [mine] = await o.claim('w1', null, 1, 1000);
      await o.markSending(mine, true);
      clock.advance(1001);
      const [theirs] = await o.claim('w2', null, 1, 60_000);
      expect(theirs.delivery).toMatchObject({ id: 'f-1', state: 'unknown' });
      await expect(o.transition(mine, { state: 'fiscalised', delayMs: null, result: result('f-1') })).rejects.toMatchObject({ code: 'lease-lost' });
      const v = await o.transition(theirs, { state: 'fiscalised', delayMs: null, result: result('f-1', { fiscalSign: 'B' }) });
      expect(v.fiscal?.fiscalSign).toBe('B');
    });

    it('refuses the "sending" mark once the lease has lapsed: nothing may be sent on it', async () => {
      const { o, clock } = await fresh();
      await o.append(saleRecord('l-1'), 'x');
      const [c] = await o.claim('w1', null, 1, 1000);
      clock.advance(1001);
      await expect(o.markSending(c, true)).rejects.toMatchObject({ code: 'lease-lost' });
      const [again] = await o.claim('w2', null, 1, 60_000);
      expect(again.delivery).toMatchObject({ id: 'l-1', state: 'queued' });
    });

    it('a return waits for its sale, then carries the sale result as its basis', async () => {
      const { o } = await fresh();
      await o.append(saleRecord('s-9', { registerId: 'till-2' }), 'x');
      await o.append(returnRecord('r-9', 's-9', { registerId: 'till-1' }), 'x');
      let claimed = await o.claim('w1', null, 10, 60_000);
      expect(claimed.map((c) => c.delivery.id)).toEqual(['s-9']);
      expect(await o.nextDueIn(['till-1'])).toBeNull();
      await fiscalise(o, claimed[0], result('s-9'));
      claimed = await o.claim('w1', null, 10, 60_000);
      expect(claimed.map((c) => c.delivery.id)).toEqual(['r-9']);
      expect(claimed[0].basis?.fiscalSign).toBe('FS-s-9');
      expect(claimed[0].basisProblem).toBeNull();
    });

    it('a return whose sale was refused is handed out with the problem, not its basis', async () => {
      const { o } = await fresh();
      await o.append(saleRecord('s-5'), 'x');
      await o.append(returnRecord('r-5', 's-5'), 'x');
      const [s] = await o.claim('w1', null, 10, 60_000);
      await o.transition(s, { state: 'rejected', delayMs: null, dead: true, reasons: [{ code: 'webkassa-9', message: 'bad' }] });
      const [r] = await o.claim('w1', null, 10, 60_000);
      expect(r.delivery.id).toBe('r-5');
      expect(r.basis).toBeNull();
      expect(r.basisProblem?.code).toBe('sale-not-fiscalised');
    });

    it('dead letters leave the line; an operator retry puts the receipt back at its place', async () => {
      const { o } = await fresh();
      await o.append(saleRecord('d-1', { n: 1 }), 'x');
      await o.append(saleRecord('d-2', { n: 2 }), 'x');
      const [d1] = await o.claim('w1', null, 1, 60_000);
      const dead = await o.transition(d1, { state: 'rejected', delayMs: null, dead: true, reasons: [{ code: 'x', message: 'refused' }] });
      expect(dead.deadLetter).toBe(true);
      const [d2] = await o.claim('w1', null, 1, 60_000);
      expect(d2.delivery.id).toBe('d-2');
      await o.release(d2);
      const again = await o.retryDead('d-1');
      expect(again).toMatchObject({ state: 'queued', reasons: [] });
      expect(again.deadLetter).toBeUndefined();
      const [head] = await o.claim('w1', null, 1, 60_000);
      expect(head.delivery.id).toBe('d-1');
      await expect(o.retryDead('d-2')).rejects.toMatchObject({ code: 'not-found' });
    });

    it('an operator retry of an older dead letter waits while a newer receipt of its register is in flight', async () => {
      const { o } = await fresh();
      await o.append(saleRecord('o-1', { n: 1 }), 'x');
      await o.append(saleRecord('o-2', { n: 2 }), 'x');
      const [c1] = await o.claim('w1', null, 1, 60_000);
      await o.transition(c1, { state: 'rejected', delayMs: null, dead: true, reasons: [{ code: 'x', message: 'refused' }] });
      const [c2] = await o.claim('w1', null, 1, 60_000);
      expect(c2.delivery.id).toBe('o-2');
      await o.markSending(c2, true);
      await o.retryDead('o-1');
      expect(await o.claim('w2', null, 5, 60_000)).toEqual([]);
      await o.transition(c2, { state: 'fiscalised', delayMs: null, result: result('o-2') });
      const [again] = await o.claim('w2', null, 5, 60_000);
      expect(again.delivery.id).toBe('o-1');
    });

    it('recover turns this worker’s sending receipts into unknown, keeping what the channel noted before the send', async () => {
      const { o } = await fresh();
      await o.append(saleRecord('u-1'), 'x');
      const [c] = await o.claim('w1', null, 1, 60_000);
      await o.markSending(c, true, { receiptCount: 41 });
      expect(await o.recover('w1', 0)).toBe(1);
      const [again] = await o.claim('w1', null, 1, 60_000);
      expect(again.delivery.state).toBe('unknown');
      expect(again.delivery.prepared).toEqual({ receiptCount: 41 });
    });

    it('schedules by delay and reports when the next receipt is due', async () => {
      const { o, clock } = await fresh();
      await o.append(saleRecord('t-1'), 'x');
      const [c] = await o.claim('w1', null, 1, 60_000);
      await o.transition(c, { state: 'queued', delayMs: 5000, lastError: 'http-503: down', attempts: 3 });
      expect(await o.claim('w1', null, 1, 60_000)).toEqual([]);
      expect(await o.nextDueIn(null)).toBe(5000);
      clock.advance(5000);
      const [again] = await o.claim('w1', null, 1, 60_000);
      expect(again.delivery).toMatchObject({ id: 't-1', attempts: 3, claims: 2, lastError: 'http-503: down' });
    });

    it('hands the customer contacts to the sender and not after delivery', async () => {
      const { o } = await fresh();
      await o.append(saleRecord('c-1', { customer: { email: 'buyer@example.kz' } }), 'x');
      const [c] = await o.claim('w1', null, 1, 60_000);
      expect(c.customer).toEqual({ email: 'buyer@example.kz' });
      await o.transition(c, { state: 'unknown', delayMs: 0 });
      const [again] = await o.claim('w1', null, 1, 60_000);
      expect(again.customer).toEqual({ email: 'buyer@example.kz' });
      await fiscalise(o, again);
      const listed = JSON.stringify(await o.list({ which: 'all', limit: 10 }));
      expect(listed).not.toContain('buyer@example.kz');
    });

    it('knows what was sold here and not returned, and stats per register', async () => {
      const { o, clock } = await fresh();
      await o.append(saleRecord('k-1', { n: 1 }), 'x');
      await o.append(saleRecord('k-2', { n: 2, registerId: 'till-2' }), 'x');
      await o.append(returnRecord('k-r', 'k-1', { n: 1 }), 'x');
      expect(await o.soldHere([kiOf(1), kiOf(2), kiOf(3)])).toEqual(new Set([kiOf(2)]));
      const claimed = await o.claim('w1', null, 10, 60_000);
      const k2 = claimed.find((c) => c.delivery.id === 'k-2')!;
      await fiscalise(o, k2, result('k-2', { isOffline: true }));
      clock.advance(1000);
      const s = await o.stats();
      expect(s.pending).toBe(2);
      expect(s.byState).toMatchObject({ queued: 2, fiscalised: 1 });
      const t1 = s.registers.find((r) => r.registerId === 'till-1')!;
      const t2 = s.registers.find((r) => r.registerId === 'till-2')!;
      expect(t1).toMatchObject({ pending: 2, deadLetters: 0, lastFiscalisedAt: null });
      expect(t2).toMatchObject({ pending: 0, autonomousSince: new Date(NOW).toISOString() });
      expect((await o.list({ which: 'all', limit: 10, registerId: 'till-2' })).map((r) => r.id)).toEqual(['k-2']);
      expect((await o.list({ which: 'open', limit: 1, registerId: 'till-1' })).map((r) => r.id)).toEqual(['k-1']);
    });

    it('purges old delivered receipts but keeps a sale whose return is still on its way', async () => {
      const { o, clock } = await fresh();
      await o.append(saleRecord('p-1', { n: 1 }), 'x');
      await o.append(saleRecord('p-2', { n: 2 }), 'x');
      await o.append(returnRecord('p-r', 'p-2', { n: 2 }), 'x');
      for (let i = 0; i < 2; i++) {
        const [c] = await o.claim('w1', null, 1, 60_000);
        await fiscalise(o, c);
      }
      clock.advance(10_000);
      expect(await o.purge(5000)).toBe(1);
      expect(await o.get('p-1')).toBeNull();
      expect((await o.get('p-2'))?.state).toBe('fiscalised');
    });
  });
}
