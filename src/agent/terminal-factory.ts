/**
 * The agent's composition root: from its configuration, the tracking adapter (none when no
 * tracking URL is configured: the decision runs on local knowledge), the fiscal channel of each
 * register, the SQLite outbox, the scanners, and the SDK terminal made of them.
 */
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import { openTerminal } from '../batteries.js';
import type { TanbaTerminal } from '../terminal/terminal.js';
import type { Scanner } from '../scan/types.js';
import type { ListDevicesOptions } from '../../drivers/discovery.js';
import { TrackingError } from '../tracking/errors.js';
import { isParallelTracking } from '../tracking/local-module/parallel.js';
import { createTrackingSystem, trackingConfigSchema, type TrackingConfig } from '../tracking/index.js';
import type { TrackingHealth, TrackingSystem } from '../tracking/types.js';
import { type AgentConfig, ConfigError, resolveRegisters, storePath } from './config.js';
import { toFieldErrors } from '../util/field-errors.js';
import { openConfiguredScanners } from './scanners.js';

/** Used when no tracking URL is configured: every online call fails fast as "not configured". */
export function offlineTracking(): TrackingSystem {
  const fail = (): never => {
    throw new TrackingError('transient', 'not-configured', 'No tracking system is configured (tracking.url).');
  };
  return {
    family: 'xtrace',
    limits: { maxCodesPerCheck: 1000, maxCodesPerDocument: 30_000, requestsPerMinute: null },
    checkCodes: async () => fail(),
    submitSale: async () => fail(),
    submitReturn: async () => fail(),
    getDocument: async () => fail(),
    findDocuments: async () => fail(),
    health: async () => ({ ok: false, latencyMs: null, tokenExpiresAt: null, message: 'not configured' }),
  };
}

/** The adapter configuration derived from the agent configuration (validated by the adapter's schema). */
export function trackingConfigFrom(config: AgentConfig, logger?: Logger): TrackingConfig {
  const t = config.tracking;
  if (!t.url) throw new Error('tracking.url is not set');
  const data: Record<string, unknown> = {
    family: t.family,
    country: config.country,
    baseUrl: t.url,
    timeoutMs: t.timeoutMs,
    checkTimeoutMs: config.decision.budgetMs,
    ...(config.sellers[0] ? { sellerTin: config.sellers[0].tin } : {}),
    ...(t.login ? { login: t.login } : {}),
    ...(t.password ? { password: t.password } : {}),
    ...(t.apiKey ? { apiKey: t.apiKey } : {}),
    ...t.adapter,
  };
  const r = trackingConfigSchema.safeParse(data);
  if (!r.success) {
    throw new ConfigError(
      toFieldErrors(r.error.issues, data).map((e) => ({
        ...e,
        field: ['baseUrl', 'login', 'password', 'apiKey', 'timeoutMs', 'family'].includes(e.field.split('.')[0]) ? `tracking.${e.field.replace('baseUrl', 'url')}` : `tracking.adapter.${e.field}`,
        source: 'config',
      })),
    );
  }
  return { ...(data as unknown as TrackingConfig), ...(logger ? { logger: logger.child({ part: 'tracking' }) } : {}) };
}

export function createTrackingFromConfig(config: AgentConfig, logger?: Logger): TrackingSystem {
  return config.tracking.url ? createTrackingSystem(trackingConfigFrom(config, logger)) : offlineTracking();
}

/**
 * The tracking system with `health()` answered from a cache (stale-while-revalidate, `ttlMs`):
 * the status page, SSE status events and metrics scrapes all ask for the status, and each health
 * call is a request to the national system (rate-limited, e.g. 100/min in Uzbekistan).
 */
export function withCachedHealth(t: TrackingSystem, ttlMs = 30_000): TrackingSystem {
  let last: { at: number; value: TrackingHealth } | null = null;
  let inflight: Promise<TrackingHealth> | null = null;
  const refresh = (): Promise<TrackingHealth> =>
    (inflight ??= t
      .health()
      .then((value) => {
        last = { at: Date.now(), value };
        return value;
      })
      .finally(() => {
        inflight = null;
      }));
  return {
    get family() {
      return t.family;
    },
    get limits() {
      return t.limits;
    },
    checkCodes: (codes, opts) => t.checkCodes(codes, opts),
    ...(t.checkForm ? { checkForm: (code: Parameters<NonNullable<TrackingSystem['checkForm']>>[0]) => t.checkForm!(code) } : {}),
    submitSale: (doc) => t.submitSale(doc),
    submitReturn: (doc) => t.submitReturn(doc),
    getDocument: (id) => t.getDocument(id),
    findDocuments: (ref, from, to) => t.findDocuments(ref, from, to),
    health: async () => {
      if (last && Date.now() - last.at < ttlMs) return last.value;
      if (last) {
        void refresh().catch(() => undefined);
        return last.value;
      }
      return refresh();
    },
    ...(t.close ? { close: () => t.close!() } : {}),
    // The parallel online + Local Module check keeps its parts visible to the decider (the offline "sold" rule).
    ...(isParallelTracking(t) ? { parts: t.parts } : {}),
  };
}

export async function createTerminalFromConfig(config: AgentConfig, logger: Logger, opts: { cwd?: string; scanners?: Scanner[]; discovery?: ListDevicesOptions } = {}): Promise<TanbaTerminal> {
  const tracking = config.tracking.url ? withCachedHealth(createTrackingFromConfig(config, logger)) : null;
  const ownScanners = opts.scanners ? [] : await openConfiguredScanners(config, logger, opts.discovery);
  const scanners = opts.scanners ?? ownScanners;
  const closeScanners = (): Promise<unknown> => Promise.all(ownScanners.map((s) => s.close().catch(() => undefined)));
  try {
    const terminal = await openTerminal({
      store:
        config.store?.kind === 'postgres'
          ? { ...config.store, password: process.env.TANBA_STORE_PASSWORD || undefined }
          : { kind: 'sqlite', path: resolve(opts.cwd ?? process.cwd(), storePath(config)) },
      registers: resolveRegisters(config).map((r) => ({ id: r.id, vatRate: r.vatRate, fiscal: r.fiscal })),
      tracking,
      logger: logger.child({ part: 'fiscal' }),
      country: config.country,
      decision: {
        budgetMs: config.decision.budgetMs,
        language: config.language,
        unknownPolicy: config.decision.unknownPolicy,
        sellerTin: config.sellers[0]?.tin ?? null,
      },
      relay: {
        enabled: config.relay.enabled,
        concurrency: config.relay.concurrency,
        retentionMs: config.relay.retentionDays * 86_400_000,
        leaseMs: config.relay.leaseSeconds * 1000,
        policy: {
          attemptsPerClaim: config.relay.attemptsPerClaim,
          backoff: { minDelayMs: config.relay.retryMinMs, maxDelayMs: config.relay.retryMaxMs },
          reconcileDelayMs: config.relay.reconcileDelayMs,
          blockedProbeMs: config.relay.blockedProbeMs,
        },
        onError: (e) => logger.warn({ err: e instanceof Error ? { code: (e as { code?: string }).code, message: e.message } : String(e) }, 'relay: store or channel trouble'),
      },
      queueAgeWarningMs: config.queueAgeWarningMinutes * 60_000,
      scanners,
    });
    const closeTerminal = terminal.close.bind(terminal);
    (terminal as { close: () => Promise<void> }).close = async () => {
      await closeTerminal();
      await closeScanners();
    };
    return terminal;
  } catch (e) {
    await closeScanners();
    await tracking?.close?.().catch(() => undefined);
    throw e;
  }
}

/** Asks the configured tracking system for a token (for `tanba doctor`). */
export async function trackingHealth(config: AgentConfig): Promise<{ ok: boolean; tokenExpiresAt: string | null; message?: string }> {
  const t = createTrackingFromConfig(config);
  try {
    return await t.health();
  } finally {
    await t.close?.().catch(() => undefined);
  }
}
