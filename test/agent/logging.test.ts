/** Logs: JSON lines with tokens and passwords redacted; a rotated file through pino-roll. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgent } from '../../src/agent/agent.js';
import { defaultConfig } from '../../src/agent/config.js';
import { createLogger } from '../../src/agent/logger.js';

const dir = mkdtempSync(join(tmpdir(), 'tanba-log-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('agent logging', () => {
  it('redacts tokens, passwords, API keys and authorization headers wherever they appear', () => {
    const sink = new PassThrough();
    let out = '';
    sink.on('data', (d: Buffer) => (out += d.toString()));
    const log = createLogger(defaultConfig({ log: { level: 'info' } }), { destination: sink });
    log.info({ token: 'tok-1', tracking: { password: 'pw-2', apiKey: 'key-3' }, req: { headers: { authorization: 'Bearer auth-4' } }, config: { http: { token: 'tok-5' } } }, 'hello');
    log.flush();
    const line = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    expect(line.msg).toBe('hello');
    for (const secret of ['tok-1', 'pw-2', 'key-3', 'auth-4', 'tok-5']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
  });

  it('writes a rotated JSON log file without secrets', async () => {
    const file = join(dir, 'logs', 'agent.log');
    const config = defaultConfig({
      http: { port: 0, token: 'agent-token-0123456789abcdef' },
      db: { path: join(dir, 'tanba.db') },
      tracking: { url: 'http://127.0.0.1:1', login: 'me', password: 'tracking-password-xyz' },
      log: { level: 'info', file },
    });
    const agent = await createAgent({ config, processMetrics: false });
    const res = await fetch(`${agent.url}/v1/status`, { headers: { authorization: 'Bearer agent-token-0123456789abcdef' } });
    expect(res.status).toBe(200);
    await agent.close();
    const files = readdirSync(join(dir, 'logs')).filter((f) => f.startsWith('agent'));
    expect(files.length).toBeGreaterThanOrEqual(1);
    const text = files.map((f) => readFileSync(join(dir, 'logs', f), 'utf8')).join('');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['agent listening', 'agent stopping', 'agent stopped']));
    expect(text).not.toContain('agent-token-0123456789abcdef');
    expect(text).not.toContain('tracking-password-xyz');
  });
});

describe('agent logging of receipts', () => {
  it('at trace level, a sale with e-receipt contacts through Webkassa leaves no contact, password or API key in the log', async () => {
    const { createWebkassaEmulator } = await import('../../src/emulator/webkassa/index.js');
    const { saleInput } = await import('../support/receipts.js');
    const emu = await createWebkassaEmulator({ apiKeys: ['WKD-secret-key'] });
    const sink = new PassThrough();
    let out = '';
    sink.on('data', (d: Buffer) => (out += d.toString()));
    const config = defaultConfig({
      http: { port: 0 },
      db: { path: join(dir, 'pd.db') },
      log: { level: 'trace' },
      fiscal: { channel: 'webkassa', url: emu.url, apiKey: 'WKD-secret-key', login: 'demo@webkassa.kz', password: 'demo', cashbox: 'SWK00000001' },
    });
    const logger = createLogger(config, { destination: sink });
    const agent = await createAgent({ config, logger, processMetrics: false });
    try {
      const res = await fetch(`${agent.url}/v1/sales?wait=10000`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(saleInput('pd-log-1', { n: 7001, customer: { email: 'aigerim@example.kz', phone: '+77771234455', tin: '990140000385' } })),
      });
      expect(res.status).toBe(201);
      expect(emu.receipts()[0].body).toMatchObject({ CustomerEmail: 'aigerim@example.kz' });
    } finally {
      await agent.close();
      await emu.close();
    }
    logger.flush();
    expect(out.length).toBeGreaterThan(0);
    for (const secret of ['aigerim@example.kz', '77771234455', '990140000385', 'WKD-secret-key', '"demo"']) expect(out).not.toContain(secret);
  });
});
