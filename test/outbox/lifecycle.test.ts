/** The delivery lifecycle as a table: each outcome of a claim → the next state, the delay and what it says about the register. */
import { describe, expect, it } from 'vitest';
import { FiscalError } from '../../src/fiscal/types.js';
import { decide, type Outcome } from '../../src/outbox/lifecycle.js';
import { RetryPolicy } from '../../src/outbox/retry-policy.js';

const policy = new RetryPolicy({ reconcileDelayMs: 1000, blockedProbeMs: 60_000, backoff: { minDelayMs: 1000, maxDelayMs: 300_000, jitter: 0 } }, () => 0.5);
const result = { channel: 'webkassa', fiscalSign: '123', registrationNumber: '600', dateTime: 'x', total: 1, isOffline: false };
const err = (kind: FiscalError['kind'], code = 'c', details: FiscalError['details'] = {}) => new FiscalError(kind, code, 'm', details);

describe('lifecycle', () => {
  const rows: [string, Outcome, number, { state: string; delayMs: number | null; dead?: boolean }, string][] = [
    ['issued', { kind: 'issued', result }, 1, { state: 'fiscalised', delayMs: null, dead: false }, 'working'],
    ['found on reconcile', { kind: 'found', result }, 1, { state: 'fiscalised', delayMs: null }, 'working'],
    ['proven absent: send again now', { kind: 'absent' }, 1, { state: 'queued', delayMs: 0 }, 'working'],
    ['timeout after the request', { kind: 'failed', during: 'send', error: err('unknown-result', 'timeout') }, 1, { state: 'unknown', delayMs: 1000 }, 'unchanged'],
    ['503 after the in-claim attempts', { kind: 'failed', during: 'send', error: err('transient', 'http-503') }, 1, { state: 'queued', delayMs: 1000 }, 'unchanged'],
    ['503 on the 4th claim backs off', { kind: 'failed', during: 'send', error: err('transient', 'http-503') }, 4, { state: 'queued', delayMs: 8000 }, 'unchanged'],
    ['Retry-After longer than the back-off wins', { kind: 'failed', during: 'send', error: err('transient', 'http-429', { retryAfterMs: 30_000 }) }, 1, { state: 'queued', delayMs: 30_000 }, 'unchanged'],
    ['credentials refused', { kind: 'failed', during: 'send', error: err('auth', 'webkassa-1') }, 2, { state: 'queued', delayMs: 2000 }, 'unchanged'],
    ['72 h autonomous: register blocked, receipt waits', { kind: 'failed', during: 'send', error: err('blocked', 'webkassa-18') }, 1, { state: 'queued', delayMs: 60_000 }, 'blocked'],
    ['data refused: dead letter', { kind: 'failed', during: 'send', error: err('permanent', 'webkassa-9') }, 1, { state: 'rejected', delayMs: null, dead: true }, 'working'],
    ['reconcile cannot tell: stays unknown', { kind: 'failed', during: 'reconcile', error: err('transient', 'network') }, 2, { state: 'unknown', delayMs: 2000 }, 'unchanged'],
    ['reconcile answer refused: still never resent blind', { kind: 'failed', during: 'reconcile', error: err('permanent', 'bad-answer') }, 1, { state: 'unknown', delayMs: 1000 }, 'unchanged'],
    ['reconcile on a blocked register', { kind: 'failed', during: 'reconcile', error: err('blocked', 'webkassa-18') }, 1, { state: 'unknown', delayMs: 60_000 }, 'blocked'],
    ['return whose sale was refused', { kind: 'no-basis', reason: { code: 'sale-not-fiscalised', message: 'm' } }, 1, { state: 'rejected', delayMs: null, dead: true }, 'unchanged'],
  ];
  it.each(rows)('%s', (_name, outcome, claims, next, register) => {
    const step = decide({ claims }, outcome, policy);
    expect(step.next).toMatchObject(next);
    expect(step.register.kind).toBe(register);
  });

  it('keeps the fiscal result and clears the error on success', () => {
    const step = decide({ claims: 3 }, { kind: 'issued', result }, policy);
    expect(step.next).toMatchObject({ result, reasons: [], lastError: null });
  });
});

describe('retry policy', () => {
  it('makes at most attemptsPerClaim attempts per claim, transient errors only', () => {
    const p = new RetryPolicy({ attemptsPerClaim: 3, quickDelayMs: 100 }, () => 1);
    const t = err('transient', 'http-503');
    expect(p.nextAttemptIn(t, 1, false)).toEqual({ delayMs: 100, usesRetryAfter: false });
    expect(p.nextAttemptIn(t, 2, false)).toEqual({ delayMs: 200, usesRetryAfter: false });
    expect(p.nextAttemptIn(t, 3, false)).toBeNull();
    for (const kind of ['unknown-result', 'auth', 'blocked', 'permanent'] as const) expect(p.nextAttemptIn(err(kind), 1, false)).toBeNull();
  });

  it('honours a short Retry-After once per claim; a long one ends the claim', () => {
    const p = new RetryPolicy({ attemptsPerClaim: 5, maxInlineRetryAfterMs: 2000 });
    const ra = err('transient', 'http-429', { retryAfterMs: 1500 });
    expect(p.nextAttemptIn(ra, 1, false)).toEqual({ delayMs: 1500, usesRetryAfter: true });
    expect(p.nextAttemptIn(ra, 2, true)).toBeNull();
    expect(p.nextAttemptIn(err('transient', 'http-429', { retryAfterMs: 5000 }), 1, false)).toBeNull();
  });
});
