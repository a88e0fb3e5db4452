/**
 * The budgeted parallel check. The tracking side here is a tiny in-test object (allowed for the
 * budget tests): one that hangs until aborted, one that answers, one that fails.
 */
import { describe, expect, it } from 'vitest';
import { createDecider } from '../../src/decision/decider.js';
import type { ParseResult } from '../../src/marking/types.js';
import type { CodeStatus, TrackingSystem } from '../../src/tracking/types.js';

const KI = '0104600439931256215Kbx-X';

function parse(raw: string | Uint8Array): ParseResult {
  const s = typeof raw === 'string' ? raw : Buffer.from(raw).toString('latin1');
  const ok = s.startsWith('01');
  return {
    ok,
    kind: ok ? 'marking' : 'unknown',
    gtin: ok ? s.slice(2, 16) : null,
    serial: ok ? s.slice(18) : null,
    ki: ok ? s : null,
    km: ok ? s : null,
    productGroup: null,
    mrp: null,
    expiry: null,
    repairs: [],
    error: ok ? null : { code: 'bad-format', message: 'not a code' },
  };
}

function clean(code: string): CodeStatus {
  return { code, ki: code, found: true, status: 'INTRODUCED', ownerTin: null, blocked: false, sold: false, expiresAt: null, mrp: null, minPrice: null, productGroup: null, raw: {} };
}

type Behaviour = 'hang' | 'answer' | 'fail' | ((codes: string[]) => Promise<CodeStatus[]>);

function tracking(behaviour: { current: Behaviour }, log: { signals: AbortSignal[]; calls: number }): TrackingSystem {
  return {
    family: 'xtrace',
    limits: { maxCodesPerCheck: 100, maxCodesPerDocument: 1000, requestsPerMinute: null },
    checkCodes(codes, opts) {
      log.calls++;
      if (opts?.signal) log.signals.push(opts.signal);
      const b = behaviour.current;
      if (typeof b === 'function') return b(codes);
      if (b === 'answer') return Promise.resolve(codes.map(clean));
      if (b === 'fail') return Promise.reject(new Error('boom'));
      return new Promise((_, reject) => opts?.signal?.addEventListener('abort', () => reject(opts.signal!.reason)));
    },
    submitSale: () => Promise.reject(new Error('unused')),
    submitReturn: () => Promise.reject(new Error('unused')),
    getDocument: () => Promise.reject(new Error('unused')),
    findDocuments: () => Promise.reject(new Error('unused')),
    health: () => Promise.resolve({ ok: true, latencyMs: 0, tokenExpiresAt: null }),
  };
}

function setup(b: Behaviour, extra: Partial<Parameters<typeof createDecider>[0]> = {}) {
  const behaviour = { current: b };
  const log = { signals: [] as AbortSignal[], calls: 0 };
  const d = createDecider({ tracking: tracking(behaviour, log), parse, budgetMs: 150, timeZone: 'UTC', ...extra });
  return { d, behaviour, log };
}

describe('decider budget', () => {
  it('gives a verdict by the budget when the tracking system hangs, and cancels the call', async () => {
    const { d, log } = setup('hang');
    const t0 = performance.now();
    const dec = await d.check(KI);
    const took = performance.now() - t0;
    expect(dec.verdict).toBe('unknown');
    expect(dec.allowed).toBe(true);
    expect(dec.reasons.map((r) => r.code)).toEqual(['not-checked']);
    expect(dec.source).toBe('none');
    expect(took).toBeGreaterThanOrEqual(145);
    expect(took).toBeLessThan(150 + 50);
    expect(log.signals[0].aborted).toBe(true);
  });

  it('denies by local knowledge within the budget when the system hangs', async () => {
    const { d } = setup('hang', { soldHere: { soldHere: async (kis) => new Set(kis) } });
    const dec = await d.check(KI);
    expect(dec.verdict).toBe('deny');
    expect(dec.reasons.map((r) => r.code)).toEqual(['sold-here']);
    expect(dec.source).toBe('local');
  });

  it('denies a code on the block list (by GTIN) without an answer', async () => {
    const { d } = setup('hang');
    d.blockList.add({ gtins: ['4600439931256'] });
    const dec = await d.check(KI);
    expect(dec.verdict).toBe('deny');
    expect(dec.reasons.map((r) => r.code)).toEqual(['blocked']);
  });

  it('does not wait for the budget when both sides answer', async () => {
    const { d } = setup('answer', { budgetMs: 5000 });
    const t0 = performance.now();
    const dec = await d.check(KI);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(dec.verdict).toBe('allow');
    expect(dec.source).toBe('online');
    expect(dec.reasons).toEqual([]);
  });

  it('treats an online error as no answer', async () => {
    const { d } = setup('fail');
    const dec = await d.check(KI);
    expect(dec.verdict).toBe('unknown');
  });

  it('falls back to a cached answer within its TTL, and not after', async () => {
    let now = Date.parse('2026-03-10T10:00:00Z');
    const { d, behaviour } = setup('answer', { now: () => now, cacheTtlMs: 60_000 });
    expect((await d.check(KI)).verdict).toBe('allow');
    behaviour.current = 'hang';
    now += 30_000;
    const cached = await d.check(KI);
    expect(cached.verdict).toBe('allow');
    expect(cached.source).toBe('local');
    expect(cached.reasons.map((r) => r.code)).toEqual(['cached-status']);
    now += 60_000;
    expect((await d.check(KI)).verdict).toBe('unknown');
  });

  it('forget() drops the cached status after a sale', async () => {
    const { d, behaviour } = setup('answer');
    await d.check(KI);
    behaviour.current = 'hang';
    d.forget(KI);
    expect((await d.check(KI)).verdict).toBe('unknown');
  });

  it('denies an invalid code without calling the tracking system', async () => {
    const { d, log } = setup('answer');
    const dec = await d.check('garbage');
    expect(dec.verdict).toBe('deny');
    expect(dec.reasons.map((r) => r.code)).toEqual(['invalid-code']);
    expect(log.calls).toBe(0);
  });

  it('speaks the configured language and stamps checkedAt from the injected clock', async () => {
    const { d } = setup('answer', {
      language: 'kk',
      now: () => Date.parse('2026-03-10T10:00:00Z'),
    });
    const dec = await d.check('garbage');
    expect(dec.reasons[0].message).toBe('Таңбалау коды оқылмады немесе жарамсыз.');
    expect(dec.checkedAt).toBe('2026-03-10T10:00:00.000Z');
  });

  it('policy deny turns not-checked into a denial', async () => {
    const { d } = setup('hang', { unknownPolicy: 'deny', language: 'ru' });
    const dec = await d.check(KI);
    expect(dec.verdict).toBe('deny');
    expect(dec.allowed).toBe(false);
    expect(dec.reasons[0].code).toBe('not-checked');
  });

  it('uses price rules from the online answer', async () => {
    const { d } = setup(async (codes) => codes.map((c) => ({ ...clean(c), mrp: 10000 })));
    expect((await d.check(KI, { price: 10001 })).reasons.map((r) => r.code)).toEqual(['price-above-mrp']);
    expect((await d.check(KI, { price: 9000 })).verdict).toBe('allow');
  });

  it('a late answer after the budget is ignored, and many hanging checks all end on time', async () => {
    const { d } = setup('hang', { budgetMs: 100 });
    const t0 = performance.now();
    const all = await Promise.all(Array.from({ length: 50 }, () => d.check(KI)));
    expect(all.every((x) => x.verdict === 'unknown')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(100 + 50);
  });
});
