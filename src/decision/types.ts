/** Sale-permission contracts (see DESIGN.md, "Decision"). */
import type { ParseResult } from '../marking/types.js';

export type Verdict = 'allow' | 'deny' | 'unknown';
/** The languages of cashier text: defined once, in decision/locales/. */
export type { Language } from './locales/index.js';

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
  /**
   * RU: what the receipt line must carry from the check that decided (industry requisite, tag 1260:
   * 1262 `fois`, 1263 `date`, 1264 `number`, 1265 `value`). Absent when no live answer had a request id.
   */
  requisites?: Requisites;
}

/** FFD 1.2 industry requisite 1260 from a RU check: `value` = `UUID=<reqId>&Time=<reqTimestamp>[&Inst=…&Ver=…]`. */
export interface Requisites {
  fois: string;
  date: string;
  number: string;
  value: string;
}
