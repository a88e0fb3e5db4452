/** `tanba demo`: the emulator, the agent and a simulated scanner in one command; ends by itself. */
import type { Command } from 'commander';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run a till end to end against an emulated tracking system: scans, decisions, sales, an outage and recovery')
    .option('--fast', 'short pauses (a few seconds in all)')
    .option('--lang <kk|ru|en>', 'language of cashier messages', 'en')
    .option('--keep', 'keep the demo database folder')
    .action(async (opts: { fast?: boolean; lang?: string; keep?: boolean }) => {
      const language = opts.lang === 'kk' || opts.lang === 'ru' ? opts.lang : 'en';
      const { runDemo } = await import('../../agent/demo.js');
      const r = await runDemo({ fast: opts.fast, language, keep: opts.keep });
      const ok = r.sales.every((s) => s.state === 'confirmed') && r.duplicateDocuments === 0;
      if (!ok) {
        process.stderr.write(`tanba demo: not every sale was confirmed exactly once: ${JSON.stringify(r.sales)}\n`);
        process.exitCode = 1;
      }
    });
}
