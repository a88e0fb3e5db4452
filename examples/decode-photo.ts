/**
 * Decode a photo of a pack (PNG/JPEG from a phone or a webcam), parse each marking code, and
 * optionally ask a running agent whether it may be sold.
 *
 *   npx tsx examples/decode-photo.ts pack.jpg                      # decode and parse
 *   npx tsx examples/decode-photo.ts pack.jpg --agent http://127.0.0.1:7315
 *   npx tsx examples/decode-photo.ts                               # makes a sample image first
 *
 * In your project, import from 'tanba' instead of '../src/index.js'.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeImageDecoder, decodeImage, parseCode, scanParseInput } from '../src/index.js';

/** A GS1 DataMatrix of a water bottle code, rendered with zxing-wasm's writer (so the example runs without a photo). */
async function sampleImage(): Promise<string> {
  const { prepareZXingModule, writeBarcode } = await import('zxing-wasm/writer');
  await prepareZXingModule({
    overrides: { wasmBinary: readFileSync(createRequire(import.meta.url).resolve('zxing-wasm/writer/zxing_writer.wasm')) as unknown as ArrayBuffer },
    fireImmediately: true,
  });
  const r = await writeBarcode('[01]04870000000012[21]5kMZbUeDGG<e+[93]dGVz', { format: 'DataMatrix', options: 'gs1', scale: 8 });
  if (r.error || !r.image) throw new Error(`cannot draw the sample: ${r.error}`);
  const file = join(tmpdir(), 'tanba-sample-pack.png');
  writeFileSync(file, new Uint8Array(await r.image.arrayBuffer()));
  return file;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const agentAt = args.indexOf('--agent');
  const agent = agentAt >= 0 ? args.splice(agentAt, 2)[1] : undefined;
  const file = args[0] ?? (await sampleImage());
  const codes = await decodeImage(file); // worker thread; a fallback pass for faint or small codes
  if (codes.length === 0) console.log(`${file}: no code found — move closer, avoid glare, keep the code flat`);
  for (const c of codes) {
    const parsed = parseCode(scanParseInput(c), { country: 'KZ' });
    console.log(`${file}: ${c.format} ${c.symbology ?? ''} → ${parsed.ok ? `${parsed.kind} ${parsed.productGroup ?? ''} KI ${parsed.ki}` : `not valid: ${parsed.error?.message}`}`);
    if (agent && parsed.ok) {
      const res = await fetch(`${agent}/v1/codes/check`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: parsed.km }) });
      const d = (await res.json()) as { verdict: string; reasons: { message: string }[] };
      console.log(`  agent: ${d.verdict}${d.reasons.length ? ` — ${d.reasons.map((r) => r.message).join('; ')}` : ''}`);
    }
  }
  await closeImageDecoder();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
