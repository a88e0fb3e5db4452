/**
 * Crash soak: `npx tsx scripts/crash-soak.ts [--kills 200] [--seed N] [--registers 3] [--sales 40] [--life-ms 1500]`.
 * A child till with Webkassa registers records and fiscalises sales through the Webkassa emulator
 * (faults in some lives) and is SIGKILLed `kills` times at random moments; a last life drains; the
 * emulator must hold every acknowledged sale exactly once, in order per register. Prints the
 * report; exit code 1 on any loss, duplicate, reordering or mismatch.
 */
import { parseArgs } from 'node:util';
import { crashOk, runCrash } from '../test/outbox/crash/runner.js';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '200' },
    seed: { type: 'string' },
    registers: { type: 'string', default: '3' },
    sales: { type: 'string', default: '40' },
    'life-ms': { type: 'string', default: '1500' },
  },
});
const kills = Number(values.kills);
const seed = Number(values.seed ?? Date.now() % 1_000_000);
console.log(`crash soak: ${kills} kills, seed ${seed}`);
const report = await runCrash({
  kills,
  seed,
  registers: Number(values.registers),
  maxSalesPerLife: Number(values.sales),
  maxLifeMs: Number(values['life-ms']),
  log: (l) => {
    const m = /^life (\d+)\//.exec(l);
    if (m && Number(m[1]) % 10 === 0) console.log(l);
  },
});
const cut = (xs: string[]) => (xs.length > 20 ? [...xs.slice(0, 20), `… ${xs.length - 20} more`] : xs);
console.log(
  JSON.stringify(
    {
      ...report,
      missing: cut(report.missing),
      duplicated: cut(report.duplicated),
      anyDuplicates: cut(report.anyDuplicates),
      outOfOrder: cut(report.outOfOrder),
      strays: cut(report.strays),
      wrongFiscal: cut(report.wrongFiscal),
      notFiscalised: cut(report.notFiscalised),
    },
    null,
    2,
  ),
);
const ok = crashOk(report);
console.log(ok ? 'OK: every acknowledged sale is exactly one receipt, in order per register' : 'FAILED');
process.exit(ok ? 0 : 1);
