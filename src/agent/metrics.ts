/**
 * Prometheus metrics for `/metrics` (prom-client, one registry per agent): queue depth, oldest
 * pending age, checks by verdict and source, send failures, token time-to-live, scanners connected.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Decision } from '../decision/types.js';
import type { RecordInfo } from '../outbox/types.js';
import type { Terminal, TerminalStatus } from '../terminal/types.js';

export interface AgentMetrics {
  registry: Registry;
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  close(): void;
}

export function createMetrics(terminal: Terminal, opts: { defaultMetrics?: boolean; status?: () => Promise<TerminalStatus> } = {}): AgentMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'tanba_process_' });

  // One status snapshot per scrape, shared by all gauges.
  // A status that cannot be read (database gone) leaves the gauges out of this scrape, not a 500.
  let snapshot: Promise<TerminalStatus | null> | null = null;
  const status = (): Promise<TerminalStatus | null> => {
    snapshot ??= (opts.status ?? (() => terminal.status()))()
      .catch(() => null)
      .finally(() => setImmediate(() => (snapshot = null)));
    return snapshot;
  };

  new Gauge({
    name: 'tanba_queue_depth',
    help: 'Sales and returns on disk not yet delivered to the tracking system',
    registers: [registry],
    async collect() {
      const st = await status();
      if (st) this.set(st.queue.pending);
    },
  });
  new Gauge({
    name: 'tanba_queue_dead_letters',
    help: 'Records the relay gave up on; an operator must look at them (tanba queue list --dead)',
    registers: [registry],
    async collect() {
      const st = await status();
      if (st) this.set(st.queue.deadLetters);
    },
  });
  new Gauge({
    name: 'tanba_queue_oldest_pending_age_seconds',
    help: 'Age of the oldest undelivered record (0 when the queue is empty)',
    registers: [registry],
    async collect() {
      const st = await status();
      if (!st) return;
      const at = st.queue.oldestPendingAt;
      this.set(at ? Math.max(0, (Date.now() - Date.parse(at)) / 1000) : 0);
    },
  });
  new Gauge({
    name: 'tanba_tracking_token_ttl_seconds',
    help: 'Seconds until the tracking-system token expires (-1 when unknown)',
    registers: [registry],
    async collect() {
      const st = await status();
      if (!st) return;
      const at = st.tracking.tokenExpiresAt;
      this.set(at ? (Date.parse(at) - Date.now()) / 1000 : -1);
    },
  });
  new Gauge({
    name: 'tanba_tracking_last_success_age_seconds',
    help: 'Seconds since the last successful exchange with the tracking system (-1 when never)',
    registers: [registry],
    async collect() {
      const st = await status();
      if (!st) return;
      const at = st.tracking.lastSuccessAt;
      this.set(at ? (Date.now() - Date.parse(at)) / 1000 : -1);
    },
  });
  new Gauge({
    name: 'tanba_scanners_connected',
    help: 'Scanners currently connected',
    registers: [registry],
    async collect() {
      const st = await status();
      if (st) this.set(st.scanners.filter((s) => s.state === 'connected').length);
    },
  });
  new Gauge({
    name: 'tanba_ready',
    help: '1 when the agent is ready, 0 when degraded',
    registers: [registry],
    async collect() {
      const st = await status();
      this.set(st?.state === 'ready' ? 1 : 0);
    },
  });

  const checks = new Counter({ name: 'tanba_checks_total', help: 'Code checks by verdict and source', labelNames: ['verdict', 'source'], registers: [registry] });
  const checkLatency = new Histogram({
    name: 'tanba_check_duration_seconds',
    help: 'Time to a verdict',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 5],
    registers: [registry],
  });
  const records = new Counter({ name: 'tanba_records_total', help: 'Sale/return state changes by type and state', labelNames: ['type', 'state'], registers: [registry] });
  const sendFailures = new Counter({
    name: 'tanba_send_failures_total',
    help: 'Failed deliveries to the tracking system (retried, ambiguous or rejected)',
    labelNames: ['type', 'state'],
    registers: [registry],
  });
  const http = new Histogram({
    name: 'tanba_http_request_duration_seconds',
    help: 'Local API requests',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2],
    registers: [registry],
  });

  const onDecision = (d: Decision): void => {
    checks.inc({ verdict: d.verdict, source: d.source });
    checkLatency.observe(d.latencyMs / 1000);
  };
  const onRecord = (r: RecordInfo): void => {
    records.inc({ type: r.type, state: r.state });
    // A record back in the queue after an attempt, ambiguous, or rejected: a failed send.
    if (r.state === 'rejected' || r.state === 'unknown' || (r.state === 'queued' && r.attempts > 0)) sendFailures.inc({ type: r.type, state: r.state });
  };
  terminal.on('decision', onDecision);
  terminal.on('record', onRecord);

  return {
    registry,
    httpRequest(route, method, statusCode, seconds) {
      http.observe({ route, method, status: String(statusCode) }, seconds);
    },
    close() {
      terminal.off('decision', onDecision);
      terminal.off('record', onRecord);
      registry.clear();
    },
  };
}
