/** Marking engine (pure): scanner-text repair, GS1 element strings, product-group formats, checksums. */
export type * from './types.js';
