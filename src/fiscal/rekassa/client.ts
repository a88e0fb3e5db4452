/**
 * re:Kassa partner API protocol client: `POST /api/auth/login?apiKey=…` → token (cached), Bearer on every
 * call, one fresh login and one repeat on 401/403 (the request was refused, so repeating it issues nothing).
 * No retries beyond that: the channel (index.ts) decides what an answer means for a receipt.
 * The api key travels in the login query: calls are logged by path only, never with the query.
 */
import { FiscalError } from '../types.js';
import { ChannelHttp, classifyStatus, joinUrl, silentLogger, type FiscalLogger, type RawAnswer } from '../http.js';
import { loginSchema } from './answer.js';
import { errorInfo } from './errors.js';
import type { RekassaConfig } from './config.js';

export const LOGIN_PATH = '/api/auth/login';

export interface RekassaRequest {
  method: 'GET' | 'POST';
  path: string;
  data?: unknown;
  headers?: Record<string, string>;
  mutating: boolean;
}

export class RekassaClient {
  readonly http: ChannelHttp;
  private token: string | null = null;
  private readonly base: string;
  private readonly logger: FiscalLogger;

  constructor(private readonly config: RekassaConfig, logger?: FiscalLogger) {
    this.logger = logger ?? silentLogger;
    this.base = config.url.replace(/\/+$/, '');
    this.http = new ChannelHttp({ channel: 'rekassa', timeoutMs: config.timeoutMs, logger: this.logger });
  }

  /** `POST /api/auth/login?apiKey=<partner key>` with `{number, password}` → the token. */
  async login(): Promise<string> {
    const what = `POST ${LOGIN_PATH}`;
    const a = await this.http.send({
      method: 'POST',
      url: joinUrl(this.base, LOGIN_PATH),
      params: { apiKey: this.config.apiKey },
      data: { number: this.config.login, password: this.config.password },
      headers: { Accept: 'application/json' },
      mutating: false,
      what,
    });
    if (a.status < 200 || a.status >= 300) {
      const info = errorInfo(a);
      const reason = [info.name, info.message].filter(Boolean).join(' ') || undefined;
      if (a.status >= 500 || a.status === 429) throw classifyStatus(a.status, a.headers, { mutating: false, what }, reason);
      throw new FiscalError('auth', 'rekassa-login', `${what}: re:Kassa refused the login (${a.status})${reason ? `: ${reason}` : ''}: check the partner apiKey, the cash register number (login) and password`, { status: a.status });
    }
    const parsed = loginSchema.safeParse(a.isJson ? a.json : a.text.trim());
    if (!parsed.success || /\s/.test(parsed.data.token)) throw new FiscalError('transient', 'bad-answer', `${what}: the answer carries no token`, { status: a.status });
    this.token = parsed.data.token;
    this.logger.debug({ channel: 'rekassa', cashRegisterId: this.config.cashRegisterId }, 'rekassa: logged in');
    return this.token;
  }

  /** A call with the Bearer token; on 401/403 logs in again once and repeats. Resolves with any status. */
  async request(req: RekassaRequest): Promise<RawAnswer> {
    const token = this.token ?? (await this.login());
    const first = await this.once(req, token);
    if (first.status !== 401 && first.status !== 403) return first;
    this.logger.info({ channel: 'rekassa', call: `${req.method} ${req.path}`, status: first.status }, 'rekassa: token refused, logging in again');
    this.token = null;
    const fresh = await this.login();
    const again = await this.once(req, fresh);
    if (again.status === 401 || again.status === 403) this.token = null;
    return again;
  }

  private once(req: RekassaRequest, token: string): Promise<RawAnswer> {
    return this.http.send({
      method: req.method,
      url: joinUrl(this.base, req.path),
      data: req.data,
      headers: { Accept: 'application/json', timezone: '+05:00', ...req.headers, Authorization: `Bearer ${token}` },
      mutating: req.mutating,
      what: `${req.method} ${req.path}`,
    });
  }

  close(): void {
    this.http.close();
  }
}
