/**
 * `tanba/fiscal` — the fiscal channels built from a configuration (Webkassa, re:Kassa, ATOL, the UZ
 * fiscal module, Multikassa, external, forward). Kept out of the root entry: the HTTP channels load
 * axios. The channel contract (`FiscalChannel`, `FiscalError`, `createExternalChannel`) is also in
 * the root.
 */
export * from '../fiscal/index.js';
export { createChannel, fiscalConfigSchema, FISCAL_CHANNELS, type FiscalConfig, type FiscalConfigInput, type ChannelLogger } from '../fiscal/create.js';
