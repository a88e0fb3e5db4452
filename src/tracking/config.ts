/**
 * Adapter configuration: one zod schema (validated at the edge), country profiles with the defaults
 * from reference/tracking-systems.md, and every unconfirmed fact (paths, request shapes, limits,
 * dictionary values) exposed as a setting.
 */
import { z } from 'zod';
import type { Logger } from './http.js';
import type { Signer } from './signer.js';

const retrySchema = z
  .object({
    retries: z.number().int().min(0),
    baseDelayMs: z.number().min(0),
    maxDelayMs: z.number().min(0),
    maxRetryAfterMs: z.number().min(0),
    maxTotalMs: z.number().min(0),
  })
  .partial();

const limitsSchema = z
  .object({
    /** Codes per code-info call (the adapter splits longer lists). */
    maxCodesPerCheck: z.number().int().min(1),
    /** Codes per document (the adapter refuses longer documents; see splitDocument). */
    maxCodesPerDocument: z.number().int().min(1),
    /** Client-side request rate; null = unlimited. */
    requestsPerMinute: z.number().positive().nullable(),
    /** Requests allowed back to back after idling. */
    burst: z.number().int().min(1),
    /** Calls in flight at once; null = unlimited. */
    maxConcurrency: z.number().int().min(1).nullable(),
  })
  .partial();

const common = {
  country: z.enum(['KZ', 'RU', 'UZ']).optional(),
  /** Base URL of the system (or of the emulator). */
  baseUrl: z.string().url(),
  /** Per-attempt timeout for ordinary calls. */
  timeoutMs: z.number().int().positive().default(15_000),
  /** Per-attempt timeout for pre-sale checks (RU budget is 1.5 s end to end). */
  checkTimeoutMs: z.number().int().positive().default(1_500),
  /** Seller BIN/INN written into documents. */
  sellerTin: z.string().optional(),
  limits: limitsSchema.optional(),
  retry: retrySchema.optional(),
};

export const xtraceConfigSchema = z.object({
  family: z.literal('xtrace'),
  ...common,
  login: z.string().optional(),
  password: z.string().optional(),
  /** UZ: a static API key sent as Bearer, instead of login/password. */
  apiKey: z.string().optional(),
  /** Place of business (МОД); strings are normalised to int. */
  businessPlaceId: z.union([z.number().int(), z.string().regex(/^\d+$/)]).optional(),
  /** Use `cod/private/codes` (needs MARKING-CODE.READ; falls back to public on 307). */
  usePrivateCodes: z.boolean().default(false),
  /** [S] One guide says `public/codes` needs no auth; other clients send a token. Default: send it. */
  publicCodesAuth: z.boolean().default(true),
  /** `public/codes` body: `{codes:[…]}` (default) or a bare array (seen in one client). */
  codesRequestShape: z.enum(['object', 'array']).default('object'),
  /** Send `X-Business-Place-Id` on every call (some UZ clients do). */
  sendBusinessPlaceHeader: z.boolean().default(false),
  withdrawalReason: z.string().default('OTHER'),
  /** [I] No retail return document is documented for xTrace; path and type are settings. */
  returnDocumentType: z.string().default('RETURN'),
  paths: z
    .object({
      authenticate: z.string(),
      refresh: z.string(),
      publicCodes: z.string(),
      privateCodes: z.string(),
      withdrawal: z.string(),
      return: z.string(),
      search: z.string(),
      document: z.string(),
      errors: z.string(),
      json: z.string(),
    })
    .partial()
    .optional(),
});

export const trueApiConfigSchema = z.object({
  family: z.literal('true-api'),
  ...common,
  /** v3 API root relative to baseUrl. */
  v3Path: z.string().default('/api/v3/true-api'),
  /** v4 API root relative to baseUrl (doc info, CDN paths). */
  v4Path: z.string().default('/api/v4/true-api'),
  /** ККТ token for permissive-mode `codes/check`. Without it checks use `cises/info`. */
  apiKey: z.string().optional(),
  fiscalDriveNumber: z.string().optional(),
  /** INN sent at sign-in (МЧД with several companies) and as the document's seller. */
  inn: z.string().optional(),
  /** Absolute URL of the CDN host list; default: cdn.crpt.ru for RU production, else `<baseUrl><v4Path>/cdn/info`; null = baseUrl is the only host. */
  cdnInfoUrl: z.string().url().nullable().optional(),
  /** Refresh the host list after this long (reference: 6–7 h). */
  cdnRefreshMs: z.number().int().positive().default(6 * 3600_000),
  /** Skip a failed host for this long. */
  cdnHostCooldownMs: z.number().int().min(0).default(60_000),
  /** Product group query parameter (`pg`) for cises/info and documents. */
  productGroup: z.string().optional(),
  /** Token lifetime when the token does not say (reference: ≤ 10 h). */
  tokenTtlMs: z.number().int().positive().default(10 * 3600_000),
  /** `action` of LK_RECEIPT. */
  receiptAction: z.string().default('RETAIL'),
  /** [I] `return_type` of LP_RETURN for a retail return. */
  returnType: z.string().default('RETAIL_RETURN'),
  /** [I] Code form in LK_RECEIPT `products[].cis`: the KI (default) or the full KM. */
  documentCodeForm: z.enum(['ki', 'km']).default('ki'),
  /** Codes per `codes/check` call (clients use 100; the official maximum is open). */
  maxCodesPerCodesCheck: z.number().int().min(1).default(100),
});

export const trackingConfigSchema = z.discriminatedUnion('family', [xtraceConfigSchema, trueApiConfigSchema]);

/** Inferred family: RU → true-api, KZ/UZ → xtrace (KZ ISMET needs `family: 'true-api'`). */
export function inferFamily(input: { family?: unknown; country?: unknown }): 'xtrace' | 'true-api' {
  if (input.family === 'xtrace' || input.family === 'true-api') return input.family;
  return input.country === 'RU' ? 'true-api' : 'xtrace';
}

/** For config files: the family may be left out when the country decides it. */
export const trackingConfigInputSchema = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) ? { ...v, family: inferFamily(v as Record<string, unknown>) } : v),
  trackingConfigSchema,
);

/** Things that are not plain data: signer, logger, clocks. */
export interface TrackingRuntime {
  /** Signs auth challenges and documents. `'test'` = the test signer (only sensible against the emulator). */
  signer?: Signer | 'test';
  logger?: Logger;
  /** Wall clock (epoch ms) for token expiry; injectable for tests. */
  now?: () => number;
  /** Jitter source; injectable for tests. */
  random?: () => number;
}

export type XtraceConfig = z.input<typeof xtraceConfigSchema> & TrackingRuntime;
export type TrueApiConfig = z.input<typeof trueApiConfigSchema> & TrackingRuntime;

/** What callers pass to createTrackingSystem: the family may be left out when the country decides it. */
export type TrackingConfig =
  | XtraceConfig
  | TrueApiConfig
  | (Omit<z.input<typeof xtraceConfigSchema>, 'family'> & TrackingRuntime & { family?: undefined; country: 'KZ' | 'UZ' })
  | (Omit<z.input<typeof trueApiConfigSchema>, 'family'> & TrackingRuntime & { family?: undefined; country: 'RU' });

export type Limits = Required<z.infer<typeof limitsSchema>>;

/** Country defaults (reference §8): UZ 100 req/min and ≤ 2 concurrent; RU 50 req/s; 30 000 codes per document. */
export function defaultLimits(family: 'xtrace' | 'true-api', country: string | undefined): Limits {
  if (family === 'true-api') {
    return { maxCodesPerCheck: 1000, maxCodesPerDocument: 30_000, requestsPerMinute: 3000, burst: 5, maxConcurrency: null };
  }
  if (country === 'UZ') {
    return { maxCodesPerCheck: 1000, maxCodesPerDocument: 30_000, requestsPerMinute: 100, burst: 1, maxConcurrency: 2 };
  }
  // KZ xTrace: rate limits "not specified"; stay polite.
  return { maxCodesPerCheck: 1000, maxCodesPerDocument: 30_000, requestsPerMinute: null, burst: 1, maxConcurrency: 4 };
}

export function isLoopback(url: string): boolean {
  try {
    const h = new URL(url).hostname;
    return h === '127.0.0.1' || h === 'localhost' || h === '[::1]' || h === '::1';
  } catch {
    return false;
  }
}
