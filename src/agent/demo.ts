/**
 * `tanba demo`: one command, no setup. Starts the tracking-system emulator seeded with a realistic
 * mix, the agent on its embedded defaults pointed at it (database in a temporary folder), a
 * simulated USB-COM scanner and a keyboard-wedge scanner typing into the POS; prints each decision,
 * records sales through the HTTP API, cuts the emulator off to show sales queueing, then shows them
 * delivered. Ends by itself; `fast` shortens the pauses (for tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Decision } from '../decision/types.js';
import { createEmulator, type Emulator, type SeedCode } from '../emulator/index.js';
import type { RecordInfo, RecordState } from '../outbox/types.js';
import { type Agent, createAgent } from './agent.js';
import { AgentClient } from './client.js';
import { defaultConfig } from './config.js';
import { beerCode, clothesCode, dairyCode, type DemoCode, prng, typedUnderKazakhLayout, typedUnderRussianLayout, waterCode, withoutGs } from './demo-codes.js';
import { SimulatedScanner } from './simulated-scanner.js';
import { createTerminalFromConfig } from './terminal-factory.js';

export interface DemoOptions {
  /** Short pauses (the whole run in a few seconds). */
  fast?: boolean;
  /** Where to print (default stdout). */
  out?: (line: string) => void;
  /** Give up (and fail) after this long. Default 30 s. */
  deadlineMs?: number;
  /** Language of cashier messages. Default en. */
  language?: 'kk' | 'ru' | 'en';
  /** Keep the database folder (default: removed at the end). */
  keep?: boolean;
}

export interface DemoResult {
  decisions: Decision[];
  sales: { id: string; state: RecordState }[];
  documents: number;
  duplicateDocuments: number;
  elapsedMs: number;
}

const SELLER = '990140000385';

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const t0 = Date.now();
  const deadline = t0 + (opts.deadlineMs ?? 30_000);
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, opts.fast ? Math.min(ms, 150) : ms));
  const rnd = prng(20251125);
  const past = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);

  const valid: DemoCode[] = [waterCode(rnd, 'Water 0.5 l'), clothesCode(rnd, 'T-shirt'), beerCode(rnd, 'Beer 0.5 l'), waterCode(rnd, 'Water 1.5 l')];
  const sold = dairyCode(rnd, 'Kefir 1 l');
  const blocked = beerCode(rnd, 'Beer 0.33 l');
  const expired = dairyCode(rnd, 'Yoghurt 0.4 l');
  const garbledRu = clothesCode(rnd, 'Socks');
  const garbledKz = waterCode(rnd, 'Water 5 l');
  const outageItems = [waterCode(rnd, 'Water 0.33 l'), beerCode(rnd, 'Beer 1 l'), clothesCode(rnd, 'Cap')];
  const seed: SeedCode[] = [
    ...[...valid, garbledRu, garbledKz, ...outageItems].map((c) => ({ code: c.ki, status: 'INTRODUCED', ownerTin: SELLER, productGroup: c.group })),
    { code: sold.ki, status: 'WITHDRAWN', ownerTin: SELLER, productGroup: sold.group },
    { code: blocked.ki, status: 'INTRODUCED', ownerTin: SELLER, blocked: true, productGroup: blocked.group },
    { code: expired.ki, status: 'INTRODUCED', ownerTin: SELLER, expiresAt: past, productGroup: expired.group },
  ];

  const dir = mkdtempSync(join(tmpdir(), 'tanba-demo-'));
  let emulator: Emulator | null = null;
  let agent: Agent | null = null;
  const scanner = new SimulatedScanner('/dev/ttyACM0 (simulated)');
  const wedge = new SimulatedScanner('keyboard wedge (simulated)');
  try {
    emulator = await createEmulator({ port: 0, codes: seed, processingDelayMs: opts.fast ? 50 : 300 });
    const config = defaultConfig({
      language: opts.language ?? 'en',
      http: { port: 0 },
      db: { path: join(dir, 'tanba.db') },
      tracking: { url: emulator.url, family: 'xtrace', login: 'demo', password: 'demo', timeoutMs: 2000 },
      decision: { budgetMs: 1000 },
      relay: { retryMinMs: 200, retryMaxMs: 800, reconcileDelayMs: 300, confirmDelayMs: 100 },
      sellers: [{ tin: SELLER, name: 'Demo store', registers: ['till-1'] }],
      log: { level: 'silent' },
    });
    const logger = pino({ level: 'silent' });
    const baseTerminal = await createTerminalFromConfig({ ...config }, logger, { scanners: [scanner, wedge] });
    agent = await createAgent({ config, terminal: baseTerminal, logger, processMetrics: false });
    const terminal = agent.terminal;
    const api = new AgentClient(agent.url);

    out('tanba demo — a till, a scanner, the agent and an emulated national tracking system');
    out(`  tracking system (emulator, xTrace)  ${emulator.url}  — ${seed.length} codes seeded`);
    out(`  agent                               ${agent.url}  — status page ${agent.url}/  API ${agent.url}/openapi.json`);
    out(`  sale log (SQLite)                   ${config.db.path}`);
    out('');

    const decisions: Decision[] = [];
    const states = new Map<string, RecordState>();
    const stateWaiters: (() => void)[] = [];
    terminal.on('decision', (d: Decision) => decisions.push(d));
    let draining = false;
    terminal.on('record', (r: RecordInfo) => {
      const prev = states.get(r.id);
      states.set(r.id, r.state);
      if (prev !== r.state) out(`      sale ${r.id.padEnd(8)} ${r.state}${r.documentId ? `  (document ${r.documentId})` : ''}${r.reasons.length ? `  ${r.reasons.map((x) => x.message).join('; ')}` : ''}`);
      if (draining && r.state === 'sent') {
        const waiting = [...states.values()].filter((s) => s === 'queued' || s === 'sending' || s === 'unknown').length;
        out(`      queue: ${waiting} still waiting`);
      }
      for (const w of stateWaiters.splice(0)) w();
    });
    const waitFor = async (what: string, cond: () => boolean): Promise<void> => {
      while (!cond()) {
        if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`);
        await new Promise<void>((r) => {
          const timer = setTimeout(r, 250);
          stateWaiters.push(() => {
            clearTimeout(timer);
            r();
          });
        });
      }
    };
    const show = (label: string, d: Decision): void => {
      const mark = d.verdict === 'allow' ? '✔ ALLOW ' : d.verdict === 'deny' ? '✘ DENY  ' : '? UNKNOWN';
      const why = d.reasons.map((r) => r.message).join('; ');
      const repaired = d.code.repairs.length ? `  [repaired: ${d.code.repairs.join(', ')}]` : '';
      out(`  ${mark} ${label.padEnd(34)} ${(d.code.ki ?? d.code.error?.code ?? '?').slice(0, 31).padEnd(31)} ${d.source} ${Math.round(d.latencyMs)} ms${repaired}${why ? `\n            ${why}` : ''}`);
    };
    const scanAndWait = async (label: string, km: string | Uint8Array, by: SimulatedScanner = scanner): Promise<Decision> => {
      const before = decisions.length;
      by.scan(km, by === scanner ? ']d2' : null);
      await waitFor(`the decision on ${label}`, () => decisions.length > before);
      const d = decisions[decisions.length - 1];
      show(label, d);
      await pause(250);
      return d;
    };

    out('1. The USB-COM scanner reads codes; the agent checks each one (online and local, 1 s budget)');
    for (const c of valid) await scanAndWait(c.label, c.km);
    await scanAndWait(`${sold.label} (already sold)`, sold.km);
    await scanAndWait(`${blocked.label} (blocked)`, blocked.km);
    await scanAndWait(`${expired.label} (expired)`, expired.km);
    out('');

    out('2. Keyboard-wedge scanners type what the keyboard layout makes of the code; tanba repairs it');
    const ruTyped = typedUnderRussianLayout(garbledRu.km);
    await scanAndWait(`${garbledRu.label} (Russian layout)`, new Uint8Array(Buffer.from(ruTyped, 'utf8')), wedge);
    out(`            typed as ${JSON.stringify(`${ruTyped.slice(0, 40)}…`)}`);
    out('   …and one typing into the POS, which asks the agent (POST /v1/codes/check):');
    const viaPos = async (label: string, text: string): Promise<Decision> => {
      const d = await api.check(text, { registerId: 'till-1' });
      show(label, d);
      out(`            typed as ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}`);
      await pause(250);
      return d;
    };
    await viaPos(`${garbledKz.label} (Kazakh layout, GS lost)`, typedUnderKazakhLayout(withoutGs(garbledKz.km)));
    await viaPos('Torn label (a digit misread)', `${valid[0].km.slice(0, 10)}${(Number(valid[0].km[10]) + 1) % 10}${valid[0].km.slice(11)}`);
    out('');

    out('3. The cashier sells: the POS records each sale (POST /v1/sales → 202 once it is on disk)');
    const saleIds: string[] = [];
    const items1 = [valid[0], valid[1], garbledRu];
    const items2 = [valid[2], valid[3], garbledKz];
    for (const [i, items] of [items1, items2].entries()) {
      const id = `R-${1001 + i}`;
      saleIds.push(id);
      const info = await api.recordSale({ id, registerId: 'till-1', items: items.map((c) => ({ code: c.km, price: 45_000 + i * 1000 })) });
      out(`    POST /v1/sales ${id} (${items.length} items) → ${info.state}`);
    }
    const again = await api.recordSale({ id: 'R-1001', registerId: 'till-1', items: items1.map((c) => ({ code: c.km, price: 45_000 })) });
    out(`    POST /v1/sales R-1001 again (a retry from the POS) → ${again.state}: the same sale, not a second one`);
    await waitFor('the first sales to be confirmed', () => saleIds.every((id) => states.get(id) === 'confirmed'));
    out('');

    out('4. The internet drops (the emulator answers 503 to everything): sales are kept and queued');
    emulator.setFaults({ outage: true });
    await viaPos(`${outageItems[0].label} (during the outage)`, outageItems[0].km);
    for (const [i, c] of outageItems.entries()) {
      const id = `R-${1101 + i}`;
      saleIds.push(id);
      const info = await api.recordSale({ id, registerId: 'till-1', items: [{ code: c.km, price: 30_000 }] });
      out(`    POST /v1/sales ${id} → ${info.state}`);
    }
    // The relay tries, fails, and the status says so.
    let s1 = await api.status();
    while (s1.state !== 'degraded') {
      if (Date.now() > deadline) throw new Error('demo: timed out waiting for the outage to show');
      await new Promise((r) => setTimeout(r, 100));
      s1 = await api.status();
    }
    await pause(2000);
    s1 = await api.status();
    out(`    status: ${s1.state.toUpperCase()} — ${s1.queue.pending} sale(s) waiting since ${s1.queue.oldestPendingAt ?? '—'}`);
    for (const p of s1.problems) out(`      ${p.message}`);
    out('');

    out('5. The connection is back: the agent delivers the queue by itself');
    draining = true;
    emulator.setFaults({});
    await waitFor('the queue to drain', () => saleIds.every((id) => states.get(id) === 'confirmed' || states.get(id) === 'rejected'));
    const s2 = await api.status();
    const docs = emulator.documents();
    const refs = docs.map((d) => d.reference);
    const dup = refs.length - new Set(refs).size;
    out(`    status: ${s2.state.toUpperCase()} — queue ${s2.queue.pending}, last successful exchange ${s2.tracking.lastSuccessAt ?? 'never'}`);
    out(`    the tracking system holds ${docs.length} sale document(s) for ${saleIds.length} sales, ${dup} duplicate(s)`);
    const elapsedMs = Date.now() - t0;
    out('');
    out(`Done in ${(elapsedMs / 1000).toFixed(1)} s. To try it by hand: \`npx tanba emulator --port 7316\` in one terminal,`);
    out('  `TANBA_TRACKING_LOGIN=demo TANBA_TRACKING_PASSWORD=demo npx tanba agent --tracking-url http://127.0.0.1:7316` in another,');
    out('  then open http://127.0.0.1:7315/ and POST codes and sales to it (see README, "The store agent").');
    return {
      decisions,
      sales: saleIds.map((id) => ({ id, state: states.get(id) ?? 'unknown' })),
      documents: docs.length,
      duplicateDocuments: dup,
      elapsedMs,
    };
  } finally {
    await scanner.close();
    await wedge.close();
    await agent?.close().catch(() => undefined);
    await agent?.terminal.close().catch(() => undefined);
    await emulator?.close().catch(() => undefined);
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}
