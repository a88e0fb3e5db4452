/**
 * ATOL web server protocol client (fiscal-channels.md §2.2): `POST /api/v2/requests {uuid, request: [tasks]}`
 * → 201 (409 when the uuid is known), and `GET /api/v2/requests/{uuid}` polled until every task is finished,
 * within a bound. One logical call, no retries: the channel (index.ts) decides what results mean.
 */
import { randomUUID } from 'node:crypto';
import { FiscalError } from '../types.js';
import { ChannelHttp, classifyStatus, joinUrl, silentLogger, type FiscalLogger, type RawAnswer } from '../http.js';
import { requestAnswerSchema, taskState, type RequestAnswer, type TaskResult } from './answer.js';
import type { AtolConfig } from './config.js';

export const PATHS = { requests: '/api/v2/requests' } as const;

export type SubmitOutcome = 'created' | 'duplicate';

export interface PollOptions {
  /** Give up after this long (ms) with 'pending'. */
  timeoutMs: number;
}

export class AtolClient {
  readonly http: ChannelHttp;
  private readonly base: string;
  private readonly logger: FiscalLogger;
  private readonly stop = new AbortController();

  constructor(private readonly config: Pick<AtolConfig, 'url' | 'timeoutMs' | 'pollIntervalMs'>, logger?: FiscalLogger) {
    this.logger = logger ?? silentLogger;
    this.base = config.url.replace(/\/+$/, '');
    this.http = new ChannelHttp({ channel: 'atol', timeoutMs: config.timeoutMs, logger: this.logger });
  }

  /** `POST /api/v2/requests`: 'created' (201), 'duplicate' (409: a request with this uuid exists). */
  async submit(uuid: string, tasks: unknown[], mutating: boolean): Promise<SubmitOutcome> {
    const what = `POST ${PATHS.requests}`;
    const a = await this.http.send({ method: 'POST', url: joinUrl(this.base, PATHS.requests), data: { uuid, request: tasks }, mutating, what });
    if (a.status === 201 || a.status === 200) return 'created';
    if (a.status === 409) return 'duplicate';
    if (a.status === 400 || a.status === 422) {
      // The web server refused the request itself (bad JSON, bad uuid): nothing was queued.
      throw new FiscalError('permanent', `atol-http-${a.status}`, `${what}: the ATOL web server refused the request (${a.status})${snippet(a)}`, { status: a.status });
    }
    throw classifyStatus(a.status, a.headers, { mutating, what }, snippet(a).slice(2) || undefined);
  }

  /** `GET /api/v2/requests/{uuid}`: the answer, or null on 404 (the web server has no such request). */
  async fetch(uuid: string): Promise<RequestAnswer | null> {
    const what = `GET ${PATHS.requests}/{uuid}`;
    const a = await this.http.send({ method: 'GET', url: joinUrl(this.base, `${PATHS.requests}/${encodeURIComponent(uuid)}`), mutating: false, what });
    if (a.status === 404) return null;
    if (a.status !== 200) throw classifyStatus(a.status, a.headers, { mutating: false, what }, snippet(a).slice(2) || undefined);
    const parsed = a.isJson ? requestAnswerSchema.safeParse(a.json) : null;
    if (!parsed?.success) throw new FiscalError('transient', 'bad-answer', `${what}: the ATOL web server answered without a results list`);
    return parsed.data;
  }

  /**
   * Polls until every task of the request is finished (ready / error / skipped), or the bound passes
   * ('pending'), or the web server forgets the request (null).
   */
  async poll(uuid: string, opts: PollOptions): Promise<RequestAnswer | 'pending' | null> {
    const deadline = performance.now() + opts.timeoutMs;
    for (;;) {
      const answer = await this.fetch(uuid);
      if (answer === null) return null;
      if (answer.results.length > 0 && answer.results.every((r) => taskState(r.status) !== 'pending')) return answer;
      const left = deadline - performance.now();
      if (left <= 0) return 'pending';
      if (!(await this.pause(Math.min(this.config.pollIntervalMs, left)))) return 'pending';
    }
  }

  /**
   * A request that issues no receipt (status queries, code validation steps) under a fresh uuid: its task
   * results, or 'pending' when they are not finished within `timeoutMs`.
   */
  async exec(tasks: unknown[], timeoutMs: number): Promise<TaskResult[] | 'pending'> {
    const uuid = randomUUID();
    await this.submit(uuid, tasks, false);
    const answer = await this.poll(uuid, { timeoutMs });
    if (answer === 'pending') return 'pending';
    if (answer === null) throw new FiscalError('transient', 'bad-answer', 'the ATOL web server forgot a request it accepted');
    return answer.results;
  }

  /** Waits; false when the client was closed meanwhile. */
  pause(ms: number): Promise<boolean> {
    const signal = this.stop.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (v: boolean) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(true), ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Stops polling at once (pending polls answer 'pending'). */
  abort(): void {
    this.stop.abort();
  }

  close(): void {
    this.abort();
    this.http.close();
  }
}

/** A short, single-line excerpt of an error body for messages (never the request). */
function snippet(a: RawAnswer): string {
  const t = a.text.replace(/\s+/g, ' ').trim();
  return t ? `: ${t.slice(0, 200)}` : '';
}
