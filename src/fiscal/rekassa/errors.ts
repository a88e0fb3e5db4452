/**
 * re:Kassa error answers (`{code, message}` on 4xx/5xx) → FiscalError. Codes are the KGD OFD result codes
 * (fiscal-channels.md §1.6), by name or by number. The protocol steps (401 → log in again;
 * OPEN_SHIFT_TIMEOUT_EXPIRED → close the shift and send again) are taken by the channel before it gets here.
 *
 * Decisions ([S]/[I] in the reference; one line each below):
 * - UNKNOWN_ID 1, INVALID_CONFIGURATION 6, 401/403 after a fresh login, 404 → `auth` (configuration: nothing
 *   issued, the queue waits and alarms);
 * - BLOCKED 15, DEREGISTERED 18, OPEN_SHIFT_TIMEOUT_EXPIRED 11 (not closed automatically) → `blocked`;
 * - DISCONNECTED 19, SERVICE_TEMPORARILY_UNAVAILABLE 254 → `transient`;
 * - INVALID_RETRY_REQUEST 9 / HTTP 409 (same X-Request-ID, different body), INCORRECT_REQUEST_DATA 13,
 *   NOT_ENOUGH_CASH 14, SAME_TAXPAYER_AND_CUSTOMER 17 and other 4xx → `permanent`;
 * - 429 and 5xx: by status whatever the code (500 → `unknown-result` on a ticket; 502/503/504/429 → `transient`).
 */
import { FiscalError, type FiscalErrorKind } from '../types.js';
import { classifyStatus, type RawAnswer } from '../http.js';
import { errorBodySchema } from './answer.js';

export const KGD_RESULT: Record<string, number> = {
  OK: 0,
  UNKNOWN_ID: 1,
  INVALID_TOKEN: 2,
  PROTOCOL_ERROR: 3,
  UNKNOWN_COMMAND: 4,
  UNSUPPORTED_COMMAND: 5,
  INVALID_CONFIGURATION: 6,
  INVALID_REQUEST_NUMBER: 8,
  INVALID_RETRY_REQUEST: 9,
  OPEN_SHIFT_TIMEOUT_EXPIRED: 11,
  INCORRECT_REQUEST_DATA: 13,
  NOT_ENOUGH_CASH: 14,
  BLOCKED: 15,
  SAME_TAXPAYER_AND_CUSTOMER: 17,
  DEREGISTERED: 18,
  DISCONNECTED: 19,
  SERVICE_TEMPORARILY_UNAVAILABLE: 254,
  UNKNOWN_ERROR: 255,
};
const KGD_NAME: Record<number, string> = Object.fromEntries(Object.entries(KGD_RESULT).map(([k, v]) => [v, k]));

const KIND: Record<number, FiscalErrorKind> = {
  1: 'auth',
  2: 'auth',
  3: 'permanent',
  4: 'permanent',
  5: 'permanent',
  6: 'auth',
  8: 'permanent',
  9: 'permanent',
  11: 'blocked',
  13: 'permanent',
  14: 'permanent',
  15: 'blocked',
  17: 'permanent',
  18: 'blocked',
  19: 'transient',
  254: 'transient',
};

const ADVICE: Record<number, string> = {
  1: 're:Kassa does not know this cash register: check `cashRegisterId` and `login`',
  6: 'the cash register is misconfigured at re:Kassa: check it in the re:Kassa cabinet',
  9: 'a request with this X-Request-ID was already sent with a different body',
  11: 'the shift has been open for more than 24 hours: close the shift in re:Kassa; receipts wait',
  15: 'the cash register is blocked (e.g. more than 72 hours without the OFD): restore the internet link or pay the OFD; receipts wait',
  18: 'the cash register is deregistered at the KGD: contact re:Kassa support; receipts wait',
};

export interface RekassaErrorInfo {
  /** KGD result number when known. */
  number: number | null;
  /** The name (`INCORRECT_REQUEST_DATA`) or the code as the answer wrote it. */
  name: string | null;
  message: string | null;
}

/** The `{code, message}` of an answer, when it has one. */
export function errorInfo(a: RawAnswer): RekassaErrorInfo {
  const parsed = a.isJson ? errorBodySchema.safeParse(a.json) : null;
  const body = parsed?.success ? parsed.data : null;
  const raw = body?.code;
  let number: number | null = null;
  let name: string | null = null;
  if (typeof raw === 'number') {
    number = raw;
    name = KGD_NAME[raw] ?? String(raw);
  } else if (typeof raw === 'string' && raw.trim()) {
    name = raw.trim();
    number = /^\d+$/.test(name) ? Number(name) : (KGD_RESULT[name.toUpperCase()] ?? null);
    if (/^\d+$/.test(name) && KGD_NAME[number!]) name = KGD_NAME[number!];
  }
  const message = body?.message?.trim() || (!a.isJson && a.text.trim() ? a.text.trim().slice(0, 200) : null);
  return { number, name, message };
}

/** An error answer → FiscalError. */
export function rekassaError(a: RawAnswer, info: RekassaErrorInfo, spec: { mutating: boolean; what: string }): FiscalError {
  const reason = [info.name, info.message].filter(Boolean).join(' ') || undefined;
  const n = info.number;
  const channelCode = info.name ?? n ?? undefined;
  const code = n !== null ? `rekassa-${n}` : info.name ? `rekassa-${info.name}` : `http-${a.status}`;
  // 429 and 5xx: the status decides (a 500 may follow a ticket being issued, whatever code it names).
  const statusDecides = a.status === 429 || a.status >= 500;
  const kind = n !== null && !statusDecides ? KIND[n] : undefined;
  if (kind) {
    const advice = ADVICE[n!];
    return new FiscalError(kind, code, `${spec.what}: re:Kassa ${reason ?? a.status}${advice ? `: ${advice}` : ''}`, {
      status: a.status,
      ...(channelCode !== undefined ? { channelCode } : {}),
    });
  }
  if (a.status === 409) {
    return new FiscalError('permanent', n !== null ? code : 'rekassa-9', `${spec.what}: re:Kassa ${reason ?? 'conflict (409)'}: ${ADVICE[9]}`, {
      status: a.status,
      channelCode: channelCode ?? 'INVALID_RETRY_REQUEST',
    });
  }
  const e = classifyStatus(a.status, a.headers, spec, reason);
  // Keep the status-derived kind and code, but name the channel's code when it sent one.
  return channelCode !== undefined ? new FiscalError(e.kind, e.code, e.message, { ...e.details, channelCode }) : e;
}
