/**
 * tracking/ — talking to the national tracking systems.
 * Owns the TrackingSystem contract, the adapters (xTrace for KZ/UZ, True API for RU and legacy
 * ISMET, the RU pre-sale checks ТС ПИоТ and the Local Module, and their combined parallel mode),
 * the token lifecycle, the HTTP layer (axios + p-retry + error classification), client-side
 * rate limiting and batch limits, and the Signer seam. Depends only on marking/ (KI derivation).
 */
export type * from './types.js';
export { TrackingError, isTrackingError } from './errors.js';
export { createTrackingSystem } from './factory.js';
export { XtraceAdapter } from './xtrace/adapter.js';
export { TrueApiAdapter } from './true-api/adapter.js';
export { TsPiotAdapter } from './tspiot/adapter.js';
export { LocalModuleAdapter } from './local-module/adapter.js';
export { ParallelCheck, isParallelTracking } from './local-module/parallel.js';
export { localModuleProblems, LM_NOT_READY, LM_SYNC_ERROR, type LocalModuleState, type LocalModuleStatus } from './local-module/status.js';
export type { TrackingConfig, XtraceConfig, TrueApiConfig, TsPiotConfig, LocalModuleConfig, LocalModuleConnection, TrackingRuntime } from './config.js';
export {
  trackingConfigSchema,
  trackingConfigInputSchema,
  xtraceConfigSchema,
  trueApiConfigSchema,
  tspiotConfigSchema,
  localModuleConfigSchema,
  localModuleConnectionSchema,
  defaultLimits,
  inferFamily,
} from './config.js';
export type { Signer, VerifyResult } from './signer.js';
export { createTestSigner, verifyTestSignature } from './signer.js';
export { chunk, splitDocument } from './batch.js';
export type { RetryPolicy, Logger } from './http.js';
export { canonicalJson } from './canonical-json.js';
