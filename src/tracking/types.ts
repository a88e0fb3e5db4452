/**
 * The contract between tanba and a national tracking system (xTrace KZ/UZ, True API RU / ISMET) or a
 * local checking module (RU: ТС ПИоТ, the Local Module ЛМ ЧЗ).
 */
import type { ParseResult } from '../marking/types.js';

export type TrackingFamily = 'xtrace' | 'true-api' | 'tspiot' | 'local-module';

/**
 * What a RU check answer carries for the receipt's industry requisite (tag 1265):
 * `UUID=<reqId>&Time=<reqTimestamp>`, plus `&Inst=<inst>&Ver=<version>` when checked offline.
 */
export interface CheckRequisites {
  reqId: string;
  /** Milliseconds since the epoch (UTC), as the system answered it. */
  reqTimestamp: number;
  /** Local Module instance id (offline answers). */
  inst?: string;
  /** Local Module version (offline answers). */
  version?: string;
}

/** A code's status, normalised across systems. Absent facts are `null`, never guessed. */
export interface CodeStatus {
  /** The code as it was asked (KI or KM). */
  code: string;
  /** KI the system answered for, when known. */
  ki: string | null;
  found: boolean;
  /** Normalised status: RECEIVED, EMITTED, APPLIED, INTRODUCED, RETIRED, WITHDRAWN, WRITTEN_OFF, … (upper case), or null. */
  status: string | null;
  /** The current owner, only where the answer carries it (xTrace: `private/codes` `turnoverData.ownerInfo`). */
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

  // ---- xTrace facts (official KZ description, xTrace ver.1.0); absent = not said ----
  /** `extendedStatus` (CONNECTED, WAIT_SHIPMENT, CUSTOMS_CONTROL, …). */
  extendedStatus?: string | null;
  /** `productGroupId`: the system-wide numeric product group id. */
  productGroupId?: number | null;
  /** Who issued (emitted) the code: `issuerShortInfo.issuerTin`. Not the owner. */
  issuerTin?: string | null;
  /** When it was sold or withdrawn (`markingData.receiptDate` / `turnoverData.withdrawalDate`, private answer). */
  soldAt?: string | null;

  // ---- RU permissive-mode facts (ТС ПИоТ, Local Module, CDN codes/check); absent = not said ----
  /** The code's structure is valid (`valid`). */
  valid?: boolean | null;
  /** The crypto tail checked out (`verified`). */
  verified?: boolean | null;
  /** The code was reported as applied to a pack (`utilised`). */
  utilised?: boolean | null;
  /** The item is in circulation and may be sold (RU `realizable`; xTrace: derived from `status` and `extendedStatus`). */
  realizable?: boolean | null;
  /** The GTIN is in the "grey zone" (`grayZone` / `isGreyGtin`): informational. */
  grayZone?: boolean | null;
  /** Per-code error of the system (`error_code`, 0 = none) and its message. */
  errorCode?: number | null;
  errorMessage?: string | null;
  /** What the receipt needs from this answer (tag 1265). */
  requisites?: CheckRequisites;
  /**
   * The answer came from an offline source (the Local Module, directly or through ТС ПИоТ's
   * `is_checked_offline`): only block list, sold and price data in it may refuse a sale.
   */
  checkedOffline?: boolean;
  /** ТС ПИоТ answered in emergency mode (HTTP 203). */
  emergency?: boolean;
  /**
   * The system answered without checking this code (ТС ПИоТ emergency mode with no result):
   * no fact in this status means anything (`found` is false only as a safe placeholder).
   */
  unchecked?: boolean;
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
  /** What is wrong or about to go wrong, and what to do (support engineers read it). */
  problems?: TrackingProblem[];
  /** ТС ПИоТ is in emergency mode (HTTP 203): checks give no result, sales go unchecked. */
  emergency?: boolean;
  /** What the system says about itself (ТС ПИоТ `info`, the Local Module's `status`). */
  details?: Record<string, unknown>;
}

export interface TrackingProblem {
  /** Stable code, e.g. `tspiot-emergency`, `lm-not-ready`, `lm-sync-stale`, `lm-sync-error`. */
  code: string;
  severity: 'warning' | 'error';
  /** What is wrong and what to do, in English. */
  message: string;
}

/** Error classes the relay and decision logic act upon. */
export type TrackingErrorKind =
  | 'transient' // network, 5xx, 429: retry with back-off
  | 'unknown-result' // a mutating call whose outcome is unknown (timeout after POST): reconcile first
  | 'auth' // credentials refused even after refresh
  | 'permanent'; // 400/403/404/406/409 etc.: will not succeed by retrying

export interface TrackingSystem {
  readonly family: TrackingFamily;
  /**
   * The form of a parsed code this system's status check accepts (xTrace: the KI, no crypto tail).
   * Callers pass `checkForm(parsed)` to `checkCodes`; absent = the KM (or the KI when there is none).
   */
  checkForm?(code: ParseResult): string;
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

/**
 * A check made of an online part (CDN or ТС ПИоТ) and an offline part (the Local Module's
 * `outCheck`). The decider runs both side by side under one budget and gives the rules both
 * answers; `checkCodes` does the same for other callers and merges (online wins).
 */
export interface ParallelTracking extends TrackingSystem {
  readonly parts: { readonly online: TrackingSystem; readonly offline: TrackingSystem };
}
