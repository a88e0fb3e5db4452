/** The one error type adapters throw; the relay and decision logic act on `kind`. */
import type { TrackingErrorKind } from './types.js';

export class TrackingError extends Error {
  override readonly name = 'TrackingError';
  constructor(
    readonly kind: TrackingErrorKind,
    /** Stable code such as `http-503`, `rate-limited`, `timeout`, `network`, `token-refused`, `bad-request`. */
    readonly code: string,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; reason?: string } = {},
  ) {
    super(message);
  }
}

export function isTrackingError(e: unknown): e is TrackingError {
  return e instanceof TrackingError;
}
