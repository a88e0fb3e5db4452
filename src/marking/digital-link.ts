/**
 * GS1 Digital Link URIs (`https://id.gs1.org/01/04600439931256/21/ABC?93=xyz`): the path from the first
 * primary-key AI on, then numeric query keys, re-serialised as a GS-separated element string.
 */
import { aiSpec } from './ai-spec.js';
import { GS } from './element-string.js';

export function looksLikeDigitalLink(s: string): boolean {
  const c = s.charCodeAt(0);
  return (c === 104 || c === 72) && /^https?:\/\//i.test(s);
}

function decode(v: string): string | null {
  try {
    return decodeURIComponent(v);
  } catch {
    return null;
  }
}

/** The element string a Digital Link carries, or null when it carries no GS1 primary key. */
export function digitalLinkToElementString(uri: string): string | null {
  const afterScheme = uri.replace(/^https?:\/\//i, '');
  const hashAt = afterScheme.indexOf('#');
  const noHash = hashAt >= 0 ? afterScheme.slice(0, hashAt) : afterScheme;
  const q = noHash.indexOf('?');
  const path = q >= 0 ? noHash.slice(0, q) : noHash;
  const query = q >= 0 ? noHash.slice(q + 1) : '';
  const segs = path.split('/').slice(1);
  let k = segs.findIndex((seg) => aiSpec(seg)?.dlpkey === true);
  if (k < 0) return null;
  const pairs: [string, string][] = [];
  for (; k + 1 < segs.length; k += 2) {
    const spec = aiSpec(segs[k]);
    const value = decode(segs[k + 1]);
    if (!spec || value === null) return null;
    // Digital Link allows GTIN-8/12/13 in the path; the element string carries GTIN-14.
    pairs.push([segs[k], segs[k] === '01' && value.length < 14 && /^\d{8,13}$/.test(value) ? value.padStart(14, '0') : value]);
  }
  if (query) {
    for (const part of query.split('&')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const key = part.slice(0, eq);
      if (!aiSpec(key)) continue;
      const value = decode(part.slice(eq + 1));
      if (value === null) return null;
      pairs.push([key, value]);
    }
  }
  let out = '';
  pairs.forEach(([ai, value], i) => {
    out += ai + value;
    if (i < pairs.length - 1 && !aiSpec(ai)!.predefined) out += GS;
  });
  return out;
}
