/**
 * The `external` channel: the POS fiscalises the receipt itself (its own cash register or fiscal
 * driver) and reports the FiscalResult with the sale. tanba keeps the result (sold-here knowledge,
 * the basis of a later return) and sends nothing; receipts of such a register arrive fiscalised.
 */
import { FiscalError, type ChannelHealth, type FiscalChannel } from './types.js';

export const EXTERNAL = 'external';

export function createExternalChannel(): FiscalChannel {
  const refuse = (): never => {
    throw new FiscalError('permanent', 'external-no-send', 'This register fiscalises in the POS (channel "external"): send the fiscal result with the sale ("fiscal": {…}).');
  };
  return {
    name: EXTERNAL,
    idempotent: true,
    requestsPerMinute: null,
    sell: async () => refuse(),
    refund: async () => refuse(),
    // Nothing is ever sent, so nothing can be found: a receipt of this register is never ambiguous.
    findByKey: async () => null,
    health: async (): Promise<ChannelHealth> => ({ ok: true, problems: [] }),
  };
}
