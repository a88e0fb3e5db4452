/**
 * The package as a user gets it: `npm pack` on a fresh copy of the sources (no dist/: `prepack`
 * builds it), installed into an empty folder, then the README's entry points — the `tanba` command,
 * `import('tanba')`, `import('tanba/marking')`, every subpath export, `require('tanba')`, and the
 * types under `tsc --noEmit`.
 *
 * How it is installed: the tarball is unpacked into <empty>/node_modules/tanba and its bin linked
 * (what `npm install <tarball>` does to the package itself); its dependencies are this checkout's
 * production packages from package-lock.json, linked, not fetched. So the test needs no registry
 * and no npm cache (CI starts with an empty one, and `npm install --offline` cannot resolve
 * dependency ranges without cached registry metadata), compiles nothing (better-sqlite3), and
 * runs on exactly the dependency tree the rest of the suite ran on. What a real install adds —
 * that every package the shipped code imports is declared in "dependencies" — is checked here
 * statically, over the shipped files.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, chmodSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, run } from './run.js';

interface Manifest {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  exports: Record<string, unknown>;
}
const repoPkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Manifest;
/** What a fresh clone holds that packing can use (everything else is tests, benches, docs). */
const CLONE = ['package.json', 'package-lock.json', 'README.md', '.gitignore', 'tsconfig.json', 'tsconfig.build.json', 'src', 'drivers', 'bin', 'data'];
const HEAVY = ['fastify', 'pino', 'pino-roll', 'prom-client', 'axios', 'p-retry', 'better-sqlite3', 'pg', 'commander', 'serialport', 'node-hid', 'zxing-wasm'];
const GS = '\x1d';
const KM = `010460043993125621JgXJ5.T${GS}8005112000${GS}930927`;

let work: string;
let tarball: string;
let entries: string[];
let app: string;
let installed: string;

function node(args: string[], opts: { stdin?: string } = {}) {
  return run(process.execPath, args, { cwd: app, ...opts });
}

/** Package names (with scope) of `node_modules/<name>` entries of this checkout's production tree. */
function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; link?: boolean }> };
  return Object.entries(lock.packages)
    .filter(([path, e]) => path.startsWith('node_modules/') && !path.slice('node_modules/'.length).includes('node_modules/') && !e.dev && !e.link)
    .map(([path]) => path.slice('node_modules/'.length));
}

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) filesUnder(p, out);
    else out.push(p);
  }
  return out;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'tanba-pack-'));
  // A fresh clone: the sources without dist/, on this checkout's node_modules (tsc for prepack).
  const clone = join(work, 'clone');
  mkdirSync(clone);
  for (const f of CLONE) if (existsSync(join(REPO, f))) cpSync(join(REPO, f), join(clone, f), { recursive: true });
  symlinkSync(join(REPO, 'node_modules'), join(clone, 'node_modules'));
  expect(existsSync(join(clone, 'dist'))).toBe(false);
  const packed = await run('npm', ['pack', '--pack-destination', work, '--no-audit', '--no-fund'], { cwd: clone, timeoutMs: 240_000 });
  expect(packed.code, packed.stderr).toBe(0);
  tarball = join(work, `${repoPkg.name}-${repoPkg.version}.tgz`);
  expect(existsSync(tarball), packed.stdout).toBe(true);
  const listed = await run('tar', ['-tzf', tarball], { cwd: work });
  entries = listed.stdout.split('\n').filter(Boolean).map((e) => e.replace(/^package\//, ''));

  // An empty folder with the tarball installed.
  app = join(work, 'app');
  mkdirSync(join(app, 'node_modules/.bin'), { recursive: true });
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'tanba-consumer', private: true, type: 'module', dependencies: { tanba: `file:${tarball}` } }, null, 2));
  const unpacked = await run('tar', ['-xzf', tarball, '-C', join(app, 'node_modules')], { cwd: work });
  expect(unpacked.code, unpacked.stderr).toBe(0);
  installed = join(app, 'node_modules/tanba');
  renameSync(join(app, 'node_modules/package'), installed);
  for (const [name, target] of Object.entries((JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as Manifest).bin)) {
    if (!existsSync(join(installed, target))) continue; // npm links no bin whose file is missing
    symlinkSync(join('..', 'tanba', target), join(app, 'node_modules/.bin', name));
    chmodSync(join(installed, target), 0o755);
  }
  // Its dependencies, and the consumer's own @types/node for the type check.
  for (const name of [...productionPackages(), '@types/node']) {
    mkdirSync(dirname(join(app, 'node_modules', name)), { recursive: true });
    if (!existsSync(join(app, 'node_modules', name))) symlinkSync(join(REPO, 'node_modules', name), join(app, 'node_modules', name));
  }
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm pack on a fresh clone', () => {
  it('builds on prepack and ships the compiled CLI and SDK, the types, the CJS entry and the data — no TypeScript sources', () => {
    for (const f of ['package.json', 'README.md', 'bin/tanba.mjs', 'dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/marking/index.js', 'src/cjs.cjs', 'data/gs1-syntax-dictionary.txt', 'src/agent/service/tanba-agent.service']) {
      expect(entries).toContain(f);
    }
    expect(entries.filter((e) => e.endsWith('.ts') && !e.endsWith('.d.ts'))).toEqual([]);
    expect(entries.filter((e) => e.startsWith('test/') || e.startsWith('src/cli/'))).toEqual([]);
    // Every path the manifest points at is in the tarball.
    const targets: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') targets.push(v.replace(/^\.\//, ''));
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(repoPkg.exports);
    expect(targets.length).toBeGreaterThan(10);
    expect(targets.filter((t) => !entries.includes(t))).toEqual([]);
  });

  it('declares every package its shipped code imports', () => {
    const deps = new Set(Object.keys(repoPkg.dependencies));
    const builtins = new Set(builtinModules);
    const missing = new Set<string>();
    const files = filesUnder(installed).filter((f) => /\.(m|c)?js$/.test(f) && !f.includes(`${installed}/node_modules/`));
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) {
      const src = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\/|^\s*\/\/.*$/gm, '');
      for (const m of src.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s*)['"]([^'"]+)['"]/gm)) {
        const spec = m[1];
        if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || spec.startsWith('data:')) continue;
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!deps.has(name) && !builtins.has(name) && name !== repoPkg.name) missing.add(`${name} (${f.slice(installed.length + 1)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });
});

describe('the installed package, in an empty folder', () => {
  it('`npx tanba --version` and `tanba parse` run the compiled CLI', async () => {
    expect(existsSync(join(installed, 'src/cli/main.ts'))).toBe(false); // so bin/tanba.mjs runs dist/
    const v = await run('npx', ['tanba', '--version'], { cwd: app });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(repoPkg.version);
    const p = await run(join(app, 'node_modules/.bin/tanba'), ['parse'], { cwd: app, stdin: `${JSON.stringify(KM)}\n` });
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout.trim())).toMatchObject({ ok: true, gtin: '04600439931256', mrp: 112000, productGroup: 'tobacco' });
  });

  it("import('tanba') and import('tanba/marking') work, and so does every subpath export", async () => {
    const subpaths = Object.keys(repoPkg.exports).filter((k) => k !== '.' && k !== './package.json').map((k) => `tanba/${k.slice(2)}`);
    const script = `
      const t = await import('tanba');
      const m = await import('tanba/marking');
      const out = { root: typeof t.parseCode, createTerminal: typeof t.createTerminal, openTerminal: typeof t.openTerminal, marking: typeof m.parseCode,
        parsed: t.parseCode(${JSON.stringify(KM)}).gtin, subpaths: {} };
      for (const s of ${JSON.stringify(subpaths)}) out.subpaths[s] = Object.keys(await import(s)).length;
      console.log(JSON.stringify(out));`;
    const r = await node(['--input-type=module', '-e', script]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { subpaths: Record<string, number> };
    expect(out).toMatchObject({ root: 'function', createTerminal: 'function', openTerminal: 'function', marking: 'function', parsed: '04600439931256' });
    expect(Object.keys(out.subpaths).sort()).toEqual(subpaths.sort());
    for (const [s, n] of Object.entries(out.subpaths)) expect(n, s).toBeGreaterThan(0);
  });

  it("the root entry stays light: import('tanba') loads no HTTP server or client, logger, metrics or native module", async () => {
    // Record every package the ES module loader resolves while importing the root.
    const hooks = `export async function resolve(s, c, next) { const r = await next(s, c); const i = r.url.lastIndexOf('/node_modules/'); if (i >= 0) { const rest = r.url.slice(i + 14).split('/'); process.stderr.write('PKG ' + (rest[0].startsWith('@') ? rest[0] + '/' + rest[1] : rest[0]) + '\\n'); } return r; }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const r = await node(['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', `const t0 = performance.now(); await import('tanba'); console.log((performance.now() - t0).toFixed(0));`]);
    expect(r.code, r.stderr).toBe(0);
    const loaded = new Set([...r.stderr.matchAll(/^PKG (\S+)$/gm)].map((m) => m[1]));
    expect(loaded.has('tanba')).toBe(true);
    expect(HEAVY.filter((p) => loaded.has(p))).toEqual([]);
    console.log(`import('tanba') from the installed package: ${r.stdout.trim()} ms (under the loader hook); packages: ${[...loaded].sort().join(', ')}`);
  });

  it("require('tanba') gives the SDK where Node can require ES modules, and says to use import() where it cannot", async () => {
    const features = process.features as { require_module?: boolean };
    if (features.require_module) {
      const ok = await node(['-e', `const t = require('tanba'); console.log(typeof t.parseCode, t.parseCode(${JSON.stringify(KM)}).gtin)`]);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout.trim()).toBe('function 04600439931256');
    }
    const old = await node([...(features.require_module ? ['--no-experimental-require-module'] : []), '-e', `require('tanba')`]);
    expect(old.code).toBe(1);
    expect(old.stderr).toContain('tanba is an ES module');
    expect(old.stderr).toContain("await import('tanba')");
    expect(old.stderr).not.toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('the types: tsc --noEmit on a consumer file that imports the SDK', async () => {
    writeFileSync(
      join(app, 'check.ts'),
      `import { parseCode, createTerminal, openTerminal, isStoreError, TrackingError, type Decision, type ParseResult, type SaleInput, type TrackingSystem } from 'tanba';
import { parseCode as parseOnly } from 'tanba/marking';
import type { Emulator } from 'tanba/emulator';
import type { Agent } from 'tanba/agent';
import type { SqliteOutbox } from 'tanba/outbox/sqlite';

const r: ParseResult = parseCode('04603721009458', { country: 'KZ' });
const ok: boolean = r.ok && parseOnly('x').ok;
// The types are real, not \`any\`: each of these must be refused.
// @ts-expect-error a number is not a marking code
parseCode(42);
// @ts-expect-error an unknown country
parseCode('x', { country: 'XX' });
// @ts-expect-error Emulator.url is a string
export const port: Emulator['url'] = 7316;
// @ts-expect-error Agent.url is a string
export const url: Agent['url'] = 7315;
export type Used = [Decision, SaleInput, TrackingSystem, SqliteOutbox, typeof createTerminal, typeof openTerminal, typeof isStoreError, TrackingError, typeof ok];
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files: ['check.ts'] }),
    );
    // skipLibCheck as most projects set it (tsc --init does): checking every dependency's .d.ts too
    // takes 40 s on a loaded two-core machine; the refusals above prove tanba's types are there.
    const tsc = await node([join(REPO, 'node_modules/typescript/bin/tsc'), '-p', app]);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.code).toBe(0);
  }, 120_000);
});
