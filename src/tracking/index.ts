/**
 * tracking/ — talking to the national tracking systems.
 * Owns the TrackingSystem contract, the two adapters (xTrace for KZ/UZ, True API for RU and legacy
 * ISMET), the token lifecycle, the HTTP layer (axios + p-retry + error classification), client-side
 * rate limiting and batch limits, and the Signer seam. Depends only on marking/ (KI derivation).
 */
export type * from './types.js';
export { TrackingError, isTrackingError } from './errors.js';
export { createTrackingSystem } from './factory.js';
export { XtraceAdapter } from './xtrace/adapter.js';
export { TrueApiAdapter } from './true-api/adapter.js';
export type { TrackingConfig, XtraceConfig, TrueApiConfig, TrackingRuntime } from './config.js';
export { trackingConfigSchema, trackingConfigInputSchema, xtraceConfigSchema, trueApiConfigSchema, defaultLimits, inferFamily } from './config.js';
export type { Signer, VerifyResult } from './signer.js';
export { createTestSigner, verifyTestSignature } from './signer.js';
export { chunk, splitDocument } from './batch.js';
export type { RetryPolicy, Logger } from './http.js';
export { canonicalJson } from './canonical-json.js';
