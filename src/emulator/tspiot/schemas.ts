/** tspiot/schemas.ts — the ТС ПИоТ emulator's seed codes and faults (zod, validated at the edge). */
import { z } from 'zod';

/** What ГИС МТ (and the Local Module behind the ТС ПИоТ) knows about one code. */
export const tspiotCodeSchema = z
  .object({
    /** KI or full KM; filed under its KI. */
    code: z.string().min(1).max(512),
    found: z.boolean().default(true),
    valid: z.boolean().default(true),
    verified: z.boolean().default(true),
    utilised: z.boolean().default(true),
    realizable: z.boolean().default(true),
    sold: z.boolean().default(false),
    blocked: z.boolean().default(false),
    /** Bodies that set the block (RAR, FTS, FNS …). */
    ogvs: z.array(z.string()).optional(),
    /** ISO date-time, e.g. `2026-03-10T00:00:00.000Z`. */
    expireDate: z.string().max(40).optional(),
    /** Kopecks. */
    mrp: z.number().int().min(0).optional(),
    smp: z.number().int().min(0).optional(),
    grayZone: z.boolean().optional(),
    groupIds: z.array(z.number().int()).optional(),
    errorCode: z.number().int().min(0).optional(),
    message: z.string().max(300).optional(),
    producerInn: z.string().max(12).optional(),
    /** Answer fields to leave out (wire names, e.g. `realizable`, `is_blocked`): "absent" cases. */
    omit: z.array(z.string()).optional(),
  })
  .strict();
export type TsPiotSeedCode = z.input<typeof tspiotCodeSchema>;
export type TsPiotCodeRecord = z.infer<typeof tspiotCodeSchema> & { ki: string };

export const tspiotSeedBodySchema = z.object({ codes: z.array(tspiotCodeSchema).max(1_000_000) }).strict();

export const tspiotFaultsSchema = z
  .object({
    /** Delay before every API answer (after acting). Longer than the till's budget = "ТС ПИоТ hangs". */
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    /** Share (0..1) of API calls answered with `errorStatus` (default 500). Seeded PRNG. */
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.number().int().min(400).max(599).optional(),
    /** Every API call answers 503 at once. */
    outage: z.boolean().optional(),
    /** Destroy the socket instead of answering: true = always, a number = probability. */
    resetConnections: z.union([z.boolean(), z.number().min(0).max(1)]).optional(),
    /** Emergency mode: every API call answers HTTP 203; `with-codes` still carries a codes_response. */
    emergency: z.union([z.boolean(), z.literal('with-codes')]).optional(),
    /** ГИС МТ unreachable: answers come from the Local Module (`is_checked_offline`, `inst`/`version`). */
    offline: z.boolean().optional(),
  })
  .strict();
export type TsPiotFaults = z.infer<typeof tspiotFaultsSchema>;

/** The proto's error envelope, `{error:{error_code, error_description}}`. */
export function tspiotError(code: number, description: string): { error: { error_code: number; error_description: string } } {
  return { error: { error_code: code, error_description: description } };
}
