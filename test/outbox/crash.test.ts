/**
 * Crash test (short CI version; `npx tsx scripts/crash-soak.ts --kills 200` is the soak): a child
 * till with three Webkassa registers records sales from one caller per register while its relay
 * fiscalises them through the Webkassa emulator (which the test owns and keeps running, with
 * faults in some lives); it is SIGKILLed at seeded random moments and restarted, and a last life
 * drains. At the emulator: every acknowledged sale is exactly one receipt, nothing twice, and each
 * register's receipts are in acknowledgement order.
 */
import { describe, expect, it } from 'vitest';
import { runCrash } from './crash/runner.js';

describe('crash: SIGKILL while recording and fiscalising', () => {
  it('every acknowledged sale is one receipt, in order per register, over 5 kills', async () => {
    const r = await runCrash({ kills: 5, seed: 20260310, registers: 3, maxSalesPerLife: 40, maxLifeMs: 1500 });
    expect(r.acknowledged).toBeGreaterThan(0);
    expect(r.notFiscalised).toEqual([]);
    expect(r.missing).toEqual([]);
    expect(r.duplicated).toEqual([]);
    expect(r.anyDuplicates).toEqual([]);
    expect(r.outOfOrder).toEqual([]);
    expect(r.strays).toEqual([]);
    expect(r.wrongFiscal).toEqual([]);
    expect(r.receipts).toBe(r.acknowledged + r.onDiskNotAcknowledged);
  }, 60_000);
});
