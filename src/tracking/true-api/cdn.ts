/**
 * CDN host selection for permissive-mode `codes/check` (RU): fetch the host list, measure each host's
 * health (`avgTimeMs`), use the fastest healthy one, and skip a failing host for a cool-down while the
 * next one takes over. The list is refreshed in the background after `refreshMs` (reference: 6–7 h);
 * only the very first check waits for it (call `health()` at start-up to warm it).
 */
import { z } from 'zod';
import type { HttpClient } from '../http.js';

const infoAnswer = z.looseObject({
  code: z.number().optional(),
  description: z.string().optional(),
  hosts: z.array(z.looseObject({ host: z.string() })),
});
const healthAnswer = z.looseObject({ code: z.number().optional(), avgTimeMs: z.number().optional() });

export interface CdnHost {
  host: string;
  avgTimeMs: number | null;
  /** this.now() until which the host is skipped. */
  downUntil: number;
}

export interface CdnOptions {
  /** Absolute URL of the host list, or null to use `fallbackHost` only. */
  infoUrl: string | null;
  fallbackHost: string;
  v4Path: string;
  apiKey: string;
  refreshMs: number;
  cooldownMs: number;
  timeoutMs: number;
  /** Clock for list age and cool-downs (epoch ms); injectable for tests. */
  now?: () => number;
}

export class CdnHosts {
  private hosts: CdnHost[] = [];
  private loadedAt = -Infinity;
  private loading: Promise<void> | null = null;

  private readonly now: () => number;

  constructor(
    private readonly http: HttpClient,
    private readonly opts: CdnOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** Hosts in the order to try: healthy by avgTimeMs, then those cooling down (as a last resort). */
  async ordered(): Promise<CdnHost[]> {
    if (this.hosts.length === 0) await this.load();
    // A stale list is still used while a fresh one loads in the background: a check at the till never waits for it.
    else if (this.now() - this.loadedAt > this.opts.refreshMs) void this.load().catch(() => undefined);
    const now = this.now();
    const up = this.hosts.filter((h) => h.downUntil <= now);
    const down = this.hosts.filter((h) => h.downUntil > now).sort((a, b) => a.downUntil - b.downUntil);
    return [...up, ...down];
  }

  markDown(host: string): void {
    const h = this.hosts.find((x) => x.host === host);
    if (h) h.downUntil = this.now() + this.opts.cooldownMs;
  }

  snapshot(): readonly CdnHost[] {
    return this.hosts;
  }

  load(): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = this.doLoad().finally(() => (this.loading = null));
    return this.loading;
  }

  private async doLoad(): Promise<void> {
    let list = [this.opts.fallbackHost];
    if (this.opts.infoUrl) {
      try {
        const res = await this.http.request({
          method: 'GET',
          url: this.opts.infoUrl,
          headers: { 'X-API-KEY': this.opts.apiKey },
          idempotent: true,
          timeoutMs: this.opts.timeoutMs,
          schema: infoAnswer,
        });
        const hosts = res.data.hosts.map((h) => h.host.replace(/\/+$/, '')).filter(Boolean);
        if (hosts.length > 0) list = hosts;
      } catch {
        if (this.hosts.length > 0) list = this.hosts.map((h) => h.host); // keep the last good list
      }
    }
    const measured = await Promise.all(list.map((host) => this.measure(host)));
    measured.sort((a, b) => (a.avgTimeMs ?? Infinity) - (b.avgTimeMs ?? Infinity));
    this.hosts = measured;
    this.loadedAt = this.now();
  }

  private async measure(host: string): Promise<CdnHost> {
    try {
      const res = await this.http.request({
        method: 'GET',
        url: `${host}${this.opts.v4Path}/cdn/health/check`,
        headers: { 'X-API-KEY': this.opts.apiKey },
        idempotent: true,
        retry: false,
        timeoutMs: this.opts.timeoutMs,
        schema: healthAnswer,
      });
      if ((res.data.code ?? 0) !== 0) return { host, avgTimeMs: null, downUntil: this.now() + this.opts.cooldownMs };
      return { host, avgTimeMs: res.data.avgTimeMs ?? null, downUntil: 0 };
    } catch {
      return { host, avgTimeMs: null, downUntil: this.now() + this.opts.cooldownMs };
    }
  }
}
