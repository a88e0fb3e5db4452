/**
 * `tanba demo`: run as a new user runs it (the CLI under tsx, exit code and what it prints), and
 * in-process to read what the Webkassa emulator issued: the outage queue in recording order, one
 * receipt for a repeated sale id, a return receipt on its sale's fiscal basis.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { demoProblems, runDemo } from '../../src/agent/demo.js';

const root = resolve(import.meta.dirname, '../..');
const tsx = join(root, 'node_modules/.bin/tsx');
const main = join(root, 'src/cli/main.ts');
const cwd = mkdtempSync(join(tmpdir(), 'tanba-demo-test-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    const env = { ...process.env };
    for (const k of Object.keys(env)) if (k.startsWith('TANBA_')) delete env[k];
    const p = spawn(tsx, [main, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`tanba ${args.join(' ')} did not end within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

describe('tanba demo', () => {
  it('ends by itself with exit 0 and tells the story: checks, receipts with fiscal signs, outage, recovery, repeat, return', async () => {
    const t0 = Date.now();
    const r = await runCli(['demo', '--fast'], 45_000);
    // Nothing but Node's own process warnings (a library deprecation is not the demo's to fix) on stderr.
    const nodeWarning = /^\(node:\d+\) \S+|^\(Use `node --trace-warnings/;
    expect(r.stderr.split('\n').filter((l) => l && !nodeWarning.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const o = r.stdout;
    for (const s of ['✔ ALLOW', '✘ DENY', '? UNKNOWN', '(already sold)', '(written off)', '(expired)', 'layout-ru', 'layout-kz', 'gs-restored', 'DEGRADED', 'UNREACHABLE'])
      expect(o).toContain(s);
    expect(o).toMatch(/cashboxes SWK00000001, SWK00000002/);
    expect(o).toMatch(/POST \/v1\/sales\?wait=\d+ R-1001 till-1 .*→ 201 fiscalised, fiscal sign \d+/);
    expect(o).toMatch(/Webkassa got the repaired code \S+ ✔/);
    expect(o).toMatch(/R-1101 till-1 .*→ 202 queued/);
    expect(o).toMatch(/till-1 {2}webkassa {2}UNREACHABLE 3 unsent since \S+, [\d.]+ h left before the 72 h block/);
    expect(o).toMatch(/till-1 issued R-1101, R-1102, R-1103 — recorded as R-1101, R-1102, R-1103 ✔ in order/);
    expect(o).toMatch(/R-1001 again → 201 fiscalised, fiscal sign \d+ \(the same one\)/);
    expect(o).toMatch(/no double receipt ✔/);
    expect(o).toMatch(/ReturnBasisDetails\.CheckNumber \d+ ✔/);
    // The hint names commands that exist in a checkout.
    expect(o).toContain('npx tanba emulator --system tracking webkassa');
    expect(o).toContain('npx tanba agent --config tanba.json');
    expect(o).toContain('TANBA_FISCAL_PASSWORD=demo');
  }, 60_000);

  it('in-process: Webkassa issued the queue in order, one receipt per id, and the return on its basis', async () => {
    const lines: string[] = [];
    const r = await runDemo({ fast: true, out: (l) => lines.push(l), deadlineMs: 30_000 });
    expect(demoProblems(r)).toEqual([]);

    // Every recorded receipt is fiscalised, each with its own fiscal sign.
    expect(r.receipts.map((x) => x.id)).toEqual(['R-1001', 'R-1002', 'R-1101', 'R-1102', 'R-1103', 'R-1104', 'RET-1001']);
    expect(r.receipts.every((x) => x.state === 'fiscalised' && x.fiscalSign)).toBe(true);
    expect(new Set(r.receipts.map((x) => x.fiscalSign)).size).toBe(r.receipts.length);

    // The emulator's own issue order, per cashbox: the outage queue went out as recorded.
    const till1 = r.issued.filter((x) => x.cashbox === 'SWK00000001' && x.operationType === 2).map((x) => x.receiptId);
    expect(till1).toEqual(['R-1001', 'R-1101', 'R-1102', 'R-1103']);
    const till2 = r.issued.filter((x) => x.cashbox === 'SWK00000002' && x.operationType === 2).map((x) => x.receiptId);
    expect(till2).toEqual(['R-1002', 'R-1104']);

    // One receipt per id at Webkassa (R-1001 sent again after it was fiscalised, R-1102 twice while queued).
    const ids = r.issued.map((x) => x.receiptId);
    expect(ids.filter((id) => id === 'R-1001')).toHaveLength(1);
    expect(ids.filter((id) => id === 'R-1102')).toHaveLength(1);
    expect(new Set(r.issued.map((x) => x.externalCheckNumber)).size).toBe(r.issued.length);
    expect(r.duplicateReceipts).toBe(0);

    // The return: operation 3 on the sale's cashbox, its basis the sale's fiscal sign.
    const sale = r.receipts.find((x) => x.id === 'R-1001')!;
    const ret = r.issued.filter((x) => x.operationType === 3);
    expect(ret).toHaveLength(1);
    expect(ret[0]).toMatchObject({ cashbox: 'SWK00000001', receiptId: 'RET-1001', basisFiscalSign: sale.fiscalSign });
    expect(r.return).toMatchObject({ id: 'RET-1001', saleId: 'R-1001', basisFiscalSign: sale.fiscalSign, acceptedBasis: sale.fiscalSign });

    // Never a customer contact or a secret in what the demo prints.
    const text = lines.join('\n');
    expect(text).not.toMatch(/"(password|apiKey|token)"\s*:|"(email|phone)"/);
  }, 60_000);
});
