/**
 * Marking engine throughput: parseCode against @point-of-sale/barcode-parser and bark-js on the same
 * 10,000-code mix (all families, EAN-13), clean and with a fifth garbled; heap over 1,000,000 calls.
 * Rounds are interleaved so machine noise hits every parser alike; medians are reported.
 */
import { GS1 } from '@point-of-sale/barcode-parser';
import bark from 'bark-js';
import { parseCode } from '../src/marking/index.js';
import { codeMix } from '../test/support/codes.js';
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
      const b = bark(c.input, { assumeGtin: true });
      const g = b.elements.find((e) => e.ai === '01')?.value;
      const serial = b.elements.find((e) => e.ai === '21')?.value ?? null;
      if (g === c.sample.gtin && serial === c.sample.serial) right['bark-js']++;
    } catch { /* counted as wrong */ }
  });

  const rounds = 9;
  const times: Record<string, number[]> = { tanba: [], 'point-of-sale': [], 'bark-js': [], 'tanba-garbled': [] };
  for (let r = 0; r < rounds + 1; r++) {
    const sample: Record<string, number> = {
      tanba: timeRound(parsers.tanba, cleanInputs),
      'point-of-sale': timeRound(parsers['point-of-sale'], cleanInputs),
      'bark-js': timeRound(parsers['bark-js'], cleanInputs),
      'tanba-garbled': timeRound(parsers.tanba, mixedInputs),
    };
    if (r === 0) continue; // warm-up
    for (const k of Object.keys(sample)) times[k].push(sample[k]);
  }
  const rate = (k: string) => cleanInputs.length / median(times[k]);
  console.log(`mix: 10,000 codes (seed 42), ${rounds} interleaved rounds after a warm-up; medians`);
  console.log(`parser            codes/s        right/10,000`);
  for (const k of ['tanba', 'point-of-sale', 'bark-js']) {
    console.log(`${k.padEnd(16)}  ${fmt(rate(k), 0).padStart(12)}   ${right[k]}`);
  }
  console.log(`tanba with a fifth garbled: ${fmt(rate('tanba-garbled'), 0)} codes/s`);
  console.log(`ratio tanba / point-of-sale (clean): ${fmt(rate('tanba') / rate('point-of-sale'), 2)}x`);
  console.log(`ratio tanba / bark-js (clean):       ${fmt(rate('tanba') / rate('bark-js'), 2)}x`);
  console.log(`time ratio mixed-garbled / clean:    ${fmt(median(times['tanba-garbled']) / median(times.tanba), 2)}x`);
  const garbledOnly = mixed.filter((m) => m.garble !== null).map((m) => m.input);
  const g: number[] = [];
  const c2: number[] = [];
  const cleanSubset = cleanInputs.slice(0, garbledOnly.length);
  for (let r = 0; r < 5; r++) {
    g.push(timeRound(parsers.tanba, garbledOnly));
    c2.push(timeRound(parsers.tanba, cleanSubset));
  }
  console.log(`time ratio garbled-only / clean:     ${fmt(median(g) / median(c2), 2)}x (${garbledOnly.length} garbled codes)`);

  // Heap: 1,000,000 calls over the mixed set must not grow the heap.
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 1_000_000; i++) parseCode(mixedInputs[i % mixedInputs.length]);
  gc?.();
  const after = process.memoryUsage().heapUsed;
  console.log(`heap after 1,000,000 calls: ${fmt((after - before) / 1024, 0)} KiB growth${gc ? '' : ' (no --expose-gc: figure is noisy)'}`);
}
