/**
 * The examples run as a POS vendor would run them: the Node POS (SDK embedded), the photo decoder
 * asking an agent, and the browser POS page in Chromium calling the agent with fetch + SSE (CORS).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng, waterCode } from '../../src/agent/demo-codes.js';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { startTestAgent, type TestAgent } from './helpers.js';

const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');

function run(file: string, args: string[] = []): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    const env = { ...process.env };
    delete env.TANBA_TRACKING_URL;
    const p = spawn(tsx, [join(root, file), ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => res({ code, out }));
  });
}

describe('examples', () => {
  let emu: Emulator;
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
    emu = await createEmulator({ port: 0, codes: [{ code: code.ki, status: 'INTRODUCED' }, { code: '0104870000000012215kMZbUeDGG<e+', status: 'INTRODUCED' }] });
    t = await startTestAgent({
      tracking: { url: emu.url, login: 'demo', password: 'demo' },
      http: { corsOrigins: [origin] },
      relay: { retryMinMs: 50, retryMaxMs: 200, confirmDelayMs: 20 },
    });
    browser = await chromium.launch({
      executablePath: process.env.TANBA_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await emu?.close();
    await new Promise((r) => page?.close(r));
  });

  it('node-pos.ts: checks, sells, and sees the sale confirmed', async () => {
    const r = await run('examples/node-pos.ts');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/scanned 0104870000000012215kMZbUeDGG<e\+: allow/);
    expect(r.out).toMatch(/sale [\w-]+: confirmed/);
  }, 60_000);

  it('decode-photo.ts: decodes a pack image and asks the agent', async () => {
    const r = await run('examples/decode-photo.ts', ['--agent', t.url]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('DataMatrix ]d2 → marking water KI 0104870000000012215kMZbUeDGG<e+');
    expect(r.out).toMatch(/agent: allow/);
  }, 60_000);

  it('browser-pos: checks a typed code, sells it, follows the sale over SSE (CORS)', async () => {
    const p = await browser.newPage();
    try {
      await p.goto(`${origin}/?agent=${encodeURIComponent(t.url)}`);
      await p.locator('body[data-live=true]').waitFor();
      await p.locator('#scan').fill(code.km);
      await p.locator('#scan').press('Enter');
      await p.locator('#verdict[data-verdict=allow]').waitFor();
      expect(await p.locator('#basket tr').count()).toBe(1);
      await p.locator('#pay').click();
      await p.locator('#sales li[data-state=confirmed]').waitFor();
      const docs = emu.documents();
      expect(docs.some((d) => d.codes.includes(code.ki))).toBe(true);
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
