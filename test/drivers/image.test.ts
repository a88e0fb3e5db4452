/** Image driver: writer-generated symbols (GS1 DM with GS, DMRE, GS1 QR, GS1-128, EAN), files, raw frames, fallback. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, openImageScanner, ImageDecodeError } from '../../drivers/image.js';
import { zxingRead } from '../../drivers/image-zxing.js';
import type { ScanEvent } from '../../src/scan/types.js';
import { collect, nextEvent } from './support/events.js';
import { pngOf, renderFrame, symbolOf, toRgba } from './support/synth.js';
import { frameSet, SET_KM, SET_KM_BRACKETED } from './support/frame-set.js';
import { encodePng } from './support/png-encode.js';
import { decodePngGray } from '../../drivers/png-decode.js';
import { decodeJpegGray } from '../../drivers/jpeg-decode.js';
import jpeg from 'jpeg-js';

const GS = '\x1d';
const BRACKETED = '[01]04601234567893[21]5Xb7kPq[91]EE06[92]dGVzdGRhdGFzaWduYXR1cmU=';
const KM = `0104601234567893215Xb7kPq${GS}91EE06${GS}92dGVzdGRhdGFzaWduYXR1cmU=`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tanba-image-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decodeImage on generated symbols', () => {
  it('reads a GS1 DataMatrix PNG with GS intact and the ]d2 identifier', async () => {
    const png = await pngOf(BRACKETED, { format: 'DataMatrix', options: 'gs1,forceSquare', scale: 4 });
    const [code, ...rest] = await decodeImage(png);
    expect(rest).toHaveLength(0);
    expect(code.symbology).toBe(']d2');
    expect(code.text).toBe(KM);
    expect(code.contentType).toBe('GS1');
    expect(Array.from(code.bytes).filter((b) => b === 0x1d)).toHaveLength(2);
    expect(code.pass).toBe('direct');
  });

  it('reads a rectangular GS1 DataMatrix (DMRE 20×36) as ]d8 and a standard rectangle as ]d2', async () => {
    const dmre = await symbolOf('[01]04601234567893[21]ABC', { format: 'DataMatrix', options: 'gs1,version=40' });
    const rect = await symbolOf('[01]04601234567893[21]ABC', { format: 'DataMatrix', options: 'gs1,version=30' });
    expect([dmre.width, dmre.height]).toEqual([36, 20]);
    expect([rect.width, rect.height]).toEqual([48, 16]);
    for (const [sym, aim] of [[dmre, ']d8'], [rect, ']d2']] as const) {
      const frame = renderFrame(sym, { width: 400, height: 300, scale: 5, angle: 8 });
      const [code] = await decodeImage({ data: frame.data, width: 400, height: 300, format: 'gray' });
      expect(code.text).toBe('010460123456789321ABC');
      expect(code.symbology).toBe(aim);
    }
  });

  it.each([
    ['GS1 QR', 'QRCode', 'gs1', BRACKETED, ']Q3', KM],
    ['GS1-128', 'Code128', 'gs1', '[01]04601234567893[21]ABC123', ']C1', '0104601234567893' + '21ABC123'],
    ['EAN-13', 'EAN13', '', '4601234567893', ']E0', '4601234567893'],
  ])('reads %s', async (_n, format, options, input, aim, text) => {
    const png = await pngOf(input, { format: format as 'QRCode', options, scale: 3 });
    const [code] = await decodeImage(png);
    expect(code.symbology).toBe(aim);
    expect(code.text).toBe(text);
  });

  it('keeps a GS of a non-GS1 DataMatrix as data (]d1, Binary)', async () => {
    const png = await pngOf(`0104601234567893215Xb7kPq${GS}93dGVz`, { format: 'DataMatrix', options: 'forceSquare', scale: 4 });
    const [code] = await decodeImage(png);
    expect(code.symbology).toBe(']d1');
    expect(code.text).toContain(GS);
  });

  it('reads a file by path; a missing file rejects with image-unreadable', async () => {
    const file = join(dir, 'code.png');
    writeFileSync(file, await pngOf(BRACKETED, { format: 'DataMatrix', options: 'gs1,forceSquare', scale: 4 }));
    expect((await decodeImage(file))[0].text).toBe(KM);
    await expect(decodeImage(join(dir, 'missing.png'))).rejects.toMatchObject({ code: 'image-unreadable' });
    await expect(decodeImage(join(dir, 'missing.png'))).rejects.toBeInstanceOf(ImageDecodeError);
  });

  it('returns no codes (and does not throw) for bytes that are not an image, or an empty frame', async () => {
    expect(await decodeImage(Uint8Array.from([1, 2, 3, 4, 5]))).toEqual([]);
    const empty = renderFrame(null, { width: 320, height: 240, noise: 8 });
    expect(await decodeImage({ ...empty, format: 'gray' }, { fallbackBudgetMs: 50 })).toEqual([]);
  });

  it('rejects malformed raw frames with image-bad-frame', async () => {
    await expect(decodeImage({ data: new Uint8Array(10), width: 100, height: 100 })).rejects.toMatchObject({ code: 'image-bad-frame' });
    await expect(decodeImage({ data: new Uint8Array(10), width: -1, height: 10 })).rejects.toMatchObject({ code: 'image-bad-frame' });
    await expect(decodeImage({ data: new Uint8Array(100), width: 10, height: 10, format: 'rgba' })).rejects.toMatchObject({ code: 'image-bad-frame' });
  });

  it('reads raw RGBA and grey frames, rotated and scaled, and maps positions to the frame', async () => {
    const sym = await symbolOf(BRACKETED);
    const g = renderFrame(sym, { width: 640, height: 480, scale: 3, angle: 27, cx: 0.4, cy: 0.6, noise: 5 });
    const [a] = await decodeImage(toRgba(g));
    const [b] = await decodeImage({ data: g.data, width: g.width, height: g.height });
    expect(a.text).toBe(KM);
    expect(b.text).toBe(KM);
    const cx = a.position.reduce((s, p) => s + p.x, 0) / 4;
    const cy = a.position.reduce((s, p) => s + p.y, 0) / 4;
    expect(Math.abs(cx - 256)).toBeLessThan(12);
    expect(Math.abs(cy - 288)).toBeLessThan(12);
  });

  it('decodes in the calling thread the same as in the worker', async () => {
    const sym = await symbolOf(BRACKETED);
    const g = renderFrame(sym, { width: 640, height: 480, scale: 4, angle: -12 });
    const [a] = await decodeImage(g, { worker: false });
    const [b] = await decodeImage(g);
    expect(a.text).toBe(b.text);
    expect(a.symbology).toBe(b.symbology);
  });
});

describe('fallback pass', () => {
  it('reads noisy, low-contrast, speckled, small and unevenly lit frames that a bare zxing-wasm call misses', async () => {
    const set = (await frameSet({ clean: 0, hard: 12, empty: 0, width: 800, height: 600, seed: 11 })).filter((f) => f.kind === 'hard');
    let bare = 0;
    let ours = 0;
    const fallbackPasses = new Set<string>();
    for (const f of set) {
      const b = await zxingRead(toRgba(f.frame), { formats: ['DataMatrix', 'QRCode', 'Code128', 'EAN13', 'EAN8'], textMode: 'Plain', maxNumberOfSymbols: 1 });
      if (b.some((r) => r.isValid && r.text === SET_KM)) bare++;
      const codes = await decodeImage({ ...f.frame, format: 'gray' }, { fallbackBudgetMs: 2000 });
      if (codes.some((c) => c.text === SET_KM)) ours++;
      for (const c of codes) if (c.pass !== 'direct') fallbackPasses.add(c.pass);
    }
    expect(ours, `ours ${ours} vs bare ${bare} of ${set.length}`).toBeGreaterThanOrEqual(bare + 3);
    expect(fallbackPasses.size).toBeGreaterThan(0);
  });
});

describe('big photos', () => {
  it('runs the fallback on a ≤2-megapixel copy and maps positions back to the photo', async () => {
    const sym = await symbolOf(SET_KM_BRACKETED);
    const g = renderFrame(sym, { width: 2400, height: 1600, scale: 8, noise: 110, seed: 4, angle: 10, cx: 0.3, cy: 0.6 });
    const bare = await zxingRead(toRgba(g), { formats: ['DataMatrix', 'QRCode', 'Code128', 'EAN13', 'EAN8'], textMode: 'Plain', maxNumberOfSymbols: 1 });
    expect(bare.filter((r) => r.isValid)).toHaveLength(0);
    const [code] = await decodeImage(g, { fallbackBudgetMs: 3000 });
    expect(code.text).toBe(SET_KM);
    expect(code.pass).not.toBe('direct');
    const cx = code.position.reduce((s, p) => s + p.x, 0) / 4;
    const cy = code.position.reduce((s, p) => s + p.y, 0) / 4;
    expect(Math.abs(cx - 720)).toBeLessThan(15);
    expect(Math.abs(cy - 960)).toBeLessThan(15);
  });
});

describe('dotted prints', () => {
  it.each([
    ['dark dots on a light label (inkjet, dot-peen)', false, 'dots'],
    ['light dots on dark material (laser marking)', true, 'dots-light'],
  ])('reads %s that a bare call misses', async (_n, inverted, pass) => {
    const sym = await symbolOf(BRACKETED);
    const g = renderFrame(sym, { width: 640, height: 480, scale: 4, dots: 0.6, angle: 15, noise: 8, seed: 3, inverted, dark: 40, light: 210 });
    const bare = await zxingRead(toRgba(g), { formats: ['DataMatrix', 'QRCode', 'Code128', 'EAN13', 'EAN8'], textMode: 'Plain', maxNumberOfSymbols: 1 });
    expect(bare.filter((r) => r.isValid)).toHaveLength(0);
    const codes = await decodeImage(g, { fallbackBudgetMs: 2000 });
    expect(codes.map((c) => [c.text, c.pass])).toEqual([[KM, pass]]);
  });
});

describe('PNG files through the fallback', () => {
  it('decodes our own PNG reader output identically to the frame', async () => {
    const sym = await symbolOf(BRACKETED);
    const g = renderFrame(sym, { width: 97, height: 61, scale: 1, noise: 30, seed: 3 });
    const back = decodePngGray(encodePng(g));
    expect(back?.width).toBe(97);
    expect(Array.from(back!.data)).toEqual(Array.from(g.data));
    expect(decodePngGray(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]))).toBeNull();
  });

  it('reads hard PNG files that a bare zxing-wasm call misses, through the pixel fallback', async () => {
    const set = (await frameSet({ clean: 0, hard: 6, empty: 0, width: 800, height: 600, seed: 5 })).filter((f) => f.kind === 'hard');
    let bare = 0;
    let ours = 0;
    for (const f of set) {
      const png = encodePng(f.frame);
      const b = await zxingRead(png, { formats: ['DataMatrix', 'QRCode', 'Code128', 'EAN13', 'EAN8'], textMode: 'Plain', maxNumberOfSymbols: 1 });
      if (b.some((r) => r.isValid && r.text === SET_KM)) bare++;
      const codes = await decodeImage(png, { fallbackBudgetMs: 2000 });
      if (codes.some((c) => c.text === SET_KM)) ours++;
    }
    expect(ours, `ours ${ours} vs bare ${bare}`).toBeGreaterThan(bare);
  });

  it('falls back to zxing\'s own 2× downscale for images it cannot unpack (1-bit PNG here, JPEG in the field)', async () => {
    const sym = await symbolOf(BRACKETED);
    const g = renderFrame(sym, { width: 800, height: 600, scale: 4, saltPepper: 0.12, seed: 21 });
    const png1 = encodePng(g, 1);
    expect(decodePngGray(png1)).toBeNull();
    const b = await zxingRead(png1, { formats: ['DataMatrix'], textMode: 'Plain', maxNumberOfSymbols: 1 });
    const codes = await decodeImage(png1);
    expect(b.filter((r) => r.isValid)).toHaveLength(0);
    expect(codes.map((c) => [c.text, c.pass])).toEqual([[KM, 'zxing-downscale']]);
  });
});

describe('JPEG files through the fallback', () => {
  it('reads hard JPEG photos that a bare zxing-wasm call misses (decoded by jpeg-js for the pixel passes)', async () => {
    const set = (await frameSet({ clean: 0, hard: 6, empty: 0, width: 800, height: 600, seed: 5 })).filter((f) => f.kind === 'hard');
    let bare = 0;
    let ours = 0;
    const passes = new Set<string>();
    for (const f of set) {
      const file = new Uint8Array(jpeg.encode({ ...toRgba(f.frame), data: Buffer.from(toRgba(f.frame).data) }, 92).data);
      expect(decodeJpegGray(file)?.width).toBe(800);
      const b = await zxingRead(file, { formats: ['DataMatrix', 'QRCode', 'Code128', 'EAN13', 'EAN8'], textMode: 'Plain', maxNumberOfSymbols: 1 });
      if (b.some((r) => r.isValid && r.text === SET_KM)) bare++;
      const codes = await decodeImage(file, { fallbackBudgetMs: 2000 });
      if (codes.some((c) => c.text === SET_KM)) ours++;
      for (const c of codes) passes.add(c.pass);
    }
    expect(ours, `ours ${ours} vs bare ${bare}`).toBeGreaterThan(bare);
    // The JPEG's pixels reached the enhancement passes (not only zxing's own downscale retry).
    expect([...passes].filter((p) => p !== 'direct' && p !== 'zxing-downscale').length).toBeGreaterThan(0);
  });

  it('refuses a broken JPEG quietly', () => {
    expect(decodeJpegGray(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0, 1, 2, 3]))).toBeNull();
    expect(decodeJpegGray(Uint8Array.from([1, 2, 3, 4]))).toBeNull();
  });
});

describe('image scanner (camera loop)', () => {
  it('emits scans for pushed frames and suppresses the same code in the next frame', async () => {
    const sym = await symbolOf(BRACKETED);
    const scanner = openImageScanner({ dedupeWindowMs: 60_000 });
    const scan = nextEvent<ScanEvent>(scanner, 'scan');
    const dup = nextEvent<ScanEvent>(scanner, 'duplicate');
    await scanner.push(renderFrame(sym, { width: 640, height: 480, scale: 4 }));
    await scanner.push(renderFrame(sym, { width: 640, height: 480, scale: 4, angle: 10 }));
    const s = await scan;
    expect(s.symbology).toBe(']d2');
    expect(s.text).toBe(KM);
    expect(s.source.driver).toBe('image');
    expect((await dup).text).toBe(KM);
    await scanner.close();
  });

  it('drops a frame pushed while the previous one is still decoding', async () => {
    const sym = await symbolOf(BRACKETED);
    const scanner = openImageScanner({ dedupeWindowMs: 0 });
    const scans = collect<ScanEvent>(scanner, 'scan', 1);
    const f = renderFrame(sym, { width: 640, height: 480, scale: 4 });
    const [a, b] = await Promise.all([scanner.push(f), scanner.push(f)]);
    expect([a, b]).toEqual([true, false]);
    expect(scanner.dropped).toBe(1);
    await scans;
    await scanner.close();
  });
});
