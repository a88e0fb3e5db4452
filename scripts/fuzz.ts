/**
 * The full fuzz run: `npm run fuzz [-- count]` (default 1,000,000) random and mutated inputs through
 * parseCode; exits 1 on the first throw or malformed result.
 */
import { parseCode } from '../src/marking/index.js';
import { codeMix, rng } from '../test/support/codes.js';
import { checkShape, fuzzInput } from '../test/support/fuzz.js';

const count = Number(process.argv[2] ?? 1_000_000);
const r = rng(Number(process.env.FUZZ_SEED ?? 1));
const seeds = codeMix(11, 2000, 0.3).map((c) => c.input);
let ok = 0;
const t0 = Date.now();
for (let i = 0; i < count; i++) {
  const input = fuzzInput(r, seeds);
  try {
    const res = parseCode(input, { country: (['KZ', 'RU', 'UZ'] as const)[i % 3] });
    const bad = checkShape(res);
    if (bad) throw new Error(bad);
    if (res.ok) ok++;
  } catch (e) {
    console.error(`input #${i} ${JSON.stringify(typeof input === 'string' ? input : Array.from(input))}: ${String(e)}`);
    process.exit(1);
  }
}
console.log(`${count} inputs, ${ok} valid codes among them, no throw, every result typed (${Date.now() - t0} ms)`);
