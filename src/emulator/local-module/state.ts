/**
 * local-module/state.ts — the Local Module emulator's world, independent of HTTP: the module's
 * status (`not_configured | initialization | ready | failure | sync_error`), its last sync and the
 * 72 h rule (a `ready` module with no sync for 72 h is in `sync_error`), the local database (block
 * lists, grey GTINs, prices) and the sold DB fed by `cis/sell` (kept 30 days), and the request log.
 */
import { randomUUID } from 'node:crypto';
import { mulberry32 } from '../prng.js';
import { gtinOf, kiOf } from '../tspiot/codes.js';
import { lmCodeSchema, type LmCodeRecord, type LmFaults, type LmSeedCode, type LmStatus } from './schemas.js';

export const HOUR_MS = 3_600_000;
export const SYNC_LIMIT_MS = 72 * HOUR_MS;
export const SOLD_KEEP_MS = 30 * 24 * HOUR_MS;

export interface LmRequestView {
  at: string;
  method: string;
  path: string;
  status: number;
  /** The `X-ClientId` header, as sent. */
  clientId: string | null;
  /** How the call authenticated (the password is never kept). */
  auth: 'basic' | 'token' | 'none' | 'refused';
  codes: string[];
  pg: (string | number | null)[];
}

export interface LmStateOptions {
  seed: number;
  now: () => number;
  users: { login: string; password: string }[];
  tokens: string[];
  /** Accepted X-ClientId values; null = any non-empty. */
  clientIds: string[] | null;
  inst: string;
  version: string;
  status: LmStatus;
  lastSync: number;
}

export class LmState {
  codes = new Map<string, LmCodeRecord>();
  /** KI → epoch ms of the `cis/sell`. */
  soldDb = new Map<string, number>();
  faults: LmFaults = {};
  requests: LmRequestView[] = [];
  status: LmStatus;
  lastSync: number;
  random: () => number;

  constructor(readonly opts: LmStateOptions) {
    this.status = opts.status;
    this.lastSync = opts.lastSync;
    this.random = mulberry32(opts.seed);
  }

  /** The status as the module reports it now: 72 h without a sync turns `ready` into `sync_error`. */
  effectiveStatus(): LmStatus {
    if (this.status === 'ready' && this.opts.now() - this.lastSync >= SYNC_LIMIT_MS) return 'sync_error';
    return this.status;
  }

  /** A successful sync now: the clock restarts and `sync_error` clears. */
  sync(): void {
    this.lastSync = this.opts.now();
    if (this.status === 'sync_error') this.status = 'ready';
  }

  seed(codes: LmSeedCode[]): number {
    for (const c of codes) {
      const rec = lmCodeSchema.parse(c);
      this.codes.set(kiOf(rec.code), { ...rec, ki: kiOf(rec.code) });
    }
    return codes.length;
  }

  reset(): void {
    this.codes.clear();
    this.soldDb.clear();
    this.requests = [];
    this.faults = {};
    this.status = this.opts.status;
    this.lastSync = this.opts.now();
    this.random = mulberry32(this.opts.seed);
  }

  isSold(ki: string): boolean {
    const at = this.soldDb.get(ki);
    if (at !== undefined && this.opts.now() - at > SOLD_KEEP_MS) this.soldDb.delete(ki);
    return (this.codes.get(ki)?.sold ?? false) || this.soldDb.has(ki);
  }

  sell(codes: string[]): void {
    for (const c of codes) this.soldDb.set(kiOf(c), this.opts.now());
  }

  unsell(codes: string[]): void {
    for (const c of codes) {
      const ki = kiOf(c);
      this.soldDb.delete(ki);
      const rec = this.codes.get(ki);
      if (rec) rec.sold = false;
    }
  }

  /** One outCheck code item (reference §5.3): `{cis, isBlocked, isGreyGtin, gtin, sold, mrp, smp}`. */
  codeItem(cis: string): Record<string, unknown> {
    const ki = kiOf(cis);
    const rec = this.codes.get(ki);
    return {
      cis,
      isBlocked: rec?.blocked ?? false,
      isGreyGtin: rec?.greyGtin ?? false,
      gtin: gtinOf(cis),
      sold: this.isSold(ki),
      ...(rec?.mrp !== undefined ? { mrp: rec.mrp } : {}),
      ...(rec?.smp !== undefined ? { smp: rec.smp } : {}),
    };
  }

  /** The request's identity for 1265: `reqId`, `reqTimestamp`, `inst`, `version`. */
  stamp(): { reqId: string; reqTimestamp: number; inst: string; version: string } {
    return { reqId: randomUUID(), reqTimestamp: this.opts.now(), inst: this.opts.inst, version: this.opts.version };
  }

  statusBody(): Record<string, unknown> {
    return {
      version: this.opts.version,
      status: this.effectiveStatus(),
      serviceUrl: 'https://markirovka.crpt.ru',
      operationMode: 'active',
      lastSync: this.lastSync,
      lastUpdate: this.lastSync,
      inst: this.opts.inst,
      inn: '7700000000',
      dbVersion: 1,
      dbState: { min_price: { docCount: 1 }, blocked_gtin: { docCount: 1 }, blocked_cis: { docCount: [...this.codes.values()].filter((c) => c.blocked).length } },
      isGreyGtin: [...this.codes.values()].some((c) => c.greyGtin),
    };
  }
}
