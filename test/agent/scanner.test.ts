/** The agent with a configured serial scanner on a real pty pair (socat): scan → decision over SSE. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng, waterCode } from '../../src/agent/demo-codes.js';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { startPtyPair, Wire, type PtyPair } from '../drivers/support/pty.js';
import { get, openEvents, startTestAgent, type TestAgent } from './helpers.js';

describe('agent with a serial scanner (socat pty)', () => {
  let dir: string;
  let pair: PtyPair;
  let wire: Wire;
  let emu: Emulator;
  let t: TestAgent;
  const code = waterCode(prng(11));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tanba-agent-pty-'));
    pair = await startPtyPair(join(dir, 'ttyScanner'), join(dir, 'ttyWire'));
    emu = await createEmulator({ port: 0, codes: [{ code: code.ki, status: 'INTRODUCED' }] });
    t = await startTestAgent({ tracking: { url: emu.url, login: 'demo', password: 'demo' }, scanners: [{ driver: 'serial', path: pair.device, registerId: 'till-1' }] });
    wire = await Wire.open(pair.wire);
  });
  afterAll(async () => {
    await wire?.close();
    await t?.stop();
    await pair?.stop();
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('checks what the scanner reads and reports the scanner in the status', async () => {
    const es = await openEvents(`${t.url}/v1/events`);
    try {
      await expect.poll(async () => (await get(`${t.url}/v1/status`)).json.scanners.map((s: { state: string }) => s.state), { timeout: 10_000 }).toEqual(['connected']);
      const till2 = await openEvents(`${t.url}/v1/events?registerId=till-2`);
      await wire.write(`]d2${code.km}\r`);
      const scan = await es.next((e) => e.event === 'scan');
      expect(scan.data).toMatchObject({ symbology: ']d2', source: { driver: 'serial', path: pair.device }, registerId: 'till-1' });
      // Another till's POS does not get this scanner's scans (the decision follows the scan, so by then it would have).
      await till2.next((e) => e.event === 'decision' && e.data.code.ki === code.ki);
      expect(till2.events.filter((e) => e.event === 'scan')).toEqual([]);
      till2.close();
      expect(Buffer.from(scan.data.rawBase64, 'base64').toString('latin1')).toBe(code.km);
      const d = await es.next((e) => e.event === 'decision' && e.data.code.ki === code.ki);
      expect(d.data.verdict).toBe('allow');
      const m = await get(`${t.url}/metrics`);
      expect(m.text).toMatch(/^tanba_scanners_connected 1$/m);
    } finally {
      es.close();
    }
  });
});

describe('agent discovering its scanners', () => {
  it('opens a likely USB-COM scanner found at start, leaves other devices alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tanba-agent-disc-'));
    const pair = await startPtyPair(join(dir, 'ttyACM0'), join(dir, 'ttyWire'));
    const code = waterCode(prng(12));
    const t = await startTestAgent(
      { discoverScanners: true },
      {
        discovery: {
          // A Honeywell scanner in USB-COM mode, and a USB-serial adapter that is not a scanner.
          serialList: async () => [
            { path: pair.device, vendorId: '0c2e', productId: '0720', manufacturer: 'Honeywell' },
            { path: join(dir, 'ttyUSB9'), vendorId: '0403', productId: '6001', manufacturer: 'FTDI' },
          ],
          hidList: async () => [],
        },
      },
    );
    const wire = await Wire.open(pair.wire);
    try {
      await expect.poll(async () => (await get(`${t.url}/v1/status`)).json.scanners, { timeout: 10_000 }).toEqual([{ path: pair.device, driver: 'serial', state: 'connected' }]);
      const es = await openEvents(`${t.url}/v1/events?types=decision`);
      await wire.write(`${code.km}\r`);
      const d = await es.next((e) => e.data.code.ki === code.ki);
      expect(d.data.code.ok).toBe(true);
      es.close();
    } finally {
      await wire.close();
      await t.stop();
      await pair.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
