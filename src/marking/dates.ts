/**
 * GS1 dates: YYMMDD (day 00 = last day of the month for `yymmd0`), YYYYMMDD, HHMI. Pure: the century
 * is resolved against a reference year given by the caller (GenSpecs 7.12 window: 49 back, 50 ahead),
 * or 20YY when none is given.
 */
function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [31, 0, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

function two(s: string, i: number): number {
  return (s.charCodeAt(i) - 48) * 10 + (s.charCodeAt(i + 1) - 48);
}

export function fullYear(yy: number, referenceYear?: number): number {
  if (referenceYear === undefined) return 2000 + yy;
  const cur = referenceYear % 100;
  const century = referenceYear - cur;
  const diff = yy - cur;
  if (diff >= 51) return century - 100 + yy;
  if (diff <= -50) return century + 100 + yy;
  return century + yy;
}

function iso(y: number, m: number, d: number): string {
  return `${y}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** Validates the 6 digits at s[pos] as YYMMDD; `dayZero` allows day 00. Returns the ISO date or null. */
export function yymmddToIso(s: string, pos: number, dayZero: boolean, referenceYear?: number): string | null {
  const m = two(s, pos + 2);
  let d = two(s, pos + 4);
  if (m < 1 || m > 12) return null;
  const y = fullYear(two(s, pos), referenceYear);
  const dim = daysInMonth(y, m);
  if (d === 0 && dayZero) d = dim;
  if (d < 1 || d > dim) return null;
  return iso(y, m, d);
}

export function yyyymmddToIso(s: string, pos: number, dayZero: boolean): string | null {
  const y = two(s, pos) * 100 + two(s, pos + 2);
  const m = two(s, pos + 4);
  let d = two(s, pos + 6);
  if (m < 1 || m > 12) return null;
  const dim = daysInMonth(y, m);
  if (d === 0 && dayZero) d = dim;
  if (d < 1 || d > dim) return null;
  return iso(y, m, d);
}

export function validHhmi(s: string, pos: number): boolean {
  return two(s, pos) <= 23 && two(s, pos + 2) <= 59;
}
