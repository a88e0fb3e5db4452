/** Serial driver over real pty pairs made by socat: framing, AIM, garbage, oversize, busy, unplug/replug. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openSerialScanner, type SerialScanner, type SerialScannerOptions } from '../../drivers/serial.js';
import type { ScanEvent, ScannerError, ScannerStatus } from '../../src/scan/types.js';
import { collect, nextEvent } from './support/events.js';
import { startPtyPair, Wire, type PtyPair } from './support/pty.js';

const GS = '\x1d';
const KM = `0104601234567893215Xb7kPq${GS}91EE06${GS}92dGVzdGRhdGFzaWduYXR1cmU=`;

let dir: string;
let n = 0;
const open: { scanner?: SerialScanner; pair?: PtyPair; wire?: Wire }[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tanba-serial-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.scanner?.close();
    await o.wire?.close();
    await o.pair?.stop();
  }
});

async function setup(opts: Partial<SerialScannerOptions> = {}) {
  n++;
  const pair = await startPtyPair(join(dir, `dev${n}`), join(dir, `wire${n}`));
  const scanner = openSerialScanner({ path: pair.device, dedupeWindowMs: 0, ...opts });
  const entry: (typeof open)[number] = { scanner, pair };
  open.push(entry);
  await scanner.waitForState('connected');
  const wire = await Wire.open(pair.wire);
  entry.wire = wire;
  return { pair, scanner, wire };
}

describe('serial driver over a socat pty', () => {
  it('reads a CR-terminated frame with an AIM prefix, GS intact', async () => {
    const { scanner, wire } = await setup();
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    await wire.write(`]d2${KM}\r`);
    const scan = await got;
    expect(scan.symbology).toBe(']d2');
    expect(scan.text).toBe(KM);
    expect(Array.from(scan.raw)).toEqual(Array.from(Buffer.from(KM, 'latin1')));
    expect(scan.source).toMatchObject({ driver: 'serial', path: scanner.source.path });
    expect(Number.isNaN(Date.parse(scan.at))).toBe(false);
  });

  it('treats CRLF as one terminator and LF alone as a terminator, without empty scans', async () => {
    const { scanner, wire } = await setup();
    const got = collect<ScanEvent>(scanner, 'scan', 3);
    await wire.write('4601234567893\r\n');
    await wire.write(']C1010460123456789321ABC\n');
    await wire.write('\r\n\r\n4607654321098\r\n');
    const scans = await got;
    expect(scans.map((s) => [s.symbology, s.text])).toEqual([
      [null, '4601234567893'],
      [']C1', '010460123456789321ABC'],
      [null, '4607654321098'],
    ]);
  });

  it('joins a frame split across writes', async () => {
    const { scanner, wire } = await setup();
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    const firstChunk = nextEvent<number>(scanner, 'chunk');
    await wire.write(`]d2${KM.slice(0, 20)}`);
    await firstChunk; // the first half has reached the driver on its own
    await wire.write(`${KM.slice(20)}\r`);
    const scan = await got;
    expect(scan.symbology).toBe(']d2');
    expect(scan.text).toBe(KM);
  });

  it('splits two frames that arrive in one write', async () => {
    const { scanner, wire } = await setup();
    const got = collect<ScanEvent>(scanner, 'scan', 2);
    await wire.write(`]d2${KM}\r]E04601234567893\r`);
    const [a, b] = await got;
    expect([a.symbology, a.text]).toEqual([']d2', KM]);
    expect([b.symbology, b.text]).toEqual([']E0', '4601234567893']);
  });

  it('delivers binary garbage byte-exact, warns about it, and keeps reading', async () => {
    const { scanner, wire } = await setup();
    const garbage = Uint8Array.from([0x00, 0xff, 0x01, 0x80, 0xd0, 0x99, 0x1d, 0x7f, 0x02, 0xe8]);
    const got = collect<ScanEvent>(scanner, 'scan', 2);
    const warned = nextEvent<ScannerError>(scanner, 'error');
    await wire.write(Buffer.concat([garbage, Buffer.from(`\r]d2${KM}\r`, 'latin1')]));
    const [g, ok] = await got;
    expect(Array.from(g.raw)).toEqual(Array.from(garbage));
    expect(g.text.length).toBe(garbage.length); // latin1: one char per byte
    expect((await warned).code).toBe('frame-garbled');
    expect(ok.text).toBe(KM);
  });

  it('cuts an oversize frame with a clear error and recovers at the next terminator', async () => {
    const { scanner, wire } = await setup({ maxFrameBytes: 64 });
    const err = nextEvent<ScannerError>(scanner, 'error');
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    await wire.write(`${'9'.repeat(300)}\r]d2${KM}\r`);
    const e = await err;
    expect(e.code).toBe('frame-oversize');
    expect(e.message).toMatch(/300 bytes.*64-byte limit/);
    expect((await got).text).toBe(KM);
  });

  it('ends a frame on a configured suffix', async () => {
    const { scanner, wire } = await setup({ suffix: '\x03', crlf: false });
    const got = collect<ScanEvent>(scanner, 'scan', 2);
    await wire.write(`]d2${KM}\x03]Q3${KM}\x03`);
    const scans = await got;
    expect(scans.map((s) => s.symbology)).toEqual([']d2', ']Q3']);
    expect(scans.every((s) => s.text === KM)).toBe(true);
  });

  it('ends a suffix-less frame after the inter-byte timeout', async () => {
    const { scanner, wire } = await setup({ interByteTimeoutMs: 40 });
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    await wire.write(`]d2${KM}`);
    expect((await got).text).toBe(KM);
  });

  it('suppresses a double scan within the window', async () => {
    const { scanner, wire } = await setup({ dedupeWindowMs: 60_000 });
    const scans: ScanEvent[] = [];
    scanner.on('scan', (s: ScanEvent) => scans.push(s));
    const dup = nextEvent<ScanEvent>(scanner, 'duplicate');
    const other = nextEvent<ScanEvent>(scanner, 'scan', (s) => s.text === '4601234567893');
    await wire.write(`]d2${KM}\r]d2${KM}\r4601234567893\r`);
    expect((await dup).text).toBe(KM);
    await other;
    expect(scans.map((s) => s.text)).toEqual([KM, '4601234567893']);
  });

  it('is an async iterator that ends on close', async () => {
    const { scanner, wire } = await setup();
    await wire.write(`]d2${KM}\r4601234567893\r`);
    const seen: string[] = [];
    for await (const scan of scanner) {
      seen.push(scan.text);
      if (seen.length === 2) void scanner.close();
    }
    expect(seen).toEqual([KM, '4601234567893']);
    expect(scanner.state).toBe('closed');
  });

  it('reports a busy port instead of crashing', async () => {
    const { pair } = await setup();
    const second = openSerialScanner({ path: pair.device, reconnect: false });
    open.push({ scanner: second });
    const err = await nextEvent<ScannerError>(second, 'error');
    expect(err.code).toBe('port-busy');
    expect(err.message).toMatch(/in use/);
  });

  it('reports a missing port and keeps retrying until closed', async () => {
    const scanner = openSerialScanner({ path: join(dir, 'nope'), reconnect: { minDelayMs: 10, maxDelayMs: 20 } });
    open.push({ scanner });
    const err = await nextEvent<ScannerError>(scanner, 'error');
    expect(err.code).toBe('device-not-found');
    await scanner.waitForState('reconnecting');
    await scanner.close();
    expect(scanner.state).toBe('closed');
  });

  it('finds the port by vid/pid/serial and follows it to a new path after a replug', async () => {
    n++;
    const first = await startPtyPair(join(dir, `m-dev${n}`), join(dir, `m-wire${n}`));
    open.push({ pair: first });
    let current: string | null = first.device;
    const scanner = openSerialScanner({
      match: { vendorId: 0x0c2e, productId: 0x0b07, serialNumber: 'SN1' },
      list: async () => [
        { path: '/dev/ttyS0' },
        ...(current ? [{ path: current, vendorId: '0C2E', productId: '0B07', serialNumber: 'SN1' }] : []),
      ],
      dedupeWindowMs: 0,
      reconnect: { minDelayMs: 10, maxDelayMs: 50 },
    });
    open.push({ scanner });
    await scanner.waitForState('connected');
    expect(scanner.source).toMatchObject({ path: first.device, vendorId: 0x0c2e, productId: 0x0b07, serialNumber: 'SN1' });

    const down = nextEvent<ScannerStatus>(scanner, 'status', (s) => s.state === 'disconnected');
    current = null;
    await first.stop();
    await down;
    const second = await startPtyPair(join(dir, `m-dev${n}-b`), join(dir, `m-wire${n}-b`));
    open.push({ pair: second });
    current = second.device;
    await scanner.waitForState('connected');
    expect(scanner.source.path).toBe(second.device);
    const w = await Wire.open(second.wire);
    open.push({ wire: w });
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    await w.write(`]d2${KM}\r`);
    expect((await got).text).toBe(KM);
  });

  it('goes disconnected when socat dies and reconnects when it is back on the same path', async () => {
    const { pair, scanner, wire } = await setup({ reconnect: { minDelayMs: 20, maxDelayMs: 100 } });
    const down = nextEvent<ScannerStatus>(scanner, 'status', (s) => s.state === 'disconnected');
    await wire.close();
    await pair.stop();
    const st = await down;
    expect(st.code).toBe('device-gone');

    const again = await startPtyPair(pair.device, pair.wire);
    open.push({ pair: again });
    await scanner.waitForState('connected');
    const w2 = await Wire.open(again.wire);
    open.push({ wire: w2 });
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    await w2.write(`]d2${KM}\r`);
    expect((await got).text).toBe(KM);
  });
});
