/**
 * HID POS scanner driver (usage page 0x8C, usage 2) on node-hid 3: both 64-byte report layouts,
 * the continuation flag, AIM id and vendor code-id, reconnect on unplug. Works on Windows, macOS, Linux.
 */
import { HidPosAssembler, HID_POS_USAGE, HID_POS_USAGE_PAGE, type HidPosAssemblerOptions } from './hid-pos-report.js';
import { HidScanner, type HidDeviceInfo, type HidDeviceLike, type HidScannerOptions } from './hid-device.js';
import { modeFromIds } from './vendors.js';

export interface HidPosScannerOptions extends HidScannerOptions, HidPosAssemblerOptions {
  /** A continued message whose next report does not come within this many ms is dropped (default 1000). */
  continuationTimeoutMs?: number;
  /**
   * Send feature report 0xFE = [0x01] after opening, as WebHidBarcodeScanner does for Honeywell (0x0C2E)
   * and Youjie (0x23D0). Its purpose is unverified; default: only for those two vendors.
   */
  honeywellFeatureReport?: boolean;
}

export class HidPosScanner extends HidScanner {
  private readonly assembler: HidPosAssembler;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly continuationTimeoutMs: number;

  constructor(private readonly options: HidPosScannerOptions) {
    super('hid-pos', options);
    this.assembler = new HidPosAssembler(options);
    this.continuationTimeoutMs = options.continuationTimeoutMs ?? 1000;
    this.start();
  }

  protected override pickInterface(hits: HidDeviceInfo[]): HidDeviceInfo | undefined {
    return hits.find((d) => d.usagePage === HID_POS_USAGE_PAGE && d.usage === HID_POS_USAGE) ?? hits.find((d) => d.usagePage === undefined) ?? hits[0];
  }

  protected override precheck(info: HidDeviceInfo | null): { code: string; message: string; fatal: boolean } | null {
    if (!info || info.usagePage === undefined || info.usagePage === HID_POS_USAGE_PAGE) return null;
    const mode = modeFromIds(info.vendorId, info.productId);
    const kind = info.usagePage === 0x01 && info.usage === 0x06 ? 'keyboard' : mode === 'unknown' ? `usage page 0x${info.usagePage.toString(16)}` : mode;
    return {
      code: 'wrong-mode',
      fatal: false,
      message:
        `${this.source.path} is not a HID POS scanner interface (it is in ${kind} mode). Switch the scanner to HID POS ` +
        '(or USB-COM) by scanning the setting code from its manual; tanba picks it up when it re-enumerates.',
    };
  }

  protected override async onOpened(device: HidDeviceLike): Promise<void> {
    const vid = this.source.vendorId;
    const want = this.options.honeywellFeatureReport ?? (vid === 0x0c2e || vid === 0x23d0);
    if (want && device.sendFeatureReport) await device.sendFeatureReport([0xfe, 0x01]);
  }

  protected onReport(report: Uint8Array): void {
    this.clearTimer();
    const r = this.assembler.push(report);
    if (r.kind === 'none') {
      this.timer = setTimeout(() => {
        this.timer = null;
        const n = this.assembler.pending;
        this.assembler.reset();
        this.report('frame-incomplete', `A HID POS message from ${this.source.path} stopped after ${n} bytes; scan the code again.`);
      }, this.continuationTimeoutMs);
      this.timer.unref?.();
      return;
    }
    if (r.kind !== 'message') return;
    if (this.assembler.overflowed) {
      this.assembler.overflowed = false;
      this.report('frame-oversize', `A HID POS message from ${this.source.path} was longer than the limit (maxMessageBytes) and was dropped.`);
      return;
    }
    const m = r.message;
    this.deliver({ raw: m.bytes, symbology: m.aim, vendorCodeId: m.vendorCodeId });
  }

  protected onDeviceLost(): void {
    this.clearTimer();
    const n = this.assembler.pending;
    this.assembler.reset();
    if (n > 0) this.report('frame-incomplete', `${n} bytes of an unfinished scan were lost when ${this.source.path} went away.`);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** Open a HID POS scanner. Never throws for device problems: watch `status` and `error` events. */
export function openHidPosScanner(options: HidPosScannerOptions): HidPosScanner {
  return new HidPosScanner(options);
}
