/** SaleError: a sale or return that cannot be accepted as given, with every wrong field and what to write. */

export interface SaleProblem {
  /** Dotted path, e.g. `lines.0.codes.1`, `payments`, `(root)`. */
  field: string;
  /** What is wrong, in one sentence. */
  problem: string;
  /** What to write instead. */
  fix: string;
}

export type SaleErrorCode =
  | 'invalid-sale' // the body does not describe a valid receipt (fields name each mistake)
  | 'id-conflict' // the id is already used by a different sale/return
  | 'unknown-sale' // a return names a sale this store does not hold
  | 'unknown-register'; // the register id is not configured

export class SaleError extends Error {
  override readonly name = 'SaleError';
  constructor(
    readonly code: SaleErrorCode,
    message: string,
    readonly fields: SaleProblem[] = [],
    readonly details: { id?: string } = {},
  ) {
    super(message);
  }
}

export function isSaleError(e: unknown): e is SaleError {
  return e instanceof SaleError;
}

/** One SaleError listing every problem, its message naming the first. */
export function invalidSale(what: string, id: string | undefined, fields: SaleProblem[]): SaleError {
  const first = fields[0];
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : '';
  return new SaleError(
    'invalid-sale',
    `The ${what}${id ? ` ${id}` : ''} is not valid: ${first ? `${first.field}: ${first.problem} — ${first.fix}` : 'see fields'}${more}. Nothing was saved.`,
    // A body with thousands of mistakes gets the first 50: enough to act on, small to send.
    fields.slice(0, 50),
    id ? { id } : {},
  );
}
