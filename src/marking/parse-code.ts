/**
 * parseCode: whatever a scanner or a keyboard produced → a validated marking code or a clear refusal.
 * Pure and total: no I/O, no clock, never throws on input. The fast path handles clean codes in one
 * pass; repairs (GS substitutes, HRI, Digital Link, lost GS, keyboard layouts) run only when it fails,
 * and a repair counts only when it ends in a valid code — otherwise the original error is reported.
 */
import { yymmddToIso } from './dates.js';
import { isDigits } from './charset.js';
import { digitalLinkToElementString, looksLikeDigitalLink } from './digital-link.js';
import { GS, GS_CODE, parseElementString, type Element } from './element-string.js';
import { hriAlternatives, hriToElementString, looksLikeHri } from './hri.js';
import { detectLayout, undoLayout } from './keyboard-layout.js';
import { DEFAULT_GS_SUBSTITUTES, MAX_INPUT_LENGTH, decodeBytes, stripFraming, substituteGs } from './normalise.js';
import { classify } from './product-groups.js';
import { restoreGs } from './restore-gs.js';
import { RETAIL_LENGTHS, checkRetailBarcode, checkUpcE } from './retail-barcode.js';
import { PACK_LENGTH, checkPack } from './tobacco-pack.js';
import type { Country, ParseError, ParseErrorCode, ParseOptions, ParseResult } from './types.js';

interface Ctx {
  country: Country;
  substitutes: readonly string[];
  referenceYear: number | undefined;
}

type Ok = ParseResult & { ok: true };

const DEFAULT_CTX: Ctx = { country: 'KZ', substitutes: DEFAULT_GS_SUBSTITUTES, referenceYear: undefined };

/** A failed attempt; `bareKi` holds a result for a bare KI, used only if no repair finds a full code. */
interface Failure {
  ok: false;
  error: ParseError;
  bareKi?: ParseResult;
}

function failure(code: ParseErrorCode, message: string, pos?: number): Failure {
  return { ok: false, error: pos === undefined ? { code, message } : { code, message, position: pos + 1 } };
}

/** A refusal. A repair that did not end in a valid code is not a repair, so `repairs` is empty. */
function refused(error: ParseError): ParseResult {
  return { ok: false, kind: 'unknown', gtin: null, serial: null, ki: null, km: null, productGroup: null, mrp: null, expiry: null, repairs: [], error };
}

/** Re-serialises elements with GS exactly where GS1 requires one. */
function canonical(t: string, elements: readonly Element[]): string {
  let out = '';
  const last = elements.length - 1;
  for (let i = 0; i <= last; i++) {
    const e = elements[i];
    out += e.spec.ai + t.slice(e.start, e.end);
    if (i < last && !e.spec.predefined) out += GS;
  }
  return out;
}

function expiryOf(t: string, e: Element | null, ctx: Ctx): string | null {
  if (!e) return null;
  return yymmddToIso(t, e.start, e.spec.ai === '17', ctx.referenceYear);
}

function fromElements(t: string, elements: Element[], isCanonical: boolean, repairs: string[], ctx: Ctx): Ok | Failure {
  const cls = classify(elements);
  if (cls) {
    const gtin = t.slice(cls.gtin.start, cls.gtin.end);
    const serial = t.slice(cls.serial.start, cls.serial.end);
    const result: Ok = {
      ok: true,
      kind: 'marking',
      gtin,
      serial,
      ki: '01' + gtin + '21' + serial,
      km: isCanonical ? t : canonical(t, elements),
      productGroup: cls.group,
      mrp: cls.price ? Number(t.slice(cls.price.start, cls.price.end)) : null,
      expiry: expiryOf(t, cls.expiry, ctx),
      repairs,
      error: null,
    };
    if (cls.group === null) {
      return { ...failure('bad-format', 'The code is an identification code (KI) without its verification part.'), bareKi: result };
    }
    return result;
  }
  let e00: Element | null = null;
  let e01: Element | null = null;
  let e17: Element | null = null;
  let has21 = false;
  let hasCrypto = false;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i];
    const ai = e.spec.ai;
    for (let j = 0; j < i; j++) {
      if (elements[j].spec.ai === ai) return failure('bad-format', `AI (${ai}) appears twice.`, e.start);
    }
    if (ai === '00') e00 = e;
    else if (ai === '01') e01 = e;
    else if (ai === '17') e17 = e;
    else if (ai === '21') has21 = true;
    else if (ai === '91' || ai === '92' || ai === '93' || ai === '8005') hasCrypto = true;
  }
  const km = isCanonical ? t : canonical(t, elements);
  if (e01 && !has21) {
    if (hasCrypto) return failure('missing-serial', 'The code has a verification part but no serial number (AI 21).');
    const gtin = t.slice(e01.start, e01.end);
    return { ok: true, kind: 'gtin', gtin, serial: null, ki: null, km, productGroup: null, mrp: null, expiry: expiryOf(t, e17, ctx), repairs, error: null };
  }
  if (e00 && !has21) {
    return { ok: true, kind: 'sscc', gtin: null, serial: null, ki: null, km, productGroup: null, mrp: null, expiry: null, repairs, error: null };
  }
  if (!e01) {
    return failure('not-a-marking-code', has21 ? 'The code has a serial number but no GTIN (AI 01).' : 'The GS1 data holds no GTIN (AI 01) or SSCC (AI 00).');
  }
  return failure('bad-format', `The AIs and lengths (${describe(t, elements)}) fit no known product-group format: a GS separator may be missing or misplaced.`);
}

function describe(t: string, elements: readonly Element[]): string {
  return elements.map((e) => `(${e.spec.ai}) ${e.end - e.start}`).join(', ');
}

/** One parse of normalised text: tobacco pack, plain product barcode, or GS1 element string. */
function attempt(t: string, repairs: string[], ctx: Ctx, aim: string | null = null): Ok | Failure {
  const n = t.length;
  if (n === 0) return failure('empty', 'The code is empty.');
  if (n === PACK_LENGTH && isDigits(t, 0, 14) && t.indexOf(GS) < 0) {
    // A GTIN-14 may itself start with 01: a pack only when no GS1 reading of the same text fits.
    if (t.charCodeAt(0) === 48 && t.charCodeAt(1) === 49) {
      const asGs1 = attemptElements(t, repairs, ctx);
      if (asGs1.ok) return asGs1;
    }
    const pack = checkPack(t, ctx.country);
    if (!pack.ok) return failure(pack.code, pack.message);
    return {
      ok: true, kind: 'marking', gtin: t.slice(0, 14), serial: t.slice(14, 21), ki: t.slice(0, 21), km: t,
      productGroup: 'tobacco', mrp: pack.mrp, expiry: null, repairs, error: null,
    };
  }
  if (n <= 14 && RETAIL_LENGTHS.has(n) && isDigits(t)) {
    const r = n === 8 && aim === ']E0' ? checkUpcE(t) : checkRetailBarcode(t);
    if (!r.ok) return failure('bad-check-digit', r.message, n - 1);
    return { ok: true, kind: 'gtin', gtin: r.gtin, serial: null, ki: null, km: null, productGroup: null, mrp: null, expiry: null, repairs, error: null };
  }
  const c0 = t.charCodeAt(0);
  if (c0 < 48 || c0 > 57) {
    return failure('not-a-marking-code', `The text is not GS1 data: it starts with ${JSON.stringify(t[0])}, not with an Application Identifier.`, 0);
  }
  return attemptElements(t, repairs, ctx);
}

function attemptElements(t: string, repairs: string[], ctx: Ctx): Ok | Failure {
  const parsed = parseElementString(t);
  if (!parsed.ok) return failure(parsed.code, parsed.message, parsed.pos);
  return fromElements(t, parsed.elements, !parsed.gsTolerated, parsed.gsTolerated ? [...repairs, 'gs-redundant'] : repairs, ctx);
}

function stripLeadingGs(t: string, repairs: string[]): string {
  if (t.charCodeAt(0) === GS_CODE) {
    if (!repairs.includes('fnc1-stripped')) repairs.push('fnc1-stripped');
    return t.slice(1);
  }
  return t;
}

/**
 * Framing, the fast attempt, then the repairs in order of how certain they are. Text holding Cyrillic
 * is retyped on the US layout first: no other repair can help while it is there.
 */
function parseText(text: string, ctx: Ctx, baseRepairs: string[]): ParseResult {
  const repairs = baseRepairs.length === 0 ? [] : baseRepairs.slice();
  const last = text.charCodeAt(text.length - 1);
  const c0 = text.charCodeAt(0);
  // Framing is rare on clean input: look at both ends before calling the general stripper.
  const framed = last === 13 || last === 10 || last === 9 || c0 === 93 || c0 === 0x1d || c0 === 0xe8 || c0 === 0xfffd || c0 === 0xc3;
  const framing = framed ? stripFraming(text, repairs) : null;
  const t = framing ? framing.text : text;
  const first = attempt(t, repairs, ctx, framing ? framing.aim : null);
  if (first.ok) return first;
  if (t.length === 0) return refused(first.error);
  if (baseRepairs.length === 0) {
    const layout = detectLayout(text);
    if (layout) {
      // The detected layout first; the other one when that fails (a code whose digits avoid every
      // Kazakh-specific key looks Russian).
      for (const l of layout === 'kz' ? (['kz', 'ru'] as const) : (['ru', 'kz'] as const)) {
        const retyped = parseText(undoLayout(text, l), ctx, [`layout-${l}`]);
        if (retyped.ok) return retyped;
      }
      return refused(first.error);
    }
  }

  let reported: Failure = first;
  let bareKi = first.bareKi;

  // Deterministic clean-ups: surrounding white space and GS substitutes.
  const slow = repairs.slice();
  let u = t.trim();
  if (u !== t) slow.push('whitespace-trimmed');
  const substituted = substituteGs(u, ctx.substitutes);
  if (substituted !== u) {
    slow.push('gs-substitute');
    u = stripLeadingGs(substituted, slow);
  }

  // Human-readable and Digital Link forms carry the same elements in another syntax.
  let converted: string | null = null;
  const hriSource = looksLikeHri(u) ? u : null;
  if (hriSource !== null) {
    converted = hriToElementString(u);
    if (converted !== null) slow.push('hri');
  } else if (looksLikeDigitalLink(u)) {
    converted = digitalLinkToElementString(u);
    if (converted !== null) slow.push('digital-link');
    else reported = failure('not-a-marking-code', 'The URI is not a GS1 Digital Link with a primary key.');
  }
  if (converted !== null) u = converted;

  if (u !== t) {
    const second = attempt(u, slow, ctx);
    if (second.ok) return second;
    if (converted !== null) reported = second;
    bareKi ??= second.bareKi;
  }

  // HRI whose serial or tail holds an (AI)-shaped run: re-split, keep the readings that fit a format.
  if (hriSource !== null) {
    let found: Ok | null = null;
    let count = 0;
    for (const alt of hriAlternatives(hriSource)) {
      if (alt === converted) continue;
      const r = attempt(alt, slow, ctx);
      if (r.ok && r.kind === 'marking' && ++count === 1) found = r;
    }
    if (count === 1 && found) return found;
    if (count > 1) return refused({ code: 'gs-missing-ambiguous', message: 'The human-readable code can be split into fields in more than one valid way; scan the DataMatrix itself.' });
  }

  // A lost GS: re-split by the national lengths; exactly one fitting split is a repair.
  if (isDigits(u, 0, 2)) {
    const { candidates } = restoreGs(u);
    if (candidates.length === 1) {
      const restored = fromElements(u, candidates[0], false, [...slow, 'gs-restored'], ctx);
      if (restored.ok) return restored;
    } else if (candidates.length > 1) {
      return refused({
        code: 'gs-missing-ambiguous',
        message: 'GS separators are missing and the code can be split in more than one valid way; scan it again with the scanner in USB-COM or HID POS mode.',
      });
    }
  }
  if (bareKi) return bareKi;
  return refused(reported.error);
}

/**
 * Parses a marking code, a plain product barcode or an SSCC from scanner text or bytes.
 * Never throws on input; `ok: false` comes with a stable `error.code`.
 */
export function parseCode(raw: string | Uint8Array, options: ParseOptions = {}): ParseResult {
  let text: string;
  if (typeof raw === 'string') {
    if (raw.length > MAX_INPUT_LENGTH) return refused({ code: 'bad-length', message: `The input is longer than ${MAX_INPUT_LENGTH} characters: not a marking code.` });
    text = raw;
  } else if (raw instanceof Uint8Array) {
    if (raw.length > MAX_INPUT_LENGTH) return refused({ code: 'bad-length', message: `The input is longer than ${MAX_INPUT_LENGTH} bytes: not a marking code.` });
    text = decodeBytes(raw);
  } else {
    return refused({ code: 'bad-input', message: 'The input must be a string or bytes.' });
  }
  if (text.length === 0 || text.trim().length === 0) return refused({ code: 'empty', message: 'The code is empty.' });
  const opts = options ?? {};
  if (opts.country === undefined && opts.gsSubstitutes === undefined && opts.referenceYear === undefined) return parseText(text, DEFAULT_CTX, []);
  const ctx: Ctx = {
    country: opts.country === 'RU' || opts.country === 'UZ' ? opts.country : 'KZ',
    substitutes: Array.isArray(opts.gsSubstitutes) ? [...opts.gsSubstitutes.filter((x) => typeof x === 'string' && x.length > 0), ...DEFAULT_GS_SUBSTITUTES] : DEFAULT_GS_SUBSTITUTES,
    referenceYear: typeof opts.referenceYear === 'number' && Number.isInteger(opts.referenceYear) ? opts.referenceYear : undefined,
  };
  return parseText(text, ctx, []);
}
