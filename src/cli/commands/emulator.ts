/** `tanba emulator [--port N] [--host H] [--seed N] [--processing-delay MS] [--codes FILE]`: run the tracking-system emulator. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { createEmulator } from '../../emulator/index.js';
import { faultsSchema } from '../../emulator/schemas.js';

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
      const emu = await createEmulator({
        port,
        host: o.host,
        seed: Number(o.seed) || 1,
        processingDelayMs: Math.max(0, Number(o.processingDelay) || 0),
        ...(o.faults ? { faults: faultsSchema.parse(JSON.parse(o.faults)) } : {}),
      });
      if (o.codes) {
        const body = JSON.parse(readFileSync(o.codes, 'utf8')) as { codes?: unknown };
        emu.seedCodes((Array.isArray(body) ? body : body.codes) as never);
      }
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
