/** The contract between tanba and a national tracking system (xTrace KZ/UZ, True API RU / ISMET). */

export type TrackingFamily = 'xtrace' | 'true-api';

/** A code's status, normalised across systems. Absent facts are `null`, never guessed. */
export interface CodeStatus {
  /** The code as it was asked (KI or KM). */
  code: string;
  /** KI the system answered for, when known. */
  ki: string | null;
  found: boolean;
  /** Normalised status: EMITTED, APPLIED, INTRODUCED, RETIRED, WITHDRAWN, WRITTEN_OFF, … (upper case), or null. */
  status: string | null;
  ownerTin: string | null;
  blocked: boolean | null;
  sold: boolean | null;
  /** ISO date or date-time. */
  expiresAt: string | null;
  /** Maximum retail price in minor units. */
  mrp: number | null;
  /** Minimum price in minor units. */
  minPrice: number | null;
  productGroup: string | null;
  /** The system's answer for this code, as received. */
  raw: unknown;
}

export interface DocumentItem {
  /** KI (xTrace) or KM (True API) as the system wants it; adapters convert. */
  code: string;
  ki: string;
  km: string;
  /** Price in minor units. */
  price: number;
  quantity: number;
}

export interface OutgoingDocument {
  type: 'sale' | 'return';
  /** Our own reference (receipt / sale id), written into every document for reconciliation. */
  reference: string;
  /** For a return: the reference of the sale it reverses. */
  saleReference?: string;
  /** Seller BIN/INN. */
  sellerTin?: string;
  registerId?: string;
  /** ISO time of the operation. */
  at: string;
  items: DocumentItem[];
}

export type DocumentState = 'created' | 'in-process' | 'success' | 'error' | 'partial';

export interface DocumentInfo {
  documentId: string;
  reference: string | null;
  state: DocumentState;
  /** Per-code or document-wide errors. */
  errors: { code: string | null; message: string }[];
  raw: unknown;
}

export interface TrackingHealth {
  ok: boolean;
  latencyMs: number | null;
  tokenExpiresAt: string | null;
  message?: string;
}

/** Error classes the relay and decision logic act upon. */
export type TrackingErrorKind =
  | 'transient' // network, 5xx, 429: retry with back-off
  | 'unknown-result' // a mutating call whose outcome is unknown (timeout after POST): reconcile first
  | 'auth' // credentials refused even after refresh
  | 'permanent'; // 400/403/404/406/409 etc.: will not succeed by retrying

export interface TrackingSystem {
  readonly family: TrackingFamily;
  checkCodes(codes: string[], opts?: { signal?: AbortSignal }): Promise<CodeStatus[]>;
  submitSale(doc: OutgoingDocument): Promise<{ documentId: string }>;
  submitReturn(doc: OutgoingDocument): Promise<{ documentId: string }>;
  getDocument(documentId: string): Promise<DocumentInfo>;
  /** Documents whose reference equals `reference`, received within [from, to] (ISO times). */
  findDocuments(reference: string, from: string, to: string): Promise<DocumentInfo[]>;
  health(): Promise<TrackingHealth>;
  /** Batch limits the relay must respect. */
  readonly limits: { maxCodesPerCheck: number; maxCodesPerDocument: number; requestsPerMinute: number | null };
  close?(): Promise<void>;
}
