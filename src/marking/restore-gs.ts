/**
 * Restoring GS separators that a keyboard-mode scanner dropped. The text is re-split with the national
 * field lengths (product-groups.ts) wherever no GS marks the end of a variable-length field; every
 * split that validates and fits a product-group format is a candidate. Exactly one candidate is a
 * repair; several are refused as ambiguous (the caller reports `gs-missing-ambiguous`).
 */
import { aiAt } from './ai-spec.js';
import { GS_CODE, validateValue, type Element } from './element-string.js';
import { classify } from './product-groups.js';
import { NATIONAL_LENGTHS } from './product-groups.js';

/** Upper bound on explored split points, so hostile input cannot make the search expensive. */
const MAX_STEPS = 4096;

export interface Restoration {
  /** Every split that fits a product group with a verification part (bare KIs are not candidates). */
  candidates: Element[][];
}

export function restoreGs(s: string): Restoration {
  const candidates: Element[][] = [];
  const stack: Element[] = [];
  let steps = 0;

  const walk = (pos: number): void => {
    if (++steps > MAX_STEPS || candidates.length > 1) return;
    while (pos < s.length && s.charCodeAt(pos) === GS_CODE) pos++;
    if (pos === s.length) {
      const c = classify(stack);
      if (c && c.group !== null) candidates.push(stack.slice());
      return;
    }
    const spec = aiAt(s, pos);
    if (!spec) return;
    const vstart = pos + spec.ai.length;
    let lengths: readonly number[];
    if (spec.fixedLength) lengths = [spec.maxLength];
    else if (NATIONAL_LENGTHS[spec.ai]) lengths = NATIONAL_LENGTHS[spec.ai];
    else {
      // Any other variable field ends at the next GS or at the end of the text.
      let end = vstart;
      while (end < s.length && s.charCodeAt(end) !== GS_CODE) end++;
      lengths = [end - vstart];
    }
    for (const len of lengths) {
      const vend = vstart + len;
      if (vend > s.length || validateValue(s, vstart, vend, spec)) continue;
      stack.push({ spec, start: vstart, end: vend });
      walk(vend);
      stack.pop();
    }
  };

  walk(0);
  return { candidates };
}
