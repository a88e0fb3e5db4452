/** Raw keyboard reports → bytes: Ctrl+], F8, Alt+numpad, Shift, Caps Lock, rollover, idle timeout, OS refusal. */
import { afterEach, describe, expect, it } from 'vitest';
import { KeyboardReportDecoder } from '../../drivers/hid-keyboard-decoder.js';
import { openHidKeyboardScanner, type HidKeyboardScanner } from '../../drivers/hid-keyboard.js';
import type { ScanEvent, ScannerError, ScannerStatus } from '../../src/scan/types.js';
import { DriverUnavailableError } from '../../drivers/load-native.js';
import { driverUnavailable } from '../../src/scan/errors.js';
import { nextEvent } from './support/events.js';
import { FakeHidBus, hex } from './support/fake-hid.js';
import { KB_ALT_083, KB_ALT_NUMPAD, KB_CTRL_BRACKET, KB_F8, reports8, SHORT_KM } from './fixtures/hid-reports.js';

function decodeAll(stream: string, opts = {}): string[] {
  const d = new KeyboardReportDecoder(opts);
  return reports8(stream).flatMap((r) => d.push(r).map((f) => Buffer.from(f).toString('latin1')));
}

describe('keyboard report decoder', () => {
  it.each([
    ['Ctrl+]', KB_CTRL_BRACKET],
    ['F8', KB_F8],
    ['Alt+0029', KB_ALT_NUMPAD],
  ])('restores GS typed as %s', (_name, stream) => {
    expect(decodeAll(stream)).toEqual([`]d2${SHORT_KM}`]);
  });

  it('decodes the real Alt-mode capture (Alt+083 = S)', () => {
    expect(decodeAll(KB_ALT_083)).toEqual(['S']);
  });

  it('drops GS typed as F8 when F8 is not configured as GS', () => {
    expect(decodeAll(KB_F8, { f8AsGs: false })).toEqual([`]d2${SHORT_KM.replace('\x1d', '')}`]);
  });

  it('applies Caps Lock pressed by the scanner (inverting letters, not digits)', () => {
    const d = new KeyboardReportDecoder();
    const out: Uint8Array[] = [];
    for (const r of ['0000390000000000', '0000000000000000', '0000040000000000', '0000000000000000', '0200040000000000',
      '0000000000000000', '00001e0000000000', '0000000000000000', '0000280000000000'])
      out.push(...d.push(hex(r)));
    expect(out.map((f) => Buffer.from(f).toString('latin1'))).toEqual(['Aa1']);
  });

  it('ignores ErrorRollOver reports and a key held across reports', () => {
    const d = new KeyboardReportDecoder();
    const frames = ['0000040000000000', '0000040500000000', '0000010101010101', '0000050000000000', '0000000000000000', '00002b0000000000']
      .flatMap((r) => d.push(hex(r)));
    expect(frames.map((f) => Buffer.from(f).toString('latin1'))).toEqual(['ab']);
  });

  it('accepts reports with a leading report id (9 bytes)', () => {
    const d = new KeyboardReportDecoder();
    const frames = ['010000040000000000', '010000280000000000'].flatMap((r) => d.push(hex(r)));
    expect(frames.map((f) => Buffer.from(f).toString('latin1'))).toEqual(['a']);
  });
});

describe('HID keyboard driver', () => {
  let scanner: HidKeyboardScanner | null = null;
  afterEach(async () => {
    await scanner?.close();
    scanner = null;
  });
  const info = { path: '/dev/hidraw3', vendorId: 0x0c2e, productId: 0x0204, usagePage: 0x01, usage: 0x06 };

  it('emits a scan with the AIM id split off and GS restored', async () => {
    const bus = new FakeHidBus();
    bus.plug(info);
    scanner = openHidKeyboardScanner({ path: info.path, open: bus.open, list: bus.list });
    await scanner.waitForState('connected');
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    bus.last().replay(reports8(KB_ALT_NUMPAD));
    const scan = await got;
    expect(scan.symbology).toBe(']d2');
    expect(scan.text).toBe(SHORT_KM);
    expect(scan.source.driver).toBe('hid-keyboard');
  });

  it('ends a frame after the inter-key timeout when no Enter comes', async () => {
    const bus = new FakeHidBus();
    bus.plug(info);
    scanner = openHidKeyboardScanner({ path: info.path, open: bus.open, list: bus.list, interKeyTimeoutMs: 30 });
    await scanner.waitForState('connected');
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    const reports = reports8(KB_CTRL_BRACKET);
    bus.last().replay(reports.slice(0, -2)); // everything but Enter
    expect((await got).text).toBe(SHORT_KM);
  });

  it('loses a half-typed scan on unplug with frame-incomplete, then reads again after replug', async () => {
    const bus = new FakeHidBus();
    bus.plug(info);
    scanner = openHidKeyboardScanner({ path: info.path, open: bus.open, list: bus.list, reconnect: { minDelayMs: 5, maxDelayMs: 10 } });
    await scanner.waitForState('connected');
    const lost = nextEvent<ScannerError>(scanner, 'error', (e) => e.code === 'frame-incomplete');
    const down = nextEvent<ScannerStatus>(scanner, 'status', (st) => st.state === 'disconnected');
    bus.last().replay(reports8(KB_CTRL_BRACKET).slice(0, 10));
    bus.unplug(info.path);
    expect((await lost).message).toMatch(/unfinished scan/);
    expect((await down).code).toBe('device-gone');
    bus.plug(info);
    await scanner.waitForState('connected');
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    bus.last().replay(reports8(KB_F8));
    expect((await got).text).toBe(SHORT_KM);
  });

  it('says how to fix a missing libusb instead of crashing, and does not retry', async () => {
    const s = openHidKeyboardScanner({
      path: '/dev/hidraw3',
      platform: 'linux',
      list: async () => {
        throw new DriverUnavailableError(driverUnavailable('node-hid', new Error('libusb-1.0.so.0: cannot open shared object file')));
      },
    });
    const err = await nextEvent<ScannerError>(s, 'error');
    expect(err.code).toBe('driver-unavailable');
    expect(err.message).toMatch(/libusb-1\.0-0/);
    expect(s.state).toBe('disconnected');
    await s.close();
  });

  it('refuses on Windows and macOS with advice to switch the scanner mode', async () => {
    for (const platform of ['win32', 'darwin'] as const) {
      const s = openHidKeyboardScanner({ path: 'x', platform, list: async () => [] });
      const err = await nextEvent<ScannerError>(s, 'error');
      expect(err.code).toBe('keyboard-unsupported-os');
      expect(err.message).toMatch(/USB-COM.*HID POS/);
      await s.close();
    }
  });
});
