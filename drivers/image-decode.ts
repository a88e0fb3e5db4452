/**
 * Image → codes, in the calling thread: one restricted zxing-wasm pass (formats limited, one symbol,
 * `textMode: "Plain"`, raw `bytes` kept so GS survives), then — only when it finds nothing — a
 * fallback cascade on the luminance buffer, cheapest first, within a time budget:
 * 2× area downscale (averages noise away), local contrast normalisation (faint prints, uneven
 * light), dark-module growing (dot-peen and inkjet dots), then crops around the candidates zxing found but could not read, upscaled, sharpened or
 * median-filtered. The worker thread (image-worker.ts) runs this; image.ts is the public face.
 */
import { latin1 } from '../src/scan/event.js';
import { boxBlur, crop, grayToRgba, growDark, growLight, localNormalize, median3, resize, sharpen, stretch, toGray, type Gray } from './image-enhance.js';
import { zxingRead, type ReaderOptions, type ReadResult } from './image-zxing.js';
import { decodeJpegGray, isJpeg } from './jpeg-decode.js';
import { decodePngGray, isPng } from './png-decode.js';

export type ImageFormat = 'DataMatrix' | 'QRCode' | 'Code128' | 'EAN13' | 'EAN8' | 'UPCA' | 'UPCE' | 'DataBarExp' | 'DataBar' | 'Aztec' | 'PDF417';

/** The formats marking and retail codes use (GS1 DataMatrix, GS1 QR, GS1-128, EAN). */
export const DEFAULT_IMAGE_FORMATS: ImageFormat[] = ['DataMatrix', 'QRCode', 'Code128', 'EAN13', 'EAN8'];

/** A camera frame: RGBA (4 bytes/pixel) or grey (1 byte/pixel). */
export interface RawFrame {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** Pixel layout; guessed from the buffer length when absent. */
  format?: 'rgba' | 'gray';
}

export interface ImageDecodeOptions {
  formats?: ImageFormat[];
  /** Most symbols to return (default 1: fastest). */
  maxSymbols?: number;
  /** Run the fallback cascade when the first pass finds nothing (default true). */
  fallback?: boolean;
  /** Stop the fallback cascade after this many ms (default 300). */
  fallbackBudgetMs?: number;
}

export interface ImageCode {
  /** Raw decoded bytes: GS as 0x1D, no leading FNC1, no AIM prefix. */
  bytes: Uint8Array;
  /** `bytes` as latin1, one char per byte. */
  text: string;
  /** AIM symbology identifier, e.g. `]d2` (GS1 DataMatrix), `]d8` (GS1 DMRE), `]Q3`, `]C1`, `]E0`. */
  symbology: string | null;
  format: string;
  /** zxing content type: Text, Binary, Mixed, GS1, ISO15434, UnknownECI. */
  contentType: string;
  /** Corners in the input image's pixel coordinates. */
  position: { x: number; y: number }[];
  /** Which pass read it: `direct` or a fallback pass name. */
  pass: string;
}

export type ImageInput = Uint8Array | RawFrame;

function isRawFrame(x: ImageInput): x is RawFrame {
  return !(x instanceof Uint8Array) && typeof (x as RawFrame).width === 'number';
}

function frameToRgba(f: RawFrame): { data: Uint8ClampedArray; width: number; height: number } {
  const n = f.width * f.height;
  const fmt = f.format ?? (f.data.length === n ? 'gray' : 'rgba');
  if (fmt === 'gray') return grayToRgba({ data: f.data instanceof Uint8Array ? f.data : new Uint8Array(f.data.buffer, f.data.byteOffset, n), width: f.width, height: f.height });
  if (f.data.length < n * 4) throw new RangeError(`frame buffer has ${f.data.length} bytes, ${f.width}×${f.height} RGBA needs ${n * 4}`);
  const d = f.data instanceof Uint8ClampedArray ? f.data : new Uint8ClampedArray(f.data.buffer, f.data.byteOffset, n * 4);
  return { data: d, width: f.width, height: f.height };
}

interface Mapping {
  scale: number;
  dx: number;
  dy: number;
}

function toCode(r: ReadResult, pass: string, m: Mapping): ImageCode {
  const p = r.position;
  const corners = [p.topLeft, p.topRight, p.bottomRight, p.bottomLeft].map((c) => ({
    x: Math.round(c.x / m.scale + m.dx),
    y: Math.round(c.y / m.scale + m.dy),
  }));
  const bytes = Uint8Array.from(r.bytes);
  return {
    bytes,
    text: latin1(bytes),
    symbology: r.symbologyIdentifier || null,
    format: r.format,
    contentType: r.contentType,
    position: corners,
    pass,
  };
}

function readerOptions(o: ImageDecodeOptions, extra: Partial<ReaderOptions> = {}): ReaderOptions {
  return {
    formats: o.formats ?? DEFAULT_IMAGE_FORMATS,
    maxNumberOfSymbols: o.maxSymbols ?? 1,
    textMode: 'Plain',
    ...extra,
  };
}

/** Decode in the calling thread. Bad input (not an image, wrong sizes) gives an empty list, never a throw. */
export async function decodeImageHere(input: ImageInput, options: ImageDecodeOptions = {}): Promise<ImageCode[]> {
  const opts = readerOptions(options);
  const identity: Mapping = { scale: 1, dx: 0, dy: 0 };
  let first: ReadResult[];
  let gray: Gray | null = null;
  if (isRawFrame(input)) {
    const rgba = frameToRgba(input);
    first = await zxingRead(rgba, opts);
    if (first.length === 0 && options.fallback !== false) gray = toGray(rgba.data, rgba.width, rgba.height);
  } else {
    first = await zxingRead(input, opts);
    if (first.length === 0 && options.fallback !== false) gray = isPng(input) ? decodePngGray(input) : isJpeg(input) ? decodeJpegGray(input) : null;
    if (first.length === 0 && options.fallback !== false && !gray) {
      // An image we cannot unpack (a 1-bit PNG, another format): let zxing retry on its own 2× downscale pyramid, which
      // averages noise the way our `half` pass does (about twice the hard frames of the first pass).
      const again = await zxingRead(input, { ...opts, downscaleFactor: 2, downscaleThreshold: 300 });
      return again.filter((r) => r.isValid).map((r) => toCode(r, 'zxing-downscale', identity));
    }
  }
  const direct = first.filter((r) => r.isValid);
  if (direct.length > 0 || !gray) return direct.map((r) => toCode(r, 'direct', identity));
  // Big photos: run the fallback on a copy of at most ~2 megapixels (an area average, which also
  // averages noise), and map positions back.
  const pixels = gray.width * gray.height;
  if (pixels > MAX_FALLBACK_PIXELS) {
    const f = Math.sqrt(MAX_FALLBACK_PIXELS / pixels);
    const codes = await fallback(resize(gray, f), options);
    return codes.map((c) => ({ ...c, position: c.position.map((p) => ({ x: Math.round(p.x / f), y: Math.round(p.y / f) })) }));
  }
  return fallback(gray, options);
}

const MAX_FALLBACK_PIXELS = 1920 * 1080;

async function fallback(g: Gray, options: ImageDecodeOptions): Promise<ImageCode[]> {
  const opts = readerOptions(options);
  const deadline = Date.now() + (options.fallbackBudgetMs ?? 300);
  const attempt = async (name: string, img: Gray, m: Mapping): Promise<ImageCode[] | null> => {
    const r = (await zxingRead(grayToRgba(img), opts)).filter((x) => x.isValid);
    return r.length > 0 ? r.map((x) => toCode(x, name, m)) : null;
  };
  // 1. Half size, area-averaged: cheap, averages sensor noise and speckle, sharpens faint edges.
  const half = g.width >= 320 && g.height >= 240 ? resize(g, 0.5) : null;
  if (half) {
    const r = await attempt('half', half, { scale: 0.5, dx: 0, dy: 0 });
    if (r) return r;
    if (Date.now() > deadline) return [];
  }
  // 2. Local contrast normalisation (faint print, uneven light), on the half image when there is one.
  const base = half ?? g;
  const baseMap: Mapping = { scale: half ? 0.5 : 1, dx: 0, dy: 0 };
  {
    const r = await attempt('contrast', localNormalize(boxBlur(base, 1), 10), baseMap);
    if (r) return r;
    if (Date.now() > deadline) return [];
  }
  // 2b. Dotted prints (dot-peen, inkjet): grow the dark dots until neighbouring modules touch.
  for (const [name, grow] of [
    ['dots', growDark],
    ['dots-light', growLight],
  ] as [string, (x: Gray, r: number) => Gray][]) {
    const r = await attempt(name, grow(g, 1), { scale: 1, dx: 0, dy: 0 });
    if (r) return r;
    if (Date.now() > deadline) return [];
  }
  // 3. Candidates zxing saw but could not read: crop them at full size and try harder there.
  const cands = await zxingRead(grayToRgba(base), { ...opts, returnErrors: true, maxNumberOfSymbols: 4 });
  for (const c of cands.filter((x) => !x.isValid).slice(0, 3)) {
    const pts = [c.position.topLeft, c.position.topRight, c.position.bottomRight, c.position.bottomLeft].map((p) => ({
      x: p.x / baseMap.scale,
      y: p.y / baseMap.scale,
    }));
    const xs = pts.map((p) => p.x);
    const ys = pts.map((p) => p.y);
    const w = Math.max(...xs) - Math.min(...xs);
    const h = Math.max(...ys) - Math.min(...ys);
    const margin = Math.max(16, 0.5 * Math.max(w, h));
    const x0 = Math.max(0, Math.min(...xs) - margin);
    const y0 = Math.max(0, Math.min(...ys) - margin);
    const region = crop(g, x0, y0, w + 2 * margin, h + 2 * margin);
    const up = Math.max(1, Math.min(4, 240 / Math.max(region.width, region.height)));
    const variants: [string, () => Gray, number][] = [
      ['crop-up', () => (up > 1.2 ? resize(region, up) : region), up > 1.2 ? up : 1],
      ['crop-median', () => stretch(median3(up > 1.2 ? resize(region, up) : region)), up > 1.2 ? up : 1],
      ['crop-sharpen', () => sharpen(up > 1.2 ? resize(region, up) : region, 2, 1.5), up > 1.2 ? up : 1],
      ['crop-contrast', () => localNormalize(region, 8), 1],
      ['crop-up2', () => resize(region, 2 * up), 2 * up],
    ];
    for (const [name, make, scale] of variants) {
      if (Date.now() > deadline) return [];
      const r = await attempt(name, make(), { scale, dx: x0, dy: y0 });
      if (r) return r;
    }
  }
  // 4. Whole frame, full size: sharpen (defocus, small blurred symbols), then median + stretch
  //    (heavy salt-and-pepper). The most expensive passes, so last.
  for (const [name, make] of [
    ['sharpen', () => sharpen(g, 2, 1.5)],
    ['median', () => stretch(median3(g))],
  ] as [string, () => Gray][]) {
    if (Date.now() > deadline) return [];
    const r = await attempt(name, make(), { scale: 1, dx: 0, dy: 0 });
    if (r) return r;
  }
  return [];
}
