/**
 * True API adapter — Russia (Честный ЗНАК) and the legacy KZ ISMET platform.
 * Auth: `auth/key` → sign the challenge (attached) → `simpleSignIn` → bearer token (≤ 10 h, renewed
 * before expiry and on 401). Pre-sale checks: permissive-mode `codes/check` with `X-API-KEY` through
 * the CDN host list with health and failover; without an API key, `cises/info` (≤ 1000 codes per call).
 * Documents: `lk/documents/create` with `LK_RECEIPT` (sale) / `LP_RETURN` (return), base64 body and a
 * detached signature; status via `doc/{id}/info`; reconciliation via `doc/list` + body reference.
 */
import pRetry from 'p-retry';
import { z } from 'zod';
import { chunk, sendableSigner } from '../batch.js';
import { canonicalJson, toBase64 } from '../canonical-json.js';
import { BoundedMap, bool, jwtExpiryMs, loginError, num, SOLD_STATUSES, str, upper, withToken } from '../common.js';
import { defaultLimits, isLoopback, trueApiConfigSchema, type Limits, type TrueApiConfig } from '../config.js';
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
import { CdnHosts } from './cdn.js';

const keyAnswer = z.looseObject({ uuid: z.string().min(1), data: z.string().min(1) });
const signInAnswer = z.looseObject({ token: z.string().min(1) });
const checkAnswer = z.looseObject({
  code: z.number(),
  description: z.string().optional(),
  codes: z.array(z.looseObject({ cis: z.string().optional() })).optional(),
  reqId: z.string().optional(),
  reqTimestamp: z.number().optional(),
});
const infoAnswer = z.array(
  z.looseObject({
    cisInfo: z.looseObject({}).optional(),
    errorCode: z.union([z.string(), z.number()]).nullable().optional(),
    errorMessage: z.string().nullable().optional(),
  }),
);
const docInfo = z.looseObject({
  number: z.union([z.string(), z.number()]).transform(String).optional(),
  docDate: z.string().optional(),
  type: z.string().optional(),
  status: z.string(),
  errors: z.array(z.unknown()).nullable().optional(),
  body: z.unknown().optional(),
});
const docInfoAnswer = z.union([z.array(docInfo).min(1), docInfo]);
const listAnswer = z.looseObject({
  results: z.array(z.looseObject({ number: z.union([z.string(), z.number()]).transform(String), type: z.string().optional() })),
  nextPage: z.boolean().optional(),
});

const STATE: Record<string, DocumentState> = {
  IN_PROGRESS: 'in-process',
  WAIT_ACCEPTANCE: 'in-process',
  WAIT_PARTICIPANT_REGISTRATION: 'in-process',
  WAIT_FOR_CONTINUATION: 'in-process',
  UNDEFINED: 'created',
  CHECKED_OK: 'success',
  ACCEPTED: 'success',
  CHECKED_NOT_OK: 'error',
  PROCESSING_ERROR: 'error',
  CANCELLED: 'error',
};

export class TrueApiAdapter implements TrackingSystem {
  readonly family = 'true-api' as const;
  readonly limits: TrackingSystem['limits'];
  readonly http: HttpClient;
  readonly tokens: TokenManager;
  readonly cdn: CdnHosts | null;
  private readonly cfg: z.infer<typeof trueApiConfigSchema>;
  private readonly signer: Signer | null;
  private readonly now: () => number;
  private readonly fullLimits: Limits;
  private readonly sent = new BoundedMap<string, { reference: string; codes: string[] }>(10_000);
  private readonly logger: Logger | undefined;

  constructor(config: TrueApiConfig) {
    const { signer, logger, now, random, ...data } = config;
    this.logger = logger;
    this.cfg = trueApiConfigSchema.parse(data);
    this.now = now ?? Date.now;
    this.fullLimits = { ...defaultLimits('true-api', this.cfg.country), ...this.cfg.limits };
    this.limits = {
      maxCodesPerCheck: this.cfg.apiKey ? this.cfg.maxCodesPerCodesCheck : this.fullLimits.maxCodesPerCheck,
      maxCodesPerDocument: this.fullLimits.maxCodesPerDocument,
      requestsPerMinute: this.fullLimits.requestsPerMinute,
    };
    this.signer = signer === 'test' || (signer === undefined && isLoopback(this.cfg.baseUrl)) ? createTestSigner({ subject: this.cfg.inn }) : (signer ?? null);
    this.http = new HttpClient({
      baseURL: this.cfg.baseUrl.replace(/\/+$/, ''),
      timeoutMs: this.cfg.timeoutMs,
      retry: this.cfg.retry,
      rateLimit: this.fullLimits.requestsPerMinute ? { perMinute: this.fullLimits.requestsPerMinute, burst: this.fullLimits.burst } : null,
      maxConcurrency: this.fullLimits.maxConcurrency,
      logger,
      random,
    });
    this.tokens = new TokenManager({ login: () => this.signIn() }, { now: this.now });
    this.cdn = this.cfg.apiKey
      ? new CdnHosts(this.http, {
          infoUrl: this.cfg.cdnInfoUrl === undefined ? defaultCdnInfoUrl(this.cfg.baseUrl, this.cfg.v4Path) : this.cfg.cdnInfoUrl,
          fallbackHost: this.cfg.baseUrl.replace(/\/+$/, ''),
          v4Path: this.cfg.v4Path,
          apiKey: this.cfg.apiKey,
          refreshMs: this.cfg.cdnRefreshMs,
          cooldownMs: this.cfg.cdnHostCooldownMs,
          timeoutMs: this.cfg.checkTimeoutMs,
          now: this.now,
        })
      : null;
  }

  // ---- auth -------------------------------------------------------------------------------

  /**
   * A challenge is single-use, so `simpleSignIn` itself is never repeated: a transient failure
   * restarts the whole flow with a fresh `auth/key` (up to three times).
   */
  private async signIn(): Promise<IssuedToken> {
    const signer = this.signer;
    if (!signer) throw new TrackingError('auth', 'no-signer', 'true-api sign-in needs a signer (configure one)');
    const once = async (): Promise<IssuedToken> => {
      const key = await this.http.request({ method: 'GET', url: `${this.cfg.v3Path}/auth/key`, idempotent: true, schema: keyAnswer });
      const signed = await signer.signAttached(key.data.data);
      const res = await this.http.request({
        method: 'POST',
        url: `${this.cfg.v3Path}/auth/simpleSignIn`,
        data: { uuid: key.data.uuid, data: signed, ...(this.cfg.inn ? { inn: this.cfg.inn } : {}) },
        idempotent: true,
        retry: false,
        schema: signInAnswer,
      });
      const token = res.data.token;
      return { value: token, expiresAt: jwtExpiryMs(token) ?? this.now() + this.cfg.tokenTtlMs };
    };
    try {
      return await pRetry(once, {
        retries: 2,
        minTimeout: this.http.retry.baseDelayMs,
        maxTimeout: this.http.retry.maxDelayMs,
        randomize: true,
        shouldRetry: ({ error }) => error instanceof TrackingError && error.kind === 'transient',
      });
    } catch (e) {
      throw loginError(e, 'true-api');
    }
  }

  private authed<T>(fn: (headers: Record<string, string>) => Promise<T>): Promise<T> {
    return withToken(this.tokens, (token) => fn({ Authorization: `Bearer ${token}` }), this.logger);
  }

  private pg(): Record<string, string> {
    return this.cfg.productGroup ? { pg: this.cfg.productGroup } : {};
  }

  // ---- code checks --------------------------------------------------------------------------

  async checkCodes(codes: string[], opts: { signal?: AbortSignal } = {}): Promise<CodeStatus[]> {
    if (!this.cdn) return this.getCodeInfo(codes, opts);
    const out: CodeStatus[] = [];
    for (const part of chunk(codes, this.cfg.maxCodesPerCodesCheck)) out.push(...(await this.codesCheck(part, opts.signal)));
    return out;
  }

  private async codesCheck(codes: string[], signal?: AbortSignal): Promise<CodeStatus[]> {
    const hosts = await this.cdn!.ordered();
    let last: unknown = null;
    for (const h of hosts) {
      try {
        const res = await this.http.request({
          method: 'POST',
          url: `${h.host}${this.cfg.v4Path}/codes/check`,
          data: { codes, ...(this.cfg.fiscalDriveNumber ? { fiscalDriveNumber: this.cfg.fiscalDriveNumber } : {}) },
          headers: { 'X-API-KEY': this.cfg.apiKey! },
          idempotent: true,
          retry: false,
          timeoutMs: this.cfg.checkTimeoutMs,
          signal,
          schema: checkAnswer,
        });
        const d = res.data;
        if (d.code !== 0) {
          throw new TrackingError('permanent', `check-${d.code}`, `codes/check refused: ${d.description ?? d.code}`, { reason: d.description });
        }
        const answers = (d.codes ?? []).map((c) => normaliseCheck(c, d.reqId, d.reqTimestamp));
        return matchByKi(codes, answers);
      } catch (e) {
        last = e;
        if (!(e instanceof TrackingError) || e.kind !== 'transient' || e.code === 'aborted') throw e;
        this.cdn!.markDown(h.host); // fail over to the next host
        this.logger?.warn({ host: h.host, code: e.code, status: e.details.status }, 'tracking: CDN host failed, trying the next one');
      }
    }
    throw last ?? new TrackingError('transient', 'no-cdn-host', 'codes/check: no CDN host available');
  }

  /** Full code info through `cises/info` (≤ 1000 codes per call; the adapter splits). Not for the till. */
  async getCodeInfo(codes: string[], opts: { signal?: AbortSignal } = {}): Promise<CodeStatus[]> {
    const out: CodeStatus[] = [];
    for (const part of chunk(codes, this.fullLimits.maxCodesPerCheck)) {
      if (part.length === 0) continue;
      const res = await this.authed((headers) =>
        this.http.request({
          method: 'POST',
          url: `${this.cfg.v3Path}/cises/info`,
          params: this.pg(),
          data: part,
          headers,
          idempotent: true,
          signal: opts.signal,
          schema: infoAnswer,
        }),
      );
      out.push(...matchByKi(part, res.data.map(normaliseInfo)));
    }
    return out;
  }

  // ---- documents ----------------------------------------------------------------------------

  submitSale(doc: OutgoingDocument): Promise<{ documentId: string }> {
    return this.submit(doc, 'LK_RECEIPT');
  }

  submitReturn(doc: OutgoingDocument): Promise<{ documentId: string }> {
    return this.submit(doc, 'LP_RETURN');
  }

  /** The JSON body of a document before encoding. Optional fields are sent as null (see reference §4.6). */
  documentBody(doc: OutgoingDocument, type: 'LK_RECEIPT' | 'LP_RETURN'): Record<string, unknown> {
    const inn = doc.sellerTin ?? this.cfg.inn ?? this.cfg.sellerTin ?? null;
    const date = doc.at;
    if (type === 'LK_RECEIPT') {
      return {
        inn,
        buyer_inn: null,
        action: this.cfg.receiptAction,
        withdrawal_type_other: null,
        action_date: date,
        document_type: 'RECEIPT',
        document_number: doc.reference,
        document_date: date,
        primary_document_custom_name: null,
        fias_id: null,
        products: doc.items.map((i) => ({
          cis: this.cfg.documentCodeForm === 'km' ? i.km || i.code : i.ki || deriveKi(i.code),
          product_cost: i.price,
          primary_document_type: 'RECEIPT',
          primary_document_number: doc.reference,
          primary_document_date: date,
          primary_document_custom_name: null,
        })),
      };
    }
    return {
      trade_participant_inn: inn,
      return_type: this.cfg.returnType,
      paid: true,
      primary_document_type: 'RECEIPT',
      primary_document_number: doc.reference,
      primary_document_date: date,
      primary_document_custom_name: null,
      sale_reference: doc.saleReference ?? null,
      products_list: doc.items.map((i) => ({ ki: i.ki || deriveKi(i.code) })),
    };
  }

  private async submit(doc: OutgoingDocument, type: 'LK_RECEIPT' | 'LP_RETURN'): Promise<{ documentId: string }> {
    const signer = sendableSigner(doc, this.fullLimits.maxCodesPerDocument, 'true-api', this.signer);
    const json = canonicalJson(this.documentBody(doc, type));
    const signature = await signer.signDetached(json);
    const res = await this.authed((headers) =>
      this.http.request<unknown>({
        method: 'POST',
        url: `${this.cfg.v3Path}/lk/documents/create`,
        params: this.pg(),
        data: { document_format: 'MANUAL', product_document: toBase64(json), type, signature },
        headers,
        idempotent: false,
        responseType: 'text',
      }),
    );
    const id = parseDocumentId(res.data);
    if (!id) throw new TrackingError('unknown-result', 'bad-answer', 'lk/documents/create: no document id in the answer');
    this.sent.set(id, { reference: doc.reference, codes: doc.items.map((i) => i.ki || deriveKi(i.code)) });
    return { documentId: id };
  }

  async getDocument(documentId: string): Promise<DocumentInfo> {
    const res = await this.authed((headers) =>
      this.http.request({
        method: 'GET',
        url: `${this.cfg.v4Path}/doc/${encodeURIComponent(documentId)}/info`,
        params: { body: true },
        headers,
        idempotent: true,
        schema: docInfoAnswer,
      }),
    );
    const d = Array.isArray(res.data) ? res.data[0] : res.data;
    const status = upper(d.status) ?? 'UNDEFINED';
    const state = STATE[status] ?? 'in-process';
    const body = (d.body ?? null) as Record<string, unknown> | null;
    const reference =
      this.sent.get(documentId)?.reference ?? str(body?.document_number) ?? str(body?.primary_document_number) ?? null;
    const errors: DocumentInfo['errors'] = (d.errors ?? []).map((e) => {
      if (typeof e === 'string') return { code: null, message: e };
      const o = (e ?? {}) as Record<string, unknown>;
      return {
        code: str(o.cis) ?? str(o.ki) ?? null,
        message: [str(o.errorCode), str(o.errorMessage) ?? str(o.message)].filter(Boolean).join(': ') || 'error',
      };
    });
    if (state === 'error' && errors.length === 0) errors.push({ code: null, message: status });
    return { documentId, reference, state, errors, raw: d };
  }

  async findDocuments(reference: string, from: string, to: string): Promise<DocumentInfo[]> {
    const found: DocumentInfo[] = [];
    let did: string | null = null;
    for (let page = 0; page < 100; page++) {
      const params: Record<string, unknown> = { dateFrom: from, dateTo: to, limit: 100 };
      if (did) Object.assign(params, { did, pageDir: 'NEXT' });
      const res = await this.authed((headers) =>
        this.http.request({ method: 'GET', url: `${this.cfg.v4Path}/doc/list`, params, headers, idempotent: true, schema: listAnswer }),
      );
      for (const item of res.data.results) {
        if (item.type && item.type !== 'LK_RECEIPT' && item.type !== 'LP_RETURN') continue;
        const known = this.sent.get(item.number);
        if (known && known.reference !== reference) continue;
        const info = await this.getDocument(item.number);
        if (info.reference === reference) found.push(info);
      }
      const lastItem = res.data.results[res.data.results.length - 1];
      if (!res.data.nextPage || !lastItem) break;
      did = lastItem.number;
    }
    return found;
  }

  async health(): Promise<TrackingHealth> {
    const started = performance.now();
    try {
      if (this.cdn) {
        await this.cdn.load();
        const best = (await this.cdn.ordered())[0];
        if (!best || best.downUntil > this.now()) {
          return { ok: false, latencyMs: null, tokenExpiresAt: this.tokenExpiry(), message: 'no healthy CDN host' };
        }
        return { ok: true, latencyMs: best.avgTimeMs ?? Math.round(performance.now() - started), tokenExpiresAt: this.tokenExpiry() };
      }
      await this.tokens.get();
      return { ok: true, latencyMs: Math.round(performance.now() - started), tokenExpiresAt: this.tokenExpiry() };
    } catch (e) {
      return { ok: false, latencyMs: null, tokenExpiresAt: this.tokenExpiry(), message: e instanceof Error ? e.message : String(e) };
    }
  }

  private tokenExpiry(): string | null {
    const t = this.tokens.expiresAt;
    return t ? new Date(t).toISOString() : null;
  }

  async close(): Promise<void> {
    this.tokens.close();
    this.http.close();
  }
}

function parseDocumentId(data: unknown): string | null {
  if (typeof data !== 'string') return str((data as { value?: unknown; document_id?: unknown } | null)?.value ?? (data as { document_id?: unknown } | null)?.document_id);
  const t = data.trim();
  if (t.startsWith('{') || t.startsWith('"')) {
    try {
      const j = JSON.parse(t) as unknown;
      if (typeof j === 'string') return j.trim() || null;
      return str((j as { value?: unknown }).value ?? (j as { document_id?: unknown }).document_id);
    } catch {
      return null;
    }
  }
  return t || null;
}

function matchByKi(asked: string[], answers: CodeStatus[]): CodeStatus[] {
  const byKi = new Map<string, CodeStatus>();
  for (const a of answers) if (a.ki) byKi.set(a.ki, a);
  return asked.map((code) => {
    const ki = deriveKi(code);
    const hit = byKi.get(ki);
    if (!hit) {
      return { code, ki, found: false, status: null, ownerTin: null, blocked: null, sold: null, expiresAt: null, mrp: null, minPrice: null, productGroup: null, raw: null };
    }
    return { ...hit, code };
  });
}

/** `codes/check` item → CodeStatus. The status is derived from the flags (the answer has none). */
export function normaliseCheck(raw: Record<string, unknown>, reqId?: string, reqTimestamp?: number): CodeStatus {
  const cis = str(raw.cis) ?? '';
  const sold = bool(raw.sold);
  const realizable = bool(raw.realizable);
  const utilised = bool(raw.utilised);
  let status: string | null = null;
  if (sold === true) status = 'RETIRED';
  else if (realizable === true) status = 'INTRODUCED';
  else if (utilised === false) status = 'EMITTED';
  else if (utilised === true && realizable === false) status = 'APPLIED';
  const found = bool(raw.found);
  return {
    code: cis,
    ki: cis ? deriveKi(cis) : null,
    found: found !== false && str(raw.errorCode) === null,
    status: found === false ? null : status,
    ownerTin: null,
    blocked: bool(raw.isBlocked),
    sold,
    expiresAt: str(raw.expireDate),
    mrp: num(raw.mrp),
    minPrice: num(raw.smp),
    productGroup: null,
    raw: { ...raw, ...(reqId ? { reqId } : {}), ...(reqTimestamp !== undefined ? { reqTimestamp } : {}) },
  };
}

/** `cises/info` item → CodeStatus. */
export function normaliseInfo(raw: { cisInfo?: Record<string, unknown>; errorCode?: unknown; errorMessage?: unknown }): CodeStatus {
  const c = raw.cisInfo ?? {};
  const cis = str(c.requestedCis) ?? str(c.cis) ?? '';
  const status = upper(c.status);
  const failed = raw.errorCode !== undefined && raw.errorCode !== null && raw.errorCode !== 0 && raw.errorCode !== '0';
  return {
    code: cis,
    ki: cis ? deriveKi(cis) : null,
    found: !failed && status !== null,
    status,
    ownerTin: str(c.ownerInn),
    blocked: null,
    sold: status ? SOLD_STATUSES.has(status) : null,
    expiresAt: str(c.expirationDate),
    mrp: num(c.maxRetailPrice),
    minPrice: null,
    productGroup: str(c.productGroup),
    raw,
  };
}

/** RU production lists CDN hosts at cdn.crpt.ru; elsewhere (sandbox, ISMET, emulator) the API host serves the list. */
export function defaultCdnInfoUrl(baseUrl: string, v4Path: string): string {
  const host = new URL(baseUrl).hostname;
  if (host === 'markirovka.crpt.ru') return 'https://cdn.crpt.ru/api/v4/true-api/cdn/info';
  return `${baseUrl.replace(/\/+$/, '')}${v4Path}/cdn/info`;
}
