/** createTrackingSystem(config): picks the adapter by family, or by country (RU → true-api, KZ/UZ → xtrace). */
import { inferFamily, type TrackingConfig, type TrueApiConfig, type XtraceConfig } from './config.js';
import type { TrackingSystem } from './types.js';
import { TrueApiAdapter } from './true-api/adapter.js';
import { XtraceAdapter } from './xtrace/adapter.js';

export function createTrackingSystem(config: TrackingConfig): TrackingSystem {
  const family = inferFamily(config);
  if (family === 'true-api') return new TrueApiAdapter({ ...config, family: 'true-api' } as TrueApiConfig);
  return new XtraceAdapter({ ...config, family: 'xtrace' } as XtraceConfig);
}
