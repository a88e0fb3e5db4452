/** `tanba emulator [--port N] [--host H] [--seed N] [--processing-delay MS] [--codes FILE]`: run the tracking-system emulator. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createEmulator } from '../../emulator/index.js';
import { faultsSchema, seedBodySchema, type Faults, type SeedCode } from '../../emulator/schemas.js';

export function registerEmulator(program: Command): void {
  program
    .command('emulator')
    .description('Run a tracking-system emulator (xTrace and True API families) with fault injection, on 127.0.0.1')
    .option('--port <n>', 'port to listen on (0 = any free port)', '0')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--seed <n>', 'seed for fault injection', '1')
    .option('--processing-delay <ms>', 'how long documents stay in process', '0')
    .option('--codes <file>', 'JSON file with {"codes":[{code,status,…}]} to seed')
    .option('--faults <json>', 'initial faults, e.g. \'{"latencyMs":200,"rateLimitPerMinute":100}\'')
    .action(async (o: { port: string; host: string; seed: string; processingDelay: string; codes?: string; faults?: string }) => {
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
      const emu = await createEmulator({
        port,
        host: o.host,
        seed: Number(o.seed) || 1,
        processingDelayMs: Math.max(0, Number(o.processingDelay) || 0),
        ...(faults ? { faults } : {}),
        ...(codes ? { codes } : {}),
      });
      process.stdout.write(`${emu.url}\n`);
      process.stderr.write(
        `tanba emulator listening on ${emu.url}\n` +
          `  xTrace: login demo / demo; True API: X-API-KEY demo-api-key, test signer\n` +
          `  admin: POST ${emu.url}/_emulator/codes | /_emulator/faults, GET ${emu.url}/_emulator/documents\n`,
      );
      const stop = (): void => {
        void emu.close().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
}
