/**
 * Serial scanner driver (USB-COM / CDC-ACM and RS-232) on `serialport` 13: frames end at CR, LF, CRLF or
 * a configured suffix, with an inter-byte timeout fallback; AIM prefix split off; bytes never UTF-8
 * decoded; oversize frames cut with an error; unplug → `disconnected` → reconnect with back-off when
 * the port reappears (same path, or the same vid/pid/serial via `SerialPort.list()`).
 */
import { existsSync } from 'node:fs';
import type { SerialPort } from 'serialport';
import { splitAim } from '../src/scan/aim.js';
import { classifyDeviceError } from '../src/scan/errors.js';
import { FrameSplitter, type FramingOptions } from '../src/scan/framing.js';
import { ReconnectingScanner, type ReconnectingOptions, type UsbMatch } from '../src/scan/reconnecting-scanner.js';
import { DriverUnavailableError, loadSerialPort } from './load-native.js';
import { looksGarbled } from './garble.js';

export type SerialMatch = UsbMatch;

export interface SerialScannerOptions extends ReconnectingOptions, FramingOptions {
  /** Port path (`/dev/ttyACM0`, `COM3`). Either `path` or `match` (or both: path first, then match). */
  path?: string;
  /** Find the port by USB ids (the path may change after a replug). */
  match?: SerialMatch;
  /** Baud rate; ignored by true CDC-ACM devices, must match the scanner on RS-232 (default 9600). */
  baudRate?: number;
  /** Enumerate ports for `match` (default: serialport's `SerialPort.list()`). */
  list?: () => Promise<SerialPortListEntry[]>;
}

export interface SerialPortListEntry {
  path: string;
  vendorId?: string;
  productId?: string;
  serialNumber?: string;
}

function parseHex(s: string | undefined): number | undefined {
  if (!s) return undefined;
  const n = parseInt(s, 16);
  return Number.isFinite(n) ? n : undefined;
}

export class SerialScanner extends ReconnectingScanner {
  private port: SerialPort | null = null;
  private readonly splitter: FrameSplitter;
  private pathWatch: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly options: SerialScannerOptions) {
    super('serial', options);
    this.splitter = new FrameSplitter(
      {
        frame: (bytes) => this.onFrame(bytes),
        oversize: (n, max) =>
          this.report(
            'frame-oversize',
            `A frame of ${n} bytes from ${this.source.path} exceeds the ${max}-byte limit and was dropped. ` +
              'Check that the scanner sends a CR/LF suffix (or set the suffix in tanba), or raise maxFrameBytes.',
          ),
      },
      options,
    );
    void this.connect();
  }

  private onFrame(bytes: Uint8Array): void {
    const { aim, data } = splitAim(bytes);
    if (looksGarbled(data)) {
      this.report(
        'frame-garbled',
        `A frame from ${this.source.path} holds control bytes that no barcode sends; on RS-232 check that the baud rate ` +
          `(${this.options.baudRate ?? 9600}) and 8N1 match the scanner.`,
      );
    }
    this.deliver({ raw: data, symbology: aim });
  }

  private async resolvePath(mod: typeof import('serialport')): Promise<string | null> {
    const m = this.options.match;
    if (!m) return this.options.path!;
    let ports: SerialPortListEntry[];
    try {
      ports = await (this.options.list ?? (() => mod.SerialPort.list()))();
    } catch (err) {
      if (this.options.path) return this.options.path;
      throw err;
    }
    const hit = ports.find(
      (p) =>
        parseHex(p.vendorId) === m.vendorId &&
        parseHex(p.productId) === m.productId &&
        (!m.serialNumber || p.serialNumber === m.serialNumber),
    );
    if (hit) return hit.path;
    return this.options.path ?? null;
  }

  protected async connect(): Promise<void> {
    if (this.closed) return;
    let mod: typeof import('serialport');
    try {
      mod = await loadSerialPort();
    } catch (err) {
      const d = err instanceof DriverUnavailableError ? err.detail : classifyDeviceError(err, this.source);
      this.report(d.code, d.message);
      this.setState('disconnected', d.code, d.message);
      return;
    }
    let path: string | null;
    try {
      path = await this.resolvePath(mod);
    } catch (err) {
      return this.failed(err);
    }
    if (this.closed) return;
    if (!path) return this.failed(Object.assign(new Error('no matching port'), { code: 'ENOENT' }));
    if (path !== this.source.path) this.updateSource({ path });
    const port = new mod.SerialPort({ path, baudRate: this.options.baudRate ?? 9600, autoOpen: false });
    port.on('error', (err: Error) => {
      // Open failures arrive through the open callback and unplugs through `close`; anything else is reported here.
      if (this.port === port && !this.closed) this.report('device-error', `${path}: ${err.message}`);
    });
    port.open((err) => {
      if (err) {
        port.removeAllListeners('data');
        return this.failed(err);
      }
      if (this.closed) {
        port.close(() => undefined);
        return;
      }
      this.port = port;
      this.watchPath(port, path);
      this.deviceOpened();
    });
    port.on('data', (chunk: Buffer) => {
      this.splitter.push(chunk);
      this.emit('chunk', chunk.length);
    });
    port.on('close', (err?: Error & { disconnected?: boolean }) => {
      if (this.port !== port) return;
      this.port = null;
      if (this.closed) return;
      const dropped = this.splitter.reset();
      if (dropped > 0) {
        this.report('frame-incomplete', `${dropped} bytes of an unfinished scan were lost when ${path} closed; scan the code again.`);
      }
      this.deviceLost(classifyDeviceError(err ?? new Error('port closed'), this.source, 'read'));
    });
  }

  /**
   * Some kernels (and pty pairs) do not always wake a reader when the device node goes away. While
   * connected, check that the path still exists; when it is gone, close the port so the usual
   * `disconnected` → reconnect path runs.
   */
  private watchPath(port: { close(cb?: () => void): void }, path: string): void {
    this.stopWatch();
    // Only POSIX device nodes live in the file system; COM3 and friends do not.
    if (!path.startsWith('/')) return;
    this.pathWatch = setInterval(() => {
      if (this.port !== port) return this.stopWatch();
      if (existsSync(path)) return;
      this.stopWatch();
      port.close(() => undefined);
    }, PATH_WATCH_MS);
    this.pathWatch.unref?.();
  }

  private stopWatch(): void {
    if (this.pathWatch) clearInterval(this.pathWatch);
    this.pathWatch = null;
  }

  private failed(err: unknown): void {
    this.deviceFailed(classifyDeviceError(err, this.source, 'open'));
  }

  protected async release(): Promise<void> {
    this.stopWatch();
    this.cancelReconnect();
    this.splitter.reset();
    const port = this.port;
    this.port = null;
    if (!port?.isOpen) return;
    // A port whose device vanished mid-close may never call back: do not let close() hang the till.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
      timer.unref?.();
      port.close(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** How often a connected port's device path is checked for presence. */
const PATH_WATCH_MS = 500;

/** How long close() waits for the OS to confirm the port is closed. */
const CLOSE_TIMEOUT_MS = 2000;

/** Open a serial scanner. Never throws for device problems: watch `status` and `error` events. */
export function openSerialScanner(options: SerialScannerOptions): SerialScanner {
  return new SerialScanner(options);
}
