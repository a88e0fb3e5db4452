/** Helpers shared by the adapters: state mapping, auth wrapper, small normalisers. */
import { TrackingError } from './errors.js';
import type { Logger } from './http.js';
import type { TokenManager } from './token.js';

/**
 * THE definition of "sold / withdrawn from circulation" (normalised, upper case), for every family:
 * xTrace KZ/UZ `WITHDRAWN` (UZ also `RETIRED`), True API `RETIRED` and its variants. The adapters set
 * `CodeStatus.sold` from it and the decision rules read the same set; nothing else restates it.
 */
export const SOLD_STATUSES: ReadonlySet<string> = new Set(['WITHDRAWN', 'RETIRED', 'SOLD', 'LOAN_RETIRED', 'REMARK_RETIRED']);

/**
 * Statuses meaning the item is not (or no longer) in circulation at retail, so it may not be sold.
 * xTrace: `RECEIVED` (codes received, not applied), `EMITTED` (UZ), `APPLIED` (applied, not introduced),
 * `WRITTEN_OFF`; True API: the EMITTED/APPLIED family and customs states.
 */
export const NOT_IN_CIRCULATION_STATUSES: ReadonlySet<string> = new Set([
  'RECEIVED',
  'EMITTED',
  'APPLIED',
  'APPLIED_NOT_PAID',
  'WRITTEN_OFF',
  'DISAGGREGATION',
  'DISAGGREGATED',
  'EXPORTED',
  'RESERVED_NOT_USED',
  'WAIT_SHIPMENT',
  'FTS_RESPOND_NOT_OK',
  'FTS_RESPOND_WAITING',
  'FTS_CONTROL',
]);

/** xTrace code statuses (official KZ description, xTrace ver.1.0); UZ adds `EMITTED` and `RETIRED`. */
export const XTRACE_STATUSES = {
  KZ: ['RECEIVED', 'APPLIED', 'INTRODUCED', 'WITHDRAWN', 'WRITTEN_OFF'],
  UZ: ['EMITTED', 'RECEIVED', 'APPLIED', 'INTRODUCED', 'WITHDRAWN', 'WRITTEN_OFF', 'RETIRED'],
} as const;

export function upper(v: unknown): string | null {
  return typeof v === 'string' && v.trim() ? v.trim().toUpperCase() : null;
}

export function str(v: unknown): string | null {
  if (typeof v === 'string' && v.trim()) return v.trim();
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

export function num(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  return null;
}

export function bool(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}

/**
 * Run `fn` with a bearer token; on 401 renew the token once and run again. A second 401 is final:
 * `auth` / `token-refused`. Mutating calls are safe to repeat here because a 401 means "not processed".
 */
export async function withToken<T>(tokens: TokenManager, fn: (token: string) => Promise<T>, logger?: Logger): Promise<T> {
  const token = await tokens.get();
  try {
    return await fn(token);
  } catch (e) {
    if (!(e instanceof TrackingError) || e.kind !== 'auth' || e.code !== 'unauthorized') throw e;
    logger?.warn({ code: e.code, status: e.details.status, reason: e.details.reason }, 'tracking: token refused, renewing it');
    const fresh = await tokens.invalidate(token);
    try {
      return await fn(fresh);
    } catch (e2) {
      if (e2 instanceof TrackingError && e2.kind === 'auth') {
        throw new TrackingError('auth', 'token-refused', `${e2.message} (after renewing the token)`, e2.details);
      }
      throw e2;
    }
  }
}

/** Login failures: bad credentials are `auth`, transient failures stay transient. */
export function loginError(e: unknown, what: string): TrackingError {
  if (e instanceof TrackingError) {
    if (e.kind === 'permanent' || e.kind === 'auth') {
      return new TrackingError('auth', 'login-refused', `${what}: sign-in refused${e.details.reason ? `: ${e.details.reason}` : ''}`, e.details);
    }
    if (e.kind === 'unknown-result') return new TrackingError('transient', e.code, e.message, e.details);
    return e;
  }
  return new TrackingError('transient', 'internal', `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

/** Read `exp` from a JWT without verifying it; null when not a JWT. */
export function jwtExpiryMs(token: string): number | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Bounded map for documentId → what we sent (reference, codes). */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(k: K, v: V): this {
    if (this.size >= this.max && !this.has(k)) {
      const first = this.keys().next();
      if (!first.done) this.delete(first.value);
    }
    return super.set(k, v);
  }
}
