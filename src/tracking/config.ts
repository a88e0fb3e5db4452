/**
 * Adapter configuration: one zod schema (validated at the edge), country profiles with the defaults
 * from reference/tracking-systems.md, and every unconfirmed fact (paths, request shapes, limits,
 * dictionary values) exposed as a setting.
 */
import { z } from 'zod';
import type { Logger } from './http.js';
import type { Signer } from './signer.js';
import type { TrackingFamily } from './types.js';

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
  /**
   * Sign document bodies with the test signer (emulator demos only). The official description says
   * `signature` is "reserved, not passed", so by default no signature is sent; a runtime `signer`
   * (or `'test'`) is used when given. Never inferred from the URL.
   */
  testSigner: z.boolean().default(false),
  /** [S] Code form sent to `public/codes`: the KI (UZ answers `[]` for a code with its crypto tail; the KZ client strips too) or the full KM. */
  checkCodeForm: z.enum(['ki', 'km']).default('ki'),
  /** [I] `extendedStatus` values under which an INTRODUCED code may not be sold. */
  notSellableExtendedStatuses: z.array(z.string()).default(['WAIT_SHIPMENT', 'CUSTOMS_CONTROL']),
  /** `productGroupId` (integer) → the product group name tanba uses (e.g. `{ "5": "tobacco" }`); unmapped ids give no group. */
  productGroupNames: z.record(z.string(), z.string()).default({}),
  /** Document search: `types` filter, page size and a page cap (a capped search is "unknown", never "absent"). */
  searchTypes: z.array(z.string().min(1)).default(['WITHDRAWAL']),
  searchPageSize: z.number().int().min(1).max(10_000).default(100),
  searchMaxPages: z.number().int().min(1).default(100),
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

/**
 * The Local Module (ЛМ ЧЗ, RU offline check) connection: `outCheck` with Basic auth (or v17+
 * `Token <uuid>` issued by ТС ПИоТ) and `X-ClientId` (the FN number) on every call. Used alone
 * (`family: 'local-module'`) or as `localModule` beside an online check (the combined mode).
 */
export const localModuleFields = {
  /** Default: the module's usual local address. */
  baseUrl: z.string().url().default('http://127.0.0.1:5995'),
  login: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  /** v17+: the token ТС ПИоТ issued (sent as `Authorization: Token <uuid>` instead of Basic). */
  token: z.string().min(1).optional(),
  /** `X-ClientId`: the fiscal drive (FN) number of this till. */
  clientId: z.string().min(1),
  timeoutMs: z.number().int().positive().default(5_000),
  /** Per-attempt timeout of `outCheck` (the decision budget governs anyway). */
  checkTimeoutMs: z.number().int().positive().default(1_500),
  /** [S] `POST /api/v2/cis/outCheck {cis_list}` (reference); one client uses `GET /api/v1/cis/outCheck?cis=`. */
  outCheckPath: z.string().default('/api/v2/cis/outCheck'),
  outCheckMethod: z.enum(['POST', 'GET']).default('POST'),
  statusPath: z.string().default('/api/v1/status'),
  /** [I] Code form in `cis_list[].cis`: the full KM (default) or the KI. */
  codeForm: z.enum(['km', 'ki']).default('km'),
  /** `pg` sent with each code (the module's product group id or name); absent: not sent. */
  productGroup: z.union([z.string().min(1), z.number().int()]).optional(),
  /** Warn this many hours after the last successful sync (the module stops at `syncLimitHours`). */
  syncWarnHours: z.number().positive().default(48),
  /** Reference: 72 h without a successful sync puts the module into `sync_error`. */
  syncLimitHours: z.number().positive().default(72),
  maxCodesPerCheck: z.number().int().min(1).default(100),
};

export const localModuleConnectionSchema = z.object(localModuleFields);

export const localModuleConfigSchema = z.object({
  family: z.literal('local-module'),
  country: z.enum(['KZ', 'RU', 'UZ']).optional(),
  sellerTin: z.string().optional(),
  limits: limitsSchema.optional(),
  retry: retrySchema.optional(),
  ...localModuleFields,
});

export const tspiotConfigSchema = z.object({
  family: z.literal('tspiot'),
  country: z.enum(['KZ', 'RU', 'UZ']).optional(),
  /** Local API of the ТС ПИоТ (ESM): default `http://127.0.0.1:51077`. */
  baseUrl: z.string().url().default('http://127.0.0.1:51077'),
  /** Timeout of `info` and other non-check calls. */
  timeoutMs: z.number().int().positive().default(5_000),
  /** Per-attempt timeout of `codes/check` (RU budget 1.5 s end to end). */
  checkTimeoutMs: z.number().int().positive().default(1_500),
  sellerTin: z.string().optional(),
  limits: limitsSchema.optional(),
  retry: retrySchema.optional(),
  /** `client_info.token`: the access key of this cash software at the ТС ПИоТ. */
  token: z.string().min(1).optional(),
  /** Accepted as the token when `token` is absent (the agent's `tracking.apiKey` / TANBA_TRACKING_API_KEY). */
  apiKey: z.string().min(1).optional(),
  /** [S] `v1`: `api/v1/codes/check {codes:[KM], client_info}`; `v3` (FMU-API): `codes:[{cis: base64(KM), pg}]`. */
  protocol: z.enum(['v1', 'v3']).default('v1'),
  /** [S] How codes travel: `raw` KM with GS (reference, v1 default) or `base64` of it (v3 default; one v1 client does it too). */
  codeEncoding: z.enum(['raw', 'base64']).optional(),
  /** `client_info.name`. */
  clientName: z.string().min(1).default('tanba'),
  /** `client_info.version`; default: tanba's package version. */
  clientVersion: z.string().min(1).optional(),
  /** `client_info.id`: this installation's id; default: a stable id derived from the host name. */
  installId: z.string().min(1).optional(),
  /** v3 `pg` for every code; default: the product group the marking engine reads from the code, if any. */
  productGroup: z.string().min(1).optional(),
  paths: z.object({ check: z.string(), info: z.string() }).partial().optional(),
  maxCodesPerCheck: z.number().int().min(1).default(100),
  /** The combined mode: also ask this Local Module (`outCheck`) in parallel under the same budget. */
  localModule: localModuleConnectionSchema.optional(),
});

/** The direct CDN mode may be combined with a Local Module too (reference §5.2, stores without a ТС ПИоТ). */
export const trueApiWithLocalModuleSchema = trueApiConfigSchema.extend({ localModule: localModuleConnectionSchema.optional() });

export const trackingConfigSchema = z.discriminatedUnion('family', [
  xtraceConfigSchema,
  trueApiWithLocalModuleSchema,
  tspiotConfigSchema,
  localModuleConfigSchema,
]);

const FAMILIES = new Set(['xtrace', 'true-api', 'tspiot', 'local-module']);

/**
 * Inferred family: an explicit `family` wins; otherwise RU → true-api (kept for SDK callers that
 * pass `{ country: 'RU', apiKey }`; the agent picks `tspiot` for RU itself), KZ/UZ → xtrace
 * (KZ ISMET needs `family: 'true-api'`).
 */
export function inferFamily(input: { family?: unknown; country?: unknown }): TrackingFamily {
  if (typeof input.family === 'string' && FAMILIES.has(input.family)) return input.family as TrackingFamily;
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
export type TrueApiConfig = z.input<typeof trueApiConfigSchema> & TrackingRuntime & { localModule?: LocalModuleConnection };
export type TsPiotConfig = z.input<typeof tspiotConfigSchema> & TrackingRuntime;
export type LocalModuleConfig = z.input<typeof localModuleConfigSchema> & TrackingRuntime;
export type LocalModuleConnection = z.input<typeof localModuleConnectionSchema>;

/** What callers pass to createTrackingSystem: the family may be left out when the country decides it. */
export type TrackingConfig =
  | XtraceConfig
  | TrueApiConfig
  | TsPiotConfig
  | LocalModuleConfig
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
