/**
 * Decisions in the reader's language: the terminal writes reasons in the configured language; a
 * page or a till that wants another one (any of `LANGUAGES`) gets the same reason codes re-worded.
 */
import { REASON_CODES, reason, type ReasonCode } from '../decision/messages.js';
import { isLanguage, type Language } from '../decision/locales/index.js';
import type { Decision } from '../decision/types.js';

const known = new Set<string>(REASON_CODES);

export { isLanguage };

export function localizeDecision(d: Decision, lang: Language | undefined): Decision {
  if (!lang) return d;
  return {
    ...d,
    reasons: d.reasons.map((r) =>
      known.has(r.code) ? reason(r.code as ReasonCode, lang, r.code === 'not-checked' && d.allowed === false ? 'deny' : undefined) : r,
    ),
  };
}
