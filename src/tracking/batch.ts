/** Batch limits: splitting code lists for info calls, and documents that exceed the per-document cap. */
import { TrackingError } from './errors.js';
import type { Signer } from './signer.js';
import type { OutgoingDocument } from './types.js';

export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!(size >= 1)) throw new RangeError('chunk size must be >= 1');
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Split a document whose items exceed `maxCodes` into parts. The first part keeps the reference;
 * later parts get `<reference>/2`, `<reference>/3`, … so each can be reconciled on its own.
 * Adapters refuse oversize documents; the caller (relay) decides to split with this helper.
 */
export function splitDocument(doc: OutgoingDocument, maxCodes: number): OutgoingDocument[] {
  const parts = chunk(doc.items, maxCodes);
  if (parts.length <= 1) return [doc];
  return parts.map((items, i) => ({ ...doc, items, reference: i === 0 ? doc.reference : `${doc.reference}/${i + 1}` }));
}

/**
 * Refuses, before any request, a document the system would refuse anyway: empty, too large, or with
 * no signer configured. Returns the signer to sign it with.
 */
export function sendableSigner(doc: OutgoingDocument, maxCodes: number, family: string, signer: Signer | null): Signer {
  if (doc.items.length === 0) throw new TrackingError('permanent', 'empty-document', 'a document needs at least one code');
  if (doc.items.length > maxCodes) {
    throw new TrackingError('permanent', 'document-too-large', `a document may carry at most ${maxCodes} codes (got ${doc.items.length}); split it`);
  }
  if (!signer) throw new TrackingError('permanent', 'no-signer', `${family} documents need a signer (configure one)`);
  return signer;
}
