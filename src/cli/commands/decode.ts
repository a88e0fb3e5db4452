/**
 * `tanba decode <image…>`: one JSON line per file, `{ file, codes: ParseResult[] }`; each code also
 * carries its AIM `symbology`. An unreadable file gets `error` and exit code 1; the others still print.
 */
import type { Command } from 'commander';
import { parseCode } from '../../marking/index.js';
import { scanParseInput } from '../../scan/event.js';
import { closeImageDecoder, decodeImage, ImageDecodeError, DEFAULT_IMAGE_FORMATS, type ImageFormat } from '../../../drivers/image.js';
import { parseOptionsFrom } from './scan.js';

export function register(program: Command): void {
  program
    .command('decode')
    .description('decode barcodes in image files (PNG, JPEG) and print one JSON line per file: { file, codes: ParseResult[] }')
    .argument('<image...>', 'image files')
    .option('--all', 'return every symbol in the image, not just the first')
    .option('--formats <list>', `comma-separated zxing formats (default ${DEFAULT_IMAGE_FORMATS.join(',')})`)
    .option('--country <country>', 'country profile: KZ, RU or UZ', 'KZ')
    .option('--gs-substitute <text...>', 'text a scanner sends instead of GS (repeatable)')
    .action(async (files: string[], opts: { all?: boolean; formats?: string; country?: string; gsSubstitute?: string[] }) => {
      const parseOptions = parseOptionsFrom(opts);
      const formats = opts.formats ? (opts.formats.split(',').map((s) => s.trim()) as ImageFormat[]) : undefined;
      try {
        for (const file of files) {
          let line: Record<string, unknown>;
          try {
            const codes = await decodeImage(file, { maxSymbols: opts.all ? 255 : 1, formats, fallbackBudgetMs: 2000 });
            line = {
              file,
              codes: codes.map((c) => ({ ...parseCode(scanParseInput(c), parseOptions), symbology: c.symbology })),
            };
          } catch (err) {
            const code = err instanceof ImageDecodeError ? err.code : 'image-decoder-failed';
            line = { file, codes: [], error: { code, message: err instanceof Error ? err.message : String(err) } };
            process.exitCode = 1;
          }
          process.stdout.write(JSON.stringify(line) + '\n');
        }
      } finally {
        await closeImageDecoder();
      }
    });
}
