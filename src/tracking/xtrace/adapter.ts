/**
 * xTrace adapter — Kazakhstan (markirovka.kz) and Uzbekistan (Asl Belgisi), after the official KZ
 * description ("Описание API ИС МПТ, Роль Пользователь", xTrace ver.1.0, 31 Oct 2025).
 * Login/password → `{accessToken, accessTokenType, accessTokenExpiresIn, refreshToken}`, renewed
 * before expiry and on 401/inactive-token (UZ may use a static API key instead); `Accept: *\/*` on
 * every call. Code info: the KI (no crypto tail) to `cod/public/codes` — a code the system does not
 * know is omitted from its answer — or to `cod/private/codes` for the owner and the sale date, falling
 * back to public on 307. Documents: base64 of sorted-key JSON (`signature` is reserved, not passed,
 * unless a signer is configured); answer `{documentId}`. Status and reconciliation through the
 * document storage: `docs/search` → `{documentInfos}` with the UUID cursor and the `types` filter,
 * `docs/:id`, `errors/:id` → `{documentErrors}`, `json/:id`.
 */
import { z } from 'zod';
import type { ParseResult } from '../../marking/types.js';
import { chunk } from '../batch.js';
import { canonicalJson, fromBase64, toBase64 } from '../canonical-json.js';
import { BoundedMap, loginError, num, SOLD_STATUSES, str, upper, withToken } from '../common.js';
import { defaultLimits, xtraceConfigSchema, type Limits, type XtraceConfig } from '../config.js';
import { TrackingError } from '../errors.js';
import { HttpClient, type Logger } from '../http.js';
import { cutKi, deriveKi } from '../ki.js';
import { createTestSigner, type Signer } from '../signer.js';
import { TokenManager, type IssuedToken } from '../token.js';
import type {
  CodeStatus,
  DocumentInfo,
  DocumentState,
  OutgoingDocument,
  TrackingHealth,
  TrackingSystem,
} from '../types.js';

export const XTRACE_PATHS = {
  authenticate: '/api/users/authenticate',
  refresh: '/api/users/tokens/refresh',
  publicCodes: '/public/api/cod/public/codes',
  privateCodes: '/public/api/cod/private/codes',
  withdrawal: '/public/api/v1/doc/withdrawal',
  /** [I] not documented; see config `paths.return`. */
  return: '/public/api/v1/doc/return',
  search: '/public/api/v1/doc/storage/docs/search',
  document: '/public/api/v1/doc/storage/docs/:id',
  errors: '/public/api/v1/doc/storage/errors/:id',
  json: '/public/api/v1/doc/storage/json/:id',
};

/** Token pair: `{accessToken, accessTokenType: "BEARER", accessTokenExpiresIn: "1800000", refreshToken}`. */
const tokenAnswer = z.looseObject({
  accessToken: z.string().min(1),
  accessTokenType: z.string().optional(),
  accessTokenExpiresIn: z.union([z.string(), z.number()]).optional(),
  refreshToken: z.string().optional(),
});

const codeItem = z.looseObject({ code: z.string().optional() });
/** `public/codes`: a list of items (one per code the system knows). */
const codesAnswer = z.union([z.array(codeItem), z.looseObject({ codes: z.array(codeItem) })]);
/** `private/codes`: `{results: [{codeData, packageData, markingData, turnoverData, productData, codeHistory}]}`. */
const privateAnswer = z.looseObject({ results: z.array(z.unknown()) });

const id = z.union([z.string().min(1), z.number()]).transform(String);
/** Submit answer: `{documentId}`. */
const docAnswer = z.looseObject({ documentId: id });
/** `docs/:id`: `{documentId, originalDocId, documentNumber, type, productGroup, status, createDate}`. */
const storedDoc = z.looseObject({
  documentId: id,
  originalDocId: z.string().nullable().optional(),
  documentNumber: z.string().nullable().optional(),
  type: z.string().optional(),
  productGroup: z.string().nullable().optional(),
  status: z.string(),
  createDate: z.string().optional(),
});
/** `docs/search`: `{documentInfos: [{documentId, type, status, createDate}]}`; the cursor is the last documentId. */
const searchAnswer = z.looseObject({ documentInfos: z.array(storedDoc) });
/** `errors/:id`: `{documentErrors: [{propertyName, index, errorCode, errorTags}]}`. */
const errorItem = z.looseObject({
  propertyName: z.string().nullable().optional(),
  index: z.number().int().nullable().optional(),
  errorCode: z.union([z.string(), z.number()]).nullable().optional(),
  errorTags: z.unknown().optional(),
});
const errorsAnswer = z.looseObject({ documentErrors: z.array(errorItem) });

/** Codes per `errors/:id` page (`limit`, then `lastIndex`). */
const ERRORS_PAGE = 1000;

const STATE: Record<string, DocumentState> = {
  CREATED: 'created',
  VALIDATING: 'in-process',
  IN_PROCESS: 'in-process',
  PARTIALLY_PROCESSED: 'partial',
  SUCCESS: 'success',
  ERROR: 'error',
};

interface SentDoc {
  reference: string | null;
  codes: string[];
}

export class XtraceAdapter implements TrackingSystem {
  readonly family = 'xtrace' as const;
  readonly limits: TrackingSystem['limits'];
  readonly http: HttpClient;
  readonly tokens: TokenManager | null;
  private readonly cfg: z.infer<typeof xtraceConfigSchema>;
  private readonly paths: typeof XTRACE_PATHS;
  private readonly signer: Signer | null;
  private readonly now: () => number;
  private readonly fullLimits: Limits;
  private privateAllowed: boolean;
  private readonly facts: FactSettings;
  private readonly sent = new BoundedMap<string, SentDoc>(10_000);
  private readonly logger: Logger | undefined;

  constructor(config: XtraceConfig) {
    const { signer, logger, now, random, ...data } = config;
    this.logger = logger;
    this.cfg = xtraceConfigSchema.parse(data);
    this.paths = { ...XTRACE_PATHS, ...this.cfg.paths };
    this.now = now ?? Date.now;
    this.fullLimits = { ...defaultLimits('xtrace', this.cfg.country), ...this.cfg.limits };
    this.limits = {
      maxCodesPerCheck: this.fullLimits.maxCodesPerCheck,
      maxCodesPerDocument: this.fullLimits.maxCodesPerDocument,
      requestsPerMinute: this.fullLimits.requestsPerMinute,
    };
    // Chosen explicitly (`signer`, or `testSigner: true`), never from the URL. None = no signature sent.
    this.signer = signer === 'test' || (signer === undefined && this.cfg.testSigner) ? createTestSigner({ subject: this.cfg.sellerTin }) : (signer ?? null);
    this.privateAllowed = this.cfg.usePrivateCodes;
    this.facts = {
      notSellableExtended: new Set(this.cfg.notSellableExtendedStatuses.map((x) => x.toUpperCase())),
      groupNames: this.cfg.productGroupNames,
    };
    const headers: Record<string, string> = {};
    if (this.cfg.sendBusinessPlaceHeader && this.cfg.businessPlaceId !== undefined) headers['X-Business-Place-Id'] = String(this.cfg.businessPlaceId);
    this.http = new HttpClient({
      baseURL: this.cfg.baseUrl,
      timeoutMs: this.cfg.timeoutMs,
      retry: this.cfg.retry,
      rateLimit: this.fullLimits.requestsPerMinute ? { perMinute: this.fullLimits.requestsPerMinute, burst: this.fullLimits.burst } : null,
      maxConcurrency: this.fullLimits.maxConcurrency,
      headers,
      logger,
      random,
    });
    if (this.cfg.apiKey) {
      this.tokens = null;
    } else {
      if (!this.cfg.login || !this.cfg.password) throw new TypeError('xtrace: login and password (or apiKey) are required');
      this.tokens = new TokenManager(
        { login: () => this.login(), refresh: (rt) => this.refresh(rt) },
        { now: this.now },
      );
    }
  }

  // ---- auth -------------------------------------------------------------------------------

  private toIssued(a: z.infer<typeof tokenAnswer>): IssuedToken {
    // `accessTokenExpiresIn` is milliseconds as a string ("1800000" = 30 min); no refresh lifetime is documented.
    const ttl = num(a.accessTokenExpiresIn);
    if (a.accessTokenType !== undefined && a.accessTokenType.toUpperCase() !== 'BEARER') {
      this.logger?.warn({ accessTokenType: a.accessTokenType }, 'xtrace: unexpected accessTokenType; sending it as Bearer');
    }
    return {
      value: a.accessToken,
      expiresAt: this.now() + (ttl !== null && ttl > 0 ? ttl : 1_800_000),
      ...(a.refreshToken ? { refreshToken: a.refreshToken } : {}),
    };
  }

  private async login(): Promise<IssuedToken> {
    try {
      const res = await this.http.request({
        method: 'POST',
        url: this.paths.authenticate,
        data: { login: this.cfg.login, password: this.cfg.password },
        idempotent: true,
        schema: tokenAnswer,
      });
      return this.toIssued(res.data);
    } catch (e) {
      throw loginError(e, 'xtrace');
    }
  }

  private async refresh(refreshToken: string): Promise<IssuedToken> {
    const res = await this.http.request({
      method: 'POST',
      url: this.paths.refresh,
      data: new URLSearchParams({ refreshToken }).toString(),
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      idempotent: true,
      retry: false,
      schema: tokenAnswer,
    });
    return this.toIssued(res.data);
  }

  private authed<T>(fn: (headers: Record<string, string>) => Promise<T>): Promise<T> {
    if (!this.tokens) return fn({ Authorization: `Bearer ${this.cfg.apiKey}` });
    return withToken(this.tokens, (token) => fn({ Authorization: `Bearer ${token}` }), this.logger);
  }

  // ---- code info ----------------------------------------------------------------------------

  /** The form `public/codes` accepts: the KI (no crypto tail), or the KM when `checkCodeForm: 'km'`. */
  checkForm(code: ParseResult): string {
    if (this.cfg.checkCodeForm === 'km') return code.km ?? code.ki ?? '';
    return code.ki ?? (code.km ? cutKi(code.km) : '');
  }

  /** Statuses for `codes` (any form; a KM is cut to its KI unless `checkCodeForm: 'km'`), one per code, in order. */
  async checkCodes(codes: string[], opts: { signal?: AbortSignal } = {}): Promise<CodeStatus[]> {
    const out: CodeStatus[] = [];
    for (const part of chunk(codes, this.fullLimits.maxCodesPerCheck)) {
      out.push(...(await this.checkChunk(part, opts.signal)));
    }
    return out;
  }

  private wireForm(code: string): string {
    return this.cfg.checkCodeForm === 'km' ? code : deriveKi(code);
  }

  private async checkChunk(codes: string[], signal?: AbortSignal): Promise<CodeStatus[]> {
    if (codes.length === 0) return [];
    const wire = codes.map((c) => this.wireForm(c));
    if (this.privateAllowed) {
      const res = await this.authed((headers) =>
        this.http.request({
          method: 'POST',
          url: this.paths.privateCodes,
          data: { codes: wire },
          headers,
          idempotent: true,
          timeoutMs: this.cfg.checkTimeoutMs,
          signal,
          acceptStatus: [307],
        }),
      );
      if (res.status === 307) {
        this.privateAllowed = false; // no MARKING-CODE.READ permission: use public from now on
        this.logger?.warn({}, 'tracking: cod/private/codes redirected (no MARKING-CODE.READ); using cod/public/codes');
      } else {
        const parsed = privateAnswer.safeParse(res.data);
        if (!parsed.success) throw new TrackingError('permanent', 'bad-answer', 'xtrace private codes: unexpected answer (no results)');
        return matchAnswers(codes, parsed.data.results.map((r) => normalisePrivate(r, this.facts)));
      }
    }
    const call = (headers: Record<string, string>) =>
      this.http.request({
        method: 'POST',
        url: this.paths.publicCodes,
        data: this.cfg.codesRequestShape === 'array' ? wire : { codes: wire },
        headers,
        idempotent: true,
        timeoutMs: this.cfg.checkTimeoutMs,
        signal,
        schema: codesAnswer,
      });
    const res = this.cfg.publicCodesAuth ? await this.authed(call) : await call({});
    const d = res.data;
    const items: unknown[] = Array.isArray(d) ? d : d.codes;
    return matchAnswers(codes, items.map((r) => normalisePublic(r, this.facts)));
  }

  // ---- documents ----------------------------------------------------------------------------

  submitSale(doc: OutgoingDocument): Promise<{ documentId: string }> {
    return this.submit(doc, 'sale');
  }

  submitReturn(doc: OutgoingDocument): Promise<{ documentId: string }> {
    return this.submit(doc, 'return');
  }

  /** The JSON body of a document before encoding (exposed for tests and audits). */
  documentBody(doc: OutgoingDocument, kind: 'sale' | 'return'): Record<string, unknown> {
    const codes = doc.items.map((i) => {
      const ki = i.ki || deriveKi(i.code);
      return i.quantity !== 1 && i.quantity > 0 ? { code: ki, partialQuantity: i.quantity } : ki;
    });
    const place = this.cfg.businessPlaceId !== undefined ? Number(this.cfg.businessPlaceId) : undefined;
    const primaryDocument = { type: kind === 'sale' ? 'RECEIPT' : 'RETURN_RECEIPT', date: doc.at, number: doc.reference };
    if (kind === 'sale') {
      return {
        withdrawalType: 'WITHDRAWAL',
        withdrawalReason: this.cfg.withdrawalReason,
        childrenWriteOff: false,
        withdrawPartialQuantity: codes.some((c) => typeof c !== 'string'),
        primaryDocument,
        withdrawalDate: doc.at,
        businessPlaceId: place,
        sellerTin: doc.sellerTin ?? this.cfg.sellerTin,
        codes,
      };
    }
    return {
      returnType: 'RETAIL_RETURN',
      primaryDocument,
      saleReference: doc.saleReference,
      returnDate: doc.at,
      businessPlaceId: place,
      sellerTin: doc.sellerTin ?? this.cfg.sellerTin,
      codes,
    };
  }

  private async submit(doc: OutgoingDocument, kind: 'sale' | 'return'): Promise<{ documentId: string }> {
    if (doc.items.length === 0) throw new TrackingError('permanent', 'empty-document', 'a document needs at least one code');
    const max = this.fullLimits.maxCodesPerDocument;
    if (doc.items.length > max) {
      throw new TrackingError('permanent', 'document-too-large', `a document may carry at most ${max} codes (got ${doc.items.length}); split it`);
    }
    const json = canonicalJson(this.documentBody(doc, kind));
    // `signature`: "зарезервирован, не передается" — sent only when a signer is configured.
    const body: { documentBody: string; signature?: string } = { documentBody: toBase64(json) };
    if (this.signer) body.signature = await this.signer.signDetached(json);
    const res = await this.authed((headers) =>
      this.http.request({
        method: 'POST',
        url: kind === 'sale' ? this.paths.withdrawal : this.paths.return,
        data: body,
        headers,
        idempotent: false,
        schema: docAnswer,
      }),
    );
    const id = res.data.documentId;
    this.sent.set(id, { reference: doc.reference, codes: doc.items.map((i) => i.ki || deriveKi(i.code)) });
    return { documentId: id };
  }

  async getDocument(documentId: string): Promise<DocumentInfo> {
    const res = await this.authed((headers) =>
      this.http.request({ method: 'GET', url: this.path('document', documentId), headers, idempotent: true, schema: storedDoc }),
    );
    return this.toInfo(documentId, res.data);
  }

  private async toInfo(documentId: string, d: z.infer<typeof storedDoc>): Promise<DocumentInfo> {
    const status = upper(d.status) ?? 'UNKNOWN';
    const state = STATE[status] ?? 'in-process';
    const sent = await this.sentDoc(documentId);
    const errors: DocumentInfo['errors'] = [];
    if (state === 'error' || state === 'partial') {
      for (const e of await this.documentErrors(documentId)) {
        const idx = typeof e.index === 'number' && (!e.propertyName || e.propertyName === 'codes') ? e.index : null;
        errors.push({ code: idx !== null ? (sent.codes[idx] ?? null) : null, message: errorMessage(e) });
      }
      if (errors.length === 0 && state === 'error') errors.push({ code: null, message: 'document rejected' });
    }
    return { documentId, reference: sent.reference, state, errors, raw: d };
  }

  /** Every `documentErrors` item, page by page (`limit`, then `lastIndex` of the last item). */
  private async documentErrors(documentId: string): Promise<z.infer<typeof errorItem>[]> {
    const all: z.infer<typeof errorItem>[] = [];
    let lastIndex: number | null = null;
    for (let page = 0; page < 100; page++) {
      const params: Record<string, unknown> = { limit: ERRORS_PAGE };
      if (lastIndex !== null) params.lastIndex = lastIndex;
      const er = await this.authed((headers) =>
        this.http.request({ method: 'GET', url: this.path('errors', documentId), params, headers, idempotent: true, schema: errorsAnswer }),
      );
      const list = er.data.documentErrors;
      all.push(...list);
      const last = list.at(-1)?.index;
      if (list.length < ERRORS_PAGE || typeof last !== 'number' || last === lastIndex) break;
      lastIndex = last;
    }
    return all;
  }

  /** Reference and codes of a document: from memory when we sent it, otherwise from `storage/json/:id`. */
  private async sentDoc(documentId: string): Promise<SentDoc> {
    const known = this.sent.get(documentId);
    if (known) return known;
    const res = await this.authed((headers) =>
      this.http.request<unknown>({ method: 'GET', url: this.path('json', documentId), headers, idempotent: true }),
    );
    let body: unknown = res.data;
    if (body && typeof body === 'object' && typeof (body as { documentBody?: unknown }).documentBody === 'string') {
      try {
        body = JSON.parse(fromBase64((body as { documentBody: string }).documentBody));
      } catch {
        body = null;
      }
    }
    const b = (body ?? {}) as { primaryDocument?: { number?: unknown }; codes?: unknown[] };
    const codes = Array.isArray(b.codes)
      ? b.codes.map((c) => (typeof c === 'string' ? c : str((c as { code?: unknown })?.code) ?? ''))
      : [];
    const info: SentDoc = { reference: str(b.primaryDocument?.number), codes };
    this.sent.set(documentId, info);
    return info;
  }

  /**
   * Documents with our reference in [from, to], through `docs/search` (`types` filter, UUID cursor =
   * the last documentId of the previous page). "None found" is concluded only from a complete listing:
   * a search that hits the page cap throws `transient / search-incomplete` ("still unknown").
   */
  async findDocuments(reference: string, from: string, to: string): Promise<DocumentInfo[]> {
    const found: DocumentInfo[] = [];
    const seen = new Set<string>();
    const limit = this.cfg.searchPageSize;
    let cursor: string | null = null;
    for (let page = 0; ; page++) {
      if (page >= this.cfg.searchMaxPages) {
        throw new TrackingError(
          'transient',
          'search-incomplete',
          `xtrace docs/search: more than ${this.cfg.searchMaxPages * limit} documents in ${from} – ${to}; the listing is incomplete, so absence is not known`,
        );
      }
      const params: Record<string, unknown> = { dateFrom: from, dateTo: to, limit };
      if (this.cfg.searchTypes.length > 0) params.types = this.cfg.searchTypes.join(',');
      if (cursor) params.cursor = cursor;
      const res = await this.authed((headers) =>
        this.http.request({ method: 'GET', url: this.paths.search, params, headers, idempotent: true, schema: searchAnswer }),
      );
      const items = res.data.documentInfos;
      for (const item of items) {
        if (seen.has(item.documentId)) continue;
        seen.add(item.documentId);
        const sent = await this.sentDoc(item.documentId);
        if (sent.reference === reference) found.push(await this.toInfo(item.documentId, item));
      }
      const last = items.at(-1)?.documentId ?? null;
      if (items.length < limit || last === null || last === cursor) break; // a short page is the last one
      cursor = last;
    }
    return found;
  }

  async health(): Promise<TrackingHealth> {
    const started = performance.now();
    try {
      const to = new Date(this.now()).toISOString();
      const from = new Date(this.now() - 60_000).toISOString();
      await this.authed((headers) =>
        this.http.request({ method: 'GET', url: this.paths.search, params: { dateFrom: from, dateTo: to, limit: 1 }, headers, idempotent: true, retry: false }),
      );
      return { ok: true, latencyMs: Math.round(performance.now() - started), tokenExpiresAt: this.tokenExpiry() };
    } catch (e) {
      return {
        ok: false,
        latencyMs: null,
        tokenExpiresAt: this.tokenExpiry(),
        message: e instanceof Error ? e.message : String(e),
      };
    }
  }

  private tokenExpiry(): string | null {
    const t = this.tokens?.expiresAt;
    return t ? new Date(t).toISOString() : null;
  }

  private path(name: 'document' | 'errors' | 'json', id: string): string {
    return this.paths[name].replace(':id', encodeURIComponent(id));
  }

  async close(): Promise<void> {
    this.tokens?.close();
    this.http.close();
  }
}

interface FactSettings {
  /** `extendedStatus` values under which the code may not be sold. */
  notSellableExtended: ReadonlySet<string>;
  /** productGroupId → tanba's group name. */
  groupNames: Record<string, string>;
}

/** Pair answers with the asked codes by KI. A code the system does not know is omitted from its answer. */
function matchAnswers(asked: string[], answers: CodeStatus[]): CodeStatus[] {
  const byKi = new Map<string, CodeStatus>();
  for (const a of answers) if (a.ki) byKi.set(a.ki, a);
  return asked.map((code) => {
    const ki = deriveKi(code);
    const hit = byKi.get(ki);
    if (!hit) return notFound(code, ki);
    return { ...hit, code, ki: hit.ki ?? ki };
  });
}

function notFound(code: string, ki: string | null): CodeStatus {
  return {
    code,
    ki,
    found: false,
    status: null,
    ownerTin: null,
    blocked: null,
    sold: null,
    expiresAt: null,
    mrp: null,
    minPrice: null,
    productGroup: null,
    raw: null,
  };
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function int(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) ? n : null;
}

/**
 * Facts common to both answers. `realizable`: the code is INTRODUCED and its extendedStatus does not
 * hold it back; `sold`: THE sold statuses (common.ts), or a sale/withdrawal date not followed by a return.
 */
function facts(status: string | null, extendedStatus: string | null, soldAt: string | null, returnedAt: string | null, f: FactSettings) {
  const returnedSince = soldAt !== null && returnedAt !== null && Date.parse(returnedAt) >= Date.parse(soldAt);
  // A sale date (receipt forwarded by the OFD) not followed by a return is a sale, whatever the status says yet.
  const soldByDate = soldAt !== null && !returnedSince;
  const sold = status === null ? null : SOLD_STATUSES.has(status) || soldByDate;
  const realizable = status === null ? null : !sold && status === 'INTRODUCED' && !(extendedStatus !== null && f.notSellableExtended.has(extendedStatus));
  return { sold, realizable };
}

/**
 * A `public/codes` item: code, template, isHadExtendedCode, productId, productGroupId (integer),
 * categoryId, packageType, status, extendedStatus, emissionDate, issueDate, issuerShortInfo{issuerTin,
 * issuerName}, productionDate, expirationDate, productSeries, gtin. No owner, block flag or prices.
 */
export function normalisePublic(raw: unknown, f: FactSettings = DEFAULT_FACTS): CodeStatus {
  const r = obj(raw);
  const code = str(r.code) ?? '';
  const status = upper(r.status);
  const extendedStatus = upper(r.extendedStatus);
  const groupId = int(r.productGroupId);
  const { sold, realizable } = facts(status, extendedStatus, null, null, f);
  return {
    code,
    ki: code ? deriveKi(code) : null,
    found: status !== null,
    status,
    ownerTin: null, // issuerShortInfo is the issuer, not the owner
    blocked: null, // not in the answer
    sold,
    expiresAt: str(r.expirationDate),
    mrp: null,
    minPrice: null,
    productGroup: groupId !== null ? (f.groupNames[String(groupId)] ?? null) : null,
    raw,
    realizable,
    extendedStatus,
    productGroupId: groupId,
    issuerTin: str(obj(r.issuerShortInfo).issuerTin),
  };
}

/**
 * A `private/codes` result: codeData{code, status, extendedStatus}, markingData{issuerInfo, receiptDate
 * (sale date), …}, turnoverData{ownerInfo{ownerTin}, withdrawalDate, returnDate, …}, productData{gtin,
 * productGroupId, expirationDate, …}.
 */
export function normalisePrivate(raw: unknown, f: FactSettings = DEFAULT_FACTS): CodeStatus {
  const r = obj(raw);
  const codeData = obj(r.codeData);
  const marking = obj(r.markingData);
  const turnover = obj(r.turnoverData);
  const product = obj(r.productData);
  const code = str(codeData.code) ?? '';
  const status = upper(codeData.status);
  const extendedStatus = upper(codeData.extendedStatus);
  const soldAt = str(marking.receiptDate) ?? str(turnover.withdrawalDate);
  const groupId = int(product.productGroupId);
  const { sold, realizable } = facts(status, extendedStatus, soldAt, str(turnover.returnDate), f);
  return {
    code,
    ki: code ? deriveKi(code) : null,
    found: status !== null,
    status,
    ownerTin: str(obj(turnover.ownerInfo).ownerTin),
    blocked: null,
    sold,
    expiresAt: str(product.expirationDate),
    mrp: null,
    minPrice: null,
    productGroup: groupId !== null ? (f.groupNames[String(groupId)] ?? null) : null,
    raw,
    realizable,
    extendedStatus,
    productGroupId: groupId,
    issuerTin: str(obj(marking.issuerInfo).issuerTin),
    soldAt,
  };
}

const DEFAULT_FACTS: FactSettings = { notSellableExtended: new Set(['WAIT_SHIPMENT', 'CUSTOMS_CONTROL']), groupNames: {} };

/** `errorCode` plus the `errorTags` it came with, e.g. `code-blocked {"gtin":"…"}`. */
function errorMessage(e: z.infer<typeof errorItem>): string {
  const code = e.errorCode !== null && e.errorCode !== undefined && String(e.errorCode).trim() ? String(e.errorCode) : null;
  const tags = e.errorTags && typeof e.errorTags === 'object' && Object.keys(e.errorTags).length > 0 ? JSON.stringify(e.errorTags) : null;
  const where = e.propertyName && e.propertyName !== 'codes' ? `${e.propertyName}: ` : '';
  return `${where}${[code, tags].filter(Boolean).join(' ') || 'error'}`;
}
