/**
 * Signing seam. Production signers wrap NCALayer (KZ НУЦ key) or CryptoPro (RU GOST, CAdES-BES);
 * tanba ships only the interface and a test signer that the emulator can verify.
 *
 * The test signature is base64 of JSON `{ v, alg, subject, mac, data? }` where `mac` is
 * HMAC-SHA256(secret, data). It proves nothing outside tests.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface Signer {
  /** Who signs (BIN/INN or certificate subject); informational. */
  readonly subject: string;
  /** Attached signature (the signed blob carries the data), base64. Used for auth challenges. */
  signAttached(data: string): Promise<string>;
  /** Detached signature over the unencoded data, base64. Used for document bodies. */
  signDetached(data: string): Promise<string>;
}

export const TEST_SIGNER_SECRET = 'tanba-test-signer';

interface TestSignature {
  v: 1;
  alg: 'tanba-test-hmac-sha256';
  subject: string;
  mac: string;
  data?: string;
}

function mac(secret: string, data: string): string {
  return createHmac('sha256', secret).update(data, 'utf8').digest('base64');
}

/** A signer for tests, demos and the emulator. Never use it against a real system. */
export function createTestSigner(opts: { subject?: string; secret?: string } = {}): Signer {
  const subject = opts.subject ?? '000000000000';
  const secret = opts.secret ?? TEST_SIGNER_SECRET;
  const make = (data: string, attached: boolean): string => {
    const sig: TestSignature = { v: 1, alg: 'tanba-test-hmac-sha256', subject, mac: mac(secret, data) };
    if (attached) sig.data = Buffer.from(data, 'utf8').toString('base64');
    return Buffer.from(JSON.stringify(sig), 'utf8').toString('base64');
  };
  return {
    subject,
    signAttached: async (data) => make(data, true),
    signDetached: async (data) => make(data, false),
  };
}

export type VerifyResult = { ok: true; subject: string; data: string | null } | { ok: false; reason: string };

/**
 * Verify a test signature. For a detached signature pass `data`; for an attached one the data comes
 * out of the signature (and must equal `data` when given).
 */
export function verifyTestSignature(signature: string, data?: string, secret = TEST_SIGNER_SECRET): VerifyResult {
  let sig: Partial<TestSignature>;
  try {
    sig = JSON.parse(Buffer.from(signature, 'base64').toString('utf8')) as Partial<TestSignature>;
  } catch {
    return { ok: false, reason: 'signature is not base64 JSON' };
  }
  if (sig === null || typeof sig !== 'object' || sig.alg !== 'tanba-test-hmac-sha256' || typeof sig.mac !== 'string') {
    return { ok: false, reason: 'unknown signature format' };
  }
  const attached = typeof sig.data === 'string' ? Buffer.from(sig.data, 'base64').toString('utf8') : null;
  const signed = attached ?? data;
  if (signed === undefined) return { ok: false, reason: 'no data to verify' };
  if (attached !== null && data !== undefined && attached !== data) return { ok: false, reason: 'signed data differs' };
  const want = Buffer.from(mac(secret, signed), 'base64');
  const got = Buffer.from(sig.mac, 'base64');
  if (want.length !== got.length || !timingSafeEqual(want, got)) return { ok: false, reason: 'bad signature' };
  return { ok: true, subject: String(sig.subject ?? ''), data: attached };
}
