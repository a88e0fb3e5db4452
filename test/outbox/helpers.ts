/** Test helpers: temp database files and plain GTINs / KIs built without the parser. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'tanba-outbox-'): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: (name = 'sales.db') => join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A GTIN-14 with a correct GS1 check digit, from a number. */
export function gtin(n: number): string {
  const body = ('460' + String(n).padStart(10, '0')).slice(0, 13);
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(body[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}

export function ki(n: number, serial = 'S' + String(n).padStart(12, '0')): string {
  return '01' + gtin(n % 1000) + '21' + serial;
}
