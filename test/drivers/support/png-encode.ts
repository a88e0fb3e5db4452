/** A small PNG encoder (8-bit or 1-bit grey) so tests can write synthetic frames as files. */
import { deflateSync } from 'node:zlib';
import type { GrayFrame } from './synth.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function encodePng(f: GrayFrame, bitDepth: 8 | 1 = 8): Uint8Array {
  const stride = bitDepth === 8 ? f.width : Math.ceil(f.width / 8);
  const raw = Buffer.alloc((stride + 1) * f.height);
  for (let y = 0; y < f.height; y++) {
    raw[y * (stride + 1)] = 0;
    for (let x = 0; x < f.width; x++) {
      const v = f.data[y * f.width + x];
      if (bitDepth === 8) raw[y * (stride + 1) + 1 + x] = v;
      else if (v >= 128) raw[y * (stride + 1) + 1 + (x >> 3)] |= 0x80 >> (x & 7);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(f.width, 0);
  ihdr.writeUInt32BE(f.height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}
