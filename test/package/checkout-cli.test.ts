/**
 * The README's CLI commands, as written (`npx tanba …`), from this checkout after `npm ci`: no
 * build, no global install. `npx` finds the command through node_modules/.bin/tanba, which the
 * devDependency `"tanba": "file:."` links to bin/tanba.mjs; in a checkout that runs src/ via tsx.
 */
import { spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, REPO, run } from './run.js';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const GS = '\x1d';
const KM = `010460043993125621JgXJ5.T${GS}8005112000${GS}930927`;

/** The `tanba <command>` of every command line in the README's code (inline spans and fenced blocks). */
function readmeCommands(): Set<string> {
  const code = [...README.matchAll(/```[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  const prose = README.replace(/```[\s\S]*?```/g, '');
  code.push(...[...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]));
  const commands = new Set<string>();
  for (const c of code) for (const m of c.matchAll(/(?<![\w/.-])(?:npx[ \t]+)?tanba[ \t]+([a-z][a-z-]*)\b/g)) commands.add(m[1]);
  return commands;
}

describe('npx tanba in a checkout', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is linked by npm ci: node_modules/.bin/tanba is the package bin', () => {
    expect(pkg.bin.tanba).toBe('bin/tanba.mjs');
    expect(lstatSync(join(REPO, 'node_modules/.bin/tanba')).isSymbolicLink()).toBe(true);
    expect(realpathSync(join(REPO, 'node_modules/.bin/tanba'))).toBe(realpathSync(join(REPO, pkg.bin.tanba)));
  });

  it('`npx tanba --version` prints the package version', async () => {
    const r = await run('npx', ['tanba', '--version'], { cwd: REPO });
    expect(r.stderr).not.toContain('not found');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('`npx tanba parse` reads JSON strings on stdin and prints ParseResult lines', async () => {
    const r = await run('npx', ['tanba', 'parse'], { cwd: REPO, stdin: `${JSON.stringify(KM)}\n"04603721009458"\n` });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ok: boolean; gtin?: string; mrp?: number; error?: { code: string } | null });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ ok: true, gtin: '04600439931256', mrp: 112000 });
    expect(lines[1]).toMatchObject({ ok: false, error: { code: 'bad-check-digit' } });
  });

  it('`npx tanba agent --port 0 --db …` (the README\'s start line) serves its status until stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tanba-npx-agent-'));
    dirs.push(dir);
    // Its own process group, so the whole npx → sh → node chain can be stopped at once.
    const child = spawn('npx', ['tanba', 'agent', '--port', '0', '--db', join(dir, 'tanba.db')], { cwd: REPO, env: cleanEnv(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', () => {});
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "listening on" line in 60 s:\n${out}`)), 60_000);
        child.stdout.on('data', () => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.on('close', (code) => reject(new Error(`npx tanba agent exited (${code}):\n${out}`)));
      });
      const res = await fetch(`${url}/v1/status`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ agent: { version: pkg.version } });
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
  });

  it('every `tanba <command>` the README shows is a command of the CLI', async () => {
    const shown = readmeCommands();
    expect(shown.size).toBeGreaterThanOrEqual(10);
    const help = await run('npx', ['tanba', '--help'], { cwd: REPO });
    expect(help.code).toBe(0);
    const known = new Set([...help.stdout.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]));
    expect([...shown].filter((c) => !known.has(c))).toEqual([]);
  });
});
