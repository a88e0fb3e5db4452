/**
 * Marking engine throughput: parseCode against @point-of-sale/barcode-parser and bark-js on the same
 * 10,000-code mix (all families, EAN-13), clean and with a fifth garbled; heap over 1,000,000 calls.
 * Rounds are interleaved so machine noise hits every parser alike; medians are reported.
 */
import { Detector, GS1 } from '@point-of-sale/barcode-parser';
import bark from 'bark-js';
import { parseCode } from '../src/marking/index.js';
import { codeMix, garble } from '../test/support/codes.js';
import { fmt, median } from './stats.js';

type Parser = (input: string) => unknown;

function timeRound(parse: Parser, inputs: string[]): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < inputs.length; i++) {
    try {
      parse(inputs[i]);
    } catch {
      // competitors throw on some inputs; a throw still costs its time
    }
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function posSymbology(s: string) {
  return /^\d{13}$/.test(s) ? { value: s, symbology: 'ean13' } : { value: s, symbology: 'gs1-datamatrix', fnc1: 1 };
}

export default async function run(): Promise<void> {
  const clean = codeMix(42, 10_000, 0);
  const mixed = codeMix(42, 10_000, 0.2);
  const cleanInputs = clean.map((c) => c.input);
  const mixedInputs = mixed.map((c) => c.input);
  const posInputs = cleanInputs.map(posSymbology);

  const parsers: Record<string, Parser> = {
    tanba: (s) => parseCode(s),
    'point-of-sale': (() => {
      let i = 0;
      return () => GS1.parse(posInputs[i++ % posInputs.length]);
    })(),
    // The same library as a POS meets it on raw scanner text: detect the symbology, then parse.
    'point-of-sale+detect': (s) => GS1.parse({ value: s, symbology: Detector.detect(s)?.symbology ?? 'gs1-datamatrix', fnc1: 1 }),
    'bark-js': (s) => bark(s, { assumeGtin: true }),
  };

  // Correctness on the clean mix: GTIN and serial exact, no exception.
  const right: Record<string, number> = {};
  for (const name of Object.keys(parsers)) right[name] = 0;
  clean.forEach((c, i) => {
    const r = parseCode(c.input);
    if (r.ok && r.gtin === c.sample.gtin && r.serial === c.sample.serial) right.tanba++;
    try {
      const p = GS1.parse(posInputs[i]);
      const serial = p.elements?.find((e) => e.ai === '21')?.value ?? null;
      if (p.gtin === c.sample.gtin && serial === c.sample.serial) right['point-of-sale']++;
    } catch { /* counted as wrong */ }
    try {
      const p = GS1.parse({ value: c.input, symbology: Detector.detect(c.input)?.symbology ?? 'gs1-datamatrix', fnc1: 1 });
      const serial = p.elements?.find((e) => e.ai === '21')?.value ?? null;
      if (p.gtin === c.sample.gtin && serial === c.sample.serial) right['point-of-sale+detect']++;
    } catch { /* counted as wrong */ }
    try {
      const b = bark(c.input, { assumeGtin: true });
      const g = b.elements.find((e) => e.ai === '01')?.value;
      const serial = b.elements.find((e) => e.ai === '21')?.value ?? null;
      if (g === c.sample.gtin && serial === c.sample.serial) right['bark-js']++;
    } catch { /* counted as wrong */ }
  });

  const rounds = 9;
  const times: Record<string, number[]> = { tanba: [], 'point-of-sale': [], 'point-of-sale+detect': [], 'bark-js': [], 'tanba-garbled': [] };
  for (let r = 0; r < rounds + 1; r++) {
    const sample: Record<string, number> = {
      tanba: timeRound(parsers.tanba, cleanInputs),
      'point-of-sale': timeRound(parsers['point-of-sale'], cleanInputs),
      'point-of-sale+detect': timeRound(parsers['point-of-sale+detect'], cleanInputs),
      'bark-js': timeRound(parsers['bark-js'], cleanInputs),
      'tanba-garbled': timeRound(parsers.tanba, mixedInputs),
    };
    if (r === 0) continue; // warm-up
    for (const k of Object.keys(sample)) times[k].push(sample[k]);
  }
  const rate = (k: string) => cleanInputs.length / median(times[k]);
  console.log(`mix: 10,000 codes (seed 42), ${rounds} interleaved rounds after a warm-up; medians`);
  console.log(`parser                    codes/s        right/10,000`);
  for (const k of ['tanba', 'point-of-sale', 'point-of-sale+detect', 'bark-js']) {
    console.log(`${k.padEnd(20)}  ${fmt(rate(k), 0).padStart(12)}   ${right[k] ?? '-'}`);
  }
  console.log(`tanba with a fifth garbled: ${fmt(rate('tanba-garbled'), 0)} codes/s`);
  console.log(`ratio tanba / point-of-sale (clean, symbology given): ${fmt(rate('tanba') / rate('point-of-sale'), 2)}x`);
  console.log(`ratio tanba / point-of-sale+detect (clean, raw text): ${fmt(rate('tanba') / rate('point-of-sale+detect'), 2)}x`);
  console.log(`ratio tanba / bark-js (clean):       ${fmt(rate('tanba') / rate('bark-js'), 2)}x`);
  console.log(`time ratio mixed-garbled / clean:    ${fmt(median(times['tanba-garbled']) / median(times.tanba), 2)}x`);
  // Per garble: the same 2,000 codes clean and garbled, time ratio (median of 7 rounds).
  const base = codeMix(7, 2000, 0).filter((c) => c.sample.family !== 'ean13');
  const kinds = [...new Set(mixed.filter((m) => m.garble).map((m) => m.garble!))].sort();
  const cleanSet = base.map((c) => c.sample.km);
  const line: string[] = [];
  const allGarbled: string[] = [];
  for (const k of kinds) {
    const garbledSet = base.map((c) => garble(c.sample.km, c.sample.family, k));
    allGarbled.push(...garbledSet);
    const tc: number[] = [];
    const tg: number[] = [];
    for (let r = 0; r < 8; r++) {
      const a1 = timeRound(parsers.tanba, cleanSet);
      const a2 = timeRound(parsers.tanba, garbledSet);
      if (r > 0) { tc.push(a1); tg.push(a2); }
    }
    line.push(`${k} ${fmt(median(tg) / median(tc), 1)}x`);
  }
  console.log(`time ratio garbled / clean, same codes, per garble: ${line.join(', ')}`);
  const tAll: number[] = [];
  const tClean: number[] = [];
  const cleanRepeated = kinds.flatMap(() => cleanSet);
  for (let r = 0; r < 6; r++) {
    const a1 = timeRound(parsers.tanba, cleanRepeated);
    const a2 = timeRound(parsers.tanba, allGarbled);
    if (r > 0) { tClean.push(a1); tAll.push(a2); }
  }
  console.log(`time ratio all garbles / clean, same codes: ${fmt(median(tAll) / median(tClean), 2)}x`);

  // Heap: 1,000,000 calls over the mixed set must not grow the heap.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) parseCode(mixedInputs[i % mixedInputs.length]);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  console.log(`heap after 1,000,000 calls: ${fmt((after - before) / 1024, 0)} KiB growth${gc ? '' : ' (no --expose-gc: figure is noisy)'}`);
}
