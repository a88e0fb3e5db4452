/**
 * Kill test of the PostgreSQL outbox (issue 13): 4 `tanba relay` worker processes drain 20
 * registers' receipts, appended up front, through one Webkassa emulator (20 cashboxes, 5 ms per
 * request); workers are SIGKILLed at seeded random moments (24 kills, each killed worker replaced
 * at once) with 2 s leases, so the receipts a dead worker held — claimed or mid-send — are taken
 * over by another worker. At the emulator: every receipt exactly once, per-cashbox order = append
 * order, none lost, and never two requests at once on one cashbox (error 9).
 *
 * CI size: 20 × 50 = 1,000 receipts. The issue's full size (20 × 200 = 4,000):
 * `TANBA_PG_KILL_FULL=1 npx vitest run test/outbox/postgres-kill.test.ts`. TANBA_PG_KILL_LOG=1
 * prints the kills and the progress.
 */
import { describe, expect, it } from 'vitest';
import { runPostgresKill } from './crash/postgres-runner.js';

const full = process.env.TANBA_PG_KILL_FULL === '1';
const perRegister = full ? 200 : 50;

describe('PostgreSQL outbox: worker processes SIGKILLed while draining', () => {
  it(`4 workers, 20 registers × ${perRegister} receipts, 24 kills: every receipt exactly once, in append order per cashbox`, async () => {
    const r = await runPostgresKill({
      workers: 4,
      registers: 20,
      perRegister,
      kills: 24,
      seed: 20261213,
      leaseSeconds: 2,
      latencyMs: 5,
      drainTimeoutMs: full ? 240_000 : 100_000,
      log: process.env.TANBA_PG_KILL_LOG ? (l) => console.log(l) : undefined,
    });
    console.log(
      `postgres kill test: ${r.appended} receipts, ${r.kills} kills (${r.killsWhilePending} with receipts pending), ${r.started} worker processes, ` +
        `${r.orphanedLeases} leases orphaned (${r.orphanedSending} mid-send), ${r.takeOvers} taken over (${r.takeOversMidSend} mid-send), ` +
        `${r.requests.lookups} reconciliations (${r.requests.lookupFound} found, ${r.requests.lookupNotFound} absent), ${r.requests.tokenRefused} token refusals, ` +
        `drain ${(r.drainMs / 1000).toFixed(1)} s, total ${r.seconds.toFixed(1)} s`,
    );
    expect(r.kills).toBeGreaterThanOrEqual(20);
    expect(r.killsWhilePending).toBeGreaterThanOrEqual(20);
    expect(r.takeOvers).toBeGreaterThan(0);
    expect(r.takeOversMidSend).toBeGreaterThan(0);
    expect(r.pendingAtEnd).toBe(0);
    expect(r.deadLetters).toBe(0);
    expect(r.notFiscalised).toEqual([]);
    expect(r.missing).toEqual([]);
    expect(r.duplicated).toEqual([]);
    expect(r.strays).toEqual([]);
    expect(r.outOfOrder).toEqual([]);
    expect(r.wrongFiscal).toEqual([]);
    expect(r.requests.busy).toBe(0); // never two requests at once on one cashbox
    expect(r.receipts).toBe(r.appended);
  }, full ? 300_000 : 115_000);
});
