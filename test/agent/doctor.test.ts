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
