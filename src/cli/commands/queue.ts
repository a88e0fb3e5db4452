/** `tanba queue list | show <id> | retry <id>`: receipts on their way to each cash register, their fiscal state, dead letters. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { localUrl } from '../../agent/client.js';
import { type AgentConfig, ConfigError, loadConfig, storePath } from '../../agent/config.js';
const queueOps = () => import('../../agent/queue.js');

interface Common {
  config?: string;
  db?: string;
  port?: string;
  json?: boolean;
}

function configFrom(opts: Common): AgentConfig | null {
  try {
    return loadConfig({ flags: { config: opts.config, db: opts.db, port: opts.port } });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`tanba queue: ${e.message}\n`);
    process.exitCode = 2;
    return null;
  }
}

const fail = (e: unknown): void => {
  process.stderr.write(`tanba queue: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
};

export function registerQueue(program: Command): void {
  const queue = program.command('queue').description('Receipts waiting for their cash register, per register; fiscal signs; dead letters');
  const common = (c: Command): Command =>
    c.option('--config <file>', 'agent config file (to find the database and the agent)').option('--db <file>', 'SQLite sale log (default ./tanba.db)').option('--json', 'print JSON');

  common(queue.command('list').description('Receipts not yet fiscalised, dead letters first, with each register\'s state'))
    .option('--all', 'include fiscalised receipts')
    .option('--register <id>', 'only this register')
    .option('--dead', 'only dead letters')
    .option('--limit <n>', 'at most this many rows', '100')
    .action(async (opts: Common & { all?: boolean; dead?: boolean; limit: string; register?: string }) => {
      const c = configFrom(opts);
      if (!c) return;
      try {
        const { listQueue } = await queueOps();
        const l = await listQueue(resolve(storePath(c)), { all: opts.all, deadOnly: opts.dead, limit: Number(opts.limit) || 100, registerId: opts.register });
        if (opts.json) return void process.stdout.write(`${JSON.stringify(l, null, 2)}\n`);
        const counts = Object.entries(l.counts).map(([k, v]) => `${k} ${v}`).join(', ') || 'empty';
        process.stdout.write(`${counts}; ${l.deadLetters} dead letter(s)\n`);
        for (const g of l.registers)
          process.stdout.write(
            `register ${g.registerId} (${g.channel ?? 'no channel'}): ${g.pending} unsent${g.oldestPendingAt ? ` since ${g.oldestPendingAt}` : ''}, ${g.deadLetters} dead, last fiscalised ${g.lastFiscalisedAt ?? 'never'}${g.autonomousSince ? `, autonomous since ${g.autonomousSince}` : ''}\n`,
          );
        for (const r of l.rows)
          process.stdout.write(
            `${r.deadLetter ? 'DEAD ' : '     '}${r.type.padEnd(6)} ${r.id.padEnd(24)} ${r.registerId.padEnd(10)} ${r.state.padEnd(10)} attempts ${String(r.attempts).padEnd(3)} since ${r.createdAt}${r.fiscalSign ? `  fiscal sign ${r.fiscalSign}${r.isOffline ? ' (autonomous)' : ''}` : ''}${r.nextAttemptAt ? `  next ${r.nextAttemptAt}` : ''}${r.lastError ? `\n       ${r.lastError}` : ''}\n`,
          );
      } catch (e) {
        fail(e);
      }
    });

  common(queue.command('show <id>').description('One sale or return: items, state, attempts, last error')).action(async (id: string, opts: Common) => {
    const c = configFrom(opts);
    if (!c) return;
    try {
      const { showRecord } = await queueOps();
      const r = await showRecord(resolve(storePath(c)), id);
      if (!r) {
        process.stderr.write(`tanba queue: no sale or return with id "${id}"\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    } catch (e) {
      fail(e);
    }
  });

  common(queue.command('retry <id>').description('Put a dead letter back into the queue (through the running agent when there is one)'))
    .option('--port <n>', 'agent port')
    .action(async (id: string, opts: Common) => {
      const c = configFrom(opts);
      if (!c) return;
      try {
        const { retryRecord } = await queueOps();
        const r = await retryRecord(resolve(storePath(c)), id, { url: localUrl(c.http.host, c.http.port), token: c.http.token });
        process.stdout.write(opts.json ? `${JSON.stringify(r, null, 2)}\n` : `${id}: back in the queue as ${r.info.state} (via the ${r.via})\n`);
      } catch (e) {
        fail(e);
      }
    });
}
