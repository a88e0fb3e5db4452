/**
 * A chain on one PostgreSQL store: two agents (in-process terminals) and a `tanba relay` worker
 * process share the queue of four registers on the Webkassa emulator. The worker is SIGKILLed
 * mid-run and started again. Every acknowledged sale is exactly one receipt, each register's
 * receipts are in the order they were acknowledged, and a code sold through one agent is refused
 * by the other before the tracking system knows ("sold in this chain").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openTerminal } from '../../src/batteries.js';
import { createWebkassaEmulator } from '../../src/emulator/webkassa/index.js';
import type { TanbaTerminal } from '../../src/terminal/terminal.js';
import { tempDir } from '../outbox/helpers.js';
import { startPostgres } from '../support/postgres.js';
import { markCode, saleInput } from '../support/receipts.js';

const cluster = await startPostgres();
const emu = await createWebkassaEmulator({ cashboxes: 4 });
const tmp = tempDir('tanba-chain-');
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const c of children) killGroup(c, 'SIGKILL');
  await emu.close();
  await cluster.stop();
  tmp.cleanup();
});

const REGISTERS = [1, 2, 3, 4].map((i) => ({ id: `store7-till${i}`, cashbox: `SWK0000000${i}` }));
const fiscalBase = { channel: 'webkassa' as const, url: emu.url, apiKey: 'WKD-demo', login: 'demo@webkassa.kz', password: 'demo', timeoutMs: 2000 };

function killGroup(p: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (p.pid) process.kill(-p.pid, signal);
  } catch {
    /* already gone */
  }
}

function startRelay(configFile: string): Promise<ChildProcess> {
  const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
  // Its own process group: tsx runs the program in a child, and a SIGKILL must reach that child too.
  const p = spawn(tsx, ['src/cli/main.ts', 'relay', '--config', configFile, '--db', cluster.url], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(p);
  return new Promise((resolve, reject) => {
    let out = '';
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('delivering for')) resolve(p);
    });
    p.on('exit', (code) => reject(new Error(`tanba relay exited ${code}: ${out}`)));
  });
}

describe('a chain on one PostgreSQL store', () => {
  it('two agents and a relay worker (killed once) deliver every receipt exactly once, in order per register', async () => {
    const schema = cluster.newSchema('chain');
    const configFile = join(tmp.dir, 'relay.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        store: { kind: 'postgres', url: cluster.url, schema },
        fiscal: fiscalBase,
        registers: REGISTERS.map((r) => ({ id: r.id, fiscal: { cashbox: r.cashbox } })),
        relay: { leaseSeconds: 3, reconcileDelayMs: 20, retryMinMs: 20, retryMaxMs: 200 },
        log: { level: 'silent' },
      }),
    );
    const open = () =>
      openTerminal({
        store: { kind: 'postgres', url: cluster.url, schema },
        registers: REGISTERS.map((r) => ({ id: r.id, fiscal: { ...fiscalBase, cashbox: r.cashbox } })),
        tracking: null,
        relay: { leaseMs: 3000, policy: { reconcileDelayMs: 20, quickDelayMs: 10, backoff: { minDelayMs: 20, maxDelayMs: 200 } } },
      });
    const agents: TanbaTerminal[] = [await open(), await open()];
    let relay = await startRelay(configFile);
    emu.setFaults({ latencyMs: 3 });
    try {
      const acked = new Map<string, string[]>(REGISTERS.map((r) => [r.id, []]));
      let total = 0;
      let killed = false;
      await Promise.all(
        REGISTERS.map(async (r, ri) => {
          for (let i = 0; i < 12; i++) {
            const id = `${r.id}-${i}`;
            // Alternate the agent a till talks to: order is the order of acknowledgement.
            await agents[(i + ri) % 2].recordSale(saleInput(id, { n: 5000 + ri * 100 + i, registerId: r.id }));
            acked.get(r.id)!.push(id);
            if (++total === 20 && !killed) {
              killed = true;
              killGroup(relay, 'SIGKILL');
              relay = await startRelay(configFile);
            }
          }
        }),
      );
      const deadline = Date.now() + 60_000;
      for (;;) {
        const f = await agents[0].fleet();
        if (f.totals.pending === 0) break;
        if (Date.now() > deadline) throw new Error(`not drained: ${JSON.stringify(f.totals)}`);
        await new Promise((res) => setTimeout(res, 50));
      }
      for (const r of REGISTERS) {
        const got = emu.receipts().filter((x) => x.cashbox === r.cashbox && x.externalCheckNumber.startsWith(r.id)).map((x) => x.externalCheckNumber);
        expect(got).toEqual(acked.get(r.id));
      }
      expect(emu.requests().filter((x) => x.errorCodes.includes(9))).toEqual([]); // never two requests at once on one cashbox
      const fleet = await agents[1].fleet();
      expect(fleet.registers.map((x) => x.id).sort()).toEqual(REGISTERS.map((r) => r.id).sort());
      expect(fleet.totals).toMatchObject({ pending: 0, deadLetters: 0 });
      // Sold in this chain: sold through agent 0, refused by agent 1.
      const d = await agents[1].check(markCode(5000));
      expect(d.reasons.map((x) => x.code)).toContain('sold-here');
    } finally {
      killGroup(relay, 'SIGTERM');
      for (const a of agents) await a.close();
    }
  }, 120_000);
});
