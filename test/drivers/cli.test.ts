/** `tanba scan`, `tanba decode`, `tanba devices` as a user runs them (child processes, a real pty, real files). */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseUsbSpec, unescapeArg } from '../../src/cli/commands/scan.js';
import { pngOf } from './support/synth.js';
import { startPtyPair, waitUntil, Wire } from './support/pty.js';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const MAIN = join(ROOT, 'src/cli/main.ts');
const GS = '\x1d';
const KM = `0104601234567893215Xb7kPq${GS}93dGVz`;

function tanba(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [TSX, MAIN, ...args], { cwd: ROOT, stdio: 'pipe' });
}

async function run(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = tanba(args);
  let stdout = '';
  let stderr = '';
  p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  p.stdin.end(stdin ?? '');
  const [code] = (await once(p, 'close')) as [number | null];
  return { code, stdout, stderr };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tanba-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tanba scan', () => {
  it('--stdin prints ParseResult + source, symbology, at per line', async () => {
    const { code, stdout } = await run(['scan', '--stdin'], `${JSON.stringify(`]d2${KM}`)}\n4601234567893\n`);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ ok: true, kind: 'marking', km: KM, symbology: ']d2', source: { driver: 'stdin' } });
    expect(Number.isNaN(Date.parse(lines[0].at as string))).toBe(false);
    expect(lines[1]).toMatchObject({ kind: 'gtin', gtin: '04601234567893', symbology: null });
  });

  it('--serial reads a real pty and exits cleanly on SIGINT', async () => {
    const pair = await startPtyPair(join(dir, 'dev'), join(dir, 'wire'));
    const p = tanba(['scan', '--serial', pair.device]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitUntil(() => stderr.includes('connected'), 15_000, 'scan to connect');
      const wire = await Wire.open(pair.wire);
      await wire.write(`]d2${KM}\r\n`);
      await waitUntil(() => stdout.includes('\n'), 5000, 'a scan line');
      await wire.close();
      const line = JSON.parse(stdout.split('\n')[0]) as Record<string, unknown>;
      expect(line).toMatchObject({ ok: true, km: KM, ki: '0104601234567893215Xb7kPq', symbology: ']d2', source: { driver: 'serial', path: pair.device } });
      p.kill('SIGINT');
      const [code] = (await once(p, 'close')) as [number | null];
      expect(code).toBe(0);
    } finally {
      p.kill('SIGKILL');
      await pair.stop();
    }
  });

  it('refuses an ambiguous source choice', async () => {
    const { code, stderr } = await run(['scan', '--stdin', '--serial', '/dev/null']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/exactly one/);
  });

  it('reads usb:vid:pid[:serial] device specs', () => {
    expect(parseUsbSpec('usb:0C2E:0b07')).toEqual({ vendorId: 0x0c2e, productId: 0x0b07 });
    expect(parseUsbSpec('usb:1eab:1d06:SN 42')).toEqual({ vendorId: 0x1eab, productId: 0x1d06, serialNumber: 'SN 42' });
    expect(parseUsbSpec('/dev/ttyACM0')).toBeNull();
    expect(parseUsbSpec('usb:12:34')).toBeNull();
  });

  it('unescapes --suffix', () => {
    expect(unescapeArg('\\x03')).toBe('\x03');
    expect(unescapeArg('\\r\\n|\\t')).toBe('\r\n|\t');
  });
});

describe('tanba decode', () => {
  it('prints { file, codes } per file, with GS1 ParseResults, and an error line for a missing file', async () => {
    const good = join(dir, 'dm.png');
    writeFileSync(good, await pngOf('[01]04601234567893[21]5Xb7kPq[93]dGVz', { format: 'DataMatrix', options: 'gs1,forceSquare', scale: 4 }));
    const missing = join(dir, 'nope.png');
    const { code, stdout } = await run(['decode', good, missing]);
    expect(code).toBe(1);
    const [a, b] = stdout.trim().split('\n').map((l) => JSON.parse(l) as { file: string; codes: Record<string, unknown>[]; error?: { code: string } });
    expect(a.file).toBe(good);
    expect(a.codes).toHaveLength(1);
    expect(a.codes[0]).toMatchObject({ ok: true, kind: 'marking', km: KM, symbology: ']d2' });
    expect(b).toMatchObject({ file: missing, codes: [], error: { code: 'image-unreadable' } });
  });
});

describe('tanba devices', () => {
  it('--json prints one valid JSON object per line and exits 0', async () => {
    const { code, stdout } = await run(['devices', '--json', '--all']);
    expect(code).toBe(0);
    for (const l of stdout.trim().split('\n').filter(Boolean)) {
      const o = JSON.parse(l) as Record<string, unknown>;
      expect('path' in o || 'problem' in o).toBe(true);
    }
  });
});
