/** local-module/schemas.ts — the Local Module emulator's seed codes, module state and faults (zod). */
import { z } from 'zod';

export const LM_STATUSES = ['not_configured', 'initialization', 'ready', 'failure', 'sync_error'] as const;
export type LmStatus = (typeof LM_STATUSES)[number];

/** What the module's local database says about one code (block lists, sold DB, prices). */
export const lmCodeSchema = z
  .object({
    code: z.string().min(1).max(512),
    blocked: z.boolean().default(false),
    sold: z.boolean().default(false),
    /** The GTIN is on the grey list. */
    greyGtin: z.boolean().default(false),
    mrp: z.number().int().min(0).optional(),
    smp: z.number().int().min(0).optional(),
  })
  .strict();
export type LmSeedCode = z.input<typeof lmCodeSchema>;
export type LmCodeRecord = z.infer<typeof lmCodeSchema> & { ki: string };

export const lmSeedBodySchema = z.object({ codes: z.array(lmCodeSchema).max(1_000_000) }).strict();

export const lmStateSchema = z
  .object({
    status: z.enum(LM_STATUSES).optional(),
    /** Epoch ms or ISO date-time of the last successful sync. */
    lastSync: z.union([z.number().int().min(0), z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO date-time')]).optional(),
  })
  .strict();
export type LmStateInput = z.infer<typeof lmStateSchema>;

export const lmFaultsSchema = z
  .object({
    latencyMs: z.number().int().min(0).max(600_000).optional(),
    errorRate: z.number().min(0).max(1).optional(),
    errorStatus: z.number().int().min(400).max(599).optional(),
    outage: z.boolean().optional(),
    resetConnections: z.union([z.boolean(), z.number().min(0).max(1)]).optional(),
  })
  .strict();
export type LmFaults = z.infer<typeof lmFaultsSchema>;

/** The module's `{code, description}` envelope. */
export function lmAnswer(code: number, description: string): { code: number; description: string } {
  return { code, description };
}
