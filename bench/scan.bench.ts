/**
 * Scanner benchmarks.
 * 1. scan → ParseResult latency over a real socat pty (serial driver + framing + AIM + parseCode),
 *    against the raw wire time of the same bytes read by a bare SerialPort on a second pty, interleaved.
 * 2. Image decode ms per 1280×720 frame (decodeImage in its worker) against a bare zxing-wasm
 *    `readBarcodes` call on the same frames with the same formats, interleaved; and how many
 *    noisy / low-contrast / blurred / small / unevenly lit frames each reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { closeImageDecoder, decodeImage, DEFAULT_IMAGE_FORMATS } from '../drivers/image.js';
import { zxingRead } from '../drivers/image-zxing.js';
import { openSerialScanner } from '../drivers/serial.js';
import { parseCode } from '../src/marking/index.js';
import { scanParseInput } from '../src/scan/event.js';
import type { ScanEvent } from '../src/scan/types.js';
import { frameSet, SET_KM } from '../test/drivers/support/frame-set.js';
import { toRgba } from '../test/drivers/support/synth.js';
import { startPtyPair, Wire } from '../test/drivers/support/pty.js';
import { fmt, median, percentile } from './stats.js';

const GS = '\x1d';

async function ptyLatency(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tanba-bench-'));
  const bare = await startPtyPair(join(dir, 'bare-dev'), join(dir, 'bare-wire'));
  const ours = await startPtyPair(join(dir, 'dev'), join(dir, 'wire'));
  const bareWire = await Wire.open(bare.wire);
  const ourWire = await Wire.open(ours.wire);
  const port = new SerialPort({ path: bare.device, baudRate: 115200 });
  await new Promise<void>((r, j) => port.once('open', r).once('error', j));
  const scanner = openSerialScanner({ path: ours.device, baudRate: 115200, dedupeWindowMs: 0 });
  await scanner.waitForState('connected');

  let bareWaiter: ((t: number) => void) | null = null;
  let got = 0;
  let want = 0;
  port.on('data', (d: Buffer) => {
    got += d.length;
    if (got >= want && bareWaiter) {
      const w = bareWaiter;
      bareWaiter = null;
      w(performance.now());
    }
  });
  let ourWaiter: ((t: number) => void) | null = null;
  let okCount = 0;
  scanner.on('scan', (scan: ScanEvent) => {
    const r = parseCode(scanParseInput(scan));
    if (r.ok) okCount++;
    const t = performance.now();
    if (ourWaiter) {
      const w = ourWaiter;
      ourWaiter = null;
      w(t);
    }
  });

  const bareMs: number[] = [];
  const ourMs: number[] = [];
  for (let i = 0; i < n + 20; i++) {
    const serial = `5Xb7kPq${String(i).padStart(4, '0')}AB`;
    const frame = Buffer.from(`]d2010460123456789321${serial}${GS}91EE06${GS}92dGVzdGRhdGFzaWduYXR1cmVkR1ZzZEdSaGRHRnphV2R1\r`, 'latin1');
    // bare
    got = 0;
    want = frame.length;
    const pb = new Promise<number>((r) => (bareWaiter = r));
    const tb = performance.now();
    await bareWire.write(frame);
    const eb = await pb;
    // ours
    const po = new Promise<number>((r) => (ourWaiter = r));
    const to = performance.now();
    await ourWire.write(frame);
    const eo = await po;
    if (i >= 20) {
      bareMs.push(eb - tb);
      ourMs.push(eo - to);
    }
  }
  await scanner.close();
  await new Promise<void>((r) => port.close(() => r()));
  await bareWire.close();
  await ourWire.close();
  await bare.stop();
  await ours.stop();
  rmSync(dir, { recursive: true, force: true });

  const sb = [...bareMs].sort((a, b) => a - b);
  const so = [...ourMs].sort((a, b) => a - b);
  const diff = ourMs.map((v, i) => v - bareMs[i]).sort((a, b) => a - b);
  console.log(`pty scan → ParseResult, ${n} frames of 92 bytes (interleaved with a bare SerialPort read of the same bytes)`);
  console.log(`  bare wire time      p50 ${fmt(percentile(sb, 50), 2)} ms   p99 ${fmt(percentile(sb, 99), 2)} ms`);
  console.log(`  tanba scan→result   p50 ${fmt(percentile(so, 50), 2)} ms   p99 ${fmt(percentile(so, 99), 2)} ms   (ok ${okCount - 20}/${n})`);
  console.log(`  beyond wire time    p50 ${fmt(percentile(diff, 50), 2)} ms   p99 ${fmt(percentile(diff, 99), 2)} ms   (goal p99 < 5 ms)`);
}

async function imageDecode(rounds: number): Promise<void> {
  const set = await frameSet({ clean: 12, hard: 24, empty: 2, seed: 7 });
  const bareOpts = { formats: DEFAULT_IMAGE_FORMATS, textMode: 'Plain' as const, maxNumberOfSymbols: 1 };
  const rgba = set.map((f) => ({ ...f, rgba: toRgba(f.frame) }));
  // Warm both paths (module init, first decode, worker start).
  await zxingRead(rgba[0].rgba, bareOpts);
  await decodeImage(rgba[0].rgba);

  const clean = rgba.filter((f) => f.kind === 'clean');
  const bareT: number[] = [];
  const ourT: number[] = [];
  const hereT: number[] = [];
  const xferT: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const f of clean) {
      let t = performance.now();
      await zxingRead(f.rgba, bareOpts);
      const b = performance.now() - t;
      bareT.push(b);
      t = performance.now();
      await decodeImage(f.rgba);
      const o = performance.now() - t;
      ourT.push(o);
      ratios.push(o / b);
      t = performance.now();
      await decodeImage(f.rgba, { worker: false });
      hereT.push(performance.now() - t);
      const copy = { data: new Uint8ClampedArray(f.rgba.data), width: f.rgba.width, height: f.rgba.height };
      t = performance.now();
      await decodeImage(copy, { transfer: true });
      xferT.push(performance.now() - t);
    }
  }
  const mb = median(bareT);
  console.log(`image decode, 1280×720 RGBA frames with a GS1 DataMatrix (${clean.length} frames × ${rounds} rounds, interleaved)`);
  console.log(`  bare zxing-wasm readBarcodes (same formats, max 1)   median ${fmt(mb, 2)} ms`);
  console.log(`  tanba decodeImage (worker thread, frame copied)      median ${fmt(median(ourT), 2)} ms   ratio ${fmt(median(ourT) / mb, 2)}×, median per-frame ratio ${fmt(median(ratios), 2)}× (goal ≤ 1.3×)`);
  console.log(`  tanba decodeImage (worker, frame transferred)        median ${fmt(median(xferT), 2)} ms   ratio ${fmt(median(xferT) / mb, 2)}×`);
  console.log(`  tanba decodeImage (calling thread, worker: false)    median ${fmt(median(hereT), 2)} ms   ratio ${fmt(median(hereT) / mb, 2)}×`);

  const hard = rgba.filter((f) => f.kind === 'hard');
  let bareOk = 0;
  let ourOk = 0;
  const hb: number[] = [];
  const ho: number[] = [];
  const byKind: Record<string, [number, number, number]> = {};
  for (const f of hard) {
    let t = performance.now();
    const b = await zxingRead(f.rgba, bareOpts);
    hb.push(performance.now() - t);
    t = performance.now();
    const o = await decodeImage(f.rgba);
    ho.push(performance.now() - t);
    const bo = b.some((x) => x.isValid && x.text === SET_KM);
    const oo = o.some((x) => x.text === SET_KM);
    bareOk += Number(bo);
    ourOk += Number(oo);
    const k = f.name.replace(/\d+$/, '');
    byKind[k] ??= [0, 0, 0];
    byKind[k][0] += Number(bo);
    byKind[k][1] += Number(oo);
    byKind[k][2]++;
  }
  console.log(`hard frames (noisy, low-contrast, speckled, blurred, small, uneven light): ${hard.length}`);
  console.log(`  decoded: bare ${bareOk}/${hard.length}, tanba ${ourOk}/${hard.length}   (median ms: bare ${fmt(median(hb), 1)}, tanba ${fmt(median(ho), 1)})`);
  console.log(`  by kind (bare/tanba/n): ${Object.entries(byKind).map(([k, v]) => `${k} ${v[0]}/${v[1]}/${v[2]}`).join(', ')}`);
  const empty = rgba.filter((f) => f.kind === 'empty');
  const eb: number[] = [];
  const eo: number[] = [];
  for (const f of empty) {
    let t = performance.now();
    await zxingRead(f.rgba, bareOpts);
    eb.push(performance.now() - t);
    t = performance.now();
    await decodeImage(f.rgba);
    eo.push(performance.now() - t);
    t = performance.now();
  }
  const en: number[] = [];
  for (const f of empty) {
    const t = performance.now();
    await decodeImage(f.rgba, { fallback: false });
    en.push(performance.now() - t);
  }
  console.log(
    `empty frames: bare ${fmt(median(eb), 1)} ms, tanba ${fmt(median(eo), 1)} ms with fallback (bounded by fallbackBudgetMs), ${fmt(median(en), 1)} ms with fallback: false`,
  );
  await closeImageDecoder();
}

export default async function (): Promise<void> {
  if (!process.env.SKIP_PTY) await ptyLatency(300);
  await imageDecode(5);
}
