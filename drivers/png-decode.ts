/**
 * Minimal PNG → grey decoder (8/16-bit, grey/RGB/palette/alpha, non-interlaced) on node:zlib, so the
 * image fallback pass can work on PNG files too. Returns null for what it does not handle
 * (interlaced, sub-byte depths, broken files); the caller then skips the pixel-level fallback.
 */
import { inflateSync } from 'node:zlib';
import type { Gray } from './image-enhance.js';

const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function isPng(b: Uint8Array): boolean {
  return b.length > 8 && SIG.every((v, i) => b[i] === v);
}

export function decodePngGray(file: Uint8Array): Gray | null {
  try {
    return decode(file);
  } catch {
    return null;
  }
}

function decode(file: Uint8Array): Gray | null {
  if (!isPng(file)) return null;
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let off = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let ctype = 0;
  let interlace = 0;
  let palette: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  while (off + 8 <= file.length) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(file[off + 4], file[off + 5], file[off + 6], file[off + 7]);
    const data = file.subarray(off + 8, off + 8 + len);
    off += 12 + len;
    if (type === 'IHDR') {
      width = dv.getUint32(off - 12 - len + 8);
      height = dv.getUint32(off - 12 - len + 12);
      depth = data[8];
      ctype = data[9];
      interlace = data[12];
    } else if (type === 'PLTE') palette = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
  }
  if (!width || !height || interlace !== 0 || (depth !== 8 && depth !== 16)) return null;
  const channels = ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[ctype];
  if (!channels || (ctype === 3 && (!palette || depth !== 8))) return null;
  const bpp = (channels * depth) / 8;
  const stride = width * bpp;
  const raw = inflateSync(Buffer.concat(idat));
  if (raw.length < height * (stride + 1)) return null;
  const cur = new Uint8Array(stride);
  const prev = new Uint8Array(stride);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const ft = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0;
      const b = prev[i];
      const c = i >= bpp ? prev[i - bpp] : 0;
      let v = line[i];
      if (ft === 1) v += a;
      else if (ft === 2) v += b;
      else if (ft === 3) v += (a + b) >> 1;
      else if (ft === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      cur[i] = v & 0xff;
    }
    const step = depth / 8;
    for (let x = 0; x < width; x++) {
      const p = x * bpp;
      let g: number;
      if (ctype === 3) {
        const k = cur[p] * 3;
        g = (palette![k] * 77 + palette![k + 1] * 150 + palette![k + 2] * 29) >> 8;
      } else if (channels >= 3) g = (cur[p] * 77 + cur[p + step] * 150 + cur[p + 2 * step] * 29) >> 8;
      else g = cur[p];
      out[y * width + x] = g;
    }
    prev.set(cur);
  }
  return { data: out, width, height };
}
