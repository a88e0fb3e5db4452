/**
 * A return must take back what its sale sold: every returned code was in the sale and is not
 * returned yet; an unmarked line matches a sale line (name and price) with enough quantity left.
 * Pure: the caller supplies the stored sale and the returns already recorded against it.
 */
import { invalidSale, type SaleProblem } from './errors.js';
import type { FiscalReceipt } from './types.js';

export function checkReturnAgainstSale(ret: FiscalReceipt, sale: FiscalReceipt, earlier: FiscalReceipt[]): void {
  const problems: SaleProblem[] = [];
  const sold = new Set(sale.lines.flatMap((l) => l.codes.map((c) => c.ki)));
  const returnedBefore = new Map<string, string>();
  for (const r of earlier) for (const l of r.lines) for (const c of l.codes) returnedBefore.set(c.ki, r.id);
  const key = (name: string, price: number) => `${name}\u0000${price}`;
  const left = new Map<string, number>();
  for (const l of sale.lines) if (l.codes.length === 0) left.set(key(l.name, l.price), (left.get(key(l.name, l.price)) ?? 0) + l.quantity);
  for (const r of earlier) for (const l of r.lines) if (l.codes.length === 0) left.set(key(l.name, l.price), (left.get(key(l.name, l.price)) ?? 0) - l.quantity);

  ret.lines.forEach((l, i) => {
    if (l.codes.length > 0) {
      l.codes.forEach((c, j) => {
        const field = `lines.${i}.codes.${j}`;
        if (!sold.has(c.ki))
          problems.push({ field, problem: `was not sold in sale ${sale.id}`, fix: `return only codes of sale ${sale.id}, or name the sale that sold it in saleId` });
        else if (returnedBefore.has(c.ki))
          problems.push({ field, problem: `was already returned by return ${returnedBefore.get(c.ki)}`, fix: 'remove it: a code can be returned once' });
      });
      return;
    }
    const k = key(l.name, l.price);
    const avail = left.get(k);
    if (avail === undefined)
      problems.push({ field: `lines.${i}`, problem: `("${l.name}" at ${l.price}) is not a line of sale ${sale.id}`, fix: `return lines with the name and unit price they had in sale ${sale.id}` });
    else if (l.quantity > avail + 1e-9)
      problems.push({ field: `lines.${i}.quantity`, problem: `is ${l.quantity} but only ${Math.max(0, avail)} of "${l.name}" is left to return from sale ${sale.id}`, fix: `write at most ${Math.max(0, avail)}` });
    else left.set(k, avail - l.quantity);
  });
  if (problems.length) throw invalidSale('return', ret.id, problems);
}
