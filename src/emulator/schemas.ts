/** Shapes of the emulator's admin surface (validated with zod at the edge). */
import { z } from 'zod';

export const seedCodeSchema = z.object({
  /** KI or full KM; the KI is derived. */
  code: z.string().min(1).max(512),
  status: z
    .string()
    .regex(/^[A-Za-z_]+$/, 'status must be a word such as INTRODUCED')
    .transform((s) => s.toUpperCase()),
  ownerTin: z.string().max(32).optional(),
  /** Maximum retail price in minor units. */
  mrp: z.number().int().min(0).optional(),
  /** Minimum price in minor units. */
  minPrice: z.number().int().min(0).optional(),
  expiresAt: z.string().max(40).optional(),
  blocked: z.boolean().optional(),
  productGroup: z.string().max(40).optional(),
  /** xTrace: the system-wide numeric product group id (`productGroupId`). */
  productGroupId: z.number().int().min(0).optional(),
  /** xTrace: `extendedStatus` (CONNECTED, WAIT_SHIPMENT, CUSTOMS_CONTROL, …). */
  extendedStatus: z
    .string()
    .regex(/^[A-Za-z_]+$/)
    .transform((s) => s.toUpperCase())
    .optional(),
  /** xTrace: who emitted the code (`issuerShortInfo.issuerTin`); not the owner. */
  issuerTin: z.string().max(32).optional(),
  /** xTrace: the sale date a receipt reported (`markingData.receiptDate`, private answer). */
  soldAt: z.string().max(40).optional(),
});
export type SeedCode = z.input<typeof seedCodeSchema>;

export const seedBodySchema = z.object({ codes: z.array(seedCodeSchema).max(1_000_000) });

export const faultsSchema = z.object({
  /** Added before every answer (after the request was acted upon). Longer than the client's timeout = "slow answer". */
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** Share of requests (0..1) answered with `errorStatus` instead of being handled. Seeded PRNG. */
  errorRate: z.number().min(0).max(1).optional(),
  errorStatus: z.number().int().min(400).max(599).optional(),
  /** Every API call answers 503 at once. */
  outage: z.boolean().optional(),
  /** Server-side rate limit; above it: 429 with Retry-After. */
  rateLimitPerMinute: z.number().positive().optional(),
  /** Requests allowed back to back (default: one second's worth, at least 1). */
  rateLimitBurst: z.number().int().min(1).optional(),
  /** Lifetime of tokens issued from now on (both families). */
  tokenTtlSeconds: z.number().min(0).optional(),
  /** Drop the connection instead of answering (after acting): true = always, a number = share of requests. */
  resetConnections: z.union([z.boolean(), z.number().min(0).max(1)]).optional(),
  /** How long documents stay "in process" (ms); processed on the first request after that. */
  processingDelayMs: z.number().int().min(0).optional(),
  /** Apply the faults only to paths starting with this prefix. */
  pathPrefix: z.string().optional(),
});
export type Faults = z.infer<typeof faultsSchema>;
