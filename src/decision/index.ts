/**
 * decision/ — may this item be sold? The online status check and local knowledge (codes sold here,
 * cached statuses, block lists) run in parallel under a time budget; the rules are a pure function;
 * reasons carry cashier text in Kazakh, Russian and English.
 */
export type * from './types.js';
export { createDecider, DEFAULT_BUDGET_MS, type Decider, type DeciderOptions, type CheckOptions } from './decider.js';
export { decide, isExpired, localDate, type RuleInput, type RuleOutcome, type RuleSettings, type UnknownPolicy } from './rules.js';
export { reason, REASON_CODES, type ReasonCode } from './messages.js';
export { BlockList, StatusCache, type SoldHereLookup } from './local-knowledge.js';
