/**
 * A minimal Node POS embedding the tanba SDK (no agent process): check each scanned code, sell it
 * as a fiscal receipt through the register's cloud cash register (Webkassa), get the fiscal sign,
 * and return an item against that receipt. tanba keeps every receipt on disk before it answers and
 * sends it when the cash register is reachable, in order, never twice.
 *
 *   npx tsx examples/node-pos.ts             # against built-in emulators (no setup)
 *
 *   TANBA_TRACKING_URL=https://… TANBA_TRACKING_LOGIN=… TANBA_TRACKING_PASSWORD=… \
 *   TANBA_FISCAL_URL=https://devkkm.webkassa.kz TANBA_FISCAL_API_KEY=WKD-… \
 *   TANBA_FISCAL_LOGIN=… TANBA_FISCAL_PASSWORD=… TANBA_FISCAL_CASHBOX=SWK… \
 *   SCANNER=/dev/ttyACM0 npx tsx examples/node-pos.ts      # real systems and a USB-COM scanner
 *
 * In your project, import from 'tanba' instead of '../src/index.js', and from 'tanba/emulator'
 * instead of '../src/entry/emulator.js'.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSerialScanner, openTerminal, type Decision, type SaleLineInput, type SaleView, type Scanner } from '../src/index.js';
import { createEmulator, createWebkassaEmulator } from '../src/entry/emulator.js';

const GS = '\x1d';
// Two codes of bottled water (01 GTIN 21 serial GS 93 key), as a scanner reads them.
const SAMPLE = ['0104870000000012215kMZbUeDGG<e+' + GS + '93dGVz', '0104870000000012215pQrStUvWxYz1' + GS + '93a1b2'];
const env = process.env;

async function main(): Promise<void> {
  // 1. The tracking system (pre-sale check) and the cash register: from the environment, or emulators.
  const tracking = env.TANBA_TRACKING_URL ? null : await createEmulator({ codes: SAMPLE.map((code) => ({ code, status: 'INTRODUCED' })) });
  const webkassa = env.TANBA_FISCAL_URL ? null : await createWebkassaEmulator();

  // 2. Scanners: a USB-COM scanner when configured (GS survives; keyboard wedge works too).
  const scanners: Scanner[] = env.SCANNER ? [openSerialScanner({ path: env.SCANNER })] : [];

  // 3. The terminal: pre-sale check + durable receipt outbox (SQLite) + relay to the cash register.
  const dbDir = env.TANBA_DB_DIR ?? mkdtempSync(join(tmpdir(), 'tanba-node-pos-'));
  const terminal = await openTerminal({
    store: { kind: 'sqlite', path: join(dbDir, 'receipts.db') },
    registers: [
      {
        id: 'till-1',
        vatRate: 16, // percent, for lines that do not say
        fiscal: {
          channel: 'webkassa',
          url: env.TANBA_FISCAL_URL ?? webkassa!.url,
          apiKey: env.TANBA_FISCAL_API_KEY ?? 'WKD-demo',
          login: env.TANBA_FISCAL_LOGIN ?? 'demo@webkassa.kz',
          password: env.TANBA_FISCAL_PASSWORD ?? 'demo',
          cashbox: env.TANBA_FISCAL_CASHBOX ?? 'SWK00000001',
        },
      },
    ],
    tracking: { country: 'KZ', baseUrl: env.TANBA_TRACKING_URL ?? tracking!.url, login: env.TANBA_TRACKING_LOGIN ?? 'demo', password: env.TANBA_TRACKING_PASSWORD ?? 'demo' },
    country: 'KZ',
    scanners,
    decision: { language: 'en', budgetMs: 1500 },
  });
  terminal.on('decision', (d: Decision) => console.log(`scanned ${d.code.ki ?? '?'}: ${d.verdict}${d.reasons.length ? ' — ' + d.reasons.map((r) => r.message).join('; ') : ''}`));
  const say = (what: string, v: SaleView): void =>
    console.log(`${what} ${v.id}: ${v.state}${v.fiscal ? `, fiscal sign ${v.fiscal.fiscalSign} (register ${v.fiscal.registrationNumber})` : ' — on disk, the fiscal sign comes later'}`);

  try {
    // 4. The till: check the items, then record the receipt. Prices are in tiyn (minor units).
    const lines: SaleLineInput[] = [];
    for (const code of SAMPLE) {
      const d = await terminal.check(code, { price: 25_000 });
      if (d.allowed === false || d.verdict === 'deny') continue; // tell the cashier d.reasons[0].message
      lines.push({ name: 'Water 0.5 l', price: 25_000, quantity: 1, codes: [code] });
    }
    if (lines.length === 0) throw new Error('nothing to sell');
    const total = lines.reduce((s, l) => s + l.price, 0);
    // The id you choose makes it idempotent: after a crash or a lost answer, call again with the same id.
    const saleId = randomUUID();
    // waitMs: also wait up to 7 s for the fiscal sign (print it on the receipt); otherwise it comes later.
    const sale = await terminal.recordSale({ id: saleId, registerId: 'till-1', lines, payments: [{ type: 'card', amount: total }] }, { waitMs: 7000 });
    say('sale', sale);

    // 5. A return names its sale; tanba sends the sale's fiscal receipt as the return basis.
    const ret = await terminal.recordReturn({ id: randomUUID(), saleId, lines: [lines[0]], payments: [{ type: 'card', amount: lines[0].price }] }, { waitMs: 7000 });
    say('return', ret);
    if (sale.fiscal) console.log(`  basis: sale ${saleId}, fiscal sign ${sale.fiscal.fiscalSign}, ${sale.fiscal.dateTime}, total ${sale.fiscal.total}`);

    const s = await terminal.status();
    console.log('status:', s.state, s.registers.map((r) => `${r.id} ${r.state}, ${r.pending} unsent`).join('; '));
  } finally {
    await terminal.close();
    for (const sc of scanners) await sc.close();
    await webkassa?.close();
    await tracking?.close();
    // A throw-away receipt store when none was given (a real till keeps its file).
    if (!env.TANBA_DB_DIR) rmSync(dbDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
