/** `tanba doctor`: checks config, database, disk, clock, tracking and token, scanners, the agent; exit 1 on any FAIL. */
import type { Command } from 'commander';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check this installation part by part and say what to do about each problem')
    .option('--config <file>', 'agent config file (also TANBA_CONFIG)')
    .option('--port <n>', 'agent port')
    .option('--db <file>', 'SQLite sale log')
    .option('--tracking-url <url>', 'tracking system base URL')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { config?: string; port?: string; db?: string; trackingUrl?: string; json?: boolean }) => {
      const { json, ...flags } = opts;
      const { formatDoctor, runDoctor } = await import('../../agent/doctor.js');
      const { trackingHealth } = await import('../../agent/terminal-factory.js');
      const report = await runDoctor({ flags, trackingHealth });
      process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${formatDoctor(report)}\n`);
      process.exitCode = report.ok ? 0 : 1;
    });
}
