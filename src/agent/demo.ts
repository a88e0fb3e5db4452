/**
 * `tanba demo`: one command, no setup. Starts the tracking-system emulator (xTrace, for the
 * pre-sale check) seeded with a realistic mix, the Webkassa emulator (the cloud cash register),
 * and the agent on real HTTP with two registers, each on its own Webkassa cashbox; a simulated
 * USB-COM scanner and a keyboard-wedge scanner. It prints each decision, sells receipts through the
 * HTTP API with `?wait=` (the fiscal sign in the answer), takes Webkassa away to show receipts
 * queueing, brings it back to show them fiscalised in order, repeats a sale id, and returns an
 * item against its sale's fiscal receipt. Ends by itself; every wait is bounded; `fast` shortens
 * the pauses (for tests).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Decision, Language } from '../decision/types.js';
import { createEmulator, type Emulator, type SeedCode } from '../emulator/index.js';
import { createWebkassaEmulator, type WebkassaEmulator, type WebkassaReceiptView } from '../emulator/webkassa/index.js';
import type { SaleView } from '../outbox/ports.js';
import type { SaleInput, SaleLineInput } from '../sale/schema.js';
import { type Agent, createAgent } from './agent.js';
import { AgentApiError, AgentClient, type AgentStatus } from './client.js';
import { defaultConfig } from './config.js';
import { beerCode, clothesCode, dairyCode, type DemoCode, prng, typedUnderKazakhLayout, typedUnderRussianLayout, waterCode, withoutGs } from './demo-codes.js';
import { SimulatedScanner } from './simulated-scanner.js';
import { createTerminalFromConfig } from './terminal-factory.js';

export interface DemoOptions {
  /** Short pauses (the whole run in a few seconds). */
  fast?: boolean;
  /** Where to print (default stdout). */
  out?: (line: string) => void;
  /** Give up (and fail) after this long. Default 30 s with `fast`, else 60 s. */
  deadlineMs?: number;
  /** Language of cashier messages. Default en. */
  language?: Language;
  /** Keep the database folder (default: removed at the end). */
  keep?: boolean;
}

/** One receipt Webkassa issued, as the demo saw it at the end. */
export interface DemoIssued {
  cashbox: string;
  /** 2 = sale, 3 = sale return. */
  operationType: number;
  fiscalSign: string;
  externalCheckNumber: string;
  /** The tanba receipt id it belongs to (matched by fiscal sign), or null when none matches. */
  receiptId: string | null;
  /** A return: the fiscal sign its ReturnBasisDetails names. */
  basisFiscalSign: string | null;
}

export interface DemoResult {
  decisions: Decision[];
  /** Every receipt the demo recorded (sales and the return), in recording order, final state. */
  receipts: { id: string; type: 'sale' | 'return'; registerId: string; state: SaleView['state']; fiscalSign: string | null }[];
  /** What the Webkassa emulator issued, in issue order. */
  issued: DemoIssued[];
  /** Per register: the receipts recorded during the outage, and the order Webkassa issued them in. */
  outage: { registerId: string; recorded: string[]; issued: string[] }[];
  /** Every register's queue was issued in recording order. */
  inOrder: boolean;
  /** Receipts Webkassa issued beyond one per tanba receipt (0 = no double receipt). */
  duplicateReceipts: number;
  /** The id sent twice, and how many receipts Webkassa holds for it. */
  repeated: { id: string; receiptsAtWebkassa: number };
  /** The return: its fiscal sign and the basis Webkassa accepted. */
  return: { id: string; saleId: string; fiscalSign: string | null; basisFiscalSign: string | null; acceptedBasis: string | null } | null;
  elapsedMs: number;
}

const SELLER = '990140000385';
const REGISTERS = [
  { id: 'till-1', cashbox: 'SWK00000001' },
  { id: 'till-2', cashbox: 'SWK00000002' },
] as const;

/** Tiyn as tenge, e.g. 135000 → "1 350.00 ₸". */
const tenge = (tiyn: number): string => `${(tiyn / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ' ')} ₸`;
const short = (s: string, n = 40): string => (s.length > n ? `${s.slice(0, n)}…` : s);

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  const t0 = Date.now();
  const deadline = t0 + (opts.deadlineMs ?? (opts.fast ? 30_000 : 60_000));
  // Pacing for a human reader only; every step waits for what it shows, never for a time.
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, opts.fast ? Math.min(ms, 100) : ms));
  const waitMs = opts.fast ? 5000 : 7000; // ?wait= for a sale: the 7 s per operation of order №626 item 25
  const outageWaitMs = opts.fast ? 300 : 1500; // the POS still asks to wait; the answer comes back 202 in time
  const rnd = prng(20251125);
  const past = new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10);

  const valid: DemoCode[] = [waterCode(rnd, 'Water 0.5 l'), clothesCode(rnd, 'T-shirt'), beerCode(rnd, 'Beer 0.5 l'), waterCode(rnd, 'Water 1.5 l')];
  const sold = dairyCode(rnd, 'Kefir 1 l');
  const blocked = beerCode(rnd, 'Beer 0.33 l');
  const expired = dairyCode(rnd, 'Yoghurt 0.4 l');
  const garbledRu = clothesCode(rnd, 'Socks');
  const garbledKz = waterCode(rnd, 'Water 5 l');
  const outageItems = [waterCode(rnd, 'Water 0.33 l'), beerCode(rnd, 'Beer 1 l'), clothesCode(rnd, 'Cap'), waterCode(rnd, 'Water 2 l')];
  const seed: SeedCode[] = [
    ...[...valid, garbledRu, garbledKz, ...outageItems].map((c) => ({ code: c.ki, status: 'INTRODUCED', ownerTin: SELLER, productGroup: c.group })),
    { code: sold.ki, status: 'WITHDRAWN', ownerTin: SELLER, productGroup: sold.group },
    // xTrace's public answer has no block flag: a written-off code is what the national system refuses.
    { code: blocked.ki, status: 'WRITTEN_OFF', ownerTin: SELLER, productGroup: blocked.group },
    { code: expired.ki, status: 'INTRODUCED', ownerTin: SELLER, expiresAt: past, productGroup: expired.group },
  ];
  const prices: Record<DemoCode['group'], number> = { water: 25_000, clothes: 450_000, beer: 65_000, dairy: 52_000 };
  const line = (c: DemoCode, code: string = c.km): SaleLineInput => ({ name: c.label, price: prices[c.group], quantity: 1, codes: [code] });

  const dir = mkdtempSync(join(tmpdir(), 'tanba-demo-'));
  let tracking: Emulator | null = null;
  let webkassa: WebkassaEmulator | null = null;
  let agent: Agent | null = null;
  const scanner = new SimulatedScanner('/dev/ttyACM0 (simulated)');
  const wedge = new SimulatedScanner('keyboard wedge (simulated)');
  try {
    tracking = await createEmulator({ port: 0, codes: seed });
    webkassa = await createWebkassaEmulator({ port: 0, cashboxes: REGISTERS.map((r) => r.cashbox) });
    const config = defaultConfig({
      language: opts.language ?? 'en',
      http: { port: 0 },
      db: { path: join(dir, 'tanba.db') },
      tracking: { url: tracking.url, family: 'xtrace', login: 'demo', password: 'demo', timeoutMs: 2000 },
      // The account settings every register shares; each register names its own cashbox.
      fiscal: { channel: 'webkassa', url: webkassa.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', password: 'demo', timeoutMs: 2000 },
      registers: REGISTERS.map((r) => ({ id: r.id, fiscal: { cashbox: r.cashbox } })),
      vatRate: 16,
      decision: { budgetMs: 1000 },
      relay: { retryMinMs: 200, retryMaxMs: 800, attemptsPerClaim: 1, reconcileDelayMs: 200 },
      sellers: [{ tin: SELLER, name: 'Demo store', registers: REGISTERS.map((r) => r.id) }],
      log: { level: 'silent' },
    });
    const logger = pino({ level: 'silent' });
    const baseTerminal = await createTerminalFromConfig({ ...config }, logger, { scanners: [scanner, wedge] });
    agent = await createAgent({ config, terminal: baseTerminal, logger, processMetrics: false });
    const terminal = agent.terminal;
    const api = new AgentClient(agent.url, { timeoutMs: waitMs + 5000 });

    out('tanba demo — a till with two cash registers, two scanners, the agent, and emulated Webkassa and tracking system');
    out(`  tracking system (emulator, xTrace)      ${tracking.url}  — ${seed.length} codes seeded, for the pre-sale check`);
    out(`  Webkassa (emulator, cloud cash register) ${webkassa.url}  — cashboxes ${REGISTERS.map((r) => r.cashbox).join(', ')}`);
    out(`  agent                                   ${agent.url}  — status page ${agent.url}/  API ${agent.url}/openapi.json`);
    for (const r of REGISTERS) out(`    register ${r.id} → Webkassa cashbox ${r.cashbox}`);
    out(`  receipt outbox (SQLite)                 ${config.db.path}`);
    out('');

    const decisions: Decision[] = [];
    const views = new Map<string, SaleView>();
    const wakers: (() => void)[] = [];
    let announce = false;
    terminal.on('decision', (d: Decision) => {
      decisions.push(d);
      for (const w of wakers.splice(0)) w();
    });
    terminal.on('receipt', (v: SaleView) => {
      const prev = views.get(v.id);
      views.set(v.id, v);
      if (announce && v.state === 'fiscalised' && prev?.state !== 'fiscalised') {
        const waiting = [...views.values()].filter((x) => x.state !== 'fiscalised' && x.state !== 'rejected' && x.state !== 'recorded').length;
        out(`      ${v.registerId}  receipt ${v.id.padEnd(7)} fiscalised  fiscal sign ${v.fiscal?.fiscalSign}  (${waiting} still unsent)`);
      }
      if (announce && v.state === 'rejected' && prev?.state !== 'rejected') out(`      ${v.registerId}  receipt ${v.id} REJECTED: ${v.reasons.map((x) => x.message).join('; ')}`);
      for (const w of wakers.splice(0)) w();
    });
    /** Waits until `cond` holds, re-checking on every decision or receipt event (and every 250 ms), up to the deadline. */
    const waitFor = async (what: string, cond: () => boolean | Promise<boolean>): Promise<void> => {
      while (!(await cond())) {
        if (Date.now() > deadline) throw new Error(`demo: gave up after ${Math.round((Date.now() - t0) / 1000)} s waiting for ${what}`);
        await new Promise<void>((r) => {
          const timer = setTimeout(r, 250);
          wakers.push(() => {
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
    const viaPos = async (label: string, text: string, registerId = 'till-1'): Promise<Decision> => {
      const d = await api.check(text, { registerId });
      show(label, d);
      out(`            typed as ${JSON.stringify(short(text))}`);
      await pause(250);
      return d;
    };
    /** POST /v1/sales?wait=… and say what came back: 201 with the fiscal sign, or 202 queued. */
    const sell = async (sale: SaleInput, wait: number, note = ''): Promise<SaleView> => {
      const v = await api.recordSale(sale, { waitMs: wait });
      views.set(v.id, v);
      const total = sale.lines!.reduce((s, l) => s + l.price * (l.quantity ?? 1), 0);
      const head = `    POST /v1/sales?wait=${wait} ${sale.id} ${sale.registerId} (${sale.lines!.length} line${sale.lines!.length === 1 ? '' : 's'}, ${tenge(total)})${note}`;
      out(v.fiscal ? `${head} → 201 ${v.state}, fiscal sign ${v.fiscal.fiscalSign}` : `${head} → 202 ${v.state}: on disk, the fiscal sign comes later`);
      return v;
    };
    const status = (): Promise<AgentStatus> => api.status();
    const printRegisters = (s: AgentStatus, showProblems = true): void => {
      out(`    status: ${s.state.toUpperCase()}`);
      for (const r of s.registers) {
        const queue = r.pending ? `${r.pending} unsent since ${r.oldestUnsentAt ?? '—'}` : 'nothing unsent';
        const left = r.hoursLeft !== null ? `, ${r.hoursLeft} h left before the 72 h block` : '';
        const err = r.state !== 'ok' && r.lastError ? `\n             last error: ${short(r.lastError, 90)}` : '';
        out(`      ${r.id}  ${r.channel ?? 'no channel'}  ${r.state.toUpperCase().padEnd(11)} ${queue}${left}${err}`);
      }
      if (showProblems) for (const p of s.problems) out(`      problem: ${p.message}`);
      else if (s.problems.length) out(`      (${s.problems.length} problem(s) from the outage stay listed until the next health probe of the cash register, at most 30 s)`);
    };

    out('1. The USB-COM scanner reads codes; the agent checks each one with the tracking system (1 s budget)');
    for (const c of valid) await scanAndWait(c.label, c.km);
    await scanAndWait(`${sold.label} (already sold)`, sold.km);
    await scanAndWait(`${blocked.label} (written off)`, blocked.km);
    await scanAndWait(`${expired.label} (expired)`, expired.km);
    out('');

    out('2. Keyboard-wedge scanners type what the keyboard layout makes of the code; tanba repairs it');
    const ruTyped = typedUnderRussianLayout(garbledRu.km);
    await scanAndWait(`${garbledRu.label} (Russian layout)`, new Uint8Array(Buffer.from(ruTyped, 'utf8')), wedge);
    out(`            typed as ${JSON.stringify(short(ruTyped))}`);
    out('   …and one typing into the POS, which asks the agent (POST /v1/codes/check):');
    const kzTyped = typedUnderKazakhLayout(withoutGs(garbledKz.km));
    const kzDecision = await viaPos(`${garbledKz.label} (Kazakh layout, GS lost)`, kzTyped);
    await viaPos('Torn label (a digit misread)', `${valid[0].km.slice(0, 10)}${(Number(valid[0].km[10]) + 1) % 10}${valid[0].km.slice(11)}`);
    out('');

    out(`3. The cashier sells: the POS sends each receipt and waits for the fiscal sign (POST /v1/sales?wait=${waitMs} → 201 with it)`);
    const recorded: string[] = [];
    const r1001: SaleInput = {
      id: 'R-1001',
      registerId: 'till-1',
      lines: [line(valid[0]), line(valid[1]), line(garbledKz, kzTyped)],
      payments: [{ type: 'card', amount: prices.water * 2 + prices.clothes }],
    };
    const v1001 = await sell(r1001, waitMs);
    recorded.push(r1001.id);
    const kzIssued = webkassa.receipts().find((x) => x.checkNumber === v1001.fiscal?.fiscalSign);
    const kzMark = withoutGs(garbledKz.km);
    out(`      the ${garbledKz.label} line went in as typed under the Kazakh layout; Webkassa got the repaired code ${kzIssued?.marks.includes(kzMark) ? `${short(kzMark, 31)} ✔` : 'NOT (unexpected)'}`);
    if (kzDecision.code.km !== garbledKz.km) out('      (unexpected: the check did not repair the Kazakh-layout code)');
    const r1002: SaleInput = { id: 'R-1002', registerId: 'till-2', lines: [line(valid[2]), line(garbledRu, ruTyped), line(valid[3])], payments: [{ type: 'cash', amount: 600_000 }] };
    await sell(r1002, waitMs, ', paid 6 000.00 cash');
    recorded.push(r1002.id);
    await viaPos(`${valid[0].label} again (sold in R-1001)`, valid[0].km);
    await pause(500);
    out('');

    out('4. The internet link drops: Webkassa, the cloud cash register, answers 503 to every call (and so does the tracking system)');
    webkassa.setFaults({ outage: true });
    tracking.setFaults({ outage: true });
    out('   The check still answers within its budget, from what the agent knows locally:');
    await viaPos(`${outageItems[0].label} (during the outage)`, outageItems[0].km);
    out('   Receipts are kept on disk and queued per register:');
    const plan = [
      { id: 'R-1101', registerId: 'till-1', item: outageItems[0] },
      { id: 'R-1102', registerId: 'till-1', item: outageItems[1] },
      { id: 'R-1103', registerId: 'till-1', item: outageItems[2] },
      { id: 'R-1104', registerId: 'till-2', item: outageItems[3] },
    ];
    const outageSales = new Map<string, SaleInput>();
    for (const p of plan) {
      const sale: SaleInput = { id: p.id, registerId: p.registerId, lines: [line(p.item)] };
      outageSales.set(p.id, sale);
      await sell(sale, outageWaitMs);
      recorded.push(p.id);
    }
    const again = await api.recordSale(outageSales.get('R-1102')!, { waitMs: outageWaitMs });
    out(`    POST /v1/sales R-1102 again (the POS lost the answer and retries) → 202 ${again.state}: the same receipt, not a second one`);
    await waitFor('both registers to show the outage', async () => {
      const s = await status();
      return REGISTERS.every((r) => s.registers.find((x) => x.id === r.id)?.state === 'unreachable');
    });
    await pause(1500);
    printRegisters(await status());
    out('');

    out('5. The link is back: the agent sends each register\'s queue by itself, in the order the receipts were recorded');
    announce = true;
    tracking.setFaults({});
    webkassa.setFaults({});
    await waitFor('the queue to drain', () => plan.every((p) => ['fiscalised', 'rejected'].includes(views.get(p.id)?.state ?? '')));
    announce = false;
    const byFiscalSign = new Map([...views.values()].filter((v) => v.fiscal).map((v) => [v.fiscal!.fiscalSign, v.id]));
    const outage = REGISTERS.map((r) => ({
      registerId: r.id,
      recorded: plan.filter((p) => p.registerId === r.id).map((p) => p.id),
      issued: webkassa!
        .receipts()
        .filter((x) => x.cashbox === r.cashbox && x.operationType === 2)
        .map((x) => byFiscalSign.get(x.checkNumber) ?? x.checkNumber)
        .filter((id) => plan.some((p) => p.id === id)),
    }));
    const inOrder = outage.every((o) => o.recorded.join() === o.issued.join());
    for (const o of outage) out(`    Webkassa cashbox of ${o.registerId} issued ${o.issued.join(', ')} — recorded as ${o.recorded.join(', ')} ${o.recorded.join() === o.issued.join() ? '✔ in order' : '✘ OUT OF ORDER'}`);
    await waitFor('the registers to clear', async () => (await status()).registers.every((r) => r.state === 'ok'));
    printRegisters(await status(), false);
    out('');

    out('6. The same sale id twice is one receipt');
    const repeat = await api.recordSale(r1001, { waitMs });
    const atWebkassa = (v: SaleView | undefined): WebkassaReceiptView[] => webkassa!.receipts().filter((x) => v?.fiscal && x.checkNumber === v.fiscal.fiscalSign && x.cashbox === REGISTERS.find((r) => r.id === v.registerId)?.cashbox);
    const repeatedAt = atWebkassa(repeat).length;
    out(`    POST /v1/sales?wait=${waitMs} R-1001 again → ${repeat.fiscal ? 201 : 202} ${repeat.state}, fiscal sign ${repeat.fiscal?.fiscalSign ?? '—'} (${repeat.fiscal?.fiscalSign === v1001.fiscal?.fiscalSign ? 'the same one' : 'A DIFFERENT ONE'})`);
    const r1102 = views.get('R-1102');
    out(`    Webkassa holds ${repeatedAt} receipt for R-1001 and ${atWebkassa(r1102).length} for R-1102 (sent twice during the outage)`);
    const sales = webkassa.receipts().filter((x) => x.operationType === 2);
    const duplicateReceipts = sales.length - recorded.length;
    out(`    Webkassa issued ${sales.length} sale receipt(s) for ${recorded.length} sales: ${duplicateReceipts === 0 ? 'no double receipt ✔' : `${duplicateReceipts} TOO MANY`}`);
    out('');

    out('7. A customer brings the T-shirt back: a return receipt that names its sale (POST /v1/returns)');
    const ret = { id: 'RET-1001', saleId: 'R-1001', lines: [line(valid[1])], payments: [{ type: 'card' as const, amount: prices.clothes }] };
    let retView: SaleView | null = null;
    try {
      retView = await api.recordReturn(ret, { waitMs });
    } catch (e) {
      if (!(e instanceof AgentApiError)) throw e;
      out(`    POST /v1/returns → ${e.status} ${e.code}: ${e.message}`);
    }
    let acceptedBasis: string | null = null;
    if (retView) {
      views.set(retView.id, retView);
      const basis = v1001.fiscal;
      out(`    POST /v1/returns?wait=${waitMs} ${ret.id} for ${ret.saleId} (1 line, ${tenge(prices.clothes)}) → ${retView.fiscal ? 201 : 202} ${retView.state}${retView.fiscal ? `, fiscal sign ${retView.fiscal.fiscalSign}` : ''}`);
      if (basis)
        out(`      basis: sale ${ret.saleId}, fiscal sign ${basis.fiscalSign}, registration number ${basis.registrationNumber}, ${basis.dateTime}, total ${tenge(basis.total)}, ${basis.isOffline ? 'autonomous' : 'online'}`);
      const issuedReturn = webkassa.receipts().find((x) => x.operationType === 3 && retView?.fiscal && x.checkNumber === retView.fiscal.fiscalSign);
      acceptedBasis = (issuedReturn?.returnBasis as { CheckNumber?: string } | null | undefined)?.CheckNumber ?? null;
      out(
        issuedReturn
          ? `      Webkassa accepted it as a sell return (operation 3) with ReturnBasisDetails.CheckNumber ${acceptedBasis} ${acceptedBasis === basis?.fiscalSign ? '✔' : '✘ (not the sale)'}`
          : '      Webkassa did not issue the return (unexpected)',
      );
      await viaPos(`${valid[1].label} (returned, may be sold again)`, valid[1].km);
    }
    recorded.push(ret.id);

    const idOf = (x: WebkassaReceiptView): string | null => [...views.values()].find((v) => v.fiscal?.fiscalSign === x.checkNumber && v.type === (x.operationType === 3 ? 'return' : 'sale'))?.id ?? null;
    const issued: DemoIssued[] = webkassa.receipts().map((x) => ({
      cashbox: x.cashbox,
      operationType: x.operationType,
      fiscalSign: x.checkNumber,
      externalCheckNumber: x.externalCheckNumber,
      receiptId: idOf(x),
      basisFiscalSign: (x.returnBasis as { CheckNumber?: string } | null)?.CheckNumber ?? null,
    }));
    const elapsedMs = Date.now() - t0;
    out('');
    out(`Done in ${(elapsedMs / 1000).toFixed(1)} s. To try it by hand (in a checkout; \`npm run tanba -- …\` is the same command):`);
    out('  1. `npx tanba emulator --system tracking webkassa --port 7316` — prints the two URLs (webkassa on a free port)');
    out('  2. save as tanba.json, with the webkassa URL from step 1:');
    out('     {"tracking": {"url": "http://127.0.0.1:7316", "login": "demo"},');
    out('      "fiscal": {"channel": "webkassa", "url": "<webkassa URL>", "login": "demo@webkassa.kz"},');
    out('      "registers": [{"id": "till-1", "fiscal": {"cashbox": "SWK00000001"}}]}');
    out('  3. with the secrets in the environment, not in the file:');
    out('     `TANBA_TRACKING_PASSWORD=demo TANBA_FISCAL_API_KEY=WKD-demo TANBA_FISCAL_PASSWORD=demo npx tanba agent --config tanba.json`');
    out('     then open http://127.0.0.1:7315/');
    out('     and POST receipts to http://127.0.0.1:7315/v1/sales?wait=7000 (see README, "The store agent", and examples/).');
    const finalViews = await Promise.all(recorded.map(async (id) => (await api.sale(id).catch(() => null)) ?? views.get(id) ?? null));
    return {
      decisions,
      receipts: finalViews
        .filter((v): v is SaleView => v !== null)
        .map((v) => ({ id: v.id, type: v.type, registerId: v.registerId, state: v.state, fiscalSign: v.fiscal?.fiscalSign ?? null })),
      issued,
      outage,
      inOrder,
      duplicateReceipts,
      repeated: { id: 'R-1001', receiptsAtWebkassa: repeatedAt },
      return: retView ? { id: retView.id, saleId: ret.saleId, fiscalSign: retView.fiscal?.fiscalSign ?? null, basisFiscalSign: v1001.fiscal?.fiscalSign ?? null, acceptedBasis } : null,
      elapsedMs,
    };
  } finally {
    await scanner.close();
    await wedge.close();
    await agent?.close().catch(() => undefined);
    await agent?.terminal.close().catch(() => undefined);
    await webkassa?.close().catch(() => undefined);
    await tracking?.close().catch(() => undefined);
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether a demo run showed what it should: every receipt fiscalised once, in order, the return on its basis. */
export function demoProblems(r: DemoResult): string[] {
  const problems: string[] = [];
  const notFiscalised = r.receipts.filter((x) => x.state !== 'fiscalised');
  if (notFiscalised.length) problems.push(`not fiscalised: ${notFiscalised.map((x) => `${x.id} (${x.state})`).join(', ')}`);
  if (!r.inOrder) problems.push(`out of order: ${JSON.stringify(r.outage)}`);
  if (r.duplicateReceipts !== 0) problems.push(`${r.duplicateReceipts} double receipt(s) at Webkassa`);
  if (r.repeated.receiptsAtWebkassa !== 1) problems.push(`${r.repeated.receiptsAtWebkassa} receipts at Webkassa for ${r.repeated.id}`);
  if (!r.return?.fiscalSign || r.return.acceptedBasis !== r.return.basisFiscalSign) problems.push(`the return did not go out on its sale's basis: ${JSON.stringify(r.return)}`);
  return problems;
}
