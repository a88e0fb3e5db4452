/**
 * Product-group formats of the national marking systems (KZ, RU, UZ; reference/marking-codes.md §3):
 * which AIs a marking code of each group carries and the exact national lengths of each. GS1 alone
 * allows `21` up to 20 characters and `91`–`93` up to 90; these profiles are what catches a lost GS
 * and what names the product group.
 */
import type { Element } from './element-string.js';

/** National lengths per AI, used to re-split text whose GS separators were lost. */
export const NATIONAL_LENGTHS: Readonly<Record<string, readonly number[]>> = {
  '21': [6, 7, 13, 20],
  '91': [4],
  '92': [44, 88],
  '93': [4, 8],
};

/** AIs that may ride along with any marking code (dates, batch, weight) without changing its group. */
const OPTIONAL_AIS = new Set(['10', '11', '13', '15', '16', '17', '240', '7003', '3100', '3101', '3102', '3103', '3104', '3105']);

export interface Classified {
  /** Product group, or null for a bare KI (01 + 21, no verification part). */
  group: string | null;
  gtin: Element;
  serial: Element;
  /** 8005: maximum retail price of a tobacco block, minor units. */
  price: Element | null;
  expiry: Element | null;
}

/**
 * Names the product group of a parsed element list, or returns null when the AIs and their lengths
 * fit no known format. A bare KI (01 + 21 with a national serial length) is classified with group null.
 */
export function classify(elements: readonly Element[]): Classified | null {
  let e01: Element | null = null;
  let e21: Element | null = null;
  let e91: Element | null = null;
  let e92: Element | null = null;
  let e93: Element | null = null;
  let e8005: Element | null = null;
  let expiry: Element | null = null;
  let pharmaHint = false;
  let dairyHint = false;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i];
    const ai = e.spec.ai;
    let dup = false;
    switch (ai) {
      case '01': dup = e01 !== null; e01 = e; break;
      case '21': dup = e21 !== null; e21 = e; break;
      case '91': dup = e91 !== null; e91 = e; break;
      case '92': dup = e92 !== null; e92 = e; break;
      case '93': dup = e93 !== null; e93 = e; break;
      case '8005': dup = e8005 !== null; e8005 = e; break;
      default:
        if (!OPTIONAL_AIS.has(ai)) return null;
        if (ai === '17') { expiry = e; pharmaHint = true; dairyHint = true; }
        else if (ai === '7003') { if (!expiry) expiry = e; dairyHint = true; }
        else if (ai === '10') pharmaHint = true;
        else if (ai.startsWith('310')) dairyHint = true;
    }
    if (dup) return null;
  }
  if (!e01 || !e21) return null;
  const serialLen = e21.end - e21.start;
  const len = (e: Element | null) => (e ? e.end - e.start : 0);
  let group: string | null | undefined;
  if (e8005) {
    if (!e93 || e91 || e92 || serialLen !== 7 || len(e8005) !== 6 || (len(e93) !== 4 && len(e93) !== 8)) return null;
    group = 'tobacco';
  } else if (e91 || e92) {
    if (!e91 || !e92 || e93 || len(e91) !== 4) return null;
    const tail = len(e92);
    if (serialLen === 13 && tail === 88) group = 'shoes';
    else if (serialLen === 13 && tail === 44) group = pharmaHint ? 'pharma' : 'light_industry';
    else if (serialLen === 20 && tail === 44) group = 'appliances';
    else return null;
  } else if (e93) {
    if (len(e93) !== 4) return null;
    if (serialLen === 13) group = dairyHint ? 'dairy' : 'water';
    else if (serialLen === 6) group = 'dairy';
    else if (serialLen === 7) group = 'beer';
    else return null;
  } else {
    if (!NATIONAL_LENGTHS['21'].includes(serialLen)) return null;
    group = null;
  }
  return { group, gtin: e01, serial: e21, price: e8005, expiry };
}
