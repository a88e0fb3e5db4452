/**
 * Prometheus metrics for `/metrics` (prom-client, one registry per agent): per register the queue
 * of receipts, the oldest unsent one, hours left before the 72 h block, blocked/reachable state,
 * dead letters; checks by verdict and source; receipt state changes; token time-to-live; scanners.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Decision } from '../decision/types.js';
import type { SaleView } from '../outbox/ports.js';
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

  const perRegister = (name: string, help: string, value: (r: TerminalStatus['registers'][number]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['register', 'channel'],
      registers: [registry],
      async collect() {
        const st = await status();
        if (!st) return;
        this.reset();
        for (const r of st.registers) {
          const v = value(r);
          if (v !== null) this.set({ register: r.id, channel: r.channel ?? 'none' }, v);
        }
      },
    });
  const ageOf = (at: string | null) => (at ? Math.max(0, (Date.now() - Date.parse(at)) / 1000) : 0);
  perRegister('tanba_fiscal_queue_depth', 'Receipts on disk not yet fiscalised by the cash register', (r) => r.pending);
  perRegister('tanba_fiscal_oldest_unsent_age_seconds', 'Age of the oldest receipt not yet fiscalised (0 when none)', (r) => ageOf(r.oldestUnsentAt));
  perRegister('tanba_fiscal_dead_letters', 'Receipts the cash register refused; an operator must look (tanba queue list --dead)', (r) => r.deadLetters);
  perRegister('tanba_fiscal_hours_left', 'Hours before the 72 h autonomous rule blocks the register (absent when nothing counts)', (r) => r.hoursLeft);
  perRegister('tanba_fiscal_blocked', '1 when the cash register refuses every receipt until someone acts (72 h, blocked by the OFD)', (r) => (r.blocked ? 1 : 0));
  perRegister('tanba_fiscal_up', '1 when the register receives receipts (ok or autonomous), 0 when blocked, unreachable or unconfigured', (r) =>
    r.state === 'ok' || r.state === 'autonomous' ? 1 : 0,
  );
  perRegister('tanba_fiscal_last_success_age_seconds', 'Seconds since the cash register last issued a receipt (-1 when never)', (r) =>
    r.lastSuccessAt ? (Date.now() - Date.parse(r.lastSuccessAt)) / 1000 : -1,
  );
  new Gauge({
    name: 'tanba_queue_depth',
    help: 'Receipts on disk not yet fiscalised, all registers',
    registers: [registry],
    async collect() {
      const st = await status();
      if (st) this.set(st.queue.pending);
    },
  });
  new Gauge({
    name: 'tanba_queue_dead_letters',
    help: 'Receipts refused for good, all registers',
    registers: [registry],
    async collect() {
      const st = await status();
      if (st) this.set(st.queue.deadLetters);
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
  const receipts = new Counter({
    name: 'tanba_receipts_total',
    help: 'Receipt state changes by register, type and state',
    labelNames: ['register', 'type', 'state'],
    registers: [registry],
  });
  const sendFailures = new Counter({
    name: 'tanba_fiscal_send_failures_total',
    help: 'Claims of a receipt that ended without a fiscal result (retried, ambiguous or refused)',
    labelNames: ['register', 'type', 'state'],
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
  const onReceipt = (r: SaleView): void => {
    receipts.inc({ register: r.registerId, type: r.type, state: r.state });
    // Back in the queue after an attempt, ambiguous, or refused: a claim without a fiscal result.
    if (r.state === 'rejected' || r.state === 'unknown' || (r.state === 'queued' && r.attempts > 0)) sendFailures.inc({ register: r.registerId, type: r.type, state: r.state });
  };
  terminal.on('decision', onDecision);
  terminal.on('receipt', onReceipt);

  return {
    registry,
    httpRequest(route, method, statusCode, seconds) {
      http.observe({ route, method, status: String(statusCode) }, seconds);
    },
    close() {
      terminal.off('decision', onDecision);
      terminal.off('receipt', onReceipt);
      registry.clear();
    },
  };
}
