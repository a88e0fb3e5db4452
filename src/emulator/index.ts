/**
 * emulator/ — a tracking-system emulator with fault injection, for tests, demos and POS vendors'
 * integration tests. A real HTTP server (fastify, 127.0.0.1 by default) speaking the xTrace and
 * True API families in their documented shapes (reference/tracking-fidelity.md), plus an admin surface under `/_emulator/`:
 * seed codes, inject faults, list every document received (duplicates included).
 * In-memory and deterministic: error injection uses a seeded PRNG; documents are processed on the
 * first request after `processingDelayMs`.
 */
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { DEFAULT_TEST_SIGNER_SECRET } from './test-signature.js';
import { registerTrueApi } from './routes-true-api.js';
import { registerXtrace } from './routes-xtrace.js';
import { faultsSchema, seedBodySchema, type Faults, type SeedCode } from './schemas.js';
import { EmulatorState, type CodeRecord, type EmulatorUser } from './state.js';

export type { Faults, SeedCode } from './schemas.js';
export type { CodeRecord, EmulatorUser } from './state.js';

export interface EmulatorOptions {
  /** 0 (default) = any free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PRNG seed for fault injection. */
  seed?: number;
  /** Default 0: a document is processed on the first request after it arrives. */
  processingDelayMs?: number;
  /** xTrace users. Default: demo / demo (with MARKING-CODE.READ). */
  users?: EmulatorUser[];
  /** X-API-KEY values (True API) and static Bearer keys (UZ xTrace). Default: `demo-api-key`. */
  apiKeys?: string[];
  /** Secret of the test signer the emulator accepts (True API; xTrace `signature` is reserved and not checked). */
  signerSecret?: string;
  xtraceTokenTtlSeconds?: number;
  trueApiTokenTtlSeconds?: number;
  refreshTokenTtlSeconds?: number;
  /** Whether xTrace `cod/public/codes` requires a token (default true). */
  publicCodesNeedAuth?: boolean;
  /** xTrace flavour: `KZ` (default, errors as `globalErrors`) or `UZ` (errors as `{code, context}`). */
  xtraceCountry?: 'KZ' | 'UZ';
  /** xTrace `public/codes`: also find a code sent with its crypto tail (default false: only the KI finds it, as in UZ). */
  xtraceAcceptFullCodes?: boolean;
  /** xTrace `docs/search`: page size without `limit` (default 100) and the largest `limit` (default 1000). */
  xtraceSearchDefaultLimit?: number;
  xtraceSearchMaxLimit?: number;
  maxCodesPerInfo?: number;
  maxCodesPerDocument?: number;
  maxCodesPerCodesCheck?: number;
  /** Hosts announced by True API `cdn/info`; default: this emulator's URL. */
  cdnHosts?: string[];
  /** Clock (epoch ms) for tokens, documents and processing; injectable for tests. */
  now?: () => number;
  codes?: SeedCode[];
  faults?: Faults;
}

export interface EmulatorDocumentView {
  documentId: string;
  family: 'xtrace' | 'true-api';
  type: string;
  receivedAt: string;
  reference: string | null;
  codes: string[];
  status: string;
  errors: { index: number; code: string; errorCode: string; message: string }[];
}

export interface Emulator {
  url: string;
  port: number;
  close(): Promise<void>;
  seedCodes(codes: SeedCode[]): number;
  setFaults(faults: Faults): Faults;
  documents(): EmulatorDocumentView[];
  code(codeOrKi: string): CodeRecord | undefined;
  /** Every access token issued so far stops working (refresh tokens stay valid). */
  expireTokens(): void;
  stats(): EmulatorState['stats'];
  reset(): void;
  readonly state: EmulatorState;
}

export async function createEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const state = new EmulatorState({
    seed: opts.seed ?? 1,
    now: opts.now ?? Date.now,
    processingDelayMs: opts.processingDelayMs ?? 0,
    users: opts.users ?? [{ login: 'demo', password: 'demo', permissions: ['MARKING-CODE.READ'] }],
    apiKeys: opts.apiKeys ?? ['demo-api-key'],
    xtraceTokenTtlSeconds: opts.xtraceTokenTtlSeconds ?? 1800,
    trueApiTokenTtlSeconds: opts.trueApiTokenTtlSeconds ?? 10 * 3600,
    refreshTokenTtlSeconds: opts.refreshTokenTtlSeconds ?? 24 * 3600,
  });
  if (opts.codes) state.seed(opts.codes);
  if (opts.faults) state.faults = faultsSchema.parse(opts.faults);
  const signerSecret = opts.signerSecret ?? DEFAULT_TEST_SIGNER_SECRET;
  let url = '';

  const app: FastifyInstance = Fastify({ logger: false, bodyLimit: 40 * 1024 * 1024, forceCloseConnections: true });
  const sockets = new Set<Socket>();
  app.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))));
  });

  const isAdmin = (u: string): boolean => u.startsWith('/_emulator');
  const applies = (u: string): boolean => !isAdmin(u) && (!state.faults.pathPrefix || u.startsWith(state.faults.pathPrefix));

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (isAdmin(path)) return;
    state.stats.requests++;
    const route = `${req.method} ${req.routeOptions.url ?? path}`;
    state.stats.byRoute[route] = (state.stats.byRoute[route] ?? 0) + 1;
    const f = state.faults;
    if (applies(path) && f.outage) {
      state.stats.outageRefusals++;
      return reply.code(503).send({ code: 'service-unavailable', message: 'the system is unavailable (emulated outage)' });
    }
    const wait = state.takeRateSlot();
    if (wait !== null) {
      state.stats.rateLimited++;
      return reply
        .code(429)
        .header('Retry-After', String(Math.max(1, Math.ceil(wait / 1000))))
        .send({ code: 'too-many-requests', message: 'rate limit exceeded' });
    }
    // 406 (empty body) only when Accept is given and covers no JSON answer (the description: "*/*" or the matching types).
    const accept = req.headers.accept;
    if (accept !== undefined && !accept.split(',').some((a) => ['*/*', 'application/*', 'application/json'].includes(a.trim().split(';')[0].toLowerCase()))) {
      state.stats.notAcceptable++;
      return reply.code(406).send();
    }
    if (applies(path) && f.errorRate && state.random() < f.errorRate) {
      state.stats.injectedErrors++;
      const status = f.errorStatus ?? 503;
      return reply.code(status).send({ code: `emulated-${status}`, message: `emulated error ${status}` });
    }
  });

  app.addHook('preHandler', async () => {
    state.processDue();
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const path = req.url.split('?')[0];
    if (!applies(path)) return payload;
    const f = state.faults;
    if (f.latencyMs) await new Promise((r) => setTimeout(r, f.latencyMs));
    const reset = f.resetConnections;
    if (reset === true || (typeof reset === 'number' && reset > 0 && state.random() < reset)) {
      state.stats.resets++;
      req.raw.socket.destroy();
    }
    return payload;
  });

  registerXtrace(app, state, {
    maxCodesPerInfo: opts.maxCodesPerInfo ?? 1000,
    maxCodesPerDocument: opts.maxCodesPerDocument ?? 30_000,
    publicCodesNeedAuth: opts.publicCodesNeedAuth ?? true,
    country: opts.xtraceCountry ?? 'KZ',
    acceptFullCodes: opts.xtraceAcceptFullCodes ?? false,
    searchDefaultLimit: opts.xtraceSearchDefaultLimit ?? 100,
    searchMaxLimit: opts.xtraceSearchMaxLimit ?? 1000,
  });
  registerTrueApi(app, state, {
    maxCodesPerInfo: opts.maxCodesPerInfo ?? 1000,
    maxCodesPerDocument: opts.maxCodesPerDocument ?? 30_000,
    maxCodesPerCodesCheck: opts.maxCodesPerCodesCheck ?? 100,
    signerSecret,
    cdnHosts: () => opts.cdnHosts ?? [url],
  });

  const documents = (): EmulatorDocumentView[] => {
    state.processDue();
    return state.documents.map((d) => ({
      documentId: d.documentId,
      family: d.family,
      type: d.type,
      receivedAt: new Date(d.receivedAt).toISOString(),
      reference: d.reference,
      codes: [...d.codes],
      status: d.status,
      errors: d.errors.map((e) => ({ index: e.index, code: e.ki, errorCode: e.errorCode, message: e.message })),
    }));
  };

  // ---- admin surface ----
  app.post('/_emulator/codes', async (req, reply) => {
    const p = seedBodySchema.safeParse(req.body);
    if (!p.success) return reply.code(400).send({ error: 'bad-seed', issues: p.error.issues.slice(0, 10) });
    return { ok: true, count: state.seed(p.data.codes) };
  });
  app.get('/_emulator/codes', async (req) => {
    const limit = Math.min(100_000, Math.max(1, Number((req.query as { limit?: string }).limit ?? 1000) || 1000));
    return [...state.codes.values()].slice(0, limit);
  });
  app.get('/_emulator/codes/:code', async (req, reply) => {
    const rec = state.lookup(decodeURIComponent((req.params as { code: string }).code));
    return rec ?? reply.code(404).send({ error: 'not-found' });
  });
  app.post('/_emulator/faults', async (req, reply) => {
    const p = faultsSchema.safeParse(req.body ?? {});
    if (!p.success) return reply.code(400).send({ error: 'bad-faults', issues: p.error.issues.slice(0, 10) });
    state.faults = p.data;
    return state.faults;
  });
  app.get('/_emulator/faults', async () => state.faults);
  app.get('/_emulator/documents', async () => documents());
  app.get('/_emulator/stats', async () => state.stats);
  app.post('/_emulator/tokens/expire', async () => {
    state.expireTokens();
    return { ok: true };
  });
  app.post('/_emulator/reset', async () => {
    state.reset();
    return { ok: true };
  });

  const address = await app.listen({ port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  url = address.replace('[::1]', '127.0.0.1');

  return {
    url,
    port,
    state,
    close: async () => {
      for (const s of sockets) s.destroy();
      await app.close();
    },
    seedCodes: (codes) => state.seed(codes),
    setFaults: (faults) => (state.faults = faultsSchema.parse(faults)),
    documents,
    code: (c) => state.lookup(c),
    expireTokens: () => state.expireTokens(),
    stats: () => state.stats,
    reset: () => state.reset(),
  };
}
