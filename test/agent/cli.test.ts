/**
 * The CLI as a user runs it (child processes through tsx): `tanba agent` (flags override the file,
 * port 0, prints its address, stops on SIGTERM), `tanba status`, `tanba doctor` on a healthy and a
 * broken setup, `tanba queue`, and `tanba demo --fast` end to end.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng, waterCode } from '../../src/agent/demo-codes.js';
import { createEmulator, type Emulator } from '../../src/emulator/index.js';
import { createServer } from 'node:net';
import { get, post } from './helpers.js';

/** A loopback port nobody listens on (taken and released). */
function closedPort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const main = join(root, 'src/cli/main.ts');

function run(args: string[], opts: { cwd: string; env?: Record<string, string>; timeoutMs?: number }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const p = spawn(tsx, [main, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`tanba ${args.join(' ')} did not end within ${opts.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** Starts `tanba agent …` and resolves once it printed its address. */
function startAgentProcess(args: string[], cwd: string, env: Record<string, string> = { TANBA_TRACKING_LOGIN: 'demo', TANBA_TRACKING_PASSWORD: 'demo' }): Promise<{ proc: ChildProcess; url: string; out: () => string; exit: Promise<number | null> }> {
  return new Promise((res, rej) => {
    // node with tsx's loader, not the tsx CLI: the CLI relays SIGTERM and SIGKILLs a child that does not
    // acknowledge it within 30 ms — on a busy machine that, not the agent, decides the exit code.
    const proc = spawn(process.execPath, ['--import', pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href, main, 'agent', ...args], { cwd, env: { ...process.env, TANBA_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const exit = new Promise<number | null>((r) => proc.on('close', (c) => r(c)));
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) res({ proc, url: m[1], out: () => out, exit });
    });
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    void exit.then((c) => rej(new Error(`agent exited ${c} before listening: ${out} ${err}`)));
  });
}

describe('tanba CLI', () => {
  let dir: string;
  let emu: Emulator;
  const rnd = prng(99);
  const code = waterCode(rnd);
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tanba-cli-test-'));
    emu = await createEmulator({ port: 0, codes: [{ code: code.ki, status: 'INTRODUCED' }] });
  });
  afterAll(async () => {
    await emu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('tanba agent: flags override the file, port 0, ready when /v1/status answers, SIGTERM stops it cleanly', async () => {
    const cfg = join(dir, 'agent.json');
    writeFileSync(cfg, JSON.stringify({ http: { port: 1 }, db: { path: 'from-file.db' }, tracking: { url: 'http://127.0.0.1:9', login: 'demo', password: 'demo' } }));
    const a = await startAgentProcess(['--config', cfg, '--port', '0', '--db', join(dir, 'flag.db'), '--tracking-url', emu.url], dir);
    try {
      expect(a.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const s = await get(`${a.url}/v1/status`);
      expect(s.status).toBe(200);
      expect(s.json.agent.trackingConfigured).toBe(true);
      const sale = await post(`${a.url}/v1/sales`, { id: 'CLI-1', items: [{ code: code.km, price: 100 }] });
      expect(sale.status).toBe(202);
      const st = await run(['status', '--url', a.url], { cwd: dir });
      expect(st.stdout).toContain(a.url);
      expect(st.stdout).toMatch(/queue\s+\d+ pending/);
      expect(st.stdout).toMatch(/register\s+default no channel UNCONFIGURED: 1 unsent/);
      expect([0, 1]).toContain(st.code);
    } finally {
      a.proc.kill('SIGTERM');
    }
    expect(await a.exit).toBe(0);
    expect(a.out()).toContain('SIGTERM, stopping');
    // The database named by the flag was used, not the file's.
    const q = await run(['queue', 'show', 'CLI-1', '--db', join(dir, 'flag.db')], { cwd: dir });
    expect(q.code).toBe(0);
    expect(JSON.parse(q.stdout)).toMatchObject({ id: 'CLI-1', type: 'sale' });
    const l = await run(['queue', 'list', '--all', '--db', join(dir, 'flag.db')], { cwd: dir });
    expect(l.code).toBe(0);
    expect(l.stdout).toMatch(/dead letter\(s\)/);
    expect(l.stdout).toMatch(/register default \(no channel\): 1 unsent/);
    expect(l.stdout).toMatch(/sale\s+CLI-1\s+default\s+queued/);
    const missing = await run(['queue', 'show', 'nope', '--db', join(dir, 'flag.db')], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no sale or return with id "nope"');
  }, 90_000); // five tsx processes: slow on two busy cores

  it('SIGTERM during a stream of sales: every acknowledged sale is on disk, the process exits 0', async () => {
    const db = join(dir, 'term.db');
    const a = await startAgentProcess(['--port', '0', '--db', db], dir);
    const codes = Array.from({ length: 400 }, () => waterCode(rnd));
    const acked: string[] = [];
    let sent = 0;
    let signalled = false;
    let signalledAt = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < codes.length) {
          const i = sent++;
          const r = await post(`${a.url}/v1/sales`, { id: `T-${i}`, items: [{ code: codes[i].km, price: 1 }] }).catch(() => null);
          if (r?.status === 202) acked.push(`T-${i}`);
          else if (r && r.status !== 503) throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.json)}`);
          if (acked.length >= 40 && !signalled) {
            signalled = true;
            signalledAt = Date.now();
            a.proc.kill('SIGTERM');
          }
          if (!r) break; // the agent is gone
        }
      }),
    );
    expect(await a.exit).toBe(0);
    // Stopped by finishing its work, not by the 10 s grace cut-off.
    expect(Date.now() - signalledAt).toBeLessThan(8000);
    expect(acked.length).toBeGreaterThanOrEqual(40);
    const { listQueue } = await import('../../src/agent/queue.js');
    const onDisk = new Set((await listQueue(db, { all: true, limit: 10_000 })).rows.map((r) => r.id));
    for (const id of acked) expect(onDisk.has(id)).toBe(true);
  }, 60_000);

  it('tanba agent refuses a wrong config, naming each field and what to write', async () => {
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify({ http: { prot: 7315 }, country: 'KX' }));
    const r = await run(['agent', '--config', cfg], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('http.prot');
    expect(r.stderr).toContain('rename it to "port"');
    expect(r.stderr).toContain('country');
    expect(r.stderr).toContain('did you mean "KZ"');
  });

  it('tanba agent on a port already in use says so and what to do', async () => {
    const a = await startAgentProcess(['--port', '0', '--db', join(dir, 'busy1.db')], dir);
    try {
      const r = await run(['agent', '--port', new URL(a.url).port, '--db', join(dir, 'busy2.db')], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/already in use .*--port/);
    } finally {
      a.proc.kill('SIGTERM');
      await a.exit;
    }
  });

  it('tanba status takes the token from TANBA_TOKEN and says so when the agent refuses it', async () => {
    const token = 'cli-token-0123456789abcdef';
    const a = await startAgentProcess(['--port', '0', '--db', join(dir, 'tok.db'), '--token', token], dir);
    try {
      const refused = await run(['status', '--url', a.url], { cwd: dir, env: { TANBA_TOKEN: '' } });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('refused the token (401)');
      const ok = await run(['status', '--url', a.url], { cwd: dir, env: { TANBA_TOKEN: token } });
      expect([0, 1]).toContain(ok.code);
      expect(ok.stdout).toContain(a.url);
    } finally {
      a.proc.kill('SIGTERM');
      await a.exit;
    }
  });

  it('tanba status says so when no agent runs', async () => {
    const r = await run(['status', '--url', `http://127.0.0.1:${await closedPort()}`], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no agent answers');
  });

  it('tanba doctor: a healthy setup', async () => {
    const a = await startAgentProcess(['--port', '0', '--db', join(dir, 'healthy.db'), '--tracking-url', emu.url], dir);
    try {
      const port = new URL(a.url).port;
      const cfg = join(dir, 'healthy.json');
      writeFileSync(cfg, JSON.stringify({ http: { port: Number(port) }, db: { path: join(dir, 'healthy.db') }, tracking: { url: emu.url, login: 'demo', password: 'demo' } }));
      const r = await run(['doctor', '--config', cfg, '--json'], { cwd: dir, env: { TANBA_TRACKING_LOGIN: '', TANBA_TRACKING_PASSWORD: '' } });
      const report = JSON.parse(r.stdout) as { ok: boolean; checks: { name: string; verdict: string; detail: string }[] };
      const v = Object.fromEntries(report.checks.map((c) => [c.name, c.verdict]));
      expect(v).toMatchObject({ config: 'ok', database: 'ok', tracking: 'ok', token: 'ok', scanners: 'ok', agent: 'ok' });
      expect(['ok', 'skip']).toContain(v.clock);
      expect(report.ok).toBe(true);
      expect(r.code).toBe(0);
    } finally {
      a.proc.kill('SIGTERM');
      await a.exit;
    }
  });

  it('tanba doctor: a broken setup — each problem with a verdict and what to do', async () => {
    const corrupt = join(dir, 'corrupt.db');
    writeFileSync(corrupt, 'this is not a database, it is a text file that got renamed'.repeat(100));
    const cfg = join(dir, 'broken.json');
    const dead = await closedPort();
    writeFileSync(
      cfg,
      JSON.stringify({
        http: { port: dead },
        db: { path: corrupt },
        tracking: { url: `http://127.0.0.1:${dead}`, login: 'demo', password: 'demo' },
        scanners: [{ driver: 'serial', path: join(dir, 'no-such-tty') }],
      }),
    );
    const r = await run(['doctor', '--config', cfg], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL\s+database .*corrupt\.db/);
    expect(r.stdout).toMatch(/FAIL\s+tracking .*refused/);
    expect(r.stdout).toMatch(/FAIL\s+scanners .*no-such-tty: not present/);
    expect(r.stdout).toMatch(/→ .*restore/);
    expect(r.stdout).toMatch(/WARN\s+agent\s+no agent running/);
    // The agent itself refuses the damaged database with the same advice, and exits.
    const agent = await run(['agent', '--port', '0', '--db', corrupt], { cwd: dir });
    expect(agent.code).toBe(1);
    expect(agent.stderr).toMatch(/damaged|corrupt/i);
    const bad = await run(['doctor'], { cwd: dir, env: { TANBA_PORT: 'seventy' } });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/FAIL\s+config\s+http\.port \(env TANBA_PORT\)/);
    expect(bad.stdout).toContain('→ http.port: write a whole number');
  });

  // The demo itself is covered by test/agent/demo.test.ts (the CLI run and an in-process run checked at the emulator).
});
