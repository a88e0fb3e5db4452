/** Test helpers: temp database files and records built without the parser. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { NewRecord, RecordBody } from '../../src/outbox/store.js';

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

export function record(id: string, opts: { type?: 'sale' | 'return'; saleId?: string; kis?: string[]; price?: number; at?: string } = {}): NewRecord {
  const kis = opts.kis ?? [ki(Number(id.replace(/\D/g, '') || 1))];
  const body: RecordBody = {
    type: opts.type ?? 'sale',
    id,
    ...(opts.saleId ? { saleId: opts.saleId } : {}),
    at: opts.at ?? '2026-03-10T10:00:00.000Z',
    items: kis.map((k) => ({ ki: k, km: k + '\x1d93abcd', price: opts.price ?? 1000, quantity: 1 })),
  };
  const hash = createHash('sha256').update(JSON.stringify(body)).digest('base64url');
  return { body, hash };
}
