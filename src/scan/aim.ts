/** AIM symbology identifiers (ISO/IEC 15424): recognising and splitting off the `]xy` prefix. */

const RIGHT_BRACKET = 0x5d;

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}
function isModifier(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || isLetter(c);
}

/** True when the three bytes at `offset` look like an AIM id: `]`, a code letter, a modifier (0-9, A-Z, a-z). */
export function isAimAt(bytes: Uint8Array, offset = 0): boolean {
  return (
    bytes.length >= offset + 3 &&
    bytes[offset] === RIGHT_BRACKET &&
    isLetter(bytes[offset + 1]) &&
    isModifier(bytes[offset + 2])
  );
}

export function isAimId(id: string): boolean {
  return /^\][A-Za-z][0-9A-Za-z]$/.test(id);
}

export interface AimSplit {
  aim: string | null;
  data: Uint8Array;
}

/** Split a leading AIM id off a frame. The data is a view on the same bytes (no copy). */
export function splitAim(bytes: Uint8Array): AimSplit {
  if (!isAimAt(bytes, 0)) return { aim: null, data: bytes };
  return { aim: String.fromCharCode(bytes[0], bytes[1], bytes[2]), data: bytes.subarray(3) };
}

/** What an AIM id says about the symbol, for logs and `tanba devices`; `gs1` when FNC1 is in first position. */
export function describeAim(aim: string | null): { symbology: string; gs1: boolean } | null {
  if (!aim || !isAimId(aim)) return null;
  const code = aim[1];
  const mod = aim[2];
  switch (code) {
    case 'd':
      return { symbology: mod === '7' || mod === '8' || mod === '9' ? 'DataMatrix DMRE' : 'DataMatrix', gs1: mod === '2' || mod === '5' || mod === '8' };
    case 'Q':
      return { symbology: 'QR Code', gs1: mod === '3' || mod === '4' };
    case 'C':
      return { symbology: 'Code 128', gs1: mod === '1' };
    case 'E':
      return { symbology: mod === '4' ? 'EAN-8' : 'EAN-13/UPC', gs1: false };
    case 'e':
      return { symbology: 'GS1 DataBar', gs1: true };
    case 'z':
      return { symbology: 'Aztec', gs1: mod === '1' || mod === '4' || mod === '7' || mod === 'A' };
    case 'I':
      return { symbology: 'ITF', gs1: false };
    case 'L':
      return { symbology: 'PDF417', gs1: false };
    case 'X':
      return { symbology: 'vendor-specific', gs1: false };
    default:
      return { symbology: 'other', gs1: false };
  }
}
