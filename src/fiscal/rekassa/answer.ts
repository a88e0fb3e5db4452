/**
 * re:Kassa answers: login (`{token, id}` or a raw token string), the ticket answer
 * (`{status: 'OK', id, ticketNumber, qrCode, shiftNumber, offline, …}`, fiscal-channels.md §1.3 [S]), the
 * cash register (`GET /api/crs/{id}`, read loosely) and the `{code, message}` error body. Every answer is
 * validated here.
 */
import { z } from 'zod';

const str = z.union([z.string().min(1), z.number()]).transform(String);
const int = z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]);

export const loginSchema = z.union([
  z.object({ token: z.string().min(1), id: z.union([z.string(), z.number()]).nullish() }).loose(),
  z.string().min(1).transform((token) => ({ token: token.trim(), id: undefined })),
]);

export const ticketAnswerSchema = z
  .object({
    status: z.string().nullish(),
    id: str,
    ticketNumber: str,
    qrCode: z.string().nullish(),
    shiftNumber: int.nullish(),
    offline: z.boolean().nullish(),
    dateTime: z.unknown().optional(),
    kgdKkmId: str.nullish(),
  })
  .loose();
export type TicketAnswer = z.infer<typeof ticketAnswerSchema>;

export const errorBodySchema = z
  .object({
    code: z.union([z.string(), z.number()]).nullish(),
    message: z.string().nullish(),
  })
  .loose();
export type ErrorBody = z.infer<typeof errorBodySchema>;

/** The cash register as `GET /api/crs/{id}` describes it: only the fields health and results use, all optional. */
export const cashRegisterSchema = z
  .object({
    kgdKkmId: str.nullish(),
    registrationNumber: str.nullish(),
    offline: z.boolean().nullish(),
    blocked: z.boolean().nullish(),
    status: z.string().nullish(),
    shiftNumber: int.nullish(),
    shiftOpen: z.boolean().nullish(),
    shiftOpenTime: z.string().nullish(),
  })
  .loose();
