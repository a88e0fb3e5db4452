/**
 * The agent's HTTP API v1 as zod schemas: request bodies are validated with them, and
 * `/openapi.json` is generated from the same schemas (see openapi.ts).
 */
import { z } from 'zod';
import { LANGUAGES } from '../decision/locales/index.js';
import { fiscalResultSchema } from '../sale/schema.js';

const id = z.string().min(1).max(128).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');
const registerId = z.string().min(1).max(64);
const minor = z.number().int().min(0).max(1e12);

export const checkBodySchema = z
  .object({
    /** The code as scanned; send GS as "\u001d" in JSON. */
    code: z.string().min(1).max(4096),
    registerId: registerId.optional(),
    /** Price in minor units, for MRP / minimum price rules. */
    price: minor.optional(),
    /** Language of the reasons in the answer (default: the agent's `language`). */
    language: z.enum(LANGUAGES).optional(),
  })
  .strict()
  .meta({ id: 'CheckRequest' });

/** Sale and return bodies are the one receipt schema of src/sale (SDK type, HTTP body, OpenAPI). */
export { saleInputSchema as saleBodySchema, returnInputSchema as returnBodySchema } from '../sale/schema.js';

export const saleParamsSchema = z.object({ id }).strict();

export const receiptsQuerySchema = z
  .object({
    which: z.enum(['open', 'all', 'dead']).default('all'),
    limit: z.coerce.number().int().min(1).max(1000).default(50),
    registerId: z.string().min(1).max(64).optional(),
    token: z.string().optional(),
  })
  .strict();

const reason = z.object({ code: z.string(), message: z.string(), remedy: z.string().optional() });

export const parseResultSchema = z
  .object({
    ok: z.boolean(),
    kind: z.enum(['marking', 'gtin', 'sscc', 'unknown']),
    gtin: z.string().nullable(),
    serial: z.string().nullable(),
    ki: z.string().nullable(),
    km: z.string().nullable(),
    productGroup: z.string().nullable(),
    mrp: z.number().nullable(),
    expiry: z.string().nullable(),
    repairs: z.array(z.string()),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .meta({ id: 'ParseResult' });

export const decisionSchema = z
  .object({
    code: parseResultSchema,
    verdict: z.enum(['allow', 'deny', 'unknown']),
    /** May the till proceed: allow, and unknown under the default policy (allow with a warning). */
    allowed: z.boolean().optional(),
    reasons: z.array(reason),
    source: z.enum(['online', 'local', 'none']),
    checkedAt: z.string(),
    latencyMs: z.number(),
    /** RU: industry requisite 1260 for the receipt line (1262 fois, 1263 date, 1264 number, 1265 value). */
    requisites: z
      .object({
        fois: z.string(),
        date: z.string(),
        number: z.string(),
        /** `UUID=<reqId>&Time=<reqTimestamp>`, plus `&Inst=…&Ver=…` when checked offline. */
        value: z.string(),
      })
      .optional(),
  })
  .meta({ id: 'Decision' });

export const saleViewSchema = z
  .object({
    id: z.string(),
    type: z.enum(['sale', 'return']),
    registerId: z.string(),
    channel: z.string().nullable(),
    /** queued → sending → fiscalised; unknown = being reconciled; rejected = dead letter; recorded = history only. */
    state: z.enum(['queued', 'sending', 'unknown', 'fiscalised', 'rejected', 'recorded']),
    fiscal: fiscalResultSchema.nullable(),
    reasons: z.array(z.object({ code: z.string(), message: z.string() })),
    attempts: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
    nextAttemptAt: z.string().nullable(),
    saleId: z.string().optional(),
    /** On the dead-letter list: an operator must look (tanba queue retry). */
    deadLetter: z.boolean().optional(),
  })
  .meta({ id: 'Receipt' });

const problemSchema = z.object({ code: z.string(), message: z.string(), registerId: z.string().optional() });

export const statusSchema = z
  .object({
    ready: z.boolean(),
    state: z.enum(['ready', 'degraded']),
    problems: z.array(problemSchema),
    queue: z.object({ pending: z.number(), oldestPendingAt: z.string().nullable(), deadLetters: z.number() }),
    registers: z.array(
      z.object({
        id: z.string(),
        channel: z.string().nullable(),
        state: z.enum(['ok', 'autonomous', 'unreachable', 'blocked', 'unconfigured']),
        pending: z.number(),
        oldestUnsentAt: z.string().nullable(),
        deadLetters: z.number(),
        lastSuccessAt: z.string().nullable(),
        lastErrorAt: z.string().nullable(),
        lastError: z.string().nullable(),
        autonomousSince: z.string().nullable(),
        /** Hours before the 72 h autonomous rule blocks the register; null when nothing counts. */
        hoursLeft: z.number().nullable(),
        blocked: z.object({ code: z.string(), message: z.string(), since: z.string() }).nullable(),
        health: z.object({ ok: z.boolean(), offline: z.boolean().optional(), oldestUnsentAt: z.string().optional(), problems: z.array(problemSchema) }).passthrough().nullable(),
      }),
    ),
    tracking: z.object({ configured: z.boolean(), tokenExpiresAt: z.string().nullable(), message: z.string().nullable() }),
    scanners: z.array(z.object({ path: z.string(), driver: z.string(), state: z.string() })),
    agent: z.object({
      version: z.string(),
      startedAt: z.string(),
      uptimeSeconds: z.number(),
      country: z.string(),
      language: z.string(),
      trackingConfigured: z.boolean(),
      sellers: z.array(z.object({ tin: z.string(), name: z.string().optional(), registers: z.array(z.string()) })),
    }),
  })
  .meta({ id: 'Status' });

export const errorBodySchema = z
  .object({
    error: z.object({
      /** Stable machine code: invalid-json, invalid-body, body-too-large, unauthorized, not-found, sale-id-conflict, … */
      code: z.string(),
      message: z.string(),
      fields: z.array(z.object({ field: z.string(), problem: z.string(), fix: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export type CheckBody = z.output<typeof checkBodySchema>;
export type ErrorBody = z.output<typeof errorBodySchema>;
