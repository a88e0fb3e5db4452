/** webkassa/schemas.ts — the Webkassa emulator's fault shape (zod) and its error catalogue. */
import { z } from 'zod';
import { commonFaultsShape } from '../fiscal-faults.js';

export const webkassaFaultsSchema = z
  .object({
    ...commonFaultsShape,
    /** Every API call answers error 505 (HTTP 200) with `AlternativeDomainNames` = alternatives joined by ','. */
    domainUnavailable: z.object({ alternatives: z.array(z.string().min(1)).max(20) }).optional(),
    /** Error 7 (cashbox blocked) for these cashboxes. */
    blockedCashboxes: z.array(z.string().min(1)).optional(),
    /** Apply the faults only to requests for this CashboxUniqueNumber (auth calls then never see them). */
    cashbox: z.string().min(1).optional(),
  })
  .strict();
export type WebkassaFaults = z.infer<typeof webkassaFaultsSchema>;

/** `Errors[].Code` values used by the emulator (reference §1.2 catalogue). */
export const WK = {
  UNKNOWN: -1,
  BAD_LOGIN: 1,
  TOKEN_EXPIRED: 2,
  NOT_AUTHORISED: 3,
  CASHBOX_NOT_FOUND: 6,
  CASHBOX_BLOCKED: 7,
  DATA_ERROR: 9,
  SHIFT_TOO_LONG: 11,
  NO_OPEN_SHIFT: 13,
  DUPLICATE: 14,
  OFFLINE_TOO_LONG: 18,
  NOT_FOUND_BY_EXTERNAL: 19,
  RETURN_BASIS_MISSING: 255,
  DOMAIN_UNAVAILABLE: 505,
} as const;

export interface WkError {
  Code: number;
  Text: string;
}
export interface Envelope {
  Data: unknown;
  Errors: WkError[];
}
export const ok = (data: unknown): Envelope => ({ Data: data, Errors: [] });
export const fail = (code: number, text: string, data: unknown = null): Envelope => ({ Data: data, Errors: [{ Code: code, Text: text }] });
