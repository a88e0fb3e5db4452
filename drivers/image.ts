/**
 * Image driver (zxing-wasm 3): decode PNG/JPEG files and raw camera frames (RGBA or grey) in a worker
 * thread, so a POS UI stays responsive. `decodeImage()` for one-off images; `openImageScanner()` for a
 * camera loop: push frames, get `scan` events (double scans suppressed, frames dropped while busy).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { BaseScanner, type ScannerCommonOptions } from '../src/scan/scanner-base.js';
import { decodeImageHere, type ImageCode, type ImageDecodeOptions, type ImageInput, type RawFrame } from './image-decode.js';

export interface DecodeImageOptions extends ImageDecodeOptions {
  /** Decode in the worker thread (default true); false decodes in the calling thread. */
  worker?: boolean;
  /** Hand the frame's buffer over to the worker instead of copying it (the caller's buffer becomes unusable). */
  transfer?: boolean;
}

export class ImageDecodeError extends Error {
  constructor(
    readonly code: 'image-unreadable' | 'image-bad-frame' | 'image-decoder-failed',
    message: string,
  ) {
    super(message);
  }
}

interface Pending {
  resolve: (codes: ImageCode[]) => void;
  reject: (err: Error) => void;
}

let worker: Worker | null = null;
/** Frame-sized buffers that came back from the worker, reused for the next frame copy. */
const bufferPool: ArrayBuffer[] = [];

function frameBuffer(bytes: number): ArrayBuffer {
  const i = bufferPool.findIndex((b) => b.byteLength === bytes);
  if (i >= 0) return bufferPool.splice(i, 1)[0];
  return new ArrayBuffer(bytes);
}
let nextId = 1;
const pending = new Map<number, Pending>();

function spawnWorker(): Worker {
  const here = import.meta.url;
  let w: Worker;
  if (here.endsWith('.ts')) {
    // Running from TypeScript sources (tests, tsx): load the worker through tsx's loader.
    const tsxDir = dirname(createRequire(here).resolve('tsx/package.json'));
    const api = pathToFileURL(join(tsxDir, 'dist/esm/api/index.mjs')).href;
    const target = new URL('./image-worker.ts', here).href;
    w = new Worker(`import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`, { eval: true });
  } else {
    w = new Worker(new URL('./image-worker.js', here));
  }
  w.on('message', (msg: { id: number; codes?: ImageCode[]; error?: string; recycled?: ArrayBuffer }) => {
    if (msg.recycled && bufferPool.length < 3) bufferPool.push(msg.recycled);
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) w.unref();
    if (msg.error !== undefined) p.reject(new ImageDecodeError('image-decoder-failed', `image decoder failed: ${msg.error}`));
    else p.resolve(msg.codes ?? []);
  });
  const fail = (err: Error): void => {
    if (worker === w) worker = null;
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(new ImageDecodeError('image-decoder-failed', `image decoder worker stopped: ${err.message}`));
    }
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  w.unref();
  return w;
}

function inWorker(input: ImageInput, options: DecodeImageOptions): Promise<ImageCode[]> {
  worker ??= spawnWorker();
  const w = worker;
  const id = nextId++;
  const { worker: _w, transfer, ...decodeOptions } = options;
  void _w;
  return new Promise<ImageCode[]>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    if (input instanceof Uint8Array) {
      w.postMessage({ id, input, options: decodeOptions }, transfer && input.buffer instanceof ArrayBuffer ? [input.buffer] : []);
      return;
    }
    const frame = input as RawFrame;
    if (transfer && frame.data.buffer instanceof ArrayBuffer) {
      w.postMessage({ id, input: frame, options: decodeOptions }, [frame.data.buffer]);
      return;
    }
    // One memcpy into a recycled buffer and a transfer are cheaper than structured-cloning megabytes of pixels.
    const copy = new Uint8ClampedArray(frameBuffer(frame.data.byteLength));
    copy.set(frame.data);
    w.postMessage(
      { id, input: { data: copy, width: frame.width, height: frame.height, format: frame.format }, options: decodeOptions, recycle: true },
      [copy.buffer],
    );
  });
}

/** Validate a raw frame at the edge: sizes and buffer length must agree (grey or RGBA). */
function checkFrame(f: RawFrame): void {
  const ok =
    f !== null &&
    typeof f === 'object' &&
    Number.isInteger(f.width) &&
    Number.isInteger(f.height) &&
    f.width > 0 &&
    f.height > 0 &&
    (f.data instanceof Uint8Array || f.data instanceof Uint8ClampedArray);
  if (!ok) throw new ImageDecodeError('image-bad-frame', 'a raw frame needs positive integer width/height and a Uint8Array or Uint8ClampedArray of pixels');
  const n = f.width * f.height;
  const fmt = f.format ?? (f.data.length === n ? 'gray' : 'rgba');
  const need = fmt === 'gray' ? n : n * 4;
  if (f.data.length < need) {
    throw new ImageDecodeError('image-bad-frame', `a ${f.width}×${f.height} ${fmt} frame needs ${need} bytes, got ${f.data.length}`);
  }
}

/**
 * Decode the barcodes in an image: a file path, encoded image bytes (PNG, JPEG…), or a raw frame.
 * Resolves with the codes found (empty when none, or when the bytes are not an image); rejects with an
 * ImageDecodeError when a file cannot be read (`image-unreadable`) or a raw frame is malformed (`image-bad-frame`).
 */
export async function decodeImage(input: string | ImageInput, options: DecodeImageOptions = {}): Promise<ImageCode[]> {
  let data: ImageInput;
  if (typeof input === 'string') {
    try {
      data = new Uint8Array(await readFile(input));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new ImageDecodeError('image-unreadable', `cannot read image ${input}: ${e.code ?? e.message}`);
    }
  } else data = input;
  if (!(data instanceof Uint8Array)) checkFrame(data);
  if (options.worker === false) return decodeImageHere(data, options);
  return inWorker(data, options);
}

/** Stop the decoder worker (it also stops by itself never blocking process exit while idle). */
export async function closeImageDecoder(): Promise<void> {
  const w = worker;
  worker = null;
  if (w) await w.terminate();
}

export interface ImageScannerOptions extends ScannerCommonOptions, DecodeImageOptions {
  /** Label for `source.path` (default "camera"). */
  label?: string;
}

/** A camera loop as a Scanner: `push()` frames; codes come out as `scan` events. */
export class ImageScanner extends BaseScanner {
  private busy = false;
  dropped = 0;

  private readonly options: ImageScannerOptions;

  constructor(options: ImageScannerOptions = {}) {
    super({ driver: 'image', path: options.label ?? 'camera' }, options);
    // A camera loop sees mostly empty frames: keep the fallback short there by default.
    this.options = { fallbackBudgetMs: 120, ...options };
    queueMicrotask(() => this.setState('connected'));
  }

  /** Decode a frame; returns false (frame dropped) while the previous one is still decoding. */
  async push(frame: string | ImageInput): Promise<boolean> {
    if (this.closed) return false;
    if (this.busy) {
      this.dropped++;
      return false;
    }
    this.busy = true;
    try {
      const codes = await decodeImage(frame, this.options);
      for (const c of codes) this.deliver({ raw: c.bytes, symbology: c.symbology });
    } catch (err) {
      this.report((err as ImageDecodeError).code ?? 'image-decoder-failed', (err as Error).message);
    } finally {
      this.busy = false;
    }
    return true;
  }

  protected async release(): Promise<void> {
    // The shared decoder worker stays for other users; it never blocks exit while idle.
  }
}

export function openImageScanner(options: ImageScannerOptions = {}): ImageScanner {
  return new ImageScanner(options);
}

export { DEFAULT_IMAGE_FORMATS, type ImageCode, type ImageDecodeOptions, type ImageFormat, type ImageInput, type RawFrame } from './image-decode.js';
