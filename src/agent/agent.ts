/**
 * The agent process core: composes the terminal (decision + sale log + relay + scanners), the event
 * hub, metrics and the HTTP server; `close()` shuts down gracefully (stop intake, finish in-flight
 * writes, close the database).
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Terminal } from '../terminal/types.js';
import { type AgentConfig, redactConfig } from './config.js';
import { EventHub } from './events.js';
import { closeLogger, createLogger } from './logger.js';
import { type AgentMetrics, createMetrics } from './metrics.js';
import { buildServer } from './server.js';
import { statusSource } from './status.js';
import { createTerminalFromConfig } from './terminal-factory.js';
import { version } from './version.js';

export interface Agent {
  readonly config: AgentConfig;
  readonly terminal: Terminal;
  readonly logger: Logger;
  readonly server: FastifyInstance;
  readonly metrics: AgentMetrics;
  readonly hub: EventHub;
  /** e.g. `http://127.0.0.1:7315` (the real port when 0 was asked). */
  readonly url: string;
  readonly port: number;
  /** Stops intake, ends event streams, waits for in-flight requests and writes, closes the terminal. Idempotent. */
  close(): Promise<void>;
}

export interface CreateAgentOptions {
  config: AgentConfig;
  /** A terminal to serve; when absent one is built from `config` (and closed with the agent). */
  terminal?: Terminal;
  logger?: Logger;
  /** Collect Node process metrics too (default true). */
  processMetrics?: boolean;
}

export async function createAgent(opts: CreateAgentOptions): Promise<Agent> {
  const { config } = opts;
  const startedAt = new Date();
  const ownsLogger = !opts.logger;
  const logger = opts.logger ?? createLogger(config);
  const ownsTerminal = !opts.terminal;
  let terminal: Terminal;
  try {
    terminal = opts.terminal ?? (await createTerminalFromConfig(config, logger));
  } catch (err) {
    if (ownsLogger) await closeLogger(logger);
    throw err;
  }
  // A failed check of a scanned code (e.g. the database went away) is logged, never a crash.
  const onTerminalError = (err: unknown): void => logger.error({ err }, 'terminal error');
  terminal.on('error', onTerminalError);
  const status = statusSource(terminal, config, startedAt);
  const registerOf = (path: string): string | undefined => config.scanners.find((s) => s.path === path)?.registerId;
  const hub = new EventHub(terminal, { onError: (err) => logger.warn({ err }, 'event delivery failed'), status, registerOf });
  const metrics = createMetrics(terminal, { defaultMetrics: opts.processMetrics, status });
  let server: FastifyInstance;
  try {
    server = await buildServer({ config, terminal, hub, metrics, logger, startedAt, status });
    await server.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    hub.close();
    metrics.close();
    terminal.off('error', onTerminalError);
    if (ownsTerminal) await terminal.close().catch(() => undefined);
    if (ownsLogger) await closeLogger(logger);
    throw listenError(err, config);
  }
  const addr = server.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.http.port;
  const host = config.http.host.includes(':') && !config.http.host.startsWith('[') ? `[${config.http.host}]` : config.http.host;
  // Bound to every address: tell local clients the loopback one.
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${port}`;
  logger.info({ url, version, config: redactConfig(config) }, 'agent listening');

  let closing: Promise<void> | null = null;
  return {
    config,
    terminal,
    logger,
    server,
    metrics,
    hub,
    url,
    port,
    close() {
      closing ??= (async () => {
        logger.info('agent stopping');
        // In-flight requests finish; a connection still open after the grace period is cut.
        const grace = setTimeout(() => server.server.closeAllConnections(), 10_000);
        grace.unref();
        await server.close();
        clearTimeout(grace);
        hub.close();
        metrics.close();
        if (ownsTerminal) await terminal.close();
        terminal.off('error', onTerminalError);
        logger.info('agent stopped');
        if (ownsLogger) await closeLogger(logger);
        else logger.flush?.();
      })();
      return closing;
    },
  };
}

function listenError(err: unknown, config: AgentConfig): Error {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE')
    return Object.assign(new Error(`Port ${config.http.port} on ${config.http.host} is already in use (another tanba agent?). Stop it, or choose another port with --port / http.port.`), {
      code: 'port-in-use',
    });
  if (code === 'EACCES')
    return Object.assign(new Error(`Not allowed to listen on port ${config.http.port}; choose a port above 1024 with --port.`), { code: 'port-denied' });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return Object.assign(new Error(`Cannot listen on ${config.http.host}: no such address on this machine. Use 127.0.0.1 or an address of this PC.`), { code: 'bad-host' });
  return err instanceof Error ? err : new Error(String(err));
}
