/** `tanba agent`: runs the store agent in the foreground until SIGTERM/SIGINT. */
import type { Command } from 'commander';

export function registerAgent(program: Command): void {
  program
    .command('agent')
    .description('Run the store agent: local HTTP API, status page, metrics, sale log and relay')
    .option('--config <file>', 'JSON config file (also TANBA_CONFIG); without it the embedded defaults are used')
    .option('--port <n>', 'port to listen on (0 = any free port); overrides http.port')
    .option('--host <addr>', 'address to bind (default 127.0.0.1); off loopback a token is required')
    .option('--db <file>', 'SQLite sale log (default ./tanba.db); overrides db.path')
    .option('--tracking-url <url>', 'tracking system (or emulator) base URL; overrides tracking.url')
    .option('--token <secret>', 'API token (prefer TANBA_TOKEN)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .option('--log-file <file>', 'write rotated JSON logs here instead of stderr')
    .action(async (opts: Record<string, string | undefined>) => {
      // Loaded on use, so other commands start fast.
      const { ConfigError, loadConfig } = await import('../../agent/config.js');
      const { createAgent } = await import('../../agent/agent.js');
      let config;
      try {
        config = loadConfig({ flags: opts });
      } catch (e) {
        if (e instanceof ConfigError) {
          process.stderr.write(`tanba agent: ${e.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw e;
      }
      const agent = await createAgent({ config });
      // Ready means the status endpoint answers (terminal and database are up).
      const res = await fetch(`${agent.url}/v1/status`, { headers: config.http.token ? { authorization: `Bearer ${config.http.token}` } : {} });
      await res.body?.cancel();
      process.stdout.write(`tanba agent listening on ${agent.url}\n`);
      process.stdout.write(`  status page ${agent.url}/   API ${agent.url}/openapi.json   metrics ${agent.url}/metrics\n`);
      if (!config.tracking.url) process.stdout.write('  no tracking system configured (--tracking-url): checks are local only, sales stay queued\n');

      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) {
          process.stderr.write(`tanba agent: ${signal} again, exiting now\n`);
          process.exit(1);
        }
        stopping = true;
        process.stdout.write(`tanba agent: ${signal}, stopping (finishing in-flight writes)\n`);
        agent.close().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(`tanba agent: stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
