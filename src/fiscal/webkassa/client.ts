/**
 * Webkassa API v4 protocol client: `x-api-key` on every call, the Authorize token (cached, renewed once on
 * error 2/3), the `{Data, Errors}` envelope read on any status, and error 505 (domain temporarily
 * unavailable) answered by repeating the same call on the hosts of the `AlternativeDomainNames` header,
 * then the configured `alternativeUrls`, remembering the one that worked. One logical call, no retries:
 * the channel (index.ts) decides what the envelope's errors mean for a receipt.
 */
import { createHash } from 'node:crypto';
import { FiscalError } from '../types.js';
import { ChannelHttp, classifyStatus, joinUrl, silentLogger, type FiscalLogger, type RawAnswer } from '../http.js';
import { authorizeDataSchema, envelopeSchema, type Envelope } from './answer.js';
import { errorCodes, webkassaError } from './errors.js';
import type { WebkassaConfig } from './config.js';

export const PATHS = {
  authorize: '/api/v4/Authorize',
  check: '/api/v4/check',
  zReport: '/api/v4/ZReport',
  ticketByExternalNumber: '/api-history/v4/Ticket/GetTicketByExternalCheckNumber',
  clientInfo: '/api-portal/v4/cashbox/client-info',
} as const;

/** Error codes that mean "authorise again". */
const REAUTH = [2, 3];
const DOMAIN_UNAVAILABLE = 505;

export interface CallOptions {
  /** The call may issue a fiscal document: an ambiguous failure is `unknown-result`. */
  mutating: boolean;
}

/**
 * A Webkassa token is valid until the next Authorize for the same login, so every cashbox of one
 * account must share it: one token per account (URL, API key, login, password) in this process, one Authorize at a
 * time, and a refused token renewed only if nobody renewed it meanwhile.
 */
interface SharedToken {
  token: string | null;
  inflight: Promise<string> | null;
}
const sharedTokens = new Map<string, SharedToken>();

export class WebkassaClient {
  readonly http: ChannelHttp;
  private readonly shared: SharedToken;
  private base: string;
  private readonly logger: FiscalLogger;

  constructor(private readonly config: WebkassaConfig, logger?: FiscalLogger) {
    this.logger = logger ?? silentLogger;
    this.base = trimBase(config.url);
    // Same account = same URL, API key, login and password (a different password must not reuse a token).
    const account = createHash('sha256').update(`${this.base}\u0000${config.apiKey}\u0000${config.login}\u0000${config.password}`).digest('hex');
    let shared = sharedTokens.get(account);
    if (!shared) sharedTokens.set(account, (shared = { token: null, inflight: null }));
    this.shared = shared;
    this.http = new ChannelHttp({
      channel: 'webkassa',
      timeoutMs: config.timeoutMs,
      headers: { 'x-api-key': config.apiKey, 'Accept-Language': 'ru-RU' },
      logger: this.logger,
    });
  }

  /** The base URL in use (changes after a 505 switched domains). */
  get baseUrl(): string {
    return this.base;
  }

  /** Forget the cached token (tests, or after the channel learns it is stale). */
  dropToken(): void {
    this.shared.token = null;
  }

  /**
   * The account's token: the shared one unless it is `refused` (then one Authorize for everyone
   * waiting). Cached until a call answers 2/3.
   */
  authorize(refused?: string | null): Promise<string> {
    const s = this.shared;
    if (s.token && s.token !== refused) return Promise.resolve(s.token);
    return (s.inflight ??= this.authorizeNow().finally(() => (s.inflight = null)));
  }

  private async authorizeNow(): Promise<string> {
    const what = `POST ${PATHS.authorize}`;
    const env = await this.post(PATHS.authorize, { Login: this.config.login, Password: this.config.password }, false);
    if (env.Errors.length > 0) {
      const e = webkassaError(env.Errors, what);
      // Any refusal of the credentials is an auth problem, whatever code Webkassa picked.
      throw e.kind === 'permanent' ? new FiscalError('auth', e.code, e.message, e.details) : e;
    }
    const parsed = authorizeDataSchema.safeParse(env.Data);
    if (!parsed.success) throw new FiscalError('transient', 'bad-answer', `${what}: the answer carries no Token`);
    this.shared.token = parsed.data.Token;
    this.logger.debug({ channel: 'webkassa', cashbox: this.config.cashbox }, 'webkassa: authorised');
    return parsed.data.Token;
  }

  /**
   * A call that needs the token: adds `Token`, and on error 2/3 authorises once more and repeats the call
   * (the request was refused, so repeating it cannot issue a second receipt).
   */
  async call(path: string, body: Record<string, unknown>, opts: CallOptions): Promise<Envelope> {
    const token = await this.authorize();
    const env = await this.post(path, { Token: token, ...body }, opts.mutating);
    if (!errorCodes(env.Errors).some((c) => REAUTH.includes(c))) return env;
    this.logger.info({ channel: 'webkassa', call: path }, 'webkassa: token refused, authorising again');
    const fresh = await this.authorize(token);
    const again = await this.post(path, { Token: fresh, ...body }, opts.mutating);
    if (errorCodes(again.Errors).some((c) => REAUTH.includes(c))) {
      if (this.shared.token === fresh) this.shared.token = null;
      throw webkassaError(again.Errors, `POST ${path}`);
    }
    return again;
  }

  /** One POST with the envelope read, following 505 to the alternative domains. */
  async post(path: string, body: Record<string, unknown>, mutating: boolean): Promise<Envelope> {
    const what = `POST ${path}`;
    const first = await this.exchange(this.base, path, body, mutating);
    if (!isDomainUnavailable(first)) return readEnvelope(first, mutating, what);

    const tried = new Set<string>([this.base]);
    const candidates = [...alternativesFrom(first, this.base), ...(this.config.alternativeUrls ?? []).map(trimBase), trimBase(this.config.url)];
    let lastError: FiscalError | null = null;
    for (let i = 0; i < candidates.length; i++) {
      const alt = candidates[i];
      if (tried.has(alt)) continue;
      tried.add(alt);
      this.logger.warn({ channel: 'webkassa', call: path, host: hostOf(alt) }, 'webkassa: domain unavailable (505), trying an alternative');
      let answer: RawAnswer;
      try {
        answer = await this.exchange(alt, path, body, mutating);
      } catch (e) {
        // A host that cannot be reached surely did not issue anything: try the next. An ambiguous failure stops here.
        if (e instanceof FiscalError && e.kind === 'transient') {
          lastError = e;
          continue;
        }
        throw e;
      }
      if (isDomainUnavailable(answer)) {
        candidates.push(...alternativesFrom(answer, alt));
        continue;
      }
      this.base = alt;
      this.logger.warn({ channel: 'webkassa', host: hostOf(alt) }, 'webkassa: switched to an alternative domain');
      return readEnvelope(answer, mutating, what);
    }
    throw new FiscalError(
      'transient',
      'webkassa-505',
      `${what}: Webkassa domain temporarily unavailable (505) and no alternative domain answered${lastError ? ` (last: ${lastError.message})` : ''}`,
      { channelCode: DOMAIN_UNAVAILABLE },
    );
  }

  private exchange(base: string, path: string, body: Record<string, unknown>, mutating: boolean): Promise<RawAnswer> {
    return this.http.send({ method: 'POST', url: joinUrl(base, path), data: body, mutating, what: `POST ${path}` });
  }

  close(): void {
    this.http.close();
  }
}

function trimBase(url: string): string {
  return url.replace(/\/+$/, '');
}

function hostOf(base: string): string {
  try {
    return new URL(base).host;
  } catch {
    return base;
  }
}

function isDomainUnavailable(a: RawAnswer): boolean {
  if (a.status === DOMAIN_UNAVAILABLE) return true;
  if (!a.isJson) return false;
  const env = envelopeSchema.safeParse(a.json);
  return env.success && env.data.Errors.some((e) => e.Code === DOMAIN_UNAVAILABLE);
}

/** Base URLs named by the `AlternativeDomainNames` header (host names, host:port, or full URLs). */
export function alternativesFrom(a: RawAnswer, current: string): string[] {
  const header = a.headers['alternativedomainnames'];
  if (!header) return [];
  let protocol = 'https:';
  let pathname = '';
  try {
    const u = new URL(current);
    protocol = u.protocol;
    pathname = u.pathname.replace(/\/+$/, '');
  } catch {
    /* keep the defaults */
  }
  return header
    .split(/[,;\s]+/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => (/^https?:\/\//i.test(s) ? trimBase(s) : `${protocol}//${s.replace(/\/+$/, '')}${pathname}`));
}

/**
 * An answer → its envelope. On 2xx and 4xx the envelope's Errors win over the status (Webkassa usually
 * answers 200 even on errors); on 429 and 5xx the status decides (rate limited; a server error may follow a
 * receipt being issued).
 */
function readEnvelope(a: RawAnswer, mutating: boolean, what: string): Envelope {
  const env = a.isJson ? envelopeSchema.safeParse(a.json) : null;
  const ok2xx = a.status >= 200 && a.status < 300;
  const statusDecides = a.status === 429 || a.status >= 500;
  if (env?.success && (ok2xx || (!statusDecides && env.data.Errors.length > 0))) return env.data;
  if (!ok2xx) throw classifyStatus(a.status, a.headers, { mutating, what }, a.isJson ? undefined : a.text.slice(0, 200).trim() || undefined);
  throw new FiscalError(
    mutating ? 'unknown-result' : 'transient',
    'bad-answer',
    `${what}: unexpected answer (${a.isJson ? 'not a {Data, Errors} envelope' : 'not JSON'})${mutating ? '; the receipt may have been issued' : ''}`,
    { status: a.status },
  );
}
