/**
 * Decisions in the reader's language: the terminal writes reasons in the configured language; a
 * page or a till that wants another one (kk/ru/en) gets the same reason codes re-worded.
 */
import { REASON_CODES, reason, type ReasonCode } from '../decision/messages.js';
import type { Decision, Language } from '../decision/types.js';

const known = new Set<string>(REASON_CODES);

export function isLanguage(x: unknown): x is Language {
  return x === 'kk' || x === 'ru' || x === 'en';
}

export function localizeDecision(d: Decision, lang: Language | undefined): Decision {
  if (!lang) return d;
  return {
    ...d,
    reasons: d.reasons.map((r) =>
      known.has(r.code) ? reason(r.code as ReasonCode, lang, r.code === 'not-checked' && d.allowed === false ? 'deny' : undefined) : r,
    ),
  };
}
