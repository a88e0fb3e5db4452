/** AIM splitting, ScanEvent building, double-scan suppression, device error classification, BaseScanner. */
import { describe, expect, it } from 'vitest';
import { describeAim, isAimAt, splitAim } from '../../src/scan/aim.js';
import { Backoff } from '../../src/scan/backoff.js';
import { DoubleScanFilter } from '../../src/scan/dedupe.js';
import { classifyDeviceError } from '../../src/scan/errors.js';
import { latin1, makeScanEvent, scanParseInput } from '../../src/scan/event.js';
import { BaseScanner } from '../../src/scan/scanner-base.js';
import type { ScanEvent, ScannerStatus } from '../../src/scan/types.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('AIM prefix', () => {
  it.each([
    [']d2010460', ']d2', '010460'],
    [']Q3010460', ']Q3', '010460'],
    [']C1010460', ']C1', '010460'],
    [']E04601234567893', ']E0', '4601234567893'],
    [']Xg123', ']Xg', '123'],
    ['010460', null, '010460'],
    [']d', null, ']d'],
    ['] d2x', null, '] d2x'],
    [']12abc', null, ']12abc'],
  ])('splits %j', (input, aim, data) => {
    const r = splitAim(b(input));
    expect(r.aim).toBe(aim);
    expect(latin1(r.data)).toBe(data);
  });

  it('describes GS1 identifiers', () => {
    expect(describeAim(']d2')).toEqual({ symbology: 'DataMatrix', gs1: true });
    expect(describeAim(']d8')).toEqual({ symbology: 'DataMatrix DMRE', gs1: true });
    expect(describeAim(']d1')?.gs1).toBe(false);
    expect(describeAim(']Q3')?.gs1).toBe(true);
    expect(describeAim(']C1')?.gs1).toBe(true);
    expect(describeAim('x')).toBeNull();
    expect(isAimAt(b('xx]d2'), 2)).toBe(true);
  });
});

describe('ScanEvent helpers', () => {
  it('latin1 keeps one char per byte for all 256 values', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const t = latin1(all);
    expect(t.length).toBe(256);
    expect([...t].map((c) => c.charCodeAt(0))).toEqual(Array.from(all));
  });

  it('re-prefixes the AIM id for the parser unless the text already has it', () => {
    const src = { driver: 'serial' as const, path: 'x' };
    const ev = makeScanEvent({ raw: b('0104'), symbology: ']d2', source: src, at: new Date(0) });
    expect(ev.at).toBe('1970-01-01T00:00:00.000Z');
    expect(scanParseInput(ev)).toBe(']d20104');
    expect(scanParseInput({ text: ']d20104', symbology: ']d2' })).toBe(']d20104');
    expect(scanParseInput({ text: '0104', symbology: null })).toBe('0104');
  });
});

describe('DoubleScanFilter', () => {
  it('suppresses repeats within the window, sliding from the last sighting', () => {
    let t = 0;
    const f = new DoubleScanFilter({ windowMs: 100, now: () => t });
    expect(f.accept('a')).toBe(true);
    t = 50;
    expect(f.accept('a')).toBe(false);
    expect(f.accept('b')).toBe(true);
    t = 140; // 90 ms after the last sighting of a
    expect(f.accept('a')).toBe(false);
    t = 300;
    expect(f.accept('a')).toBe(true);
  });

  it('is off with a zero window', () => {
    const f = new DoubleScanFilter({ windowMs: 0 });
    expect(f.accept('a') && f.accept('a')).toBe(true);
  });
});

describe('device error classification', () => {
  const src = { driver: 'serial' as const, path: '/dev/ttyACM0' };
  const hid = { driver: 'hid-pos' as const, path: '/dev/hidraw0' };
  const err = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});
  it.each([
    [err('Error: Resource temporarily unavailable Cannot lock port'), src, 'port-busy', /in use/],
    [err('open /dev/ttyACM0', 'EBUSY'), src, 'port-busy', /ModemManager/],
    [err('Error: Permission denied, cannot open /dev/ttyACM0'), src, 'permission-denied', /dialout/],
    [err('cannot open device with path /dev/hidraw0: Permission denied'), hid, 'permission-denied', /udev rule/],
    [err('Error: No such file or directory, cannot open /dev/ttyACM0'), src, 'device-not-found', /tanba devices/],
    [err('cannot open device with path /dev/hidraw0'), hid, 'device-not-found', /Plug/],
    [err('strange'), src, 'device-error', /strange/],
  ])('%s → %s', (e, source, code, msg) => {
    const c = classifyDeviceError(e, source);
    expect(c.code).toBe(code);
    expect(c.message).toMatch(msg);
  });

  it('read failures are device-gone', () => {
    expect(classifyDeviceError(err('bad file descriptor'), src, 'read').code).toBe('device-gone');
  });
});

describe('Backoff', () => {
  it('doubles up to the cap and resets', () => {
    const bo = new Backoff({ minDelayMs: 100, maxDelayMs: 800 });
    const d = Array.from({ length: 6 }, () => bo.next());
    expect(d[0]).toBeGreaterThanOrEqual(90);
    expect(d[0]).toBeLessThanOrEqual(110);
    expect(d[5]).toBeLessThanOrEqual(880);
    expect(d[5]).toBeGreaterThanOrEqual(720);
    bo.reset();
    expect(bo.next()).toBeLessThanOrEqual(110);
  });
});

class TestScanner extends BaseScanner {
  released = 0;
  constructor(dedupeWindowMs = 0) {
    super({ driver: 'simulated', path: 'test' }, { dedupeWindowMs });
    this.setState('connected');
  }
  push(text: string): void {
    this.deliver({ raw: b(text), symbology: null });
  }
  fail(): void {
    this.report('device-gone', 'gone');
  }
  protected async release(): Promise<void> {
    this.released++;
  }
}

describe('BaseScanner', () => {
  it('does not throw on error events without a listener', () => {
    const s = new TestScanner();
    expect(() => s.fail()).not.toThrow();
    expect(s.lastError?.code).toBe('device-gone');
  });

  it('iterates scans, buffers them for slow consumers, and ends on close (twice-safe)', async () => {
    const s = new TestScanner();
    const it1 = s[Symbol.asyncIterator]();
    const it2 = s[Symbol.asyncIterator]();
    s.push('a');
    s.push('b');
    expect((await it1.next()).value?.text).toBe('a');
    expect((await it2.next()).value?.text).toBe('a');
    expect((await it1.next()).value?.text).toBe('b');
    const pending = it1.next();
    const statuses: ScannerStatus[] = [];
    s.on('status', (st: ScannerStatus) => statuses.push(st));
    await Promise.all([s.close(), s.close()]);
    expect((await pending).done).toBe(true);
    expect(s.released).toBe(1);
    expect(statuses.map((x) => x.state)).toEqual(['closed']);
    s.push('c');
    expect((await it2.next()).value?.text).toBe('b');
    expect((await it2.next()).done).toBe(true);
  });

  it('breaking out of for-await unsubscribes', async () => {
    const s = new TestScanner();
    queueMicrotask(() => s.push('x'));
    for await (const scan of s) {
      expect(scan.text).toBe('x');
      break;
    }
    expect(s.listenerCount('scan')).toBe(0);
  });

  it('suppresses double scans and emits them as duplicate', () => {
    const s = new TestScanner(60_000);
    const seen: string[] = [];
    const dups: ScanEvent[] = [];
    s.on('scan', (e: ScanEvent) => seen.push(e.text));
    s.on('duplicate', (e: ScanEvent) => dups.push(e));
    s.push('a');
    s.push('a');
    s.push('b');
    expect(seen).toEqual(['a', 'b']);
    expect(dups).toHaveLength(1);
  });
});
