/**
 * A minimal Node POS embedding the tanba SDK (no agent process): check each scanned code, sell,
 * and let tanba deliver the sale to the national tracking system, durably, with retries.
 *
 *   npx tsx examples/node-pos.ts                       # against a built-in emulator (no setup)
 *   TANBA_TRACKING_URL=https://… TANBA_TRACKING_LOGIN=… TANBA_TRACKING_PASSWORD=… \
 *   SCANNER=/dev/ttyACM0 npx tsx examples/node-pos.ts  # a real system and a USB-COM scanner
 *
 * In your project, import from 'tanba' instead of '../src/index.js'.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEmulator, createTerminal, createTrackingSystem, openSerialScanner, type Decision, type Scanner } from '../src/index.js';

const GS = '\x1d';
// Two codes of bottled water (01 GTIN 21 serial GS 93 key), as a scanner reads them.
const SAMPLE = ['0104870000000012215kMZbUeDGG<e+' + GS + '93dGVz', '0104870000000012215pQrStUvWxYz1' + GS + '93a1b2'];

async function main(): Promise<void> {
  // 1. The tracking system: the real one from the environment, or the emulator.
  let url = process.env.TANBA_TRACKING_URL || undefined;
  const emulator = url ? null : await createEmulator({ codes: SAMPLE.map((code) => ({ code, status: 'INTRODUCED' })) });
  url ??= emulator!.url;
  const tracking = createTrackingSystem({
    country: 'KZ',
    baseUrl: url,
    login: process.env.TANBA_TRACKING_LOGIN ?? 'demo',
    password: process.env.TANBA_TRACKING_PASSWORD ?? 'demo',
  });

  // 2. Scanners: a USB-COM scanner when configured (GS survives; keyboard wedge works too).
  const scanners: Scanner[] = process.env.SCANNER ? [openSerialScanner({ path: process.env.SCANNER })] : [];

  // 3. The terminal: decision + durable sale log (SQLite) + relay.
  const dbDir = process.env.TANBA_DB_DIR ?? mkdtempSync(join(tmpdir(), 'tanba-node-pos-'));
  const terminal = await createTerminal({ tracking, store: { path: join(dbDir, 'sales.db') }, country: 'KZ', scanners, decision: { language: 'en', budgetMs: 1500 } });
  terminal.on('decision', (d: Decision) => console.log(`scanned ${d.code.ki ?? '?'}: ${d.verdict}${d.reasons.length ? ' — ' + d.reasons.map((r) => r.message).join('; ') : ''}`));
  terminal.on('record', (r: { id: string; state: string }) => console.log(`sale ${r.id}: ${r.state}`));

  // 4. The till: check the items, then record the sale. The id you choose makes it idempotent:
  //    after a crash or a lost answer, call recordSale again with the same id.
  const basket: { code: string; price: number }[] = [];
  for (const code of SAMPLE) {
    const d = await terminal.check(code, { price: 25000 });
    if (d.allowed === false || d.verdict === 'deny') continue; // tell the cashier d.reasons[0].message
    basket.push({ code, price: 25000 }); // prices in minor units (tiyn)
  }
  const saleId = randomUUID();
  const info = await terminal.recordSale({ id: saleId, items: basket });
  console.log(`sale ${saleId} is on disk (${info.state}); print the receipt now`);

  // 5. Wait for the national system to confirm (a real till just carries on).
  await new Promise<void>((resolve) => {
    const done = (r: { id: string; state: string }): void => {
      if (r.id === saleId && (r.state === 'confirmed' || r.state === 'rejected')) {
        terminal.off('record', done);
        resolve();
      }
    };
    terminal.on('record', done);
  });
  console.log('status:', JSON.stringify((await terminal.status()).queue));
  await terminal.close();
  for (const s of scanners) await s.close();
  await emulator?.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
