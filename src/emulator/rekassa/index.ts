/**
 * rekassa/index.ts — a re:Kassa partner-API emulator (reference fiscal-channels.md §1.3, body =
 * KGD OFD ticket §1.6): a real HTTP server on the real paths, login with a partner apiKey, Bearer
 * tokens, strict KGD-JSON ticket validation, X-Request-ID idempotency (replay → the same answer,
 * a different body → 409), per-register shifts and fiscal signs, autonomous mode (offline flag,
 * BLOCKED after 72 h) and fault injection. Admin surface under `/_emulator/` (never faulted).
 * A test oracle: it follows the reference, not tanba's client.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  canonicalJson,
  createFiscalListener,
  deliver,
  instantSchema,
  isRecord,
  kzIso,
  OFFLINE_LIMIT_MS,
  resetFires,
  SHIFT_LIMIT_MS,
  toEpochMs,
  type Answer,
} from '../fiscal-faults.js';
import { money, RK, rekassaFaultsSchema, rkError, type RekassaFaults } from './schemas.js';
import { RekassaState, type CashRegister, type CashRegisterSpec, type RekassaReceiptView, type RekassaRequestView, type Shift } from './state.js';
import { validateTicket } from './ticket.js';

export { rekassaFaultsSchema, type RekassaFaults, type Money } from './schemas.js';
export type { RekassaReceiptView, RekassaRequestView, RekassaTicketAnswer, CashRegisterSpec } from './state.js';

export interface RekassaEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PRNG seed for errorRate / resetConnections probability. */
  seed?: number;
  /** Clock (epoch ms) for shift ages, offline age, token expiry, dateTime. */
  now?: () => number;
  /** Accepted partner `apiKey` values; default ['rekassa-demo-key']. */
  apiKeys?: string[];
  /** Default 4: ids '101'..'104', numbers 'RK00000101'.., password 'demo'. */
  cashRegisters?: number | CashRegisterSpec[];
  faults?: RekassaFaults;
}

export interface RekassaEmulator {
  url: string;
  port: number;
  /** Every ticket issued, in issue order (a replayed X-Request-ID never issues a second one). */
  receipts(): RekassaReceiptView[];
  /** Every API request received, replays included. */
  requests(): RekassaRequestView[];
  setFaults(f: RekassaFaults): RekassaFaults;
  /** Every issued token stops working (next call → 401). */
  expireTokens(): void;
  /** Age the open shift (opens one if none) → OPEN_SHIFT_TIMEOUT_EXPIRED once older than 24 h. */
  setShiftOpenedAt(cashRegisterId: string, epochMs: number): void;
  reset(): void;
  close(): Promise<void>;
}

const isAdmin = (url: string): boolean => url.startsWith('/_emulator');

interface Ctx {
  req: FastifyRequest;
  body: Record<string, unknown>;
  params: Record<string, string>;
  /** The faults that apply to this request ({} when scoped to another register). */
  f: RekassaFaults;
}
interface Outcome {
  status: number;
  body: unknown;
  /** A ticket was issued by this request (hangAfterIssueMs applies). */
  issued?: boolean;
  replay?: boolean;
}
const error = (status: number, code: string, message: string): Outcome => ({ status, body: rkError(code, message) });
const bad = (message: string): Outcome => error(400, RK.INCORRECT_REQUEST_DATA, message);

export async function createRekassaEmulator(opts: RekassaEmulatorOptions = {}): Promise<RekassaEmulator> {
  const now = opts.now ?? Date.now;
  const specs: CashRegisterSpec[] = Array.isArray(opts.cashRegisters)
    ? opts.cashRegisters
    : Array.from({ length: opts.cashRegisters ?? 4 }, (_, i) => ({ id: String(101 + i), number: `RK${String(101 + i).padStart(8, '0')}`, password: 'demo' }));
  const state = new RekassaState({ seed: opts.seed ?? 1, now, apiKeys: opts.apiKeys ?? ['rekassa-demo-key'], registers: specs });
  if (opts.faults) state.faults = rekassaFaultsSchema.parse(opts.faults);

  const listener = createFiscalListener();
  const { app, delays } = listener;

  const faultsFor = (registerId: string | null): RekassaFaults => {
    const f = state.faults;
    if (f.cashRegister !== undefined && f.cashRegister !== registerId) return {};
    return f;
  };

  const record = (req: FastifyRequest, registerId: string | null): RekassaRequestView => {
    const rid = req.headers['x-request-id'];
    const rec: RekassaRequestView = {
      method: req.method,
      path: req.url.split('?')[0],
      cashRegister: registerId,
      requestId: typeof rid === 'string' ? rid : null,
      at: new Date(now()).toISOString(),
      httpStatus: 0,
      code: null,
      replay: false,
    };
    state.requests.push(rec);
    return rec;
  };

  /** Common pipeline: log, pre-action faults (outage, errorRate), handler, post-action faults. */
  const route = (method: 'GET' | 'POST', url: string, handler: (ctx: Ctx) => Outcome): void => {
    app.route({
      method,
      url,
      handler: async (req, reply) => {
        const params = (req.params ?? {}) as Record<string, string>;
        const registerId = params.id ?? null;
        const rec = record(req, registerId);
        const f = faultsFor(registerId);
        const send = (o: Outcome, d: Parameters<typeof deliver>[3] = {}): Promise<FastifyReply> => {
          rec.code = isRecord(o.body) && typeof o.body.code === 'string' ? o.body.code : null;
          rec.replay = o.replay ?? false;
          if (!d.reset) rec.httpStatus = o.status;
          const answer: Answer = { status: o.status, body: o.body };
          return deliver(reply, delays, answer, d);
        };
        if (f.outage) return send(error(503, RK.SERVICE_TEMPORARILY_UNAVAILABLE, 'service unavailable (emulated outage)'));
        if (f.errorRate && state.random() < f.errorRate) {
          const status = f.errorStatus ?? 503;
          return send(error(status, RK.SERVICE_TEMPORARILY_UNAVAILABLE, `emulated HTTP ${status}`), { latencyMs: f.latencyMs });
        }
        let out: Outcome;
        try {
          out = handler({ req, body: isRecord(req.body) ? req.body : {}, params, f });
        } catch (e) {
          out = error(500, 'UNKNOWN_ERROR', `emulator error: ${(e as Error).message}`);
        }
        return send(out, { hangMs: out.issued ? f.hangAfterIssueMs : 0, latencyMs: f.latencyMs, reset: resetFires(f.resetConnections, state.random) });
      },
    });
  };

  /** Bearer token (401), register (404), token of that register (403). */
  const authRegister = (ctx: Ctx): CashRegister | Outcome => {
    const owner = state.tokenRegister(ctx.req.headers.authorization);
    if (owner === null) return error(401, RK.UNAUTHORIZED, 'a valid Bearer token is required (missing, unknown or expired)');
    const r = state.registers.get(ctx.params.id);
    if (!r) return error(404, RK.NOT_FOUND, `cash register ${ctx.params.id} not found`);
    if (r.id !== owner) return error(403, RK.FORBIDDEN, `the token does not give access to cash register ${r.id}`);
    return r;
  };
  const isOutcome = (x: CashRegister | Outcome): x is Outcome => 'status' in x && 'body' in x;

  /** Autonomous state of a register under the faults: [offline, since]. */
  const offlineState = (r: CashRegister, f: RekassaFaults): { offline: boolean; since: number | null } => {
    if (f.offlineSince !== undefined) return { offline: true, since: toEpochMs(f.offlineSince) };
    if (f.offline) return { offline: true, since: r.offlineSince ?? now() };
    return { offline: false, since: null };
  };

  const shiftView = (s: Shift) => {
    const sum = (op: string) => s.tickets.filter((t) => t.view.operation === op).reduce((a, t) => a + t.totalMinor, 0);
    return {
      shiftNumber: s.number,
      open: s.closedAt === null,
      openTime: kzIso(s.openedAt),
      closeTime: s.closedAt === null ? null : kzIso(s.closedAt),
      ticketsCount: s.tickets.length,
      sellTotal: money(sum('OPERATION_SELL')),
      sellReturnTotal: money(sum('OPERATION_SELL_RETURN')),
    };
  };

  /** Spring-style page [I]: `{content, page:{number, size, totalElements, totalPages}}`. */
  const paged = <T>(req: FastifyRequest, all: T[]): Outcome => {
    const q = req.query as Record<string, string | undefined>;
    const page = q.page === undefined ? 0 : Number(q.page);
    const size = q.size === undefined ? 20 : Number(q.size);
    if (!Number.isInteger(page) || page < 0) return bad('page must be an integer >= 0');
    if (!Number.isInteger(size) || size < 1 || size > 1000) return bad('size must be an integer 1..1000');
    return {
      status: 200,
      body: { content: all.slice(page * size, page * size + size), page: { number: page, size, totalElements: all.length, totalPages: Math.ceil(all.length / size) } },
    };
  };

  // ---- auth ----
  route('POST', '/api/auth/login', (ctx) => {
    const key = (ctx.req.query as Record<string, unknown>).apiKey;
    if (typeof key !== 'string' || !state.opts.apiKeys.includes(key)) return error(403, RK.FORBIDDEN, 'a known partner apiKey query parameter is required');
    const { number, password } = ctx.body;
    if (typeof number !== 'string' || typeof password !== 'string') return bad('number and password are required');
    const l = state.login(number, password);
    if (!l) return error(401, RK.UNAUTHORIZED, 'wrong cash register number or password');
    return { status: 200, body: { token: l.token, id: l.register.id } };
  });

  // ---- cash register ----
  route('GET', '/api/crs/:id', (ctx) => {
    const r = authRegister(ctx);
    if (isOutcome(r)) return r;
    const o = offlineState(r, ctx.f);
    return {
      status: 200,
      body: {
        id: r.id,
        number: r.number,
        kgdKkmId: r.kgdKkmId,
        status: ctx.f.blockedCashRegisters?.includes(r.id) ? 'BLOCKED' : 'ACTIVE',
        offline: o.offline,
        offlineSince: o.since === null ? null : kzIso(o.since),
        shift: r.shift ? shiftView(r.shift) : null,
        lastShiftNumber: r.shifts.length,
      },
    };
  });

  // ---- tickets ----
  route('POST', '/api/crs/:id/tickets', (ctx) => {
    const r = authRegister(ctx);
    if (isOutcome(r)) return r;
    const rid = ctx.req.headers['x-request-id'];
    if (typeof rid !== 'string' || rid.trim() === '' || rid.length > 128) return bad('the X-Request-ID header (1..128 characters, the idempotency key) is required');
    const bodyKey = canonicalJson(ctx.body);
    const known = r.byRequestId.get(rid);
    if (known) {
      // Replay: the same answer, no second ticket. A different body under the same id is a client
      // bug: 409 INVALID_RETRY_REQUEST (KGD result code 9) [I: the HTTP status is inferred].
      if (known.bodyKey === bodyKey) return { status: 200, body: structuredClone(known.view.answer), replay: true };
      return error(409, RK.INVALID_RETRY_REQUEST, `X-Request-ID ${rid} was already used for a different ticket body`);
    }
    if (ctx.f.blockedCashRegisters?.includes(r.id)) return error(400, RK.BLOCKED, `cash register ${r.id} is blocked`);

    const v = validateTicket(ctx.body);
    if (!v.ok) return bad(v.message);
    const t = v.ticket;

    let sale: ReturnType<typeof state.findSale>;
    if (t.parent) {
      const p = t.parent;
      sale = state.findSale(p.ticketNumber, p.kgdKkmId);
      if (!sale) return bad(`parentTicket: no sale with parentTicketNumber ${p.ticketNumber} on kgdKkmId ${p.kgdKkmId}`);
      if (sale.totalMinor !== p.totalMinor) return bad(`parentTicket: parentTicketTotal ${p.totalMinor / 100} differs from the sale total ${sale.totalMinor / 100}`);
      if (sale.view.offline !== p.isOffline) return bad(`parentTicket: parentTicketIsOffline ${p.isOffline} differs from the sale (${sale.view.offline})`);
      for (const m of t.marks) {
        if (!sale.view.marks.includes(m)) return bad(`return: excise stamp ${m} was not sold in ticket ${p.ticketNumber}`);
        if (sale.returnedMarks.has(m)) return bad(`return: excise stamp ${m} has already been returned`);
      }
      if (sale.returnedMinor + t.totalMinor > sale.totalMinor) return bad(`return: total returned would exceed the sale total ${sale.totalMinor / 100}`);
    }

    // Autonomous for more than 72 h → BLOCKED (KGD result 15); it outranks the shift age [I].
    const o = offlineState(r, ctx.f);
    if (o.offline && o.since !== null && now() - o.since > OFFLINE_LIMIT_MS) {
      return error(400, RK.BLOCKED, 'the cash register has been in autonomous mode for more than 72 hours');
    }
    if (r.shift && now() - r.shift.openedAt > SHIFT_LIMIT_MS) {
      return error(400, RK.OPEN_SHIFT_TIMEOUT_EXPIRED, `shift ${r.shift.number} has been open for more than 24 hours; close it`);
    }
    if (ctx.f.offlineSince === undefined) r.offlineSince = ctx.f.offline ? o.since : null;

    const stored = state.issue(r, t, ctx.body, bodyKey, rid, o.offline);
    if (sale) state.recordReturn(sale, t);
    return { status: 200, body: structuredClone(stored.view.answer), issued: true };
  });

  route('GET', '/api/crs/:id/tickets/:ticketId', (ctx) => {
    const r = authRegister(ctx);
    if (isOutcome(r)) return r;
    const t = state.tickets.get(ctx.params.ticketId);
    if (!t || t.view.cashRegister !== r.id) return error(404, RK.NOT_FOUND, `ticket ${ctx.params.ticketId} not found`);
    return { status: 200, body: structuredClone(t.view.answer) };
  });

  // ---- shifts ----
  const findShift = (r: CashRegister, id: string): Shift | undefined => (/^\d+$/.test(id) ? r.shifts[Number(id) - 1] : undefined);
  route('GET', '/api/crs/:id/shifts', (ctx) => {
    const r = authRegister(ctx);
    if (isOutcome(r)) return r;
    const includeOpen = (ctx.req.query as Record<string, string | undefined>).includeOpen === 'true';
    const list = [...r.shifts].reverse().filter((s) => includeOpen || s.closedAt !== null);
    return paged(ctx.req, list.map(shiftView));
  });
  // shiftId = the shift number [I].
  route('GET', '/api/crs/:id/shifts/:shiftId', (ctx) => {
    const r = authRegister(ctx);
    if (isOutcome(r)) return r;
    const s = findShift(r, ctx.params.shiftId);
    return s ? { status: 200, body: shiftView(s) } : error(404, RK.NOT_FOUND, `shift ${ctx.params.shiftId} not found`);
  });
  route('GET', '/api/crs/:id/shifts/:shiftId/tickets', (ctx) => {
    const r = authRegister(ctx);
    if (isOutcome(r)) return r;
    const s = findShift(r, ctx.params.shiftId);
    if (!s) return error(404, RK.NOT_FOUND, `shift ${ctx.params.shiftId} not found`);
    return paged(
      ctx.req,
      s.tickets.map((t) => structuredClone(t.view.answer)),
    );
  });
  // The reference lists "close shift (with a PIN)" without a path: this path is [I]. The PIN
  // (body `pin` or the `cash-register-password` header) is optional; when given it must match [I].
  route('POST', '/api/crs/:id/shifts/close', (ctx) => {
    const r = authRegister(ctx);
    if (isOutcome(r)) return r;
    const hdr = ctx.req.headers['cash-register-password'];
    const pin = ctx.body.pin ?? (typeof hdr === 'string' ? hdr : undefined);
    if (pin !== undefined && pin !== r.password) return error(403, RK.WRONG_PIN, 'wrong cash register PIN');
    const s = state.closeShift(r);
    if (!s) return error(400, RK.NO_OPEN_SHIFT, 'no open shift');
    return { status: 200, body: shiftView(s) };
  });

  // ---- unknown paths and unparsable bodies ----
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0];
    if (!isAdmin(path)) {
      const rec = record(req, null);
      rec.httpStatus = 404;
      rec.code = RK.NOT_FOUND;
    }
    return reply.code(404).send(rkError(RK.NOT_FOUND, `no such method: ${req.method} ${path}`));
  });
  app.setErrorHandler(async (err: { statusCode?: number; message: string }, req, reply) => {
    const path = req.url.split('?')[0];
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const code = status < 500 ? RK.INCORRECT_REQUEST_DATA : 'UNKNOWN_ERROR';
    if (!isAdmin(path)) {
      const rec = record(req, null);
      rec.httpStatus = status;
      rec.code = code;
    }
    return reply.code(status).send(rkError(code, err.message));
  });

  // ---- admin surface ----
  app.post('/_emulator/faults', async (req, reply) => {
    const p = rekassaFaultsSchema.safeParse(req.body ?? {});
    if (!p.success) return reply.code(400).send({ error: 'bad-faults', issues: p.error.issues.slice(0, 10) });
    state.faults = p.data;
    return state.faults;
  });
  app.get('/_emulator/faults', async () => state.faults);
  app.get('/_emulator/receipts', async () => state.receiptViews());
  app.get('/_emulator/requests', async () => state.requests);
  app.post('/_emulator/tokens/expire', async () => {
    state.expireTokens();
    return { ok: true };
  });
  app.post('/_emulator/crs/:id/shift', async (req, reply) => {
    const r = state.registers.get((req.params as { id: string }).id);
    if (!r) return reply.code(404).send({ error: 'unknown-cash-register' });
    const p = instantSchema.safeParse(isRecord(req.body) ? req.body.openedAt : undefined);
    if (!p.success) return reply.code(400).send({ error: 'bad-openedAt', issues: p.error.issues.slice(0, 5) });
    state.setShiftOpenedAt(r, toEpochMs(p.data));
    return { ok: true, shiftNumber: r.shift!.number, openedAt: new Date(r.shift!.openedAt).toISOString() };
  });
  app.post('/_emulator/reset', async () => {
    state.reset();
    return { ok: true };
  });

  const { url, port } = await listener.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');

  return {
    url,
    port,
    receipts: () => state.receiptViews(),
    requests: () => state.requests.map((r) => ({ ...r })),
    setFaults: (f) => (state.faults = rekassaFaultsSchema.parse(f)),
    expireTokens: () => state.expireTokens(),
    setShiftOpenedAt: (id, epochMs) => {
      const r = state.registers.get(id);
      if (!r) throw new Error(`unknown cash register ${id}`);
      state.setShiftOpenedAt(r, epochMs);
    },
    reset: () => state.reset(),
    close: () => listener.close(),
  };
}
