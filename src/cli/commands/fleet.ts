/**
 * `tanba fleet [--url AGENT | --db STORE | --config FILE] [--json]`: every register of the store —
 * on a chain's shared PostgreSQL store, every store and till — with its queue, oldest unsent
 * receipt, hours left before the 72 h block, dead letters and last success.
 */
import type { Command } from 'commander';
import type { FleetView } from '../../terminal/types.js';

export function registerFleet(program: Command): void {
  program
    .command('fleet')
    .description('Every register of the store (the whole chain on PostgreSQL): queue, oldest unsent, hours left before the 72 h block, dead letters')
    .option('--url <url>', 'ask a running agent (GET /v1/fleet)')
    .option('--db <store>', 'read the store directly: postgres://… or a SQLite file')
    .option('--config <file>', 'agent config file (to find the store)')
    .option('--json', 'print JSON')
    .action(async (opts: { url?: string; db?: string; config?: string; json?: boolean }) => {
      let view: FleetView;
      try {
        if (opts.url) {
          const token = process.env.TANBA_TOKEN;
          const res = await fetch(new URL('/v1/fleet', opts.url), { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
          if (!res.ok) throw new Error(`the agent at ${opts.url} answered ${res.status}${res.status === 401 ? ': set TANBA_TOKEN' : ''}`);
          view = (await res.json()) as FleetView;
        } else {
          const { loadConfig, storePath } = await import('../../agent/config.js');
          const { openTerminal } = await import('../../batteries.js');
          const c = loadConfig({ flags: { config: opts.config, db: opts.db } });
          const store =
            c.store?.kind === 'postgres'
              ? { kind: 'postgres' as const, url: c.store.url, password: process.env.TANBA_STORE_PASSWORD || undefined, ...(c.store.schema ? { schema: c.store.schema } : {}) }
              : { kind: 'sqlite' as const, path: storePath(c) };
          const t = await openTerminal({ store, registers: [{ id: 'default' }], tracking: null, relay: { enabled: false } });
          try {
            view = await t.fleet();
          } finally {
            await t.close();
          }
        }
      } catch (e) {
        process.stderr.write(`tanba fleet: ${e instanceof Error ? e.message : String(e)}\n`);
        process.exitCode = 2;
        return;
      }
      if (opts.json) return void process.stdout.write(`${JSON.stringify(view, null, 2)}\n`);
      const t = view.totals;
      process.stdout.write(
        `${t.registers} register(s), ${t.pending} unsent${t.oldestUnsentAt ? ` (oldest ${t.oldestUnsentAt})` : ''}, ${t.deadLetters} dead letter(s)${t.leastHoursLeft !== null ? `, least ${t.leastHoursLeft} h left before the 72 h block` : ''}\n`,
      );
      for (const r of view.registers)
        process.stdout.write(
          `  ${r.id.padEnd(20)} ${(r.channel ?? 'no channel').padEnd(10)} ${String(r.pending).padStart(6)} unsent${r.oldestUnsentAt ? ` since ${r.oldestUnsentAt}` : ''}${r.hoursLeft !== null ? `  ${r.hoursLeft} h left` : ''}  ${r.deadLetters} dead  last ${r.lastFiscalisedAt ?? 'never'}\n`,
        );
      process.exitCode = view.registers.some((r) => r.deadLetters > 0 || (r.hoursLeft !== null && r.hoursLeft <= 24)) ? 1 : 0;
    });
}
