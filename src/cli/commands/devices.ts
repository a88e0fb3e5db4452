/**
 * `tanba devices`: serial ports and HID devices, likely scanners first, with what mode each is in
 * and what to do. `--json` prints one JSON object per device (and per problem) instead of a table.
 */
import type { Command } from 'commander';
import { listDevices, type DeviceEntry } from '../../../drivers/discovery.js';

function row(d: DeviceEntry): string {
  const id = d.usbId ?? '-';
  const name = [d.vendor ?? d.manufacturer, d.product].filter(Boolean).join(' ') || '-';
  const mark = d.likelyScanner ? '*' : ' ';
  let s = `${mark} ${d.kind.padEnd(12)} ${d.path.padEnd(22)} ${id.padEnd(9)} ${name}`;
  if (d.command) s += `\n    read:   ${d.command}`;
  if (d.advice) s += `\n    advice: ${d.advice}`;
  return s;
}

export function register(program: Command): void {
  program
    .command('devices')
    .description('list serial ports and HID devices, mark likely scanners and say how to read them')
    .option('--json', 'one JSON object per line')
    .option('--all', 'include HID devices that are not likely scanners (keyboards, mice…)')
    .action(async (opts: { json?: boolean; all?: boolean }) => {
      const { devices, problems } = await listDevices();
      const shown = devices.filter((d) => opts.all || d.likelyScanner || d.transport === 'serial');
      if (opts.json) {
        for (const d of shown) process.stdout.write(JSON.stringify(d) + '\n');
        for (const p of problems) process.stdout.write(JSON.stringify({ problem: p }) + '\n');
        return;
      }
      if (shown.length === 0) process.stdout.write('No serial ports or scanners found.\n');
      for (const d of shown) process.stdout.write(row(d) + '\n');
      const hidden = devices.length - shown.length;
      if (hidden > 0) process.stdout.write(`(${hidden} other HID devices hidden; --all shows them)\n`);
      for (const p of problems) process.stdout.write(`! ${p.transport}: ${p.code}: ${p.message}\n`);
      if (shown.some((d) => d.likelyScanner)) process.stdout.write('* = likely scanner\n');
    });
}
