/**
 * Names for the crash test: the registers (one Webkassa cashbox each), sale ids that carry their
 * life and per-register sequence number (so the receipts' order can be checked against the order
 * the sales were acknowledged), and unique marking codes per sale.
 */
import type { OpenTerminalOptions } from '../../../src/batteries.js';
import type { SaleInput } from '../../../src/sale/schema.js';
import { webkassaExternalCheckNumber } from '../../../src/fiscal/webkassa/index.js';
import { saleInput } from '../../support/receipts.js';

/** Most registers a crash run uses (the emulator is made with this many cashboxes). */
export const MAX_REGISTERS = 3;

export const registerId = (i: number): string => `r${i + 1}`;
export const cashboxOf = (i: number): string => `SWK${String(i + 1).padStart(8, '0')}`;

/** `k<life>.<register>.<seq>`: fits ExternalCheckNumber as it is ([A-Za-z0-9._:-], ≤ 50). */
export function crashId(life: number, register: number, seq: number): string {
  return `k${life}.${registerId(register)}.${seq}`;
}

export interface CrashKey {
  life: number;
  register: number;
  seq: number;
}

export function parseCrashId(id: string): CrashKey | null {
  const m = /^k(\d+)\.r(\d+)\.(\d+)$/.exec(id);
  return m ? { life: Number(m[1]), register: Number(m[2]) - 1, seq: Number(m[3]) } : null;
}

/** Order within one register: life first, then the sequence number (one sequential caller per register). */
export function compareKeys(a: CrashKey, b: CrashKey): number {
  return a.life - b.life || a.seq - b.seq;
}

/** Sales per register per life stay below this (it spaces the marking-code numbers). */
export const MAX_SEQ = 10_000;

/** A receipt of one marked pack (a code unique to this sale) and one unmarked line. */
export function crashSale(life: number, register: number, seq: number): SaleInput {
  if (seq >= MAX_SEQ) throw new Error(`crash sale sequence ${seq} ≥ ${MAX_SEQ}`);
  const n = (life * MAX_REGISTERS + register) * MAX_SEQ + seq;
  return saleInput(crashId(life, register, seq), { n, registerId: registerId(register) });
}

/** The ExternalCheckNumber Webkassa gets for a sale id. */
export const externalNumber = (id: string): string => webkassaExternalCheckNumber(id);

/**
 * The till both the child and the parent's final drain open: SQLite file, `registers` Webkassa
 * registers (one cashbox each, one shared login, as a shop with one Webkassa account has), no
 * pre-sale check, retry timings shrunk so a run takes seconds.
 */
export function crashTerminalOptions(o: { db: string; url: string; registers: number; timeoutMs: number }): OpenTerminalOptions {
  return {
    store: { kind: 'sqlite', path: o.db },
    registers: Array.from({ length: o.registers }, (_, i) => ({
      id: registerId(i),
      fiscal: { channel: 'webkassa' as const, url: o.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', password: 'demo', cashbox: cashboxOf(i), timeoutMs: o.timeoutMs },
    })),
    tracking: null,
    relay: { policy: { reconcileDelayMs: 20, quickDelayMs: 10, attemptsPerClaim: 3, backoff: { minDelayMs: 20, maxDelayMs: 200 }, blockedProbeMs: 200 } },
  };
}
