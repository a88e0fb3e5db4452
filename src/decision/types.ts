/** Sale-permission contracts (see DESIGN.md, "Decision"). */
import type { ParseResult } from '../marking/types.js';

export type Verdict = 'allow' | 'deny' | 'unknown';
export type Language = 'kk' | 'ru' | 'en';

export interface Reason {
  /** Stable code, e.g. `invalid-code`, `not-found`, `already-sold`, `blocked`, `expired`, `timeout`. */
  code: string;
  /** Message for the cashier, in the configured language. */
  message: string;
  remedy?: string;
}

export interface Decision {
  code: ParseResult;
  verdict: Verdict;
  /**
   * May the till proceed: true for `allow`, and for `unknown` under the default policy
   * (allow with a warning); false for `deny`.
   */
  allowed?: boolean;
  reasons: Reason[];
  source: 'online' | 'local' | 'none';
  checkedAt: string;
  latencyMs: number;
}
