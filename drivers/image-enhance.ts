/**
 * Luminance-buffer clean-ups for the image fallback pass, in plain JS: grey conversion, median
 * denoise, contrast stretch, local contrast normalisation (uneven light), sharpening, resizing.
 * All take and return a `Gray` (8-bit, row-major) and never modify their input.
 */

export interface Gray {
  data: Uint8Array;
  width: number;
  height: number;
}

/** RGBA (4 bytes/pixel) or grey (1 byte/pixel) → luminance (BT.601 integer weights). */
export function toGray(data: Uint8Array | Uint8ClampedArray, width: number, height: number): Gray {
  const n = width * height;
  if (data.length === n) return { data: Uint8Array.from(data), width, height };
  if (data.length < n * 4) throw new RangeError(`pixel buffer of ${data.length} bytes is too short for ${width}×${height}`);
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 4) out[i] = (data[j] * 77 + data[j + 1] * 150 + data[j + 2] * 29) >> 8;
  return { data: out, width, height };
}

export function grayToRgba(g: Gray): { data: Uint8ClampedArray; width: number; height: number } {
  const out = new Uint8ClampedArray(g.width * g.height * 4);
  const d = g.data;
  for (let i = 0, j = 0; i < d.length; i++, j += 4) {
    const v = d[i];
    out[j] = v;
    out[j + 1] = v;
    out[j + 2] = v;
    out[j + 3] = 255;
  }
  return { data: out, width: g.width, height: g.height };
}

/** 3×3 median: removes salt-and-pepper and speckle noise while keeping module edges. */
export function median3(g: Gray): Gray {
  const { width: W, height: H, data: s } = g;
  const out = new Uint8Array(W * H);
  const w = new Uint8Array(9);
  for (let y = 0; y < H; y++) {
    const y0 = y > 0 ? y - 1 : 0;
    const y2 = y < H - 1 ? y + 1 : H - 1;
    for (let x = 0; x < W; x++) {
      const x0 = x > 0 ? x - 1 : 0;
      const x2 = x < W - 1 ? x + 1 : W - 1;
      w[0] = s[y0 * W + x0]; w[1] = s[y0 * W + x]; w[2] = s[y0 * W + x2];
      w[3] = s[y * W + x0]; w[4] = s[y * W + x]; w[5] = s[y * W + x2];
      w[6] = s[y2 * W + x0]; w[7] = s[y2 * W + x]; w[8] = s[y2 * W + x2];
      // Partial insertion sort up to the middle element.
      for (let i = 1; i < 9; i++) {
        const v = w[i];
        let k = i - 1;
        while (k >= 0 && w[k] > v) {
          w[k + 1] = w[k];
          k--;
        }
        w[k + 1] = v;
      }
      out[y * W + x] = w[4];
    }
  }
  return { data: out, width: W, height: H };
}

/** Stretch the grey range so the `lowPct`…`highPct` percentiles map to 0…255. */
export function stretch(g: Gray, lowPct = 1, highPct = 99): Gray {
  const hist = new Uint32Array(256);
  for (const v of g.data) hist[v]++;
  const n = g.data.length;
  let lo = 0;
  let hi = 255;
  for (let acc = 0, i = 0; i < 256; i++) {
    acc += hist[i];
    if (acc >= (n * lowPct) / 100) {
      lo = i;
      break;
    }
  }
  for (let acc = 0, i = 255; i >= 0; i--) {
    acc += hist[i];
    if (acc >= (n * (100 - highPct)) / 100) {
      hi = i;
      break;
    }
  }
  if (hi <= lo) return { data: Uint8Array.from(g.data), width: g.width, height: g.height };
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = Math.max(0, Math.min(255, Math.round(((i - lo) * 255) / (hi - lo))));
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = lut[g.data[i]];
  return { data: out, width: g.width, height: g.height };
}

function integral(g: Gray): { sum: Float64Array; sq: Float64Array } {
  const { width: W, height: H, data } = g;
  const sum = new Float64Array((W + 1) * (H + 1));
  const sq = new Float64Array((W + 1) * (H + 1));
  for (let y = 0; y < H; y++) {
    let rs = 0;
    let rq = 0;
    for (let x = 0; x < W; x++) {
      const v = data[y * W + x];
      rs += v;
      rq += v * v;
      const i = (y + 1) * (W + 1) + x + 1;
      sum[i] = sum[i - W - 1] + rs;
      sq[i] = sq[i - W - 1] + rq;
    }
  }
  return { sum, sq };
}

/**
 * Local contrast normalisation: each pixel relative to the mean and spread of its neighbourhood.
 * Evens out uneven light and lifts faint, low-contrast prints.
 */
export function localNormalize(g: Gray, radius = 12, minStd = 4): Gray {
  const { width: W, height: H, data } = g;
  const { sum, sq } = integral(g);
  const out = new Uint8Array(W * H);
  const S = W + 1;
  for (let y = 0; y < H; y++) {
    const y0 = Math.max(0, y - radius);
    const y1 = Math.min(H, y + radius + 1);
    for (let x = 0; x < W; x++) {
      const x0 = Math.max(0, x - radius);
      const x1 = Math.min(W, x + radius + 1);
      const n = (y1 - y0) * (x1 - x0);
      const s = sum[y1 * S + x1] - sum[y0 * S + x1] - sum[y1 * S + x0] + sum[y0 * S + x0];
      const q = sq[y1 * S + x1] - sq[y0 * S + x1] - sq[y1 * S + x0] + sq[y0 * S + x0];
      const mean = s / n;
      const std = Math.sqrt(Math.max(0, q / n - mean * mean));
      const v = 128 + ((data[y * W + x] - mean) * 48) / Math.max(std, minStd);
      out[y * W + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { data: out, width: W, height: H };
}

/** Box blur of radius r (separable, edge-clamped). */
export function boxBlur(g: Gray, r: number): Gray {
  const { width: W, height: H, data } = g;
  if (r <= 0) return { data: Uint8Array.from(data), width: W, height: H };
  const tmp = new Float32Array(W * H);
  const out = new Uint8Array(W * H);
  const n = 2 * r + 1;
  for (let y = 0; y < H; y++) {
    const row = y * W;
    let s = 0;
    for (let x = -r; x <= r; x++) s += data[row + Math.min(W - 1, Math.max(0, x))];
    for (let x = 0; x < W; x++) {
      tmp[row + x] = s / n;
      s += data[row + Math.min(W - 1, x + r + 1)] - data[row + Math.max(0, x - r)];
    }
  }
  for (let x = 0; x < W; x++) {
    let s = 0;
    for (let y = -r; y <= r; y++) s += tmp[Math.min(H - 1, Math.max(0, y)) * W + x];
    for (let y = 0; y < H; y++) {
      out[y * W + x] = Math.round(s / n);
      s += tmp[Math.min(H - 1, y + r + 1) * W + x] - tmp[Math.max(0, y - r) * W + x];
    }
  }
  return { data: out, width: W, height: H };
}

/** Unsharp mask: v + amount·(v − blur(v)); counters defocus. */
export function sharpen(g: Gray, r = 2, amount = 1.5): Gray {
  const b = boxBlur(g, r);
  const out = new Uint8Array(g.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = g.data[i] + amount * (g.data[i] - b.data[i]);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { data: out, width: g.width, height: g.height };
}

/** Resize by `factor` (bilinear up, area-average down). */
export function resize(g: Gray, factor: number): Gray {
  const W = Math.max(1, Math.round(g.width * factor));
  const H = Math.max(1, Math.round(g.height * factor));
  const out = new Uint8Array(W * H);
  const s = g.data;
  const sw = g.width;
  const sh = g.height;
  if (factor < 1) {
    const k = 1 / factor;
    for (let y = 0; y < H; y++) {
      const ys = Math.floor(y * k);
      const ye = Math.min(sh, Math.max(ys + 1, Math.floor((y + 1) * k)));
      for (let x = 0; x < W; x++) {
        const xs = Math.floor(x * k);
        const xe = Math.min(sw, Math.max(xs + 1, Math.floor((x + 1) * k)));
        let acc = 0;
        for (let yy = ys; yy < ye; yy++) for (let xx = xs; xx < xe; xx++) acc += s[yy * sw + xx];
        out[y * W + x] = Math.round(acc / ((ye - ys) * (xe - xs)));
      }
    }
    return { data: out, width: W, height: H };
  }
  for (let y = 0; y < H; y++) {
    const fy = Math.min(sh - 1, Math.max(0, (y + 0.5) / factor - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(sh - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < W; x++) {
      const fx = Math.min(sw - 1, Math.max(0, (x + 0.5) / factor - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(sw - 1, x0 + 1);
      const wx = fx - x0;
      const top = s[y0 * sw + x0] * (1 - wx) + s[y0 * sw + x1] * wx;
      const bot = s[y1 * sw + x0] * (1 - wx) + s[y1 * sw + x1] * wx;
      out[y * W + x] = Math.round(top * (1 - wy) + bot * wy);
    }
  }
  return { data: out, width: W, height: H };
}

/** Cut out a rectangle (clamped to the image). */
export function crop(g: Gray, x: number, y: number, w: number, h: number): Gray {
  const x0 = Math.max(0, Math.floor(x));
  const y0 = Math.max(0, Math.floor(y));
  const x1 = Math.min(g.width, Math.ceil(x + w));
  const y1 = Math.min(g.height, Math.ceil(y + h));
  const W = Math.max(1, x1 - x0);
  const H = Math.max(1, y1 - y0);
  const out = new Uint8Array(W * H);
  for (let yy = 0; yy < H; yy++) out.set(g.data.subarray((y0 + yy) * g.width + x0, (y0 + yy) * g.width + x0 + W), yy * W);
  return { data: out, width: W, height: H };
}

/** Grey-level minimum over a (2r+1)² window (separable): grows dark modules, so dot-peen and inkjet dots join up. */
export function growDark(g: Gray, r = 1): Gray {
  const { width: W, height: H, data } = g;
  const tmp = new Uint8Array(W * H);
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const row = y * W;
    for (let x = 0; x < W; x++) {
      let m = 255;
      const x0 = x - r < 0 ? 0 : x - r;
      const x1 = x + r >= W ? W - 1 : x + r;
      for (let k = x0; k <= x1; k++) if (data[row + k] < m) m = data[row + k];
      tmp[row + x] = m;
    }
  }
  for (let y = 0; y < H; y++) {
    const y0 = y - r < 0 ? 0 : y - r;
    const y1 = y + r >= H ? H - 1 : y + r;
    for (let x = 0; x < W; x++) {
      let m = 255;
      for (let k = y0; k <= y1; k++) if (tmp[k * W + x] < m) m = tmp[k * W + x];
      out[y * W + x] = m;
    }
  }
  return { data: out, width: W, height: H };
}

/** Grey-level negative. */
export function invert(g: Gray): Gray {
  const out = new Uint8Array(g.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 255 - g.data[i];
  return { data: out, width: g.width, height: g.height };
}

/** Grows light modules: the dotted-print pass for light-on-dark marking (laser on dark material). */
export function growLight(g: Gray, r = 1): Gray {
  return invert(growDark(invert(g), r));
}
