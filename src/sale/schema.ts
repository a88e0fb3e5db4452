/**
 * The one schema of a sale and a return: it gives the SDK types (SaleInput, ReturnInput), the
 * HTTP body schema the agent validates with, and the OpenAPI entries (through `.meta({ id })`).
 * Shape only: what needs the marking parser, the sums or the stored sale is checked in
 * normalize.ts and returns.ts.
 */
import { z } from 'zod';

/** Longest marking code accepted (a KM is under 200 characters; room for scanner prefixes and garbage). */
export const MAX_CODE_LENGTH = 1024;
/** Largest amount in minor units (10^13 tiyn = 100 billion tenge). */
export const MAX_AMOUNT = 1e13;

export const saleIdSchema = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
export const registerIdSchema = z.string().min(1).max(64).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
const minor = z.number().int('a whole number of minor units (tiyn, kopecks), not a fraction').min(0, 'not negative').max(MAX_AMOUNT);
const quantity = z
  .number()
  .positive('more than 0')
  .max(1_000_000)
  .refine((q) => Math.abs(q * 1000 - Math.round(q * 1000)) < 1e-6, 'at most 3 decimals (grams, millilitres)');
const code = z.string().min(1).max(MAX_CODE_LENGTH);

export const paymentSchema = z
  .object({
    type: z.enum(['cash', 'card', 'mobile']),
    /** Minor units. */
    amount: minor,
  })
  .strict()
  .meta({ id: 'Payment' });

export const customerSchema = z
  .object({
    /** Buyer's IIN/BIN (KZ), INN (RU/UZ). */
    tin: z.string().regex(/^\d{9,14}$/, '9 to 14 digits').optional(),
    email: z.email().max(254).optional(),
    phone: z.string().regex(/^\+?\d{7,15}$/, 'digits with an optional leading +, e.g. +77771234455').optional(),
  })
  .strict()
  .meta({ id: 'Customer', description: 'Personal data for an e-receipt: kept only until the receipt is delivered, never logged.' });

export const saleLineSchema = z
  .object({
    name: z.string().trim().min(1, 'the product name printed on the receipt').max(256),
    /** Unit price in minor units. */
    price: minor,
    /** Default 1; a marked piece line carries one code per unit. */
    quantity: quantity.optional(),
    /** Marking codes as scanned (any form the parser accepts), one per unit, all of one product. */
    codes: z.array(code).max(10_000).optional(),
    /** Measure unit code, default "796" (piece). */
    unit: z.string().regex(/^\d{1,4}$/, 'a classifier code such as "796" (piece) or "166" (kg)').optional(),
    /** VAT percent (12, 16, 20…); null = no VAT. Default: the register's `vatRate`. */
    vatRate: z.number().min(0).max(100).nullable().optional(),
    section: z.string().min(1).max(16).optional(),
    gtin: z.string().regex(/^(\d{8}|\d{12,14})$/, 'a GTIN of 8, 12, 13 or 14 digits').optional(),
    ntin: z.string().regex(/^\d{13,14}$/, '13 or 14 digits').optional(),
    productId: z.string().min(1).max(64).optional(),
    positionType: z.enum(['goods', 'work', 'service']).optional(),
    /** UZ: ИКПУ (SPIC), 17 digits. */
    ikpu: z.string().regex(/^\d{17}$/, '17 digits').optional(),
    /** UZ: the ИКПУ package code. */
    packageCode: z.string().min(1).max(32).optional(),
  })
  .strict()
  .meta({ id: 'SaleLine' });

/** The shape before receipts: one marked item per entry. Still accepted where no receipt data is needed. */
export const legacyItemSchema = z
  .object({ code, price: minor, quantity: z.number().int().min(1).max(100_000).optional() })
  .strict()
  .meta({ id: 'SaleItem' });

export const fiscalResultSchema = z
  .object({
    channel: z.string().min(1).max(32),
    fiscalSign: z.string().min(1).max(64),
    registrationNumber: z.string().min(1).max(64),
    dateTime: z.string().min(1).max(40),
    total: minor,
    isOffline: z.boolean(),
    shift: z.number().int().min(0).optional(),
    number: z.number().int().min(0).optional(),
    url: z.string().max(2048).optional(),
    qr: z.string().max(4096).optional(),
    extra: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  })
  .strict()
  .meta({ id: 'FiscalResult' });

const common = {
  /** Caller-chosen; THE idempotency key at every layer: the same id twice is one receipt. */
  id: saleIdSchema,
  /** Which till / cash register; default: the only one configured. */
  registerId: registerIdSchema.optional(),
  at: z.iso.datetime({ offset: true }).optional(),
  lines: z.array(saleLineSchema).min(1).max(1000).optional(),
  /** Default: one cash payment of the total. */
  payments: z.array(paymentSchema).min(1).max(16).optional(),
  customer: customerSchema.optional(),
  /** Deprecated: use `lines`. */
  items: z.array(legacyItemSchema).min(1).max(1000).optional(),
  /** Deprecated: the seller comes from the register's configuration. */
  sellerTin: z.string().regex(/^\d{9,14}$/, '9 to 14 digits').optional(),
};

const oneShape = (v: { lines?: unknown; items?: unknown }, ctx: z.RefinementCtx): void => {
  if (v.lines && v.items)
    ctx.addIssue({ code: 'custom', path: ['items'], message: 'cannot be sent together with lines; send the receipt lines only' });
  if (!v.lines && !v.items) ctx.addIssue({ code: 'custom', path: ['lines'], message: 'is required: the receipt lines (name, price, quantity, codes)' });
};

export const saleInputSchema = z
  .object({
    ...common,
    /** Channel `external` only: the POS fiscalised the sale itself and reports the result. */
    fiscal: fiscalResultSchema.optional(),
  })
  .strict()
  .superRefine(oneShape)
  .meta({ id: 'SaleRequest' });

export const returnInputSchema = z
  .object({
    ...common,
    /** The id of the sale this return reverses; its lines and codes must belong to that sale. */
    saleId: saleIdSchema,
    fiscal: fiscalResultSchema.optional(),
  })
  .strict()
  .superRefine(oneShape)
  .meta({ id: 'ReturnRequest' });

export type SaleLineInput = z.input<typeof saleLineSchema>;
export type PaymentInput = z.input<typeof paymentSchema>;
export type LegacyItemInput = z.input<typeof legacyItemSchema>;
/** A sale as the caller sends it (SDK `recordSale`, HTTP `POST /v1/sales`). */
export type SaleInput = z.input<typeof saleInputSchema>;
/** A return as the caller sends it (SDK `recordReturn`, HTTP `POST /v1/returns`). */
export type ReturnInput = z.input<typeof returnInputSchema>;
