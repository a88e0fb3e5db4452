/**
 * `tanba emulator [--system NAME…] [--port N] [--host H] [--seed N] [--processing-delay MS] [--codes FILE]`:
 * run emulators of the external systems, each on its own listener speaking its real paths at its
 * root, each printing "<system> <url>" on stdout. `tracking` (xTrace + True API, the default), `webkassa`, `rekassa`.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createEmulator } from '../../emulator/index.js';
import { createRekassaEmulator } from '../../emulator/rekassa/index.js';
import { createWebkassaEmulator } from '../../emulator/webkassa/index.js';
import { createAtolEmulator } from '../../emulator/atol/index.js';
import { createTsPiotEmulator } from '../../emulator/tspiot/index.js';
import { createLocalModuleEmulator } from '../../emulator/local-module/index.js';
import { createUzFiscalModuleEmulator } from '../../emulator/uz-fiscal-module/index.js';
import { createMultikassaEmulator } from '../../emulator/multikassa/index.js';

const SYSTEMS = ['tracking', 'xtrace', 'true-api', 'webkassa', 'rekassa', 'atol', 'tspiot', 'local-module', 'uz-fiscal-module', 'multikassa'] as const;
type SystemName = (typeof SYSTEMS)[number];
import { faultsSchema, seedBodySchema, type Faults, type SeedCode } from '../../emulator/schemas.js';

export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description('Run emulators of the tracking systems (xTrace, True API) and cash registers (Webkassa, re:Kassa) with fault injection, on 127.0.0.1')
    .option('--system <name...>', `systems to run, each on its own port: ${SYSTEMS.join(', ')}`, ['tracking'])
    .option('--port <n>', 'port of the first system (0 = any free port; the others take free ports)', '0')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--seed <n>', 'seed for fault injection', '1')
    .option('--processing-delay <ms>', 'how long documents stay in process', '0')
    .option('--codes <file>', 'JSON file with {"codes":[{code,status,…}]} to seed')
    .option('--faults <json>', 'initial faults, e.g. \'{"latencyMs":200,"rateLimitPerMinute":100}\'')
    .action(async (o: { system: string[]; port: string; host: string; seed: string; processingDelay: string; codes?: string; faults?: string }) => {
      const wanted = [...new Set(o.system.flatMap((x) => x.split(',')).map((x) => (x === 'xtrace' || x === 'true-api' ? 'tracking' : x)))] as SystemName[];
      const bad = wanted.filter((w) => !(SYSTEMS as readonly string[]).includes(w));
      if (bad.length) throw new Error(`--system: unknown ${bad.join(', ')}; choose from ${SYSTEMS.join(', ')}`);
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${o.port}`);
      // Validate every input before listening, so a bad file never leaves a half-started server.
      let codes: SeedCode[] | undefined;
      if (o.codes) {
        const raw = JSON.parse(readFileSync(o.codes, 'utf8')) as unknown;
        const parsed = seedBodySchema.safeParse(Array.isArray(raw) ? { codes: raw } : raw);
        if (!parsed.success) throw new Error(`--codes ${o.codes}: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
        codes = parsed.data.codes;
      }
      let faults: Faults | undefined;
      if (o.faults) {
        const parsed = faultsSchema.safeParse(JSON.parse(o.faults));
        if (!parsed.success) throw new Error(`--faults: ${parsed.error.issues[0]?.path.join('.')}: ${parsed.error.issues[0]?.message}`);
        faults = parsed.data;
      }
      const seed = Number(o.seed) || 1;
      const closers: (() => Promise<void>)[] = [];
      for (const [i, system] of wanted.entries()) {
        const p = i === 0 ? port : 0;
        if (system === 'tracking') {
          const emu = await createEmulator({ port: p, host: o.host, seed, processingDelayMs: Math.max(0, Number(o.processingDelay) || 0), ...(faults ? { faults } : {}), ...(codes ? { codes } : {}) });
          closers.push(() => emu.close());
          process.stdout.write(wanted.length === 1 ? `${emu.url}\n` : `tracking ${emu.url}\n`);
          process.stderr.write(`tracking emulator on ${emu.url}: xTrace login demo / demo; True API X-API-KEY demo-api-key; admin ${emu.url}/_emulator/\n`);
        } else if (system === 'webkassa') {
          const emu = await createWebkassaEmulator({ port: p, host: o.host, seed });
          closers.push(() => emu.close());
          process.stdout.write(`webkassa ${emu.url}\n`);
          process.stderr.write(`webkassa emulator on ${emu.url}: x-api-key WKD-demo, login demo@webkassa.kz / demo, cashboxes SWK00000001…SWK00000004; GET ${emu.url}/_emulator/receipts\n`);
        } else if (system === 'atol') {
          const emu = await createAtolEmulator({ port: p, host: o.host, seed });
          closers.push(() => emu.close());
          process.stdout.write(`atol ${emu.url}\n`);
          process.stderr.write(`ATOL web server emulator on ${emu.url}: POST /api/v2/requests, GET /api/v2/requests/{uuid}; GET ${emu.url}/_emulator/receipts\n`);
        } else if (system === 'tspiot' || system === 'local-module') {
          const emu = system === 'tspiot' ? await createTsPiotEmulator({ port: p, host: o.host, seed }) : await createLocalModuleEmulator({ port: p, host: o.host, seed });
          closers.push(() => emu.close());
          process.stdout.write(`${system} ${emu.url}\n`);
          process.stderr.write(`${system === 'tspiot' ? 'ТС ПИоТ' : 'Local Module'} emulator on ${emu.url}; admin ${emu.url}/_emulator/\n`);
        } else if (system === 'uz-fiscal-module') {
          const emu = await createUzFiscalModuleEmulator({ port: p, host: o.host, seed });
          closers.push(() => emu.close());
          process.stdout.write(`uz-fiscal-module ${emu.rpcUrl}\n`);
          process.stderr.write(`UZ fiscal module emulator (JSON-RPC) on ${emu.rpcUrl}: modules LG420230630021, LG420230630022; GET ${emu.url}/_emulator/receipts\n`);
        } else if (system === 'multikassa') {
          const emu = await createMultikassaEmulator({ port: p, host: o.host, seed });
          closers.push(() => emu.close());
          process.stdout.write(`multikassa ${emu.url}\n`);
          process.stderr.write(`Multikassa emulator on ${emu.url}: POST /api/v1/operations; GET ${emu.url}/_emulator/receipts\n`);
        } else if (system === 'rekassa') {
          const emu = await createRekassaEmulator({ port: p, host: o.host, seed });
          closers.push(() => emu.close());
          process.stdout.write(`rekassa ${emu.url}\n`);
          process.stderr.write(`re:Kassa emulator on ${emu.url}: apiKey rekassa-demo-key, cash registers 101…104 (RK00000101… / demo); GET ${emu.url}/_emulator/receipts\n`);
        }
      }
      const stop = (): void => {
        void Promise.all(closers.map((c) => c())).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
