/**
 * Restoring GS separators that a keyboard-mode scanner dropped. The text is re-split with the national
 * field lengths (product-groups.ts) wherever no GS marks the end of a variable-length field; every
 * split that validates and fits a product-group format is a candidate. Exactly one candidate is a
 * repair; several are refused as ambiguous (the caller reports `gs-missing-ambiguous`).
 */
import { aiAt, type AiSpec } from './ai-spec.js';
import { GS_CODE, validateValue, type Element } from './element-string.js';
import { classify } from './product-groups.js';
import { NATIONAL_LENGTHS } from './product-groups.js';

/** Upper bound on explored split points, so hostile input cannot make the search expensive. */
const MAX_STEPS = 1024;

export interface Restoration {
  /** Every split that fits a product group with a verification part (bare KIs are not candidates); at most two. */
  candidates: Element[][];
}

interface Search {
  s: string;
  stack: Element[];
  candidates: Element[][];
  steps: number;
}

function walk(st: Search, pos: number): void {
  const s = st.s;
  if (++st.steps > MAX_STEPS || st.candidates.length > 1) return;
  while (pos < s.length && s.charCodeAt(pos) === GS_CODE) pos++;
  if (pos === s.length) {
    const c = classify(st.stack);
    if (c && c.group !== null) st.candidates.push(st.stack.slice());
    return;
  }
  const spec = aiAt(s, pos);
  if (!spec) return;
  // An AI occurs once in a code: a split that repeats one can be dropped here, not at the leaf.
  for (let i = 0; i < st.stack.length; i++) if (st.stack[i].spec === spec) return;
  const vstart = pos + spec.ai.length;
  if (spec.fixedLength) {
    tryLength(st, spec, vstart, spec.maxLength);
    return;
  }
  const national = NATIONAL_LENGTHS[spec.ai];
  if (national) {
    for (let k = 0; k < national.length; k++) tryLength(st, spec, vstart, national[k]);
    return;
  }
  // Any other variable field ends at the next GS or at the end of the text.
  let end = vstart;
  while (end < s.length && s.charCodeAt(end) !== GS_CODE) end++;
  tryLength(st, spec, vstart, end - vstart);
}

function tryLength(st: Search, spec: AiSpec, vstart: number, len: number): void {
  const vend = vstart + len;
  if (vend > st.s.length || validateValue(st.s, vstart, vend, spec)) return;
  st.stack.push({ spec, start: vstart, end: vend });
  walk(st, vend);
  st.stack.pop();
}

export function restoreGs(s: string): Restoration {
  const st: Search = { s, stack: [], candidates: [], steps: 0 };
  walk(st, 0);
  return { candidates: st.candidates };
}
