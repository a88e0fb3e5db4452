/** Back-off arithmetic and request pacing (clock injected: no real waiting). */
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/outbox/backoff.js';
import { RateLimiter } from '../../src/outbox/rate-limiter.js';

describe('backoffDelay', () => {
  const opts = { minDelayMs: 100, maxDelayMs: 5000, factor: 2, jitter: 0.5 };
  it('grows exponentially and stops at the cap', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 10, 50].map((a) => backoffDelay(a, opts, mid))).toEqual([75, 150, 300, 600, 3750, 3750]);
  });
  it('jitters within [base·(1−jitter), base]', () => {
    expect(backoffDelay(3, opts, () => 0)).toBe(200);
    expect(backoffDelay(3, opts, () => 0.999999)).toBe(400);
    expect(backoffDelay(30, { ...opts, jitter: 1 }, () => 0)).toBe(0);
  });
  it('a longer Retry-After wins, still capped', () => {
    expect(backoffDelay(1, opts, () => 0.5, 2000)).toBe(2000);
    expect(backoffDelay(1, opts, () => 0.5, 60_000)).toBe(5000);
    expect(backoffDelay(5, opts, () => 1, 10)).toBe(1600);
  });
});

describe('RateLimiter', () => {
  it('spaces requests evenly at the configured rate', async () => {
    let t = 0;
    const rl = new RateLimiter(600, 1, () => t); // one per 100 ms
    await rl.take();
    const second = rl.take();
    let done = false;
    void second.then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    t = 100; // the limiter sleeps for real; move the clock to where the sleep ends
    await second;
    expect(done).toBe(true);
  });
  it('is unlimited without a rate, until told to back off', async () => {
    let t = 0;
    const rl = new RateLimiter(null, 1, () => t);
    for (let i = 0; i < 100; i++) await rl.take();
    expect(rl.currentIntervalMs).toBe(0);
    rl.throttled();
    expect(rl.currentIntervalMs).toBe(50);
    rl.throttled(); // same storm (within a second): no further step
    expect(rl.currentIntervalMs).toBe(50);
    t = 2000;
    rl.throttled();
    expect(rl.currentIntervalMs).toBe(100);
    for (let i = 0; i < 100; i++) rl.succeeded();
    expect(rl.currentIntervalMs).toBe(0);
  });
  it('never goes faster than the configured rate when recovering', () => {
    const rl = new RateLimiter(6000, 1, () => 0); // 10 ms
    rl.throttled();
    expect(rl.currentIntervalMs).toBe(50);
    for (let i = 0; i < 100; i++) rl.succeeded();
    expect(rl.currentIntervalMs).toBe(10);
  });
  it('pause() holds every request', () => {
    let t = 0;
    const rl = new RateLimiter(null, 1, () => t);
    rl.pause(1500);
    expect(rl.pausedForMs).toBe(1500);
    t = 1000;
    expect(rl.pausedForMs).toBe(500);
  });
});
