/**
 * createTrackingSystem(config): picks the adapter by family, or by country (RU → true-api, KZ/UZ →
 * xtrace). `tspiot` (ТС ПИоТ) and `local-module` (ЛМ ЧЗ) are the RU pre-sale checks; a `localModule`
 * beside a `tspiot` or `true-api` configuration gives the combined mode (both checks in parallel).
 */
import {
  inferFamily,
  type LocalModuleConfig,
  type LocalModuleConnection,
  type TrackingConfig,
  type TrackingRuntime,
  type TrueApiConfig,
  type TsPiotConfig,
  type XtraceConfig,
} from './config.js';
import { LocalModuleAdapter } from './local-module/adapter.js';
import { ParallelCheck } from './local-module/parallel.js';
import type { TrackingSystem } from './types.js';
import { TrueApiAdapter } from './true-api/adapter.js';
import { TsPiotAdapter } from './tspiot/adapter.js';
import { XtraceAdapter } from './xtrace/adapter.js';

export function createTrackingSystem(config: TrackingConfig): TrackingSystem {
  const family = inferFamily(config);
  if (family === 'local-module') return new LocalModuleAdapter({ ...config, family: 'local-module' } as LocalModuleConfig);
  let online: TrackingSystem;
  if (family === 'true-api') online = new TrueApiAdapter({ ...config, family: 'true-api' } as TrueApiConfig);
  else if (family === 'tspiot') online = new TsPiotAdapter({ ...config, family: 'tspiot' } as TsPiotConfig);
  else return new XtraceAdapter({ ...config, family: 'xtrace' } as XtraceConfig);
  const lm = (config as { localModule?: LocalModuleConnection }).localModule;
  if (!lm) return online;
  const { logger, now, random } = config as TrackingRuntime;
  const offline = new LocalModuleAdapter({ ...lm, family: 'local-module', country: config.country, logger, now, random });
  return new ParallelCheck(online, offline);
}
