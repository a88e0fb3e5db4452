/**
 * atol/index.ts — an ATOL ДТО10 web server emulator (reference fiscal-channels.md §2.2) with one emulated
 * KKT behind it: the real paths at its root (`POST /api/v2/requests` keyed by uuid, 201 / 409 on a
 * duplicate; `GET /api/v2/requests/{uuid}`, 404 when unknown; `DELETE` to cancel a waiting one),
 * asynchronous processing (a request is finished on the first poll after `processingDelayMs`, in arrival
 * order), the driver's JSON validation of sell / sellReturn, the FFD 1.2 marking rules (a marked position
 * without `imcParams`, or without `industryInfo` after an online check, is refused), shift / paper / fiscal
 * drive / OFD states, the code-validation state machine, and fault injection. Admin surface under
 * `/_emulator/` (never affected by faults). A test oracle: it follows the reference, not tanba's client.
 */
import type { FastifyReply } from 'fastify';
import { createFiscalListener, deliver, instantSchema, isRecord, resetFires, toEpochMs, type Answer, type DeliverOptions } from '../fiscal-faults.js';
import { atolFaultsSchema, type AtolFaults } from './schemas.js';
import { AtolState, type AtolReceiptView, type AtolRequestView, type TaskResultView } from './state.js';

export { atolFaultsSchema, type AtolFaults } from './schemas.js';
export type { AtolReceiptView, AtolRequestView, TaskResultView } from './state.js';

export interface AtolEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PRNG seed for errorRate / resetConnections probability. */
  seed?: number;
  /** KKT clock (epoch ms): shift age, document dates, the 30-day OFD limit. */
  now?: () => number;
  /** A request is finished on the first poll this long after it was accepted; default 0. */
  processingDelayMs?: number;
  /** An online code validation is ready on the first status poll this long after it began; default 0. */
  validationDelayMs?: number;
  fnNumber?: string;
  registrationNumber?: string;
  faults?: AtolFaults;
}

export interface AtolEmulator {
  url: string;
  port: number;
  /** Every fiscal receipt issued, in issue order (a duplicate uuid never issues a second one). */
  receipts(): AtolReceiptView[];
  /** Every API request received, duplicates included. */
  requests(): AtolRequestView[];
  setFaults(f: AtolFaults): AtolFaults;
  /** Open a shift if none and pretend it was opened then (older than 24 h → receipts get 68). */
  setShiftOpenedAt(epochMs: number): void;
  /** KI / KM prefixes the emulated marking server answers "not allowed" to in a code validation. */
  denyCodes(prefixes: string[]): void;
  kkt(): Record<string, unknown>;
  reset(): void;
  close(): Promise<void>;
}

const REQUESTS = '/api/v2/requests';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isAdmin = (url: string): boolean => url.startsWith('/_emulator');

export async function createAtolEmulator(opts: AtolEmulatorOptions = {}): Promise<AtolEmulator> {
  const now = opts.now ?? Date.now;
  const state = new AtolState({
    seed: opts.seed ?? 1,
    now,
    processingDelayMs: opts.processingDelayMs ?? 0,
    validationDelayMs: opts.validationDelayMs ?? 0,
    fnNumber: opts.fnNumber ?? '7380440700076512',
    registrationNumber: opts.registrationNumber ?? '0000000001012345',
    serialNumber: '00106700000001',
  });
  const applyFaults = (f: AtolFaults): AtolFaults => {
    state.faults = atolFaultsSchema.parse(f);
    if (state.faults.shiftExpired) state.setShiftOpenedAt(now() - 25 * 3_600_000);
    return state.faults;
  };
  if (opts.faults) applyFaults(opts.faults);

  const listener = createFiscalListener();
  const { app, delays } = listener;

  const record = (method: string, path: string, uuid: string | null, tasks: string[] = []): AtolRequestView => {
    const rec: AtolRequestView = { method, path, uuid, tasks, at: new Date(now()).toISOString(), httpStatus: 0 };
    state.requests.push(rec);
    return rec;
  };

  /** Pre-action faults of every API call: outage, errorRate. Null when the call may proceed. */
  const preFault = (): Answer | null => {
    const f = state.faults;
    if (f.outage) return { status: 503, body: { error: { code: 503, description: 'Service unavailable (emulated outage)' } } };
    if (f.errorRate && state.random() < f.errorRate) {
      const status = f.errorStatus ?? 503;
      return { status, body: { error: { code: status, description: `emulated HTTP ${status}` } } };
    }
    return null;
  };

  const send = (reply: FastifyReply, rec: AtolRequestView, answer: Answer, o: DeliverOptions = {}): Promise<FastifyReply> => {
    if (!o.reset) rec.httpStatus = answer.status;
    return deliver(reply, delays, answer, { latencyMs: state.faults.latencyMs, ...o });
  };

  // ---- POST /api/v2/requests ----
  app.post(REQUESTS, async (req, reply) => {
    const body = isRecord(req.body) ? req.body : null;
    const uuid = body && typeof body.uuid === 'string' ? body.uuid : null;
    const rawTasks = body ? (Array.isArray(body.request) ? body.request : isRecord(body.request) ? [body.request] : null) : null;
    const rec = record('POST', REQUESTS, uuid, (rawTasks ?? []).map((t) => (isRecord(t) && typeof t.type === 'string' ? t.type : '?')));
    const pre = preFault();
    if (pre) return send(reply, rec, pre, { latencyMs: 0 });
    if (!body || !uuid || !UUID_RE.test(uuid)) return send(reply, rec, { status: 400, body: { error: { code: 400, description: 'the field "uuid" must be a uuid' } } });
    if (!rawTasks || rawTasks.length === 0) return send(reply, rec, { status: 400, body: { error: { code: 400, description: 'the field "request" must hold at least one task' } } });
    if (state.has(uuid)) return send(reply, rec, { status: 409, body: { error: { code: 409, description: `a request with uuid ${uuid} already exists` } } });
    state.accept(uuid, structuredClone(rawTasks));
    const f = state.faults;
    return send(reply, rec, { status: 201, body: '' }, { hangMs: f.hangAfterIssueMs, reset: resetFires(f.resetConnections, state.random) });
  });

  // ---- GET /api/v2/requests/{uuid} ----
  app.get(`${REQUESTS}/:uuid`, async (req, reply) => {
    const uuid = (req.params as { uuid: string }).uuid;
    const rec = record('GET', `${REQUESTS}/{uuid}`, uuid);
    const pre = preFault();
    if (pre) return send(reply, rec, pre, { latencyMs: 0 });
    state.advance();
    const results = state.results(uuid);
    if (!results) return send(reply, rec, { status: 404, body: { error: { code: 404, description: `no request with uuid ${uuid}` } } });
    return send(reply, rec, { status: 200, body: { results } satisfies { results: TaskResultView[] } });
  });

  // ---- DELETE /api/v2/requests/{uuid} (cancel a waiting request) ----
  app.delete(`${REQUESTS}/:uuid`, async (req, reply) => {
    const uuid = (req.params as { uuid: string }).uuid;
    const rec = record('DELETE', `${REQUESTS}/{uuid}`, uuid);
    const pre = preFault();
    if (pre) return send(reply, rec, pre, { latencyMs: 0 });
    state.advance();
    const c = state.cancel(uuid);
    if (c === false) return send(reply, rec, { status: 404, body: { error: { code: 404, description: `no request with uuid ${uuid}` } } });
    if (c === null) return send(reply, rec, { status: 409, body: { error: { code: 409, description: 'the request has already been run' } } });
    return send(reply, rec, { status: 200, body: { results: state.results(uuid) } });
  });

  // ---- unknown paths and unparsable bodies ----
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0];
    if (!isAdmin(path)) record(req.method, path, null).httpStatus = 404;
    return reply.code(404).send({ error: { code: 404, description: `no such method: ${req.method} ${path}` } });
  });
  app.setErrorHandler(async (err: { statusCode?: number; message: string }, req, reply) => {
    const path = req.url.split('?')[0];
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (!isAdmin(path)) record(req.method, path, null).httpStatus = status;
    return reply.code(status).send({ error: { code: status, description: err.message } });
  });

  // ---- admin surface ----
  app.post('/_emulator/faults', async (req, reply) => {
    const p = atolFaultsSchema.safeParse(req.body ?? {});
    if (!p.success) return reply.code(400).send({ error: 'bad-faults', issues: p.error.issues.slice(0, 10) });
    return applyFaults(p.data);
  });
  app.get('/_emulator/faults', async () => state.faults);
  app.get('/_emulator/receipts', async () => {
    state.advance();
    return state.receiptViews();
  });
  app.get('/_emulator/requests', async () => state.requests);
  app.get('/_emulator/kkt', async () => state.kktView());
  app.post('/_emulator/shift', async (req, reply) => {
    const p = instantSchema.safeParse(isRecord(req.body) ? req.body.openedAt : undefined);
    if (!p.success) return reply.code(400).send({ error: 'bad-openedAt', issues: p.error.issues.slice(0, 5) });
    state.setShiftOpenedAt(toEpochMs(p.data));
    return state.kktView();
  });
  app.post('/_emulator/codes/deny', async (req, reply) => {
    const list = isRecord(req.body) && Array.isArray(req.body.prefixes) ? req.body.prefixes : null;
    if (!list || !list.every((x) => typeof x === 'string' && x.length > 0)) return reply.code(400).send({ error: 'bad-prefixes' });
    for (const x of list as string[]) state.deniedCodes.add(x);
    return { ok: true, denied: [...state.deniedCodes] };
  });
  app.post('/_emulator/reset', async () => {
    state.reset();
    return { ok: true };
  });

  const { url, port } = await listener.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');

  return {
    url,
    port,
    receipts: () => {
      state.advance();
      return state.receiptViews();
    },
    requests: () => state.requests.map((r) => ({ ...r, tasks: [...r.tasks] })),
    setFaults: applyFaults,
    setShiftOpenedAt: (ms) => state.setShiftOpenedAt(ms),
    denyCodes: (prefixes) => {
      for (const x of prefixes) state.deniedCodes.add(x);
    },
    kkt: () => state.kktView(),
    reset: () => state.reset(),
    close: () => listener.close(),
  };
}
