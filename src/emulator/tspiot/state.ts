/**
 * tspiot/state.ts — the ТС ПИоТ emulator's world, independent of HTTP: the codes ГИС МТ knows,
 * the fault settings (emergency, offline), the request log, and the building of `codes/check`
 * answers in both wire shapes: v1 (snake_case, the proto's names, `codes_response`) and v3 (the
 * FMU-API form: camelCase, `cis` echoed as asked, `inst`/`version` on every offline item).
 * An offline answer is what the Local Module knows: block list, sold and price data, with
 * `found/valid/verified/utilised/realizable` false (why clients must not refuse on them offline).
 */
import { randomUUID } from 'node:crypto';
import { mulberry32 } from '../prng.js';
import { gtinOf, kiOf, wellFormed } from './codes.js';
import { tspiotCodeSchema, type TsPiotCodeRecord, type TsPiotFaults, type TsPiotSeedCode } from './schemas.js';

export type Protocol = 'v1' | 'v3';

export interface TsPiotRequestView {
  at: string;
  method: string;
  path: string;
  status: number;
  protocol: Protocol | null;
  /** Codes as the emulator understood them (base64 decoded). */
  codes: string[];
  /** How the codes came: raw KM, base64, or a mix. */
  encoding: 'raw' | 'base64' | 'mixed' | null;
  pg: (string | null)[];
  /** `client_info` without the token; `tokenAccepted` says whether the token was right. */
  clientInfo: { name: string; version: string; id: string; tokenAccepted: boolean } | null;
  checkedOffline: boolean | null;
  emergency: boolean;
}

export interface TsPiotStateOptions {
  seed: number;
  now: () => number;
  /** Accepted `client_info.token` values; null = any non-empty token. */
  tokens: string[] | null;
  /** Local Module identity in offline answers. */
  lmInst: string;
  lmVersion: string;
  info: { TsPiot_id: string; kkt_serial: string; fn_serial: string; kkt_inn: string; codes_check_timeout: number };
}

export interface AskedCode {
  /** As it came on the wire (echoed in v3). */
  wire: string;
  code: string;
  pg: string | null;
}

export class TsPiotState {
  codes = new Map<string, TsPiotCodeRecord>();
  faults: TsPiotFaults = {};
  requests: TsPiotRequestView[] = [];
  random: () => number;

  constructor(readonly opts: TsPiotStateOptions) {
    this.random = mulberry32(opts.seed);
  }

  seed(codes: TsPiotSeedCode[]): number {
    for (const c of codes) {
      const rec = tspiotCodeSchema.parse(c);
      this.codes.set(kiOf(rec.code), { ...rec, ki: kiOf(rec.code) });
    }
    return codes.length;
  }

  reset(): void {
    this.codes.clear();
    this.requests = [];
    this.faults = {};
    this.random = mulberry32(this.opts.seed);
  }

  tokenAccepted(token: unknown): boolean {
    if (typeof token !== 'string' || token === '') return false;
    return this.opts.tokens === null || this.opts.tokens.includes(token);
  }

  /** One `codes_response` item for the asked codes. */
  checkAnswer(asked: AskedCode[], protocol: Protocol): Record<string, unknown> {
    const offline = this.faults.offline === true;
    const v3 = protocol === 'v3';
    const items = asked.map((a) => (offline ? this.offlineItem(a, v3) : this.onlineItem(a, v3)));
    const reqId = randomUUID();
    const reqTimestamp = this.opts.now();
    if (v3) {
      return {
        code: 0,
        description: 'ok',
        codes: items,
        reqId,
        reqTimestamp,
        isCheckedOffline: offline,
        ...(offline ? { inst: this.opts.lmInst, version: this.opts.lmVersion } : {}),
      };
    }
    return {
      code: 0,
      desctiption: 'ok', // sic: the proto's spelling
      codes: items,
      req_id: reqId,
      req_timestamp: reqTimestamp,
      is_checked_offline: offline,
      ...(offline ? { inst: this.opts.lmInst, version: this.opts.lmVersion } : {}),
    };
  }

  private onlineItem(a: AskedCode, v3: boolean): Record<string, unknown> {
    const rec = this.codes.get(kiOf(a.code));
    const ki = kiOf(a.code);
    const k = keys(v3);
    const base: Record<string, unknown> = { cis: v3 ? a.wire : a.code, [k.printView]: ki, gtin: gtinOf(a.code) };
    if (!rec) {
      const valid = wellFormed(a.code);
      Object.assign(base, { found: false, valid, verified: false, realizable: false, utilised: false, [k.isBlocked]: false, sold: false, [k.isTracking]: false });
      return base;
    }
    Object.assign(base, {
      found: rec.found,
      valid: rec.valid,
      [k.groupIds]: rec.groupIds ?? [],
      verified: rec.verified,
      realizable: rec.realizable,
      utilised: rec.utilised,
      ...(rec.expireDate ? { [k.expireDate]: rec.expireDate } : {}),
      [k.isBlocked]: rec.blocked,
      ogvs: rec.ogvs ?? [],
      ...(rec.errorCode !== undefined ? { [k.errorCode]: rec.errorCode } : {}),
      ...(rec.message ? { message: rec.message } : {}),
      [k.isTracking]: true,
      sold: rec.sold,
      ...(rec.mrp !== undefined ? { mrp: rec.mrp } : {}),
      ...(rec.smp !== undefined ? { smp: rec.smp } : {}),
      ...(rec.grayZone !== undefined ? { grayZone: rec.grayZone } : {}),
      [k.packageType]: 'UNIT',
      ...(rec.producerInn ? { [k.producerInn]: rec.producerInn } : {}),
    });
    for (const f of rec.omit ?? []) delete base[f];
    return base;
  }

  /** What the Local Module behind the ТС ПИоТ can say: blocks, sold, prices; the ГИС МТ flags are false. */
  private offlineItem(a: AskedCode, v3: boolean): Record<string, unknown> {
    const rec = this.codes.get(kiOf(a.code));
    const k = keys(v3);
    const item: Record<string, unknown> = {
      cis: v3 ? a.wire : a.code,
      found: false,
      valid: false,
      verified: false,
      realizable: false,
      utilised: false,
      gtin: gtinOf(a.code),
      [k.isBlocked]: rec?.blocked ?? false,
      sold: rec?.sold ?? false,
      ...(rec?.mrp !== undefined ? { mrp: rec.mrp } : {}),
      ...(rec?.smp !== undefined ? { smp: rec.smp } : {}),
      inst: this.opts.lmInst,
      version: this.opts.lmVersion,
    };
    for (const f of rec?.omit ?? []) delete item[f];
    return item;
  }
}

function keys(v3: boolean) {
  return v3
    ? { printView: 'printView', groupIds: 'groupIds', expireDate: 'expireDate', isBlocked: 'isBlocked', errorCode: 'errorCode', isTracking: 'isTracking', packageType: 'packageType', producerInn: 'producerInn' }
    : { printView: 'print_view', groupIds: 'group_ids', expireDate: 'expire_date', isBlocked: 'is_blocked', errorCode: 'error_code', isTracking: 'is_tracking', packageType: 'package_type', producerInn: 'producer_inn' };
}
