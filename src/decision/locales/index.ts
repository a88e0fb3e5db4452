/**
 * The languages of cashier and store-admin text, defined once. Everything else (the config and API
 * enums, OpenAPI, the status page, `tanba demo --lang`) derives from `LANGUAGES` and `LOCALES`.
 *
 * To add a language: write `<tag>.ts` next to this file, exporting a `Locale` (copy en.ts), then add
 * the tag to `LANGUAGES` and the object to `LOCALES` below; the compiler and
 * test/decision/locales.test.ts point at anything missing.
 */
import { en } from './en.js';
import { kk } from './kk.js';
import { ru } from './ru.js';
import type { Locale } from './types.js';
import { uz } from './uz.js';

export type { Locale, PageKey, ReasonCode, ReasonText } from './types.js';

/** Order = the status page's language switch. */
export const LANGUAGES = ['kk', 'ru', 'en', 'uz'] as const;
export type Language = (typeof LANGUAGES)[number];

export const LOCALES: { readonly [L in Language]: Locale } = { kk, ru, en, uz };

export function isLanguage(x: unknown): x is Language {
  return typeof x === 'string' && (LANGUAGES as readonly string[]).includes(x);
}

/** The locale of a language. */
export function locale(lang: Language): Locale {
  return LOCALES[lang];
}
