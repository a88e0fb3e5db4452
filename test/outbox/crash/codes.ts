/** Deterministic, unique, valid marking codes for the crash test: one per (life, sale number). */

function gtin(n: number): string {
  const body = ('461' + String(n).padStart(10, '0')).slice(0, 13);
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += Number(body[12 - i]) * (i % 2 === 0 ? 3 : 1);
  return body + String((10 - (sum % 10)) % 10);
}

export function crashId(run: number, n: number): string {
  return `c${run}-${n}`;
}

export function crashCode(run: number, n: number): { ki: string; km: string } {
  const serial = 'R' + String(run).padStart(5, '0') + String(n).padStart(7, '0'); // 13 chars
  const ki = '01' + gtin(run % 1000) + '21' + serial;
  return { ki, km: ki + '\x1d93abcd' };
}
