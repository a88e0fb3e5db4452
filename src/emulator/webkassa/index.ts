/**
 * webkassa/index.ts — a Webkassa API v4 emulator (reference fiscal-channels.md §1.2): a real HTTP
 * server speaking the real paths at its root with the `{Data, Errors}` envelope (HTTP 200 on
 * errors), strict check validation, per-cashbox shifts / fiscal signs / ExternalCheckNumber
 * idempotency (error 14), sequential-calls-per-cashbox enforcement (error 9), autonomous mode
 * (OfflineMode, error 18 after 72 h), 505 + AlternativeDomainNames, and fault injection. Admin
 * surface under `/_emulator/` (never affected by faults). A test oracle: it follows the
 * reference, not tanba's client.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  createFiscalListener,
  deliver,
  instantSchema,
  isRecord,
  OFFLINE_LIMIT_MS,
  resetFires,
  SHIFT_LIMIT_MS,
  toEpochMs,
  type Answer,
} from '../fiscal-faults.js';
import { validateCheck, type Protocol } from './check.js';
import { fail, ok, WK, webkassaFaultsSchema, type Envelope, type WebkassaFaults } from './schemas.js';
import {
  EMPLOYEE,
  kzIso,
  OFD,
  wkDateTime,
  WebkassaState,
  type Cashbox,
  type OpenShift,
  type ShiftSums,
  type WebkassaReceiptView,
  type WebkassaRequestView,
} from './state.js';

export { webkassaFaultsSchema, type WebkassaFaults } from './schemas.js';
export type { WebkassaReceiptView, WebkassaRequestView, WebkassaCheckData } from './state.js';

export interface WebkassaEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PRNG seed for errorRate / resetConnections probability. */
  seed?: number;
  /** Clock (epoch ms) for shift ages, offline age, DateTime. */
  now?: () => number;
  /** Accepted x-api-key values; default ['WKD-demo']. */
  apiKeys?: string[];
  /** Default [{ login: 'demo@webkassa.kz', password: 'demo' }]. */
  users?: { login: string; password: string }[];
  /** Default 4 → 'SWK00000001'..'SWK00000004'; a number n → n cashboxes of that pattern. */
  cashboxes?: number | string[];
  /** Default '2.0.4' (PositionType required). */
  protocol?: Protocol;
  faults?: WebkassaFaults;
}

export interface WebkassaEmulator {
  url: string;
  port: number;
  /** Every receipt issued, in issue order (a duplicate ExternalCheckNumber never issues a second one). */
  receipts(): WebkassaReceiptView[];
  /** Every API request received, duplicates included. */
  requests(): WebkassaRequestView[];
  setFaults(f: WebkassaFaults): WebkassaFaults;
  /** Every issued token stops working (next call → error 2). */
  expireTokens(): void;
  /** Age the open shift (opens one if none) → error 11 once older than 24 h. */
  setShiftOpenedAt(cashbox: string, epochMs: number): void;
  reset(): void;
  close(): Promise<void>;
}

const AUTH_PATH = '/api/v4/Authorize';
const isAdmin = (url: string): boolean => url.startsWith('/_emulator');

interface Ctx {
  body: Record<string, unknown>;
  req: FastifyRequest;
  /** The faults that apply to this request ({} when scoped to another cashbox). */
  f: WebkassaFaults;
}
interface Outcome {
  env: Envelope;
  /** A check was issued by this request (hangAfterIssueMs applies). */
  issued?: boolean;
}

export async function createWebkassaEmulator(opts: WebkassaEmulatorOptions = {}): Promise<WebkassaEmulator> {
  const now = opts.now ?? Date.now;
  const protocol: Protocol = opts.protocol ?? '2.0.4';
  const cashboxIds = Array.isArray(opts.cashboxes)
    ? opts.cashboxes
    : Array.from({ length: opts.cashboxes ?? 4 }, (_, i) => `SWK${String(i + 1).padStart(8, '0')}`);
  const state = new WebkassaState({
    seed: opts.seed ?? 1,
    now,
    apiKeys: opts.apiKeys ?? ['WKD-demo'],
    users: opts.users ?? [{ login: 'demo@webkassa.kz', password: 'demo' }],
    cashboxes: cashboxIds,
  });
  if (opts.faults) state.faults = webkassaFaultsSchema.parse(opts.faults);

  const listener = createFiscalListener();
  const { app, delays } = listener;
  let baseUrl = '';

  const faultsFor = (cashbox: string | null): WebkassaFaults => {
    const f = state.faults;
    if (f.cashbox !== undefined && f.cashbox !== cashbox) return {};
    return f;
  };

  const record = (path: string, body: unknown): WebkassaRequestView => {
    const b = isRecord(body) ? body : {};
    const rec: WebkassaRequestView = {
      path,
      cashbox: typeof b.CashboxUniqueNumber === 'string' ? b.CashboxUniqueNumber : null,
      externalCheckNumber: typeof b.ExternalCheckNumber === 'string' ? b.ExternalCheckNumber : null,
      at: new Date(now()).toISOString(),
      errorCodes: [],
      httpStatus: 0,
    };
    state.requests.push(rec);
    return rec;
  };

  /**
   * Common pipeline of every API call: log, pre-action faults (outage, errorRate, 505), the
   * per-cashbox sequence lock, the handler, then post-action faults (hang, latency, reset).
   */
  const api = (path: string, handler: (ctx: Ctx) => Outcome): void => {
    app.post(path, async (req, reply) => {
      const body = isRecord(req.body) ? req.body : {};
      const rec = record(path, req.body);
      const cashbox = rec.cashbox;
      const f = faultsFor(cashbox);
      const send = (answer: Answer, o: Parameters<typeof deliver>[3] = {}): Promise<FastifyReply> => {
        const env = answer.body as Envelope | undefined;
        rec.errorCodes = env && Array.isArray(env.Errors) ? env.Errors.map((e) => e.Code) : [];
        if (!o.reset) rec.httpStatus = answer.status;
        return deliver(reply, delays, answer, o);
      };
      if (f.outage) return send({ status: 503, body: fail(WK.UNKNOWN, 'Service unavailable (emulated outage)') });
      if (f.errorRate && state.random() < f.errorRate) {
        const status = f.errorStatus ?? 503;
        return send({ status, body: fail(WK.UNKNOWN, `emulated HTTP ${status}`) }, { latencyMs: f.latencyMs });
      }
      if (f.domainUnavailable) {
        return send(
          {
            status: 200,
            body: fail(WK.DOMAIN_UNAVAILABLE, 'The domain is temporarily unavailable. Retry on a domain from the AlternativeDomainNames header'),
            headers: { AlternativeDomainNames: f.domainUnavailable.alternatives.join(',') },
          },
          { latencyMs: f.latencyMs },
        );
      }
      if (cashbox !== null && state.busy.has(cashbox)) {
        return send({ status: 200, body: fail(WK.DATA_ERROR, `request sequence violated: another request for cashbox ${cashbox} is in progress`) }, { latencyMs: f.latencyMs });
      }
      if (cashbox !== null) state.busy.add(cashbox);
      let released = false;
      const release = (): void => {
        if (released || cashbox === null) return;
        released = true;
        state.busy.delete(cashbox);
      };
      try {
        let out: Outcome;
        try {
          out = handler({ body, req, f });
        } catch (e) {
          out = { env: fail(WK.UNKNOWN, `emulator error: ${(e as Error).message}`) };
        }
        return await send(
          { status: 200, body: out.env },
          { hangMs: out.issued ? f.hangAfterIssueMs : 0, latencyMs: f.latencyMs, reset: resetFires(f.resetConnections, state.random), beforeSend: release },
        );
      } finally {
        release();
      }
    });
  };

  // x-api-key missing or unknown → code -1 ("unknown", permanent: surface the text) [I]: the
  // catalogue has no dedicated code; -1 keeps a client from looping on re-Authorize (2/3).
  const apiKeyError = (req: FastifyRequest): Envelope | null => {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || key === '') return fail(WK.UNKNOWN, 'x-api-key header is required (integrator API key)');
    if (!state.opts.apiKeys.includes(key)) return fail(WK.UNKNOWN, 'x-api-key is not a known integrator API key');
    return null;
  };

  /** API key, Token, then the cashbox: the common checks of every cashbox call. */
  const authCashbox = (ctx: Ctx): Cashbox | Envelope => {
    const k = apiKeyError(ctx.req);
    if (k) return k;
    const t = state.checkToken(ctx.body.Token);
    if (t === 'unknown') return fail(WK.NOT_AUTHORISED, 'not authorised: unknown Token');
    if (t === 'expired') return fail(WK.TOKEN_EXPIRED, 'the token has expired; Authorize again');
    const id = ctx.body.CashboxUniqueNumber;
    const c = typeof id === 'string' ? state.cashboxes.get(id) : undefined;
    if (!c) return fail(WK.CASHBOX_NOT_FOUND, `cashbox ${JSON.stringify(id ?? null)} not found`);
    return c;
  };
  const isEnvelope = (x: Cashbox | Envelope): x is Envelope => 'Errors' in x;
  const blocked = (ctx: Ctx, c: Cashbox): Envelope | null =>
    ctx.f.blockedCashboxes?.includes(c.uniqueNumber) ? fail(WK.CASHBOX_BLOCKED, `cashbox ${c.uniqueNumber} is blocked`) : null;

  // ---- Authorize ----
  api(AUTH_PATH, (ctx) => {
    const k = apiKeyError(ctx.req);
    if (k) return { env: k };
    const { Login, Password } = ctx.body;
    if (typeof Login !== 'string' || typeof Password !== 'string') return { env: fail(WK.BAD_LOGIN, 'Login and Password are required') };
    const token = state.authorize(Login, Password);
    if (!token) return { env: fail(WK.BAD_LOGIN, 'wrong login or password') };
    return { env: ok({ Token: token }) };
  });

  // ---- check (sale / sale return) ----
  api('/api/v4/check', (ctx) => {
    const c = authCashbox(ctx);
    if (isEnvelope(c)) return { env: c };
    const b = blocked(ctx, c);
    if (b) return { env: b };
    const ext = ctx.body.ExternalCheckNumber;
    if (typeof ext !== 'string' || ext.trim() === '') return { env: fail(WK.DATA_ERROR, 'ExternalCheckNumber is required (idempotency key)') };
    if (ext.length > 50) return { env: fail(WK.DATA_ERROR, 'ExternalCheckNumber must be at most 50 characters') };
    const dup = c.byExternal.get(ext);
    if (dup) return { env: fail(WK.DUPLICATE, `a check with ExternalCheckNumber ${ext} already exists`, structuredClone(dup.view.data)) };

    const v = validateCheck(ctx.body, protocol);
    if (!v.ok) return { env: fail(v.code, v.text) };
    const check = v.check;

    let sale: ReturnType<typeof state.findSale>;
    if (check.basis) {
      const basis = check.basis;
      sale = state.findSale(basis.checkNumber, basis.registrationNumber);
      if (!sale) return { env: fail(WK.DATA_ERROR, `return basis: no sale with CheckNumber ${basis.checkNumber} on RegistrationNumber ${basis.registrationNumber}`) };
      if (sale.totalMinor !== basis.totalMinor) return { env: fail(WK.DATA_ERROR, `return basis: Total ${basis.totalMinor / 100} differs from the sale total ${sale.totalMinor / 100}`) };
      if (sale.view.offline !== basis.isOffline) return { env: fail(WK.DATA_ERROR, `return basis: IsOffline ${basis.isOffline} differs from the sale (${sale.view.offline})`) };
      for (const m of check.marks) {
        if (!sale.view.marks.includes(m)) return { env: fail(WK.DATA_ERROR, `return: marking code ${m} was not sold in check ${basis.checkNumber}`) };
        if (sale.returnedMarks.has(m)) return { env: fail(WK.DATA_ERROR, `return: marking code ${m} has already been returned`) };
      }
      if (sale.returnedMinor + check.totalMinor > sale.totalMinor) {
        return { env: fail(WK.DATA_ERROR, `return: total returned would exceed the sale total ${sale.totalMinor / 100}`) };
      }
    }

    const t = now();
    let offline = false;
    let since: number | null = null;
    if (ctx.f.offlineSince !== undefined) {
      offline = true;
      since = toEpochMs(ctx.f.offlineSince);
    } else if (ctx.f.offline) {
      offline = true;
      since = c.offlineSince ?? t;
    }
    if (offline && since !== null && t - since > OFFLINE_LIMIT_MS) {
      return { env: fail(WK.OFFLINE_TOO_LONG, 'the cashbox has been in autonomous mode for more than 72 hours') };
    }
    // Blocked autonomous mode (18) outranks the shift age (11): a Z report does not unblock it [I].
    const age = state.shiftAgeMs(c);
    if (age !== null && age > SHIFT_LIMIT_MS) return { env: fail(WK.SHIFT_TOO_LONG, `shift ${c.shift!.number} has been open for more than 24 hours; close it (ZReport)`) };
    if (ctx.f.offlineSince === undefined) c.offlineSince = ctx.f.offline ? since : null;

    const stored = state.issue(c, check, ctx.body, ext, offline, baseUrl);
    if (sale) state.recordReturn(sale, check);
    return { env: ok(structuredClone(stored.view.data)), issued: true };
  });

  // ---- history ----
  api('/api-history/v4/Ticket/GetTicketByExternalCheckNumber', (ctx) => {
    const c = authCashbox(ctx);
    if (isEnvelope(c)) return { env: c };
    const ext = ctx.body.ExternalCheckNumber;
    if (typeof ext !== 'string' || ext === '') return { env: fail(WK.DATA_ERROR, 'ExternalCheckNumber is required') };
    const s = c.byExternal.get(ext);
    const shift = ctx.body.ShiftNumber;
    if (!s || (typeof shift === 'number' && shift !== s.view.shiftNumber)) {
      return { env: fail(WK.NOT_FOUND_BY_EXTERNAL, `check with ExternalCheckNumber ${ext} not found`) };
    }
    return { env: ok(structuredClone(s.view.data)) };
  });

  // ---- reports ----
  const opSums = (s: ShiftSums | null) => ({
    PaymentsByTypesApiModel: s ? [...s.byPayment].map(([Type, v]) => ({ Sum: v / 100, Type })) : [],
    Discount: 0,
    Markup: 0,
    Taken: s ? (s.totalMinor + s.changeMinor) / 100 : 0,
    Change: s ? s.changeMinor / 100 : 0,
    Count: s ? s.count : 0,
    TotalCount: s ? s.count : 0,
  });
  const report = (c: Cashbox, s: OpenShift, reportNumber: number, closedAt: number | null) => {
    const cash = (x: ShiftSums) => (x.byPayment.get(0) ?? 0) - x.changeMinor;
    return {
      TaxPayerName: 'ТОО "Emulated shop"',
      TaxPayerIN: '123456789012',
      ReportNumber: reportNumber,
      CashboxSN: c.uniqueNumber,
      CashboxIN: c.identityNumber,
      CashboxRN: c.registrationNumber,
      CashboxAddress: c.address,
      StartOn: wkDateTime(s.openedAt, 5),
      ReportOn: wkDateTime(now(), 5),
      ...(closedAt !== null ? { CloseOn: wkDateTime(closedAt, 5) } : {}),
      CashierName: EMPLOYEE,
      ShiftNumber: s.number,
      DocumentCount: s.checks,
      PutMoneySum: 0,
      TakeMoneySum: 0,
      ControlSum: (s.number * 1_000_003 + s.sell.totalMinor + s.returnSell.totalMinor) % 2_147_483_647,
      SumInCashbox: (cash(s.sell) - cash(s.returnSell)) / 100,
      OfflineMode: c.offlineSince !== null,
      Sell: opSums(s.sell),
      Buy: opSums(null),
      ReturnSell: opSums(s.returnSell),
      ReturnBuy: opSums(null),
      Ofd: { Name: OFD.Name, Code: OFD.Code },
    };
  };
  api('/api/v4/XReport', (ctx) => {
    const c = authCashbox(ctx);
    if (isEnvelope(c)) return { env: c };
    const b = blocked(ctx, c);
    if (b) return { env: b };
    if (!c.shift) return { env: fail(WK.NO_OPEN_SHIFT, 'no open shift') };
    c.xReports++;
    return { env: ok(report(c, c.shift, c.xReports, null)) };
  });
  api('/api/v4/ZReport', (ctx) => {
    const c = authCashbox(ctx);
    if (isEnvelope(c)) return { env: c };
    const b = blocked(ctx, c);
    if (b) return { env: b };
    const closed = state.closeShift(c);
    if (!closed) return { env: fail(WK.NO_OPEN_SHIFT, 'no open shift') };
    return { env: ok(report(c, closed.shift, closed.shift.number, closed.closedAt)) };
  });

  api('/api/v4/Cashbox/ShiftHistory', (ctx) => {
    const c = authCashbox(ctx);
    if (isEnvelope(c)) return { env: c };
    const { Skip = 0, Take = 50 } = ctx.body;
    if (typeof Skip !== 'number' || !Number.isInteger(Skip) || Skip < 0) return { env: fail(WK.DATA_ERROR, 'Skip must be an integer >= 0') };
    if (typeof Take !== 'number' || !Number.isInteger(Take) || Take < 1 || Take > 1000) return { env: fail(WK.DATA_ERROR, 'Take must be an integer 1..1000') };
    // Newest first [I]; the open shift has CloseDate null.
    const rows = [...c.history]
      .reverse()
      .slice(Skip, Skip + Take)
      .map((h) => ({ ShiftNumber: h.number, OpenDate: wkDateTime(h.openedAt, 5), CloseDate: h.closedAt === null ? null : wkDateTime(h.closedAt, 5) }));
    return { env: ok(rows) };
  });

  api('/api-portal/v4/cashbox/client-info', (ctx) => {
    const c = authCashbox(ctx);
    if (isEnvelope(c)) return { env: c };
    const year = 365 * 24 * 3_600_000;
    return {
      env: ok({
        CashboxUniqueNumber: c.uniqueNumber,
        CashboxRegistrationNumber: c.registrationNumber,
        // 1 = active (as in the reference's mock), 2 = blocked [I].
        CashboxStatus: ctx.f.blockedCashboxes?.includes(c.uniqueNumber) ? 2 : 1,
        License: { LicenseStatus: 2, LicenseExpirationDate: kzIso(now() + year) },
        Ofd: { Ofd: OFD.Code, Expiration: kzIso(now() + year) },
      }),
    };
  });

  // ---- unknown paths and unparsable bodies ----
  app.setNotFoundHandler(async (req, reply) => {
    const path = req.url.split('?')[0];
    if (!isAdmin(path)) record(path, null).httpStatus = 404;
    return reply.code(404).send(fail(WK.UNKNOWN, `no such method: ${req.method} ${path}`));
  });
  app.setErrorHandler(async (err: { statusCode?: number; message: string }, req, reply) => {
    const path = req.url.split('?')[0];
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (!isAdmin(path)) {
      const rec = record(path, null);
      rec.httpStatus = status;
      rec.errorCodes = [WK.UNKNOWN];
    }
    return reply.code(status).send(fail(WK.UNKNOWN, err.message));
  });

  // ---- admin surface ----
  app.post('/_emulator/faults', async (req, reply) => {
    const p = webkassaFaultsSchema.safeParse(req.body ?? {});
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
  app.post('/_emulator/cashboxes/:id/shift', async (req, reply) => {
    const id = (req.params as { id: string }).id;
    const c = state.cashboxes.get(id);
    if (!c) return reply.code(404).send({ error: 'unknown-cashbox' });
    const p = instantSchema.safeParse(isRecord(req.body) ? req.body.openedAt : undefined);
    if (!p.success) return reply.code(400).send({ error: 'bad-openedAt', issues: p.error.issues.slice(0, 5) });
    state.setShiftOpenedAt(c, toEpochMs(p.data));
    return { ok: true, shiftNumber: c.shift!.number, openedAt: new Date(c.shift!.openedAt).toISOString() };
  });
  app.post('/_emulator/reset', async () => {
    state.reset();
    return { ok: true };
  });

  const { url, port } = await listener.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  baseUrl = url;

  return {
    url,
    port,
    receipts: () => state.receiptViews(),
    requests: () => state.requests.map((r) => ({ ...r, errorCodes: [...r.errorCodes] })),
    setFaults: (f) => (state.faults = webkassaFaultsSchema.parse(f)),
    expireTokens: () => state.expireTokens(),
    setShiftOpenedAt: (cashbox, epochMs) => {
      const c = state.cashboxes.get(cashbox);
      if (!c) throw new Error(`unknown cashbox ${cashbox}`);
      state.setShiftOpenedAt(c, epochMs);
    },
    reset: () => state.reset(),
    close: () => listener.close(),
  };
}
