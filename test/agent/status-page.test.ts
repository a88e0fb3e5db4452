/**
 * The status page in headless Chromium (Debian `chromium` + playwright-core): a scan and its
 * decision appear live, the queue grows during an outage and drains after it, languages switch.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { beerCode, prng, waterCode } from '../../src/agent/demo-codes.js';
import { SimulatedScanner } from '../../src/agent/simulated-scanner.js';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { post, startTestAgent, type TestAgent } from './helpers.js';

const CHROMIUM = process.env.TANBA_CHROMIUM ?? '/usr/bin/chromium';
const rnd = prng(5);
const good = waterCode(rnd);
const blocked = beerCode(rnd);
const forSale = waterCode(rnd);

describe('status page in Chromium', () => {
  let emu: Emulator;
  let t: TestAgent;
  let browser: Browser;
  const scanner = new SimulatedScanner('/dev/ttyACM7');

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set TANBA_CHROMIUM)`);
    emu = await createEmulator({
      port: 0,
      codes: [
        { code: good.ki, status: 'INTRODUCED' },
        { code: forSale.ki, status: 'INTRODUCED' },
        { code: blocked.ki, status: 'INTRODUCED', blocked: true },
      ],
    });
    t = await startTestAgent(
      { language: 'en', tracking: { url: emu.url, login: 'demo', password: 'demo', adapter: { retry: { retries: 0 } } }, relay: { retryMinMs: 50, retryMaxMs: 200, confirmDelayMs: 20 } },
      { scanners: [scanner] },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
    await emu?.close();
    await scanner.close();
  });

  it('shows a scan and its decision live, then the queue growing and draining', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${t.url}/?lang=en`);
      await page.locator('#conn[data-live=true]').waitFor();
      await page.locator('#state[data-state=ready]').waitFor();
      await page.locator('#scanners li[data-state=connected]', { hasText: '/dev/ttyACM7' }).waitFor();

      scanner.scan(good.km);
      await page.locator('#scans li', { hasText: good.ki }).waitFor();
      await page.locator('#decisions li.allow', { hasText: good.ki }).waitFor();
      expect(await page.locator('#decisions li.allow').first().textContent()).toContain('may be sold');

      scanner.scan(blocked.km);
      const deny = page.locator('#decisions li.deny', { hasText: blocked.ki });
      await deny.waitFor();
      expect(await deny.textContent()).toContain('do not sell');

      // Outage: the sale waits in the queue, and the page says so.
      emu.setFaults({ outage: true });
      const r = await post(`${t.url}/v1/sales`, { id: 'PAGE-1', items: [{ code: forSale.km, price: 100 }] });
      expect(r.status).toBe(202);
      await page.locator('#queue-pending', { hasText: /^1$/ }).waitFor();
      await page.locator('#sales li', { hasText: 'PAGE-1' }).waitFor();
      await page.locator('#state[data-state=degraded]').waitFor();
      expect(await page.locator('#queue-oldest').textContent()).not.toBe('—');
      expect(await page.locator('#problems').textContent()).toContain('not answering');

      // Back online: delivered, the page follows without a reload.
      emu.setFaults({});
      await page.locator('#sales li.record-confirmed', { hasText: 'PAGE-1' }).waitFor();
      await page.locator('#queue-pending', { hasText: /^0$/ }).waitFor();
      await page.locator('#state[data-state=ready]').waitFor();
      expect(await page.locator('#last-success').textContent()).not.toBe('never');
    } finally {
      await page.close();
    }
  });

  it('works behind a token when the agent serves the store network', async () => {
    const token = 'page-token-0123456789abcdef';
    const guarded = await startTestAgent({ http: { host: '0.0.0.0', token }, tracking: { url: emu.url, login: 'demo', password: 'demo' } });
    const page = await browser.newPage();
    try {
      await page.goto(`${guarded.url}/?lang=en&token=${token}`);
      await page.locator('#conn[data-live=true]').waitFor();
      await page.locator('#state[data-state=ready]').waitFor();
      const r = await post(`${guarded.url}/v1/codes/check`, { code: good.km }, { authorization: `Bearer ${token}` });
      expect(r.status).toBe(200);
      await page.locator('#decisions li.allow', { hasText: good.ki }).waitFor();
    } finally {
      await page.close();
      await guarded.stop();
    }
  });

  it('speaks Kazakh and Russian too', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${t.url}/?lang=ru`);
      await page.locator('#conn[data-live=true]').waitFor();
      expect(await page.locator('h2[data-t=queue]').first().textContent()).toBe('Очередь');
      await page.locator('button[data-lang=kk]').click();
      expect(await page.locator('h2[data-t=queue]').first().textContent()).toBe('Кезек');
      expect(await page.locator('html').getAttribute('lang')).toBe('kk');
      await page.locator('#state[data-state=ready]').waitFor();
      expect(await page.locator('#state').textContent()).toBe('Дайын');
      // Decisions made before the page opened are shown from the stream's replay, reasons worded in Kazakh.
      await page.locator('#decisions li', { hasText: good.ki }).waitFor();
      expect(await page.locator('#decisions li', { hasText: good.ki }).first().textContent()).toContain('сатуға болады');
      const { reason } = await import('../../src/decision/messages.js');
      await page.locator('#decisions li.deny', { hasText: reason('blocked', 'kk').message }).waitFor();
    } finally {
      await page.close();
    }
  });
});
