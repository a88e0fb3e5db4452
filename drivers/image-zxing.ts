/**
 * zxing-wasm reader, loaded from the `.wasm` file inside node_modules (never from the network: the
 * package's default `locateFile` points at a CDN and aborts offline).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { ReaderOptions, ReadResult } from 'zxing-wasm/reader';

type ReaderModule = typeof import('zxing-wasm/reader');

let loading: Promise<ReaderModule> | null = null;

export function loadZxingReader(): Promise<ReaderModule> {
  loading ??= (async () => {
    const mod = await import('zxing-wasm/reader');
    const wasmPath = createRequire(import.meta.url).resolve('zxing-wasm/reader/zxing_reader.wasm');
    const wasmBinary = await readFile(wasmPath);
    await mod.prepareZXingModule({
      overrides: { wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer },
      fireImmediately: true,
    });
    return mod;
  })().catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

export type ZxingInput = Uint8Array | { data: Uint8ClampedArray; width: number; height: number };

export async function zxingRead(input: ZxingInput, options: ReaderOptions): Promise<ReadResult[]> {
  const mod = await loadZxingReader();
  return mod.readBarcodes(input as Parameters<ReaderModule['readBarcodes']>[0], options);
}

export type { ReaderOptions, ReadResult };
