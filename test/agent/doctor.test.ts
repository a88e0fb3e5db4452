/** `runDoctor` checks that need injected devices: scanners found by discovery, in the right and the wrong mode. */
import { describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/agent/doctor.js';

describe('doctor: scanners', () => {
  it('points at a scanner found in keyboard mode and says how to switch it', async () => {
    const r = await runDoctor({
      env: {},
      flags: { port: '0' },
      discovery: {
        serialList: async () => [{ path: '/dev/ttyACM0', vendorId: '0c2e', productId: '0720' }],
        hidList: async () => [{ path: '/dev/hidraw3', vendorId: 0x0c2e, productId: 0x0204, usagePage: 1, usage: 6, product: 'Voyager 1450g', interface: 0 }],
        platform: 'linux',
      },
    });
    const s = r.checks.find((c) => c.name === 'scanners')!;
    expect(s.verdict).toBe('warn');
    expect(s.detail).toContain('/dev/ttyACM0');
    expect(s.detail).toContain('/dev/hidraw3');
    expect(s.fix).toMatch(/USB-COM|HID POS/);
  });

  it('is fine with no scanner at all', async () => {
    const r = await runDoctor({ env: {}, flags: { port: '0' }, discovery: { serialList: async () => [], hidList: async () => [] } });
    expect(r.checks.find((c) => c.name === 'scanners')).toMatchObject({ verdict: 'ok' });
    expect(r.checks.find((c) => c.name === 'agent')).toMatchObject({ verdict: 'skip' });
  });
});

describe('doctor: fiscal channels', () => {
  it('checks each register through its channel: reachable with good credentials, refused credentials, no channel', async () => {
    const { createWebkassaEmulator } = await import('../../src/emulator/webkassa/index.js');
    const emu = await createWebkassaEmulator();
    try {
      const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
      const { join } = await import('node:path');
      const { tmpdir } = await import('node:os');
      const dir = mkdtempSync(join(tmpdir(), 'tanba-doctor-'));
      const file = join(dir, 'agent.json');
      writeFileSync(
        file,
        JSON.stringify({
          fiscal: { channel: 'webkassa', url: emu.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', cashbox: 'SWK00000001' },
          registers: [{ id: 'good', fiscal: { password: 'demo' } }, { id: 'wrong-password', fiscal: { password: 'nope' } }, { id: 'pos', fiscal: { channel: 'external' } }],
        }),
      );
      const r = await runDoctor({ env: {}, flags: { config: file, port: '0' }, discovery: { serialList: async () => [], hidList: async () => [] } });
      rmSync(dir, { recursive: true, force: true });
      expect(r.checks.find((c) => c.name === 'fiscal:good')).toMatchObject({ verdict: 'ok', detail: expect.stringContaining('credentials accepted') });
      const bad = r.checks.find((c) => c.name === 'fiscal:wrong-password')!;
      expect(bad.verdict).toBe('fail');
      expect(bad.fix).toContain('fiscal.password');
      expect(r.checks.find((c) => c.name === 'fiscal:pos')).toMatchObject({ verdict: 'ok' });
      expect(JSON.stringify(r)).not.toContain('"demo"');
      expect(r.ok).toBe(false);
    } finally {
      await emu.close();
    }
  });
});
