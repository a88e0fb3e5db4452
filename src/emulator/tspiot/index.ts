/**
 * tspiot/index.ts — a ТС ПИоТ emulator (reference fiscal-channels.md §2.4, tracking-fidelity.md
 * §4.2): a real HTTP server speaking the local API at its root —
 * `POST /api/v1/codes/check {codes:[KM], client_info{name, version, id, token}}` →
 * `{codes_response:[{code, desctiption, codes[…], req_id, req_timestamp, is_checked_offline}]}`,
 * the FMU-API form `POST /api/v3/codes/check {codes:[{cis: base64(KM), pg}]}` (camelCase answer),
 * and `POST /api/v1/info` → `{TsPiot_id, kkt_serial, fn_serial, kkt_inn, codes_check_timeout}`.
 * Errors use the proto's `{error:{error_code, error_description}}`. Faults: emergency mode (HTTP 203),
 * offline answers (`is_checked_offline`, `inst`/`version`), latency, outage, error rate, resets.
 * Admin surface under `/_emulator/` (never faulted): codes, faults, requests, reset.
 * A test oracle: it follows the reference, not tanba's client, and imports nothing from it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createFiscalListener, deliver, isRecord, resetFires, type Answer } from '../fiscal-faults.js';
import { decodeCode } from './codes.js';
import { tspiotError, tspiotFaultsSchema, tspiotSeedBodySchema, type TsPiotFaults, type TsPiotSeedCode } from './schemas.js';
import { TsPiotState, type AskedCode, type Protocol, type TsPiotRequestView } from './state.js';

export { tspiotFaultsSchema, type TsPiotFaults, type TsPiotSeedCode } from './schemas.js';
export type { TsPiotRequestView } from './state.js';

export interface TsPiotEmulatorOptions {
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** PRNG seed for errorRate / resetConnections. */
  seed?: number;
  /** Clock (epoch ms) for `req_timestamp`. */
  now?: () => number;
  /** Accepted `client_info.token` values; default ['tspiot-demo-token']; null = any non-empty token. */
  tokens?: string[] | null;
  /** Most codes in one call (clients send ≤ 100). */
  maxCodesPerCheck?: number;
  /** Local Module id / version in offline answers. */
  lmInst?: string;
  lmVersion?: string;
  codes?: TsPiotSeedCode[];
  faults?: TsPiotFaults;
}

export interface TsPiotEmulator {
  url: string;
  port: number;
  seedCodes(codes: TsPiotSeedCode[]): number;
  setFaults(f: TsPiotFaults): TsPiotFaults;
  /** Every API request received, in order. */
  requests(): TsPiotRequestView[];
  reset(): void;
  close(): Promise<void>;
}

const EMERGENCY_BODY = { code: 203, message: 'ТС ПИоТ работает в аварийном режиме', details: ['нет связи с ГИС МТ и ЛМ ЧЗ'] };

export async function createTsPiotEmulator(opts: TsPiotEmulatorOptions = {}): Promise<TsPiotEmulator> {
  const state = new TsPiotState({
    seed: opts.seed ?? 1,
    now: opts.now ?? Date.now,
    tokens: opts.tokens === undefined ? ['tspiot-demo-token'] : opts.tokens,
    lmInst: opts.lmInst ?? '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
    lmVersion: opts.lmVersion ?? '17.2.1',
    info: { TsPiot_id: 'ESM-EMU-0001', kkt_serial: '00106712345678', fn_serial: '7380440700123456', kkt_inn: '7700000000', codes_check_timeout: 1500 },
  });
  const maxCodes = opts.maxCodesPerCheck ?? 100;
  if (opts.codes) state.seed(opts.codes);
  if (opts.faults) state.faults = tspiotFaultsSchema.parse(opts.faults);
  const listener = createFiscalListener();
  const { app, delays } = listener;

  const log = (req: FastifyRequest, status: number, extra: Partial<TsPiotRequestView> = {}): void => {
    state.requests.push({
      at: new Date(state.opts.now()).toISOString(),
      method: req.method,
      path: req.url.split('?')[0],
      status,
      protocol: null,
      codes: [],
      encoding: null,
      pg: [],
      clientInfo: null,
      checkedOffline: null,
      emergency: false,
      ...extra,
    });
  };

  /** The pre-handling faults: outage and injected errors answer at once (nothing is checked). */
  const preFault = (): Answer | null => {
    const f = state.faults;
    if (f.outage) return { status: 503, body: tspiotError(503, 'ТС ПИоТ is unavailable (emulated outage)') };
    if (f.errorRate && state.random() < f.errorRate) {
      const status = f.errorStatus ?? 500;
      return { status, body: tspiotError(status, `emulated error ${status}`) };
    }
    return null;
  };

  const send = (reply: FastifyReply, a: Answer): Promise<FastifyReply> =>
    deliver(reply, delays, a, { latencyMs: state.faults.latencyMs, reset: resetFires(state.faults.resetConnections, state.random) });

  const check = (protocol: Protocol) => async (req: FastifyRequest, reply: FastifyReply) => {
    const early = preFault();
    if (early) {
      log(req, early.status, { protocol });
      return send(reply, early);
    }
    const parsed = parseCheck(req.body, protocol, maxCodes);
    if ('error' in parsed) {
      log(req, 400, { protocol });
      return send(reply, { status: 400, body: tspiotError(400, parsed.error) });
    }
    const ci = parsed.clientInfo;
    const tokenAccepted = ci ? state.tokenAccepted(ci.token) : false;
    const view: Partial<TsPiotRequestView> = {
      protocol,
      codes: parsed.asked.map((a) => a.code),
      encoding: encodingOf(parsed.encodings),
      pg: parsed.asked.map((a) => a.pg),
      clientInfo: ci ? { name: ci.name, version: ci.version, id: ci.id, tokenAccepted } : null,
    };
    // v1 needs client_info with an accepted token; the v3 form may leave client_info out.
    if ((protocol === 'v1' || ci) && !tokenAccepted) {
      log(req, 401, view);
      return send(reply, { status: 401, body: tspiotError(401, 'client_info.token is missing or not accepted') });
    }
    const emergency = state.faults.emergency;
    if (emergency) {
      const body = emergency === 'with-codes' ? { ...EMERGENCY_BODY, codes_response: [state.checkAnswer(parsed.asked, protocol)] } : EMERGENCY_BODY;
      log(req, 203, { ...view, emergency: true });
      return send(reply, { status: 203, body });
    }
    const item = state.checkAnswer(parsed.asked, protocol);
    log(req, 200, { ...view, checkedOffline: state.faults.offline === true });
    return send(reply, { status: 200, body: protocol === 'v3' ? { codesResponse: [item] } : { codes_response: [item] } });
  };

  app.post('/api/v1/codes/check', check('v1'));
  app.post('/api/v3/codes/check', check('v3'));
  app.post('/api/v1/info', async (req, reply) => {
    const early = preFault();
    if (early) {
      log(req, early.status);
      return send(reply, early);
    }
    const status = state.faults.emergency ? 203 : 200;
    log(req, status, { emergency: status === 203 });
    return send(reply, { status, body: status === 203 ? { ...state.opts.info, ...EMERGENCY_BODY } : state.opts.info });
  });
  app.setNotFoundHandler(async (req, reply) => {
    log(req, 404);
    return reply.code(404).send(tspiotError(404, `no such method: ${req.method} ${req.url.split('?')[0]}`));
  });

  // ---- admin surface (never faulted) ----
  app.post('/_emulator/codes', async (req, reply) => {
    const p = tspiotSeedBodySchema.safeParse(req.body);
    if (!p.success) return reply.code(400).send({ error: 'bad-seed', issues: p.error.issues.slice(0, 10) });
    return { ok: true, count: state.seed(p.data.codes) };
  });
  app.get('/_emulator/codes', async () => [...state.codes.values()]);
  app.post('/_emulator/faults', async (req, reply) => {
    const p = tspiotFaultsSchema.safeParse(req.body ?? {});
    if (!p.success) return reply.code(400).send({ error: 'bad-faults', issues: p.error.issues.slice(0, 10) });
    state.faults = p.data;
    return state.faults;
  });
  app.get('/_emulator/faults', async () => state.faults);
  app.get('/_emulator/requests', async () => state.requests);
  app.post('/_emulator/reset', async () => {
    state.reset();
    return { ok: true };
  });

  const { url, port } = await listener.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  return {
    url,
    port,
    seedCodes: (codes) => state.seed(codes),
    setFaults: (f) => (state.faults = tspiotFaultsSchema.parse(f)),
    requests: () => [...state.requests],
    reset: () => state.reset(),
    close: () => listener.close(),
  };
}

interface ParsedCheck {
  asked: AskedCode[];
  encodings: ('raw' | 'base64')[];
  clientInfo: { name: string; version: string; id: string; token: unknown } | null;
}

/** Validate a check body as strictly as the proto: codes present, each a code, client_info complete. */
function parseCheck(body: unknown, protocol: Protocol, maxCodes: number): ParsedCheck | { error: string } {
  if (!isRecord(body)) return { error: 'the body must be a JSON object' };
  const codes = body.codes;
  if (!Array.isArray(codes) || codes.length === 0) return { error: 'codes: a non-empty array is required' };
  if (codes.length > maxCodes) return { error: `codes: at most ${maxCodes} codes per request` };
  const asked: AskedCode[] = [];
  const encodings: ('raw' | 'base64')[] = [];
  for (const [i, c] of codes.entries()) {
    let wire: unknown = c;
    let pg: string | null = null;
    if (protocol === 'v3') {
      if (!isRecord(c)) return { error: `codes[${i}]: an object {cis, pg} is required` };
      wire = c.cis;
      if (c.pg !== undefined && (typeof c.pg !== 'string' || c.pg === '')) return { error: `codes[${i}].pg: a product group name is required` };
      pg = (c.pg as string | undefined) ?? null;
    }
    if (typeof wire !== 'string' || wire === '') return { error: `codes[${i}]: a marking code is required` };
    const decoded = decodeCode(wire);
    if (!decoded) return { error: `codes[${i}]: not a marking code${protocol === 'v3' ? ' (base64 of the KM expected)' : ''}` };
    if (protocol === 'v3' && decoded.encoding !== 'base64') return { error: `codes[${i}].cis: base64 of the KM expected` };
    asked.push({ wire, code: decoded.code, pg });
    encodings.push(decoded.encoding);
  }
  const ci = body.client_info;
  if (ci === undefined && protocol === 'v3') return { asked, encodings, clientInfo: null };
  if (!isRecord(ci)) return { error: 'client_info: {name, version, id, token} is required' };
  for (const k of ['name', 'version', 'id'] as const) {
    if (typeof ci[k] !== 'string' || ci[k] === '') return { error: `client_info.${k}: a non-empty string is required` };
  }
  if (ci.token !== undefined && typeof ci.token !== 'string') return { error: 'client_info.token: a string is required' };
  return { asked, encodings, clientInfo: { name: ci.name as string, version: ci.version as string, id: ci.id as string, token: ci.token } };
}

function encodingOf(e: ('raw' | 'base64')[]): TsPiotRequestView['encoding'] {
  if (e.length === 0) return null;
  return e.every((x) => x === e[0]) ? e[0] : 'mixed';
}
