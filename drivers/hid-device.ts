/**
 * What HID drivers share: opening a device through an injectable `open(path)` factory (node-hid's
 * `HIDAsync` in production, a recorded-report emitter in tests), finding it by path or vid/pid/serial,
 * turning read errors into `device-gone`, and reopening with back-off after an unplug.
 */
import { classifyDeviceError } from '../src/scan/errors.js';
import { ReconnectingScanner, type ReconnectingOptions, type UsbMatch } from '../src/scan/reconnecting-scanner.js';
import type { DriverName } from '../src/scan/types.js';
import { DriverUnavailableError, loadNodeHid } from './load-native.js';

/** The part of node-hid's `HIDAsync` the drivers use; tests pass an EventEmitter that replays reports. */
export interface HidDeviceLike {
  on(event: 'data', listener: (data: Uint8Array) => void): unknown;
  on(event: 'error', listener: (err: unknown) => void): unknown;
  removeAllListeners(event?: string): unknown;
  close(): Promise<void> | void;
  sendFeatureReport?(data: number[]): Promise<number> | number;
}

/** As `HID.devicesAsync()` reports devices. */
export interface HidDeviceInfo {
  path?: string;
  vendorId: number;
  productId: number;
  serialNumber?: string;
  manufacturer?: string;
  product?: string;
  usagePage?: number;
  usage?: number;
  interface?: number;
}

export type HidMatch = UsbMatch;

export interface HidScannerOptions extends ReconnectingOptions {
  /** hidraw / hidapi path (`/dev/hidraw3`, `\\?\hid#vid_0c2e&pid_0b81…`). */
  path?: string;
  /** Find the device by USB ids (hidraw numbers change after a replug). */
  match?: HidMatch;
  /** Open a device by path. Default: node-hid `HIDAsync.open(path)`. */
  open?: (path: string) => Promise<HidDeviceLike>;
  /** Enumerate devices. Default: node-hid `devicesAsync()`. */
  list?: () => Promise<HidDeviceInfo[]>;
}

async function defaultOpen(path: string): Promise<HidDeviceLike> {
  const hid = await loadNodeHid();
  return (await hid.HIDAsync.open(path)) as unknown as HidDeviceLike;
}

async function defaultList(): Promise<HidDeviceInfo[]> {
  const hid = await loadNodeHid();
  return (await hid.devicesAsync()) as HidDeviceInfo[];
}

export abstract class HidScanner extends ReconnectingScanner {
  private device: HidDeviceLike | null = null;
  protected readonly hidOptions: HidScannerOptions;

  protected constructor(driver: DriverName, options: HidScannerOptions) {
    super(driver, options);
    this.hidOptions = options;
  }

  /** Subclasses call this at the end of their constructor. */
  protected start(): void {
    queueMicrotask(() => void this.connect());
  }

  /** One input report from the device. */
  protected abstract onReport(report: Uint8Array): void;
  /** Called after a successful open (e.g. vendor initialisation). Failures are ignored. */
  protected async onOpened(device: HidDeviceLike): Promise<void> {
    void device;
  }
  /** Called when the device goes away, to drop half-assembled input. */
  protected abstract onDeviceLost(): void;
  /** Check before opening; return an error to refuse (e.g. keyboard mode on an OS that cannot read it). */
  protected precheck(info: HidDeviceInfo | null): { code: string; message: string; fatal: boolean } | null {
    void info;
    return null;
  }

  private async findDevice(): Promise<{ path: string | null; info: HidDeviceInfo | null }> {
    const o = this.hidOptions;
    const list = o.list ?? defaultList;
    const m = o.match ?? (this.source.vendorId !== undefined && this.source.productId !== undefined && !o.path
      ? { vendorId: this.source.vendorId, productId: this.source.productId }
      : undefined);
    let devices: HidDeviceInfo[] | null = null;
    if (m || o.list) {
      try {
        devices = await list();
      } catch (err) {
        if (err instanceof DriverUnavailableError) throw err;
        devices = null;
      }
    }
    if (devices && o.path) {
      const byPath = devices.find((d) => d.path === o.path);
      if (byPath) return { path: o.path, info: byPath };
    }
    if (devices && m) {
      const hits = devices.filter(
        (d) => d.vendorId === m.vendorId && d.productId === m.productId && (!m.serialNumber || d.serialNumber === m.serialNumber),
      );
      const preferred = this.pickInterface(hits);
      if (preferred?.path) return { path: preferred.path, info: preferred };
    }
    return { path: o.path ?? null, info: null };
  }

  /** Among a device's interfaces, the one this driver reads. */
  protected pickInterface(hits: HidDeviceInfo[]): HidDeviceInfo | undefined {
    return hits[0];
  }

  protected async connect(): Promise<void> {
    if (this.closed) return;
    const open = this.hidOptions.open ?? defaultOpen;
    let found: { path: string | null; info: HidDeviceInfo | null };
    try {
      found = await this.findDevice();
    } catch (err) {
      return this.failed(err);
    }
    if (this.closed) return;
    const refuse = this.precheck(found.info);
    if (refuse) {
      this.report(refuse.code, refuse.message);
      this.setState('disconnected', refuse.code, refuse.message);
      if (!refuse.fatal) this.scheduleReconnect();
      return;
    }
    if (!found.path) return this.failed(Object.assign(new Error('no matching HID device'), { code: 'ENOENT' }));
    if (found.path !== this.source.path || (found.info && this.source.vendorId === undefined)) {
      this.updateSource({
        path: found.path,
        ...(found.info ? { vendorId: found.info.vendorId, productId: found.info.productId } : {}),
        ...(found.info?.serialNumber ? { serialNumber: found.info.serialNumber } : {}),
      });
    }
    let device: HidDeviceLike;
    try {
      device = await open(found.path);
    } catch (err) {
      return this.failed(err);
    }
    if (this.closed) {
      await Promise.resolve(device.close()).catch(() => undefined);
      return;
    }
    this.device = device;
    device.on('data', (data) => {
      if (this.device === device) this.onReport(data);
    });
    device.on('error', (err) => {
      if (this.device !== device) return;
      this.device = null;
      device.removeAllListeners('data');
      void Promise.resolve()
        .then(() => device.close())
        .catch(() => undefined);
      if (this.closed) return;
      this.onDeviceLost();
      this.deviceLost(classifyDeviceError(err, this.source, 'read'));
    });
    await this.onOpened(device).catch(() => undefined);
    this.deviceOpened();
  }

  private failed(err: unknown): void {
    this.deviceFailed(err instanceof DriverUnavailableError ? err.detail : classifyDeviceError(err, this.source, 'open'));
  }

  protected async release(): Promise<void> {
    this.cancelReconnect();
    this.onDeviceLost();
    const d = this.device;
    this.device = null;
    if (d) {
      d.removeAllListeners('data');
      d.removeAllListeners('error');
      await Promise.resolve(d.close());
    }
  }
}
