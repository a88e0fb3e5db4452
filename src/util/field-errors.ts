/**
 * util/ — small pure helpers shared by the edges (no I/O).
 *
 * Turns zod issues into field-by-field mistakes a person can act on: which field, what is wrong,
 * and what to write instead. Used for the config file and for HTTP bodies alike.
 */
import type { z } from 'zod';

export interface FieldError {
  /** Dotted path of the field, e.g. `http.port` or `items.0.price`; `(root)` for the whole value. */
  field: string;
  /** What is wrong, in one sentence. */
  problem: string;
  /** What to write instead. */
  fix: string;
}

type Issue = z.core.$ZodIssue;

export function fieldPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map((p) => String(p)).join('.');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return value.length > 40 ? `a text of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p as string];
  }
  return v;
}

/** Closest candidate by edit distance (for "did you mean"). */
export function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

const typeWords: Record<string, string> = {
  string: 'a text in double quotes, e.g. "abc"',
  number: 'a number, e.g. 1500',
  int: 'a whole number, e.g. 1500',
  boolean: 'true or false',
  object: 'an object { … }',
  array: 'a list [ … ]',
};

/**
 * @param input the value that was validated (to say what was found)
 * @param hints field → advice to use instead of the generic one (keys are dotted paths; `*` matches any index)
 * @param knownKeys object path → allowed keys (for "did you mean" on unknown keys)
 */
export function toFieldErrors(
  issues: readonly Issue[],
  input: unknown,
  hints: Record<string, string> = {},
  knownKeys: (path: readonly PropertyKey[]) => string[] = () => [],
  noun = 'setting',
): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of issues) {
    const path = issue.path as PropertyKey[];
    const field = fieldPath(path);
    const hintKey = path.map((p) => (typeof p === 'number' ? '*' : String(p))).join('.');
    const found = describe(valueAt(input, path));
    let problem = issue.message;
    let fix = hints[hintKey] ?? '';
    switch (issue.code) {
      case 'invalid_type': {
        const expected = String(issue.expected);
        problem = valueAt(input, path) === undefined ? 'is missing' : `expected ${expected}, found ${found}`;
        if (!fix) fix = `write ${typeWords[expected] ?? expected}`;
        break;
      }
      case 'invalid_value': {
        const values = (issue.values as unknown[]).map((v) => JSON.stringify(v));
        problem = `${found} is not allowed`;
        const guess = typeof valueAt(input, path) === 'string' ? closest(String(valueAt(input, path)), values.map((v) => JSON.parse(v) as string)) : null;
        if (!fix) fix = `write one of ${values.join(', ')}${guess ? ` (did you mean "${guess}"?)` : ''}`;
        break;
      }
      case 'unrecognized_keys': {
        for (const key of issue.keys) {
          const guess = closest(key, knownKeys(path));
          out.push({
            field: fieldPath([...path, key]),
            problem: `is not a known ${noun}`,
            fix: guess ? `rename it to "${guess}"` : `remove it${knownKeys(path).length ? ` (known here: ${knownKeys(path).join(', ')})` : ''}`,
          });
        }
        continue;
      }
      case 'too_small':
      case 'too_big': {
        const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
        const what = issue.origin === 'string' ? 'characters' : issue.origin === 'array' ? 'items' : '';
        const cmp = issue.code === 'too_small' ? 'at least' : 'at most';
        problem = `${found} is too ${issue.code === 'too_small' ? 'small' : 'big'}`;
        if (!fix) fix = `write ${cmp} ${bound}${what ? ` ${what}` : ''}`;
        break;
      }
      case 'invalid_format': {
        problem = issue.format === 'regex' ? `${found} has the wrong format` : `${found} is not a valid ${issue.format}`;
        if (!fix) fix = `write a valid ${issue.format}`;
        break;
      }
      default:
        if (!fix) fix = 'correct this value';
    }
    out.push({ field, problem, fix });
  }
  return out;
}


/** For "did you mean": the keys allowed at `path` inside a zod object schema (through optional/default/arrays). */
export function schemaKeys(schema: z.ZodType): (path: readonly PropertyKey[]) => string[] {
  type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType };
  const def = (t: z.ZodType): Def => (t as unknown as { _zod: { def: Def } })._zod.def;
  const unwrap = (t: z.ZodType): z.ZodType => {
    let cur = t;
    for (let i = 0; i < 10; i++) {
      const d = def(cur);
      if (d.innerType) cur = d.innerType;
      else if (d.type === 'pipe' && d.in) cur = d.in;
      else break;
    }
    return cur;
  };
  return (path) => {
    let s = unwrap(schema);
    for (const p of path) {
      const d = def(s);
      if (d.type === 'object' && d.shape && typeof p === 'string' && d.shape[p]) s = unwrap(d.shape[p]);
      else if (d.type === 'array' && d.element) s = unwrap(d.element);
      else return [];
    }
    const d = def(s);
    return d.type === 'object' && d.shape ? Object.keys(d.shape) : [];
  };
}
