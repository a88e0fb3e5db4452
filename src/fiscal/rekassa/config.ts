/**
 * re:Kassa channel configuration (partner API): the zod schema the agent validates a register's `fiscal`
 * block with, and its type. Secrets (apiKey, password) live here but are never logged.
 */
import { z } from 'zod';

export const rekassaConfigSchema = z
  .object({
    channel: z.literal('rekassa'),
    /** Base URL: production `https://app.rekassa.kz/partner`, test `https://api-test.rekassa.kz`. */
    url: z.string().url(),
    /** The partner key, sent as `?apiKey=` on login. */
    apiKey: z.string().min(1),
    /** The cash register number used as the login (`number`). */
    login: z.string().min(1),
    password: z.string().min(1),
    /** re:Kassa's id of the cash register (`/api/crs/{id}`). */
    cashRegisterId: z.union([z.string().min(1), z.number().int().nonnegative()]).transform(String),
    /** Per-call timeout. */
    timeoutMs: z.number().int().positive().default(10_000),
    /**
     * Tax `percent` encoding: the rate × this scale (default 1000: 12 % is written 12000). The reference marks
     * the encoding [I]; set 1 if the API wants plain percent, 100 for hundredths.
     */
    taxPercentScale: z.number().int().positive().default(1000),
    /** The commodity field carrying the marking codes (default the OFD proto's `listExciseStamp`). */
    markField: z.string().min(1).default('listExciseStamp'),
    /** On OPEN_SHIFT_TIMEOUT_EXPIRED: close the shift, then send the receipt again once. */
    autoCloseShift: z.boolean().default(true),
    /** Send `commodityType` (goods 0 / work 1 / service 2, protocol 2.0.4). Turn off for a register on 2.0.3. */
    sendCommodityType: z.boolean().default(true),
    /**
     * The register's KGD registration number (РНМ), used in results when the ticket answer carries no
     * `kgdKkmId`; a return names it as `parentTicket.kgdKkmId`. Default: learnt from `GET /api/crs/{id}`, else `login`.
     */
    registrationNumber: z.string().min(1).optional(),
  })
  .strict();

export type RekassaConfig = z.infer<typeof rekassaConfigSchema>;
/** What callers may pass: defaults not yet applied. */
export type RekassaConfigInput = z.input<typeof rekassaConfigSchema>;
