/** stdin / keyboard-wedge driver: lines, CRLF, JSON string literals, AIM, Cyrillic text, end of input. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { openStdinScanner } from '../../drivers/stdin.js';
import type { ScanEvent } from '../../src/scan/types.js';

async function scansOf(input: string | Buffer, opts = {}): Promise<ScanEvent[]> {
  const stream = new PassThrough();
  const scanner = openStdinScanner({ input: stream, dedupeWindowMs: 0, ...opts });
  const out: ScanEvent[] = [];
  const done = (async () => {
    for await (const s of scanner) out.push(s);
  })();
  stream.end(input);
  await done;
  expect(scanner.state).toBe('closed');
  return out;
}

describe('stdin driver', () => {
  it('emits one scan per line (LF, CRLF, last line without newline)', async () => {
    const scans = await scansOf('4601234567893\r\n]E04607654321098\n\n0104601234567893215Xb7kPq');
    expect(scans.map((s) => [s.symbology, s.text])).toEqual([
      [null, '4601234567893'],
      [']E0', '4607654321098'],
      [null, '0104601234567893215Xb7kPq'],
    ]);
    expect(scans[0].source).toEqual({ driver: 'stdin', path: 'stdin' });
  });

  it('unescapes JSON string literals so GS survives a pipe', async () => {
    const [s] = await scansOf('"]d20104601234567893215Xb7kPq\\u001d93dGVz"\n');
    expect(s.symbology).toBe(']d2');
    expect(s.text).toBe('0104601234567893215Xb7kPq\x1d93dGVz');
    expect(Array.from(s.raw)).toContain(0x1d);
  });

  it('keeps what a Cyrillic-layout wedge typed, for the layout repair downstream', async () => {
    const [s] = await scansOf('0104601234567893215Чи7лЗй\n');
    expect(s.text).toBe('0104601234567893215Чи7лЗй');
  });

  it('reads raw bytes as latin1 when asked', async () => {
    const [s] = await scansOf(Buffer.from([0x41, 0x1d, 0xe8, 0x42, 0x0a]), { encoding: 'latin1' });
    expect(s.text).toBe('A\x1d\u00e8B');
  });
});
