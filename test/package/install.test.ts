/**
 * What a newcomer meets while installing: npm's engine warnings under Node 20 (the lockfile holds no
 * package that refuses it; the cookie override works with fastify 5), and the README's word on the
 * native build of better-sqlite3.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { REPO } from './run.js';

interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
  engines?: { node?: string } | string[];
}
const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string }; overrides?: Record<string, string> };
// semver is installed with fastify (a dependency of it); loaded untyped, it is used for one call.
const semver = createRequire(import.meta.url)('semver') as { satisfies(version: string, range: string): boolean; minVersion(range: string): { version: string } | null };
const README = readFileSync(join(REPO, 'README.md'), 'utf8');

/** Lockfile packages whose engines.node refuses `version`, as "path (range)". */
function refusing(version: string, filter: (e: LockEntry) => boolean): string[] {
  return Object.entries(lock.packages)
    .filter(([path, e]) => path !== '' && !e.link && filter(e))
    .filter(([, e]) => !Array.isArray(e.engines) && typeof e.engines?.node === 'string' && !semver.satisfies(version, e.engines.node))
    .map(([path, e]) => `${path}@${e.version} (node ${(e.engines as { node: string }).node})`);
}

describe('installing under Node 20', () => {
  it('no production dependency refuses the oldest Node that package.json accepts (no EBADENGINE for users of a checkout)', () => {
    const oldest = semver.minVersion(pkg.engines.node)?.version;
    expect(oldest).toBe('20.0.0');
    expect(refusing(oldest!, (e) => !e.dev)).toEqual([]);
  });

  it('no package of the lockfile, dev tools included, refuses the Node running the tests (npm ci stays quiet)', () => {
    // Platform-specific optional binaries (rolldown, esbuild) that this machine never installs are not counted.
    expect(refusing(process.version, (e) => !e.optional)).toEqual([]);
  });

  it('the cookie override is a Node 20 cookie and works under fastify 5 (inject() with cookies)', async () => {
    expect(pkg.overrides?.cookie).toBeDefined();
    const cookieEntry = Object.entries(lock.packages).find(([path]) => path.endsWith('node_modules/cookie'));
    expect(cookieEntry?.[1].version).toMatch(/^1\./);
    const app = Fastify();
    app.get('/', async (req) => ({ cookie: req.headers.cookie ?? null }));
    try {
      const res = await app.inject({ method: 'GET', url: '/', cookies: { till: 'till-1', lang: 'ru' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ cookie: 'till=till-1; lang=ru' });
    } finally {
      await app.close();
    }
  });
});

describe('the README on installing', () => {
  const section = /### Install[^\n]*\n([\s\S]*?)\n## /.exec(README)?.[1] ?? '';

  it('has an Install section that says better-sqlite3 may compile and what that needs', () => {
    expect(section).not.toBe('');
    expect(section).toContain('better-sqlite3');
    expect(section).toMatch(/compiles from source/);
    expect(section).toMatch(/C\+\+ toolchain/);
    expect(section).toContain('python3');
    expect(section).toContain('build-essential');
  });

  it('explains the cookie engine warning and how to silence it', () => {
    expect(section).toContain('EBADENGINE');
    expect(section).toContain('cookie@2.0.2');
    expect(section).toContain('"overrides": { "cookie": "^1.1.1" }');
    expect(pkg.overrides).toEqual({ cookie: '^1.1.1' });
  });

  it('says the package is an ES module and what CommonJS code does', () => {
    expect(section).toContain("require('tanba')");
    expect(section).toContain("await import('tanba')");
  });
});
