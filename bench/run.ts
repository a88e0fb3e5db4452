/**
 * `npm run bench [-- name…]`: compiles with tsc (so figures reflect the shipped JavaScript), then runs every bench/*.bench.ts (or those whose name contains an argument),
 * one after another in this process. Each module's default export runs its benchmark and prints
 * its figures; ratios are always against a baseline measured in the same run.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts') || f.endsWith('.bench.js'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

for (const f of files) {
  console.log(`\n=== ${f.replace(/\.bench\.[jt]s$/, '')} ===`);
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: () => Promise<void> };
  await mod.default();
}
