/**
 * Local knowledge the decision uses when the tracking system is slow or away:
 * - a TTL cache of recent online statuses (by KI),
 * - block lists (codes and GTINs) where an adapter or the operator provides them,
 * - codes sold here (answered by the sale log, see `SoldHereLookup`).
 */
import type { CodeStatus } from '../tracking/types.js';

export type Clock = () => number;

/** Answers "was this KI sold here and not returned?" — implemented by the sale store. */
export interface SoldHereLookup {
  soldHere(kis: string[]): Promise<Set<string>>;
}

/** Cached online statuses, each valid for `ttlMs`; the oldest are evicted past `maxEntries`. */
export class StatusCache {
  private readonly map = new Map<string, { status: CodeStatus; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: Clock = Date.now,
  ) {}

  get(ki: string): CodeStatus | null {
    const hit = this.map.get(ki);
    if (!hit) return null;
    if (this.now() - hit.at > this.ttlMs) {
      this.map.delete(ki);
      return null;
    }
    return hit.status;
  }

  set(ki: string, status: CodeStatus): void {
    this.map.delete(ki); // re-insert at the end: Map keeps insertion order
    this.map.set(ki, { status, at: this.now() });
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value as string;
      this.map.delete(oldest);
    }
  }

  /** Forget a code (e.g. after it was sold here: its cached status is stale). */
  delete(ki: string): void {
    this.map.delete(ki);
  }

  get size(): number {
    return this.map.size;
  }
}

/** Block list of KIs and GTINs (GTINs as 14 digits). */
export class BlockList {
  private codes = new Set<string>();
  private gtins = new Set<string>();

  /** Replace the whole list (e.g. after an adapter's sync). */
  replace(entries: { codes?: Iterable<string>; gtins?: Iterable<string> }): void {
    this.codes = new Set(entries.codes ?? []);
    this.gtins = new Set([...(entries.gtins ?? [])].map((g) => g.padStart(14, '0')));
  }

  add(entries: { codes?: Iterable<string>; gtins?: Iterable<string> }): void {
    for (const c of entries.codes ?? []) this.codes.add(c);
    for (const g of entries.gtins ?? []) this.gtins.add(g.padStart(14, '0'));
  }

  has(ki: string | null, gtin: string | null): boolean {
    return (ki !== null && this.codes.has(ki)) || (gtin !== null && this.gtins.has(gtin));
  }

  get size(): number {
    return this.codes.size + this.gtins.size;
  }
}
