/**
 * Tracking adapters against the emulator on loopback.
 * 1. Adapter overhead per check call vs a bare axios call to the same endpoint, same run, interleaved
 *    (median per call; goal ≤ 1.2×).
 * 2. Documents per second sustained against an emulator rate limit, with the client limiter set to the
 *    same rate (goal ≥ 95 % of the limit, never above: no 429 and no 1-s window over the limit + burst).
 */
import http from 'node:http';
import axios from 'axios';
import { createEmulator } from '../src/emulator/index.js';
import { TrueApiAdapter } from '../src/tracking/true-api/adapter.js';
import { XtraceAdapter } from '../src/tracking/xtrace/adapter.js';
import type { OutgoingDocument } from '../src/tracking/types.js';
import { fmt, median } from './stats.js';

const GS = '\u001d';
const ki = (n: number): string => `010460043993125621S${String(n).padStart(12, '0')}`;
const km = (n: number): string => `${ki(n)}${GS}91EE06${GS}92dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3R0`;

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function overhead(): Promise<void> {
  const emu = await createEmulator({ codes: Array.from({ length: 100 }, (_, i) => ({ code: km(i), status: 'INTRODUCED' })) });
  // Client pacing off: this measures the adapter's own work (auth, validation, classification, retry
  // wrapper, KI matching), not the rate limiter (RU's default 50/s would space calls 20 ms apart).
  const noPacing = { requestsPerMinute: null, maxConcurrency: null };
  const xt = new XtraceAdapter({ family: 'xtrace', baseUrl: emu.url, login: 'demo', password: 'demo', limits: noPacing });
  const ta = new TrueApiAdapter({ family: 'true-api', baseUrl: emu.url, apiKey: 'demo-api-key', limits: noPacing });
  const bare = axios.create({ baseURL: emu.url, timeout: 15_000, httpAgent: new http.Agent({ keepAlive: true }), headers: { Accept: '*/*' } });
  const token = (await bare.post('/api/users/authenticate', { login: 'demo', password: 'demo' })).data.accessToken as string;
  const code = km(1);
  const bareX = () => bare.post('/public/api/cod/public/codes', { codes: [code], addCodeHistory: false }, { headers: { Authorization: `Bearer ${token}` } });
  const bareT = () => bare.post('/api/v4/true-api/codes/check', { codes: [code] }, { headers: { 'X-API-KEY': 'demo-api-key' } });
  const adX = () => xt.checkCodes([code]);
  const adT = () => ta.checkCodes([code]);
  // warm-up
  for (const f of [bareX, adX, bareT, adT]) await timeEach(300, f);
  const s = { bareX: [] as number[], adX: [] as number[], bareT: [] as number[], adT: [] as number[] };
  const rx: number[] = [];
  const rt: number[] = [];
  for (let round = 0; round < 10; round++) {
    const [bx, ax, bt, at] = [await timeEach(200, bareX), await timeEach(200, adX), await timeEach(200, bareT), await timeEach(200, adT)];
    s.bareX.push(...bx);
    s.adX.push(...ax);
    s.bareT.push(...bt);
    s.adT.push(...at);
    rx.push(median(ax) / median(bx));
    rt.push(median(at) / median(bt));
  }
  // Ratio: median over rounds of (adapter median / bare median) within the round, robust to drift on a noisy box.
  const mx = median(rx);
  const mt = median(rt);
  console.log(`check call, 1 code, 2000 calls each, interleaved in 10 rounds (median per call; ratio = median of per-round ratios)`);
  console.log(`  xtrace  public/codes : bare axios ${fmt(median(s.bareX) * 1000, 0)} µs · adapter ${fmt(median(s.adX) * 1000, 0)} µs · ratio ${fmt(mx, 2)}× (goal ≤ 1.2×)`);
  console.log(`  true-api codes/check : bare axios ${fmt(median(s.bareT) * 1000, 0)} µs · adapter ${fmt(median(s.adT) * 1000, 0)} µs · ratio ${fmt(mt, 2)}× (goal ≤ 1.2×)`);
  await xt.close();
  await ta.close();
  await emu.close();
}

async function throughput(perMinute: number, seconds: number): Promise<void> {
  const emu = await createEmulator({ codes: Array.from({ length: 100 }, (_, i) => ({ code: ki(i), status: 'INTRODUCED' })) });
  const xt = new XtraceAdapter({
    family: 'xtrace',
    baseUrl: emu.url,
    login: 'demo',
    password: 'demo',
    limits: { requestsPerMinute: perMinute, burst: 1, maxConcurrency: 4 },
  });
  await xt.health(); // login outside the measured window
  emu.setFaults({ rateLimitPerMinute: perMinute }); // server burst: one second's worth
  const before = emu.stats().requests;
  const sentAt: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let n = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const i = n++;
      const doc: OutgoingDocument = { type: 'sale', reference: `bench-${i}`, at: new Date().toISOString(), items: [{ code: ki(i % 100), ki: ki(i % 100), km: ki(i % 100), price: 100, quantity: 1 }] };
      await xt.submitSale(doc);
      sentAt.push(performance.now());
    }
  };
  const t0 = performance.now();
  await Promise.all([worker(), worker(), worker(), worker()]);
  const elapsed = (performance.now() - t0) / 1000;
  const done = sentAt.length;
  const limit = perMinute / 60;
  // Arrival times as the server saw them.
  const arrivals = emu.documents().map((d) => Date.parse(d.receivedAt));
  let maxWindow = 0;
  for (let i = 0, j = 0; i < arrivals.length; i++) {
    while (arrivals[i] - arrivals[j] >= 1000) j++;
    maxWindow = Math.max(maxWindow, i - j + 1);
  }
  // Rate as the server saw it: documents after the first, over the span from first to last arrival.
  const span = (arrivals[arrivals.length - 1] - arrivals[0]) / 1000;
  const rate = (arrivals.length - 1) / span;
  console.log(
    `documents: limit ${fmt(limit, 1)}/s (${perMinute}/min) · sustained ${fmt(rate, 2)}/s (${done} docs in ${fmt(elapsed, 1)} s) = ${fmt((rate / limit) * 100, 1)} % of the limit (goal ≥ 95 %) · ` +
      `429 answers ${emu.stats().rateLimited} · busiest 1-s window at the server ${maxWindow} docs (limit + 1 at a window edge = ${Math.floor(limit) + 1}) · server saw ${emu.stats().requests - before} requests`,
  );
  await xt.close();
  await emu.close();
}

export default async function (): Promise<void> {
  await overhead();
  await throughput(1200, 5);
  await throughput(3000, 4);
}
