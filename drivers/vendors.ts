/**
 * Scanner USB vendors and the mode hints their product ids carry (reference: scanners.md §1, §5),
 * and the vendor code-id letters of HID POS reports.
 */

export interface VendorInfo {
  name: string;
  /** White-label bridges: never call a device a scanner by this vendor id alone. */
  bridge?: boolean;
}

export const SCANNER_VENDORS: Readonly<Record<number, VendorInfo>> = {
  0x0c2e: { name: 'Honeywell (Metrologic)' },
  0x0536: { name: 'Honeywell (Hand Held Products)' },
  0x067e: { name: 'Honeywell (Intermec)' },
  0x05e0: { name: 'Zebra (Symbol)' },
  0x05f9: { name: 'Datalogic (PSC)' },
  0x080c: { name: 'Datalogic' },
  0x1eab: { name: 'Newland' },
  0x065a: { name: 'Opticon' },
  0x27dd: { name: 'Mindeo' },
  0x23d0: { name: 'Youjie (Honeywell)' },
  0x1a86: { name: 'QinHeng CH34x bridge', bridge: true },
  0x0483: { name: 'STMicroelectronics', bridge: true },
  0x28e9: { name: 'GigaDevice GD32', bridge: true },
};

export type ScannerMode = 'keyboard' | 'serial' | 'hid-pos' | 'other' | 'unknown';

/** Mode implied by a known vid:pid (the USB product id changes with the mode on most scanners). */
export function modeFromIds(vendorId: number, productId: number): ScannerMode {
  const key = `${vendorId.toString(16).padStart(4, '0')}:${productId.toString(16).padStart(4, '0')}`;
  const known: Record<string, ScannerMode> = {
    '0c2e:0204': 'keyboard',
    '0c2e:0700': 'serial',
    '0c2e:0720': 'serial',
    '0c2e:0007': 'other', // SurePOS
    '05e0:1200': 'keyboard',
    '05e0:1701': 'serial',
    '05e0:1900': 'other', // SNAPI
    '067e:0801': 'keyboard',
    '067e:0803': 'serial',
    '27dd:0002': 'serial',
    '05f9:2206': 'keyboard',
    '05f9:4204': 'serial',
  };
  if (known[key]) return known[key];
  if (vendorId === 0x1eab) {
    const low = productId & 0xff;
    if (low === 0x03) return 'keyboard';
    if (low === 0x06) return 'serial';
    if (low === 0x10) return 'hid-pos';
  }
  return 'unknown';
}

/** Honeywell code-id letters (HID POS byte 61) → symbology name. */
export const HONEYWELL_CODE_IDS: Readonly<Record<string, string>> = {
  w: 'DataMatrix',
  s: 'QR Code',
  j: 'Code 128',
  '|': 'GS1-128',
  d: 'EAN-13',
  D: 'EAN-8',
  z: 'Aztec',
  r: 'PDF417',
  y: 'GS1 DataBar',
  '{': 'GS1 DataBar Limited',
  '}': 'GS1 DataBar Expanded',
};

export function vendorName(vendorId: number | undefined): string | null {
  if (vendorId === undefined) return null;
  return SCANNER_VENDORS[vendorId]?.name ?? null;
}
