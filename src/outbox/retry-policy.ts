/**
 * The one retry policy of the send path. Channels make exactly one attempt per call; the relay
 * asks this policy whether to try again within the same claim (transient failures only, a
 * bounded number of attempts, a server's Retry-After honoured once) and, when the claim ends
 * without a result, how long the receipt waits before its next claim (capped exponential
 * back-off with jitter, never shorter than the server's Retry-After).
 */
import type { FiscalError } from '../fiscal/types.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';

export interface RetryPolicyOptions {
  /** Network attempts per claim, the first included. Default 3. */
  attemptsPerClaim?: number;
  /** First pause between attempts of one claim (doubles, half jittered). Default 200 ms. */
  quickDelayMs?: number;
  /** A Retry-After up to this long is waited out within the claim (once); longer ends the claim. Default 2 s. */
  maxInlineRetryAfterMs?: number;
  /** Back-off between claims of the same receipt. Default 1 s doubling to 5 min. */
  backoff?: BackoffOptions;
  /** Wait after an ambiguous send before asking the channel what it issued. Default 1 s. */
  reconcileDelayMs?: number;
  /** While a register is blocked (72 h, blocked by the OFD), how often its head receipt is tried. Default 60 s. */
  blockedProbeMs?: number;
}

export class RetryPolicy {
  readonly attemptsPerClaim: number;
  readonly reconcileDelayMs: number;
  readonly blockedProbeMs: number;
  private readonly quickDelayMs: number;
  private readonly maxInlineRetryAfterMs: number;

  constructor(
    private readonly opts: RetryPolicyOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.attemptsPerClaim = Math.max(1, opts.attemptsPerClaim ?? 3);
    this.quickDelayMs = opts.quickDelayMs ?? 200;
    this.maxInlineRetryAfterMs = opts.maxInlineRetryAfterMs ?? 2000;
    this.reconcileDelayMs = opts.reconcileDelayMs ?? 1000;
    this.blockedProbeMs = opts.blockedProbeMs ?? 60_000;
  }

  /**
   * After failed attempt number `attempt` (1-based) of a claim: the pause before the next attempt,
   * or null when the claim ends here. `retryAfterUsed`: a Retry-After was already waited out in this claim.
   */
  nextAttemptIn(error: FiscalError, attempt: number, retryAfterUsed: boolean): { delayMs: number; usesRetryAfter: boolean } | null {
    if (error.kind !== 'transient' || attempt >= this.attemptsPerClaim) return null;
    const ra = error.details.retryAfterMs;
    if (ra !== undefined && ra > 0) {
      if (retryAfterUsed || ra > this.maxInlineRetryAfterMs) return null;
      return { delayMs: ra, usesRetryAfter: true };
    }
    const base = this.quickDelayMs * 2 ** (attempt - 1);
    return { delayMs: Math.round(base / 2 + (base / 2) * this.random()), usesRetryAfter: false };
  }

  /** Wait before the next claim of a receipt that has been claimed `claims` times. */
  rescheduleIn(claims: number, retryAfterMs?: number): number {
    return backoffDelay(Math.max(1, claims), this.opts.backoff, this.random, retryAfterMs);
  }
}
