/** Worker-thread side of image decoding: receives frames/files, answers with codes. See image.ts. */
import { parentPort } from 'node:worker_threads';
import { decodeImageHere, type ImageDecodeOptions, type ImageInput } from './image-decode.js';

interface Request {
  id: number;
  input: ImageInput;
  options: ImageDecodeOptions;
}

/** Frame buffers the main thread lent us go back with the answer, so it can reuse them without allocating. */
function lent(req: Request & { recycle?: boolean }): ArrayBuffer[] {
  if (!req.recycle || req.input instanceof Uint8Array) return [];
  const b = req.input.data.buffer;
  return b instanceof ArrayBuffer ? [b] : [];
}

parentPort?.on('message', (req: Request & { recycle?: boolean }) => {
  decodeImageHere(req.input, req.options).then(
    (codes) => {
      const back = lent(req);
      parentPort!.postMessage({ id: req.id, codes, recycled: back[0] }, [...codes.map((c) => c.bytes.buffer as ArrayBuffer), ...back]);
    },
    (err: unknown) => {
      const back = lent(req);
      parentPort!.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err), recycled: back[0] }, back);
    },
  );
});
