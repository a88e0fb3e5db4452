/**
 * sale/ — the receipt fact in one home: the zod schema (SDK types, HTTP bodies, OpenAPI), intake
 * normalisation (each code parsed once, totals, payments), the return-against-sale rule, and the
 * normalised types every other part uses.
 */
export * from './types.js';
export * from './schema.js';
export { SaleError, isSaleError, type SaleErrorCode, type SaleProblem } from './errors.js';
export { normalizeSale, normalizeReturn, lineTotal, type NormalizeOptions, type NewRecord } from './normalize.js';
export { checkReturnAgainstSale } from './returns.js';
