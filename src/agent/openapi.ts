/** `GET /openapi.json`: the OpenAPI 3.1 description of the agent API, generated from the zod schemas. */
import { z } from 'zod';
import {
  checkBodySchema,
  decisionSchema,
  errorBodySchema,
  parseResultSchema,
  saleViewSchema,
  statusSchema,
} from './api-schemas.js';
import { LANGUAGES } from '../decision/locales/index.js';
import { customerSchema, fiscalResultSchema, legacyItemSchema, paymentSchema, returnInputSchema, saleInputSchema, saleLineSchema } from '../sale/schema.js';

type Json = Record<string, unknown>;

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json): Json => ({ 'application/json': { schema } });
const errors = (...codes: number[]): Json =>
  Object.fromEntries(codes.map((c) => [String(c), { description: errorText[c] ?? 'Error', content: json(ref('Error')) }]));
const errorText: Record<number, string> = {
  400: 'Malformed JSON or a body that does not match the schema; `fields` names each wrong field and what to write instead',
  401: 'Token missing or wrong (only when the agent is bound off loopback)',
  404: 'Not found (or a return naming a sale this agent does not hold)',
  409: 'The same id was used before with a different body',
  413: 'Body larger than http.bodyLimitBytes',
  415: 'Body is not JSON',
  422: 'Well-formed but refused (e.g. an unknown seller)',
  503: 'The sale log cannot write (disk full, database locked); nothing was recorded',
};

export function buildOpenApi(opts: { version: string; tokenRequired: boolean }): Json {
  const registry = z.registry<{ id: string }>();
  for (const [s, id] of [
    [checkBodySchema, 'CheckRequest'],
    [saleLineSchema, 'SaleLine'],
    [paymentSchema, 'Payment'],
    [customerSchema, 'Customer'],
    [fiscalResultSchema, 'FiscalResult'],
    [legacyItemSchema, 'SaleItem'],
    [saleInputSchema, 'SaleRequest'],
    [returnInputSchema, 'ReturnRequest'],
    [parseResultSchema, 'ParseResult'],
    [decisionSchema, 'Decision'],
    [saleViewSchema, 'Receipt'],
    [statusSchema, 'Status'],
    [errorBodySchema, 'Error'],
  ] as const) registry.add(s as z.ZodType, { id });
  const generated = z.toJSONSchema(registry, { target: 'draft-2020-12', io: 'input', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, Json> };
  const schemas: Record<string, Json> = {};
  for (const [name, s] of Object.entries(generated.schemas)) {
    const { $schema: _drop, $id: _id, ...rest } = s;
    schemas[name] = rest;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'tanba agent',
      version: opts.version,
      description:
        'Local API of the tanba store agent: check marking codes before a sale, record sales and returns durably, follow each receipt to its cash register (the fiscal receipt carries the marking codes to the national tracking system). Bound to 127.0.0.1 by default; when bound elsewhere every call needs `Authorization: Bearer <token>`.',
    },
    servers: [{ url: '/' }],
    ...(opts.tokenRequired ? { security: [{ bearer: [] }] } : {}),
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    paths: {
      '/v1/codes/check': {
        post: {
          summary: 'Decide whether an item may be sold',
          description: 'Online check and local knowledge in parallel within the configured budget. verdict: allow ≈ [M+], deny ≈ [M-], unknown ≈ [M].',
          requestBody: { required: true, content: json(ref('CheckRequest')) },
          responses: { '200': { description: 'The decision', content: json(ref('Decision')) }, ...errors(400, 401, 413, 415) },
        },
      },
      '/v1/sales': {
        post: {
          summary: 'Record a sale: a fiscal receipt for its register (idempotent by id)',
          description:
            'Answers only once the receipt is on disk: 202 (queued for its cash register) or, with ?wait=MS, 201 with `fiscal` when the cash register issued it within MS. The same id with the same body returns the existing receipt; a different body under it is 409. Each wrong field is named in `fields` (400 invalid-sale).',
          parameters: [{ name: 'wait', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 120000 }, description: 'Wait up to this many ms for the fiscal result' }],
          requestBody: { required: true, content: json(ref('SaleRequest')) },
          responses: {
            '201': { description: 'On disk and fiscalised', content: json(ref('Receipt')) },
            '202': { description: 'On disk, queued for its cash register', content: json(ref('Receipt')) },
            ...errors(400, 401, 409, 413, 415, 503),
          },
        },
      },
      '/v1/returns': {
        post: {
          summary: 'Record a return receipt of an earlier sale (idempotent by id); it names the sale receipt as its basis',
          parameters: [{ name: 'wait', in: 'query', required: false, schema: { type: 'integer', minimum: 0, maximum: 120000 } }],
          requestBody: { required: true, content: json(ref('ReturnRequest')) },
          responses: {
            '201': { description: 'On disk and fiscalised', content: json(ref('Receipt')) },
            '202': { description: 'On disk, queued for its cash register', content: json(ref('Receipt')) },
            ...errors(400, 401, 404, 409, 413, 415, 503),
          },
        },
      },
      '/v1/sales/{id}': {
        get: {
          summary: 'Where a receipt is: queued, sending, unknown (being reconciled), fiscalised (with `fiscal`) or rejected',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The receipt', content: json(ref('Receipt')) }, ...errors(401, 404) },
        },
      },
      '/v1/status': {
        get: {
          summary: 'Ready or degraded; per register: channel state, queue, oldest unsent receipt, hours left before the 72 h block; scanners',
          responses: { '200': { description: 'Status', content: json(ref('Status')) }, ...errors(401) },
        },
      },
      '/v1/queue/dead': {
        get: {
          summary: 'Dead letters: receipts the cash register refused (with their last error); never customer data',
          responses: { '200': { description: 'Records', content: json({ type: 'array', items: { type: 'object' } }) }, ...errors(401) },
        },
      },
      '/v1/queue/{id}/retry': {
        post: {
          summary: 'Put a dead letter back into the queue (an operator decided to try again)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'The record, queued again', content: json(ref('Receipt')) }, ...errors(401, 404) },
        },
      },
      '/v1/fleet': {
        get: {
          summary: 'Every register of the store (the whole chain on a shared PostgreSQL store): queue depth, oldest unsent receipt, hours left before the 72 h block, dead letters, last success',
          responses: { '200': { description: 'Fleet', content: json({ type: 'object' }) }, ...errors(401) },
        },
      },
      '/v1/receipts': {
        get: {
          summary: 'Receipts, newest state first within dead letters then oldest: which=open|all|dead, limit, registerId (no customer data)',
          parameters: [
            { name: 'which', in: 'query', required: false, schema: { type: 'string', enum: ['open', 'all', 'dead'] } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000 } },
            { name: 'registerId', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: { '200': { description: 'Receipts', content: json({ type: 'array', items: ref('Receipt') }) }, ...errors(400, 401) },
        },
      },
      '/v1/decisions/recent': {
        get: {
          summary: 'The most recent decisions (newest last)',
          responses: { '200': { description: 'Decisions', content: json({ type: 'array', items: ref('Decision') }) }, ...errors(401) },
        },
      },
      '/v1/events': {
        get: {
          summary: 'Server-sent events: scan, decision, receipt (state changes), register (blocked / cleared), status',
          parameters: [
            { name: 'types', in: 'query', required: false, schema: { type: 'string' }, description: 'Comma-separated subset, e.g. decision,receipt' },
            { name: 'registerId', in: 'query', required: false, schema: { type: 'string' }, description: "Only scans from this register's scanners (and from scanners with no register)" },
            { name: 'lang', in: 'query', required: false, schema: { type: 'string', enum: [...LANGUAGES] }, description: 'Language of decision reasons' },
            { name: 'token', in: 'query', required: false, schema: { type: 'string' }, description: 'The token, for EventSource which cannot send headers' },
          ],
          responses: { '200': { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors(401) },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text/plain exposition format' } } } },
      '/': { get: { summary: `Status page (${LANGUAGES.join('/')})`, responses: { '200': { description: 'HTML' } } } },
    },
  };
}
