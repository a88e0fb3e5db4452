/**
 * tspiot/adapter.ts — the ТС ПИоТ client (RU pre-sale check since 2026, reference fiscal-channels.md
 * §2.4, tracking-fidelity.md §4.2): `POST api/v1/codes/check {codes, client_info{name, version, id,
 * token}}` (or the FMU-API v3 form `codes:[{cis: base64(KM), pg}]`), `POST api/v1/info`. HTTP 203 is
 * emergency mode: statuses say `emergency`, and `health()` reports it. `is_checked_offline` answers
 * are marked `checkedOffline` (the decision rules then refuse only on block list / sold / price).
 * Checks make one attempt within `checkTimeoutMs` and stop when the caller's AbortSignal fires.
 * ТС ПИоТ only checks: retail sales are reported by the fiscal receipt, so document calls refuse.
 * The token is never logged.
 */
import type { z } from 'zod';
import { parseCode } from '../../marking/index.js';
import { chunk } from '../batch.js';
import { num, str } from '../common.js';
import { tspiotConfigSchema, type TsPiotConfig } from '../config.js';
import { TrackingError } from '../errors.js';
import { HttpClient, type Logger } from '../http.js';
import type { CodeStatus, DocumentInfo, TrackingHealth, TrackingProblem, TrackingSystem } from '../types.js';
import { errorOf, field, isObj, matchByKi, parseCheckBody, unansweredStatus } from './answer.js';
import { defaultInstallId, TANBA_VERSION, type ClientInfo } from './client-info.js';

/** [I] tanba's product-group names → the `pg` names ГИС МТ uses (v3 requests only). */
const PG: Record<string, string> = {
  tobacco: 'tobacco',
  shoes: 'shoes',
  light_industry: 'lp',
  dairy: 'milk',
  water: 'water',
  beer: 'beer',
  appliances: 'electronics',
};

/** Statuses whose body is the ТС ПИоТ's own `{error}` envelope, read here rather than classified blind. */
const ANSWER_STATUSES = [400, 401, 403, 404, 409, 422];

export class TsPiotAdapter implements TrackingSystem {
  readonly family = 'tspiot' as const;
  readonly limits: TrackingSystem['limits'];
  readonly http: HttpClient;
  private readonly cfg: z.infer<typeof tspiotConfigSchema>;
  private readonly logger: Logger | undefined;
  private readonly clientInfo: ClientInfo;
  private readonly paths: { check: string; info: string };
  private readonly encoding: 'raw' | 'base64';
  /** The last check answered in emergency mode (and no normal answer came since). */
  private lastCheckEmergency = false;

  constructor(config: TsPiotConfig) {
    const { signer: _signer, logger, now: _now, random, ...data } = config;
    this.logger = logger;
    this.cfg = tspiotConfigSchema.parse(data);
    const v3 = this.cfg.protocol === 'v3';
    this.paths = {
      check: this.cfg.paths?.check ?? (v3 ? '/api/v3/codes/check' : '/api/v1/codes/check'),
      info: this.cfg.paths?.info ?? '/api/v1/info',
    };
    this.encoding = this.cfg.codeEncoding ?? (v3 ? 'base64' : 'raw');
    this.clientInfo = {
      name: this.cfg.clientName,
      version: this.cfg.clientVersion ?? TANBA_VERSION,
      id: this.cfg.installId ?? defaultInstallId(),
      token: this.cfg.token ?? this.cfg.apiKey ?? '',
    };
    const perMinute = this.cfg.limits?.requestsPerMinute ?? null;
    // No documents go to a ТС ПИоТ (they are refused); the document cap only keeps splitters sane.
    this.limits = { maxCodesPerCheck: this.cfg.maxCodesPerCheck, maxCodesPerDocument: 30_000, requestsPerMinute: perMinute };
    this.http = new HttpClient({
      baseURL: this.cfg.baseUrl.replace(/\/+$/, ''),
      timeoutMs: this.cfg.timeoutMs,
      retry: this.cfg.retry,
      rateLimit: perMinute ? { perMinute, burst: this.cfg.limits?.burst ?? 5 } : null,
      maxConcurrency: this.cfg.limits?.maxConcurrency ?? null,
      logger,
      random,
    });
  }

  /** The `client_info.id` sent (the token is not exposed). */
  get installId(): string {
    return this.clientInfo.id;
  }

  // ---- checks -------------------------------------------------------------------------------

  async checkCodes(codes: string[], opts: { signal?: AbortSignal } = {}): Promise<CodeStatus[]> {
    const out: CodeStatus[] = [];
    for (const part of chunk(codes, this.cfg.maxCodesPerCheck)) out.push(...(await this.checkPart(part, opts.signal)));
    return out;
  }

  /** The request body for `codes`, in the configured protocol and encoding. */
  requestBody(codes: string[]): Record<string, unknown> {
    const form = (c: string): string => (this.encoding === 'base64' ? Buffer.from(c, 'utf8').toString('base64') : c);
    if (this.cfg.protocol === 'v3') {
      return {
        codes: codes.map((c) => {
          const pg = this.productGroupOf(c);
          return pg ? { cis: form(c), pg } : { cis: form(c) };
        }),
        client_info: this.clientInfo,
      };
    }
    return { codes: codes.map(form), client_info: this.clientInfo };
  }

  private productGroupOf(code: string): string | null {
    if (this.cfg.productGroup) return this.cfg.productGroup;
    const group = parseCode(code, { country: 'RU' }).productGroup;
    return group ? (PG[group] ?? null) : null;
  }

  private async checkPart(codes: string[], signal?: AbortSignal): Promise<CodeStatus[]> {
    if (codes.length === 0) return [];
    const what = `POST ${this.paths.check}`;
    const res = await this.http.request<unknown>({
      method: 'POST',
      url: this.paths.check,
      data: this.requestBody(codes),
      idempotent: true,
      retry: false,
      timeoutMs: this.cfg.checkTimeoutMs,
      signal,
      acceptStatus: ANSWER_STATUSES,
    });
    if (res.status >= 400) throw refusal(what, res.status, res.data);
    const parsed = parseCheckBody(res.data, res.status);
    this.lastCheckEmergency = parsed.emergency;
    if (parsed.emergency) this.logger?.warn({ url: this.cfg.baseUrl, codes: codes.length }, 'tracking: ТС ПИоТ answered in emergency mode (HTTP 203)');
    if (parsed.statuses.length === 0) {
      if (parsed.emergency) return codes.map((c) => unansweredStatus(c, { emergency: true, unchecked: true, raw: res.data }));
      if (errorOf(res.data)) throw refusal(what, res.status, res.data);
      const r = parsed.refusals[0];
      if (r) throw new TrackingError('permanent', `tspiot-check-${r.code}`, `${what}: ТС ПИоТ refused the check (result ${r.code}): ${r.description ?? 'no reason given'}`, { status: res.status, ...(r.description ? { reason: r.description } : {}) });
      throw new TrackingError('permanent', 'bad-answer', `${what}: unexpected answer (no codes_response)`, { status: res.status });
    }
    // A code the answer left out was not checked: an absent answer is never "not found".
    return matchByKi(codes, parsed.statuses, (c) => unansweredStatus(c, { unchecked: true, ...(parsed.emergency ? { emergency: true } : {}) }));
  }

  // ---- documents: not this system's job ------------------------------------------------------

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

  // ---- health -------------------------------------------------------------------------------

  async health(): Promise<TrackingHealth> {
    const started = performance.now();
    const problems: TrackingProblem[] = [];
    if (!this.clientInfo.token) {
      problems.push({ code: 'tspiot-no-token', severity: 'warning', message: 'No ТС ПИоТ token is configured (tracking.token): checks send an empty client_info.token; set the token the ТС ПИоТ issued for this cash software.' });
    }
    let res;
    try {
      res = await this.http.request<unknown>({ method: 'POST', url: this.paths.info, data: {}, idempotent: true, retry: false, timeoutMs: this.cfg.timeoutMs, acceptStatus: ANSWER_STATUSES });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      problems.push({
        code: 'tspiot-unreachable',
        severity: 'error',
        message: `ТС ПИоТ at ${this.cfg.baseUrl} does not answer (${why}): codes cannot be checked, sales go through as "not checked". Start the ТС ПИоТ service on this computer and check tracking.url.`,
      });
      return { ok: false, latencyMs: null, tokenExpiresAt: null, message: why, problems };
    }
    const latencyMs = Math.round(performance.now() - started);
    const d = isObj(res.data) ? res.data : {};
    if (res.status >= 400) {
      const e = refusal(`POST ${this.paths.info}`, res.status, res.data);
      problems.push({ code: 'tspiot-refused', severity: 'error', message: `${e.message}. Check the ТС ПИоТ settings for this cash software.` });
      return { ok: false, latencyMs, tokenExpiresAt: null, message: e.message, problems };
    }
    const details: Record<string, unknown> = {
      tsPiotId: str(field(d, 'TsPiot_id', 'tsPiotId', 'tspiotId', 'ts_piot_id')),
      kktSerial: str(field(d, 'kkt_serial', 'kktSerial')),
      fnSerial: str(field(d, 'fn_serial', 'fnSerial')),
      kktInn: str(field(d, 'kkt_inn', 'kktInn')),
      codesCheckTimeout: num(field(d, 'codes_check_timeout', 'codesCheckTimeout')),
      installId: this.clientInfo.id,
      protocol: this.cfg.protocol,
    };
    const emergency = res.status === 203 || num(d.code) === 203 || this.lastCheckEmergency;
    if (emergency) {
      problems.push({
        code: 'tspiot-emergency',
        severity: 'error',
        message:
          'ТС ПИоТ is in emergency mode (HTTP 203): codes are not checked and sales go through unchecked. Check the ТС ПИоТ service (its log, its link to ГИС МТ, its certificate), restart it, and call its vendor if it stays in emergency mode.',
      });
    }
    const ok = !problems.some((p) => p.severity === 'error');
    return {
      ok,
      latencyMs,
      tokenExpiresAt: null,
      ...(emergency ? { emergency: true, message: 'ТС ПИоТ is in emergency mode' } : {}),
      details,
      problems,
    };
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

function notSupported(): TrackingError {
  return new TrackingError('permanent', 'not-supported', 'ТС ПИоТ only checks codes: a retail sale is reported by the fiscal receipt (the ATOL channel), not by a document.');
}

/** A 4xx answer (or an `{error}` body) → TrackingError with the ТС ПИоТ's own code and text. */
function refusal(what: string, status: number, body: unknown): TrackingError {
  const e = errorOf(body);
  const reason = e?.description ?? (isObj(body) ? str(field(body, 'message', 'description')) : null);
  const suffix = `${e?.code !== null && e?.code !== undefined ? `, error ${e.code}` : ''}: ${reason ?? 'no reason given'}`;
  const kind = status === 401 || status === 403 ? 'auth' : 'permanent';
  const code = e?.code !== null && e?.code !== undefined ? `tspiot-${e.code}` : status === 401 ? 'unauthorized' : `http-${status}`;
  return new TrackingError(kind, code, `${what}: ТС ПИоТ refused (${status}${suffix})`, { status, ...(reason ? { reason } : {}) });
}
