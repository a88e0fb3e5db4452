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
