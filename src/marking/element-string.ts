/**
 * The GS1 element-string parser: one left-to-right pass driven by the AI table and GS separators,
 * no regex, no substring search. Validates each element against the dictionary: length, character
 * set, check digit and dates. Tolerates a redundant GS after a predefined-length AI and a trailing GS.
 */
import { FAST_N_FIXED, FAST_N_FIXED_CSUM, FAST_X_VAR, aiAt, type AiSpec } from './ai-spec.js';
import { CSET, CSET_BY_TYPE, CS_82 } from './charset.js';
import { gs1CheckDigit } from './check-digit.js';
import { validHhmi, yymmddToIso, yyyymmddToIso } from './dates.js';
import type { ParseErrorCode } from './types.js';

export const GS = '\x1d';
export const GS_CODE = 0x1d;

export interface Element {
  spec: AiSpec;
  /** Value span in the parsed string: s.slice(start, end). */
  start: number;
  end: number;
}

export interface ElementFailure {
  code: ParseErrorCode;
  message: string;
  /** Position of the offending span, for a UI to highlight. */
  pos: number;
}

export type ElementParse = { ok: true; elements: Element[]; gsTolerated: boolean } | ({ ok: false } & ElementFailure);

/** A character for a message: printable ones as they are, control and other bytes escaped. */
export function showChar(ch: string | undefined): string {
  if (ch === undefined) return 'end of text';
  const c = ch.charCodeAt(0);
  return c >= 0x20 && c < 0x7f ? `"${ch}"` : JSON.stringify(ch);
}

function fail(code: ParseErrorCode, message: string, pos: number): ElementParse {
  return { ok: false, code, message, pos };
}

/** Validates the value s[start, end) of `spec`. Returns null when valid. */
export function validateValue(s: string, start: number, end: number, spec: AiSpec): ElementFailure | null {
  const len = end - start;
  if (spec.fast === FAST_X_VAR && len >= 1 && len <= spec.maxLength) {
    for (let i = start; i < end; i++) {
      const c = s.charCodeAt(i);
      if (c >= 128 || (CSET[c] & CS_82) === 0) {
        return { code: 'bad-charset', message: `AI (${spec.ai}): character ${showChar(s[i])} at position ${i + 1} is not in CSET 82.`, pos: i };
      }
    }
    return null;
  }
  if (len < spec.minLength || len > spec.maxLength) {
    return {
      code: 'bad-length',
      message:
        len === 0
          ? `AI (${spec.ai}) data is empty.`
          : `AI (${spec.ai}) must hold ${spec.minLength === spec.maxLength ? spec.minLength : `${spec.minLength}–${spec.maxLength}`} characters, found ${len}.`,
      pos: start,
    };
  }
  const comps = spec.components;
  let p = start;
  for (let k = 0; k < comps.length; k++) {
    const c = comps[k];
    const rest = end - p;
    if (rest === 0) {
      if (c.optional) break;
      return { code: 'bad-length', message: `AI (${spec.ai}) is too short.`, pos: p };
    }
    const clen = c.min === c.max ? c.max : Math.min(rest, c.max);
    if (clen > rest) return { code: 'bad-length', message: `AI (${spec.ai}) is too short.`, pos: p };
    const set = CSET_BY_TYPE[c.cset];
    for (let i = p; i < p + clen; i++) {
      const ch = s.charCodeAt(i);
      if (ch >= 128 || (CSET[ch] & set) === 0) {
        const what = c.cset === 'N' ? 'a digit' : c.cset === 'X' ? 'in CSET 82' : c.cset === 'Y' ? 'in CSET 39' : 'in CSET 64';
        return { code: 'bad-charset', message: `AI (${spec.ai}): character ${showChar(s[i])} at position ${i + 1} is not ${what}.`, pos: i };
      }
    }
    for (let li = 0; li < c.linters.length; li++) {
      const err = lint(c.linters[li], s, p, p + clen, spec);
      if (err) return err;
    }
    p += clen;
  }
  if (p !== end) return { code: 'bad-length', message: `AI (${spec.ai}) is too long.`, pos: p };
  return null;
}

/**
 * Linters of the Syntax Dictionary that the marking domain needs. Others (ISO country/currency lists,
 * company-prefix position, coupon syntax, IBAN, coordinates) are not checked: they never occur in
 * marking codes and would need data tables the engine does not carry.
 */
function lint(name: string, s: string, from: number, to: number, spec: AiSpec): ElementFailure | null {
  switch (name) {
    case 'csum':
      return gs1CheckDigit(s, from, to - 1) === s.charCodeAt(to - 1) - 48
        ? null
        : { code: 'bad-check-digit', message: `AI (${spec.ai}): check digit ${s[to - 1]} is wrong, expected ${gs1CheckDigit(s, from, to - 1)}.`, pos: to - 1 };
    case 'yymmd0':
    case 'yymmdd':
      return yymmddToIso(s, from, name === 'yymmd0') ? null : badDate(spec, from, to);
    case 'yyyymmdd':
    case 'yyyymmd0':
      return yyyymmddToIso(s, from, name === 'yyyymmd0') ? null : badDate(spec, from, to);
    case 'hhmi':
      return validHhmi(s, from) ? null : badDate(spec, from, to);
    case 'hh':
      return Number(s.slice(from, to)) <= 23 ? null : badDate(spec, from, to);
    case 'mi':
    case 'ss':
      return Number(s.slice(from, to)) <= 59 ? null : badDate(spec, from, to);
    case 'nonzero':
      return /[1-9]/.test(s.slice(from, to)) ? null : { code: 'bad-ai-data', message: `AI (${spec.ai}) must not be zero.`, pos: from };
    case 'zero':
      return s.slice(from, to) === '0' ? null : { code: 'bad-ai-data', message: `AI (${spec.ai}) must be 0.`, pos: from };
    case 'yesno':
      return s[from] === '0' || s[from] === '1' ? null : { code: 'bad-ai-data', message: `AI (${spec.ai}) must be 0 or 1.`, pos: from };
    default:
      return null;
  }
}

function badDate(spec: AiSpec, from: number, to: number): ElementFailure {
  return { code: 'bad-date', message: `AI (${spec.ai}): the value at position ${from + 1}–${to} is not a valid date or time.`, pos: from };
}

// Local aliases: module-scope constants read faster than imported bindings in a hot loop.
const SET = CSET;
const X82 = CS_82;

/** Parses `s` (GS-separated, no AIM prefix, no leading FNC1) into validated elements. */
export function parseElementString(s: string): ElementParse {
  const n = s.length;
  const elements: Element[] = [];
  let gsTolerated = false;
  let pos = 0;
  while (pos < n) {
    if (s.charCodeAt(pos) === GS_CODE) {
      gsTolerated = true;
      pos++;
      continue;
    }
    const spec = aiAt(s, pos);
    if (spec === undefined) {
      return fail('unknown-ai', `No GS1 Application Identifier is defined for ${JSON.stringify(s.slice(pos, pos + 4))} at position ${pos + 1}.`, pos);
    }
    const vstart = pos + spec.ai.length;
    let vend: number;
    const fast = spec.fast;
    if (fast === FAST_X_VAR && !spec.predefined) {
      // Scan to the next GS, checking CSET 82 on the way: one pass for framing and validation.
      const limit = vstart + spec.maxLength;
      vend = vstart;
      for (; vend < n; vend++) {
        const c = s.charCodeAt(vend);
        if (c === GS_CODE) break;
        if (vend === limit) {
          return fail('bad-length', `AI (${spec.ai}) is longer than ${spec.maxLength} characters: a GS separator may be missing after it.`, vstart);
        }
        if (c >= 128 || (SET[c] & X82) === 0) {
          return fail('bad-charset', `AI (${spec.ai}): character ${showChar(s[vend])} at position ${vend + 1} is not in CSET 82.`, vend);
        }
      }
      if (vend === vstart) return fail('bad-length', `AI (${spec.ai}) data is empty.`, vstart);
    } else if ((fast === FAST_N_FIXED_CSUM || fast === FAST_N_FIXED) && (spec.predefined || n - vstart <= spec.maxLength || s.charCodeAt(vstart + spec.maxLength) === GS_CODE)) {
      vend = vstart + spec.maxLength;
      if (vend > n) return fail('bad-length', `AI (${spec.ai}) must hold ${spec.maxLength} digits, found ${n - vstart}.`, vstart);
      let sum = 0;
      let w = 3;
      for (let i = vend - 2; i >= vstart; i--, w = 4 - w) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) return fail('bad-charset', `AI (${spec.ai}): character ${showChar(s[i])} at position ${i + 1} is not a digit.`, i);
        sum += d * w;
      }
      const last = s.charCodeAt(vend - 1) - 48;
      if (last < 0 || last > 9) return fail('bad-charset', `AI (${spec.ai}): character ${showChar(s[vend - 1])} at position ${vend} is not a digit.`, vend - 1);
      if (fast === FAST_N_FIXED_CSUM && (10 - (sum % 10)) % 10 !== last) {
        return fail('bad-check-digit', `AI (${spec.ai}): check digit ${last} is wrong, expected ${(10 - (sum % 10)) % 10}.`, vend - 1);
      }
    } else {
      if (spec.predefined) {
        vend = vstart + spec.maxLength;
        if (vend > n) return fail('bad-length', `AI (${spec.ai}) must hold ${spec.maxLength} characters, found ${n - vstart}.`, vstart);
      } else {
        const limit = vstart + spec.maxLength;
        vend = vstart;
        while (vend < n && s.charCodeAt(vend) !== GS_CODE) {
          if (vend === limit) {
            return fail('bad-length', `AI (${spec.ai}) is longer than ${spec.maxLength} characters: a GS separator may be missing after it.`, vstart);
          }
          vend++;
        }
      }
      const err = validateValue(s, vstart, vend, spec);
      if (err) return { ok: false, ...err };
    }
    elements.push({ spec, start: vstart, end: vend });
    pos = vend;
    // The GS that ends a variable-length field is required, not tolerated; a trailing one is tolerated.
    if (!spec.predefined && pos < n && s.charCodeAt(pos) === GS_CODE) {
      pos++;
      if (pos === n) gsTolerated = true;
    }
  }
  if (elements.length === 0) return fail('empty', 'The code holds no data.', 0);
  return { ok: true, elements, gsTolerated };
}

/** True when every character of s is in CSET 82 or GS. */
export function isCset82OrGs(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== GS_CODE && (c >= 128 || (CSET[c] & CS_82) === 0)) return false;
  }
  return true;
}
