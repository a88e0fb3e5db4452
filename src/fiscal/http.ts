/**
 * HTTP plumbing shared by the cloud cash-register channels (Webkassa, re:Kassa): one axios instance per
 * channel (keep-alive agents, a timeout on every call, no redirects, raw text bodies parsed here), the
 * classification of transport failures and HTTP statuses into FiscalError, and the per-register
 * serial queue. There are NO retries here: the delivery core's relay owns retries; a channel repeats a
 * call only as one of its own protocol steps (re-authorising, closing a shift, switching domain).
 *
 * Classification (fiscal-channels.md §0 rule 2):
 * - connection refused, DNS failure, unreachable host: `transient` (the request never left);
 * - a timeout or a reset after the request was fully written: `unknown-result` for a mutating call
 *   (the receipt may exist), `transient` for a read; before it was written: `transient`;
 * - 429, 502, 503, 504: `transient` (Retry-After → details.retryAfterMs);
 * - 500 and other 5xx: `unknown-result` for a mutating call, `transient` for a read.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { AxiosError, isAxiosError, type AxiosInstance } from 'axios';
import { FiscalError } from './types.js';

/** Pino-compatible logger. Channels never pass tokens, passwords, api keys or customer contacts to it. */
export interface FiscalLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentLogger: FiscalLogger = { debug() {}, info() {}, warn() {}, error() {} };

export interface ChannelHttpOptions {
  /** Channel name for messages and logs (`webkassa`, `rekassa`). */
  channel: string;
  /** Per-call timeout, always set. */
  timeoutMs: number;
  /** Headers sent on every call. */
  headers?: Record<string, string>;
  logger?: FiscalLogger;
}

export interface SendSpec {
  method: 'GET' | 'POST';
  /** Absolute URL. Never log it with its query (it may carry an api key): use `what`. */
  url: string;
  data?: unknown;
  params?: Record<string, string>;
  headers?: Record<string, string>;
  /** The call may create a receipt (or another fiscal document): ambiguous failures are `unknown-result`. */
  mutating: boolean;
  /** For messages and logs, e.g. `POST /api/v4/check`. No secrets, no query. */
  what: string;
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  /** The body as text. */
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
  /** True when `text` parsed as JSON. */
  isJson: boolean;
}

/** Connection errors that happen before the request could reach the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export class ChannelHttp {
  readonly axios: AxiosInstance;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly logger: FiscalLogger;

  constructor(readonly options: ChannelHttpOptions) {
    this.logger = options.logger ?? silentLogger;
    this.axios = axios.create({
      timeout: options.timeoutMs,
      maxRedirects: 0,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      proxy: false,
      headers: { Accept: 'application/json', ...options.headers },
      // Every status is an answer here; the channel reads its own envelope first.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(d: unknown) => d],
      transitional: { silentJSONParsing: true, forcedJSONParsing: false, clarifyTimeoutError: true },
    });
  }

  /** One HTTP exchange. Resolves with any HTTP status; rejects with a FiscalError only when there is no answer. */
  async send(spec: SendSpec): Promise<RawAnswer> {
    const started = performance.now();
    try {
      const res = await this.axios.request({
        method: spec.method,
        url: spec.url,
        data: spec.data,
        params: spec.params,
        headers: spec.data !== undefined ? { 'Content-Type': 'application/json', ...spec.headers } : spec.headers,
      });
      const text = typeof res.data === 'string' ? res.data : res.data == null ? '' : String(res.data);
      let json: unknown;
      let isJson = false;
      if (text.trim() !== '') {
        try {
          json = JSON.parse(text);
          isJson = true;
        } catch {
          /* not JSON: the channel decides what that means */
        }
      }
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(res.headers ?? {})) {
        if (v === undefined || v === null) continue;
        headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
      }
      this.logger.debug(
        { channel: this.options.channel, call: spec.what, status: res.status, ms: Math.round(performance.now() - started) },
        `${this.options.channel}: answer`,
      );
      return { status: res.status, headers, text, json, isJson };
    } catch (err) {
      const e = classifyTransportError(err, spec);
      this.logger.debug(
        { channel: this.options.channel, call: spec.what, kind: e.kind, code: e.code, ms: Math.round(performance.now() - started) },
        `${this.options.channel}: no answer`,
      );
      throw e;
    }
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Whether the request left completely (its body was handed to the OS) before the failure. */
function requestWasWritten(e: AxiosError): boolean {
  const req = e.request as { writableFinished?: boolean; finished?: boolean } | undefined;
  if (!req) return false;
  return req.writableFinished === true || req.finished === true;
}

/** A failure with no HTTP answer → FiscalError. */
export function classifyTransportError(err: unknown, spec: Pick<SendSpec, 'mutating' | 'what'>): FiscalError {
  if (err instanceof FiscalError) return err;
  if (!isAxiosError(err)) {
    const msg = err instanceof Error ? err.message : String(err);
    return new FiscalError('transient', 'internal', `${spec.what}: ${msg}`);
  }
  const e = err as AxiosError;
  const code = e.code ?? '';
  const cause = (e.cause as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (NOT_SENT_CODES.has(code) || NOT_SENT_CODES.has(cause)) {
    return new FiscalError('transient', 'network', `${spec.what}: cannot connect (${code || cause})`);
  }
  const written = requestWasWritten(e);
  const isTimeout = code === AxiosError.ETIMEDOUT || code === AxiosError.ECONNABORTED || /timeout/i.test(e.message);
  if (isTimeout) {
    if (spec.mutating && written) {
      return new FiscalError('unknown-result', 'timeout', `${spec.what}: no answer in time after the request was sent; the receipt may have been issued`);
    }
    return new FiscalError('transient', 'timeout', `${spec.what}: no answer in time`);
  }
  if (code === AxiosError.ERR_CANCELED) {
    return spec.mutating && written
      ? new FiscalError('unknown-result', 'aborted', `${spec.what}: aborted after the request was sent`)
      : new FiscalError('transient', 'aborted', `${spec.what}: aborted`);
  }
  const what = code || cause || e.message;
  if (spec.mutating && written) {
    return new FiscalError('unknown-result', 'connection-reset', `${spec.what}: connection lost (${what}) after the request was sent; the receipt may have been issued`);
  }
  return new FiscalError('transient', 'network', `${spec.what}: connection failed (${what})`);
}

/**
 * An HTTP status the channel did not recognise as its own answer → FiscalError.
 * 429/502/503/504 transient; 500 and other 5xx unknown-result when mutating; 401/403 auth; 404 auth (a wrong
 * `url` or register id: a configuration problem, nothing issued); other 4xx permanent.
 */
export function classifyStatus(status: number, headers: Record<string, string | undefined>, spec: Pick<SendSpec, 'mutating' | 'what'>, reason?: string): FiscalError {
  const suffix = reason ? `: ${reason}` : '';
  const retryAfterMs = parseRetryAfter(headers['retry-after']);
  const details = { status, ...(retryAfterMs !== null ? { retryAfterMs } : {}) };
  if (status === 429) return new FiscalError('transient', 'rate-limited', `${spec.what}: rate limited (429)${suffix}`, details);
  if (status === 502 || status === 503 || status === 504) {
    return new FiscalError('transient', `http-${status}`, `${spec.what}: server unavailable (${status})${suffix}`, details);
  }
  if (status >= 500) {
    return spec.mutating
      ? new FiscalError('unknown-result', `http-${status}`, `${spec.what}: server error ${status}; the receipt may have been issued${suffix}`, details)
      : new FiscalError('transient', `http-${status}`, `${spec.what}: server error ${status}${suffix}`, details);
  }
  if (status === 401 || status === 403) return new FiscalError('auth', `http-${status}`, `${spec.what}: not authorised (${status})${suffix}`, details);
  if (status === 404) return new FiscalError('auth', 'http-404', `${spec.what}: not found (404): check the channel's url and register settings${suffix}`, details);
  return new FiscalError('permanent', `http-${status}`, `${spec.what}: refused (${status})${suffix}`, details);
}

/** Retry-After as delta-seconds or an HTTP date → milliseconds, or null. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (value === undefined) return null;
  const s = value.trim();
  if (s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - now) : null;
}

/** Join a base URL and a path without doubling or losing slashes. */
export function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/**
 * Runs tasks one at a time, in the order they were queued: requests to one cash register never overlap
 * (Webkassa answers error 9 to parallel calls on one cashbox). A failing task does not stop the queue.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task, task);
    this.tail = result.then(
      () => { this.pending--; },
      () => { this.pending--; },
    );
    return result;
  }

  /** Tasks queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Resolves when everything queued so far has finished. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
