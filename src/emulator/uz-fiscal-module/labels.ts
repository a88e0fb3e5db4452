/**
 * uz-fiscal-module/labels.ts — the emulators' check of a receipt item's marking code (`Label` of
 * the fiscal module, `product_label` of Multikassa). The module wants the code cleaned: the
 * crypto part cut and no control characters (reference §3.1, [S]). Pure; written from the
 * reference, not from tanba's client.
 *
 * What is refused [I]:
 * - any control character (GS 0x1D above all: a code with its separators left in);
 * - a GS1 form (`01` GTIN-14 `21` serial…) whose part after AI 21 is longer than the longest
 *   serial (20 characters, UZ appliances): the crypto tail (AI 91/92/93) is still on;
 * - a GS1 form ending in AI 93 and its 4-character verification code after a serial of a known
 *   length (6, 7 or 13): the usual "GS removed, tail kept" mistake. A serial of 13 that happens
 *   to hold "93" at its 8th character followed by 4 more is refused too (rare, accepted);
 * - a 29-character tobacco pack code (GTIN-14 + serial 7 + 8): its crypto part must be cut.
 */

export const MAX_SERIAL = 20;

/** null when the label is acceptable, else why not. */
export function labelProblem(label: unknown): string | null {
  if (typeof label !== 'string' || label.length === 0) return 'Label must be a non-empty string';
  if (label.length > 150) return 'Label is too long';
  const ctl = /[\x00-\x1f\x7f]/.exec(label);
  if (ctl) {
    const c = ctl[0].charCodeAt(0);
    return `Label contains the control character 0x${c.toString(16).padStart(2, '0')}${c === 0x1d ? ' (GS)' : ''}: send the code without separators`;
  }
  const gs1 = /^01(\d{14})21(.+)$/.exec(label);
  if (gs1) {
    const rest = gs1[2];
    if (rest.length > MAX_SERIAL) return 'Label carries the crypto tail (AI 91/92/93): cut everything after the serial';
    if (/^(?:.{6}|.{7}|.{13})93.{4}$/.test(rest)) return 'Label ends with AI 93 and its verification code: cut the crypto tail';
    return null;
  }
  if (/^\d{14}/.test(label) && label.length === 29) return 'Label is the full 29-character pack code: cut its crypto part';
  return null;
}
