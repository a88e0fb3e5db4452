/**
 * One register's `fiscal` configuration → its channel (webkassa, rekassa: KZ cloud cash registers;
 * atol: RU fiscal registers through ATOL's web server; uz-fiscal-module, multikassa: UZ; external: the POS fiscalises; forward: the chain's store). The schema is the union of the channels'
 * own schemas (each folder owns its keys); the agent and `openTerminal` validate with it.
 */
import { z } from 'zod';
import { atolConfigSchema } from './atol/config.js';
import { createAtolChannel } from './atol/index.js';
import { createExternalChannel } from './external.js';
import { createMultikassaChannel, multikassaConfigSchema } from './multikassa/index.js';
import { createUzFiscalModuleChannel, uzFiscalModuleConfigSchema } from './uz-fiscal-module/index.js';
import { createForwardChannel, forwardConfigSchema } from './forward/index.js';
import { rekassaConfigSchema } from './rekassa/config.js';
import { createRekassaChannel } from './rekassa/index.js';
import type { FiscalChannel } from './types.js';
import { webkassaConfigSchema } from './webkassa/config.js';
import { createWebkassaChannel } from './webkassa/index.js';

export const externalConfigSchema = z.object({ channel: z.literal('external') }).strict();

export const fiscalConfigSchema = z.discriminatedUnion('channel', [webkassaConfigSchema, rekassaConfigSchema, atolConfigSchema, uzFiscalModuleConfigSchema, multikassaConfigSchema, externalConfigSchema, forwardConfigSchema]);

export type FiscalConfig = z.output<typeof fiscalConfigSchema>;
export type FiscalConfigInput = z.input<typeof fiscalConfigSchema>;

/** The channels a register can be configured with (as `fiscal.channel`). */
export const FISCAL_CHANNELS = ['webkassa', 'rekassa', 'atol', 'uz-fiscal-module', 'multikassa', 'external', 'forward'] as const;

export interface ChannelLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export function createChannel(config: FiscalConfig, deps: { logger?: ChannelLogger; now?: () => number } = {}): FiscalChannel {
  switch (config.channel) {
    case 'webkassa':
      return createWebkassaChannel(config, deps);
    case 'rekassa':
      return createRekassaChannel(config, deps);
    case 'atol':
      return createAtolChannel(config, deps);
    case 'uz-fiscal-module':
      return createUzFiscalModuleChannel(config, deps);
    case 'multikassa':
      return createMultikassaChannel(config, deps);
    case 'external':
      return createExternalChannel();
    case 'forward':
      return createForwardChannel(config, { password: process.env.TANBA_STORE_PASSWORD || undefined });
  }
}
