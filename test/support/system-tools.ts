/**
 * The system tools the test suite needs besides npm packages, and who needs them. The vitest
 * globalSetup (./global-setup.ts) checks them once, before any test runs, for the test files of
 * this run only: a missing tool fails the run once, up front, saying what to install — never a
 * skip, never one time-out per test. `.ci/run` installs them all.
 */
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { findPostgresBin } from './postgres.js';

export interface SystemTool {
  /** What is missing, as the error names it. */
  name: string;
  /** The Debian/Ubuntu package that provides it. */
  apt: string;
  /** What the tests use it for. */
  why: string;
  present(env: NodeJS.ProcessEnv): boolean;
  /** Whether a test file needs it, from the file's source. */
  neededBy(source: string): boolean;
}

/** `cmd` is an executable file in one of the folders of PATH. */
export function onPath(cmd: string, env: NodeJS.ProcessEnv = process.env): boolean {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      // not in this folder
    }
  }
  return false;
}

export const SYSTEM_TOOLS: SystemTool[] = [
  {
    name: 'socat',
    apt: 'socat',
    why: 'real pty pairs for the serial scanner tests',
    present: (env) => onPath('socat', env),
    neededBy: (src) => /support\/pty\.js'/.test(src),
  },
  {
    name: 'Chromium',
    apt: 'chromium',
    why: 'the status page and browser POS tests (or set TANBA_CHROMIUM to a Chromium binary)',
    present: (env) => existsSync(env.TANBA_CHROMIUM ?? '/usr/bin/chromium'),
    neededBy: (src) => /from 'playwright-core'/.test(src),
  },
  {
    name: 'the PostgreSQL server (initdb, pg_ctl, postgres)',
    apt: 'postgresql',
    why: 'the shared-outbox tests (or set TANBA_PG_BIN to the folder holding them)',
    present: () => findPostgresBin() !== null,
    neededBy: (src) => /support\/postgres\.js'/.test(src),
  },
];

export interface MissingTool {
  tool: SystemTool;
  files: string[];
}

/** The tools that `files` (absolute paths of test files) need and that this machine lacks. */
export function missingTools(files: string[], env: NodeJS.ProcessEnv = process.env, tools: SystemTool[] = SYSTEM_TOOLS): MissingTool[] {
  const sources = files.map((f) => ({ f, src: readFileSync(f, 'utf8') }));
  const missing: MissingTool[] = [];
  for (const tool of tools) {
    const needing = sources.filter((s) => tool.neededBy(s.src)).map((s) => s.f);
    if (needing.length > 0 && !tool.present(env)) missing.push({ tool, files: needing });
  }
  return missing;
}

/** One sentence per missing tool, and one install line for all of them. */
export function describeMissing(missing: MissingTool[], root: string): string {
  const lines = missing.map(({ tool, files }) => {
    const shown = files.map((f) => relative(root, f));
    const list = shown.length > 3 ? `${shown.slice(0, 3).join(', ')} and ${shown.length - 3} more` : shown.join(', ');
    return `${tool.name} is not installed: apt-get install ${tool.apt} — ${tool.why}; needed by ${list}.`;
  });
  const all = missing.map((m) => m.tool.apt).join(' ');
  const head = missing.length === 1 ? 'A system tool the tests need is missing:' : `${missing.length} system tools the tests need are missing:`;
  return [head, ...lines, `Install with: apt-get install -y ${all} (as .ci/run does), then run the tests again.`].join('\n');
}

/** One message naming every missing tool, or null when nothing is missing. */
export function missingSystemToolsMessage(files: string[], root: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const missing = missingTools(files, env);
  return missing.length > 0 ? describeMissing(missing, root) : null;
}
