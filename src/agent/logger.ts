/**
 * The agent's logger: pino JSON lines, tokens and passwords redacted, rotated files via pino-roll
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
];

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
    return pino(base, transport);
  }
  return pino(base, pino.destination({ fd: 2, sync: false }));
}
