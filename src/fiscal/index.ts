/**
 * fiscal/ — the FiscalChannel interface and one folder per channel: webkassa and rekassa (KZ cloud
 * cash registers), external (the POS fiscalises itself). `createChannel` builds one from its
 * validated register configuration.
 */
export * from './types.js';
export { createExternalChannel, EXTERNAL } from './external.js';
