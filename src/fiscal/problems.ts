/**
 * A channel failure as a status / `tanba doctor` problem: the channel names its own special cases
 * (72 h, shift, paper…), everything else follows the error's kind, worded once here.
 */
import { FiscalError, type ChannelProblem } from './types.js';

export function problemOf(e: unknown, special: (e: FiscalError) => ChannelProblem | null = () => null): ChannelProblem {
  if (!(e instanceof FiscalError)) return { code: 'fiscal-error', message: e instanceof Error ? e.message : String(e) };
  const own = special(e);
  if (own) return own;
  switch (e.kind) {
    case 'auth':
      return { code: 'fiscal-auth', message: e.message };
    case 'blocked':
      return { code: 'fiscal-blocked', message: e.message };
    case 'transient':
    case 'unknown-result':
      return { code: 'fiscal-unreachable', message: e.message };
    default:
      return { code: 'fiscal-error', message: e.message };
  }
}
