/**
 * JPEG files into luminance for the image fallback passes. Camera photos of packs are JPEGs; without
 * their pixels the fallback (contrast, dots, crops) cannot run. Uses jpeg-js (pure JavaScript, no
 * native build, MIT): the well-known decoder for Node, rather than a hand-written one. Bad or hostile
 * files give null, never a throw, and decoding is capped in resolution and memory.
 */
import jpeg from 'jpeg-js';
import { toGray, type Gray } from './image-enhance.js';

export function isJpeg(file: Uint8Array): boolean {
  return file.length > 3 && file[0] === 0xff && file[1] === 0xd8 && file[2] === 0xff;
}

export function decodeJpegGray(file: Uint8Array): Gray | null {
  if (!isJpeg(file)) return null;
  try {
    const img = jpeg.decode(file, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 50, maxMemoryUsageInMB: 512 });
    return toGray(img.data, img.width, img.height);
  } catch {
    return null;
  }
}
