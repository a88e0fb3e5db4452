/**
 * ATOL channel configuration (ДТО10 web server, JSON tasks; fiscal-channels.md §2.2): the zod schema the
 * agent validates a register's `fiscal` block with, and its type. Everything the reference marks [I] or
 * leaves open is a key here with the default the driver scripts suggest: the VAT mapping, the
 * `measurementUnit` form, the date form of the industry requisite (1263), the shift policy.
 */
import { z } from 'zod';

/** ATOL `taxationType` values (СНО). */
export const ATOL_TAXATION_TYPES = ['osn', 'usnIncome', 'usnIncomeOutcome', 'envd', 'esn', 'patent'] as const;

/**
 * ATOL `tax.type` values. The driver scripts in the corpus know none/vat0/vat10/vat110/vat18/vat118/vat20/vat120;
 * vat5/vat7/vat105/vat107 (USN VAT since 2025) and vat22/vat122 (the 22 % rate since 1 Jan 2026) come with newer
 * driver releases [I: check the installed ДТО version].
 */
export const ATOL_TAX_TYPES = [
  'none',
  'vat0',
  'vat5',
  'vat7',
  'vat10',
  'vat18',
  'vat20',
  'vat22',
  'vat105',
  'vat107',
  'vat110',
  'vat118',
  'vat120',
  'vat122',
] as const;
export type AtolTaxType = (typeof ATOL_TAX_TYPES)[number];

/**
 * tanba `vatRate` (percent, as a string key) → ATOL tax type. Configured entries are merged over these.
 * 22 % is the standard RU rate from 1 Jan 2026 (20 % before); 10 % reduced; 5 % / 7 % the USN rates.
 */
export const DEFAULT_ATOL_VAT_TYPES: Readonly<Record<string, AtolTaxType>> = Object.freeze({
  '0': 'vat0',
  '5': 'vat5',
  '7': 'vat7',
  '10': 'vat10',
  '20': 'vat20',
  '22': 'vat22',
});

const vatTypesSchema = z
  .record(z.string().regex(/^\d{1,2}(\.\d{1,3})?$/, 'a VAT rate in percent, e.g. "22"'), z.enum(ATOL_TAX_TYPES))
  .optional()
  .transform((m): Record<string, AtolTaxType> => ({ ...DEFAULT_ATOL_VAT_TYPES, ...(m ?? {}) }));

export const atolConfigSchema = z
  .object({
    channel: z.literal('atol'),
    /** The ATOL web server (ДТО10), default on the till itself. */
    url: z.string().url().default('http://127.0.0.1:16732'),
    /** Per HTTP call. */
    timeoutMs: z.number().int().positive().default(10_000),
    /** How often `GET /api/v2/requests/{uuid}` is polled while the task waits or runs. */
    pollIntervalMs: z.number().int().positive().default(250),
    /** How long one call polls before it gives up with `unknown-result` (the relay reconciles later). */
    pollTimeoutMs: z.number().int().positive().default(60_000),
    taxationType: z.enum(ATOL_TAXATION_TYPES).default('osn'),
    /** The cashier (tags 1021 / 1203). Omitted: the KKT uses the one it has. */
    operator: z
      .object({
        name: z.string().min(1).max(64),
        vatin: z.string().regex(/^\d{12}$/, 'a 12-digit INN of the cashier').optional(),
      })
      .strict()
      .optional(),
    /** `paymentObject` of a marked position (tag 1212): 33 commodity with marking, 31 excise with marking. */
    paymentObject: z.enum(['commodityWithMarking', 'exciseWithMarking']).default('commodityWithMarking'),
    /** tanba vatRate (percent) → ATOL tax type, merged over DEFAULT_ATOL_VAT_TYPES. */
    vatTypes: vatTypesSchema,
    /** ATOL tax type for a line with `vatRate: null`. */
    noVatType: z.enum(ATOL_TAX_TYPES).default('none'),
    /** Receipt field `validateMarkingCodes`: the KKT checks codes that carry no check result of ours. */
    validateMarkingCodes: z.boolean().default(true),
    /**
     * `measurementUnit` form for FFD 1.2 (tag 2108) [I]: `name` = the driver's enum string (`piece`, `kilogram`),
     * `code` = the tag's number (0, 11). The driver scripts accept both.
     */
    measurementUnitForm: z.enum(['name', 'code']).default('name'),
    /**
     * Form of `industryInfo[].date` (tag 1263) [S]: the driver's JSON validator wants `yyyy.mm.dd` and turns it
     * into the FNS form itself; `dd.mm.yyyy` (the reference's sample) for driver versions that take it as is.
     */
    industryDateForm: z.enum(['yyyy.mm.dd', 'dd.mm.yyyy']).default('yyyy.mm.dd'),
    /** Shift older than 24 h (libfptr 68): close it with a `closeShift` task, then send the receipt again once. */
    autoCloseShift: z.boolean().default(true),
    /** Refused attempts of one receipt the channel walks (each refusal burns one request uuid). */
    maxAttempts: z.number().int().min(1).max(10_000).default(1_000),
  })
  .strict();

export type AtolConfig = z.output<typeof atolConfigSchema>;
/** What callers may pass: defaults not yet applied. */
export type AtolConfigInput = z.input<typeof atolConfigSchema>;
