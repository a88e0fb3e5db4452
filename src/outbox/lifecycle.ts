/**
 * The lifecycle of a receipt's delivery, pure: what one outcome of a claim means for the
 * delivery's next state and for its register. The relay does the I/O; this decides.
 *
 *   queued ──send──► fiscalised                      (issued)
 *     ▲  │    ├────► unknown ──reconcile──► fiscalised (found)
 *     │  │    │         │  └──────────────► queued     (absent: proven not issued, send again now)
 *     │  │    │         └─ cannot tell ───► unknown    (ask again later; never resend blind)
 *     │  │    ├────► queued (transient, auth: back-off; blocked: probe later, register stops)
 *     │  │    └────► rejected, dead letter (permanent refusal)
 *     └──┴── operator retry of a dead letter
 *
 * A return goes only with its sale's result as the basis; a return whose sale was refused for
 * good is refused too (it names no receipt), and goes again when an operator retries both.
 */
import type { FiscalError } from '../fiscal/types.js';
import type { FiscalResult } from '../sale/types.js';
import type { Delivery, Reason, Transition } from './ports.js';
import type { RetryPolicy } from './retry-policy.js';

export type Outcome =
  | { kind: 'issued'; result: FiscalResult }
  | { kind: 'found'; result: FiscalResult }
  | { kind: 'absent' }
  | { kind: 'failed'; during: 'send' | 'reconcile'; error: FiscalError }
  | { kind: 'no-basis'; reason: Reason };

/** What the outcome says about the register as a whole. */
export type RegisterSignal =
  | { kind: 'working' } // the cash register answered: clear any block
  | { kind: 'blocked'; reason: Reason } // it refuses every receipt until someone acts
  | { kind: 'unchanged' };

export interface Step {
  next: Transition;
  register: RegisterSignal;
}

const reasonOf = (e: FiscalError): Reason => ({ code: e.code, message: e.message });
const describe = (e: FiscalError): string => `${e.code}: ${e.message}`;

export function decide(d: Pick<Delivery, 'claims'>, o: Outcome, policy: RetryPolicy): Step {
  switch (o.kind) {
    case 'issued':
    case 'found':
      return {
        next: { state: 'fiscalised', delayMs: null, result: o.result, reasons: [], lastError: null, dead: false },
        register: { kind: 'working' },
      };
    case 'absent':
      return { next: { state: 'queued', delayMs: 0, lastError: null }, register: { kind: 'working' } };
    case 'no-basis':
      return { next: { state: 'rejected', delayMs: null, dead: true, reasons: [o.reason], lastError: `${o.reason.code}: ${o.reason.message}` }, register: { kind: 'unchanged' } };
    case 'failed':
      return o.during === 'send' ? afterSend(d, o.error, policy) : afterReconcile(d, o.error, policy);
  }
}

function afterSend(d: Pick<Delivery, 'claims'>, e: FiscalError, policy: RetryPolicy): Step {
  const lastError = describe(e);
  switch (e.kind) {
    case 'unknown-result':
      return { next: { state: 'unknown', delayMs: policy.reconcileDelayMs, lastError }, register: { kind: 'unchanged' } };
    case 'permanent':
      return { next: { state: 'rejected', delayMs: null, dead: true, reasons: [reasonOf(e)], lastError }, register: { kind: 'working' } };
    case 'blocked':
      return { next: { state: 'queued', delayMs: policy.blockedProbeMs, lastError }, register: { kind: 'blocked', reason: reasonOf(e) } };
    case 'transient':
    case 'auth':
      return { next: { state: 'queued', delayMs: policy.rescheduleIn(d.claims, e.details.retryAfterMs), lastError }, register: { kind: 'unchanged' } };
  }
}

function afterReconcile(d: Pick<Delivery, 'claims'>, e: FiscalError, policy: RetryPolicy): Step {
  // Whatever went wrong, the receipt may exist: it stays unknown until the channel can tell.
  const lastError = describe(e);
  if (e.kind === 'blocked')
    return { next: { state: 'unknown', delayMs: policy.blockedProbeMs, lastError }, register: { kind: 'blocked', reason: reasonOf(e) } };
  return { next: { state: 'unknown', delayMs: policy.rescheduleIn(d.claims, e.details.retryAfterMs), lastError }, register: { kind: 'unchanged' } };
}
