/**
 * Agent benchmark: start to ready (in-process and as a `tanba agent` process), idle RSS of the
 * process, and checks/s and sales/s through the HTTP API against the SDK in-process (same terminal
 * kind, same emulator, same concurrency, same run → ratio).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createAgent } from '../src/agent/agent.js';
import { defaultConfig } from '../src/agent/config.js';
import { prng, waterCode } from '../src/agent/demo-codes.js';
import { createTerminalFromConfig } from '../src/agent/terminal-factory.js';
import { createEmulator } from '../src/emulator/index.js';
import { fmt, median } from './stats.js';

/** The repository root: the nearest folder up from here with tanba's package.json (works from bench/ and dist-bench/bench/). */
const root = ((): string => {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, d = dirname(d)) if (existsSync(join(d, 'package.json')) && existsSync(join(d, 'node_modules'))) return d;
  return process.cwd();
})();
const RUNS = 5;
const CONCURRENCY = 16;

async function pool<T>(n: number, concurrency: number, fn: (i: number) => Promise<T>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < n; i = next++) await fn(i);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

/** Resident memory from /proc (VmRSS: all; RssAnon: private, without the shared Node binary pages). */
function rssMb(pid: number, field = 'VmRSS'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** `node <main.js> agent --port 0` (compiled): ms until it printed its address and /v1/status answered; RSS after idling. */
function processStart(mainJs: string, dir: string, idleMs: number, extra: string[] = [], nodeArgs: string[] = []): Promise<{ readyMs: number; rss: number; anon: number }> {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const p = spawn(process.execPath, [...nodeArgs, mainJs, 'agent', '--port', '0', '--db', join(dir, `p-${Date.now()}.db`), '--log-level', 'warn', ...extra], {
      cwd: root,
      env: { ...process.env, TANBA_TRACKING_LOGIN: 'demo', TANBA_TRACKING_PASSWORD: 'demo' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', async (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (!m || out.includes('#done')) return;
      out += '#done';
      const r = await fetch(`${m[1]}/v1/status`);
      await r.body?.cancel();
      const readyMs = performance.now() - t0;
      await new Promise((w) => setTimeout(w, idleMs));
      const rss = rssMb(p.pid!);
      const anon = rssMb(p.pid!, 'RssAnon');
      p.kill('SIGTERM');
      p.on('close', () => res({ readyMs, rss, anon }));
    });
    p.on('error', rej);
  });
}

export default async function (): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tanba-agent-bench-'));
  const rnd = prng(3);
  const codes = Array.from({ length: 4000 }, () => waterCode(rnd));
  const emu = await createEmulator({ port: 0, codes: codes.map((c) => ({ code: c.ki, status: 'INTRODUCED' })) });
  const logger = pino({ level: 'silent' });
  try {
    // 1. Start to ready, in-process (terminal + SQLite + HTTP listening + first status answer).
    const inProc: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const config = defaultConfig({ http: { port: 0 }, db: { path: join(dir, `s-${i}.db`) }, log: { level: 'silent' } });
      const agent = await createAgent({ config, logger, processMetrics: false });
      const r = await fetch(`${agent.url}/v1/status`);
      await r.body?.cancel();
      inProc.push(performance.now() - t0);
      await agent.close();
    }
    console.log(`start → ready, in-process:          median ${fmt(median(inProc))} ms (goal < 1000)`);

    // 2. As a process, compiled as the package ships it (`npm run bench` compiles with tsc first), and idle RSS.
    const here = dirname(fileURLToPath(import.meta.url));
    const mainJs = [join(here, '../src/cli/main.js'), join(root, 'dist/src/cli/main.js')].find((f) => existsSync(f));
    if (!mainJs) throw new Error('no compiled src/cli/main.js next to this benchmark: run it through `npm run bench`');
    for (const [label, extra, nodeArgs] of [
      ['no tracking system', [], []],
      ['tracking = emulator', ['--tracking-url', emu.url], []],
      ['tracking = emulator, node --max-semi-space-size=1 --v8-pool-size=1 as in the service templates', ['--tracking-url', emu.url], ['--max-semi-space-size=1', '--v8-pool-size=1']],
    ] as const) {
      const proc: number[] = [];
      const rss: number[] = [];
      const anon: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const r = await processStart(mainJs, dir, 2000, [...extra], [...nodeArgs]);
        proc.push(r.readyMs);
        rss.push(r.rss);
        anon.push(r.anon);
      }
      console.log(
        `\`tanba agent\` process (${label}):\n    start → ready median ${fmt(median(proc))} ms (goal < 1000, includes Node start); idle RSS median ${fmt(median(rss))} MB (goal < 100), of which private ${fmt(median(anon))} MB`,
      );
    }

    // 3. Throughput: HTTP API vs SDK in-process, same terminal setup, same emulator.
    const config = defaultConfig({
      http: { port: 0 },
      db: { path: join(dir, 'tp.db') },
      tracking: { url: emu.url, login: 'demo', password: 'demo' },
      relay: { enabled: false },
      log: { level: 'silent' },
    });
    const terminal = await createTerminalFromConfig(config, logger);
    const agent = await createAgent({ config, terminal, logger, processMetrics: false });
    // A lean keep-alive client (node:http), so the figures show the agent's cost more than fetch's.
    const keepAlive = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const { hostname, port } = new URL(agent.url);
    const postJson = (path: string, body: unknown): Promise<number> =>
      new Promise((res, rej) => {
        const data = JSON.stringify(body);
        const req = http.request({ hostname, port, path, method: 'POST', agent: keepAlive, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (r) => {
          r.resume();
          r.on('end', () => (r.statusCode === 200 || r.statusCode === 202 ? res(r.statusCode) : rej(new Error(`HTTP ${r.statusCode}`))));
        });
        req.on('error', rej);
        req.end(data);
      });
    const api = {
      check: (code: string) => postJson('/v1/codes/check', { code }),
      recordSale: (sale: { id: string; items: { code: string; price: number }[] }) => postJson('/v1/sales', sale),
    };
    const N = 2000;
    const rows: string[] = [];
    const httpChecks: number[] = [];
    const sdkChecks: number[] = [];
    const httpSales: number[] = [];
    const sdkSales: number[] = [];
    for (let round = 0; round < 3; round++) {
      sdkChecks.push(await pool(N, CONCURRENCY, (i) => terminal.check(codes[i % codes.length].km)));
      httpChecks.push(await pool(N, CONCURRENCY, (i) => api.check(codes[i % codes.length].km)));
      sdkSales.push(await pool(N, CONCURRENCY, (i) => terminal.recordSale({ id: `sdk-${round}-${i}`, items: [{ code: codes[i % codes.length].km, price: 100 }] })));
      httpSales.push(await pool(N, CONCURRENCY, (i) => api.recordSale({ id: `http-${round}-${i}`, items: [{ code: codes[i % codes.length].km, price: 100 }] })));
    }
    const hc = median(httpChecks);
    const sc = median(sdkChecks);
    const hs = median(httpSales);
    const ss = median(sdkSales);
    rows.push(`checks/s (online, emulator on loopback, ${CONCURRENCY} concurrent): HTTP ${fmt(hc, 0)}  SDK ${fmt(sc, 0)}  HTTP/SDK ${fmt(hc / sc, 2)}×`);
    rows.push(`sales/s  (durable, fsync'd, ${CONCURRENCY} concurrent):             HTTP ${fmt(hs, 0)}  SDK ${fmt(ss, 0)}  HTTP/SDK ${fmt(hs / ss, 2)}×`);
    for (const r of rows) console.log(r);
    keepAlive.destroy();
    await agent.close();
    await terminal.close();
  } finally {
    await emu.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
