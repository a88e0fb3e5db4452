/**
 * Webkassa channel configuration (API v4): the zod schema the agent validates a register's `fiscal`
 * block with, and its type. Secrets (apiKey, password) live here but are never logged.
 */
import { z } from 'zod';

export const webkassaConfigSchema = z
  .object({
    channel: z.literal('webkassa'),
    /** Base URL, e.g. `https://devkkm.webkassa.kz` (test) or the production host. */
    url: z.string().url(),
    /** The integrator key sent as `x-api-key` (`WKD-…`). */
    apiKey: z.string().min(1),
    login: z.string().min(1),
    password: z.string().min(1),
    /** `CashboxUniqueNumber`, e.g. `SWK00033717`. */
    cashbox: z.string().min(1),
    /** Per-call timeout. */
    timeoutMs: z.number().int().positive().default(10_000),
    /** On error 11 (shift open > 24 h): run the Z report, then send the receipt again once. */
    autoCloseShift: z.boolean().default(true),
    /** `PaperKind`: 0 = 80 mm, 3 = 57/58 mm, 12 = A4 portrait, 13 = A4 landscape. */
    paperKind: z.number().int().min(0).optional(),
    /**
     * The marking-code form in `Mark`/`MarkList`: `no-gs` = the KM with GS characters removed (the official
     * sample's form, the default); `with-gs` keeps the GS characters. Only one official sample shows it.
     */
    markForm: z.enum(['no-gs', 'with-gs']).default('no-gs'),
    /** Alternative base URLs tried after error 505 when the `AlternativeDomainNames` header names none that work. */
    alternativeUrls: z.array(z.string().url()).optional(),
  })
  .strict();

export type WebkassaConfig = z.infer<typeof webkassaConfigSchema>;
/** What callers may pass: defaults not yet applied. */
export type WebkassaConfigInput = z.input<typeof webkassaConfigSchema>;
