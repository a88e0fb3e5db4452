/**
 * uz-fiscal-module/state.ts — the in-memory fiscal modules the UZ emulators drive (the module's
 * own JSON-RPC, and Multikassa, which fronts one module): a FactoryID → TerminalID registry, per
 * module a monotonic ReceiptSeq, fiscal signs, Z reports (shifts) with their counters, the
 * receipts kept in the module's memory until the OFD acknowledges them (GetReceiptCount /
 * GetReceiptInfo count only those, E-POS integration guide §2.10/§2.19), the unsent backlog, the
 * refund basis check (RefundInfo must name a sale of the same module), and the request log.
 */
import { fiscalSign, pad } from '../fiscal-faults.js';
import { FM, fmError, qrCodeUrl, uzCompact, uzTime, type FmError, type UzFaults } from './schemas.js';

export interface ModuleSpec {
  factoryId: string;
  terminalId: string;
}

export const DEFAULT_MODULES: ModuleSpec[] = [
  { factoryId: 'LG420230630021', terminalId: 'UZ191211501031' },
  { factoryId: 'LG420230630022', terminalId: 'UZ191211501032' },
];

/** n modules following the default pattern. */
export function moduleSpecs(modules: number | ModuleSpec[] | undefined): ModuleSpec[] {
  if (Array.isArray(modules)) return modules.map((m) => ({ ...m }));
  const n = modules ?? 2;
  return Array.from({ length: n }, (_, i) => ({
    factoryId: `LG4202306300${pad(21 + i, 2)}`,
    terminalId: `UZ${pad(191211501031 + i, 12)}`,
  }));
}

/** One receipt item, normalised (money in tiyin, amount in thousandths). */
export interface FmItem {
  name: string;
  amount: number;
  price: number;
  discount: number;
  other: number;
  vat: number;
  vatPercent: number;
  spic: string | null;
  packageCode: string | null;
  label: string | null;
  barcode: string | null;
}

export interface FmRefundInfo {
  terminalId: string;
  receiptSeq: string;
  dateTime: string;
  fiscalSign: string;
}

/** A receipt that passed the shape checks, ready to be admitted by the module. */
export interface FmReceipt {
  kind: 'sale' | 'refund';
  /** Receipt.Time as epoch ms and as written. */
  time: number;
  timeText: string;
  items: FmItem[];
  receivedCash: number;
  receivedCard: number;
  /** Σ(Price − Discount), tiyin. */
  total: number;
  vatTotal: number;
  labels: string[];
  refundInfo: FmRefundInfo | null;
}

/** The module's answer to a receipt (reference §3.1 "Answer"). */
export interface FmSaleAnswer {
  TerminalID: string;
  ReceiptSeq: string;
  DateTime: string;
  FiscalSign: string;
  QRCodeURL: string;
  AppletVersion: string;
}

export interface UzReceiptView {
  factoryId: string;
  terminalId: string;
  kind: 'sale' | 'refund';
  /** The call that issued it (`Api.SendSaleReceipt`, `POST /api/v1/operations`…). */
  via: string;
  receiptSeq: string;
  fiscalSign: string;
  dateTime: string;
  qrCodeUrl: string;
  /** Receipt.Time as sent. */
  time: string;
  receivedCash: number;
  receivedCard: number;
  total: number;
  vat: number;
  labels: string[];
  refundInfo: FmRefundInfo | null;
  zReport: number;
  /** Delivered to the OFD (acknowledged). */
  sent: boolean;
  receivedAt: string;
  /** The receipt as received (params.Receipt, or the Multikassa operation body). */
  body: unknown;
}

export interface UzRequestView {
  /** JSON-RPC method, or `METHOD /path` for Multikassa. */
  method: string;
  factoryId: string | null;
  at: string;
  /** Error code answered, or null. */
  errorCode: number | null;
  /** The connection was destroyed instead of answering. */
  reset: boolean;
  /** Another request for the same module was in flight when this one arrived. */
  overlapped: boolean;
}

export interface ZReport {
  number: number;
  openTime: number;
  closeTime: number | null;
  firstSeq: number;
  lastSeq: number;
  saleCount: number;
  saleCash: number;
  saleCard: number;
  saleVat: number;
  refundCount: number;
  refundCash: number;
  refundCard: number;
  refundVat: number;
}

export interface StoredReceipt {
  view: UzReceiptView;
  time: number;
  /** Sales only: labels and amount returned so far. */
  returnedLabels: Set<string>;
  returnedTotal: number;
}

export interface FiscalModule {
  index: number;
  factoryId: string;
  terminalId: string;
  seq: number;
  zReports: ZReport[];
  receipts: StoredReceipt[];
  lastAnswer: FmSaleAnswer | null;
  lastTime: number | null;
  /** Requests in flight (overlap detection). */
  busy: number;
}

export const APPLET_VERSION = '0302';

export interface FmStateOptions {
  now: () => number;
  modules: ModuleSpec[];
  /** ReceiptSeq of the first receipt of each module. Default 1. */
  firstReceiptSeq: number;
  /** Open a shift on every module at start. Default false (the first sale finds it closed). */
  shiftOpen: boolean;
}

export class FmState {
  readonly modules = new Map<string, FiscalModule>();
  readonly receipts: StoredReceipt[] = [];
  readonly requests: UzRequestView[] = [];
  faults: UzFaults = {};
  decryptionLeft = 0;

  constructor(readonly opts: FmStateOptions) {
    this.init();
  }

  private init(): void {
    this.modules.clear();
    this.opts.modules.forEach((s, i) => {
      const m: FiscalModule = { index: i + 1, factoryId: s.factoryId, terminalId: s.terminalId, seq: this.opts.firstReceiptSeq - 1, zReports: [], receipts: [], lastAnswer: null, lastTime: null, busy: 0 };
      this.modules.set(s.factoryId, m);
      if (this.opts.shiftOpen) this.openZ(m, this.opts.now());
    });
  }

  setFaults(f: UzFaults): UzFaults {
    this.faults = f;
    this.decryptionLeft = f.decryptionErrors ?? 0;
    this.drain();
    return f;
  }

  /** The module a call names; with no FactoryID the only module, as the Communicator does with one card. */
  moduleFor(factoryId: unknown): FiscalModule | FmError {
    if (factoryId === undefined || factoryId === null || factoryId === '') {
      if (this.modules.size === 1) return [...this.modules.values()][0];
      return fmError(FM.CANNOT_CONNECT, 'cannot connect card: FactoryID is required when several fiscal modules are attached');
    }
    const m = typeof factoryId === 'string' ? this.modules.get(factoryId) : undefined;
    return m ?? fmError(FM.CANNOT_CONNECT, `cannot connect card: no fiscal module with FactoryID ${JSON.stringify(factoryId)}`);
  }

  // ---- shifts (Z reports) ----
  currentZ(m: FiscalModule): ZReport | null {
    return m.zReports.at(-1) ?? null;
  }

  openZ(m: FiscalModule, at: number): ZReport | FmError {
    const z = this.currentZ(m);
    if (z && z.closeTime === null) return fmError(FM.ZREPORT_IS_ALREADY_OPEN);
    const next: ZReport = { number: m.zReports.length + 1, openTime: at, closeTime: null, firstSeq: 0, lastSeq: 0, saleCount: 0, saleCash: 0, saleCard: 0, saleVat: 0, refundCount: 0, refundCash: 0, refundCard: 0, refundVat: 0 };
    m.zReports.push(next);
    return next;
  }

  closeZ(m: FiscalModule, at: number): ZReport | FmError {
    const z = this.currentZ(m);
    if (!z || z.closeTime !== null) return fmError(FM.ZREPORT_IS_NOT_OPEN);
    if (z.saleCount + z.refundCount === 0) return fmError(FM.CURRENT_ZREPORT_IS_EMPTY);
    z.closeTime = at;
    return z;
  }

  /** Api.GetZReportInfo: index 0 = the latest Z report (the open one, or the last closed), 1 = the one before… */
  zInfo(m: FiscalModule, index: number): Record<string, unknown> | FmError {
    const z = m.zReports[m.zReports.length - 1 - index];
    if (!Number.isInteger(index) || index < 0 || !z) return fmError(FM.ZREPORT_INDEX_OUT_OF_BOUNDS);
    return {
      Number: z.number,
      Count: m.zReports.length,
      TerminalID: m.terminalId,
      AppletVersion: APPLET_VERSION,
      OpenTime: uzTime(z.openTime),
      CloseTime: z.closeTime === null ? '' : uzTime(z.closeTime),
      FirstReceiptSeq: String(z.firstSeq),
      LastReceiptSeq: String(z.lastSeq),
      TotalSaleCount: z.saleCount,
      TotalSaleCash: z.saleCash,
      TotalSaleCard: z.saleCard,
      TotalSaleVAT: z.saleVat,
      TotalRefundCount: z.refundCount,
      TotalRefundCash: z.refundCash,
      TotalRefundCard: z.refundCard,
      TotalRefundVAT: z.refundVat,
    };
  }

  // ---- receipts ----
  /** Receipts still in the module's memory (not acknowledged by the OFD), oldest first. */
  unsent(m: FiscalModule): StoredReceipt[] {
    return m.receipts.filter((r) => !r.view.sent);
  }

  /** Api.GetReceiptInfo {Number}: the n-th receipt in the module's memory (1 = oldest unsent). */
  receiptInfo(m: FiscalModule, n: number): Record<string, unknown> | FmError {
    const list = this.unsent(m);
    if (list.length === 0) return fmError(FM.RECEIPT_COUNT_ZERO);
    const r = list[n - 1];
    if (!Number.isInteger(n) || n < 1 || !r) return fmError(FM.RECEIPT_INDEX_OUT_OF_BOUNDS);
    return {
      Number: n,
      Count: list.length,
      TerminalID: m.terminalId,
      AppletVersion: APPLET_VERSION,
      TransactionTime: uzTime(r.time),
      Sale: r.view.kind === 'sale',
      ReceiptSeq: r.view.receiptSeq,
      TotalCash: r.view.receivedCash,
      TotalCard: r.view.receivedCard,
      TotalVAT: r.view.vat,
    };
  }

  /** The module's own checks before signing: open shift, time order, the refund basis. */
  admit(m: FiscalModule, r: FmReceipt): FmError | { sale: StoredReceipt | null } {
    const z = this.currentZ(m);
    if (!z || z.closeTime !== null) return fmError(FM.ZREPORT_IS_NOT_OPEN);
    if (m.lastTime !== null && r.time < m.lastTime) return fmError(FM.RECEIPT_TIME_PAST, `ERROR_RECEIPT_TIME_PAST: Receipt.Time ${r.timeText} is older than the last receipt of this module`);
    if (r.kind === 'sale') return { sale: null };
    const info = r.refundInfo;
    if (!info) return fmError(FM.BAD_JSON, 'a refund needs RefundInfo {TerminalID, ReceiptSeq, DateTime, FiscalSign} of its sale');
    if (info.terminalId !== m.terminalId) {
      return fmError(FM.APPLET, `RefundInfo.TerminalID ${info.terminalId} is another module: a refund is made on the module of its sale (this one is ${m.terminalId})`);
    }
    const sale = m.receipts.find((s) => s.view.kind === 'sale' && s.view.receiptSeq === info.receiptSeq);
    if (!sale) return fmError(FM.APPLET, `RefundInfo.ReceiptSeq ${info.receiptSeq}: no sale with this number on module ${m.terminalId}`);
    if (sale.view.fiscalSign !== info.fiscalSign) return fmError(FM.APPLET, `RefundInfo.FiscalSign ${info.fiscalSign} is not the fiscal sign of sale ${info.receiptSeq}`);
    if (sale.view.dateTime !== info.dateTime) return fmError(FM.APPLET, `RefundInfo.DateTime ${info.dateTime} is not the DateTime of sale ${info.receiptSeq} (${sale.view.dateTime}, yyyyMMddHHmmss)`);
    for (const l of r.labels) {
      if (!sale.view.labels.includes(l)) return fmError(FM.APPLET, `refund: Label ${l} was not sold in receipt ${info.receiptSeq}`);
      if (sale.returnedLabels.has(l)) return fmError(FM.APPLET, `refund: Label ${l} has already been refunded`);
    }
    if (sale.returnedTotal + r.total > sale.view.total) return fmError(FM.APPLET, `refund: the refunds would exceed the sale total ${sale.view.total}`);
    return { sale };
  }

  /** Sign and store an admitted receipt. */
  issue(m: FiscalModule, r: FmReceipt, via: string, body: unknown, sale: StoredReceipt | null): { stored: StoredReceipt; answer: FmSaleAnswer } {
    const now = this.opts.now();
    const z = this.currentZ(m)!;
    m.seq++;
    if (z.firstSeq === 0) z.firstSeq = m.seq;
    z.lastSeq = m.seq;
    if (r.kind === 'sale') {
      z.saleCount++;
      z.saleCash += r.receivedCash;
      z.saleCard += r.receivedCard;
      z.saleVat += r.vatTotal;
    } else {
      z.refundCount++;
      z.refundCash += r.receivedCash;
      z.refundCard += r.receivedCard;
      z.refundVat += r.vatTotal;
    }
    const receiptSeq = String(m.seq);
    const dateTime = uzCompact(now);
    const sign = fiscalSign(m.index, m.seq, false);
    const answer: FmSaleAnswer = {
      TerminalID: m.terminalId,
      ReceiptSeq: receiptSeq,
      DateTime: dateTime,
      FiscalSign: sign,
      QRCodeURL: qrCodeUrl(m.terminalId, receiptSeq, dateTime, sign),
      AppletVersion: APPLET_VERSION,
    };
    const stored: StoredReceipt = {
      view: {
        factoryId: m.factoryId,
        terminalId: m.terminalId,
        kind: r.kind,
        via,
        receiptSeq,
        fiscalSign: sign,
        dateTime,
        qrCodeUrl: answer.QRCodeURL,
        time: r.timeText,
        receivedCash: r.receivedCash,
        receivedCard: r.receivedCard,
        total: r.total,
        vat: r.vatTotal,
        labels: [...r.labels],
        refundInfo: r.refundInfo ? { ...r.refundInfo } : null,
        zReport: z.number,
        sent: !this.faults.ofdOffline,
        receivedAt: new Date(now).toISOString(),
        body: structuredClone(body),
      },
      time: r.time,
      returnedLabels: new Set(),
      returnedTotal: 0,
    };
    if (sale) {
      for (const l of r.labels) sale.returnedLabels.add(l);
      sale.returnedTotal += r.total;
    }
    m.receipts.push(stored);
    this.receipts.push(stored);
    m.lastAnswer = answer;
    m.lastTime = r.time;
    return { stored, answer };
  }

  /** The OFD link is up: every signed receipt is delivered and acknowledged. */
  drain(): void {
    if (this.faults.ofdOffline) return;
    for (const r of this.receipts) r.view.sent = true;
  }

  receiptViews(): UzReceiptView[] {
    return this.receipts.map((r) => structuredClone(r.view));
  }

  moduleViews(): { factoryId: string; terminalId: string; lastReceiptSeq: number; unsent: number; shift: { number: number; open: boolean } | null }[] {
    return [...this.modules.values()].map((m) => {
      const z = this.currentZ(m);
      return { factoryId: m.factoryId, terminalId: m.terminalId, lastReceiptSeq: m.seq, unsent: this.unsent(m).length, shift: z ? { number: z.number, open: z.closeTime === null } : null };
    });
  }

  reset(): void {
    this.faults = {};
    this.decryptionLeft = 0;
    this.receipts.length = 0;
    this.requests.length = 0;
    this.init();
  }
}
