/**
 * Cashier-facing text for every decision reason code, from the locale files (decision/locales/).
 * Reason codes are stable API: tills and the agent key on them; the text may be reworded.
 */
import { LOCALES, type Language, type ReasonCode } from './locales/index.js';
import type { Reason } from './types.js';

export type { ReasonCode };

export const REASON_CODES = Object.keys(LOCALES.en.reasons) as ReasonCode[];

/** A Reason in the given language. */
export function reason(code: ReasonCode, lang: Language, variant?: 'deny'): Reason {
  const l = LOCALES[lang];
  const t = code === 'not-checked' && variant === 'deny' ? l.notCheckedDeny : l.reasons[code];
  return t.remedy ? { code, message: t.message, remedy: t.remedy } : { code, message: t.message };
}
