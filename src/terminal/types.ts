/** The composed SDK object a POS embeds (`createTerminal(config)`), and what the agent wraps. */
import type { EventEmitter } from 'node:events';
import type { Decision } from '../decision/types.js';
import type { ChannelHealth } from '../fiscal/types.js';
import type { ParseResult } from '../marking/types.js';
import type { ListedReceipt, SaleView } from '../outbox/ports.js';
import type { ReturnInput, SaleInput } from '../sale/schema.js';
import type { ScanEvent } from '../scan/types.js';

export interface Problem {
  code: string;
  message: string;
  registerId?: string;
}

/** One cash register as status shows it. */
export interface RegisterStatus {
  id: string;
  /** Its fiscal channel, or null when none is configured (receipts wait). */
  channel: string | null;
  /**
   * - `ok`: receipts go through;
   * - `autonomous`: the cash register issues receipts without its OFD link (they count towards the 72 h block);
   * - `unreachable`: tanba cannot reach the cash register; receipts are queued here;
   * - `blocked`: the cash register refuses every receipt until someone acts;
   * - `unconfigured`: no channel.
   */
  state: 'ok' | 'autonomous' | 'unreachable' | 'blocked' | 'unconfigured';
  pending: number;
  oldestUnsentAt: string | null;
  deadLetters: number;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  /** Oldest autonomous receipt since the last online one. */
  autonomousSince: string | null;
  /** Hours before the 72 h rule blocks this register (from the oldest unsent or autonomous receipt); null when nothing counts. */
  hoursLeft: number | null;
  blocked: { code: string; message: string; since: string } | null;
  health: ChannelHealth | null;
}

export interface TerminalStatus {
  ready: boolean;
  /** 'ready', or 'degraded' with problems (a register blocked or unreachable, queue old, scanner gone…). */
  state: 'ready' | 'degraded';
  problems: Problem[];
  queue: { pending: number; oldestPendingAt: string | null; deadLetters: number };
  registers: RegisterStatus[];
  tracking: { configured: boolean; tokenExpiresAt: string | null; message: string | null };
  scanners: { path: string; driver: string; state: string }[];
}

export interface FleetRegister {
  id: string;
  channel: string | null;
  pending: number;
  oldestUnsentAt: string | null;
  /** Hours before the 72 h rule blocks the register (oldest unsent or autonomous receipt); null when nothing counts. */
  hoursLeft: number | null;
  deadLetters: number;
  lastFiscalisedAt: string | null;
  autonomousSince: string | null;
}

export interface FleetView {
  at: string;
  registers: FleetRegister[];
  totals: { registers: number; pending: number; deadLetters: number; oldestUnsentAt: string | null; leastHoursLeft: number | null };
}

export interface RecordOptions {
  /** Also wait up to this long for the fiscal result (ms). Default 0: answer once the receipt is on disk. */
  waitMs?: number;
}

/**
 * Events: `scan` ({ scan: ScanEvent, code: ParseResult }), `decision` (Decision),
 * `receipt` (SaleView, on every state change), `register` (RegisterStatus-like, when a register is blocked or cleared).
 */
export interface Terminal extends EventEmitter {
  check(code: string | Uint8Array, opts?: { registerId?: string; price?: number }): Promise<Decision>;
  /** Resolves once the receipt is durably on disk (and, with `waitMs`, fiscalised or the wait is over). */
  recordSale(sale: SaleInput, opts?: RecordOptions): Promise<SaleView>;
  recordReturn(ret: ReturnInput, opts?: RecordOptions): Promise<SaleView>;
  sale(id: string): Promise<SaleView | null>;
  status(): Promise<TerminalStatus>;
  /** Receipts for operators (dead letters first); never customer data. */
  receipts(opts: { which: 'open' | 'all' | 'dead'; limit: number; registerId?: string }): Promise<ListedReceipt[]>;
  /** An operator decided to try a dead letter again. */
  retryDeadLetter(id: string): Promise<SaleView>;
  /** Every register of the store (the whole chain on a shared store): queue, oldest unsent, hours left, dead letters, last success. */
  fleet(): Promise<FleetView>;
  close(): Promise<void>;
}

export type TerminalScanEvent = { scan: ScanEvent; code: ParseResult };
