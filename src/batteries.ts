/**
 * Batteries: `openTerminal(options)` picks the concrete parts a till usually wants — the SQLite
 * outbox in a file, the fiscal channel of each register from its configuration, the tracking
 * adapter from its configuration — and hands them to `createTerminal`. The one place in the SDK
 * that chooses implementations; embedders with their own store or channels call createTerminal.
 */
import { join } from 'node:path';
import { createChannel, fiscalConfigSchema, type ChannelLogger, type FiscalConfigInput } from './fiscal/create.js';
import type { FiscalChannel } from './fiscal/types.js';
import type { Outbox } from './outbox/ports.js';
import { openSqliteOutbox } from './outbox/sqlite/outbox.js';
import { createTerminal, type TanbaTerminal, type TerminalConfig } from './terminal/terminal.js';
import type { TrackingConfig } from './tracking/config.js';
import { createTrackingSystem } from './tracking/factory.js';
import type { TrackingSystem } from './tracking/types.js';

export interface OpenTerminalOptions extends Omit<TerminalConfig, 'outbox' | 'registers' | 'tracking'> {
  /**
   * Default: SQLite `tanba.db` in the working folder. `postgres`: the shared store of a chain or
   * cloud POS (password here or in the URL; the agent passes TANBA_STORE_PASSWORD).
   */
  store?: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string; password?: string; schema?: string; poolSize?: number };
  /** Default: one register "default" without a channel (receipts are kept and wait). */
  registers?: { id: string; vatRate?: number | null; fiscal?: FiscalConfigInput | FiscalChannel | null }[];
  /** The pre-sale check: an adapter configuration, a ready TrackingSystem, or null (local knowledge only). */
  tracking?: TrackingConfig | TrackingSystem | null;
  logger?: ChannelLogger & { child?(b: object): ChannelLogger };
}

function isChannel(x: unknown): x is FiscalChannel {
  return typeof x === 'object' && x !== null && typeof (x as FiscalChannel).sell === 'function';
}

function isTracking(x: unknown): x is TrackingSystem {
  return typeof x === 'object' && x !== null && typeof (x as TrackingSystem).checkCodes === 'function';
}

export async function openTerminal(options: OpenTerminalOptions = {}): Promise<TanbaTerminal> {
  const { store, registers, tracking, logger, ...rest } = options;
  const now = rest.now ?? Date.now;
  const built: FiscalChannel[] = [];
  let ownTracking: TrackingSystem | null = null;
  const outbox: Outbox =
    store?.kind === 'postgres'
      ? // Loaded only when used: a till on SQLite never loads the PostgreSQL client.
        await (await import('./outbox/postgres/outbox.js')).openPostgresOutbox({ url: store.url, password: store.password, schema: store.schema, poolSize: store.poolSize })
      : openSqliteOutbox({ path: store?.path ?? join(process.cwd(), 'tanba.db'), now });
  try {
    const regs = (registers ?? [{ id: 'default' }]).map((r) => {
      let channel: FiscalChannel | null = null;
      if (isChannel(r.fiscal)) channel = r.fiscal;
      else if (r.fiscal) {
        channel = createChannel(fiscalConfigSchema.parse(r.fiscal), { logger: logger?.child?.({ part: 'fiscal', register: r.id }) ?? logger, now });
        built.push(channel);
      }
      return { id: r.id, channel, vatRate: r.vatRate ?? null };
    });
    const t = isTracking(tracking) ? tracking : tracking ? (ownTracking = createTrackingSystem({ now, ...tracking } as TrackingConfig)) : null;
    // On a shared store other processes append too: the relay looks every second, not only when woken here.
    const relay = store?.kind === 'postgres' ? { idlePollMs: 1000, ...(rest.relay ?? {}) } : rest.relay;
    return await createTerminal({ ...rest, ...(relay ? { relay } : {}), outbox, registers: regs, tracking: t });
  } catch (e) {
    await outbox.close().catch(() => undefined);
    for (const c of built) await c.close?.().catch(() => undefined);
    await ownTracking?.close?.().catch(() => undefined);
    throw e;
  }
}
