/** Worker-thread side of image decoding: receives frames/files, answers with codes. See image.ts. */
import { parentPort } from 'node:worker_threads';
import { decodeImageHere, type ImageDecodeOptions, type ImageInput } from './image-decode.js';

interface Request {
  id: number;
  input: ImageInput;
  options: ImageDecodeOptions;
}

parentPort?.on('message', (req: Request) => {
  decodeImageHere(req.input, req.options).then(
    (codes) => parentPort!.postMessage({ id: req.id, codes }, codes.map((c) => c.bytes.buffer as ArrayBuffer)),
    (err: unknown) => parentPort!.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) }),
  );
});
