/**
 * Human-readable input `(01)…(21)…`: brackets are display only. Splits at `(AI)` tokens whose AI the
 * dictionary knows (so a `(` inside a serial stays data), honours `\(` as an escaped bracket, ignores
 * white space, and re-serialises as a GS-separated element string.
 */
import { aiSpec } from './ai-spec.js';
import { GS, validateValue } from './element-string.js';

export function looksLikeHri(s: string): boolean {
  return s.charCodeAt(0) === 40 /* ( */ && /^\(\d{2,4}\)/.test(s);
}

/** Reads an `(AI)` token at i; returns the AI and the index after `)` or null. */
function tokenAt(s: string, i: number): { ai: string; next: number } | null {
  if (s[i] !== '(' || (i > 0 && s[i - 1] === '\\')) return null;
  const close = s.indexOf(')', i + 1);
  if (close < i + 3 || close > i + 5) return null;
  const ai = s.slice(i + 1, close);
  return aiSpec(ai) ? { ai, next: close + 1 } : null;
}

/** Converts HRI to an element string, or null when it does not start with a known `(AI)`. */
export function hriToElementString(input: string): string | null {
  const s = /\s/.test(input) ? input.replace(/\s+/g, '') : input;
  let out = '';
  let i = 0;
  let first = true;
  let prevPredefined = true;
  while (i < s.length) {
    const tok = tokenAt(s, i);
    if (!tok) return null;
    if (!first && !prevPredefined) out += GS;
    out += tok.ai;
    i = tok.next;
    // Copy the value up to the next (AI) token in slices; drop the backslash of an escaped bracket.
    let from = i;
    while (i < s.length && (s.charCodeAt(i) !== 40 || !tokenAt(s, i))) {
      if (s.charCodeAt(i) === 92 && s.charCodeAt(i + 1) === 40) {
        out += s.slice(from, i);
        from = i + 1;
        i++;
      }
      i++;
    }
    out += s.slice(from, i);
    first = false;
    prevPredefined = aiSpec(tok.ai)!.predefined;
  }
  return out;
}

/** Upper bound on the splits tried, so a text full of brackets cannot make the search expensive. */
const MAX_SPLITS = 64;

/**
 * Other readings of HRI in which some `(AI)` tokens are data (a serial or tail may hold `(10)`):
 * every split whose elements each validate, as element strings, at most MAX_SPLITS. The caller keeps
 * those that fit a product group.
 */
export function hriAlternatives(input: string): string[] {
  const s = /\s/.test(input) ? input.replace(/\s+/g, '') : input;
  const tokens: { at: number; ai: string; next: number }[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) !== 40) continue;
    const tok = tokenAt(s, i);
    if (tok) tokens.push({ at: i, ...tok });
  }
  if (tokens.length === 0 || tokens[0].at !== 0 || tokens.length > 24) return [];
  const out: string[] = [];
  let steps = 0;
  const walk = (k: number, acc: string, prevPredefined: boolean): void => {
    const tok = tokens[k];
    const spec = aiSpec(tok.ai)!;
    for (let j = k + 1; j <= tokens.length; j++) {
      if (out.length >= MAX_SPLITS || ++steps > MAX_SPLITS * 8) return;
      const end = j < tokens.length ? tokens[j].at : s.length;
      const value = s.slice(tok.next, end).replace(/\\\(/g, '(');
      if (value.length > spec.maxLength) break;
      if (validateValue(value, 0, value.length, spec)) continue;
      const next = acc + (k > 0 && !prevPredefined ? GS : '') + tok.ai + value;
      if (j === tokens.length) out.push(next);
      else walk(j, next, spec.predefined);
    }
  };
  walk(0, '', true);
  return out;
}
