/**
 * The idempotency key → the ATOL request `uuid`. ATOL keys a request by a client uuid and answers 409 to a
 * second request with the same one (fiscal-channels.md §0 rule 1). A request whose task ended in error keeps
 * its uuid for good, so one receipt may need several: attempt 0 is the key itself when it already is a uuid,
 * otherwise a name-based UUID (RFC 9562 version 5, SHA-1) of the key in the tanba namespace; attempt n ≥ 1
 * is the v5 uuid of the key in a namespace of its own (derived from n), so no key's attempt can collide with
 * another key's. The same key and attempt always give the same uuid, on every process and after a restart.
 */
import { createHash } from 'node:crypto';

/** The tanba namespace for ATOL request uuids (a fixed random v4). */
export const ATOL_UUID_NAMESPACE = '6c1f1d4e-2b7a-4c39-9e52-1a3f8d0b7c64';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

export function isUuid(s: string): boolean {
  return UUID_RE.test(s);
}

/** RFC 9562 version-5 uuid of `name` in `namespace`. */
export function uuidV5(name: string, namespace: string = ATOL_UUID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new Error(`bad uuid namespace ${namespace}`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = hash.subarray(0, 16);
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The request uuid of attempt `attempt` (0 = the first send) of the receipt with idempotency key `key`. */
export function atolRequestUuid(key: string, attempt = 0): string {
  if (!Number.isInteger(attempt) || attempt < 0) throw new Error(`attempt must be a non-negative integer (got ${attempt})`);
  if (attempt === 0) return isUuid(key) ? key.toLowerCase() : uuidV5(key);
  return uuidV5(key, uuidV5(`attempt-${attempt}`));
}
