/** Durable sale/return log contracts (see DESIGN.md, "Sales"). */

export interface SaleItemInput {
  /** The marking code as scanned (any form parseCode accepts). */
  code: string;
  /** Price in minor units (tiyn, kopecks). */
  price: number;
  quantity?: number;
}

export interface SaleInput {
  /** Caller-chosen id: makes the call idempotent. */
  id: string;
  items: SaleItemInput[];
  at?: string;
  registerId?: string;
  sellerTin?: string;
}

export interface ReturnInput extends SaleInput {
  /** The id of the sale this return reverses. */
  saleId: string;
}

export type RecordState = 'queued' | 'sending' | 'sent' | 'confirmed' | 'rejected' | 'unknown';

export interface RecordInfo {
  id: string;
  type: 'sale' | 'return';
  state: RecordState;
  documentId: string | null;
  reasons: { code: string; message: string }[];
  attempts: number;
  createdAt: string;
  updatedAt: string;
  nextAttemptAt: string | null;
  saleId?: string;
  /** On the dead-letter list: the relay gave up and an operator must look (and may retry). */
  deadLetter?: boolean;
}
