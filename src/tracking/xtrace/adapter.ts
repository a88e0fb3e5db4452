/**
 * xTrace adapter — Kazakhstan (markirovka.kz) and Uzbekistan (Asl Belgisi).
 * Login/password → access + refresh token (≈30 min), renewed before expiry and on 401/inactive-token
 * (UZ may use a static API key instead); `Accept: *\/*` on every call; code info through
 * `cod/public/codes` (or `cod/private/codes`, falling back to public on 307); withdrawal documents
 * as base64 of sorted-key JSON plus a detached signature; status and reconciliation through the
 * document storage (`docs/search`, `docs/:id`, `errors/:id`, `json/:id`).
 */
import { z } from 'zod';
import { chunk, sendableSigner } from '../batch.js';
import { canonicalJson, fromBase64, toBase64 } from '../canonical-json.js';
import { BoundedMap, bool, loginError, num, SOLD_STATUSES, str, upper, withToken } from '../common.js';
import { defaultLimits, isLoopback, xtraceConfigSchema, type Limits, type XtraceConfig } from '../config.js';
import { TrackingError } from '../errors.js';
import { HttpClient, type Logger } from '../http.js';
import { deriveKi } from '../ki.js';
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

const tokenAnswer = z.looseObject({
  accessToken: z.string().min(1),
  refreshToken: z.string().optional(),
  expiresIn: z.union([z.string(), z.number()]).optional(),
  refreshExpiresIn: z.union([z.string(), z.number()]).optional(),
});

const codeItem = z.looseObject({ code: z.string().optional() });
const codesAnswer = z.union([
  z.array(codeItem),
  z.looseObject({ codes: z.array(codeItem) }),
  z.looseObject({ results: z.array(z.unknown()) }),
]);

const docAnswer = z.looseObject({ documentId: z.union([z.string(), z.number()]).transform(String), status: z.string().optional() });
const storedDoc = z.looseObject({
  documentId: z.union([z.string(), z.number()]).transform(String).optional(),
  id: z.union([z.string(), z.number()]).transform(String).optional(),
  type: z.string().optional(),
  status: z.string(),
  createdAt: z.string().optional(),
});
const searchAnswer = z.union([
  z.array(storedDoc),
  z.looseObject({
    items: z.array(storedDoc).optional(),
    results: z.array(storedDoc).optional(),
    cursor: z.string().nullable().optional(),
    nextCursor: z.string().nullable().optional(),
  }),
]);
const errorItem = z.looseObject({
  propertyName: z.string().nullable().optional(),
  index: z.number().nullable().optional(),
  errorCode: z.string().nullable().optional(),
  message: z.string().nullable().optional(),
});
const errorsAnswer = z.union([z.array(errorItem), z.looseObject({ errors: z.array(errorItem) })]);

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
    this.signer = signer === 'test' || (signer === undefined && isLoopback(this.cfg.baseUrl)) ? createTestSigner({ subject: this.cfg.sellerTin }) : (signer ?? null);
    this.privateAllowed = this.cfg.usePrivateCodes;
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
    const ttl = num(a.expiresIn) ?? 1_800_000;
    const rttl = num(a.refreshExpiresIn);
    const t = this.now();
    return {
      value: a.accessToken,
      expiresAt: t + ttl,
      ...(a.refreshToken ? { refreshToken: a.refreshToken } : {}),
      ...(rttl !== null ? { refreshExpiresAt: t + rttl } : {}),
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

  async checkCodes(codes: string[], opts: { signal?: AbortSignal } = {}): Promise<CodeStatus[]> {
    const out: CodeStatus[] = [];
    for (const part of chunk(codes, this.fullLimits.maxCodesPerCheck)) {
      out.push(...(await this.checkChunk(part, opts.signal)));
    }
    return out;
  }

  private async checkChunk(codes: string[], signal?: AbortSignal): Promise<CodeStatus[]> {
    if (codes.length === 0) return [];
    if (this.privateAllowed) {
      const res = await this.authed((headers) =>
        this.http.request({
          method: 'POST',
          url: this.paths.privateCodes,
          data: { codes },
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
        const parsed = z.looseObject({ results: z.array(z.unknown()) }).safeParse(res.data);
        if (!parsed.success) throw new TrackingError('permanent', 'bad-answer', 'xtrace private codes: unexpected answer');
        return matchAnswers(codes, parsed.data.results.map(normalisePrivate));
      }
    }
    const call = (headers: Record<string, string>) =>
      this.http.request({
        method: 'POST',
        url: this.paths.publicCodes,
        data: this.cfg.codesRequestShape === 'array' ? codes : { codes, addCodeHistory: false },
        headers,
        idempotent: true,
        timeoutMs: this.cfg.checkTimeoutMs,
        signal,
        schema: codesAnswer,
      });
    const res = this.cfg.publicCodesAuth ? await this.authed(call) : await call({});
    const d = res.data;
    const items: unknown[] = Array.isArray(d) ? d : 'codes' in d ? (d.codes as unknown[]) : (d.results as unknown[]);
    return matchAnswers(codes, items.map(normalisePublic));
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
    const signer = sendableSigner(doc, this.fullLimits.maxCodesPerDocument, 'xtrace', this.signer);
    const json = canonicalJson(this.documentBody(doc, kind));
    const signature = await signer.signDetached(json);
    const body = { documentBody: toBase64(json), signature };
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
      const er = await this.authed((headers) =>
        this.http.request({ method: 'GET', url: this.path('errors', documentId), headers, idempotent: true, schema: errorsAnswer }),
      );
      const list = Array.isArray(er.data) ? er.data : er.data.errors;
      for (const e of list) {
        const idx = typeof e.index === 'number' ? e.index : null;
        errors.push({
          code: idx !== null ? (sent.codes[idx] ?? null) : null,
          message: [e.errorCode, e.message].filter(Boolean).join(': ') || 'error',
        });
      }
      if (errors.length === 0 && state === 'error') errors.push({ code: null, message: 'document rejected' });
    }
    return { documentId, reference: sent.reference, state, errors, raw: d };
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

  async findDocuments(reference: string, from: string, to: string): Promise<DocumentInfo[]> {
    const found: DocumentInfo[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page++) {
      const params: Record<string, unknown> = { dateFrom: from, dateTo: to, limit: 100 };
      if (cursor) params.cursor = cursor;
      const res = await this.authed((headers) =>
        this.http.request({ method: 'GET', url: this.paths.search, params, headers, idempotent: true, schema: searchAnswer }),
      );
      const d = res.data;
      const items = Array.isArray(d) ? d : (d.items ?? d.results ?? []);
      for (const item of items) {
        const id = item.documentId ?? item.id;
        if (!id) continue;
        const sent = await this.sentDoc(id);
        if (sent.reference === reference) found.push(await this.toInfo(id, item));
      }
      cursor = Array.isArray(d) ? null : (d.nextCursor ?? d.cursor ?? null);
      if (!cursor || items.length === 0) break;
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

/** Pair answers with the asked codes: by position when the counts agree, otherwise by KI. */
function matchAnswers(asked: string[], answers: CodeStatus[]): CodeStatus[] {
  const byKi = new Map<string, CodeStatus>();
  for (const a of answers) if (a.ki) byKi.set(a.ki, a);
  return asked.map((code, i) => {
    const ki = deriveKi(code);
    const hit = byKi.get(ki) ?? (answers.length === asked.length && !answers[i]?.ki ? answers[i] : undefined);
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

export function normalisePublic(raw: unknown): CodeStatus {
  const r = (raw ?? {}) as Record<string, unknown>;
  const code = str(r.code) ?? '';
  const status = upper(r.status);
  const failed = str(r.errorCode) !== null;
  const blocked = bool(r.isBlocked) ?? (upper(r.extendedStatus) === 'BLOCKED' ? true : null);
  return {
    code,
    ki: code ? deriveKi(code) : null,
    found: !failed && status !== null,
    status,
    ownerTin: str(r.ownerTin),
    blocked,
    sold: status ? SOLD_STATUSES.has(status) : null,
    expiresAt: str(r.expirationDate),
    mrp: num(r.mrp ?? r.maxRetailPrice),
    minPrice: num(r.minPrice ?? r.smp),
    productGroup: str(r.productGroup),
    raw,
  };
}

export function normalisePrivate(raw: unknown): CodeStatus {
  const r = (raw ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const codeData = r.codeData ?? {};
  const owner = (r.turnoverData?.ownerInfo ?? {}) as Record<string, unknown>;
  const product = r.productData ?? {};
  const code = str(codeData.code) ?? '';
  const status = upper(codeData.status);
  return {
    code,
    ki: code ? deriveKi(code) : null,
    found: status !== null,
    status,
    ownerTin: str(owner.ownerTin),
    blocked: bool(codeData.isBlocked),
    sold: status ? SOLD_STATUSES.has(status) : null,
    expiresAt: str(product.expirationDate),
    mrp: num(product.mrp ?? product.maxRetailPrice),
    minPrice: num(product.minPrice),
    productGroup: str(product.productGroup),
    raw,
  };
}
