/**
 * local-module/index.ts — a Local Module (ЛМ ЧЗ) emulator (reference tracking-systems.md §5.3,
 * fiscal-channels.md §2.5): a real HTTP server on the module's paths at its root —
 * `GET /api/v1|v2/status`, `POST /api/v1|v2/init {token}`, `POST /api/v2/cis/outCheck {cis_list}`
 * (and the `GET /api/v1/cis/outCheck?cis=` form one client uses), `GET /api/v1/cis/check?cis=`,
 * `POST /api/v2/cis/sell` (201, kept 30 days), `POST /api/v2/cis/return`, `GET /api/v2/cis/sold`.
 * Every call needs `Authorization: Basic …` (or `Token …`) and `X-ClientId`. While the module is
 * not `ready` every call but status/init answers HTTP 400 with 4045 (not ready) or 4050
 * (`sync_error`, which a `ready` module reaches 72 h after its last sync). Faults: latency,
 * outage, error rate, resets. Admin surface under `/_emulator/` (never faulted): codes, state,
 * sync, faults, requests, sold, reset. It imports nothing from tanba's clients.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createFiscalListener, deliver, isRecord, resetFires, type Answer } from '../fiscal-faults.js';
import { lmAnswer, lmFaultsSchema, lmSeedBodySchema, lmStateSchema, type LmFaults, type LmSeedCode, type LmStateInput, type LmStatus } from './schemas.js';
import { LmState, type LmRequestView } from './state.js';

export { lmFaultsSchema, LM_STATUSES, type LmFaults, type LmSeedCode, type LmStatus, type LmStateInput } from './schemas.js';
export type { LmRequestView } from './state.js';

export interface LocalModuleEmulatorOptions {
  port?: number;
  host?: string;
  seed?: number;
  /** Clock (epoch ms) for the 72 h rule, `reqTimestamp`, the sold DB. */
  now?: () => number;
  /** Basic-auth users; default admin / admin (what many installs keep). */
  users?: { login: string; password: string }[];
  /** Accepted `Token <uuid>` values (v17+, issued by ТС ПИоТ); default none. */
  tokens?: string[];
  /** Accepted X-ClientId values (FN numbers); default: any non-empty. */
  clientIds?: string[] | null;
  /** Default 'ready'. */
  status?: LmStatus;
  /** Epoch ms of the last sync; default: now. */
  lastSync?: number;
  inst?: string;
  version?: string;
  maxCodesPerCheck?: number;
  codes?: LmSeedCode[];
  faults?: LmFaults;
}

export interface LocalModuleEmulator {
  url: string;
  port: number;
  seedCodes(codes: LmSeedCode[]): number;
  /** Set the module's status and/or its last sync (epoch ms or ISO). */
  setState(s: LmStateInput): void;
  /** The module as it reports itself now (`sync_error` 72 h after the last sync). */
  state(): { status: LmStatus; lastSync: number };
  /** A successful sync now (clears `sync_error`). */
  sync(): void;
  setFaults(f: LmFaults): LmFaults;
  requests(): LmRequestView[];
  /** The sold DB (KI → ISO time of `cis/sell`). */
  sold(): { cis: string; soldAt: string }[];
  reset(): void;
  close(): Promise<void>;
}

export async function createLocalModuleEmulator(opts: LocalModuleEmulatorOptions = {}): Promise<LocalModuleEmulator> {
  const now = opts.now ?? Date.now;
  const state = new LmState({
    seed: opts.seed ?? 1,
    now,
    users: opts.users ?? [{ login: 'admin', password: 'admin' }],
    tokens: opts.tokens ?? [],
    clientIds: opts.clientIds === undefined ? null : opts.clientIds,
    inst: opts.inst ?? '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
    version: opts.version ?? '17.2.1',
    status: opts.status ?? 'ready',
    lastSync: opts.lastSync ?? now(),
  });
  const maxCodes = opts.maxCodesPerCheck ?? 100;
  if (opts.codes) state.seed(opts.codes);
  if (opts.faults) state.faults = lmFaultsSchema.parse(opts.faults);
  const listener = createFiscalListener();
  const { app, delays } = listener;

  const send = (reply: FastifyReply, a: Answer): Promise<FastifyReply> =>
    deliver(reply, delays, a, { latencyMs: state.faults.latencyMs, reset: resetFires(state.faults.resetConnections, state.random) });

  const authOf = (req: FastifyRequest): LmRequestView['auth'] => {
    const h = req.headers.authorization ?? '';
    const basic = /^Basic\s+(.+)$/i.exec(h);
    if (basic) {
      const text = Buffer.from(basic[1], 'base64').toString('utf8');
      const i = text.indexOf(':');
      const ok = i > 0 && state.opts.users.some((u) => u.login === text.slice(0, i) && u.password === text.slice(i + 1));
      return ok ? 'basic' : 'refused';
    }
    const token = /^Token\s+(.+)$/i.exec(h);
    if (token) return state.opts.tokens.includes(token[1].trim()) ? 'token' : 'refused';
    return 'none';
  };

  type Handler = (req: FastifyRequest) => { answer: Answer; codes?: string[]; pg?: (string | number | null)[] };

  /**
   * Every API call: faults first (nothing is handled), then auth, X-ClientId, readiness (unless the
   * route works in every status), then the route; the request is logged with what it carried.
   */
  const route = (anyStatus: boolean, handler: Handler) => async (req: FastifyRequest, reply: FastifyReply) => {
    const clientIdHeader = req.headers['x-clientid'];
    const clientId = typeof clientIdHeader === 'string' ? clientIdHeader : null;
    const auth = authOf(req);
    const view = (status: number, extra: Partial<LmRequestView> = {}): void => {
      state.requests.push({ at: new Date(now()).toISOString(), method: req.method, path: req.url.split('?')[0], status, clientId, auth, codes: [], pg: [], ...extra });
    };
    const f = state.faults;
    let answer: Answer;
    let extra: Partial<LmRequestView> = {};
    if (f.outage) answer = { status: 503, body: lmAnswer(503, 'service unavailable (emulated outage)') };
    else if (f.errorRate && state.random() < f.errorRate) answer = { status: f.errorStatus ?? 500, body: lmAnswer(f.errorStatus ?? 500, 'emulated error') };
    else if (auth === 'none' || auth === 'refused') answer = { status: 401, body: lmAnswer(401, 'Unauthorized') };
    else if (!clientId) answer = { status: 400, body: lmAnswer(400, 'the X-ClientId header (the FN number) is required') };
    else if (state.opts.clientIds && !state.opts.clientIds.includes(clientId)) answer = { status: 403, body: lmAnswer(403, `X-ClientId ${clientId} is not registered`) };
    else {
      const status = state.effectiveStatus();
      if (!anyStatus && status !== 'ready') {
        answer =
          status === 'sync_error'
            ? { status: 400, body: lmAnswer(4050, 'the local module is in sync_error: no successful sync for 72 hours') }
            : { status: 400, body: lmAnswer(4045, `the local module is not ready (status: ${status})`) };
      } else {
        const out = handler(req);
        answer = out.answer;
        extra = { ...(out.codes ? { codes: out.codes } : {}), ...(out.pg ? { pg: out.pg } : {}) };
      }
    }
    view(answer.status, extra);
    return send(reply, answer);
  };

  const statusRoute = route(true, () => ({ answer: { status: 200, body: state.statusBody() } }));
  app.get('/api/v1/status', statusRoute);
  app.get('/api/v2/status', statusRoute);

  const initRoute = route(true, (req) => {
    const b = req.body;
    if (!isRecord(b) || typeof b.token !== 'string' || b.token === '') return { answer: { status: 400, body: lmAnswer(400, 'token (the participant X-API-KEY) is required') } };
    state.status = 'ready';
    state.sync();
    return { answer: { status: 200, body: lmAnswer(0, 'ok') } };
  });
  app.post('/api/v1/init', initRoute);
  app.post('/api/v2/init', initRoute);

  app.post(
    '/api/v2/cis/outCheck',
    route(false, (req) => {
      const list = cisList(req.body, maxCodes, true);
      if ('error' in list) return { answer: { status: 400, body: lmAnswer(400, list.error) } };
      return {
        answer: { status: 200, body: { code: 0, description: 'ok', results: [{ ...state.stamp(), codes: list.items.map((x) => state.codeItem(x.cis)) }] } },
        codes: list.items.map((x) => x.cis),
        pg: list.items.map((x) => x.pg),
      };
    }),
  );
  const getCheck = route(false, (req) => {
    const cis = (req.query as { cis?: unknown }).cis;
    if (typeof cis !== 'string' || cis === '') return { answer: { status: 400, body: lmAnswer(400, 'the cis query parameter is required') } };
    return { answer: { status: 200, body: { code: 0, description: 'ok', codes: [state.codeItem(cis)], ...state.stamp() } }, codes: [cis] };
  });
  app.get('/api/v1/cis/outCheck', getCheck);
  app.get('/api/v1/cis/check', getCheck);

  app.post(
    '/api/v2/cis/sell',
    route(false, (req) => {
      const list = cisList(req.body, 1000, false);
      if ('error' in list) return { answer: { status: 400, body: lmAnswer(400, list.error) } };
      state.sell(list.items.map((x) => x.cis));
      return { answer: { status: 201, body: lmAnswer(0, 'ok') }, codes: list.items.map((x) => x.cis) };
    }),
  );
  app.post(
    '/api/v2/cis/return',
    route(false, (req) => {
      const list = cisList(req.body, 1000, false);
      if ('error' in list) return { answer: { status: 400, body: lmAnswer(400, list.error) } };
      state.unsell(list.items.map((x) => x.cis));
      return { answer: { status: 200, body: lmAnswer(0, 'ok') }, codes: list.items.map((x) => x.cis) };
    }),
  );
  app.get(
    '/api/v2/cis/sold',
    route(false, (req) => {
      const q = req.query as { skip?: string; limit?: string };
      const skip = Math.max(0, Number(q.skip ?? 0) || 0);
      const limit = Number(q.limit ?? 1000);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return { answer: { status: 400, body: lmAnswer(400, 'limit must be 1..1000') } };
      const all = [...state.soldDb.entries()].map(([cis, at]) => ({ cis, soldAt: new Date(at).toISOString() }));
      return { answer: { status: 200, body: { total: all.length, items: all.slice(skip, skip + limit) } } };
    }),
  );
  app.setNotFoundHandler(async (req, reply) => reply.code(404).send(lmAnswer(404, `no such method: ${req.method} ${req.url.split('?')[0]}`)));

  // ---- admin surface (never faulted) ----
  app.post('/_emulator/codes', async (req, reply) => {
    const p = lmSeedBodySchema.safeParse(req.body);
    if (!p.success) return reply.code(400).send({ error: 'bad-seed', issues: p.error.issues.slice(0, 10) });
    return { ok: true, count: state.seed(p.data.codes) };
  });
  app.get('/_emulator/codes', async () => [...state.codes.values()]);
  const setState = (s: LmStateInput): void => {
    const v = lmStateSchema.parse(s);
    if (v.lastSync !== undefined) state.lastSync = typeof v.lastSync === 'number' ? v.lastSync : Date.parse(v.lastSync);
    if (v.status !== undefined) state.status = v.status;
  };
  const stateView = () => ({ status: state.effectiveStatus(), lastSync: state.lastSync });
  app.post('/_emulator/state', async (req, reply) => {
    const p = lmStateSchema.safeParse(req.body ?? {});
    if (!p.success) return reply.code(400).send({ error: 'bad-state', issues: p.error.issues.slice(0, 10) });
    setState(p.data);
    return stateView();
  });
  app.get('/_emulator/state', async () => stateView());
  app.post('/_emulator/sync', async () => {
    state.sync();
    return stateView();
  });
  app.post('/_emulator/faults', async (req, reply) => {
    const p = lmFaultsSchema.safeParse(req.body ?? {});
    if (!p.success) return reply.code(400).send({ error: 'bad-faults', issues: p.error.issues.slice(0, 10) });
    state.faults = p.data;
    return state.faults;
  });
  app.get('/_emulator/faults', async () => state.faults);
  app.get('/_emulator/requests', async () => state.requests);
  const soldView = () => [...state.soldDb.entries()].map(([cis, at]) => ({ cis, soldAt: new Date(at).toISOString() }));
  app.get('/_emulator/sold', async () => soldView());
  app.post('/_emulator/reset', async () => {
    state.reset();
    return { ok: true };
  });

  const { url, port } = await listener.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  return {
    url,
    port,
    seedCodes: (codes) => state.seed(codes),
    setState,
    state: stateView,
    sync: () => state.sync(),
    setFaults: (f) => (state.faults = lmFaultsSchema.parse(f)),
    requests: () => [...state.requests],
    sold: soldView,
    reset: () => state.reset(),
    close: () => listener.close(),
  };
}

/** `{cis_list:[{cis, pg?}]}` (outCheck: objects; sell/return also take plain strings). */
function cisList(body: unknown, max: number, objectsOnly: boolean): { items: { cis: string; pg: string | number | null }[] } | { error: string } {
  if (!isRecord(body) || !Array.isArray(body.cis_list) || body.cis_list.length === 0) return { error: 'cis_list: a non-empty array is required' };
  if (body.cis_list.length > max) return { error: `cis_list: at most ${max} codes` };
  const items: { cis: string; pg: string | number | null }[] = [];
  for (const [i, x] of body.cis_list.entries()) {
    if (typeof x === 'string' && !objectsOnly && x !== '') {
      items.push({ cis: x, pg: null });
      continue;
    }
    if (!isRecord(x) || typeof x.cis !== 'string' || x.cis === '') return { error: `cis_list[${i}]: {cis, pg} is required` };
    if (x.pg !== undefined && typeof x.pg !== 'string' && typeof x.pg !== 'number') return { error: `cis_list[${i}].pg: a product group id or name` };
    items.push({ cis: x.cis, pg: (x.pg as string | number | undefined) ?? null });
  }
  return { items };
}
