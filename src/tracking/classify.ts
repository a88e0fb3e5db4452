/**
 * Error classification: every failure of an HTTP call becomes a TrackingError whose `kind` says what
 * the caller may do. The rules (see reference/tracking-systems.md §9):
 * - network failures before the request left, 429 and 503: transient, safe to repeat even for a POST;
 * - timeouts, resets and other 5xx: transient for idempotent calls, `unknown-result` for mutating ones
 *   (the server may have acted; the relay reconciles through document search before re-sending);
 * - 401: `auth` (the adapter refreshes its token once, then gives up);
 * - 400/403/404/405/406/409/413/422 and other 4xx: permanent, with the server's reason.
 */
import { AxiosError, isAxiosError } from 'axios';
import { TrackingError } from './errors.js';

/** Statuses that mean "the server did not act on it", so even a mutating request may be repeated. */
export const SAFE_TO_REPEAT_STATUSES: ReadonlySet<number> = new Set([429, 503]);

/** Connection errors that happen before the request could reach the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

export interface ClassifyContext {
  /** Whether repeating the request is harmless (reads, including read-only POSTs like code info). */
  idempotent: boolean;
  /** What was being done, for the message, e.g. "POST /public/api/v1/doc/withdrawal". */
  what: string;
  /** Statuses that are safe to repeat for mutating requests; default 429 and 503. */
  safeToRepeat?: ReadonlySet<number>;
}

export function classifyError(err: unknown, ctx: ClassifyContext): TrackingError {
  if (err instanceof TrackingError) return err;
  if (!isAxiosError(err)) {
    const msg = err instanceof Error ? err.message : String(err);
    return new TrackingError('transient', 'internal', `${ctx.what}: ${msg}`);
  }
  const e = err as AxiosError;
  const res = e.response;
  if (res) return classifyStatus(res.status, res.data, res.headers as Record<string, unknown>, ctx);

  const code = e.code ?? '';
  const cause = (e.cause as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code === AxiosError.ERR_CANCELED || e.name === 'CanceledError') {
    return new TrackingError(ctx.idempotent ? 'transient' : 'unknown-result', 'aborted', `${ctx.what}: aborted by the caller`);
  }
  if (code === 'ECONNABORTED' || code === 'ETIMEDOUT' || /timeout/i.test(e.message)) {
    return ctx.idempotent
      ? new TrackingError('transient', 'timeout', `${ctx.what}: no answer in time`)
      : new TrackingError('unknown-result', 'timeout', `${ctx.what}: no answer in time; the server may have accepted it`);
  }
  if (NOT_SENT_CODES.has(code) || NOT_SENT_CODES.has(cause)) {
    return new TrackingError('transient', 'network', `${ctx.what}: cannot connect (${code || cause})`);
  }
  return ctx.idempotent
    ? new TrackingError('transient', 'network', `${ctx.what}: connection failed (${code || cause || e.message})`)
    : new TrackingError('unknown-result', 'connection-reset', `${ctx.what}: connection lost (${code || cause || e.message}); the server may have accepted it`);
}

export function classifyStatus(
  status: number,
  body: unknown,
  headers: Record<string, unknown>,
  ctx: ClassifyContext,
): TrackingError {
  const reason = extractReason(body);
  const suffix = reason ? `: ${reason}` : '';
  const details = { status, ...(reason ? { reason } : {}) };
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(headers['retry-after']);
    return new TrackingError('transient', 'rate-limited', `${ctx.what}: rate limited (429)${suffix}`, {
      ...details,
      ...(retryAfterMs !== null ? { retryAfterMs } : {}),
    });
  }
  if (status >= 500) {
    const safe = (ctx.safeToRepeat ?? SAFE_TO_REPEAT_STATUSES).has(status);
    if (ctx.idempotent || safe) {
      const retryAfterMs = parseRetryAfter(headers['retry-after']);
      return new TrackingError('transient', `http-${status}`, `${ctx.what}: server error ${status}${suffix}`, {
        ...details,
        ...(retryAfterMs !== null ? { retryAfterMs } : {}),
      });
    }
    return new TrackingError('unknown-result', `http-${status}`, `${ctx.what}: server error ${status}; the server may have accepted it${suffix}`, details);
  }
  if (status === 401 || isInactiveToken(body)) return new TrackingError('auth', 'unauthorized', `${ctx.what}: not authorised (401)${suffix}`, details);
  const codes: Record<number, string> = {
    400: 'bad-request',
    403: 'forbidden',
    404: 'not-found',
    405: 'method-not-allowed',
    406: 'not-acceptable',
    409: 'conflict',
    413: 'too-large',
    422: 'unprocessable',
  };
  const code = codes[status] ?? `http-${status}`;
  return new TrackingError('permanent', code, `${ctx.what}: refused (${status})${suffix}`, details);
}

/** Retry-After as delta-seconds or an HTTP date → milliseconds, or null. */
export function parseRetryAfter(value: unknown, now = Date.now()): number | null {
  if (value === undefined || value === null) return null;
  const s = String(Array.isArray(value) ? value[0] : value).trim();
  if (s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  const t = Date.parse(s);
  return Number.isFinite(t) ? Math.max(0, t - now) : null;
}

/** The server's reason, from the answer shapes seen in xTrace and True API. Never longer than 300 chars. */
export function extractReason(body: unknown): string | null {
  const pick = (v: unknown): string | null => {
    if (typeof v === 'string') return v.trim() || null;
    if (Array.isArray(v)) {
      const parts = v.map(pick).filter((x): x is string => !!x);
      return parts.length ? parts.join('; ') : null;
    }
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      // KZ xTrace: {"globalErrors":[{"error":"No permission for operation","errorCode":201}]} (on HTTP 400).
      if (Array.isArray(o.globalErrors)) {
        const parts = o.globalErrors.map((g) => {
          const e = (g ?? {}) as { error?: unknown; errorCode?: unknown };
          const text = typeof e.error === 'string' && e.error.trim() ? e.error.trim() : null;
          const code = typeof e.errorCode === 'number' || (typeof e.errorCode === 'string' && e.errorCode.trim()) ? String(e.errorCode) : null;
          return text && code ? `${text} (errorCode ${code})` : (text ?? (code ? `errorCode ${code}` : null));
        });
        const joined = parts.filter((x): x is string => !!x).join('; ');
        if (joined) return joined;
      }
      for (const k of ['error_message', 'errorMessage', 'message', 'description', 'detail', 'error', 'code', 'errorCode']) {
        const x = o[k];
        if (typeof x === 'string' && x.trim()) {
          const cause = (o.context as Record<string, unknown> | undefined)?._cause;
          return typeof cause === 'string' && cause !== x ? `${x} (${cause})` : x.trim();
        }
      }
      const cause = (o.context as Record<string, unknown> | undefined)?._cause;
      if (typeof cause === 'string') return cause;
    }
    return null;
  };
  let text: string | null;
  if (typeof body === 'string') {
    try {
      text = pick(JSON.parse(body));
    } catch {
      text = pick(body);
    }
  } else if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    text = null;
  } else {
    text = pick(body);
  }
  return text ? text.slice(0, 300) : null;
}

/** xTrace signals an expired token with 401 or with `context._cause = "inactive-token"` (any status). */
function isInactiveToken(body: unknown): boolean {
  let b = body;
  if (typeof b === 'string') {
    try {
      b = JSON.parse(b);
    } catch {
      return false;
    }
  }
  const items = Array.isArray(b) ? b : [b];
  return items.some((x) => {
    if (!x || typeof x !== 'object') return false;
    const o = x as { code?: unknown; context?: { _cause?: unknown } };
    return o.code === 'inactive-token' || o.context?._cause === 'inactive-token';
  });
}
