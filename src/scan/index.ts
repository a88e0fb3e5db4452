/** Scanner-side core: ScanEvent helpers, framing, AIM prefixes, double-scan suppression, the base Scanner. */
export type * from './types.js';
export { latin1, latin1Bytes, makeScanEvent, scanParseInput, type ScanEventInit } from './event.js';
export { splitAim, isAimAt, isAimId, describeAim, type AimSplit } from './aim.js';
export { FrameSplitter, type FramingOptions, type FrameEnd, type FrameSink } from './framing.js';
export { DoubleScanFilter, type DedupeOptions } from './dedupe.js';
export { Backoff, type ReconnectOptions } from './backoff.js';
export { classifyDeviceError, driverUnavailable, type ClassifiedError, type DeviceErrorCode } from './errors.js';
export { BaseScanner, type ScannerCommonOptions } from './scanner-base.js';
