/** Scanner-side contracts: what every driver emits and how the rest of tanba consumes it. */
import type { EventEmitter } from 'node:events';

export type DriverName = 'serial' | 'hid-pos' | 'hid-keyboard' | 'stdin' | 'image' | 'simulated';

export interface ScanSource {
  driver: DriverName;
  /** Device path (COM3, /dev/ttyACM0, /dev/hidraw2), file name, or a label. */
  path: string;
  vendorId?: number;
  productId?: number;
  serialNumber?: string;
}

export interface ScanEvent {
  /** The bytes as they came off the wire, framing (CR/LF/suffix) removed. */
  raw: Uint8Array;
  /** `raw` decoded as latin1 (one char per byte): GS and 0xE8 survive. */
  text: string;
  /** AIM symbology identifier such as `]d2`, when the device reported one. */
  symbology: string | null;
  source: ScanSource;
  /** ISO-8601 time of the scan. */
  at: string;
  /** Vendor code-id byte when the device sent one (HID POS byte 61/62, e.g. `w` = DataMatrix on Honeywell). */
  vendorCodeId?: string;
}

export type ScannerState = 'connecting' | 'connected' | 'disconnected' | 'reconnecting' | 'closed';

export interface ScannerStatus {
  state: ScannerState;
  source: ScanSource;
  /** Stable code when the state change has a cause, e.g. `port-busy`, `permission-denied`, `device-gone`. */
  code?: string;
  message?: string;
}

export interface ScannerError {
  /** Stable code, e.g. `port-busy`, `permission-denied`, `device-gone`, `frame-oversize`, `wrong-mode`. */
  code: string;
  /** A sentence that says what happened and what to do. */
  message: string;
  source: ScanSource;
}

/**
 * A connected scanner. Emits `scan` (ScanEvent), `status` (ScannerStatus) and `error` (ScannerError);
 * iterable with `for await (const scan of scanner)`; `close()` releases everything.
 */
export interface Scanner extends EventEmitter, AsyncIterable<ScanEvent> {
  readonly source: ScanSource;
  readonly state: ScannerState;
  close(): Promise<void>;
}
