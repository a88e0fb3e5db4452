/**
 * Crash test (short CI version; `npx tsx scripts/crash-soak.ts` runs ≥ 200 kills): a child till
 * records sales as fast as it can and relays them to a real emulator while being SIGKILLed at random
 * moments and restarted. In the end every acknowledged sale is at the emulator exactly once.
 */
import { describe, expect, it } from 'vitest';
import { runCrash } from './crash/runner.js';

describe('crash: SIGKILL while recording and relaying', () => {
  it('loses nothing and duplicates nothing over 5 kills', async () => {
    const report = await runCrash({ kills: 5, seed: 20260310, maxLifeMs: 500, maxSalesPerLife: 200 });
    expect(report.acknowledged).toBeGreaterThan(0);
    expect(report.missing).toEqual([]);
    expect(report.duplicated).toEqual([]);
    expect(report.anyDuplicates).toEqual([]);
  }, 120_000);
});
