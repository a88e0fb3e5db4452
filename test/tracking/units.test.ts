/** Pure pieces of the tracking layer: classification, pacing, tokens, canonical JSON, signer, KI. */
import { AxiosError, AxiosHeaders } from 'axios';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/tracking/canonical-json.js';
import { classifyError, extractReason, parseRetryAfter } from '../../src/tracking/classify.js';
import { deriveKi } from '../../src/tracking/ki.js';
import { TokenBucket } from '../../src/tracking/rate-limiter.js';
import { createTestSigner, verifyTestSignature } from '../../src/tracking/signer.js';
import { TokenManager } from '../../src/tracking/token.js';
import { ki, km } from './helpers.js';

function httpError(status: number, data: unknown, headers: Record<string, string> = {}): AxiosError {
  const config = { headers: new AxiosHeaders() };
  return new AxiosError('x', 'ERR_BAD_RESPONSE', config as never, {}, { status, statusText: '', data, headers, config: config as never });
}

describe('classifyError', () => {
  const read = { idempotent: true, what: 'GET /x' };
  const write = { idempotent: false, what: 'POST /doc' };
  it.each([
    [429, read, 'transient', 'rate-limited'],
    [429, write, 'transient', 'rate-limited'],
    [503, write, 'transient', 'http-503'],
    [500, read, 'transient', 'http-500'],
    [500, write, 'unknown-result', 'http-500'],
    [504, write, 'unknown-result', 'http-504'],
    [401, read, 'auth', 'unauthorized'],
    [400, write, 'permanent', 'bad-request'],
    [403, read, 'permanent', 'forbidden'],
    [404, read, 'permanent', 'not-found'],
    [406, read, 'permanent', 'not-acceptable'],
    [409, write, 'permanent', 'conflict'],
  ] as const)('%i (%o) → %s %s', (status, ctx, kind, code) => {
    const e = classifyError(httpError(status, { message: 'why' }), ctx);
    expect([e.kind, e.code, e.details.status, e.details.reason]).toEqual([kind, code, status, 'why']);
  });

  it('timeouts and resets: transient for reads, unknown-result for writes; refused connections are transient', () => {
    const t = new AxiosError('timeout of 100ms exceeded', 'ETIMEDOUT');
    expect(classifyError(t, { idempotent: true, what: 'r' }).kind).toBe('transient');
    expect(classifyError(t, { idempotent: false, what: 'w' })).toMatchObject({ kind: 'unknown-result', code: 'timeout' });
    const reset = new AxiosError('socket hang up', 'ECONNRESET');
    expect(classifyError(reset, { idempotent: false, what: 'w' })).toMatchObject({ kind: 'unknown-result', code: 'connection-reset' });
    const refused = new AxiosError('connect ECONNREFUSED', 'ECONNREFUSED');
    expect(classifyError(refused, { idempotent: false, what: 'w' })).toMatchObject({ kind: 'transient', code: 'network' });
  });

  it('inactive-token is an auth failure whatever the status', () => {
    const e = classifyError(httpError(403, { context: { _cause: 'inactive-token' } }), { idempotent: true, what: 'r' });
    expect([e.kind, e.code]).toEqual(['auth', 'unauthorized']);
  });

  it('429 carries Retry-After in ms', () => {
    const e = classifyError(httpError(429, '', { 'retry-after': '3' }), { idempotent: true, what: 'r' });
    expect(e.details.retryAfterMs).toBe(3000);
  });
});

describe('parseRetryAfter / extractReason', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon')).toBeNull();
    expect(parseRetryAfter(undefined)).toBeNull();
  });
  it('finds the reason in the shapes both systems use', () => {
    expect(extractReason([{ code: 'user-incorrect-login-or-password' }])).toBe('user-incorrect-login-or-password');
    expect(extractReason({ error_message: 'token expired' })).toBe('token expired');
    expect(extractReason({ code: 0, description: 'ok' })).toBe('ok');
    expect(extractReason({ context: { _cause: 'inactive-token' } })).toBe('inactive-token');
    expect(extractReason('')).toBeNull();
    expect(extractReason('x'.repeat(1000))!.length).toBe(300);
  });
});

describe('TokenBucket', () => {
  it('spaces requests at the configured rate after the burst', () => {
    let t = 0;
    const b = new TokenBucket({ perMinute: 600, burst: 3 }, () => t);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      waits.push(b.peekWaitMs());
      void b.acquire();
    }
    expect(waits).toEqual([0, 0, 0, 100, 200, 300]);
    t = 1000;
    expect(b.peekWaitMs()).toBe(0);
  });
  it('never admits more than burst + rate·t in any window (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6000 }), fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 0, max: 500 }), { maxLength: 60 }), (perMinute, burst, gaps) => {
        let t = 0;
        const b = new TokenBucket({ perMinute, burst }, () => t);
        const admitted: number[] = [];
        for (const g of gaps) {
          t += g;
          const w = b.peekWaitMs();
          void b.acquire();
          admitted.push(t + w);
        }
        const interval = 60_000 / perMinute;
        for (let i = 0; i < admitted.length; i++)
          for (let j = i; j < admitted.length; j++) expect(j - i + 1).toBeLessThanOrEqual(burst + Math.floor((admitted[j] - admitted[i]) / interval + 1e-9));
      }),
    );
  });
});

describe('TokenManager', () => {
  it('logs in once, renews inside the skew window, and falls back from a failing refresh to login', async () => {
    let t = 0;
    let n = 0;
    let refreshFails = false;
    const m = new TokenManager(
      {
        login: async () => ({ value: `L${++n}`, expiresAt: t + 1000, refreshToken: 'r' }),
        refresh: async () => {
          if (refreshFails) throw new Error('no');
          return { value: `R${++n}`, expiresAt: t + 1000, refreshToken: 'r' };
        },
      },
      { now: () => t },
    );
    const [a, b] = await Promise.all([m.get(), m.get()]);
    expect([a, b]).toEqual(['L1', 'L1']);
    t = 899;
    expect(await m.get()).toBe('L1');
    t = 901; // within 10 % of the lifetime
    expect(await m.get()).toBe('R2');
    refreshFails = true;
    expect(await m.invalidate('R2')).toBe('L3');
    expect(await m.invalidate('stale')).toBe('L3'); // already replaced: no new login
    expect(m.counters).toEqual({ logins: 2, refreshes: 1, invalidations: 1 });
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });
});

describe('test signer', () => {
  it('detached and attached signatures verify; tampering does not', async () => {
    const s = createTestSigner({ subject: '123' });
    const d = await s.signDetached('body');
    expect(verifyTestSignature(d, 'body')).toEqual({ ok: true, subject: '123', data: null });
    expect(verifyTestSignature(d, 'body2').ok).toBe(false);
    const a = await s.signAttached('challenge');
    expect(verifyTestSignature(a, 'challenge')).toEqual({ ok: true, subject: '123', data: 'challenge' });
    expect(verifyTestSignature(a, 'other').ok).toBe(false);
    expect(verifyTestSignature('not base64 json').ok).toBe(false);
    expect(verifyTestSignature(await createTestSigner({ secret: 'x' }).signDetached('body'), 'body').ok).toBe(false);
  });
});

describe('deriveKi', () => {
  it('uses parseCode (AIM prefix, GS) and falls back to a plain cut', () => {
    expect(deriveKi(km(7))).toBe(ki(7));
    expect(deriveKi(`]d2${km(7)}`)).toBe(ki(7));
    expect(deriveKi(ki(7))).toBe(ki(7));
    expect(deriveKi('0104600439931256215Uf5a\u001d91FFD0')).toBe('0104600439931256215Uf5a');
    expect(deriveKi('not a code')).toBe('not a code');
  });
});

describe('config', () => {
  it('infers the family from the country and validates at the edge', async () => {
    const { trackingConfigInputSchema } = await import('../../src/tracking/config.js');
    expect(trackingConfigInputSchema.parse({ country: 'RU', baseUrl: 'http://127.0.0.1:1' }).family).toBe('true-api');
    expect(trackingConfigInputSchema.parse({ country: 'UZ', baseUrl: 'http://127.0.0.1:1' }).family).toBe('xtrace');
    expect(trackingConfigInputSchema.safeParse({ country: 'KZ', baseUrl: 'not a url' }).success).toBe(false);
  });
});
