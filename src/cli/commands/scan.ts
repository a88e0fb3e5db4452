/**
 * `tanba scan --serial <path> [--baud N] | --hid <path> | --hid-keyboard <path> | --stdin`:
 * one JSON line per scan — the ParseResult of the code plus `source`, `symbology` and `at`.
 * Device status and errors go to stderr as readable lines; the command never crashes on them.
 */
import type { Command } from 'commander';
import { parseCode } from '../../marking/index.js';
import type { Country, ParseOptions } from '../../marking/index.js';
import { scanParseInput } from '../../scan/event.js';
import type { ScanEvent, Scanner, ScannerError, ScannerStatus } from '../../scan/types.js';
import { openSerialScanner } from '../../../drivers/serial.js';
import { openHidPosScanner } from '../../../drivers/hid-pos.js';
import { openHidKeyboardScanner } from '../../../drivers/hid-keyboard.js';
import { openStdinScanner } from '../../../drivers/stdin.js';

export interface ScanLine {
  [key: string]: unknown;
  source: ScanEvent['source'];
  symbology: string | null;
  at: string;
}

/** The JSON object printed for one scan. */
export function scanToLine(scan: ScanEvent, options: ParseOptions = {}): ScanLine {
  return { ...parseCode(scanParseInput(scan), options), source: scan.source, symbology: scan.symbology, at: scan.at };
}

export function parseOptionsFrom(opts: { country?: string; gsSubstitute?: string[] }): ParseOptions {
  const country = (opts.country ?? 'KZ').toUpperCase();
  if (country !== 'KZ' && country !== 'RU' && country !== 'UZ') {
    throw new Error(`--country must be KZ, RU or UZ, not ${JSON.stringify(opts.country)}`);
  }
  const o: ParseOptions = { country: country as Country };
  if (opts.gsSubstitute?.length) o.gsSubstitutes = opts.gsSubstitute;
  return o;
}

/** `\r`, `\n`, `\t`, `\xHH`, `\uHHHH` in a command-line argument → the characters. */
export function unescapeArg(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|[rnt\\])/g, (_m, e: string) => {
    if (e === 'r') return '\r';
    if (e === 'n') return '\n';
    if (e === 't') return '\t';
    if (e === '\\') return '\\';
    return String.fromCharCode(parseInt(e.slice(1), 16));
  });
}

/** `usb:vvvv:pppp[:serial]` → USB ids to find the device by (its path may change after a replug). */
export function parseUsbSpec(s: string): { vendorId: number; productId: number; serialNumber?: string } | null {
  const m = /^usb:([0-9a-f]{4}):([0-9a-f]{4})(?::(.+))?$/i.exec(s);
  if (!m) return null;
  const out: { vendorId: number; productId: number; serialNumber?: string } = { vendorId: parseInt(m[1], 16), productId: parseInt(m[2], 16) };
  if (m[3]) out.serialNumber = m[3];
  return out;
}

function parseIntOption(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not ${JSON.stringify(v)}`);
  return n;
}

interface ScanCliOptions {
  serial?: string;
  baud?: string;
  hid?: string;
  hidKeyboard?: string;
  stdin?: boolean;
  suffix?: string;
  dedupeMs?: string;
  country?: string;
  gsSubstitute?: string[];
}

export function register(program: Command): void {
  program
    .command('scan')
    .description('read scans from a scanner and print one JSON line per scan (ParseResult + source, symbology, at)')
    .option('--serial <path>', 'serial / USB-COM port, e.g. /dev/ttyACM0 or COM3, or usb:vid:pid[:serial] to follow it across replugs')
    .option('--baud <n>', 'baud rate for RS-232 scanners', '9600')
    .option('--hid <path>', 'HID POS scanner (usage page 0x8C) device path, or usb:vid:pid[:serial]')
    .option('--hid-keyboard <path>', 'keyboard-mode scanner read raw through hidraw (Linux only)')
    .option('--stdin', 'one scan per line from stdin (keyboard wedge or pipe; JSON string lines are unescaped)')
    .option('--suffix <text>', 'extra end-of-frame text for serial scanners (CR/LF always end a frame)')
    .option('--dedupe-ms <n>', 'suppress the same code read again within this many ms', '1000')
    .option('--country <country>', 'country profile: KZ, RU or UZ', 'KZ')
    .option('--gs-substitute <text...>', 'text a scanner sends instead of GS (repeatable)')
    .action(async (opts: ScanCliOptions) => {
      const parseOptions = parseOptionsFrom(opts);
      const chosen = [opts.serial, opts.hid, opts.hidKeyboard, opts.stdin].filter(Boolean).length;
      if (chosen !== 1) throw new Error('give exactly one of --serial <path>, --hid <path>, --hid-keyboard <path>, --stdin');
      const dedupeWindowMs = parseIntOption(opts.dedupeMs ?? '1000', '--dedupe-ms');
      let scanner: Scanner;
      const where = (p: string) => {
        const match = parseUsbSpec(p);
        return match ? { match } : { path: p };
      };
      if (opts.serial) {
        scanner = openSerialScanner({
          ...where(opts.serial),
          baudRate: parseIntOption(opts.baud ?? '9600', '--baud'),
          suffix: opts.suffix ? unescapeArg(opts.suffix) : null,
          dedupeWindowMs,
        });
      } else if (opts.hid) scanner = openHidPosScanner({ ...where(opts.hid), dedupeWindowMs });
      else if (opts.hidKeyboard) scanner = openHidKeyboardScanner({ ...where(opts.hidKeyboard), dedupeWindowMs });
      else scanner = openStdinScanner({ dedupeWindowMs });

      scanner.on('status', (s: ScannerStatus) => {
        process.stderr.write(`tanba scan: ${s.source.path} ${s.state}${s.code ? ` (${s.code})` : ''}\n`);
      });
      scanner.on('error', (e: ScannerError) => {
        process.stderr.write(`tanba scan: ${e.code}: ${e.message}\n`);
        if (e.code === 'keyboard-unsupported-os' || e.code === 'driver-unavailable') {
          process.exitCode = 2;
          void scanner.close();
        }
      });
      const stop = (): void => void scanner.close();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      for await (const scan of scanner) {
        if (!process.stdout.write(JSON.stringify(scanToLine(scan, parseOptions)) + '\n')) {
          await new Promise((r) => process.stdout.once('drain', r));
        }
      }
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    });
}
