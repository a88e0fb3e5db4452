/**
 * Device discovery for `tanba devices`: serial ports and HID devices, likely scanners marked by
 * vendor id and usage page, with advice (wrong mode, missing permissions, missing system packages).
 */
import { hex4 } from '../src/scan/reconnecting-scanner.js';
import { classifyDeviceError } from '../src/scan/errors.js';
import type { HidDeviceInfo } from './hid-device.js';
import { HID_POS_USAGE, HID_POS_USAGE_PAGE } from './hid-pos-report.js';
import { DriverUnavailableError, loadNodeHid, loadSerialPort } from './load-native.js';
import { modeFromIds, SCANNER_VENDORS, type ScannerMode } from './vendors.js';

export interface SerialPortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
}

export interface DeviceEntry {
  transport: 'serial' | 'hid';
  /** What tanba would read it as. */
  kind: 'serial' | 'hid-pos' | 'hid-keyboard' | 'hid-other';
  path: string;
  vendorId: number | null;
  productId: number | null;
  /** Lowercase hex `vvvv:pppp` when known. */
  usbId: string | null;
  vendor: string | null;
  manufacturer: string | null;
  product: string | null;
  serialNumber: string | null;
  usagePage: number | null;
  usage: number | null;
  /** Mode the scanner is in, from its product id or HID interface. */
  mode: ScannerMode;
  likelyScanner: boolean;
  /** What to do, in one sentence; null when nothing is needed. */
  advice: string | null;
  /** Command that reads it, when tanba can. */
  command: string | null;
}

export interface DiscoveryProblem {
  transport: 'serial' | 'hid';
  code: string;
  message: string;
}

export interface DeviceList {
  devices: DeviceEntry[];
  problems: DiscoveryProblem[];
}

export interface ListDevicesOptions {
  /** Enumerate serial ports (default: serialport's `SerialPort.list()`). */
  serialList?: () => Promise<SerialPortInfo[]>;
  /** Enumerate HID devices (default: node-hid's `devicesAsync()`). */
  hidList?: () => Promise<HidDeviceInfo[]>;
  platform?: NodeJS.Platform;
}

const SWITCH_MODE = 'scan the "USB-COM" (USB serial / CDC) or "HID POS" setting code from its manual';

function parseHex(s: string | undefined): number | null {
  if (!s) return null;
  const n = parseInt(s, 16);
  return Number.isFinite(n) ? n : null;
}

export function describeSerial(p: SerialPortInfo): DeviceEntry {
  const vid = parseHex(p.vendorId);
  const pid = parseHex(p.productId);
  const vendorInfo = vid !== null ? SCANNER_VENDORS[vid] : undefined;
  const likely = !!vendorInfo && !vendorInfo.bridge;
  let advice: string | null = null;
  if (vendorInfo?.bridge) advice = 'USB-serial bridge: may be a white-label scanner; try reading it and scan a code.';
  else if (vid === null && /ttyS\d+$/.test(p.path)) advice = 'Built-in or RS-232 port: an RS-232 scanner needs the matching baud rate (--baud).';
  return {
    transport: 'serial',
    kind: 'serial',
    path: p.path,
    vendorId: vid,
    productId: pid,
    usbId: vid !== null && pid !== null ? `${hex4(vid)}:${hex4(pid)}` : null,
    vendor: vendorInfo?.name ?? null,
    manufacturer: p.manufacturer ?? null,
    product: null,
    serialNumber: p.serialNumber ?? null,
    usagePage: null,
    usage: null,
    mode: 'serial',
    likelyScanner: likely,
    advice,
    command: `tanba scan --serial ${p.path}`,
  };
}

export function describeHid(d: HidDeviceInfo, platform: NodeJS.Platform = process.platform): DeviceEntry {
  const vendorInfo = SCANNER_VENDORS[d.vendorId];
  const knownVendor = !!vendorInfo && !vendorInfo.bridge;
  const isPos = d.usagePage === HID_POS_USAGE_PAGE && (d.usage === undefined || d.usage === HID_POS_USAGE);
  const isKeyboard = d.usagePage === 0x01 && d.usage === 0x06;
  const idMode = modeFromIds(d.vendorId, d.productId);
  const kind: DeviceEntry['kind'] = isPos ? 'hid-pos' : isKeyboard ? 'hid-keyboard' : 'hid-other';
  const mode: ScannerMode = isPos ? 'hid-pos' : isKeyboard ? 'keyboard' : idMode;
  const likely = isPos || (knownVendor && (isKeyboard || idMode !== 'unknown' || d.usagePage === undefined));
  let advice: string | null = null;
  let command: string | null = null;
  const path = d.path ?? '';
  if (isPos) command = `tanba scan --hid ${path}`;
  else if (likely && isKeyboard) {
    advice =
      platform === 'linux'
        ? `Keyboard mode: switch the scanner to USB-COM or HID POS (${SWITCH_MODE}); meanwhile tanba can read it raw with --hid-keyboard.`
        : `Keyboard mode: switch the scanner to USB-COM or HID POS (${SWITCH_MODE}); this OS does not let tanba read keyboards directly.`;
    if (platform === 'linux') command = `tanba scan --hid-keyboard ${path}`;
  } else if (likely && mode === 'serial') {
    advice = 'USB-COM mode: read it from its serial port (see the serial list).';
  } else if (likely && mode === 'other') {
    advice = `Proprietary mode (SurePOS/SNAPI): ${SWITCH_MODE}.`;
  }
  return {
    transport: 'hid',
    kind,
    path,
    vendorId: d.vendorId,
    productId: d.productId,
    usbId: `${hex4(d.vendorId)}:${hex4(d.productId)}`,
    vendor: vendorInfo?.name ?? null,
    manufacturer: d.manufacturer ?? null,
    product: d.product ?? null,
    serialNumber: d.serialNumber ?? null,
    usagePage: d.usagePage ?? null,
    usage: d.usage ?? null,
    mode,
    likelyScanner: likely,
    advice,
    command,
  };
}

async function defaultSerialList(): Promise<SerialPortInfo[]> {
  const mod = await loadSerialPort();
  return mod.SerialPort.list();
}

async function defaultHidList(): Promise<HidDeviceInfo[]> {
  const hid = await loadNodeHid();
  return (await hid.devicesAsync()) as HidDeviceInfo[];
}

function problemOf(transport: 'serial' | 'hid', err: unknown): DiscoveryProblem {
  if (err instanceof DriverUnavailableError) return { transport, code: err.detail.code, message: err.detail.message };
  const text = err instanceof Error ? err.message : String(err);
  if (transport === 'serial' && /udevadm|ENOENT/.test(text)) {
    return {
      transport,
      code: 'udev-missing',
      message: 'Listing serial ports needs udevadm: install the udev package (`apt-get install udev`). Ports can still be opened by path.',
    };
  }
  const d = classifyDeviceError(err, { driver: transport === 'serial' ? 'serial' : 'hid-pos', path: `${transport} enumeration` });
  return { transport, code: d.code, message: d.message };
}

/** List serial ports and HID devices, likely scanners first. Never throws: failures land in `problems`. */
export async function listDevices(options: ListDevicesOptions = {}): Promise<DeviceList> {
  const platform = options.platform ?? process.platform;
  const problems: DiscoveryProblem[] = [];
  const [serial, hid] = await Promise.all([
    (options.serialList ?? defaultSerialList)().catch((err: unknown) => {
      problems.push(problemOf('serial', err));
      return [] as SerialPortInfo[];
    }),
    (options.hidList ?? defaultHidList)().catch((err: unknown) => {
      problems.push(problemOf('hid', err));
      return [] as HidDeviceInfo[];
    }),
  ]);
  const devices = [...serial.map(describeSerial), ...hid.filter((d) => d.path).map((d) => describeHid(d, platform))];
  devices.sort((a, b) => Number(b.likelyScanner) - Number(a.likelyScanner));
  return { devices, problems };
}
