/** A stand-in for node-hid's HIDAsync at the device edge: replays recorded input reports. */
import { EventEmitter } from 'node:events';
import type { HidDeviceInfo, HidDeviceLike } from '../../../drivers/hid-device.js';

export class FakeHidDevice extends EventEmitter implements HidDeviceLike {
  closed = false;
  readonly featureReports: number[][] = [];
  constructor(readonly path: string) {
    super();
  }
  replay(reports: Uint8Array[]): void {
    for (const r of reports) this.emit('data', Buffer.from(r));
  }
  sendFeatureReport(data: number[]): Promise<number> {
    this.featureReports.push(data);
    return Promise.resolve(data.length);
  }
  unplug(): void {
    this.emit('error', new Error('could not read from HID device'));
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** A pretend USB bus: devices come and go; `open` and `list` behave like node-hid's. */
export class FakeHidBus extends EventEmitter {
  readonly present = new Map<string, HidDeviceInfo>();
  readonly opened: FakeHidDevice[] = [];
  denied = new Set<string>();

  plug(info: HidDeviceInfo): void {
    this.present.set(info.path!, info);
  }
  unplug(path: string): void {
    this.present.delete(path);
    const dev = this.opened.find((d) => d.path === path && !d.closed);
    dev?.unplug();
  }
  readonly open = async (path: string): Promise<FakeHidDevice> => {
    if (this.denied.has(path)) throw new Error(`cannot open device with path ${path}: Permission denied`);
    if (!this.present.has(path)) throw new Error(`cannot open device with path ${path}`);
    const dev = new FakeHidDevice(path);
    this.opened.push(dev);
    this.emit('opened', dev);
    return dev;
  };
  readonly list = async (): Promise<HidDeviceInfo[]> => [...this.present.values()];
  last(): FakeHidDevice {
    const d = this.opened.at(-1);
    if (!d) throw new Error('no device opened');
    return d;
  }
}

export function hex(s: string): Uint8Array {
  const clean = s.replace(/[^0-9a-f]/gi, '');
  return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}
