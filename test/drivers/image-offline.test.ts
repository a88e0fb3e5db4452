/** The zxing-wasm binary comes from node_modules: decoding works with every network fetch failing. */
import { expect, it } from 'vitest';
import { decodeImage } from '../../drivers/image.js';
import { renderFrame, symbolOf } from './support/synth.js';

it('loads the reader wasm without the network', async () => {
  const realFetch = globalThis.fetch;
  let fetched = 0;
  globalThis.fetch = (() => {
    fetched++;
    return Promise.reject(new Error('network is off in this test'));
  }) as typeof fetch;
  try {
    const sym = await symbolOf('[01]04601234567893[21]ABC');
    const codes = await decodeImage(renderFrame(sym, { width: 320, height: 240, scale: 4 }), { worker: false });
    expect(codes[0].text).toBe('0104601234567893' + '21ABC');
    expect(fetched).toBe(0);
  } finally {
    globalThis.fetch = realFetch;
  }
});
