/**
 * Intake rules of the Uzbek channels (fiscal module and Multikassa), checked before a receipt is
 * accepted, so the cashier hears about them at the till rather than from a dead letter:
 * - a marked line needs its ИКПУ (SPIC) and package code (the OFD forwards the code only with them);
 *   with `requireIkpuForAll` every line does;
 * - a return is made on the cash register (fiscal module) of its sale (help.crpt-turon.uz, [C]):
 *   a return recorded for another register is refused with where to make it.
 */
import type { ChannelIntakeProblem } from '../types.js';
import type { FiscalReceipt } from '../../sale/types.js';

export function uzIntakeProblems(receipt: FiscalReceipt, sale: FiscalReceipt | null, opts: { requireIkpuForAll: boolean; channel: string }): ChannelIntakeProblem[] {
  const problems: ChannelIntakeProblem[] = [];
  receipt.lines.forEach((l, i) => {
    const marked = l.codes.length > 0;
    if (!marked && !opts.requireIkpuForAll) return;
    const why = marked ? 'a marked line' : 'every line';
    if (!l.ikpu) {
      problems.push({
        field: `lines.${i}.ikpu`,
        problem: `is required for ${why} on ${opts.channel}: the receipt item carries the product's ИКПУ (SPIC), without it the code is not forwarded to Asl Belgisi`,
        fix: 'send the 17-digit ИКПУ of the product (tasnif.soliq.uz), e.g. "ikpu": "02203001001000000"',
      });
    }
    if (!l.packageCode) {
      problems.push({
        field: `lines.${i}.packageCode`,
        problem: `is required for ${why} on ${opts.channel}: the package code of the product's ИКПУ`,
        fix: 'send the package code of the ИКПУ from tasnif.soliq.uz, e.g. "packageCode": "1495060"',
      });
    }
  });
  if (receipt.type === 'return' && sale && sale.registerId !== receipt.registerId) {
    problems.push({
      field: 'registerId',
      problem: `names register ${receipt.registerId}, but sale ${sale.id} was fiscalised on register ${sale.registerId}: in Uzbekistan a return must be made on the cash register (fiscal module) of its sale`,
      fix: `make the return at register ${sale.registerId}: send "registerId": "${sale.registerId}"`,
    });
  }
  return problems;
}
