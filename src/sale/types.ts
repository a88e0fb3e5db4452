/**
 * The receipt fact after intake: what is stored, what the relay hands to a fiscal channel, and
 * what a channel answers. Input shapes (SaleInput, ReturnInput) come from the zod schema in
 * schema.ts; these are the normalised forms, with every marking code parsed exactly once.
 */

/** One marking code of a line, in the forms channels derive theirs from (fiscal-channels.md §0.4). */
export interface MarkCode {
  /** KM: the full code with GS (0x1D) separators, no AIM prefix, no leading FNC1, no CR/LF. */
  km: string;
  /** KI: GTIN + serial (AI 01 + AI 21), the identity used for "sold here" and returns. */
  ki: string;
  /** GTIN (14 digits) the code names. */
  gtin: string;
  /**
   * What the pre-sale check answered for this code, attached at intake from the terminal's own
   * check (RU: the receipt requisites 1260–1265 and the check flags the ATOL position carries).
   */
  check?: CodeCheck;
}

/** The pre-sale check of one code, as a receipt line needs it. */
export interface CodeCheck {
  verdict: 'allow' | 'deny' | 'unknown';
  /** The check got an answer (online or from an offline module); false = not checked in time. */
  checked: boolean;
  /** The answer came from the online system (false: offline / local module / cache). */
  online: boolean;
  checkedAt: string;
  /** RU industry requisite (tag 1260): FOIV, document date and number, and `UUID=…&Time=…[&Inst=…&Ver=…]`. */
  requisites?: { fois: string; date: string; number: string; value: string };
}

export type PositionType = 'goods' | 'work' | 'service';
export type PaymentType = 'cash' | 'card' | 'mobile';

export interface ReceiptLine {
  name: string;
  /** Unit price in minor units (tiyn, kopecks, tiyin). */
  price: number;
  /** Units sold: a whole number for pieces; up to 3 decimals for weight/volume units. */
  quantity: number;
  /** Line total in minor units: round(price × quantity). */
  total: number;
  /** One code per unit of a marked piece line; empty for an unmarked line. */
  codes: MarkCode[];
  /** Measure unit code (KZ/RU classifier), default "796" (piece). */
  unit: string;
  /** VAT rate in percent (12, 20, …); null = no VAT. */
  vatRate: number | null;
  section?: string;
  gtin?: string;
  ntin?: string;
  productId?: string;
  positionType: PositionType;
  /** UZ: ИКПУ (SPIC) and its package code. */
  ikpu?: string;
  packageCode?: string;
}

export interface Payment {
  type: PaymentType;
  /** Minor units. */
  amount: number;
}

/** Personal data (e-receipt contacts): kept only until the receipt is delivered, never logged. */
export interface Customer {
  tin?: string;
  email?: string;
  phone?: string;
}

/** What a fiscal channel receives: one receipt, normalised. */
export interface FiscalReceipt {
  type: 'sale' | 'return';
  id: string;
  /** For a return: the id of the sale it reverses. */
  saleId?: string;
  registerId: string;
  /** ISO time of the operation. */
  at: string;
  lines: ReceiptLine[];
  payments: Payment[];
  /** Σ line totals, minor units. */
  total: number;
  customer?: Customer;
  /**
   * True when the caller used the legacy `items: [{code, price}]` shape: lines have no names or
   * tax data, so only channels that need no receipt data (`external`, none) accept it.
   */
  legacy?: boolean;
}

/** What a cash register answered for one receipt; stored with the sale, named by its return. */
export interface FiscalResult {
  /** Channel that issued it (`webkassa`, `rekassa`, `external`, …). */
  channel: string;
  /** Fiscal sign: Webkassa CheckNumber, re:Kassa ticketNumber, UZ FiscalSign, RU ФПД. */
  fiscalSign: string;
  /** Registration number of the cash register (KZ РНМ, UZ TerminalID, RU FN/RNM). */
  registrationNumber: string;
  /** When the cash register issued it (ISO when known, else as the channel wrote it). */
  dateTime: string;
  /** Receipt total in minor units. */
  total: number;
  /** Issued autonomously (no link to the OFD at that moment). */
  isOffline: boolean;
  shift?: number;
  /** Receipt number (in the shift, or the register's sequence). */
  number?: number;
  url?: string;
  qr?: string;
  /** Channel-specific extras a return needs (e.g. UZ ReceiptSeq). */
  extra?: Record<string, string | number | boolean>;
}
