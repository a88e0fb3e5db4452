/** Heuristic for line noise (wrong baud rate, wrong mode): control bytes no barcode carries. */

/** Control bytes that real scans do carry: GS/RS/FS/US (GS1, ISO 15434), EOT, HT. */
const ALLOWED_CONTROL = new Set([0x04, 0x09, 0x1c, 0x1d, 0x1e, 0x1f]);

export function looksGarbled(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  let bad = 0;
  for (const b of bytes) if ((b < 0x20 && !ALLOWED_CONTROL.has(b)) || b === 0x7f) bad++;
  return bad > 0 && bad * 8 >= bytes.length;
}
