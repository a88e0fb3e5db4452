/** The shape of a locale: English (en.ts) is the reference, every other locale has exactly its keys. */
import type { en } from './en.js';

/** Stable reason codes: tills and the agent key on them (the text may be reworded). */
export type ReasonCode = keyof typeof en.reasons;
/** Keys of the status page's strings. */
export type PageKey = keyof typeof en.page;

export interface ReasonText {
  readonly message: string;
  readonly remedy?: string;
}

export interface Locale {
  /** The status page's language switch, in the language itself (e.g. "ҚАЗ"). */
  readonly label: string;
  /** BCP 47 tag for dates and times on the status page (e.g. "kk-KZ"). */
  readonly intl: string;
  /** Cashier text per reason code: a message, and a remedy where English has one. */
  readonly reasons: { readonly [C in ReasonCode]: ReasonText };
  /** `not-checked` when the unknown-policy forbids selling unchecked items. */
  readonly notCheckedDeny: ReasonText;
  /** The status page (`GET /`); `{name}` placeholders as in English. */
  readonly page: { readonly [K in PageKey]: string };
}
