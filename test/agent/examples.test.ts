/**
 * The examples run as a POS vendor would run them, against real emulators (the tracking system for
 * the pre-sale check, Webkassa for the receipts): the Node POS (SDK embedded) selling and returning,
 * the photo decoder asking an agent, and the browser POS page in Chromium calling the agent with
 * fetch + SSE (CORS): check, sell with `?wait=`, the fiscal sign, a return on its sale.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng, waterCode } from '../../src/agent/demo-codes.js';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { createWebkassaEmulator, type WebkassaEmulator } from '../../src/emulator/webkassa/index.js';
import { startTestAgent, type TestAgent } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');
// The two codes examples/node-pos.ts sells (and decode-photo.ts draws), as KIs.
const NODE_POS_KIS = ['0104870000000012215kMZbUeDGG<e+', '0104870000000012215pQrStUvWxYz1'];

function run(file: string, args: string[] = [], extraEnv: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('TANBA_')) delete env[k];
    Object.assign(env, extraEnv);
    const p = spawn(tsx, [join(root, file), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => res({ code, out }));
  });
}

describe('examples', () => {
  let emu: Emulator;
  let wk: WebkassaEmulator;
  let t: TestAgent;
  let page: Server;
  let origin: string;
  let browser: Browser;
  const code = waterCode(prng(77));

  beforeAll(async () => {
    page = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(readFileSync(join(root, 'examples/browser-pos/index.html')));
    });
    await new Promise<void>((r) => page.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(page.address() as { port: number }).port}`;
    emu = await createEmulator({ port: 0, codes: [code.ki, ...NODE_POS_KIS].map((c) => ({ code: c, status: 'INTRODUCED' })) });
    wk = await createWebkassaEmulator();
    t = await startTestAgent({
      tracking: { url: emu.url, login: 'demo', password: 'demo' },
      fiscal: { channel: 'webkassa', url: wk.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', password: 'demo' },
      registers: [{ id: 'till-1', fiscal: { cashbox: 'SWK00000001' } }],
      http: { corsOrigins: [origin] },
      relay: { retryMinMs: 50, retryMaxMs: 200, reconcileDelayMs: 50 },
    });
    browser = await chromium.launch({
      executablePath: process.env.TANBA_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await wk?.close();
    await emu?.close();
    await new Promise((r) => page?.close(r));
  });

  it('node-pos.ts: with no setup, checks, sells, gets the fiscal sign and returns against it (built-in emulators)', async () => {
    const r = await run('examples/node-pos.ts');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/scanned 0104870000000012215kMZbUeDGG<e\+: allow/);
    expect(r.out).toMatch(/^sale [\w-]+: fiscalised, fiscal sign \d+/m);
    expect(r.out).toMatch(/^return [\w-]+: fiscalised, fiscal sign \d+/m);
    expect(r.out).toMatch(/status: ready till-1 ok, 0 unsent/);
  }, 60_000);

  it('node-pos.ts: configured from the environment, its receipts reach that Webkassa cashbox', async () => {
    const r = await run('examples/node-pos.ts', [], {
      TANBA_TRACKING_URL: emu.url,
      TANBA_TRACKING_LOGIN: 'demo',
      TANBA_TRACKING_PASSWORD: 'demo',
      TANBA_FISCAL_URL: wk.url,
      TANBA_FISCAL_API_KEY: 'WKD-demo',
      TANBA_FISCAL_LOGIN: 'demo@webkassa.kz',
      TANBA_FISCAL_PASSWORD: 'demo',
      TANBA_FISCAL_CASHBOX: 'SWK00000004',
    });
    expect(r.code).toBe(0);
    const saleSign = /^sale [\w-]+: fiscalised, fiscal sign (\d+)/m.exec(r.out)?.[1];
    const returnSign = /^return [\w-]+: fiscalised, fiscal sign (\d+)/m.exec(r.out)?.[1];
    expect(saleSign).toBeDefined();
    const issued = wk.receipts().filter((x) => x.cashbox === 'SWK00000004');
    expect(issued.map((x) => [x.operationType, x.checkNumber])).toEqual([
      [2, saleSign],
      [3, returnSign],
    ]);
    // The sale carries both scanned codes; the return one of them, on the sale's receipt as its basis.
    expect(issued[0].marks.sort()).toEqual(NODE_POS_KIS.map((ki, i) => ki + ['93dGVz', '93a1b2'][i]).sort());
    expect((issued[1].returnBasis as { CheckNumber: string }).CheckNumber).toBe(saleSign);
    expect(r.out).not.toContain('WKD-demo');
  }, 60_000);

  it('decode-photo.ts: decodes a pack image and asks the agent', async () => {
    const r = await run('examples/decode-photo.ts', ['--agent', t.url]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('DataMatrix ]d2 → marking water KI 0104870000000012215kMZbUeDGG<e+');
    expect(r.out).toMatch(/agent: allow/);
  }, 60_000);

  it('browser-pos: checks a typed code, sells it with ?wait= and shows the fiscal sign, returns it against its sale (CORS)', async () => {
    const p = await browser.newPage();
    try {
      await p.goto(`${origin}/?agent=${encodeURIComponent(t.url)}`);
      await p.locator('body[data-live=true]').waitFor();
      await p.locator('#scan').fill(code.km);
      await p.locator('#scan').press('Enter');
      await p.locator('#verdict[data-verdict=allow]').waitFor();
      expect(await p.locator('#basket tr').count()).toBe(1);
      await p.locator('#pay').click();

      const sale = p.locator('#sales li[data-state=fiscalised]').first();
      await sale.waitFor();
      const saleId = await sale.getAttribute('data-id');
      const issuedSale = wk.receipts().find((x) => x.cashbox === 'SWK00000001' && x.operationType === 2 && x.marks.includes(code.km.replace(/\x1d/g, '')));
      expect(issuedSale).toBeDefined();
      expect(await sale.textContent()).toContain(`fiscal sign ${issuedSale!.checkNumber}`);
      expect(await p.locator('#basket tr').count()).toBe(0);

      await sale.locator('button.return').click();
      const ret = p.locator(`#sales li[data-id="ret-${saleId}"][data-state=fiscalised]`);
      await ret.waitFor();
      const issuedReturn = wk.receipts().find((x) => x.operationType === 3 && (x.returnBasis as { CheckNumber?: string } | null)?.CheckNumber === issuedSale!.checkNumber);
      expect(issuedReturn).toBeDefined();
      expect(await ret.textContent()).toContain(`return ret-${saleId}: fiscalised — fiscal sign ${issuedReturn!.checkNumber}`);
    } finally {
      await p.close();
    }
  });

  it('a page from an origin that is not allowed cannot read the agent', async () => {
    const p = await browser.newPage();
    try {
      const other = `http://localhost:${new URL(origin).port}`; // same server, another origin
      await p.goto(`${other}/?agent=${encodeURIComponent(t.url)}`);
      await p.locator('#scan').fill(code.km);
      await p.locator('#scan').press('Enter');
      await expect.poll(() => p.locator('#verdict').textContent()).toContain('Agent not reachable');
    } finally {
      await p.close();
    }
  });
});
