/**
 * rekassa/state.ts — the re:Kassa emulator's in-memory state: cash registers (shift, ticket
 * counter, autonomous-since), Bearer tokens, tickets keyed by X-Request-ID per register, and the
 * request log. Formats the ticket answer (reference §1.3 "Answer").
 */
import { randomUUID } from 'node:crypto';
import { mulberry32 } from '../prng.js';
import { fiscalSign, kzCompact, kzIso, pad } from '../fiscal-faults.js';
import { money, type Money, type RekassaFaults } from './schemas.js';
import type { ValidTicket } from './ticket.js';

export interface RekassaTicketAnswer {
  status: 'OK';
  /** Ticket id (for GET /api/crs/{id}/tickets/{ticketId}). */
  id: string;
  /** The fiscal sign. */
  ticketNumber: string;
  qrCode: string;
  shiftNumber: number;
  offline: boolean;
  dateTime: string;
  total: Money;
  kgdKkmId: string;
}

export interface RekassaReceiptView {
  cashRegister: string;
  requestId: string;
  id: string;
  ticketNumber: string;
  kgdKkmId: string;
  operation: string;
  /** Tenge, decimal. */
  total: number;
  offline: boolean;
  shiftNumber: number;
  receivedAt: string;
  items: unknown[];
  parentTicket: unknown | null;
  /** Excise stamps of every item. */
  marks: string[];
  /** The request body as received. */
  body: unknown;
  /** The answer as sent (and replayed for the same X-Request-ID). */
  answer: RekassaTicketAnswer;
}

export interface RekassaRequestView {
  method: string;
  path: string;
  cashRegister: string | null;
  requestId: string | null;
  at: string;
  /** HTTP status sent; 0 when the connection was reset instead (or the answer is still pending). */
  httpStatus: number;
  /** `code` of an error body, null on success. */
  code: string | null;
  /** A replay of a known X-Request-ID answered from storage. */
  replay: boolean;
}

export interface StoredTicket {
  view: RekassaReceiptView;
  totalMinor: number;
  /** Canonical JSON of the request body (a retry must match it). */
  bodyKey: string;
  returnedMarks: Set<string>;
  returnedMinor: number;
}

export interface Shift {
  number: number;
  openedAt: number;
  closedAt: number | null;
  tickets: StoredTicket[];
}

export interface CashRegister {
  index: number;
  id: string;
  number: string;
  password: string;
  kgdKkmId: string;
  seq: number;
  shifts: Shift[];
  /** The open shift, if any (also the last element of `shifts`). */
  shift: Shift | null;
  offlineSince: number | null;
  byRequestId: Map<string, StoredTicket>;
}

export interface CashRegisterSpec {
  id: string;
  number: string;
  password: string;
  kgdKkmId?: string;
}

interface TokenRecord {
  registerId: string;
  expiresAt: number | null;
  revoked: boolean;
}

export const OFD_QR_HOST = 'consumer.ofd.rekassa.kz';

export interface RekassaStateOptions {
  seed: number;
  now: () => number;
  apiKeys: string[];
  registers: CashRegisterSpec[];
}

export class RekassaState {
  faults: RekassaFaults = {};
  random: () => number;
  readonly registers = new Map<string, CashRegister>();
  readonly tickets = new Map<string, StoredTicket>();
  readonly receipts: StoredTicket[] = [];
  readonly requests: RekassaRequestView[] = [];
  private readonly tokens = new Map<string, TokenRecord>();
  private ticketSeq = 0;

  constructor(readonly opts: RekassaStateOptions) {
    this.random = mulberry32(opts.seed);
    this.initRegisters();
  }

  private initRegisters(): void {
    this.registers.clear();
    this.opts.registers.forEach((r, i) => {
      this.registers.set(r.id, {
        index: i + 1,
        id: r.id,
        number: r.number,
        password: r.password,
        kgdKkmId: r.kgdKkmId ?? `6200000${pad(i + 1, 5)}`,
        seq: 0,
        shifts: [],
        shift: null,
        offlineSince: null,
        byRequestId: new Map(),
      });
    });
  }

  // ---- auth ----
  login(number: string, password: string): { token: string; register: CashRegister } | null {
    const reg = [...this.registers.values()].find((r) => r.number === number && r.password === password);
    if (!reg) return null;
    const token = randomUUID();
    const ttl = this.faults.cashRegister ? undefined : this.faults.tokenTtlSeconds;
    this.tokens.set(token, { registerId: reg.id, expiresAt: ttl === undefined ? null : this.opts.now() + ttl * 1000, revoked: false });
    return { token, register: reg };
  }

  /** The register id the Bearer token belongs to, or null when missing / unknown / expired. */
  tokenRegister(authorization: string | undefined): string | null {
    const m = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    const t = m ? this.tokens.get(m[1]) : undefined;
    if (!t || t.revoked || (t.expiresAt !== null && this.opts.now() >= t.expiresAt)) return null;
    return t.registerId;
  }

  expireTokens(): void {
    for (const t of this.tokens.values()) t.revoked = true;
  }

  // ---- shifts ----
  private openShift(r: CashRegister, at: number): Shift {
    const s: Shift = { number: r.shifts.length + 1, openedAt: at, closedAt: null, tickets: [] };
    r.shifts.push(s);
    r.shift = s;
    return s;
  }

  setShiftOpenedAt(r: CashRegister, at: number): void {
    (r.shift ?? this.openShift(r, at)).openedAt = at;
  }

  closeShift(r: CashRegister): Shift | null {
    const s = r.shift;
    if (!s) return null;
    s.closedAt = this.opts.now();
    r.shift = null;
    return s;
  }

  // ---- tickets ----
  findSale(ticketNumber: string, kgdKkmId: string): StoredTicket | undefined {
    return this.receipts.find((t) => t.view.operation === 'OPERATION_SELL' && t.view.ticketNumber === ticketNumber && t.view.kgdKkmId === kgdKkmId);
  }

  issue(r: CashRegister, t: ValidTicket, body: Record<string, unknown>, bodyKey: string, requestId: string, offline: boolean): StoredTicket {
    const now = this.opts.now();
    const shift = r.shift ?? this.openShift(r, now);
    r.seq++;
    this.ticketSeq++;
    const ticketNumber = fiscalSign(r.index, r.seq, offline);
    const total = money(t.totalMinor);
    const answer: RekassaTicketAnswer = {
      status: 'OK',
      id: String(1_000_000 + this.ticketSeq),
      ticketNumber,
      qrCode: `http://${OFD_QR_HOST}/?i=${ticketNumber}&f=${r.kgdKkmId}&s=${(t.totalMinor / 100).toFixed(2)}&t=${kzCompact(now)}`,
      shiftNumber: shift.number,
      offline,
      dateTime: kzIso(now),
      total,
      kgdKkmId: r.kgdKkmId,
    };
    const stored: StoredTicket = {
      view: {
        cashRegister: r.id,
        requestId,
        id: answer.id,
        ticketNumber,
        kgdKkmId: r.kgdKkmId,
        operation: t.operation,
        total: t.totalMinor / 100,
        offline,
        shiftNumber: shift.number,
        receivedAt: new Date(now).toISOString(),
        items: structuredClone(Array.isArray(body.items) ? body.items : []),
        parentTicket: t.parent ? structuredClone(body.parentTicket) : null,
        marks: t.marks,
        body: structuredClone(body),
        answer,
      },
      totalMinor: t.totalMinor,
      bodyKey,
      returnedMarks: new Set(),
      returnedMinor: 0,
    };
    shift.tickets.push(stored);
    r.byRequestId.set(requestId, stored);
    this.tickets.set(answer.id, stored);
    this.receipts.push(stored);
    return stored;
  }

  recordReturn(sale: StoredTicket, t: ValidTicket): void {
    for (const m of t.marks) sale.returnedMarks.add(m);
    sale.returnedMinor += t.totalMinor;
  }

  receiptViews(): RekassaReceiptView[] {
    return this.receipts.map((t) => structuredClone(t.view));
  }

  reset(): void {
    this.faults = {};
    this.random = mulberry32(this.opts.seed);
    this.tickets.clear();
    this.receipts.length = 0;
    this.requests.length = 0;
    this.tokens.clear();
    this.ticketSeq = 0;
    this.initRegisters();
  }
}
