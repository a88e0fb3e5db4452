/** Marking engine (pure): scanner-text repair, GS1 element strings, product-group formats, checksums. */
export type * from './types.js';
export { parseCode } from './parse-code.js';
export { gs1CheckDigit, hasValidCheckDigit } from './check-digit.js';
export { isValidIinBin } from './iin-bin.js';
export { decodeBase80, encodeBase80 } from './tobacco-pack.js';
export { applyLayout, undoLayout, detectLayout, type Layout } from './keyboard-layout.js';
export { DEFAULT_GS_SUBSTITUTES } from './normalise.js';
export { aiSpec, type AiSpec, type AiComponent } from './ai-spec.js';
