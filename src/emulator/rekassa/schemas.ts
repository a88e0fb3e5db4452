/** rekassa/schemas.ts — the re:Kassa emulator's fault shape (zod), error codes and Money helpers. */
import { z } from 'zod';
import { commonFaultsShape } from '../fiscal-faults.js';

export const rekassaFaultsSchema = z
  .object({
    ...commonFaultsShape,
    /** HTTP 400 `{code:'BLOCKED'}` for tickets on these cash registers (KGD result 15). */
    blockedCashRegisters: z.array(z.string().min(1)).optional(),
    /** Apply the faults only to requests for this cash register id (login then never sees them). */
    cashRegister: z.string().min(1).optional(),
  })
  .strict();
export type RekassaFaults = z.infer<typeof rekassaFaultsSchema>;

/**
 * `code` values of the `{code, message}` error bodies. The ticket ones carry the KGD result-code
 * names (reference §1.6); the auth/lookup ones are [I].
 */
export const RK = {
  INCORRECT_REQUEST_DATA: 'INCORRECT_REQUEST_DATA', // KGD 13, HTTP 400
  INVALID_RETRY_REQUEST: 'INVALID_RETRY_REQUEST', // KGD 9, HTTP 409 [I]
  OPEN_SHIFT_TIMEOUT_EXPIRED: 'OPEN_SHIFT_TIMEOUT_EXPIRED', // KGD 11, HTTP 400
  BLOCKED: 'BLOCKED', // KGD 15, HTTP 400
  UNAUTHORIZED: 'UNAUTHORIZED', // 401
  FORBIDDEN: 'FORBIDDEN', // 403 [I]: unknown partner apiKey, or a token of another cash register
  WRONG_PIN: 'WRONG_PIN', // 403 [I]
  NOT_FOUND: 'NOT_FOUND', // 404 [I]
  NO_OPEN_SHIFT: 'NO_OPEN_SHIFT', // 400 [I]
  SERVICE_TEMPORARILY_UNAVAILABLE: 'SERVICE_TEMPORARILY_UNAVAILABLE', // KGD 254 name, used for injected 5xx
} as const;

export interface RkError {
  code: string;
  message: string;
}
export const rkError = (code: string, message: string): RkError => ({ code, message });

/** KGD Money: integer bills (a digit string, uint64 in protobuf JSON) and coins 0..99. */
export interface Money {
  bills: string;
  coins: number;
}
export const money = (minor: number): Money => ({ bills: String(Math.floor(minor / 100)), coins: minor % 100 });
