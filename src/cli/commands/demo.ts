/** `tanba demo`: the emulators (tracking system, Webkassa), the agent and simulated scanners in one command; ends by itself. */
import { type Command, Option } from 'commander';
import { type Language, LANGUAGES } from '../../decision/locales/index.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Run a till end to end against emulated Webkassa and tracking system: scans, checks, fiscal receipts, an outage and recovery, a repeat, a return')
    .option('--fast', 'short pauses (a few seconds in all)')
    .addOption(new Option(`--lang <${LANGUAGES.join('|')}>`, 'language of cashier messages').choices(LANGUAGES).default('en'))
    .option('--keep', 'keep the demo database folder')
    .action(async (opts: { fast?: boolean; lang: Language; keep?: boolean }) => {
      const { demoProblems, runDemo } = await import('../../agent/demo.js');
      const r = await runDemo({ fast: opts.fast, language: opts.lang, keep: opts.keep });
      const problems = demoProblems(r);
      if (problems.length) {
        process.stderr.write(`tanba demo: the run did not show what it should:\n${problems.map((p) => `  ${p}\n`).join('')}`);
        process.exitCode = 1;
      }
    });
}
