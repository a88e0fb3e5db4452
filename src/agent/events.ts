/**
 * The agent's event hub: listens to the terminal (scans, decisions, sale state) and fans events out
 * to server-sent-event subscribers; keeps the last decisions so a page that opens late sees them.
 */
import { Buffer } from 'node:buffer';
import type { Decision } from '../decision/types.js';
import type { RegisterState } from '../outbox/relay.js';
import type { SaleView } from '../outbox/ports.js';
import type { Terminal, TerminalScanEvent, TerminalStatus } from '../terminal/types.js';

export type AgentEvent =
  | {
      type: 'scan';
      data: { text: string; rawBase64: string; symbology: string | null; source: { driver: string; path: string }; registerId: string | null; at: string; code: unknown };
    }
  | { type: 'decision'; data: Decision }
  | { type: 'receipt'; data: SaleView }
  | { type: 'register'; data: RegisterState }
  | { type: 'status'; data: TerminalStatus };

export type Subscriber = (e: AgentEvent) => void;

export class EventHub {
  private readonly subs = new Set<Subscriber>();
  private readonly recent: Decision[] = [];
  private statusTimer: NodeJS.Timeout | null = null;
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly terminal: Terminal,
    private readonly opts: {
      keep?: number;
      statusThrottleMs?: number;
      onError?: (e: unknown) => void;
      status?: () => Promise<TerminalStatus>;
      /** The register a scanner belongs to (from the config), so a till's POS can follow its own scanner. */
      registerOf?: (path: string) => string | undefined;
    } = {},
  ) {
    const onScan = (e: TerminalScanEvent): void =>
      this.emit({
        type: 'scan',
        data: {
          text: e.scan.text,
          rawBase64: Buffer.from(e.scan.raw).toString('base64'),
          symbology: e.scan.symbology,
          source: { driver: e.scan.source.driver, path: e.scan.source.path },
          registerId: opts.registerOf?.(e.scan.source.path) ?? null,
          at: e.scan.at,
          code: e.code,
        },
      });
    const onDecision = (d: Decision): void => {
      this.recent.push(d);
      if (this.recent.length > (opts.keep ?? 50)) this.recent.shift();
      this.emit({ type: 'decision', data: d });
      this.scheduleStatus();
    };
    const onReceipt = (r: SaleView): void => {
      this.emit({ type: 'receipt', data: r });
      this.scheduleStatus();
    };
    const onRegister = (r: RegisterState): void => {
      this.emit({ type: 'register', data: r });
      this.scheduleStatus();
    };
    terminal.on('scan', onScan);
    terminal.on('decision', onDecision);
    terminal.on('receipt', onReceipt);
    terminal.on('register', onRegister);
    this.detach.push(
      () => terminal.off('scan', onScan),
      () => terminal.off('decision', onDecision),
      () => terminal.off('receipt', onReceipt),
      () => terminal.off('register', onRegister),
    );
  }

  get subscribers(): number {
    return this.subs.size;
  }

  recentDecisions(): Decision[] {
    return [...this.recent];
  }

  subscribe(fn: Subscriber): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  emit(e: AgentEvent): void {
    for (const fn of this.subs) {
      try {
        fn(e);
      } catch (err) {
        this.opts.onError?.(err);
      }
    }
  }

  /** Coalesces bursts of sale-state changes into one `status` event. */
  scheduleStatus(): void {
    if (this.statusTimer || this.subs.size === 0) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      (this.opts.status ?? (() => this.terminal.status()))().then(
        (s) => this.emit({ type: 'status', data: s }),
        (err: unknown) => this.opts.onError?.(err),
      );
    }, this.opts.statusThrottleMs ?? 200);
  }

  close(): void {
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    for (const d of this.detach) d();
    this.subs.clear();
  }
}
