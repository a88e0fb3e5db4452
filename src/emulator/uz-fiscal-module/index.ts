/**
 * uz-fiscal-module/index.ts — an emulator of the Uzbek fiscal module's local JSON-RPC (E-POS
 * Communicator / FiscalDriveAPI, reference fiscal-channels.md §3.1): JSON-RPC 2.0 on one path
 * (`POST /rpc/api`), always HTTP 200 with errors in `error`, a FactoryID → TerminalID registry,
 * per module a monotonic ReceiptSeq, fiscal signs, `QRCodeURL` in the ofd.soliq.uz form, Z reports,
 * the balance rule (65531), Label validation, RefundInfo checked against the module's own sales,
 * the OFD backlog (GetUnsentCount, GetReceiptCount = receipts still in the module's memory) and
 * the faults: unplugged (65534), blocked by the OFD (65279), decryption error (65529), latency,
 * a reset or a hang after issuing. Admin surface under `/_emulator/` (never faulted).
 * A test oracle: it follows the reference and the integration guides, not tanba's client.
 *
 * Methods: Api.ListFiscalDrives, Api.GetInfo, Api.Status, Api.OpenZReport, Api.CloseZReport,
 * Api.GetZReportCount, Api.GetZReportInfo {Number: index, 0 = latest}, Api.SendSaleReceipt,
 * Api.SendRefundReceipt, Api.GetReceiptCount, Api.GetReceiptInfo {Number}, Api.GetUnsentCount,
 * Api.GetLastRegisteredReceipt [I: the JSON-RPC name of the guide's getLastRegisteredReceipt],
 * Api.ResendUnsent. Anything else answers -32601 NO_SUCH_METHOD_AVAILABLE (as do `disabledMethods`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createFiscalListener, deliver, isRecord, resetFires } from '../fiscal-faults.js';
import { mulberry32 } from '../prng.js';
import { checkFmReceipt } from './check.js';
import { APPLET_VERSION, FmState, moduleSpecs, type FiscalModule, type ModuleSpec, type UzReceiptView, type UzRequestView } from './state.js';
import { FM, fmError, hits, parseUzTime, uzFaultsSchema, uzTime, type FmError, type UzFaults } from './schemas.js';

export { uzFaultsSchema, type UzFaults } from './schemas.js';
export type { ModuleSpec, UzReceiptView, UzRequestView, FmSaleAnswer } from './state.js';

export interface UzFiscalModuleEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PRNG seed for a `resetConnections` probability. */
  seed?: number;
  /** Clock (epoch ms) for DateTime and Z reports. */
  now?: () => number;
  /** Default 2: LG420230630021 → UZ191211501031, LG420230630022 → UZ191211501032. */
  modules?: number | ModuleSpec[];
  /** JSON-RPC path. Default `/rpc/api`. */
  path?: string;
  /** ReceiptSeq of the first receipt of each module. Default 1. */
  firstReceiptSeq?: number;
  /** Open a shift on every module at start. Default false: the first receipt meets a closed shift. */
  shiftOpen?: boolean;
  /** Methods this install lacks (answer -32601), e.g. `['Api.GetLastRegisteredReceipt']`. */
  disabledMethods?: string[];
  faults?: UzFaults;
}

export interface UzFiscalModuleEmulator {
  /** Base URL (`http://127.0.0.1:PORT`). */
  url: string;
  /** The JSON-RPC endpoint (`url` + path). */
  rpcUrl: string;
  port: number;
  /** Every receipt issued, in issue order, all modules. */
  receipts(): UzReceiptView[];
  /** Every JSON-RPC request received. */
  requests(): UzRequestView[];
  modules(): ReturnType<FmState['moduleViews']>;
  setFaults(f: UzFaults): UzFaults;
  /** Open (true) or close (false) the shift of a module (default: the first). */
  setShift(open: boolean, factoryId?: string): void;
  reset(): void;
  close(): Promise<void>;
}

type Outcome = { result: unknown; issued?: boolean } | { error: FmError };

/** Methods that need the card itself (unplugged → 65534). */
const NO_CARD = new Set(['Api.ListFiscalDrives', 'Api.GetUnsentCount', 'Api.Status']);

export async function createUzFiscalModuleEmulator(opts: UzFiscalModuleEmulatorOptions = {}): Promise<UzFiscalModuleEmulator> {
  const now = opts.now ?? Date.now;
  const path = opts.path ?? '/rpc/api';
  const disabled = new Set(opts.disabledMethods ?? []);
  const random = mulberry32(opts.seed ?? 1);
  const state = new FmState({ now, modules: moduleSpecs(opts.modules), firstReceiptSeq: opts.firstReceiptSeq ?? 1, shiftOpen: opts.shiftOpen ?? false });
  if (opts.faults) state.setFaults(uzFaultsSchema.parse(opts.faults));
  const startedAt = now();

  const listener = createFiscalListener();
  const { app, delays } = listener;
  // Bodies are read as text: an unparsable one must still get an HTTP 200 JSON-RPC answer (65532).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const moduleOf = (params: Record<string, unknown>): FiscalModule | FmError => state.moduleFor(params.FactoryID);
  const isErr = (x: unknown): x is FmError => isRecord(x) && typeof x.code === 'number' && typeof x.message === 'string';
  const unpluggedError = (m: FiscalModule): FmError | null =>
    hits(state.faults.unplugged, m.factoryId) ? fmError(FM.UNPLUGGED, `fiscal module ${m.factoryId} is not reachable: cannot connect card (check the USB connection)`) : null;

  /** A module call: resolve the module, refuse when it is unplugged, then act. */
  const withModule = (params: Record<string, unknown>, method: string, act: (m: FiscalModule) => Outcome): Outcome => {
    const m = moduleOf(params);
    if (isErr(m)) return { error: m };
    if (!NO_CARD.has(method)) {
      const u = unpluggedError(m);
      if (u) return { error: u };
    }
    return act(m);
  };

  const timeParam = (params: Record<string, unknown>): number => parseUzTime(params.Time) ?? now();

  const receipt = (kind: 'sale' | 'refund', method: string) => (params: Record<string, unknown>): Outcome =>
    withModule(params, method, (m) => {
      if (hits(state.faults.blocked, m.factoryId)) {
        return { error: fmError(FM.OFD_BLOCKED, 'fiscal drive locked: the OFD has blocked receipts from this fiscal module (too long without sending); contact the OFD') };
      }
      if (state.decryptionLeft > 0) {
        state.decryptionLeft--;
        return { error: fmError(FM.DECRYPTION, 'decryption error, try again') };
      }
      const v = checkFmReceipt(params.Receipt, kind);
      if (!v.ok) return { error: v.error };
      const admitted = state.admit(m, v.receipt);
      if (isErr(admitted)) return { error: admitted };
      const { answer } = state.issue(m, v.receipt, method, params.Receipt, admitted.sale);
      return { result: { ...answer }, issued: true };
    });

  const methods: Record<string, (params: Record<string, unknown>) => Outcome> = {
    'Api.ListFiscalDrives': () => ({
      result: { FactoryID: [...state.modules.values()].filter((m) => !hits(state.faults.unplugged, m.factoryId)).map((m) => m.factoryId) },
    }),
    'Api.GetInfo': (p) =>
      withModule(p, 'Api.GetInfo', (m) => ({
        result: {
          FactoryID: m.factoryId,
          TerminalID: m.terminalId,
          AppletVersion: APPLET_VERSION,
          CurrentReceiptSeq: String(m.seq),
          ReceiptCount: state.unsent(m).length,
          ReceiptMaxCount: 1000,
          ZReportCount: m.zReports.length,
          ZReportMaxCount: 1000,
          CurrentTime: uzTime(now()),
        },
      })),
    'Api.Status': () => ({
      result: {
        StartTime: uzTime(startedAt),
        Sender: { LiveAddress: 's0.ofd.uz:3447', LastOnlineTime: state.faults.ofdOffline ? null : new Date(now()).toISOString() },
        DB: { Unsent: state.receipts.filter((r) => !r.view.sent).length },
      },
    }),
    'Api.OpenZReport': (p) =>
      withModule(p, 'Api.OpenZReport', (m) => {
        const z = state.openZ(m, timeParam(p));
        return isErr(z) ? { error: z } : { result: { AppletVersion: APPLET_VERSION } };
      }),
    'Api.CloseZReport': (p) =>
      withModule(p, 'Api.CloseZReport', (m) => {
        const z = state.closeZ(m, timeParam(p));
        return isErr(z) ? { error: z } : { result: { AppletVersion: APPLET_VERSION } };
      }),
    'Api.GetZReportCount': (p) => withModule(p, 'Api.GetZReportCount', (m) => ({ result: { Count: m.zReports.length, AppletVersion: APPLET_VERSION } })),
    'Api.GetZReportInfo': (p) =>
      withModule(p, 'Api.GetZReportInfo', (m) => {
        const n = p.Number ?? 0;
        const z = state.zInfo(m, typeof n === 'number' ? n : NaN);
        return isErr(z) ? { error: z } : { result: z };
      }),
    'Api.SendSaleReceipt': receipt('sale', 'Api.SendSaleReceipt'),
    'Api.SendRefundReceipt': receipt('refund', 'Api.SendRefundReceipt'),
    'Api.GetReceiptCount': (p) => withModule(p, 'Api.GetReceiptCount', (m) => ({ result: { Count: state.unsent(m).length, AppletVersion: APPLET_VERSION } })),
    'Api.GetReceiptInfo': (p) =>
      withModule(p, 'Api.GetReceiptInfo', (m) => {
        const r = state.receiptInfo(m, typeof p.Number === 'number' ? p.Number : NaN);
        return isErr(r) ? { error: r } : { result: r };
      }),
    'Api.GetLastRegisteredReceipt': (p) =>
      withModule(p, 'Api.GetLastRegisteredReceipt', (m) => (m.lastAnswer ? { result: { ...m.lastAnswer } } : { error: fmError(FM.RECEIPT_COUNT_ZERO) })),
    'Api.GetUnsentCount': (p) => {
      const byTerminal: Record<string, number> = {};
      for (const m of state.modules.values()) byTerminal[m.terminalId] = state.unsent(m).length;
      let count = Object.values(byTerminal).reduce((s, n) => s + n, 0);
      if (p.FactoryID !== undefined) {
        const m = moduleOf(p);
        if (isErr(m)) return { error: m };
        count = byTerminal[m.terminalId];
      }
      return { result: { Count: count, TerminalID: byTerminal } };
    },
    'Api.ResendUnsent': () => {
      state.drain();
      return { result: { AppletVersion: APPLET_VERSION } };
    },
  };

  const answer = (id: unknown, out: Outcome): Record<string, unknown> =>
    'error' in out ? { jsonrpc: '2.0', id: id ?? null, error: { code: out.error.code, message: out.error.message } } : { jsonrpc: '2.0', id: id ?? null, result: out.result };

  app.post(path, async (req: FastifyRequest, reply: FastifyReply) => {
    state.drain();
    let msg: unknown;
    try {
      msg = JSON.parse(String(req.body ?? ''));
    } catch {
      state.requests.push({ method: '(unparsable)', factoryId: null, at: new Date(now()).toISOString(), errorCode: FM.BAD_JSON, reset: false, overlapped: false });
      return reply.code(200).send(answer(null, { error: fmError(FM.BAD_JSON, 'bad JSON: the request body does not parse') }));
    }
    const env = isRecord(msg) ? msg : {};
    const method = typeof env.method === 'string' ? env.method : '';
    const params = isRecord(env.params) ? env.params : {};
    const factoryId = typeof params.FactoryID === 'string' ? params.FactoryID : null;
    const m = factoryId ? state.modules.get(factoryId) : state.modules.size === 1 ? [...state.modules.values()][0] : undefined;
    const rec: UzRequestView = { method: method || '(none)', factoryId, at: new Date(now()).toISOString(), errorCode: null, reset: false, overlapped: Boolean(m && m.busy > 0) };
    state.requests.push(rec);
    if (m) m.busy++;
    let released = false;
    const release = (): void => {
      if (!released && m) m.busy--;
      released = true;
    };
    try {
      let out: Outcome;
      if (!isRecord(msg) || !method) out = { error: fmError(FM.BAD_JSON, 'bad JSON: a JSON-RPC request {jsonrpc, id, method, params} is expected') };
      else if (disabled.has(method) || !methods[method]) out = { error: fmError(FM.NO_SUCH_METHOD, 'NO_SUCH_METHOD_AVAILABLE') };
      else {
        try {
          out = methods[method](params);
        } catch (e) {
          out = { error: fmError(FM.APPLET, `emulator error: ${(e as Error).message}`) };
        }
      }
      if ('error' in out) rec.errorCode = out.error.code;
      const f = state.faults;
      const applies = (!f.methods || f.methods.includes(method)) && (!f.factoryId || f.factoryId === factoryId);
      // A receipt call is reset only once it issued (its refusals are answered); other calls whenever the fault applies.
      const issuing = method === 'Api.SendSaleReceipt' || method === 'Api.SendRefundReceipt';
      const issuedNow = 'result' in out && out.issued === true;
      const reset = applies && (!issuing || issuedNow) && resetFires(f.resetConnections, random);
      rec.reset = reset;
      return await deliver(reply, delays, { status: 200, body: answer(env.id, out) }, {
        hangMs: applies && issuedNow ? f.hangAfterIssueMs : 0,
        latencyMs: applies ? f.latencyMs : 0,
        reset,
        beforeSend: release,
      });
    } finally {
      release();
    }
  });

  app.setNotFoundHandler(async (req, reply) => reply.code(404).send({ error: 'not-found', message: `no such path: ${req.method} ${req.url.split('?')[0]}; the JSON-RPC endpoint is POST ${path}` }));

  // ---- admin surface ----
  const jsonOf = (req: FastifyRequest): unknown => {
    try {
      return req.body === undefined || req.body === '' ? {} : JSON.parse(String(req.body));
    } catch {
      return undefined;
    }
  };
  app.post('/_emulator/faults', async (req, reply) => {
    const p = uzFaultsSchema.safeParse(jsonOf(req));
    if (!p.success) return reply.code(400).send({ error: 'bad-faults', issues: p.error.issues.slice(0, 10) });
    return state.setFaults(p.data);
  });
  app.get('/_emulator/faults', async () => state.faults);
  app.get('/_emulator/receipts', async () => state.receiptViews());
  app.get('/_emulator/requests', async () => state.requests);
  app.get('/_emulator/modules', async () => state.moduleViews());
  app.post('/_emulator/modules/:factoryId/shift', async (req, reply) => {
    const m = state.modules.get((req.params as { factoryId: string }).factoryId);
    const body = jsonOf(req);
    if (!m) return reply.code(404).send({ error: 'unknown-module' });
    if (!isRecord(body) || typeof body.open !== 'boolean') return reply.code(400).send({ error: 'bad-body', message: '{ "open": true | false } expected' });
    const r = body.open ? state.openZ(m, now()) : state.closeZ(m, now());
    return isErr(r) ? reply.code(409).send({ error: 'shift', message: r.message }) : { ok: true, shift: r.number, open: r.closeTime === null };
  });
  app.post('/_emulator/reset', async () => {
    state.reset();
    return { ok: true };
  });

  const { url, port } = await listener.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');

  return {
    url,
    rpcUrl: url + path,
    port,
    receipts: () => state.receiptViews(),
    requests: () => state.requests.map((r) => ({ ...r })),
    modules: () => state.moduleViews(),
    setFaults: (f) => state.setFaults(uzFaultsSchema.parse(f)),
    setShift: (open, factoryId) => {
      const m = factoryId ? state.modules.get(factoryId) : [...state.modules.values()][0];
      if (!m) throw new Error(`unknown module ${factoryId}`);
      const z = state.currentZ(m);
      const isOpen = Boolean(z && z.closeTime === null);
      if (open === isOpen) return;
      const r = open ? state.openZ(m, now()) : state.closeZ(m, now());
      if (isErr(r)) throw new Error(r.message);
    },
    reset: () => state.reset(),
    close: () => listener.close(),
  };
}
