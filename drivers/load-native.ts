/**
 * Lazy loading of the native device libraries. `node-hid` needs libusb/libudev at load time and
 * `serialport` a platform prebuild; importing them only when a driver is used keeps the SDK working
 * on machines that have neither.
 */
import { driverUnavailable, type ClassifiedError } from '../src/scan/errors.js';

export type SerialPortModule = typeof import('serialport');
export type NodeHidModule = typeof import('node-hid');

export class DriverUnavailableError extends Error {
  readonly code = 'driver-unavailable';
  constructor(readonly detail: ClassifiedError) {
    super(detail.message);
  }
}

let serialPromise: Promise<SerialPortModule> | null = null;
let hidPromise: Promise<NodeHidModule> | null = null;

export function loadSerialPort(): Promise<SerialPortModule> {
  serialPromise ??= import('serialport').catch((err: unknown) => {
    serialPromise = null;
    throw new DriverUnavailableError(driverUnavailable('serialport', err));
  });
  return serialPromise;
}

export function loadNodeHid(): Promise<NodeHidModule> {
  hidPromise ??= import('node-hid').catch((err: unknown) => {
    hidPromise = null;
    throw new DriverUnavailableError(driverUnavailable('node-hid', err));
  });
  return hidPromise;
}
