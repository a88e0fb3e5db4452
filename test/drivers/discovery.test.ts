/** Device discovery: likely scanners, modes, advice; enumeration failures become problems; native modules load lazily. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listDevices } from '../../drivers/discovery.js';
import { modeFromIds } from '../../drivers/vendors.js';

describe('listDevices', () => {
  it('marks scanners, their mode and what to do', async () => {
    const { devices, problems } = await listDevices({
      platform: 'linux',
      serialList: async () => [
        { path: '/dev/ttyS0' },
        { path: '/dev/ttyACM0', vendorId: '0C2E', productId: '0B07', manufacturer: 'Honeywell', serialNumber: 'X1' },
        { path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523' },
      ],
      hidList: async () => [
        { path: '/dev/hidraw0', vendorId: 0x046d, productId: 0xc31c, usagePage: 1, usage: 6, product: 'USB Keyboard' },
        { path: '/dev/hidraw1', vendorId: 0x1eab, productId: 0x1d03, usagePage: 1, usage: 6, product: 'FM430' },
        { path: '/dev/hidraw2', vendorId: 0x0c2e, productId: 0x0b81, usagePage: 0x8c, usage: 2 },
      ],
    });
    expect(problems).toEqual([]);
    const by = Object.fromEntries(devices.map((d) => [d.path, d]));
    expect(by['/dev/ttyACM0']).toMatchObject({ likelyScanner: true, vendor: 'Honeywell (Metrologic)', usbId: '0c2e:0b07', command: 'tanba scan --serial /dev/ttyACM0' });
    expect(by['/dev/ttyUSB0']).toMatchObject({ likelyScanner: false });
    expect(by['/dev/ttyUSB0'].advice).toMatch(/white-label/);
    expect(by['/dev/hidraw0'].likelyScanner).toBe(false);
    expect(by['/dev/hidraw1']).toMatchObject({ kind: 'hid-keyboard', mode: 'keyboard', likelyScanner: true, command: 'tanba scan --hid-keyboard /dev/hidraw1' });
    expect(by['/dev/hidraw1'].advice).toMatch(/Keyboard mode: switch the scanner to USB-COM or HID POS/);
    expect(by['/dev/hidraw2']).toMatchObject({ kind: 'hid-pos', mode: 'hid-pos', likelyScanner: true, command: 'tanba scan --hid /dev/hidraw2', advice: null });
    expect(devices.findIndex((d) => !d.likelyScanner)).toBeGreaterThan(devices.findIndex((d) => d.path === '/dev/hidraw2'));
  });

  it('on Windows says the keyboard-mode scanner cannot be read directly', async () => {
    const { devices } = await listDevices({
      platform: 'win32',
      serialList: async () => [],
      hidList: async () => [{ path: '\\\\?\\hid#vid_05e0&pid_1200', vendorId: 0x05e0, productId: 0x1200, usagePage: 1, usage: 6 }],
    });
    expect(devices[0].advice).toMatch(/does not let tanba read keyboards/);
    expect(devices[0].command).toBeNull();
  });

  it('turns enumeration failures into problems with fixes', async () => {
    const { devices, problems } = await listDevices({
      serialList: async () => {
        throw new Error('spawn udevadm ENOENT');
      },
      hidList: async () => {
        throw new Error('boom');
      },
    });
    expect(devices).toEqual([]);
    expect(problems.find((p) => p.transport === 'serial')).toMatchObject({ code: 'udev-missing' });
    expect(problems.find((p) => p.transport === 'hid')?.code).toBeTruthy();
  });

  it('knows mode-specific product ids', () => {
    expect(modeFromIds(0x1eab, 0x1d06)).toBe('serial');
    expect(modeFromIds(0x1eab, 0x1d10)).toBe('hid-pos');
    expect(modeFromIds(0x05e0, 0x1200)).toBe('keyboard');
    expect(modeFromIds(0x0c2e, 0x0720)).toBe('serial');
    expect(modeFromIds(0x1234, 0x0001)).toBe('unknown');
  });
});

describe('lazy native modules', () => {
  it('imports node-hid and serialport only dynamically, so the SDK loads without libusb', () => {
    const root = resolve(import.meta.dirname, '../..');
    const files = [
      ...readdirSync(join(root, 'drivers')).map((f) => join(root, 'drivers', f)),
      ...readdirSync(join(root, 'src/scan')).map((f) => join(root, 'src/scan', f)),
      join(root, 'src/index.ts'),
    ].filter((f) => f.endsWith('.ts'));
    for (const f of files) {
      const src = readFileSync(f, 'utf8');
      const staticImports = [...src.matchAll(/^import\s+(?!type\b)[^;]*from\s+'(node-hid|serialport|zxing-wasm[^']*)'/gm)];
      expect(staticImports.map((m) => `${f}: ${m[0]}`)).toEqual([]);
    }
  });
});
