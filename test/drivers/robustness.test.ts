/** Arbitrary bytes into every decoder: nothing throws, nothing grows without bound. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HidPosAssembler } from '../../drivers/hid-pos-report.js';
import { KeyboardReportDecoder } from '../../drivers/hid-keyboard-decoder.js';
import { decodePngGray } from '../../drivers/png-decode.js';
import { looksGarbled } from '../../drivers/garble.js';

const report = fc.uint8Array({ minLength: 0, maxLength: 70 });

describe('decoders under arbitrary input', () => {
  it('HID POS assembler never throws and bounds its buffer', () => {
    fc.assert(
      fc.property(fc.array(report, { maxLength: 60 }), (reports) => {
        const a = new HidPosAssembler({ maxMessageBytes: 512 });
        for (const r of reports) {
          const out = a.push(r);
          if (out.kind === 'message') expect(out.message.bytes.length).toBeLessThanOrEqual(512);
          expect(a.pending).toBeLessThanOrEqual(512);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('HID POS Layout B: continued reports assemble to exactly the concatenated data', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 56 }), { minLength: 1, maxLength: 5 }), (chunks) => {
        fc.pre(chunks[0][0] !== 0x5d); // a leading ']' would be an AIM prefix, split off by design
        const a = new HidPosAssembler({ stripSuffix: null });
        const results = chunks.map((c, i) => {
          const r = new Uint8Array(64);
          r[0] = 2;
          r[1] = c.length;
          r.set(c, 2);
          r[63] = i < chunks.length - 1 ? 1 : 0;
          return a.push(r);
        });
        const last = results.at(-1)!;
        expect(results.slice(0, -1).every((r) => r.kind === 'none')).toBe(true);
        expect(last.kind).toBe('message');
        if (last.kind === 'message') expect(Array.from(last.message.bytes)).toEqual(chunks.flatMap((c) => Array.from(c)));
      }),
      { numRuns: 200 },
    );
  });

  it('keyboard decoder never throws and emits only bytes', () => {
    fc.assert(
      fc.property(fc.array(report, { maxLength: 100 }), (reports) => {
        const d = new KeyboardReportDecoder();
        for (const r of reports) for (const f of d.push(r)) for (const b of f) expect(b).toBeLessThanOrEqual(255);
        const f = d.flush();
        if (f) expect(f.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('PNG reader returns null or a consistent image for garbage', () => {
    const sig = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (tail) => {
        const buf = new Uint8Array(sig.length + tail.length);
        buf.set(sig);
        buf.set(tail, sig.length);
        const g = decodePngGray(buf);
        if (g) expect(g.data.length).toBe(g.width * g.height);
      }),
      { numRuns: 300 },
    );
  });

  it('garble heuristic: clean GS1 text is never garbled, NUL-heavy noise is', () => {
    expect(looksGarbled(Buffer.from('0104601234567893215Xb7kPq\x1d93dGVz', 'latin1'))).toBe(false);
    expect(looksGarbled(Uint8Array.from([0, 1, 2, 0x41, 0x42]))).toBe(true);
  });
});
