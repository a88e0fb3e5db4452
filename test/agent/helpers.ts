/** Shared test helpers: an agent on loopback port 0 with its SQLite file in a temp folder, and an SSE reader. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { type Agent, createAgent } from '../../src/agent/agent.js';
import { type AgentConfigInput, defaultConfig } from '../../src/agent/config.js';
import { createTerminalFromConfig } from '../../src/agent/terminal-factory.js';
import type { Scanner } from '../../src/scan/types.js';
import type { ListDevicesOptions } from '../../drivers/discovery.js';

export interface TestAgent {
  agent: Agent;
  dir: string;
  url: string;
  stop(): Promise<void>;
}

export async function startTestAgent(overrides: AgentConfigInput = {}, opts: { scanners?: Scanner[]; dir?: string; discovery?: ListDevicesOptions } = {}): Promise<TestAgent> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'tanba-agent-test-'));
  const config = defaultConfig({
    ...overrides,
    http: { port: 0, ...(overrides.http ?? {}) },
    db: { path: join(dir, 'tanba.db'), ...(overrides.db ?? {}) },
    log: { level: 'silent', ...(overrides.log ?? {}) },
  });
  const logger = pino({ level: 'silent' });
  const terminal = await createTerminalFromConfig(config, logger, { scanners: opts.scanners, discovery: opts.discovery });
  const agent = await createAgent({ config, terminal, logger, processMetrics: false });
  return {
    agent,
    dir,
    url: agent.url,
    async stop() {
      await agent.close();
      await terminal.close();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

export interface SseEvent {
  event: string;
  data: any;
}

/** Opens an event stream; `next(pred)` resolves with the first event (seen or future) matching it. */
export async function openEvents(url: string, headers: Record<string, string> = {}) {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers, signal: ctrl.signal });
  if (!res.ok || !res.body) throw new Error(`event stream: HTTP ${res.status}`);
  const events: SseEvent[] = [];
  const waiters: { pred: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  let ended = false;
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  void (async () => {
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length === 0) continue;
          const e = { event, data: JSON.parse(data.join('\n')) };
          events.push(e);
          for (const w of [...waiters]) if (w.pred(e)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(e);
          }
        }
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    events,
    get ended() {
      return ended;
    },
    next(pred: (e: SseEvent) => boolean): Promise<SseEvent> {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    close() {
      ctrl.abort();
    },
  };
}
