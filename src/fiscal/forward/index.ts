/**
 * The `forward` channel: store-and-forward from a till to the chain. A till's agent keeps its own
 * SQLite outbox (it sells while the store's uplink is down); this channel hands each receipt, in
 * order per register, to the chain's shared PostgreSQL outbox, where the chain's relays fiscalise
 * it. The sale id stays the idempotency key: appending the same receipt twice is one receipt.
 *
 * - sell / refund: append to the chain's store (idempotent by id), then wait up to `waitMs` for
 *   the chain to fiscalise it and return that result; if it is not fiscalised yet the receipt is
 *   forwarded but its result unknown here (`unknown-result`), and the relay asks again later.
 * - findByKey: the chain's copy fiscalised → its result; there but not yet → still unknown; not
 *   there → null (safe to forward again: it is an idempotent append anyway).
 * The till's register then shows the real fiscal result once the chain has it.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Outbox } from '../../outbox/ports.js';
import type { FiscalReceipt, FiscalResult } from '../../sale/types.js';
import { FiscalError, type ChannelHealth, type FiscalChannel } from '../types.js';

export const forwardConfigSchema = z
  .object({
    channel: z.literal('forward'),
    /** The chain's store: postgres://user@host/db (password from TANBA_STORE_PASSWORD). */
    url: z.string().regex(/^postgres(ql)?:\/\//, 'write the chain store URL, e.g. postgres://tanba@hq.example/tanba'),
    schema: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/).optional(),
    /** How long one forward waits for the chain to fiscalise the receipt. Default 5000 ms. */
    waitMs: z.number().int().min(0).max(120_000).default(5000),
    /** The channel the chain's register uses, recorded with the forwarded receipt (informational). */
    chainChannel: z.string().min(1).optional(),
  })
  .strict();

export type ForwardConfig = z.output<typeof forwardConfigSchema>;

/** The hash the chain's store compares on a repeated id: the receipt as forwarded (contacts excluded). */
function receiptHash(r: FiscalReceipt): string {
  const { customer: _c, ...rest } = r;
  return createHash('sha256').update(JSON.stringify({ ...rest, lines: rest.lines.map((l) => ({ ...l, codes: l.codes.map(({ check: _k, ...c }) => c) })) })).digest('base64url');
}

export function createForwardChannel(config: ForwardConfig, deps: { openChainStore?: () => Promise<Outbox>; password?: string } = {}): FiscalChannel & { close(): Promise<void> } {
  let store: Promise<Outbox> | null = null;
  const chain = (): Promise<Outbox> =>
    (store ??= (deps.openChainStore ?? (async () => (await import('../../outbox/postgres/outbox.js')).openPostgresOutbox({ url: config.url, password: deps.password, ...(config.schema ? { schema: config.schema } : {}), poolSize: 2 })))().catch((e: unknown) => {
      store = null;
      throw new FiscalError('transient', 'chain-unreachable', `The chain's store cannot be reached: ${e instanceof Error ? e.message : String(e)}; receipts wait here and go on in order.`);
    }));

  const resultOf = async (id: string): Promise<FiscalResult | null | 'pending'> => {
    const v = await (await chain()).get(id).catch((e: unknown) => {
      throw new FiscalError('transient', 'chain-unreachable', `The chain's store did not answer: ${e instanceof Error ? e.message : String(e)}`);
    });
    if (!v) return null;
    if (v.state === 'fiscalised' && v.fiscal) return v.fiscal;
    if (v.state === 'rejected')
      throw new FiscalError('permanent', 'chain-rejected', `The chain's cash register refused receipt ${id}: ${v.reasons.map((r) => `${r.code}: ${r.message}`).join('; ') || 'see the chain'}.`);
    return 'pending';
  };

  const waitFor = async (id: string): Promise<FiscalResult> => {
    const until = Date.now() + config.waitMs;
    for (let pause = 20; ; pause = Math.min(500, pause * 2)) {
      const r = await resultOf(id);
      if (r && r !== 'pending') return r;
      if (Date.now() + pause > until) break;
      await new Promise((res) => setTimeout(res, pause));
    }
    throw new FiscalError('unknown-result', 'forwarded', `Receipt ${id} is at the chain but not fiscalised yet; asked again later.`);
  };

  const forward = async (receipt: FiscalReceipt): Promise<FiscalResult> => {
    const { customer, ...rest } = receipt;
    try {
      await (await chain()).append({ receipt: rest, customer: customer ?? null, hash: receiptHash(receipt), fiscal: null }, config.chainChannel ?? null);
    } catch (e) {
      if (e instanceof FiscalError) throw e;
      const code = (e as { code?: string }).code;
      if (code === 'id-conflict') throw new FiscalError('permanent', 'chain-id-conflict', `The chain already holds a different receipt under id ${receipt.id}; use unique ids per chain (e.g. prefix the store).`);
      // The append may or may not have committed: find out before anything else.
      throw new FiscalError('unknown-result', 'chain-append', `Forwarding receipt ${receipt.id} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    return waitFor(receipt.id);
  };

  return {
    name: 'forward',
    idempotent: true,
    requestsPerMinute: null,
    sell: (r) => forward(r),
    refund: (r) => forward(r),
    findByKey: async (key) => {
      const r = await resultOf(key);
      if (r === 'pending') throw new FiscalError('unknown-result', 'forwarded', `Receipt ${key} is at the chain but not fiscalised yet.`);
      return r;
    },
    health: async (): Promise<ChannelHealth> => {
      try {
        const s = await (await chain()).stats();
        return { ok: true, problems: s.deadLetters ? [{ code: 'chain-dead-letters', message: `the chain holds ${s.deadLetters} refused receipt(s)` }] : [] };
      } catch (e) {
        return { ok: false, problems: [{ code: 'chain-unreachable', message: e instanceof Error ? e.message : String(e) }] };
      }
    },
    close: async () => {
      const s = store;
      store = null;
      if (s) await (await s.catch(() => null))?.close();
    },
  };
}
