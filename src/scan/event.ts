/** Building ScanEvents: latin1 text from bytes (one char per byte), the AIM-prefixed text for the parser. */
import type { ScanEvent, ScanSource } from './types.js';

/** Decode bytes as latin1 (ISO-8859-1): every byte becomes exactly one char, GS (0x1D) and 0xE8 survive. */
export function latin1(bytes: Uint8Array): string {
  let out = '';
  const CHUNK = 0x2000;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + CHUNK)));
  }
  return out;
}

/** Encode a string as latin1 bytes (chars above 0xFF become '?', which never happens for latin1-decoded text). */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out[i] = c > 0xff ? 0x3f : c;
  }
  return out;
}

export interface ScanEventInit {
  raw: Uint8Array;
  /** Defaults to `latin1(raw)`. Text transports (stdin) pass their decoded text. */
  text?: string;
  symbology?: string | null;
  source: ScanSource;
  at?: Date | string;
  vendorCodeId?: string | null;
}

export function makeScanEvent(init: ScanEventInit): ScanEvent {
  const at = init.at === undefined ? new Date().toISOString() : typeof init.at === 'string' ? init.at : init.at.toISOString();
  const ev: ScanEvent = {
    raw: init.raw,
    text: init.text ?? latin1(init.raw),
    symbology: init.symbology ?? null,
    source: init.source,
    at,
  };
  if (init.vendorCodeId) ev.vendorCodeId = init.vendorCodeId;
  return ev;
}

/**
 * The text to hand to `parseCode`: the AIM id (when the driver split it off) followed by the data,
 * so the marking engine sees GS1-ness (`]d2`, `]Q3`, `]C1`) and strips the prefix itself.
 */
export function scanParseInput(scan: Pick<ScanEvent, 'text' | 'symbology'>): string {
  if (scan.symbology && !scan.text.startsWith(scan.symbology)) return scan.symbology + scan.text;
  return scan.text;
}
