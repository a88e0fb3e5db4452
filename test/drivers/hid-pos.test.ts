/** HID POS: recorded reports of both layouts through an injected device; unplug and replug; wrong mode. */
import { afterEach, describe, expect, it } from 'vitest';
import { HidPosAssembler } from '../../drivers/hid-pos-report.js';
import { openHidPosScanner, type HidPosScanner } from '../../drivers/hid-pos.js';
import type { ScanEvent, ScannerError, ScannerStatus } from '../../src/scan/types.js';
import { nextEvent } from './support/events.js';
import { FakeHidBus, FakeHidDevice } from './support/fake-hid.js';
import {
  LAYOUT_A_LONG,
  LAYOUT_A_SHORT,
  LAYOUT_B_BINARY,
  LAYOUT_B_LONG,
  LONG_KM,
  OTHER_REPORT_ID,
  SHORT_KM,
} from './fixtures/hid-reports.js';

function feed(reports: Uint8Array[]) {
  const a = new HidPosAssembler();
  const results = reports.map((r) => a.push(r));
  return { last: results.at(-1)!, results };
}

describe('HID POS report assembly', () => {
  it('reads Layout A (Honeywell): AIM from bytes 2-4, code id, trailing CR stripped', () => {
    const { last } = feed(LAYOUT_A_SHORT);
    expect(last.kind).toBe('message');
    if (last.kind !== 'message') return;
    expect(last.message.layout).toBe('A');
    expect(last.message.aim).toBe(']d2');
    expect(last.message.vendorCodeId).toBe('w');
    expect(Buffer.from(last.message.bytes).toString('latin1')).toBe(SHORT_KM);
  });

  it('joins Layout A reports until the continuation bit clears', () => {
    const { results, last } = feed(LAYOUT_A_LONG);
    expect(results[0].kind).toBe('none');
    expect(last.kind === 'message' && Buffer.from(last.message.bytes).toString('latin1')).toBe(LONG_KM);
  });

  it('joins a Layout A continuation report that does not repeat the AIM id (data from byte 2)', () => {
    const second = new Uint8Array(64);
    const tail = LAYOUT_A_LONG[1].subarray(5, 5 + LAYOUT_A_LONG[1][1]);
    second[0] = 2;
    second[1] = tail.length;
    second.set(tail, 2);
    second[61] = 0x77;
    const { last } = feed([LAYOUT_A_LONG[0], second]);
    expect(last.kind === 'message' && Buffer.from(last.message.bytes).toString('latin1')).toBe(LONG_KM);
  });

  it('reads Layout B (Newland) with the AIM prefix inside the data', () => {
    const { last } = feed(LAYOUT_B_LONG);
    expect(last.kind).toBe('message');
    if (last.kind !== 'message') return;
    expect(last.message.layout).toBe('B');
    expect(last.message.aim).toBe(']d2');
    expect(last.message.vendorCodeId).toBe('W');
    expect(Buffer.from(last.message.bytes).toString('latin1')).toBe(LONG_KM);
  });

  it('keeps 0x00 inside binary data and ignores other report ids', () => {
    const a = new HidPosAssembler();
    expect(a.push(OTHER_REPORT_ID)).toEqual({ kind: 'ignored', reason: 'report-id' });
    const r = a.push(LAYOUT_B_BINARY[0]);
    expect(r.kind === 'message' && Array.from(r.message.bytes)).toEqual([0x41, 0x00, 0x42, 0x1d, 0x00, 0xff]);
  });

  it('cuts a message past maxMessageBytes and flags it', () => {
    const a = new HidPosAssembler({ maxMessageBytes: 40 });
    a.push(LAYOUT_A_LONG[0]);
    const r = a.push(LAYOUT_A_LONG[1]);
    expect(r.kind === 'message' && r.message.bytes.length).toBe(40);
    expect(a.overflowed).toBe(true);
  });
});

describe('HID POS driver with an injected device', () => {
  let scanner: HidPosScanner | null = null;
  afterEach(async () => {
    await scanner?.close();
    scanner = null;
  });

  const info = { path: '/dev/hidraw7', vendorId: 0x0c2e, productId: 0x0b81, usagePage: 0x8c, usage: 0x02, serialNumber: 'S1' };

  it('emits scans from recorded reports, with source ids learnt from enumeration', async () => {
    const bus = new FakeHidBus();
    bus.plug(info);
    scanner = openHidPosScanner({ path: info.path, open: bus.open, list: bus.list, dedupeWindowMs: 0 });
    await scanner.waitForState('connected');
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    bus.last().replay(LAYOUT_A_LONG);
    const scan = await got;
    expect(scan.symbology).toBe(']d2');
    expect(scan.text).toBe(LONG_KM);
    expect(scan.vendorCodeId).toBe('w');
    expect(scan.source).toMatchObject({ driver: 'hid-pos', path: info.path, vendorId: 0x0c2e, productId: 0x0b81 });
    expect(bus.last().featureReports).toEqual([[0xfe, 0x01]]); // the Honeywell quirk, sent once after open
  });

  it('drops a continued message whose next report never comes, with an error', async () => {
    const bus = new FakeHidBus();
    bus.plug(info);
    scanner = openHidPosScanner({ path: info.path, open: bus.open, list: bus.list, continuationTimeoutMs: 20 });
    await scanner.waitForState('connected');
    const err = nextEvent<ScannerError>(scanner, 'error');
    bus.last().replay([LAYOUT_A_LONG[0]]);
    expect((await err).code).toBe('frame-incomplete');
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    bus.last().replay(LAYOUT_A_SHORT);
    expect((await got).text).toBe(SHORT_KM);
  });

  it('unplug → disconnected; replug on a new hidraw path → found by vid/pid/serial, scans again', async () => {
    const bus = new FakeHidBus();
    bus.plug(info);
    scanner = openHidPosScanner({
      match: { vendorId: 0x0c2e, productId: 0x0b81, serialNumber: 'S1' },
      open: bus.open,
      list: bus.list,
      reconnect: { minDelayMs: 5, maxDelayMs: 20 },
    });
    await scanner.waitForState('connected');
    expect(scanner.source.path).toBe('/dev/hidraw7');
    const down = nextEvent<ScannerStatus>(scanner, 'status', (s) => s.state === 'disconnected');
    bus.unplug(info.path);
    expect((await down).code).toBe('device-gone');
    const reopened = nextEvent<FakeHidDevice>(bus, 'opened');
    bus.plug({ ...info, path: '/dev/hidraw9' });
    const dev = await reopened;
    await scanner.waitForState('connected');
    expect(scanner.source.path).toBe('/dev/hidraw9');
    const got = nextEvent<ScanEvent>(scanner, 'scan');
    dev.replay(LAYOUT_B_LONG);
    expect((await got).text).toBe(LONG_KM);
  });

  it('reports permission denied with the udev fix, then connects once allowed', async () => {
    const bus = new FakeHidBus();
    bus.plug(info);
    bus.denied.add(info.path);
    scanner = openHidPosScanner({ path: info.path, open: bus.open, list: bus.list, reconnect: { minDelayMs: 5, maxDelayMs: 10 } });
    const err = await nextEvent<ScannerError>(scanner, 'error');
    expect(err.code).toBe('permission-denied');
    expect(err.message).toMatch(/udev/);
    bus.denied.clear();
    await scanner.waitForState('connected');
  });

  it('says "wrong mode" when the matched device is a keyboard interface', async () => {
    const bus = new FakeHidBus();
    bus.plug({ path: '/dev/hidraw1', vendorId: 0x1eab, productId: 0x1d03, usagePage: 0x01, usage: 0x06 });
    scanner = openHidPosScanner({ match: { vendorId: 0x1eab, productId: 0x1d03 }, open: bus.open, list: bus.list, reconnect: false });
    const err = await nextEvent<ScannerError>(scanner, 'error');
    expect(err.code).toBe('wrong-mode');
    expect(err.message).toMatch(/keyboard mode.*HID POS/);
    expect(bus.opened).toHaveLength(0);
  });
});
