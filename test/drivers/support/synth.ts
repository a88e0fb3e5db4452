/**
 * Synthetic camera frames for image tests and benchmarks: a barcode from zxing-wasm's writer drawn
 * into a grey frame at any scale and angle, with low contrast, uneven light, blur and noise.
 * Deterministic (seeded), so no image fixtures need to live in the repo.
 */
import { xorshift32 as rng } from '../../support/codes.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { prepareZXingModule, writeBarcode, type WriterOptions } from 'zxing-wasm/writer';

let ready: Promise<unknown> | null = null;
function prepare(): Promise<unknown> {
  ready ??= prepareZXingModule({
    overrides: { wasmBinary: readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/writer/zxing_writer.wasm')) as unknown as ArrayBuffer },
    fireImmediately: true,
  });
  return ready;
}

export interface Symbol2D {
  /** 1 = dark module. */
  modules: Uint8Array;
  width: number;
  height: number;
}

/** Module matrix of a barcode (no quiet zone). GS1 data uses bracketed AIs: "[01]046…[21]…". */
export async function symbolOf(text: string, options: WriterOptions = { format: 'DataMatrix', options: 'gs1,forceSquare' }): Promise<Symbol2D> {
  await prepare();
  const r = await writeBarcode(text, { scale: 1, addQuietZones: false, ...options });
  if (r.error) throw new Error(`writeBarcode: ${r.error}`);
  const { data, width, height } = r.symbol;
  const modules = new Uint8Array(width * height);
  for (let i = 0; i < modules.length; i++) modules[i] = data[i] < 128 ? 1 : 0;
  return { modules, width, height };
}

/** PNG bytes of a barcode, as the writer makes it. */
export async function pngOf(text: string, options: WriterOptions): Promise<Uint8Array> {
  await prepare();
  const r = await writeBarcode(text, options);
  if (r.error || !r.image) throw new Error(`writeBarcode: ${r.error}`);
  return new Uint8Array(await r.image.arrayBuffer());
}

export interface FrameSpec {
  width?: number;
  height?: number;
  /** Pixels per module. */
  scale?: number;
  /** Degrees, counter-clockwise. */
  angle?: number;
  /** Symbol centre as a fraction of the frame (default 0.5, 0.5). */
  cx?: number;
  cy?: number;
  /** Grey level of dark modules and of the light background. */
  dark?: number;
  light?: number;
  /** Brightness change across the frame (uneven light), added left→right. */
  gradient?: number;
  /** Box blur radius in px. */
  blur?: number;
  /** Gaussian noise sigma in grey levels. */
  noise?: number;
  /** Fraction of pixels flipped to black/white. */
  saltPepper?: number;
  /** Draw dark modules as round dots of this diameter (fraction of a module), as dot-peen or inkjet prints them. */
  dots?: number;
  /** Draw the symbol light-on-dark (laser marking on dark material). */
  inverted?: boolean;
  seed?: number;
}

export interface GrayFrame {
  data: Uint8Array;
  width: number;
  height: number;
}


export function renderFrame(sym: Symbol2D | null, spec: FrameSpec = {}): GrayFrame {
  const W = spec.width ?? 1280;
  const H = spec.height ?? 720;
  const scale = spec.scale ?? 5;
  const dark = spec.dark ?? 20;
  const light = spec.light ?? 235;
  const a = ((spec.angle ?? 0) * Math.PI) / 180;
  const cos = Math.cos(a);
  const sin = Math.sin(a);
  const cx = (spec.cx ?? 0.5) * W;
  const cy = (spec.cy ?? 0.5) * H;
  const f = new Float32Array(W * H).fill(spec.inverted ? dark : light);
  if (sym) {
    const hw = (sym.width * scale) / 2;
    const hh = (sym.height * scale) / 2;
    const r = Math.ceil(Math.hypot(hw, hh)) + 2;
    const SS = 3;
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(H, cy + r); y++) {
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(W, cx + r); x++) {
        let acc = 0;
        for (let sy = 0; sy < SS; sy++) {
          for (let sx = 0; sx < SS; sx++) {
            const dx = x + (sx + 0.5) / SS - cx;
            const dy = y + (sy + 0.5) / SS - cy;
            const u = (dx * cos + dy * sin + hw) / scale;
            const v = (-dx * sin + dy * cos + hh) / scale;
            const mu = Math.floor(u);
            const mv = Math.floor(v);
            let isDark = mu >= 0 && mv >= 0 && mu < sym.width && mv < sym.height && sym.modules[mv * sym.width + mu] === 1;
            if (isDark && spec.dots) isDark = Math.hypot(u - mu - 0.5, v - mv - 0.5) <= spec.dots / 2;
            if (spec.inverted) acc += isDark ? light : dark;
            else acc += isDark ? dark : light;
          }
        }
        f[y * W + x] = acc / (SS * SS);
      }
    }
  }
  if (spec.gradient) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) f[y * W + x] += (spec.gradient * x) / W - spec.gradient / 2;
  let g: Float32Array = f;
  if (spec.blur && spec.blur > 0) g = boxBlur(g, W, H, spec.blur);
  const rand = rng(spec.seed ?? 1);
  const out = new Uint8Array(W * H);
  for (let i = 0; i < out.length; i++) {
    let v = g[i];
    if (spec.noise) {
      const u1 = rand() || 1e-9;
      const u2 = rand();
      v += spec.noise * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    if (spec.saltPepper && rand() < spec.saltPepper) v = rand() < 0.5 ? 0 : 255;
    out[i] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
  }
  return { data: out, width: W, height: H };
}

function boxBlur(src: Float32Array, W: number, H: number, r: number): Float32Array {
  const tmp = new Float32Array(W * H);
  const out = new Float32Array(W * H);
  const n = 2 * r + 1;
  for (let y = 0; y < H; y++) {
    let s = 0;
    for (let x = -r; x <= r; x++) s += src[y * W + Math.min(W - 1, Math.max(0, x))];
    for (let x = 0; x < W; x++) {
      tmp[y * W + x] = s / n;
      s += src[y * W + Math.min(W - 1, x + r + 1)] - src[y * W + Math.max(0, x - r)];
    }
  }
  for (let x = 0; x < W; x++) {
    let s = 0;
    for (let y = -r; y <= r; y++) s += tmp[Math.min(H - 1, Math.max(0, y)) * W + x];
    for (let y = 0; y < H; y++) {
      out[y * W + x] = s / n;
      s += tmp[Math.min(H - 1, y + r + 1) * W + x] - tmp[Math.max(0, y - r) * W + x];
    }
  }
  return out;
}

export function toRgba(frame: GrayFrame): { data: Uint8ClampedArray; width: number; height: number } {
  const rgba = new Uint8ClampedArray(frame.width * frame.height * 4);
  for (let i = 0, j = 0; i < frame.data.length; i++, j += 4) {
    rgba[j] = rgba[j + 1] = rgba[j + 2] = frame.data[i];
    rgba[j + 3] = 255;
  }
  return { data: rgba, width: frame.width, height: frame.height };
}
