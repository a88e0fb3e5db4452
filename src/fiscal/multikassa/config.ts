/**
 * Multikassa channel configuration (the virtual cash register's local agent, fiscal-channels.md
 * §3.2, [S]): the zod schema the agent validates a register's `fiscal` block with. The local API
 * has no authentication, so there are no secrets. Keys where the reference is silent are the
 * decisions listed in index.ts; each has a default.
 */
import { z } from 'zod';

export const multikassaConfigSchema = z
  .object({
    channel: z.literal('multikassa'),
    /** Base URL of the local agent. */
    url: z.string().url().default('http://localhost:8080'),
    /** Per-call timeout (the agent drives a fiscal module: as slow as it). */
    timeoutMs: z.number().int().positive().default(30_000),
    /** Wait since `prepare` before concluding "not issued" after an ambiguous send. Default: the timeout + 5 s. */
    settleMs: z.number().int().min(0).optional(),
    /** Open the shift (operation 1) when a receipt meets a closed one, then send it again once. */
    autoOpenShift: z.boolean().default(true),
    /** `receipt_gnk_time`: when the receipt is sent (default) or when the sale was recorded. */
    receiptTime: z.enum(['send', 'sale']).default('send'),
    /**
     * Unit of the amounts inside `items` (product_price, total_product_price, product_discount): so'm with two
     * decimals (default: the integrator PDF as two open-source clients read it), or tiyin. `receipt_sum` and
     * `receipt_gnk_received*` are tiyin either way.
     */
    itemAmounts: z.enum(['sum', 'tiyin']).default('sum'),
    /** How a 29-character tobacco pack code goes into `product_label` (see uz-fiscal-module). */
    packLabel: z.enum(['cut-crypto', 'ki', 'full']).default('cut-crypto'),
    /** `receipt_cashier_name`. */
    cashierName: z.string().min(1).max(100).default('tanba'),
    /** The fiscal module's terminal id, sent as `receipt_gnk_terminalid` / `module_gnk_terminalid` when set. */
    terminalId: z.string().min(1).optional(),
    /** Require ИКПУ and package code on every line, not only marked ones. */
    requireIkpuForAll: z.boolean().default(false),
    /** Optional `location` sent with every receipt. */
    location: z.object({ latitude: z.number(), longitude: z.number() }).strict().optional(),
  })
  .strict();

export type MultikassaConfig = z.infer<typeof multikassaConfigSchema>;
export type MultikassaConfigInput = z.input<typeof multikassaConfigSchema>;
