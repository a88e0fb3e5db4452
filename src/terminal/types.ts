/** The composed SDK object a POS embeds (`createTerminal(config)`), and what the agent wraps. */
import type { EventEmitter } from 'node:events';
import type { Decision } from '../decision/types.js';
import type { RecordInfo, ReturnInput, SaleInput } from '../outbox/types.js';
import type { ScanEvent } from '../scan/types.js';
import type { ParseResult } from '../marking/types.js';

export interface TerminalStatus {
  ready: boolean;
  /** 'ready' | 'degraded' with reasons (tracking unreachable, queue old, scanner gone…). */
  state: 'ready' | 'degraded';
  problems: { code: string; message: string }[];
  queue: { pending: number; oldestPendingAt: string | null; deadLetters: number };
  tracking: { lastSuccessAt: string | null; lastErrorAt: string | null; lastError: string | null; tokenExpiresAt: string | null };
  scanners: { path: string; driver: string; state: string }[];
}

/**
 * Events: `scan` ({ scan: ScanEvent, code: ParseResult }), `decision` (Decision),
 * `record` (RecordInfo, on every state change).
 */
export interface Terminal extends EventEmitter {
  check(code: string | Uint8Array, opts?: { registerId?: string; price?: number }): Promise<Decision>;
  /** Resolves once the sale is durably on disk. */
  recordSale(sale: SaleInput): Promise<RecordInfo>;
  recordReturn(ret: ReturnInput): Promise<RecordInfo>;
  sale(id: string): Promise<RecordInfo | null>;
  status(): Promise<TerminalStatus>;
  close(): Promise<void>;
}

export type TerminalScanEvent = { scan: ScanEvent; code: ParseResult };
