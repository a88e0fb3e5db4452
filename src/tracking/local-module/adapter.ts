/**
 * local-module/adapter.ts — the Local Module (ЛМ ЧЗ) client, RU offline check for stores without a
 * ТС ПИоТ (reference tracking-systems.md §5.3, fiscal-channels.md §2.5): `POST /api/v2/cis/outCheck
 * {cis_list:[{cis, pg}]}` → `{results:[{reqId, reqTimestamp, inst, version, codes:[{cis, isBlocked,
 * isGreyGtin, gtin, sold, mrp, smp}]}]}` (a flat `{code, codes, reqId, …}` body and the
 * `GET …/outCheck?cis=` form are read too), `GET /api/v1/status` for `health()`.
 * Every call carries `X-ClientId` (the FN number) and `Authorization: Basic …` (v17+: `Token …`).
 * A module that is not ready answers HTTP 400 with 4045 / 4050 (`sync_error`): the check then fails
 * with `lm-not-ready` / `lm-sync-error` (the decision goes on without it) and `health()` says what to
 * do. Every status is `checkedOffline`: the rules refuse only on block list / sold / price.
 * The password and token are never logged.
 */
import type { z } from 'zod';
import { chunk } from '../batch.js';
import { num, str } from '../common.js';
import { localModuleConfigSchema, type LocalModuleConfig } from '../config.js';
import { TrackingError } from '../errors.js';
import { HttpClient, type Logger } from '../http.js';
import { deriveKi } from '../ki.js';
import type { CodeStatus, DocumentInfo, TrackingHealth, TrackingSystem } from '../types.js';
import { field, isObj, matchByKi, normaliseTsPiotCode, unansweredStatus, type Obj } from '../tspiot/answer.js';
import { LM_NOT_READY, LM_SYNC_ERROR, localModuleProblems, parseStatus, type LocalModuleState } from './status.js';

const ANSWER_STATUSES = [400, 401, 403, 404, 422];

export class LocalModuleAdapter implements TrackingSystem {
  readonly family = 'local-module' as const;
  readonly limits: TrackingSystem['limits'];
  readonly http: HttpClient;
  private readonly cfg: z.infer<typeof localModuleConfigSchema>;
  private readonly logger: Logger | undefined;
  private readonly now: () => number;
  /** The last state the module told us (status call or a 4045/4050 refusal). */
  private known: LocalModuleState | null = null;

  constructor(config: LocalModuleConfig) {
    const { signer: _signer, logger, now, random, ...data } = config;
    this.logger = logger;
    this.now = now ?? Date.now;
    this.cfg = localModuleConfigSchema.parse(data);
    const headers: Record<string, string> = { 'X-ClientId': this.cfg.clientId };
    if (this.cfg.token) headers.Authorization = `Token ${this.cfg.token}`;
    else if (this.cfg.login !== undefined && this.cfg.password !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${this.cfg.login}:${this.cfg.password}`, 'utf8').toString('base64')}`;
    }
    this.limits = { maxCodesPerCheck: this.cfg.maxCodesPerCheck, maxCodesPerDocument: 30_000, requestsPerMinute: this.cfg.limits?.requestsPerMinute ?? null };
    this.http = new HttpClient({
      baseURL: this.cfg.baseUrl.replace(/\/+$/, ''),
      timeoutMs: this.cfg.timeoutMs,
      retry: this.cfg.retry,
      rateLimit: null,
      maxConcurrency: this.cfg.limits?.maxConcurrency ?? null,
      headers,
      logger,
      random,
    });
  }

  // ---- offline check ------------------------------------------------------------------------

  async checkCodes(codes: string[], opts: { signal?: AbortSignal } = {}): Promise<CodeStatus[]> {
    const out: CodeStatus[] = [];
    for (const part of chunk(codes, this.cfg.maxCodesPerCheck)) out.push(...(await this.outCheck(part, opts.signal)));
    return out;
  }

  private cisOf(code: string): string {
    return this.cfg.codeForm === 'ki' ? deriveKi(code) : code;
  }

  private async outCheck(codes: string[], signal?: AbortSignal): Promise<CodeStatus[]> {
    if (codes.length === 0) return [];
    const what = `${this.cfg.outCheckMethod} ${this.cfg.outCheckPath}`;
    const pg = this.cfg.productGroup;
    const send = (data: unknown, params?: Record<string, unknown>) =>
      this.http.request<unknown>({
        method: this.cfg.outCheckMethod,
        url: this.cfg.outCheckPath,
        ...(data !== undefined ? { data } : {}),
        ...(params ? { params } : {}),
        idempotent: true,
        retry: false,
        timeoutMs: this.cfg.checkTimeoutMs,
        signal,
        acceptStatus: ANSWER_STATUSES,
      });
    const bodies =
      this.cfg.outCheckMethod === 'POST'
        ? [await send({ cis_list: codes.map((c) => (pg !== undefined ? { cis: this.cisOf(c), pg } : { cis: this.cisOf(c) })) })]
        : await Promise.all(codes.map((c) => send(undefined, { cis: this.cisOf(c), ...(pg !== undefined ? { pg } : {}) })));
    const statuses: CodeStatus[] = [];
    for (const res of bodies) {
      if (res.status >= 400) throw this.refusal(what, res.status, res.data);
      const o = isObj(res.data) ? res.data : null;
      if (!o) throw new TrackingError('permanent', 'bad-answer', `${what}: unexpected answer (not a JSON object)`, { status: res.status });
      const result = num(o.code);
      const results = Array.isArray(o.results) ? o.results.filter(isObj) : Array.isArray(o.codes) ? [o] : [];
      if (results.length === 0 && result !== null && result !== 0) throw this.refusal(what, res.status, res.data);
      for (const r of results) statuses.push(...readResult(r));
    }
    this.markReady();
    return matchByKi(codes, statuses, (c) => unansweredStatus(c, { unchecked: true, checkedOffline: true }));
  }

  /** A successful check proves the module is ready now (its sync age is still what status said). */
  private markReady(): void {
    if (this.known && this.known.status !== 'ready') this.known = { ...this.known, status: 'ready', statusText: 'ready' };
  }

  /** 400 + 4045 / 4050 → not ready / sync_error (remembered for health); 401 → auth; other → permanent. */
  private refusal(what: string, status: number, body: unknown): TrackingError {
    const o: Obj = isObj(body) ? body : {};
    const code = num(field(o, 'code', 'errorCode', 'error_code'));
    const text = str(field(o, 'description', 'errorMessage', 'message', 'error')) ?? null;
    if (code === LM_SYNC_ERROR || code === LM_NOT_READY) {
      const sync = code === LM_SYNC_ERROR;
      const before = this.known ?? { status: 'unknown', statusText: null, lastSync: null, version: null, inst: null, operationMode: null, raw: body };
      // 4045 says "not ready" without the word: keep the last non-ready word the status call gave, if any.
      const notReady = before.status !== 'ready' && before.status !== 'sync_error' ? before.status : 'unknown';
      this.known = { ...before, status: sync ? 'sync_error' : notReady, statusText: sync ? 'sync_error' : (text ?? 'not ready') };
      this.logger?.warn({ code, status }, sync ? 'tracking: Local Module in sync_error' : 'tracking: Local Module not ready');
      return new TrackingError(
        'transient',
        sync ? 'lm-sync-error' : 'lm-not-ready',
        sync
          ? `${what}: the Local Module is in sync_error (${code}): no sync with ГИС МТ for 72 h, no offline check until it syncs${text ? ` (${text})` : ''}`
          : `${what}: the Local Module is not ready (${code})${text ? `: ${text}` : ''}`,
        { status, ...(text ? { reason: text } : {}) },
      );
    }
    const kind = status === 401 || status === 403 ? 'auth' : 'permanent';
    return new TrackingError(kind, status === 401 ? 'unauthorized' : `http-${status}`, `${what}: the Local Module refused (${status}${code !== null ? `, ${code}` : ''})${text ? `: ${text}` : ''}`, {
      status,
      ...(text ? { reason: text } : {}),
    });
  }

  // ---- documents: not this client's job -----------------------------------------------------

  submitSale(): Promise<{ documentId: string }> {
    return Promise.reject(notSupported());
  }
  submitReturn(): Promise<{ documentId: string }> {
    return Promise.reject(notSupported());
  }
  getDocument(): Promise<DocumentInfo> {
    return Promise.reject(notSupported());
  }
  findDocuments(): Promise<DocumentInfo[]> {
    return Promise.reject(notSupported());
  }

  // ---- status -------------------------------------------------------------------------------

  /** `GET /api/v1/status` → the module's state (also remembered for `health()`). */
  async status(): Promise<LocalModuleState> {
    const res = await this.http.request<unknown>({ method: 'GET', url: this.cfg.statusPath, idempotent: true, retry: false, timeoutMs: this.cfg.timeoutMs, acceptStatus: ANSWER_STATUSES });
    if (res.status >= 400) throw this.refusal(`GET ${this.cfg.statusPath}`, res.status, res.data);
    this.known = parseStatus(res.data);
    return this.known;
  }

  /** The last state seen, without a request. */
  get lastKnownState(): LocalModuleState | null {
    return this.known;
  }

  async health(): Promise<TrackingHealth> {
    const started = performance.now();
    let state: LocalModuleState;
    try {
      state = await this.status();
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (e instanceof TrackingError && (e.code === 'lm-not-ready' || e.code === 'lm-sync-error') && this.known) {
        // The status call itself was refused with 4045 / 4050: report that state.
        const problems = localModuleProblems(this.known, this.now(), { warnHours: this.cfg.syncWarnHours, limitHours: this.cfg.syncLimitHours });
        return { ok: false, latencyMs: null, tokenExpiresAt: null, message: problems[0]?.message ?? why, problems };
      }
      const auth = e instanceof TrackingError && e.kind === 'auth';
      return {
        ok: false,
        latencyMs: null,
        tokenExpiresAt: null,
        message: why,
        problems: [
          auth
            ? { code: 'lm-auth', severity: 'error', message: `The Local Module refused tanba's credentials (${why}): set tracking login/password (Basic) or the token ТС ПИоТ issued, and the FN number as clientId.` }
            : { code: 'lm-unreachable', severity: 'error', message: `The Local Module at ${this.cfg.baseUrl} does not answer (${why}): no offline check. Start the Local Module service and check its URL.` },
        ],
      };
    }
    const problems = localModuleProblems(state, this.now(), { warnHours: this.cfg.syncWarnHours, limitHours: this.cfg.syncLimitHours });
    const ok = !problems.some((p) => p.severity === 'error');
    const first = problems[0];
    return {
      ok,
      latencyMs: Math.round(performance.now() - started),
      tokenExpiresAt: null,
      ...(first ? { message: first.message } : {}),
      problems,
      details: {
        status: state.statusText,
        lastSync: state.lastSync !== null ? new Date(state.lastSync).toISOString() : null,
        version: state.version,
        inst: state.inst,
        operationMode: state.operationMode,
      },
    };
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

/** One `results[]` item (or a flat body): every code is an offline answer with the item's requisites. */
function readResult(r: Obj): CodeStatus[] {
  const codes = Array.isArray(r.codes) ? r.codes.filter(isObj) : [];
  const ctx = {
    reqId: field(r, 'reqId', 'req_id'),
    reqTimestamp: field(r, 'reqTimestamp', 'req_timestamp'),
    inst: field(r, 'inst'),
    version: field(r, 'version'),
    checkedOffline: true,
    emergency: false,
  };
  return codes.map((c) => normaliseTsPiotCode(c, ctx));
}

function notSupported(): TrackingError {
  return new TrackingError(
    'permanent',
    'not-supported',
    'The Local Module client checks codes only here; cis/sell and cis/return after a receipt are a delivery of the receipt, not a tracking document.',
  );
}
