/**
 * Token lifecycle shared by both adapters: one token at a time, obtained on first use, refreshed
 * shortly before it expires and after the server rejects it, with single-flight so concurrent callers
 * share one login. Token values stay inside this object; nothing here logs them.
 */

export interface IssuedToken {
  value: string;
  /** Epoch ms (by the manager's clock) when the server will stop accepting it. */
  expiresAt: number;
  refreshToken?: string;
  refreshExpiresAt?: number;
}

export interface TokenSource {
  /** Full sign-in (password, or challenge + signature). */
  login(): Promise<IssuedToken>;
  /** Cheaper renewal with a refresh token, when the system has one. */
  refresh?(refreshToken: string): Promise<IssuedToken>;
}

export interface TokenManagerOptions {
  /** Renew this long before expiry; default: 10 % of the lifetime, at most 60 s. */
  refreshSkewMs?: number;
  now?: () => number;
  /**
   * Renew in the background when the refresh window opens, so a pre-sale check never waits for a
   * login. Default true. The timer is unref'd and cleared by close().
   */
  background?: boolean;
}

export class TokenManager {
  private current: IssuedToken | null = null;
  private inflight: Promise<IssuedToken> | null = null;
  private readonly now: () => number;
  private issuedAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Counters for status pages and tests. */
  readonly counters = { logins: 0, refreshes: 0, invalidations: 0 };

  constructor(
    private readonly source: TokenSource,
    private readonly options: TokenManagerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  get expiresAt(): number | null {
    return this.current?.expiresAt ?? null;
  }

  /** A token that is valid now and not about to expire. */
  async get(): Promise<string> {
    const cur = this.current;
    if (cur && this.now() < cur.expiresAt - this.skew(cur)) return cur.value;
    return (await this.renew()).value;
  }

  /** The server refused `value`: forget it (unless already replaced) and get a new one. */
  async invalidate(value: string): Promise<string> {
    if (this.current && this.current.value === value) {
      this.counters.invalidations++;
      // Keep the refresh token: a refused access token does not mean the refresh token is dead.
      this.current = { ...this.current, value: '', expiresAt: 0 };
    }
    return this.get();
  }

  /** Stop background renewal. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(t: IssuedToken): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.closed || this.options.background === false) return;
    const delay = t.expiresAt - this.skew(t) - this.now();
    if (!(delay > 0) || delay > 2 ** 31 - 1) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.current === t) this.renew().catch(() => undefined); // the next get() tries again
    }, delay);
    this.timer.unref();
  }

  private skew(t: IssuedToken): number {
    if (this.options.refreshSkewMs !== undefined) return this.options.refreshSkewMs;
    const life = Math.max(0, t.expiresAt - this.issuedAt);
    return Math.min(60_000, life * 0.1);
  }

  private renew(): Promise<IssuedToken> {
    if (this.inflight) return this.inflight;
    const p = (async () => {
      const cur = this.current;
      let next: IssuedToken | null = null;
      if (cur?.refreshToken && this.source.refresh && (cur.refreshExpiresAt ?? Infinity) > this.now()) {
        try {
          next = await this.source.refresh(cur.refreshToken);
          this.counters.refreshes++;
        } catch {
          next = null; // fall back to a full login
        }
      }
      if (!next) {
        next = await this.source.login();
        this.counters.logins++;
      }
      this.issuedAt = this.now();
      this.current = next;
      this.schedule(next);
      return next;
    })();
    this.inflight = p;
    p.then(
      () => (this.inflight = null),
      () => (this.inflight = null),
    );
    return p;
  }
}
