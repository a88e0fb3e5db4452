/**
 * The locales (src/decision/locales/): every language has every key English has, with the same
 * placeholders, and every place that names the languages takes them from `LANGUAGES`.
 */
import { describe, expect, it } from 'vitest';
import { checkBodySchema } from '../../src/agent/api-schemas.js';
import { agentConfigSchema } from '../../src/agent/config.js';
import { buildOpenApi } from '../../src/agent/openapi.js';
import { statusPageHtml, statusPageLanguages } from '../../src/agent/status-page.js';
import { isLanguage, LANGUAGES, LOCALES } from '../../src/decision/locales/index.js';
import { reason, REASON_CODES } from '../../src/decision/messages.js';

type Tree = { [k: string]: Tree | string };

/** Every leaf path of `ref` that `other` lacks (or has empty), and every leaf path `other` has that `ref` lacks. */
function keyDiff(ref: unknown, other: unknown, at = ''): { missing: string[]; extra: string[] } {
  const missing: string[] = [];
  const extra: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (typeof a === 'string') {
      if (typeof b !== 'string' || b.trim() === '') missing.push(path);
      return;
    }
    const ta = a as Tree;
    const tb = (b && typeof b === 'object' ? b : {}) as Tree;
    for (const k of Object.keys(ta)) walk(ta[k], tb[k], path ? `${path}.${k}` : k);
    for (const k of Object.keys(tb)) if (!(k in ta)) extra.push(path ? `${path}.${k}` : k);
  };
  walk(ref, other, at);
  return { missing, extra };
}

const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('locales', () => {
  it('are kk, ru, en and uz, one object each', () => {
    expect([...LANGUAGES]).toEqual(['kk', 'ru', 'en', 'uz']);
    expect(Object.keys(LOCALES).sort()).toEqual([...LANGUAGES].sort());
    for (const l of LANGUAGES) expect(isLanguage(l)).toBe(true);
    for (const x of ['de', 'uz-Cyrl', '', undefined, 3]) expect(isLanguage(x)).toBe(false);
  });

  it.each(LANGUAGES.filter((l) => l !== 'en'))('%s has every key English has, and no other', (l) => {
    expect(keyDiff(LOCALES.en, LOCALES[l])).toEqual({ missing: [], extra: [] });
  });

  it('the completeness check catches a missing key', () => {
    const { 'st:blocked': _dropped, ...page } = LOCALES.uz.page;
    const { blocked: _reason, ...reasons } = LOCALES.uz.reasons;
    const { remedy: _remedy, ...expired } = LOCALES.uz.reasons.expired;
    const broken = { ...LOCALES.uz, page, reasons: { ...reasons, expired } };
    expect(keyDiff(LOCALES.en, broken).missing.sort()).toEqual(['page.st:blocked', 'reasons.blocked.message', 'reasons.blocked.remedy', 'reasons.expired.remedy']);
  });

  it.each(LANGUAGES)('%s keeps the placeholders of every status-page string', (l) => {
    for (const [k, v] of Object.entries(LOCALES.en.page)) expect(placeholders(LOCALES[l].page[k as keyof typeof LOCALES.en.page]), k).toEqual(placeholders(v));
  });

  it('words every reason differently in each language', () => {
    for (const code of REASON_CODES) {
      const texts = LANGUAGES.map((l) => reason(code, l));
      expect(new Set(texts.map((t) => t.message)).size, code).toBe(LANGUAGES.length);
      for (const t of texts) expect(t.code).toBe(code);
    }
    expect(new Set(LANGUAGES.map((l) => reason('not-checked', l, 'deny').message)).size).toBe(LANGUAGES.length);
  });
});

describe('Uzbek', () => {
  it('is in Latin script (only the Russian system name ТС ПИоТ stays Cyrillic)', () => {
    const all: string[] = [];
    const collect = (v: unknown): void => {
      if (typeof v === 'string') all.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    collect(LOCALES.uz);
    for (const s of all) expect(s.replaceAll('ТС ПИоТ', ''), s).not.toMatch(/[\u0400-\u04ff]/);
    // oʻ / gʻ with the modifier letter, not an ASCII quote.
    for (const s of all) expect(s, s).not.toMatch(/[og]'/i);
  });

  it('tells the cashier what to do', () => {
    expect(reason('already-sold', 'uz').message).toContain('Kod allaqachon sotilgan');
    expect(reason('already-sold', 'uz').remedy).toContain('Tovarni sotmang');
    expect(reason('blocked', 'uz').message).toContain('bloklangan');
    expect(reason('not-checked', 'uz', 'deny').message).toContain('taqiqlaydi');
    expect(reason('cached-status', 'uz').remedy).toBeUndefined();
    expect(LOCALES.uz.page['st:blocked']).toMatch(/^kassa bloklangan/i);
  });
});

describe('the language list is defined once', () => {
  it('drives the config, the API body, OpenAPI and the status page', () => {
    expect(agentConfigSchema.parse({ language: 'uz' }).language).toBe('uz');
    expect(agentConfigSchema.safeParse({ language: 'de' }).success).toBe(false);
    expect(checkBodySchema.parse({ code: 'x', language: 'uz' }).language).toBe('uz');
    expect(checkBodySchema.safeParse({ code: 'x', language: 'de' }).success).toBe(false);

    const api = buildOpenApi({ version: 't', tokenRequired: false }) as { paths: Record<string, Record<string, { parameters?: { name: string; schema: { enum?: string[] } }[] }>> };
    expect(api.paths['/v1/events'].get.parameters?.find((p) => p.name === 'lang')?.schema.enum).toEqual([...LANGUAGES]);
    expect(JSON.stringify(api)).toContain('"uz"');

    expect([...statusPageLanguages]).toEqual([...LANGUAGES]);
    for (const l of LANGUAGES) expect(statusPageHtml).toContain(`<button data-lang="${l}">${LOCALES[l].label}</button>`);
    // The page's strings are the locale files', not copies.
    for (const l of LANGUAGES) expect(statusPageHtml).toContain(JSON.stringify(LOCALES[l].page['p:fiscal-blocked']));
    expect(statusPageHtml).toContain('"uz-Latn-UZ"');
  });
});
