/**
 * Webkassa `Errors[].Code` → FiscalError (fiscal-channels.md §1.2, error table). The protocol steps
 * (2/3 re-authorise, 11 close the shift, 14 duplicate, 505 alternative domain) are taken by the client
 * before it gets here; this maps what is left.
 *
 * Decisions (the reference labels these [S]; each is one line below to change):
 * - 1, 4, 5, 6, 10, 1025 (wrong login/password, no right, no access to the cashbox, cashbox not found, not
 *   activated, marking not activated) → `auth`: configuration problems that hit every receipt alike and
 *   issue nothing; the queue waits and alarms, and drains once the configuration is fixed, instead of
 *   dead-lettering every receipt;
 * - 7 (blocked by Webkassa/the OFD), 11 (shift > 24 h, not closed automatically), 18 (autonomous > 72 h),
 *   1014 (Z report missing) → `blocked`;
 * - 2/3 still failing after a fresh Authorize → `auth`;
 * - 9 whose text says the request sequence was violated (a call still in progress, e.g. the one that just
 *   timed out) → `transient`; 9 as a data error → `permanent`;
 * - everything else (-1, 8, 9, 255, unknown codes) → `permanent`, with the Texts in the message.
 */
import { FiscalError, type FiscalErrorKind } from '../types.js';
import type { Envelope } from './answer.js';

export type WebkassaErrors = Envelope['Errors'];

const KIND: Record<number, FiscalErrorKind> = {
  1: 'auth',
  2: 'auth',
  3: 'auth',
  4: 'auth',
  5: 'auth',
  6: 'auth',
  7: 'blocked',
  10: 'auth',
  11: 'blocked',
  18: 'blocked',
  1014: 'blocked',
  1025: 'auth',
};

const ADVICE: Record<number, string> = {
  1: 'Webkassa refused the login or password: check the register\'s fiscal login and password',
  2: 'the Webkassa token was refused even after a fresh Authorize',
  3: 'Webkassa says the session is not authorised even after a fresh Authorize',
  4: 'the Webkassa user has no right for this operation: grant it in the Webkassa cabinet',
  5: 'the Webkassa user has no access to this cashbox: check the `cashbox` setting and the user\'s rights',
  6: 'Webkassa does not know this cashbox: check the `cashbox` setting (CashboxUniqueNumber)',
  7: 'the cashbox is blocked by Webkassa or the OFD: contact Webkassa support; receipts wait',
  10: 'the cashbox is not activated (license): activate or renew it in the Webkassa cabinet; receipts wait',
  11: 'the shift has been open for more than 24 hours: close the shift (Z report) in Webkassa; receipts wait',
  18: 'the cash register has been without the OFD for over 72 hours (autonomous mode): restore the internet link or pay the OFD; receipts wait',
  1014: 'Webkassa needs a Z report for the open shift: close the shift; receipts wait',
  1025: 'excise (marking) mode is not activated for this cashbox: enable marking in the Webkassa cabinet; receipts wait',
};

export function errorCodes(errors: WebkassaErrors): number[] {
  return errors.map((e) => e.Code);
}

export function errorTexts(errors: WebkassaErrors): string {
  return errors
    .map((e) => `${e.Code}${e.Text ? ` ${e.Text}` : ''}`)
    .join('; ')
    .slice(0, 500);
}

/**
 * Error 9 is both "data error" and "request sequence violated" (another call on the cashbox is still in
 * progress, e.g. the one that just timed out). The second is not the receipt's fault: `transient`.
 */
const SEQUENCE_TEXT = /sequence|in progress|parallel|concurren|последовательн|очередност|выполняется|параллельн/i;

/** The remaining Webkassa errors → one FiscalError (the first code with a known meaning wins). */
export function webkassaError(errors: WebkassaErrors, what: string): FiscalError {
  const codes = errorCodes(errors);
  const sequence = errors.find((e) => e.Code === 9 && SEQUENCE_TEXT.test(e.Text ?? ''));
  if (sequence && codes.every((c) => c === 9)) {
    return new FiscalError('transient', 'webkassa-9', `${what}: Webkassa error ${errorTexts(errors)}: another request on this cashbox is in progress; try again shortly`, { channelCode: 9 });
  }
  const known = codes.find((c) => KIND[c] !== undefined);
  const code = known ?? codes[0] ?? -1;
  const kind: FiscalErrorKind = KIND[code] ?? 'permanent';
  const advice = ADVICE[code];
  const message = `${what}: Webkassa error ${errorTexts(errors) || code}${advice ? `: ${advice}` : ''}`;
  return new FiscalError(kind, `webkassa-${code}`, message, { channelCode: code });
}
