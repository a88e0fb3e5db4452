/**
 * The AI table at run time: entries generated from the GS1 Barcode Syntax Dictionary, compiled into
 * lookup arrays for a single-pass parser. The AI length is decided by its first two digits
 * (GS1 GenSpecs 3.2); `aiLengthByPrefix` holds that, and the table is checked to be prefix-free.
 */
import { AI_ENTRIES } from './ai-table.generated.js';

export type Cset = 'N' | 'X' | 'Y' | 'Z';

export interface AiComponent {
  cset: Cset;
  min: number;
  max: number;
  optional: boolean;
  linters: string[];
}

export interface AiEntry {
  ai: string;
  /** Predefined length (flag `*`): no GS is needed after it. */
  predefined: boolean;
  dlAttr: boolean;
  components: AiComponent[];
  req: string | null;
  ex: string | null;
  dlpkey: boolean;
  title: string;
}

/** Shapes the parser checks inline, without the generic component walk. */
export const FAST_GENERIC = 0;
/** One numeric component of fixed length with a mod-10 check digit (00, 01, 02, 03, 8006…). */
export const FAST_N_FIXED_CSUM = 1;
/** One numeric component of fixed length, no linter (3103, 8005…). */
export const FAST_N_FIXED = 2;
/** One CSET 82 component of variable length, no linter (10, 21, 91–99…). */
export const FAST_X_VAR = 3;

export interface AiSpec extends AiEntry {
  minLength: number;
  maxLength: number;
  /** All components have a fixed length (content is fixed even when a GS is still required). */
  fixedLength: boolean;
  /** One of the FAST_* shapes. */
  fast: number;
}

function fastShape(e: AiEntry): number {
  if (e.components.length !== 1) return FAST_GENERIC;
  const c = e.components[0];
  const linters = c.linters.filter((l) => !l.startsWith('gcppos'));
  if (c.cset === 'N' && c.min === c.max && linters.length === 1 && linters[0] === 'csum') return FAST_N_FIXED_CSUM;
  if (c.cset === 'N' && c.min === c.max && linters.length === 0) return FAST_N_FIXED;
  if (c.cset === 'X' && c.min === 1 && linters.length === 0) return FAST_X_VAR;
  return FAST_GENERIC;
}

function compile(e: AiEntry): AiSpec {
  let min = 0;
  let max = 0;
  for (const c of e.components) {
    if (!c.optional) min += c.min;
    max += c.max;
  }
  return { ...e, minLength: min, maxLength: max, fixedLength: min === max, fast: fastShape(e) };
}

/** Index of an AI string in the flat lookup array: lengths 2/3/4 live in disjoint ranges. */
function slot(ai: string): number {
  const n = Number(ai);
  return ai.length === 2 ? n : ai.length === 3 ? 100 + n : 1100 + n;
}

const SPECS: (AiSpec | undefined)[] = new Array(11100);
/** For each two-digit prefix, the length of the AIs that start with it (0 = none defined). */
export const aiLengthByPrefix = new Int8Array(100);

for (const e of AI_ENTRIES) {
  const p = Number(e.ai.slice(0, 2));
  const prev = aiLengthByPrefix[p];
  if (prev !== 0 && prev !== e.ai.length) throw new Error(`AI table is not prefix-free at ${e.ai}`);
  aiLengthByPrefix[p] = e.ai.length;
  SPECS[slot(e.ai)] = compile(e);
}

/** The spec of an AI given as its digit string, or undefined. */
export function aiSpec(ai: string): AiSpec | undefined {
  if (ai.length < 2 || ai.length > 4) return undefined;
  for (let i = 0; i < ai.length; i++) {
    const c = ai.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
  }
  return SPECS[slot(ai)];
}

/**
 * Reads the AI that starts at `pos` in `s`: returns its spec, or undefined when the characters there
 * are not digits or no AI is defined for them. Allocation-free apart from the spec lookup.
 */
export function aiAt(s: string, pos: number): AiSpec | undefined {
  const d0 = s.charCodeAt(pos) - 48;
  const d1 = s.charCodeAt(pos + 1) - 48;
  if (!(d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9)) return undefined;
  const p = d0 * 10 + d1;
  const len = aiLengthByPrefix[p];
  if (len === 2) return SPECS[p];
  if (len === 3) {
    const d2 = s.charCodeAt(pos + 2) - 48;
    return d2 >= 0 && d2 <= 9 ? SPECS[100 + p * 10 + d2] : undefined;
  }
  if (len === 4) {
    const d2 = s.charCodeAt(pos + 2) - 48;
    const d3 = s.charCodeAt(pos + 3) - 48;
    return d2 >= 0 && d2 <= 9 && d3 >= 0 && d3 <= 9 ? SPECS[1100 + p * 100 + d2 * 10 + d3] : undefined;
  }
  return undefined;
}

export const AI_COUNT = AI_ENTRIES.length;
