/** Plain product barcodes (EAN-13, EAN-8, UPC-A, GTIN-14/ITF-14): digits only, mod-10, zero-padded to 14. */
import { hasValidCheckDigit } from './check-digit.js';

export const RETAIL_LENGTHS = new Set([8, 12, 13, 14]);

export type RetailCheck = { ok: true; gtin: string } | { ok: false; message: string };

/** `s` must be all digits with a length in RETAIL_LENGTHS. */
export function checkRetailBarcode(s: string): RetailCheck {
  if (!hasValidCheckDigit(s)) {
    const name = s.length === 13 ? 'EAN-13' : s.length === 8 ? 'EAN-8' : s.length === 12 ? 'UPC-A' : 'GTIN-14';
    return { ok: false, message: `${name} ${s}: the check digit is wrong.` };
  }
  return { ok: true, gtin: s.padStart(14, '0') };
}

/**
 * UPC-E (8 digits, reported with AIM `]E0`): number system, six data digits, check digit. Expanded to
 * UPC-A by the rule of the last data digit, then checked and padded to GTIN-14.
 */
export function checkUpcE(s: string): RetailCheck {
  const ns = s[0];
  const d = s.slice(1, 7);
  const last = d[5];
  let body: string;
  if (last === '0' || last === '1' || last === '2') body = `${ns}${d[0]}${d[1]}${last}0000${d[2]}${d[3]}${d[4]}`;
  else if (last === '3') body = `${ns}${d[0]}${d[1]}${d[2]}00000${d[3]}${d[4]}`;
  else if (last === '4') body = `${ns}${d[0]}${d[1]}${d[2]}${d[3]}00000${d[4]}`;
  else body = `${ns}${d[0]}${d[1]}${d[2]}${d[3]}${d[4]}0000${last}`;
  const upcA = body + s[7];
  if (!hasValidCheckDigit(upcA)) return { ok: false, message: `UPC-E ${s}: the check digit is wrong.` };
  return { ok: true, gtin: upcA.padStart(14, '0') };
}
