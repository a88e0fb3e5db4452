/** FrameSplitter: terminators, suffix, prefix, oversize, timeout, and chunking independence (property). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FrameSplitter, type FramingOptions } from '../../src/scan/framing.js';

function run(chunks: (string | number[])[], opts: FramingOptions = {}) {
  const frames: string[] = [];
  const oversize: number[] = [];
  const s = new FrameSplitter(
    { frame: (b) => frames.push(Buffer.from(b).toString('latin1')), oversize: (n) => oversize.push(n) },
    { interByteTimeoutMs: 0, ...opts },
  );
  for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : Uint8Array.from(c));
  return { frames, oversize, s };
}

describe('FrameSplitter', () => {
  it('splits on CR, LF and CRLF, never emitting empty frames', () => {
    expect(run(['a\rb\nc\r\nd\n\r\r\ne\r']).frames).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('treats a CR at the end of one chunk and LF at the start of the next as one CRLF', () => {
    expect(run(['abc\r', '\ndef\r']).frames).toEqual(['abc', 'def']);
  });

  it('keeps GS, NUL and 8-bit bytes inside frames', () => {
    expect(run([[0x41, 0x1d, 0x00, 0xe8, 0xff, 0x0d]]).frames).toEqual(['A\x1d\x00\u00e8\u00ff']);
  });

  it('ends frames on a multi-byte suffix split across chunks', () => {
    expect(run(['abc<E', 'ND>def<', 'END>'], { suffix: '<END>', crlf: false }).frames).toEqual(['abc', 'def']);
  });

  it('handles STX/ETX envelopes and a Tab suffix', () => {
    expect(run(['\x02]d2abc\x03\x02def\x03', 'ghi\t\r']).frames).toEqual([']d2abc', 'def', 'ghi']);
    expect(run(['a\x03b\r'], { stxEtx: false }).frames).toEqual(['a\x03b']);
  });

  it('strips a configured user prefix', () => {
    expect(run(['@@abc\r@@def\rxyz\r'], { prefix: '@@' }).frames).toEqual(['abc', 'def', 'xyz']);
  });

  it('drops an oversize frame once and resumes at the next terminator', () => {
    const r = run(['x'.repeat(10), 'y'.repeat(10), '\rok\r'], { maxFrameBytes: 8 });
    expect(r.oversize).toEqual([20]);
    expect(r.frames).toEqual(['ok']);
  });

  it('flush() emits a pending frame; reset() drops it', () => {
    const r = run(['abc']);
    r.s.flush();
    expect(r.frames).toEqual(['abc']);
    r.s.push(Buffer.from('zzz'));
    expect(r.s.reset()).toBe(3);
    r.s.flush();
    expect(r.frames).toEqual(['abc']);
  });

  it('ends a frame after the inter-byte timeout', async () => {
    const frames: string[] = [];
    const s = new FrameSplitter({ frame: (b, end) => frames.push(`${Buffer.from(b).toString('latin1')}:${end}`), oversize: () => undefined }, { interByteTimeoutMs: 10 });
    s.push(Buffer.from('ab'));
    s.push(Buffer.from('c'));
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (frames.length > 0) {
          clearInterval(t);
          resolve();
        }
      }, 2);
    });
    expect(frames).toEqual(['abc:timeout']);
  });

  it('rejects a configuration with no way to end a frame', () => {
    expect(() => new FrameSplitter({ frame: () => undefined, oversize: () => undefined }, { crlf: false, interByteTimeoutMs: 0 })).toThrow(TypeError);
  });

  it('gives the same frames however the stream is chunked (property)', () => {
    const byte = fc.oneof(fc.constantFrom(0x0d, 0x0a, 0x1d, 0x00, 0x02, 0x03, 0x09), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 300 }), fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }), (bytes, cuts) => {
        const whole = run([bytes], { maxFrameBytes: 64 });
        const chunks: number[][] = [];
        let i = 0;
        for (const c of cuts) {
          chunks.push(bytes.slice(i, i + c));
          i += c;
        }
        chunks.push(bytes.slice(i));
        const split = run(chunks, { maxFrameBytes: 64 });
        expect(split.frames).toEqual(whole.frames);
        expect(split.oversize).toEqual(whole.oversize);
        for (const f of whole.frames) expect(f.includes('\r') || f.includes('\n') || f.includes('\x03') || f.length === 0).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
