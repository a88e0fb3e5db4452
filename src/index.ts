/**
 * tanba — public SDK surface. Everything a POS vendor imports comes from here.
 */
export * from './marking/index.js';
export * from './scan/index.js';
export * from '../drivers/index.js';
