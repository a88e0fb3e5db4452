/**
 * The HTTP layer every adapter uses: one axios instance (keep-alive, timeout always set, `Accept: *\/*`),
 * client-side pacing (token bucket + concurrency gate), classification of failures into TrackingError,
 * and p-retry for transient failures with exponential back-off, full jitter, caps and Retry-After.
 * Mutating requests are never repeated unless the server said it did not act (429/503, or refused before
 * connecting); a timeout after a POST surfaces as `unknown-result`.
 */
import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import pRetry from 'p-retry';
import type { z } from 'zod';
import { classifyError, type ClassifyContext } from './classify.js';
import { TrackingError } from './errors.js';
import { Semaphore, sleep, TokenBucket, type RateLimitOptions } from './rate-limiter.js';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First back-off step; doubles each retry. */
  baseDelayMs: number;
  /** Cap on one back-off step. */
  maxDelayMs: number;
  /** Cap on how long a server's Retry-After is honoured. */
  maxRetryAfterMs: number;
  /** Total time budget for one call including retries. */
  maxTotalMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  retries: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
  maxTotalMs: 60_000,
};

/** Minimal structured logger (pino-compatible). Adapters never pass tokens or passwords to it. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export interface HttpClientOptions {
  baseURL: string;
  /** Per-attempt timeout. */
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  rateLimit?: RateLimitOptions | null;
  maxConcurrency?: number | null;
  headers?: Record<string, string>;
  logger?: Logger;
  /** Jitter source, for deterministic tests. */
  random?: () => number;
}

export interface RequestSpec<T> {
  method: 'GET' | 'POST';
  /** Path relative to baseURL, or an absolute URL (CDN hosts). */
  url: string;
  data?: unknown;
  params?: Record<string, unknown>;
  headers?: Record<string, string>;
  /** Repeating the request is harmless. Mutating requests must say false. */
  idempotent: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Validates the answer body; a mismatch is `bad-answer`. */
  schema?: z.ZodType<T>;
  /** Set false to make exactly one attempt. */
  retry?: boolean;
  /** Statuses (besides 2xx) that are answers, not errors (e.g. 307 from xTrace private codes). */
  acceptStatus?: number[];
  responseType?: 'json' | 'text';
}

export interface HttpResult<T> {
  status: number;
  data: T;
  headers: Record<string, unknown>;
}

export class HttpClient {
  readonly axios: AxiosInstance;
  readonly retry: RetryPolicy;
  readonly limiter: TokenBucket | null;
  private readonly gate: Semaphore | null;
  private readonly random: () => number;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(readonly options: HttpClientOptions) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.limiter = options.rateLimit ? new TokenBucket(options.rateLimit) : null;
    this.gate = options.maxConcurrency ? new Semaphore(options.maxConcurrency) : null;
    this.random = options.random ?? Math.random;
    this.axios = axios.create({
      baseURL: options.baseURL,
      timeout: options.timeoutMs,
      maxRedirects: 0,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      headers: { Accept: '*/*', ...options.headers },
      validateStatus: (s) => s >= 200 && s < 300,
      // Parse JSON when the body is JSON; keep it as text when it is not (no throw: validation decides).
      transitional: { silentJSONParsing: true, forcedJSONParsing: true, clarifyTimeoutError: true },
    });
  }

  /** Back-off step for retry n (1-based): "equal jitter" — between half and all of base·2^(n-1), capped. */
  backoffMs(n: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (n - 1));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  async request<T = unknown>(spec: RequestSpec<T>): Promise<HttpResult<T>> {
    try {
      return await this.requestWithRetry(spec);
    } catch (e) {
      if (e instanceof TrackingError) throw e;
      if (spec.signal?.aborted) {
        // Aborted while waiting for a rate slot or a back-off: for a mutating call nothing may have been sent
        // yet, but a previous attempt might have; stay on the safe side.
        throw new TrackingError(spec.idempotent ? 'transient' : 'unknown-result', 'aborted', `${spec.method} ${stripQuery(spec.url)}: aborted by the caller`);
      }
      throw classifyError(e, { idempotent: spec.idempotent, what: `${spec.method} ${stripQuery(spec.url)}` });
    }
  }

  private async requestWithRetry<T>(spec: RequestSpec<T>): Promise<HttpResult<T>> {
    const what = `${spec.method} ${stripQuery(spec.url)}`;
    const ctx: ClassifyContext = { idempotent: spec.idempotent, what };
    const started = performance.now();
    let pendingDelay = 0;
    const attempt = async (): Promise<HttpResult<T>> => {
      if (pendingDelay > 0) {
        const d = pendingDelay;
        pendingDelay = 0;
        await sleep(d, spec.signal);
      }
      if (this.limiter) await this.limiter.acquire(spec.signal);
      return this.gate ? this.gate.run(() => this.once(spec, ctx)) : this.once(spec, ctx);
    };
    if (spec.retry === false || this.retry.retries === 0) return attempt();
    /** Decide whether failure number `n` (1-based) is retried, and after how long. */
    const decide = (error: unknown, n: number): boolean => {
      if (!(error instanceof TrackingError) || error.kind !== 'transient' || error.code === 'aborted') return false;
      const backoff = this.backoffMs(n);
      const ra = error.details.retryAfterMs;
      if (ra !== undefined && ra > this.retry.maxRetryAfterMs) return false;
      const delay = Math.max(backoff, ra ?? 0);
      if (performance.now() - started + delay > this.retry.maxTotalMs) return false;
      pendingDelay = delay;
      this.options.logger?.debug({ what, code: error.code, status: error.details.status, delayMs: delay }, 'tracking: retrying');
      return true;
    };
    // The first attempt runs outside p-retry: the common case (success) pays nothing for the retry machinery.
    try {
      return await attempt();
    } catch (e) {
      if (!decide(e, 1)) throw e;
    }
    return pRetry(attempt, {
      retries: this.retry.retries - 1,
      minTimeout: 0,
      factor: 1,
      signal: spec.signal,
      shouldRetry: ({ error, retriesConsumed }) => decide(error, retriesConsumed + 2),
    });
  }

  private async once<T>(spec: RequestSpec<T>, ctx: ClassifyContext): Promise<HttpResult<T>> {
    let res: AxiosResponse;
    try {
      res = await this.axios.request({
        method: spec.method,
        url: spec.url,
        data: spec.data,
        params: spec.params,
        headers: spec.headers,
        timeout: spec.timeoutMs ?? this.options.timeoutMs,
        signal: spec.signal,
        responseType: spec.responseType === 'text' ? 'text' : 'json',
        validateStatus: spec.acceptStatus
          ? (s) => (s >= 200 && s < 300) || spec.acceptStatus!.includes(s)
          : (s) => s >= 200 && s < 300,
      });
    } catch (err) {
      throw classifyError(err, ctx);
    }
    const headers = res.headers as Record<string, unknown>;
    if (!spec.schema || (spec.acceptStatus?.includes(res.status) ?? false)) {
      return { status: res.status, data: res.data as T, headers };
    }
    const parsed = spec.schema.safeParse(res.data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid';
      throw new TrackingError(
        spec.idempotent ? 'permanent' : 'unknown-result',
        'bad-answer',
        `${ctx.what}: unexpected answer (${where})`,
        { status: res.status },
      );
    }
    return { status: res.status, data: parsed.data, headers };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q >= 0 ? url.slice(0, q) : url;
}
