/**
 * `tanba parse`: reads stdin, one JSON string literal per line (so GS and control bytes survive), and
 * writes one ParseResult JSON object per line, in order. A line that is not a JSON string is parsed as
 * raw text (a scanner piped straight in), so nothing is dropped.
 */
import type { Command } from 'commander';
import { createInterface } from 'node:readline';
import { parseCode } from '../../marking/index.js';
import type { Country, ParseOptions } from '../../marking/index.js';

export function lineToInput(line: string): string {
  const t = line.trim();
  if (t.startsWith('"')) {
    try {
      const v: unknown = JSON.parse(t);
      if (typeof v === 'string') return v;
    } catch {
      // not JSON: fall through to raw text
    }
  }
  return line;
}

export function register(program: Command): void {
  program
    .command('parse')
    .description('parse marking codes from stdin (one JSON string per line) into ParseResult JSON lines')
    .option('--country <country>', 'country profile: KZ, RU or UZ', 'KZ')
    .option('--gs-substitute <text...>', 'extra text a scanner sends instead of GS (repeatable)')
    .action(async (opts: { country: string; gsSubstitute?: string[] }) => {
      const country = opts.country.toUpperCase();
      if (country !== 'KZ' && country !== 'RU' && country !== 'UZ') {
        throw new Error(`--country must be KZ, RU or UZ, not ${JSON.stringify(opts.country)}`);
      }
      const options: ParseOptions = { country: country as Country, gsSubstitutes: opts.gsSubstitute };
      const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
      for await (const line of rl) {
        if (line.length === 0) continue;
        if (!process.stdout.write(JSON.stringify(parseCode(lineToInput(line), options)) + '\n')) {
          await new Promise((r) => process.stdout.once('drain', r));
        }
      }
    });
}
