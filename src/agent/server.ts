/**
 * The agent's local HTTP API (fastify): routes, body validation with the zod schemas of
 * api-schemas.ts, token auth, CORS for browser POS pages, server-sent events, metrics, the status page.
 * Every failure answers `{ error: { code, message, fields? } }` with a 4xx/5xx status.
 */
import { timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Terminal } from '../terminal/types.js';
import type { SaleView } from '../outbox/ports.js';
import type { ReturnInput, SaleInput } from '../sale/schema.js';
import { checkBodySchema, receiptsQuerySchema, saleParamsSchema, type ErrorBody } from './api-schemas.js';
import { type AgentConfig, isLoopback } from './config.js';
import type { EventHub, AgentEvent } from './events.js';
import { type FieldError, schemaKeys, toFieldErrors } from '../util/field-errors.js';
import type { AgentMetrics } from './metrics.js';
import { isLanguage, localizeDecision } from './localize.js';
import { buildOpenApi } from './openapi.js';
import { statusPageHtml } from './status-page.js';
import type { AgentStatusView } from './status.js';
import { version } from './version.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldError[],
  ) {
    super(message);
  }
}

export interface ServerDeps {
  config: AgentConfig;
  terminal: Terminal;
  hub: EventHub;
  metrics: AgentMetrics;
  logger: Logger;
  startedAt: Date;
  /** The agent's status (terminal + agent facts). */
  status: () => Promise<AgentStatusView>;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fields = toFieldErrors(r.error.issues, value, {}, schemaKeys(schema), 'field');
  const first = fields[0];
  throw new HttpError(400, 'invalid-body', `The ${what} is not valid: ${first ? `${first.field} ${first.problem}` : 'see fields'}${fields.length > 1 ? ` (and ${fields.length - 1} more)` : ''}.`, fields);
}

/** HTTP status for the stable error codes of intake, the sale log and the terminal. */
const statusByCode: Record<string, number> = {
  'invalid-sale': 400,
  'unknown-register': 400,
  'unknown-sale': 404,
  'id-conflict': 409,
  'not-found': 404,
  'disk-full': 503,
  'store-locked': 503,
  'store-corrupt': 503,
  'store-readonly': 503,
  'store-io': 503,
  'store-closed': 503,
};

/** Maps an error thrown by the terminal to an HTTP answer (stable codes pass through). */
export function terminalErrorToHttp(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  const status = (err as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 600) return new HttpError(status, code, message);
  const known = statusByCode[code];
  const fields = (err as { fields?: FieldError[] })?.fields;
  if (known) return new HttpError(known, code, message, Array.isArray(fields) && fields.length ? fields : undefined);
  if (/conflict|mismatch|different/.test(code)) return new HttpError(409, code, message);
  if (/not-found|unknown-sale|no-such/.test(code)) return new HttpError(404, code, message);
  if (/invalid|bad-|missing|empty|not-a-marking|too-many|return/.test(code)) return new HttpError(422, code, message);
  if (/disk|full|locked|busy|corrupt|closed|readonly|io|storage|sqlite/i.test(code)) return new HttpError(503, code, message);
  return new HttpError(500, code, message);
}

function errorBody(e: HttpError): ErrorBody {
  return { error: { code: e.code, message: e.message, ...(e.fields ? { fields: e.fields } : {}) } };
}

function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const { config, terminal, hub, metrics, logger } = deps;
  const app = Fastify({
    // Per-request lines only at debug/trace; errors are logged by the error handler.
    // The request line logged at debug never shows a `?token=`.
    loggerInstance: logger.child(
      { part: 'http' },
      {
        level: ['debug', 'trace', 'silent'].includes(logger.level) ? logger.level : 'warn',
        serializers: { req: (req: { method?: string; url?: string; ip?: string }) => ({ method: req.method, url: String(req.url ?? '').replace(/([?&]token=)[^&]*/g, '$1[redacted]'), remoteAddress: req.ip }) },
      },
    ) as unknown as FastifyBaseLogger,
    bodyLimit: config.http.bodyLimitBytes,
    // Ids are up to 128 characters, percent-encoded up to three times that: one limit everywhere.
    routerOptions: { maxParamLength: 400 },
    // On close: idle keep-alive connections are closed, in-flight requests (sales being written) finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  // Only JSON bodies: anything else is answered 415.
  app.removeContentTypeParser('text/plain');
  const streams = new Set<FastifyReply>();
  const token = config.http.token;
  const cors = config.http.corsOrigins;

  app.addHook('onRequest', async (req, reply) => {
    (req as FastifyRequest & { t0?: bigint }).t0 = process.hrtime.bigint();
    const origin = req.headers.origin;
    if (origin && (cors.includes('*') || cors.includes(origin))) {
      reply.header('access-control-allow-origin', cors.includes('*') ? '*' : origin);
      reply.header('vary', 'origin');
      reply.header('access-control-allow-headers', 'content-type, authorization');
      reply.header('access-control-allow-methods', 'GET, POST, OPTIONS');
      if (req.method === 'OPTIONS') return reply.code(204).send();
    }
    if (!token) {
      // No token means loopback only: refuse a Host that is not loopback (DNS rebinding from a web page).
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!isLoopback(host)) throw new HttpError(403, 'bad-host', `This agent answers only to 127.0.0.1 / localhost (Host "${host}"); to serve other machines set http.host and http.token.`);
      return;
    }
    const auth = req.headers.authorization;
    const bearer = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
    // `?token=` only where a browser cannot send a header: the status page and the event stream.
    const path = req.url.split('?')[0];
    const query = req.method === 'GET' && (path === '/' || path === '/v1/events') ? (req.query as Record<string, string | undefined> | undefined)?.token : undefined;
    if (!tokenMatches(bearer ?? query, token)) {
      reply.header('www-authenticate', 'Bearer realm="tanba"');
      throw new HttpError(401, 'unauthorized', 'This agent needs its token: send "Authorization: Bearer <http.token>" (or ?token= for the status page and event stream).');
    }
  });

  app.addHook('onResponse', async (req, reply) => {
    const t0 = (req as FastifyRequest & { t0?: bigint }).t0;
    if (t0 !== undefined) metrics.httpRequest(req.routeOptions.url ?? 'unmatched', req.method, reply.statusCode, Number(process.hrtime.bigint() - t0) / 1e9);
  });

  app.setErrorHandler((err: unknown, req, reply) => {
    let e: HttpError;
    if (err instanceof HttpError) e = err;
    else {
      const fe = err as { statusCode?: number; code?: string; message?: string };
      if (fe.statusCode === 413 || fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        e = new HttpError(413, 'body-too-large', `The request body is larger than ${config.http.bodyLimitBytes} bytes (http.bodyLimitBytes); send fewer items per call.`);
      else if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError)
        e = new HttpError(400, 'invalid-json', `The body is not valid JSON: ${fe.message ?? ''}. Send one JSON object; write GS as "\\u001d".`, [
          { field: '(body)', problem: 'is not valid JSON', fix: 'send a JSON object such as {"code": "…"}' },
        ]);
      else if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
        e = new HttpError(400, 'invalid-json', 'The body is empty; send a JSON object.', [{ field: '(body)', problem: 'is empty', fix: 'send a JSON object such as {"code": "…"}' }]);
      else if (fe.statusCode === 415 || fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
        e = new HttpError(415, 'unsupported-media-type', 'Send the body as JSON with "Content-Type: application/json".');
      else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) e = new HttpError(fe.statusCode, fe.code ?? 'bad-request', fe.message ?? 'Bad request');
      else e = terminalErrorToHttp(err);
    }
    const url = req.url.replace(/([?&]token=)[^&]*/g, '$1[redacted]');
    if (e.status >= 500) req.log.error({ err, code: e.code, url }, 'request failed');
    else req.log.debug({ code: e.code, url }, 'request refused');
    void reply.code(e.status).send(errorBody(e));
  });

  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(errorBody(new HttpError(404, 'not-found', `No such endpoint: ${req.method} ${req.url.split('?')[0]}. See GET /openapi.json.`)));
  });

  app.post('/v1/codes/check', async (req) => {
    const body = parse(checkBodySchema, req.body, 'check request');
    return localizeDecision(await terminal.check(body.code, { registerId: body.registerId, price: body.price }), body.language);
  });

  /** `?wait=MS`: also wait up to MS for the fiscal result (201 with it), else answer 202 once on disk. */
  const waitOf = (req: FastifyRequest): number => {
    const raw = (req.query as { wait?: string } | undefined)?.wait;
    if (raw === undefined || raw === '') return 0;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 120_000)
      throw new HttpError(400, 'invalid-query', `wait must be a whole number of milliseconds from 0 to 120000, got "${raw}".`, [
        { field: 'wait', problem: 'is not a number of milliseconds from 0 to 120000', fix: 'write e.g. ?wait=5000' },
      ]);
    return n;
  };
  const answerReceipt = (reply: FastifyReply, view: SaleView) =>
    reply
      .code(view.state === 'fiscalised' ? 201 : 202)
      .header('location', `/v1/sales/${encodeURIComponent(view.id)}`)
      .send(view);

  app.post('/v1/sales', async (req, reply) => answerReceipt(reply, await terminal.recordSale(req.body as SaleInput, { waitMs: waitOf(req) })));

  app.post('/v1/returns', async (req, reply) => answerReceipt(reply, await terminal.recordReturn(req.body as ReturnInput, { waitMs: waitOf(req) })));

  app.get('/v1/sales/:id', async (req) => {
    const { id } = parse(saleParamsSchema, req.params, 'sale id');
    const info = await terminal.sale(id);
    if (!info) throw new HttpError(404, 'sale-not-found', `No sale or return with id "${id}" was recorded here.`);
    return info;
  });

  app.get('/v1/status', async () => deps.status());

  app.get('/v1/fleet', async () => terminal.fleet());

  app.get('/v1/queue/dead', async () => terminal.receipts({ which: 'dead', limit: 1000 }));
  /** Recent and open receipts for the status page and support: `?which=open|all|dead&limit=N&registerId=…`. No customer data. */
  app.get('/v1/receipts', async (req) => {
    const q = parse(receiptsQuerySchema, req.query ?? {}, 'query');
    return terminal.receipts({ which: q.which, limit: q.limit, ...(q.registerId ? { registerId: q.registerId } : {}) });
  });
  app.post('/v1/queue/:id/retry', async (req) => {
    const { id } = parse(saleParamsSchema, req.params, 'receipt id');
    return terminal.retryDeadLetter(id);
  });

  app.get('/v1/decisions/recent', async (req) => {
    const lang = (req.query as { lang?: string }).lang;
    return hub.recentDecisions().map((d) => localizeDecision(d, isLanguage(lang) ? lang : undefined));
  });

  app.get('/v1/events', (req, reply) => {
    const q = req.query as { types?: string; registerId?: string; lang?: string };
    const lang = isLanguage(q.lang) ? q.lang : undefined;
    const wanted = q.types ? new Set(q.types.split(',')) : null;
    const register = q.registerId;
    reply.hijack();
    const res = reply.raw;
    const headers: Record<string, string> = {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    };
    const allow = reply.getHeader('access-control-allow-origin');
    if (typeof allow === 'string') headers['access-control-allow-origin'] = allow;
    res.writeHead(200, headers);
    const send = (e: AgentEvent): void => {
      if (wanted && !wanted.has(e.type)) return;
      // A till's POS follows only its own scanners (scanners with no register reach everyone).
      if (register && e.type === 'scan' && e.data.registerId && e.data.registerId !== register) return;
      // A reader that stopped reading is let go rather than buffered without end (EventSource reconnects).
      if (res.writableLength > 1_000_000) return void res.destroy();
      const data = e.type === 'decision' ? localizeDecision(e.data, lang) : e.data;
      res.write(`event: ${e.type}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.write('retry: 2000\n\n');
    for (const d of hub.recentDecisions()) send({ type: 'decision', data: d });
    const off = hub.subscribe(send);
    void deps.status().then(
      (s) => !res.writableEnded && send({ type: 'status', data: s }),
      () => undefined,
    );
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    streams.add(reply);
    const done = (): void => {
      clearInterval(ping);
      off();
      streams.delete(reply);
    };
    res.on('close', done);
  });

  app.get('/metrics', async (_req, reply) => {
    const body = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).send(body);
  });

  const openapi = buildOpenApi({ version, tokenRequired: Boolean(token) });
  app.get('/openapi.json', async () => openapi);

  app.get('/', async (_req, reply) => reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(statusPageHtml));

  // While closing, every answer (to requests that were in flight) ends its connection, so close()
  // does not wait for keep-alive sockets to time out.
  let closing = false;
  app.addHook('onSend', async (_req, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  // Event streams never end by themselves: end them first so close() finishes.
  app.addHook('preClose', async () => {
    closing = true;
    for (const r of streams) r.raw.end();
    streams.clear();
  });

  return app;
}
