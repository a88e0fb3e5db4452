/**
 * A machine without the system tools the tests need (socat, Chromium, PostgreSQL) fails the run
 * once, before any test, saying what to install — not one 5 s time-out per serial test.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingSystemToolsMessage, missingTools, onPath } from '../support/system-tools.js';
import { cleanEnv, REPO, run } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'tanba-tools-'));
/** A PATH with node and nothing else: no socat. */
const bare = join(dir, 'bin');
mkdirSync(bare);
symlinkSync(process.execPath, join(bare, 'node'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('system tools for the tests', () => {
  it('knows which test files need socat, and finds it missing from a PATH without it', () => {
    const serial = join(REPO, 'test/drivers/serial.test.ts');
    const marking = join(REPO, 'test/marking/checksums.test.ts');
    expect(onPath('socat', { PATH: bare })).toBe(false);
    expect(onPath('node', { PATH: bare })).toBe(true);
    const missing = missingTools([serial, marking], { PATH: bare });
    expect(missing.map((m) => [m.tool.name, m.files])).toEqual([['socat', [serial]]]);
    // A run of files that need no tool needs nothing.
    expect(missingSystemToolsMessage([marking], REPO, { PATH: bare })).toBeNull();
    // Chromium and PostgreSQL are named the same way when they are missing.
    const page = join(dir, 'page.test.ts');
    // (Spelled in two parts, so that this file itself does not read as needing them.)
    writeFileSync(page, `import { chromium } from ${"'playwright-core'"};\nimport { startPostgres } from '../support/${"postgres.js'"};\n`);
    const all = missingSystemToolsMessage([serial, page], REPO, { PATH: bare, TANBA_CHROMIUM: join(dir, 'no-chromium'), TANBA_PG_BIN: join(dir, 'no-pg') });
    expect(all).toContain('socat is not installed: apt-get install socat');
    expect(all).toContain('Chromium is not installed: apt-get install chromium');
    expect(all).toContain('apt-get install -y socat chromium');
  });

  it('without socat, `vitest run test/drivers/serial.test.ts` stops at once with one message saying what to install', async () => {
    const env = cleanEnv({ PATH: bare, FORCE_COLOR: '0', NO_COLOR: '1' });
    for (const k of Object.keys(env)) if (k.startsWith('VITEST')) delete env[k];
    const r = await run(process.execPath, [join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', 'test/drivers/serial.test.ts'], { cwd: REPO, env, timeoutMs: 120_000 });
    const out = r.stdout + r.stderr;
    expect(r.code).toBe(1);
    expect(out.match(/socat is not installed: apt-get install socat/g)?.length).toBe(1);
    expect(out).not.toContain('timed out waiting for socat links');
    expect(out).not.toMatch(/Tests\s+\d+ (passed|failed)/); // no test ran
    expect(r.ms).toBeLessThan(30_000); // before: 13 tests × 5 s
  });
});
