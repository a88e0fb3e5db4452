/**
 * A scanner on a device that can go away and come back (serial ports, HID devices): back-off between
 * attempts, one pending attempt at a time, and a repeated failure reported once, not on every retry.
 */
import { Backoff, type ReconnectOptions } from './backoff.js';
import type { ClassifiedError } from './errors.js';
import { BaseScanner, type ScannerCommonOptions } from './scanner-base.js';
import type { DriverName, ScanSource } from './types.js';

/** A USB device found by its ids, so it is found again after a replug moves its path. */
export interface UsbMatch {
  vendorId: number;
  productId: number;
  serialNumber?: string;
}

export interface ReconnectingOptions extends ScannerCommonOptions {
  /** Device path. Either `path` or `match` (or both: path first, then match). */
  path?: string;
  match?: UsbMatch;
  /** Reconnect after unplug or a failed open: true (default back-off), false, or back-off settings. */
  reconnect?: boolean | ReconnectOptions;
}

/** Four lower-case hex digits, as USB ids are written (`0c2e`). */
export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** The source of a path- or USB-id-addressed device; `usb:vid:pid` stands in until the path is found. */
function deviceSource(driver: DriverName, options: ReconnectingOptions): ScanSource {
  if (!options.path && !options.match) throw new TypeError(`${driver}: give \`path\` or \`match\``);
  const m = options.match;
  return {
    driver,
    path: options.path ?? `usb:${hex4(m!.vendorId)}:${hex4(m!.productId)}`,
    ...(m ? { vendorId: m.vendorId, productId: m.productId } : {}),
    ...(m?.serialNumber ? { serialNumber: m.serialNumber } : {}),
  };
}

export abstract class ReconnectingScanner extends BaseScanner {
  private readonly backoff: Backoff | null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private lastFailureCode: string | null = null;

  protected constructor(driver: DriverName, options: ReconnectingOptions) {
    super(deviceSource(driver, options), options);
    const rc = options.reconnect ?? true;
    this.backoff = rc === false ? null : new Backoff(rc === true ? {} : rc);
  }

  /** One attempt to open the device; reports through deviceOpened / deviceFailed / deviceLost. */
  protected abstract connect(): Promise<void>;

  protected deviceOpened(): void {
    this.backoff?.reset();
    this.lastFailureCode = null;
    this.setState('connected');
  }

  /** Opening failed: say so once per distinct cause, then try again when the cause may clear. */
  protected deviceFailed(d: ClassifiedError): void {
    if (this.closed) return;
    if (d.code !== this.lastFailureCode) {
      this.report(d.code, d.message);
      this.setState('disconnected', d.code, d.message);
    }
    this.lastFailureCode = d.code;
    if (d.retry) this.scheduleReconnect();
  }

  /** An open device went away (unplugged, powered off): always said, then reconnect. */
  protected deviceLost(d: ClassifiedError): void {
    if (this.closed) return;
    this.report(d.code, d.message);
    this.setState('disconnected', d.code, d.message);
    this.lastFailureCode = d.code;
    this.scheduleReconnect();
  }

  protected scheduleReconnect(): void {
    if (!this.backoff || this.closed || this.retryTimer) return;
    const delay = this.backoff.next();
    this.setState('reconnecting');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  protected cancelReconnect(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }
}
