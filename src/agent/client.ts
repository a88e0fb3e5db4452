/**
 * A small client for the agent's local HTTP API (used by `tanba status`, `tanba doctor`, `tanba demo`,
 * the benchmark and POS code in any Node program). Plain fetch; errors carry the API's stable code.
 */
import type { Decision } from '../decision/types.js';
import type { SaleView } from '../outbox/ports.js';
import type { ReturnInput, SaleInput } from '../sale/schema.js';
import type { TerminalStatus } from '../terminal/types.js';

export class AgentApiError extends Error {
  override readonly name = 'AgentApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: { field: string; problem: string; fix: string }[],
  ) {
    super(message);
  }
}

export type AgentStatus = TerminalStatus & {
  agent: { version: string; startedAt: string; uptimeSeconds: number; country: string; language: string; trackingConfigured: boolean; sellers: { tin: string; registers: string[] }[] };
};

export class AgentClient {
  constructor(
    readonly baseUrl: string,
    private readonly opts: { token?: string; timeoutMs?: number } = {},
  ) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: reported below
    }
    if (!res.ok) {
      const e = (json as { error?: { code?: string; message?: string; fields?: AgentApiError['fields'] } } | undefined)?.error;
      throw new AgentApiError(res.status, e?.code ?? `http-${res.status}`, e?.message ?? (text.slice(0, 200) || res.statusText), e?.fields);
    }
    return json as T;
  }

  status(): Promise<AgentStatus> {
    return this.call('GET', '/v1/status');
  }
  check(code: string, opts: { registerId?: string; price?: number } = {}): Promise<Decision> {
    return this.call('POST', '/v1/codes/check', { code, ...opts });
  }
  /** `waitMs`: also wait up to that long for the fiscal result (the answer then carries `fiscal`). */
  recordSale(sale: SaleInput, opts: { waitMs?: number } = {}): Promise<SaleView> {
    return this.call('POST', `/v1/sales${opts.waitMs ? `?wait=${opts.waitMs}` : ''}`, sale);
  }
  recordReturn(ret: ReturnInput, opts: { waitMs?: number } = {}): Promise<SaleView> {
    return this.call('POST', `/v1/returns${opts.waitMs ? `?wait=${opts.waitMs}` : ''}`, ret);
  }
  sale(id: string): Promise<SaleView> {
    return this.call('GET', `/v1/sales/${encodeURIComponent(id)}`);
  }
}

/** The URL a local CLI should use to reach an agent bound to `host:port`. */
export function localUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}
