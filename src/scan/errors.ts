/**
 * Device failures → stable codes and sentences that say what to do. Drivers never throw these at the
 * caller; they become `error` and `status` events.
 */
import type { ScanSource } from './types.js';

export type DeviceErrorCode =
  | 'port-busy'
  | 'permission-denied'
  | 'device-not-found'
  | 'device-gone'
  | 'driver-unavailable'
  | 'keyboard-unsupported-os'
  | 'wrong-mode'
  | 'frame-oversize'
  | 'frame-incomplete'
  | 'frame-garbled'
  | 'device-error';

export interface ClassifiedError {
  code: DeviceErrorCode;
  message: string;
  /** Worth retrying: the condition may clear by itself (busy, gone, not yet plugged in, permission race). */
  retry: boolean;
}

function errText(err: unknown): string {
  if (err instanceof Error) return `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`;
  return String(err);
}

/** Classify a failure to open or read a device. */
export function classifyDeviceError(err: unknown, source: ScanSource, phase: 'open' | 'read' = 'open'): ClassifiedError {
  const t = errText(err);
  const where = source.path || `${source.driver} device`;
  const hid = source.driver === 'hid-pos' || source.driver === 'hid-keyboard';
  if (/EBUSY|resource busy|Cannot lock port|temporarily unavailable|Access denied.*in use|being used by another/i.test(t)) {
    return {
      code: 'port-busy',
      retry: true,
      message:
        `${where} is in use by another program (another POS app, a second tanba, or ModemManager probing it). ` +
        'Close that program; on Linux exclude the scanner from ModemManager with a udev rule ' +
        'ATTRS{idVendor}=="<vid>", ENV{ID_MM_DEVICE_IGNORE}="1".',
    };
  }
  if (/EACCES|EPERM|permission denied|access is denied|Access denied/i.test(t)) {
    const fix = hid
      ? 'On Linux install a udev rule such as KERNEL=="hidraw*", ATTRS{idVendor}=="<vid>", MODE="0660", GROUP="plugdev", TAG+="uaccess" in /etc/udev/rules.d/99-pos-scanners.rules, run `udevadm control --reload-rules`, then replug the scanner.'
      : 'On Linux add the till user to the dialout group (`sudo usermod -aG dialout $USER`, then log in again); on Windows close any program holding the COM port.';
    return { code: 'permission-denied', retry: true, message: `No permission to open ${where}. ${fix}` };
  }
  if (phase === 'read' || /disconnected|bad file descriptor|EIO|could not read|ENXIO|device has been disconnected|ENODEV/i.test(t)) {
    return {
      code: 'device-gone',
      retry: true,
      message: `${where} went away (unplugged or powered off). tanba reconnects by itself when it comes back; check the cable if it does not.`,
    };
  }
  if (/ENOENT|no such file|not found|cannot open device|File not found|could not open/i.test(t)) {
    return {
      code: 'device-not-found',
      retry: true,
      message: `${where} does not exist. Plug the scanner in, check the path with \`tanba devices\`; tanba keeps trying.`,
    };
  }
  return { code: 'device-error', retry: true, message: `${where}: ${err instanceof Error ? err.message : String(err)}` };
}

/** The optional native module could not be loaded (node-hid without libusb, serialport without its prebuild). */
export function driverUnavailable(pkg: 'node-hid' | 'serialport', err: unknown): ClassifiedError {
  const why = err instanceof Error ? err.message : String(err);
  const fix =
    pkg === 'node-hid'
      ? 'On Debian/Ubuntu install libusb-1.0-0 and libudev1 (`apt-get install libusb-1.0-0 libudev1`); or use the scanner in USB-COM (serial) mode.'
      : 'Reinstall tanba so the serialport prebuild for this platform is present (`npm ci`).';
  return { code: 'driver-unavailable', retry: false, message: `Cannot load ${pkg}: ${why}. ${fix}` };
}
