/**
 * The emulator's own check of tanba's test signature (the emulator shares no code with the
 * clients it tests). The format is a contract written here from its definition, not imported:
 * base64 of JSON `{ v: 1, alg: 'tanba-test-hmac-sha256', subject, mac, data? }`, where `mac` is
 * base64 HMAC-SHA256(secret, signed text) and `data` (attached signatures) is base64 of that text.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The secret the test signer uses unless told otherwise (a published test value, not a secret). */
export const DEFAULT_TEST_SIGNER_SECRET = 'tanba-test-signer';

export type SignatureCheck = { ok: true; subject: string; data: string | null } | { ok: false; reason: string };

/** For a detached signature pass `data`; an attached one carries it (and must equal `data` when given). */
export function checkTestSignature(signature: string, data: string | undefined, secret: string): SignatureCheck {
  let sig: { alg?: unknown; mac?: unknown; data?: unknown; subject?: unknown };
  try {
    sig = JSON.parse(Buffer.from(signature, 'base64').toString('utf8')) as typeof sig;
  } catch {
    return { ok: false, reason: 'signature is not base64 JSON' };
  }
  if (sig === null || typeof sig !== 'object' || sig.alg !== 'tanba-test-hmac-sha256' || typeof sig.mac !== 'string') return { ok: false, reason: 'unknown signature format' };
  const attached = typeof sig.data === 'string' ? Buffer.from(sig.data, 'base64').toString('utf8') : null;
  const signed = attached ?? data;
  if (signed === undefined) return { ok: false, reason: 'no data to verify' };
  if (attached !== null && data !== undefined && attached !== data) return { ok: false, reason: 'signed data differs' };
  const want = createHmac('sha256', secret).update(signed, 'utf8').digest();
  const got = Buffer.from(sig.mac, 'base64');
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'bad signature' };
  return { ok: true, subject: String(sig.subject ?? ''), data: attached };
}
