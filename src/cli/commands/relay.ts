/**
 * `tanba relay --db postgres://… [--config FILE]`: a delivery worker without an HTTP API. It drains
 * the receipts of every configured register from the shared store into their cash registers,
 * alongside any number of agents and other relays on the same database (each worker's leases are
 * fenced). Runs until SIGTERM/SIGINT.
 */
import type { Command } from 'commander';

export function registerRelay(program: Command): void {
  program
    .command('relay')
    .description('Run a delivery worker on the shared store (PostgreSQL): receipts of the configured registers to their cash registers, no HTTP API')
    .option('--config <file>', 'JSON config file with the registers and their fiscal channels (also TANBA_CONFIG)')
    .option('--db <url>', 'the store: postgres://user@host/db (password in TANBA_STORE_PASSWORD) or a SQLite file')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent')
    .action(async (opts: { config?: string; db?: string; logLevel?: string }) => {
      const { ConfigError, loadConfig, resolveRegisters } = await import('../../agent/config.js');
      const { createLogger } = await import('../../agent/logger.js');
      const { createTerminalFromConfig } = await import('../../agent/terminal-factory.js');
      let config;
      try {
        config = loadConfig({ flags: { config: opts.config, db: opts.db, logLevel: opts.logLevel } });
      } catch (e) {
        if (e instanceof ConfigError) {
          process.stderr.write(`tanba relay: ${e.message}\n`);
          process.exitCode = 2;
          return;
        }
        throw e;
      }
      const logger = createLogger(config);
      const terminal = await createTerminalFromConfig({ ...config, scanners: [], discoverScanners: false }, logger, { scanners: [] });
      const regs = resolveRegisters(config).filter((r) => r.fiscal && r.fiscal.channel !== 'external');
      process.stdout.write(`tanba relay ${terminal.relay?.workerId ?? '(disabled)'} delivering for ${regs.length} register(s): ${regs.map((r) => r.id).join(', ')}\n`);
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) process.exit(1);
        stopping = true;
        process.stdout.write(`tanba relay: ${signal}, stopping (finishing in-flight sends)\n`);
        terminal.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
