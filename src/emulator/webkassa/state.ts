/**
 * webkassa/state.ts — the Webkassa emulator's in-memory state: tokens, cashboxes (shift,
 * counters, autonomous-since), issued checks keyed by ExternalCheckNumber, and the request log.
 * Formats the sale answer `Data` (reference §1.2 "Sale answer").
 */
import { randomUUID } from 'node:crypto';
import { mulberry32 } from '../prng.js';
import { fiscalSign, kzCompact, kzIso, pad } from '../fiscal-faults.js';

export { kzIso };
import type { ValidCheck } from './check.js';
import type { WebkassaFaults } from './schemas.js';

export interface WebkassaReceiptView {
  cashbox: string;
  externalCheckNumber: string;
  operationType: number;
  /** The fiscal sign. */
  checkNumber: string;
  registrationNumber: string;
  /** Tenge, decimal. */
  total: number;
  offline: boolean;
  shiftNumber: number;
  checkOrderNumber: number;
  receivedAt: string;
  positions: unknown[];
  returnBasis: unknown | null;
  /** The request body as received, Token removed. */
  body: unknown;
  /** The answer `Data` as sent (and re-sent with error 14 on a duplicate). */
  data: WebkassaCheckData;
  /** Marking codes of the check (Mark + MarkList of every position). */
  marks: string[];
}

export interface WebkassaRequestView {
  path: string;
  cashbox: string | null;
  externalCheckNumber: string | null;
  at: string;
  errorCodes: number[];
  /** HTTP status sent; 0 when the connection was reset instead (or the answer is still pending). */
  httpStatus: number;
}

export interface WebkassaCheckData {
  CheckNumber: string;
  DateTime: string;
  DateTimeUTC: string;
  OfflineMode: boolean;
  CashboxOfflineMode: boolean;
  Cashbox: {
    UniqueNumber: string;
    RegistrationNumber: string;
    IdentityNumber: string;
    Address: string;
    Ofd: { Name: string; Host: string; Code: number };
  };
  CheckOrderNumber: number;
  ShiftNumber: number;
  EmployeeName: string;
  TicketUrl: string;
  TicketPrintUrl: string;
}

interface StoredCheck {
  view: WebkassaReceiptView;
  totalMinor: number;
  /** Sales only: marks already returned and the amount returned so far. */
  returnedMarks: Set<string>;
  returnedMinor: number;
}

interface ShiftSums {
  count: number;
  totalMinor: number;
  byPayment: Map<number, number>;
  changeMinor: number;
}

export interface OpenShift {
  number: number;
  openedAt: number;
  checks: number;
  sell: ShiftSums;
  returnSell: ShiftSums;
}

export interface ClosedShift {
  number: number;
  openedAt: number;
  closedAt: number | null;
}

export interface Cashbox {
  index: number;
  uniqueNumber: string;
  registrationNumber: string;
  identityNumber: string;
  address: string;
  seq: number;
  lastShiftNumber: number;
  shift: OpenShift | null;
  history: ClosedShift[];
  xReports: number;
  /** When the cashbox went autonomous (first offline check), null when online. */
  offlineSince: number | null;
  byExternal: Map<string, StoredCheck>;
}

interface TokenRecord {
  login: string;
  expiresAt: number | null;
  revoked: boolean;
}

export const OFD = { Name: 'АО "Казахтелеком" (OFD emulated)', Host: 'consumer.oofd.kz', Code: 1 } as const;
export const EMPLOYEE = 'Emulated cashier';

const emptySums = (): ShiftSums => ({ count: 0, totalMinor: 0, byPayment: new Map(), changeMinor: 0 });

/** "dd.MM.yyyy HH:mm:ss" at the given UTC offset (hours). */
export function wkDateTime(ms: number, offsetHours: number): string {
  const d = new Date(ms + offsetHours * 3_600_000);
  return `${pad(d.getUTCDate(), 2)}.${pad(d.getUTCMonth() + 1, 2)}.${d.getUTCFullYear()} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
}

export interface WebkassaStateOptions {
  seed: number;
  now: () => number;
  apiKeys: string[];
  users: { login: string; password: string }[];
  cashboxes: string[];
}

export class WebkassaState {
  faults: WebkassaFaults = {};
  random: () => number;
  readonly cashboxes = new Map<string, Cashbox>();
  readonly receipts: StoredCheck[] = [];
  readonly requests: WebkassaRequestView[] = [];
  /** Cashboxes with a request in progress (Webkassa requires sequential calls per cashbox). */
  readonly busy = new Set<string>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly currentToken = new Map<string, string>();

  constructor(readonly opts: WebkassaStateOptions) {
    this.random = mulberry32(opts.seed);
    this.initCashboxes();
  }

  private initCashboxes(): void {
    this.cashboxes.clear();
    this.opts.cashboxes.forEach((id, i) => {
      const n = i + 1;
      this.cashboxes.set(id, {
        index: n,
        uniqueNumber: id,
        registrationNumber: `03260001${pad(n, 4)}`,
        identityNumber: String(1000 + n),
        address: `Almaty, emulated shop, till ${n}`,
        seq: 0,
        lastShiftNumber: 0,
        shift: null,
        history: [],
        xReports: 0,
        offlineSince: null,
        byExternal: new Map(),
      });
    });
  }

  // ---- auth ----
  authorize(login: string, password: string): string | null {
    const u = this.opts.users.find((x) => x.login === login && x.password === password);
    if (!u) return null;
    const prev = this.currentToken.get(login);
    if (prev) this.tokens.get(prev)!.revoked = true; // valid until the next Authorize
    const token = randomUUID().replace(/-/g, '');
    const ttl = this.faults.cashbox ? undefined : this.faults.tokenTtlSeconds;
    this.tokens.set(token, { login, expiresAt: ttl === undefined ? null : this.opts.now() + ttl * 1000, revoked: false });
    this.currentToken.set(login, token);
    return token;
  }

  /** 'ok', 'expired' (error 2: expired or superseded by a newer Authorize) or 'unknown' (error 3). */
  checkToken(token: unknown): 'ok' | 'expired' | 'unknown' {
    if (typeof token !== 'string') return 'unknown';
    const t = this.tokens.get(token);
    if (!t) return 'unknown';
    if (t.revoked || (t.expiresAt !== null && this.opts.now() >= t.expiresAt)) return 'expired';
    return 'ok';
  }

  expireTokens(): void {
    for (const t of this.tokens.values()) t.revoked = true;
  }

  // ---- shifts ----
  shiftAgeMs(c: Cashbox): number | null {
    return c.shift ? this.opts.now() - c.shift.openedAt : null;
  }

  private openShift(c: Cashbox, at: number): OpenShift {
    c.lastShiftNumber++;
    c.shift = { number: c.lastShiftNumber, openedAt: at, checks: 0, sell: emptySums(), returnSell: emptySums() };
    c.history.push({ number: c.shift.number, openedAt: at, closedAt: null });
    return c.shift;
  }

  setShiftOpenedAt(c: Cashbox, at: number): void {
    const s = c.shift ?? this.openShift(c, at);
    s.openedAt = at;
    const h = c.history.find((x) => x.number === s.number);
    if (h) h.openedAt = at;
  }

  closeShift(c: Cashbox): { shift: OpenShift; closedAt: number } | null {
    const s = c.shift;
    if (!s) return null;
    const closedAt = this.opts.now();
    const h = c.history.find((x) => x.number === s.number);
    if (h) h.closedAt = closedAt;
    c.shift = null;
    return { shift: s, closedAt };
  }

  // ---- checks ----
  findSale(checkNumber: string, registrationNumber: string): StoredCheck | undefined {
    return this.receipts.find((r) => r.view.operationType === 2 && r.view.checkNumber === checkNumber && r.view.registrationNumber === registrationNumber);
  }

  issue(c: Cashbox, check: ValidCheck, body: Record<string, unknown>, externalCheckNumber: string, offline: boolean, baseUrl: string): StoredCheck {
    const now = this.opts.now();
    const shift = c.shift ?? this.openShift(c, now);
    shift.checks++;
    const sums = check.operationType === 2 ? shift.sell : shift.returnSell;
    sums.count++;
    sums.totalMinor += check.totalMinor;
    sums.changeMinor += check.changeMinor;
    for (const [t, v] of check.payments) sums.byPayment.set(t, (sums.byPayment.get(t) ?? 0) + v);
    c.seq++;
    const checkNumber = fiscalSign(c.index, c.seq, offline);
    const total = check.totalMinor / 100;
    const t = kzCompact(now);
    const data: WebkassaCheckData = {
      CheckNumber: checkNumber,
      DateTime: wkDateTime(now, 5),
      DateTimeUTC: wkDateTime(now, 0),
      OfflineMode: offline,
      CashboxOfflineMode: offline,
      Cashbox: {
        UniqueNumber: c.uniqueNumber,
        RegistrationNumber: c.registrationNumber,
        IdentityNumber: c.identityNumber,
        Address: c.address,
        Ofd: { ...OFD },
      },
      CheckOrderNumber: shift.checks,
      ShiftNumber: shift.number,
      EmployeeName: EMPLOYEE,
      TicketUrl: `https://${OFD.Host}/?i=${checkNumber}&f=${c.registrationNumber}&s=${total.toFixed(2)}&t=${t}`,
      TicketPrintUrl: `${baseUrl}/Ticket?chb=${encodeURIComponent(c.uniqueNumber)}&extnum=${encodeURIComponent(externalCheckNumber)}`,
    };
    const { Token: _token, ...rest } = body;
    void _token;
    const stored: StoredCheck = {
      view: {
        cashbox: c.uniqueNumber,
        externalCheckNumber,
        operationType: check.operationType,
        checkNumber,
        registrationNumber: c.registrationNumber,
        total,
        offline,
        shiftNumber: shift.number,
        checkOrderNumber: shift.checks,
        receivedAt: new Date(now).toISOString(),
        positions: structuredClone(Array.isArray(body.Positions) ? body.Positions : []),
        returnBasis: check.basis ? structuredClone(body.ReturnBasisDetails) : null,
        body: structuredClone(rest),
        data,
        marks: check.marks,
      },
      totalMinor: check.totalMinor,
      returnedMarks: new Set(),
      returnedMinor: 0,
    };
    c.byExternal.set(externalCheckNumber, stored);
    this.receipts.push(stored);
    return stored;
  }

  /** Register a return against its sale (after it was issued). */
  recordReturn(sale: StoredCheck, check: ValidCheck): void {
    for (const m of check.marks) sale.returnedMarks.add(m);
    sale.returnedMinor += check.totalMinor;
  }

  receiptViews(): WebkassaReceiptView[] {
    return this.receipts.map((r) => structuredClone(r.view));
  }

  reset(): void {
    this.faults = {};
    this.random = mulberry32(this.opts.seed);
    this.receipts.length = 0;
    this.requests.length = 0;
    this.tokens.clear();
    this.currentToken.clear();
    this.initCashboxes();
    // `busy` is left alone: in-flight requests release their own lock.
  }
}

export type { StoredCheck, ShiftSums };
