/**
 * tanba scanner drivers: serial (USB-COM/RS-232), HID POS, raw HID keyboard, stdin / keyboard wedge,
 * camera images, and device discovery. Every driver returns a `Scanner` (see src/scan/types.ts).
 */
export { openSerialScanner, SerialScanner, type SerialScannerOptions, type SerialMatch } from './serial.js';
export { openHidPosScanner, HidPosScanner, type HidPosScannerOptions } from './hid-pos.js';
export { openHidKeyboardScanner, HidKeyboardScanner, type HidKeyboardScannerOptions } from './hid-keyboard.js';
export { openStdinScanner, StdinScanner, type StdinScannerOptions } from './stdin.js';
export {
  decodeImage,
  closeImageDecoder,
  openImageScanner,
  ImageScanner,
  ImageDecodeError,
  DEFAULT_IMAGE_FORMATS,
  type DecodeImageOptions,
  type ImageScannerOptions,
  type ImageCode,
  type ImageFormat,
  type ImageInput,
  type RawFrame,
} from './image.js';
export { listDevices, type DeviceEntry, type DeviceList, type DiscoveryProblem, type ListDevicesOptions } from './discovery.js';
export type { HidDeviceLike, HidDeviceInfo, HidMatch, HidScannerOptions } from './hid-device.js';
export { HidPosAssembler, type HidPosMessage } from './hid-pos-report.js';
export { KeyboardReportDecoder, type KeyboardDecoderOptions } from './hid-keyboard-decoder.js';
export { SCANNER_VENDORS, modeFromIds, type ScannerMode } from './vendors.js';
