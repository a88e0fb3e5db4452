/**
 * Edge validation for sales and returns: zod for the shape, parseCode for every item's code.
 * Produces the canonical body that is stored and the hash that makes `id` idempotent.
 * Only the fields below survive: no customer personal data is ever stored.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseCode } from '../marking/index.js';
import type { Country } from '../marking/types.js';
import { StoreError } from './errors.js';
import type { NewRecord, RecordItem } from './store.js';
import type { ReturnInput, SaleInput } from './types.js';

const itemSchema = z.object({
  code: z.string().min(1).max(1024),
  price: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  quantity: z.number().int().positive().max(1_000_000).optional(),
});

const saleSchema = z.object({
  id: z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
  items: z.array(itemSchema).min(1).max(30_000),
  at: z.iso.datetime({ offset: true }).optional(),
  registerId: z.string().min(1).max(64).optional(),
  sellerTin: z.string().regex(/^\d{9,14}$/, '9 to 14 digits').optional(),
});

const returnSchema = saleSchema.extend({ saleId: saleSchema.shape.id });

export interface NormalizeOptions {
  country?: Country;
  gsSubstitutes?: string[];
  /** Time to stamp when the caller gives no `at` (ms). */
  now: number;
}

export function normalizeSale(input: SaleInput, opts: NormalizeOptions): NewRecord {
  return normalize('sale', input, opts);
}

export function normalizeReturn(input: ReturnInput, opts: NormalizeOptions): NewRecord {
  return normalize('return', input, opts);
}

function normalize(type: 'sale' | 'return', input: unknown, opts: NormalizeOptions): NewRecord {
  const parsed = (type === 'sale' ? saleSchema : returnSchema).safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : type;
    const itemIndex = issue?.path[0] === 'items' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
    throw new StoreError('invalid-sale', `Invalid ${type}: ${where}: ${issue?.message ?? 'bad shape'}`, { itemIndex });
  }
  const s = parsed.data as z.infer<typeof returnSchema>;
  const items: RecordItem[] = [];
  const seen = new Set<string>();
  s.items.forEach((it, i) => {
    const r = parseCode(it.code, { country: opts.country, gsSubstitutes: opts.gsSubstitutes });
    if (!r.ok || r.kind !== 'marking' || !r.ki || !r.km) {
      const why = r.error ? `${r.error.code}: ${r.error.message}` : 'not a marking code';
      throw new StoreError('invalid-item', `Item ${i + 1} of ${type} ${s.id} has an invalid marking code (${why}); nothing was saved.`, {
        itemIndex: i,
        id: s.id,
      });
    }
    if (seen.has(r.ki))
      throw new StoreError('duplicate-item', `Item ${i + 1} of ${type} ${s.id} repeats a marking code already in this ${type}; nothing was saved.`, {
        itemIndex: i,
        id: s.id,
      });
    seen.add(r.ki);
    items.push({ ki: r.ki, km: r.km, price: it.price, quantity: it.quantity ?? 1 });
  });
  const canonical = {
    type,
    saleId: s.saleId ?? null,
    at: s.at ?? null,
    registerId: s.registerId ?? null,
    sellerTin: s.sellerTin ?? null,
    items: items.map((x) => [x.km, x.price, x.quantity]),
  };
  const hash = createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
  const body = {
    type,
    id: s.id,
    ...(s.saleId !== undefined ? { saleId: s.saleId } : {}),
    at: s.at ? new Date(s.at).toISOString() : new Date(opts.now).toISOString(),
    ...(s.registerId !== undefined ? { registerId: s.registerId } : {}),
    ...(s.sellerTin !== undefined ? { sellerTin: s.sellerTin } : {}),
    items,
  };
  return { body, hash };
}
