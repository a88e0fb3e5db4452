/**
 * Crash soak: `npx tsx scripts/crash-soak.ts [kills=200] [seed]`. Starts a child till that records
 * and relays sales to a real emulator, SIGKILLs it at random moments `kills` times, drains, and
 * checks that every acknowledged sale reached the emulator exactly once. Exit code 1 on any loss
 * or duplicate.
 */
import { runCrash } from '../test/outbox/crash/runner.js';

const kills = Number(process.argv[2] ?? '200');
const seed = Number(process.argv[3] ?? Date.now() % 1_000_000);
console.log(`crash soak: ${kills} kills, seed ${seed}`);
const t0 = performance.now();
const report = await runCrash({
  kills,
  seed,
  maxLifeMs: 600,
  // Each life sells a burst and relays; a till's real pace is far lower, but dense documents make
  // every reconciliation scan (the xTrace search has no reference filter) costly, so keep bursts modest.
  maxSalesPerLife: 50,
  relayConcurrency: 2,
  log: (l) => {
    if (/life (\d+)\//.exec(l) && Number(/life (\d+)\//.exec(l)![1]) % 10 === 0) console.log(l);
  },
});
console.log(
  JSON.stringify(
    { ...report, missing: report.missing.slice(0, 20), duplicated: report.duplicated.slice(0, 20), anyDuplicates: report.anyDuplicates.slice(0, 20), seconds: Math.round((performance.now() - t0) / 1000) },
    null,
    2,
  ),
);
const ok = report.missing.length === 0 && report.duplicated.length === 0 && report.anyDuplicates.length === 0 && report.acknowledged > 0;
console.log(ok ? 'OK: nothing lost, nothing duplicated' : 'FAILED');
process.exit(ok ? 0 : 1);
