/**
 * The agent's logger: pino JSON lines, tokens, passwords and customer contacts redacted, rotated files via pino-roll
 * when `log.file` is set (otherwise stderr, so stdout stays for the CLI's own output).
 */
import { pino, type Logger } from 'pino';
import type { AgentConfig } from './config.js';

/** Paths pino replaces with `[redacted]` wherever they appear in a log record. */
export const redactPaths = [
  'token',
  'password',
  'apiKey',
  '*.token',
  '*.password',
  '*.apiKey',
  '*.*.token',
  '*.*.password',
  '*.*.apiKey',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'config.http.token',
  'config.tracking.password',
  'config.tracking.apiKey',
  'config.fiscal.password',
  'config.fiscal.apiKey',
  'config.registers[*].fiscal.password',
  'config.registers[*].fiscal.apiKey',
  // Customer contacts of e-receipts: personal data, never in a log line.
  'customer',
  '*.customer',
  '*.*.customer',
  'CustomerEmail',
  'CustomerPhone',
  'CustomerXin',
  '*.CustomerEmail',
  '*.CustomerPhone',
  '*.CustomerXin',
  'extensionOptions',
  '*.extensionOptions',
];

const transports = new WeakMap<Logger, { end(): void; once(event: 'close', fn: () => void): unknown }>();

/** Flushes and ends a file logger's transport (its worker thread); a no-op for other loggers. */
export async function closeLogger(logger: Logger): Promise<void> {
  const t = transports.get(logger);
  if (!t) return;
  transports.delete(logger);
  await new Promise<void>((resolve) => {
    t.once('close', resolve);
    t.end();
  });
}

export function createLogger(config: Pick<AgentConfig, 'log'>, opts: { destination?: NodeJS.WritableStream } = {}): Logger {
  const base = { level: config.log.level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { app: 'tanba-agent' } };
  if (opts.destination) return pino(base, opts.destination);
  if (config.log.file) {
    const transport = pino.transport({
      target: 'pino-roll',
      options: {
        file: config.log.file,
        size: config.log.rotateSize,
        frequency: config.log.rotateFrequency,
        mkdir: true,
        limit: { count: config.log.keep },
      },
    });
    const logger = pino(base, transport);
    transports.set(logger, transport);
    return logger;
  }
  return pino(base, pino.destination({ fd: 2, sync: false }));
}
