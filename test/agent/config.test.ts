/** Agent configuration: defaults, precedence (file < env < flags), and mistakes reported by field with a fix. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from '../../src/agent/config.js';

const dir = mkdtempSync(join(tmpdir(), 'tanba-config-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function issues(f: () => unknown): ConfigError['issues'] {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('agent config', () => {
  it('runs on embedded defaults: loopback, a SQLite file in the working folder', () => {
    const c = loadConfig({ env: {} });
    expect(c.http).toMatchObject({ host: '127.0.0.1', port: 7315 });
    expect(c.http.token).toBeUndefined();
    expect(c.db.path).toBe('tanba.db');
    expect(c.tracking.url).toBeUndefined();
    expect(c.decision).toEqual({ budgetMs: 1500, unknownPolicy: 'allow' });
  });

  it('file < environment < flags', () => {
    const file = join(dir, 'a.json');
    writeFileSync(file, JSON.stringify({ http: { port: 1000, host: '127.0.0.2' }, db: { path: 'file.db' }, country: 'UZ' }));
    const c = loadConfig({ flags: { config: file, port: '0' }, env: { TANBA_PORT: '2000', TANBA_DB: 'env.db' } });
    expect(c.http.port).toBe(0);
    expect(c.http.host).toBe('127.0.0.2');
    expect(c.db.path).toBe('env.db');
    expect(c.country).toBe('UZ');
    expect(loadConfig({ env: { TANBA_CONFIG: file } }).http.port).toBe(1000);
  });

  it('reports every mistake at once, by field, with where it came from and what to write', () => {
    const got = issues(() =>
      loadConfig({
        env: { TANBA_PORT: '70000' },
        file: { http: { prot: 1 }, decision: { unknownPolicy: 'alow' }, sellers: [{ tin: '12ab' }], log: { level: 'verbose' }, tracking: { url: 'ftp://x' } },
      }),
    );
    const by = Object.fromEntries(got.map((i) => [i.field, i]));
    expect(by['http.port']).toMatchObject({ source: 'env TANBA_PORT', fix: expect.stringContaining('1 to 65535') });
    expect(by['http.prot']).toMatchObject({ problem: 'is not a known setting', fix: 'rename it to "port"' });
    expect(by['decision.unknownPolicy'].fix).toContain('did you mean "allow"');
    expect(by['sellers.0.tin'].fix).toContain('12 digits');
    expect(by['log.level'].fix).toContain('"info"');
    expect(by['tracking.url'].fix).toContain('base URL');
  });

  it('needs a token off loopback and credentials with a tracking URL', () => {
    expect(issues(() => loadConfig({ env: {}, flags: { host: '0.0.0.0' } })).map((i) => i.field)).toEqual(['http.token']);
    expect(loadConfig({ env: { TANBA_TOKEN: 'x'.repeat(24) }, flags: { host: '0.0.0.0' } }).http.token).toHaveLength(24);
    const t = issues(() => loadConfig({ env: {}, flags: { trackingUrl: 'https://api.example.kz' } }));
    expect(t.map((i) => i.field).sort()).toEqual(['tracking.login', 'tracking.password']);
    expect(t.find((i) => i.field === 'tracking.password')?.fix).toContain('TANBA_TRACKING_PASSWORD');
    expect(issues(() => loadConfig({ env: { TANBA_TOKEN: 'short' }, flags: { host: '0.0.0.0' } }))[0]).toMatchObject({ field: 'http.token', source: 'env TANBA_TOKEN' });
  });

  it('says where a JSON file is broken, and when it is missing', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{\n  "http": { "port": 7315, }\n}');
    const [i] = issues(() => loadConfig({ env: {}, flags: { config: bad } }));
    expect(i).toMatchObject({ field: '(file)', source: `file ${bad}` });
    expect(i.problem).toMatch(/line 2/);
    expect(i.fix).toContain('no trailing commas');
    const [m] = issues(() => loadConfig({ env: {}, flags: { config: join(dir, 'nope.json') } }));
    expect(m.problem).toBe('does not exist');
    writeFileSync(join(dir, 'arr.json'), '[1]');
    expect(issues(() => loadConfig({ env: {}, flags: { config: join(dir, 'arr.json') } }))[0].problem).toContain('top level must be an object');
  });

  it('the shipped example config is valid (with the passwords and key from the environment)', () => {
    const example = join(import.meta.dirname, '../../src/agent/service/agent.example.json');
    const c = loadConfig({ env: { TANBA_TRACKING_PASSWORD: 'from-env', TANBA_FISCAL_PASSWORD: 'pw', TANBA_FISCAL_API_KEY: 'WKD-x' }, flags: { config: example } });
    expect(c.registers.map((r) => r.id)).toEqual(['till-1', 'till-2']);
    expect(c.tracking).toMatchObject({ family: 'xtrace', login: 'store-login', password: 'from-env' });
    expect(c.sellers[0].registers).toEqual(['till-1', 'till-2']);
  });

  it('never shows secrets', () => {
    const c = loadConfig({ env: { TANBA_TOKEN: 's3cret-token-0123456789', TANBA_TRACKING_PASSWORD: 'hunter2', TANBA_TRACKING_LOGIN: 'me' }, flags: { trackingUrl: 'http://127.0.0.1:1' } });
    const shown = JSON.stringify(redactConfig(c));
    expect(shown).not.toContain('s3cret');
    expect(shown).not.toContain('hunter2');
    expect(shown).toContain('[redacted]');
  });
});

describe('config: registers and their fiscal channels', () => {
  const base = { channel: 'webkassa', url: 'https://devkkm.webkassa.kz', login: 'cashier@shop.kz', cashbox: 'SWK00033717' };

  it('registers extend the top-level fiscal; secrets come from the environment and are redacted', async () => {
    const { resolveRegisters, redactConfig } = await import('../../src/agent/config.js');
    const c = loadConfig({ env: { TANBA_FISCAL_PASSWORD: 'pw-secret', TANBA_FISCAL_API_KEY: 'WKD-secret' }, file: { fiscal: base, registers: [{ id: 'till-1' }, { id: 'till-2', fiscal: { cashbox: 'SWK00033718' } }] } });
    const regs = resolveRegisters(c);
    expect(regs.map((r) => [r.id, r.fiscal?.channel, (r.fiscal as { cashbox?: string }).cashbox, (r.fiscal as { password?: string }).password])).toEqual([
      ['till-1', 'webkassa', 'SWK00033717', 'pw-secret'],
      ['till-2', 'webkassa', 'SWK00033718', 'pw-secret'],
    ]);
    const red = JSON.stringify(redactConfig(c));
    expect(red).not.toContain('pw-secret');
    expect(red).not.toContain('WKD-secret');
  });

  it('names the register and the field of every channel mistake', () => {
    let err: unknown;
    try {
      loadConfig({ env: {}, file: { fiscal: base, registers: [{ id: 'till-1' }, { id: 'till-2', fiscal: { channel: 'webkasa' } }, { id: 'till-1' }] } });
    } catch (e) {
      err = e;
    }
    const fields = (err as { issues: { field: string }[] }).issues.map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(['registers.0.fiscal.password', 'registers.0.fiscal.apiKey', 'registers.1.fiscal.channel', 'registers.2.id']));
  });

  it('no registers: one register "default" with the top-level channel; none at all: no channel', async () => {
    const { resolveRegisters } = await import('../../src/agent/config.js');
    expect(resolveRegisters(loadConfig({ env: {}, file: {} }))).toEqual([{ id: 'default', sellerTin: null, vatRate: null, fiscal: null }]);
    expect(resolveRegisters(loadConfig({ env: {}, file: { fiscal: { channel: 'external' } } }))[0].fiscal).toEqual({ channel: 'external' });
  });

  it('the tracking family follows the country', () => {
    expect(loadConfig({ env: {}, file: { country: 'RU' } }).tracking.family).toBe('tspiot');
    expect(loadConfig({ env: {}, file: { country: 'UZ' } }).tracking.family).toBe('xtrace');
    expect(loadConfig({ env: {}, file: {} }).tracking.family).toBe('xtrace');
  });
});
