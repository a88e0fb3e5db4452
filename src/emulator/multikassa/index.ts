/**
 * multikassa/index.ts — an emulator of Multikassa, the virtual cash register's local agent
 * (reference fiscal-channels.md §3.2, [S]): `POST /api/v1/operations` with module_operation_type
 * 1 open shift / 2 close shift / 3 sale / 4 refund, `GET /api/v1/zReport`, `GET /api/v1/unsentCount`,
 * `POST /api/v1/resendUnsent`, `GET /api/v1/info`, over one fiscal module (the state shared with
 * the fiscal-module emulator: ReceiptSeq, fiscal signs, Z reports, Label and RefundInfo checks,
 * the unsent backlog, the faults). Admin surface under `/_emulator/` (never faulted).
 *
 * Answer shapes where the reference is silent [I, after two open-source clients]: the envelope
 * `{ success, code, message, data }`; a sale answers `data.receipt_gnk_*` (receiptseq, fiscalsign,
 * qrcodeurl, terminalid, datetime "yyyy-MM-dd HH:mm:ss"); a refusal answers HTTP 500 (a shape
 * error 400) with `success: false`, the module's code in `code` and a message such as
 * "#2D - ERROR_ZREPORT_IS_NOT_OPEN" (applet status words as `#` + their low byte in hex);
 * zReport answers `data.result` with counters as strings of tiyin integers; unsentCount answers
 * `data.result {Count, TerminalID: {id: n}}`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createFiscalListener, deliver, isRecord, resetFires } from '../fiscal-faults.js';
import { mulberry32 } from '../prng.js';
import { APPLET_VERSION, FmState, moduleSpecs, type FiscalModule, type ModuleSpec, type UzReceiptView, type UzRequestView } from '../uz-fiscal-module/state.js';
import { FM, fmError, hits, parseUzTime, uzFaultsSchema, uzTime, type FmError, type UzFaults } from '../uz-fiscal-module/schemas.js';
import { checkOperation, operationType, type ItemAmounts } from './check.js';

export type { UzReceiptView as MultikassaReceiptView, UzRequestView as MultikassaRequestView, ModuleSpec } from '../uz-fiscal-module/state.js';
export type { UzFaults as MultikassaFaults } from '../uz-fiscal-module/schemas.js';
export const multikassaFaultsSchema = uzFaultsSchema;

export interface MultikassaEmulatorOptions {
  port?: number;
  host?: string;
  seed?: number;
  now?: () => number;
  /** The fiscal module behind the agent. Default LG420230630021 → UZ191211501031. */
  module?: ModuleSpec;
  firstReceiptSeq?: number;
  /** Open the shift at start. Default false. */
  shiftOpen?: boolean;
  /** Unit of item amounts: so'm decimals (default, per the integrator PDF) or tiyin integers. */
  itemAmounts?: ItemAmounts;
  /** HTTP status of a refusal by the module. Default 500 (as the field notes report). */
  refusalStatus?: number;
  faults?: UzFaults;
}

export interface MultikassaEmulator {
  url: string;
  port: number;
  receipts(): UzReceiptView[];
  requests(): UzRequestView[];
  setFaults(f: UzFaults): UzFaults;
  setShift(open: boolean): void;
  reset(): void;
  close(): Promise<void>;
}

interface Out {
  status: number;
  body: Record<string, unknown>;
  issued?: boolean;
  errorCode?: number;
}

const OPERATIONS = '/api/v1/operations';

/** "#2D - ERROR_ZREPORT_IS_NOT_OPEN" for an applet status word, "65534 - …" for a module code. */
function refusalText(e: FmError): string {
  return e.code >= 0x9000 && e.code <= 0x90ff ? `#${(e.code & 0xff).toString(16).toUpperCase().padStart(2, '0')} - ${e.message}` : `${e.code} - ${e.message}`;
}

/** Tiyin → formatted so'm ("6,651,020.00"), as the close-shift answer writes its totals. */
function formattedSum(t: number): string {
  const whole = Math.floor(t / 100).toLocaleString('en-US');
  return `${whole}.${String(t % 100).padStart(2, '0')}`;
}

export async function createMultikassaEmulator(opts: MultikassaEmulatorOptions = {}): Promise<MultikassaEmulator> {
  const now = opts.now ?? Date.now;
  const unit = opts.itemAmounts ?? 'sum';
  const refusalStatus = opts.refusalStatus ?? 500;
  const random = mulberry32(opts.seed ?? 1);
  const spec = opts.module ?? moduleSpecs(1)[0];
  const state = new FmState({ now, modules: [spec], firstReceiptSeq: opts.firstReceiptSeq ?? 1, shiftOpen: opts.shiftOpen ?? false });
  if (opts.faults) state.setFaults(uzFaultsSchema.parse(opts.faults));
  const mod = (): FiscalModule => state.modules.get(spec.factoryId)!;
  let receiptIds = 0;

  const listener = createFiscalListener();
  const { app, delays } = listener;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  const ok = (data: unknown): Out => ({ status: 200, body: { success: true, code: 0, message: 'OK', data } });
  const refuse = (e: FmError, status = refusalStatus): Out => {
    const text = refusalText(e);
    return { status, body: { success: false, code: e.code, message: text, data: { message: text } }, errorCode: e.code };
  };
  const isErr = (x: unknown): x is FmError => isRecord(x) && typeof x.code === 'number' && typeof x.message === 'string';
  const unplugged = (): FmError | null =>
    hits(state.faults.unplugged, spec.factoryId) ? fmError(FM.UNPLUGGED, 'cannot connect card: the fiscal module is not reachable (check the USB connection)') : null;

  const operation = (body: unknown): Out => {
    if (!isRecord(body)) return refuse(fmError(400, 'the body must be a JSON object'), 400);
    const type = operationType(body);
    const m = mod();
    const u = unplugged();
    if (u && type !== null && type >= 1 && type <= 4) return refuse(u);
    const at = parseUzTime(body.receipt_gnk_time) ?? now();
    switch (type) {
      case 1: {
        const z = state.openZ(m, at);
        return isErr(z) ? refuse(z) : ok({ result: { terminalId: m.terminalId, zReportCount: String(m.zReports.length), openTime: uzTime(z.openTime), appletVersion: APPLET_VERSION } });
      }
      case 2: {
        const z = state.closeZ(m, at);
        if (isErr(z)) return refuse(z);
        return ok({
          result: {
            terminalId: m.terminalId,
            zCount: String(z.number),
            openTime: uzTime(z.openTime),
            closeTime: uzTime(z.closeTime!),
            totalSaleCount: String(z.saleCount),
            totalSaleCash: formattedSum(z.saleCash),
            totalSaleCard: formattedSum(z.saleCard),
            totalSale: formattedSum(z.saleCash + z.saleCard),
            totalRefund: formattedSum(z.refundCash + z.refundCard),
          },
        });
      }
      case 3:
      case 4: {
        if (hits(state.faults.blocked, spec.factoryId)) return refuse(fmError(FM.OFD_BLOCKED, 'fiscal drive locked: the OFD has blocked receipts from this fiscal module'));
        if (state.decryptionLeft > 0) {
          state.decryptionLeft--;
          return refuse(fmError(FM.DECRYPTION, 'decryption error, try again'));
        }
        const kind = type === 3 ? 'sale' : 'refund';
        const v = checkOperation(body, kind, unit);
        if (!v.ok) return refuse(v.error, v.status === 400 ? 400 : refusalStatus);
        const admitted = state.admit(m, v.receipt);
        if (isErr(admitted)) return refuse(admitted);
        const { answer } = state.issue(m, v.receipt, `POST ${OPERATIONS}`, body, admitted.sale);
        receiptIds++;
        return {
          ...ok({
            receipt_id: `mk-${m.index}-${receiptIds}`,
            module_operation_type: String(type),
            receipt_sum: v.receipt.total,
            receipt_gnk_receiptseq: answer.ReceiptSeq,
            receipt_gnk_terminalid: answer.TerminalID,
            module_gnk_id: m.factoryId,
            receipt_gnk_fiscalsign: answer.FiscalSign,
            receipt_gnk_qrcodeurl: answer.QRCodeURL,
            receipt_gnk_datetime: uzTime(now()),
            receipt_gnk_appletversion: answer.AppletVersion,
          }),
          issued: true,
        };
      }
      default:
        return refuse(fmError(400, `module_operation_type ${JSON.stringify(body.module_operation_type)} is not supported here: 1 open shift, 2 close shift, 3 sale, 4 refund`), 400);
    }
  };

  const zReport = (): Out => {
    const m = mod();
    const u = unplugged();
    if (u) return refuse(u);
    const z = state.currentZ(m);
    const n = (v: number) => String(v);
    return ok({
      result: {
        terminalId: m.terminalId,
        zCount: n(m.zReports.length),
        openTime: z ? uzTime(z.openTime) : '',
        closeTime: z && z.closeTime !== null ? uzTime(z.closeTime) : '',
        firstReceiptSeq: n(z?.firstSeq ?? 0),
        lastReceiptSeq: n(z?.lastSeq ?? 0),
        totalSaleCount: n(z?.saleCount ?? 0),
        totalRefundCount: n(z?.refundCount ?? 0),
        totalSaleCash: n(z?.saleCash ?? 0),
        totalSaleCard: n(z?.saleCard ?? 0),
        totalRefundCash: n(z?.refundCash ?? 0),
        totalRefundCard: n(z?.refundCard ?? 0),
        totalSale: n((z?.saleCash ?? 0) + (z?.saleCard ?? 0)),
        totalRefund: n((z?.refundCash ?? 0) + (z?.refundCard ?? 0)),
      },
    });
  };

  const routes: Record<string, (body: unknown) => Out> = {
    [`POST ${OPERATIONS}`]: operation,
    'GET /api/v1/zReport': zReport,
    'GET /api/v1/unsentCount': () => {
      const m = mod();
      const n = state.unsent(m).length;
      return ok({ result: { Count: n, TerminalID: { [m.terminalId]: n } } });
    },
    'POST /api/v1/resendUnsent': () => {
      state.drain();
      return ok({ result: { QueuedToSendCount: state.unsent(mod()).length } });
    },
    'GET /api/v1/info': () => {
      const u = unplugged();
      if (u) return refuse(u);
      const m = mod();
      return ok({ result: { terminalId: m.terminalId, appletVersion: APPLET_VERSION, zReportCount: String(m.zReports.length), currentRecCount: String(state.unsent(m).length), currentRecMaxCount: '1000' } });
    },
  };

  const handle = async (req: FastifyRequest, reply: FastifyReply, route: string): Promise<FastifyReply> => {
    state.drain();
    const m = mod();
    const rec: UzRequestView = { method: route, factoryId: spec.factoryId, at: new Date(now()).toISOString(), errorCode: null, reset: false, overlapped: m.busy > 0 };
    state.requests.push(rec);
    m.busy++;
    let released = false;
    const release = (): void => {
      if (!released) m.busy--;
      released = true;
    };
    try {
      let out: Out;
      let body: unknown = undefined;
      if (req.method === 'POST') {
        try {
          body = req.body === undefined || req.body === '' ? {} : JSON.parse(String(req.body));
        } catch {
          body = null;
        }
      }
      if (req.method === 'POST' && body === null) out = refuse(fmError(FM.BAD_JSON, 'bad JSON: the body does not parse'), 400);
      else {
        try {
          out = routes[route](body);
        } catch (e) {
          out = refuse(fmError(FM.APPLET, `emulator error: ${(e as Error).message}`));
        }
      }
      rec.errorCode = out.errorCode ?? null;
      const f = state.faults;
      const applies = !f.methods || f.methods.includes(route);
      // A receipt operation is reset only once it issued (its refusals are answered); other calls whenever the fault applies.
      const receiptOp = route === `POST ${OPERATIONS}` && isRecord(body) && (operationType(body) === 3 || operationType(body) === 4);
      const reset = applies && (!receiptOp || out.issued === true) && resetFires(f.resetConnections, random);
      rec.reset = reset;
      return await deliver(reply, delays, { status: out.status, body: out.body }, { hangMs: applies && out.issued ? f.hangAfterIssueMs : 0, latencyMs: applies ? f.latencyMs : 0, reset, beforeSend: release });
    } finally {
      release();
    }
  };

  for (const route of Object.keys(routes)) {
    const [method, path] = route.split(' ') as ['GET' | 'POST', string];
    app.route({ method, url: path, handler: (req, reply) => handle(req, reply, route) });
  }
  app.setNotFoundHandler(async (req, reply) => reply.code(404).send({ success: false, code: 404, message: `no such path: ${req.method} ${req.url.split('?')[0]}` }));

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
  app.post('/_emulator/reset', async () => {
    state.reset();
    receiptIds = 0;
    return { ok: true };
  });

  const { url, port } = await listener.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  return {
    url,
    port,
    receipts: () => state.receiptViews(),
    requests: () => state.requests.map((r) => ({ ...r })),
    setFaults: (f) => state.setFaults(uzFaultsSchema.parse(f)),
    setShift: (open) => {
      const m = mod();
      const z = state.currentZ(m);
      if (open === Boolean(z && z.closeTime === null)) return;
      const r = open ? state.openZ(m, now()) : state.closeZ(m, now());
      if (isErr(r)) throw new Error(r.message);
    },
    reset: () => {
      state.reset();
      receiptIds = 0;
    },
    close: () => listener.close(),
  };
}
