/**
 * Raw HID keyboard scanner driver (keyboard-wedge scanners read through Linux hidraw): decodes boot
 * reports itself, so the result does not depend on the OS keyboard layout or Caps Lock LED.
 * Windows and macOS do not let node-hid open keyboard-class devices: there the driver says so and
 * points to USB-COM (serial) or HID POS mode.
 */
import { splitAim } from '../src/scan/aim.js';
import { HidScanner, type HidDeviceInfo, type HidScannerOptions } from './hid-device.js';
import { KeyboardReportDecoder, type KeyboardDecoderOptions } from './hid-keyboard-decoder.js';

export interface HidKeyboardScannerOptions extends HidScannerOptions, KeyboardDecoderOptions {
  /** End a frame after this many ms without a key report (default 200). */
  interKeyTimeoutMs?: number;
  /** OS to behave as (default `process.platform`); only Linux can read keyboards raw. */
  platform?: NodeJS.Platform;
}

export const KEYBOARD_UNSUPPORTED_MESSAGE =
  'This OS does not let programs read a keyboard-mode scanner directly (node-hid cannot open keyboard-class devices on ' +
  'Windows or macOS). Switch the scanner to USB-COM (serial) or HID POS mode by scanning the setting code from its ' +
  'manual, then use `tanba scan --serial` or `--hid`; or read it as a keyboard wedge with `tanba scan --stdin`.';

export class HidKeyboardScanner extends HidScanner {
  private readonly decoder: KeyboardReportDecoder;
  private readonly idleMs: number;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly platform: NodeJS.Platform;

  constructor(options: HidKeyboardScannerOptions) {
    super('hid-keyboard', options);
    this.decoder = new KeyboardReportDecoder(options);
    this.idleMs = options.interKeyTimeoutMs ?? 200;
    this.platform = options.platform ?? process.platform;
    this.start();
  }

  protected override pickInterface(hits: HidDeviceInfo[]): HidDeviceInfo | undefined {
    return hits.find((d) => d.usagePage === 0x01 && d.usage === 0x06) ?? hits[0];
  }

  protected override precheck(): { code: string; message: string; fatal: boolean } | null {
    if (this.hidOptions.open || this.platform === 'linux') return null;
    return { code: 'keyboard-unsupported-os', message: KEYBOARD_UNSUPPORTED_MESSAGE, fatal: true };
  }

  protected onReport(report: Uint8Array): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const frame of this.decoder.push(report)) this.emitFrame(frame);
    if (this.decoder.pending > 0) {
      this.timer = setTimeout(() => {
        this.timer = null;
        const f = this.decoder.flush();
        if (f) this.emitFrame(f);
      }, this.idleMs);
      this.timer.unref?.();
    }
  }

  private emitFrame(frame: Uint8Array): void {
    const { aim, data } = splitAim(frame);
    if (data.length === 0) return;
    this.deliver({ raw: data, symbology: aim });
  }

  protected onDeviceLost(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const n = this.decoder.pending;
    this.decoder.reset();
    if (n > 0) this.report('frame-incomplete', `${n} typed bytes of an unfinished scan were lost when ${this.source.path} went away.`);
  }
}

/** Open a keyboard-mode scanner through hidraw. Never throws for device problems: watch `status` and `error`. */
export function openHidKeyboardScanner(options: HidKeyboardScannerOptions): HidKeyboardScanner {
  return new HidKeyboardScanner(options);
}
