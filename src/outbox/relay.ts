/**
 * The relay: drains the sale log into the tracking system, exactly once.
 *
 * - A queued record is moved to `sending` durably *before* the network call (SaleStore.claim).
 * - Submit runs under p-retry (a few quick in-process retries with back-off + jitter) for
 *   transient errors only; `Retry-After` pauses every request (RateLimiter.pause).
 * - A send whose outcome is unknown (timeout after the POST, connection reset, a crash while
 *   `sending`) becomes `unknown` and is reconciled with `findDocuments(reference)` before any
 *   resend: re-sent only when the system proves it never got it.
 * - Transient failures that outlast the quick retries are rescheduled with capped back-off and
 *   never given up on; permanent refusals and rejected documents go to the dead-letter list.
 * - `sent` records are polled with `getDocument` until `confirmed` or `rejected`, at lower priority
 *   than queued work.
 * - A return is never claimed before its sale is sent (the store's claim enforces it).
 * - Confirmed records are purged after the retention period.
 */
import pRetry from 'p-retry';
import { isTrackingError, TrackingError } from '../tracking/errors.js';
import type { DocumentInfo, OutgoingDocument, TrackingSystem } from '../tracking/types.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { RateLimiter, sleep } from './rate-limiter.js';
import type { RecordBody, RecordPatch, SaleStore, StoredRecord } from './store.js';
import type { RecordInfo } from './types.js';

export interface RelayOptions {
  store: SaleStore;
  tracking: TrackingSystem;
  /** Wall clock (ms). Default Date.now. */
  now?: () => number;
  random?: () => number;
  /** Parallel requests. Default 4. */
  concurrency?: number;
  /** Overrides `tracking.limits.requestsPerMinute`; null = unlimited. */
  requestsPerMinute?: number | null;
  /** Fraction of the rate limit actually used, to stay clear of the server's window edges. Default 0.97. */
  rateFactor?: number;
  /** Requests that may go back to back after a pause in traffic (token-bucket depth). Default 1. */
  rateBurst?: number;
  /** Quick in-process retries per claim (p-retry). */
  quickRetries?: { retries?: number; minTimeoutMs?: number; maxTimeoutMs?: number };
  /** Back-off between claims of the same record (persisted). */
  backoff?: BackoffOptions;
  /**
   * Wait after an ambiguous send before asking the system what it got, so the original request
   * has surely finished on the server. Default 30 s.
   */
  reconcileDelayMs?: number;
  /**
   * Reconciliation searches documents received from (first send − margin) to (latest send + margin).
   * The margin covers clock skew between the till and the system and the time a request may take
   * to arrive. Default 15 minutes.
   */
  reconcileMarginMs?: number;
  /** Wait before the first confirmation poll of a sent document. Default 2 s (then back-off). */
  confirmDelayMs?: number;
  /** Records taken per claim (one durable commit). Default 2 × concurrency. */
  claimBatch?: number;
  /** How long a claimed unknown/sent record is reserved for this worker. Default 60 s. */
  leaseMs?: number;
  /** Keep confirmed records this long before purging. Default 30 days. */
  retentionMs?: number;
  purgeIntervalMs?: number;
  /** Called on every state change a relay makes. */
  onChange?: (info: RecordInfo) => void;
  /** Called after each tracking call with its outcome (for status and metrics). */
  onTracking?: (ok: boolean, error?: TrackingError | Error) => void;
}

export interface RelayStatus {
  running: boolean;
  inFlight: number;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  pausedForMs: number;
}

const DAY = 86_400_000;

function publicView(r: StoredRecord): RecordInfo {
  const { body: _body, lastError: _e, dead: _d, firstSentAt: _f, lastSentAt: _l, ...info } = r;
  return info;
}

export function toDocument(b: RecordBody): OutgoingDocument {
  const doc: OutgoingDocument = {
    type: b.type,
    reference: b.id,
    at: b.at,
    items: b.items.map((i) => ({ code: i.ki, ki: i.ki, km: i.km, price: i.price, quantity: i.quantity })),
  };
  if (b.saleId !== undefined) doc.saleReference = b.saleId;
  if (b.sellerTin !== undefined) doc.sellerTin = b.sellerTin;
  if (b.registerId !== undefined) doc.registerId = b.registerId;
  return doc;
}

export class Relay {
  private readonly store: SaleStore;
  private readonly tracking: TrackingSystem;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly concurrency: number;
  private readonly limiter: RateLimiter;
  private readonly opts: RelayOptions;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private kicked = false;
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Claimed records waiting for a free slot. */
  private ready: StoredRecord[] = [];
  private readonly claimBatch: number;
  private readonly stopController = new AbortController();
  private lastSuccessAt: number | null = null;
  private lastErrorAt: number | null = null;
  private lastError: string | null = null;
  private lastPurge = 0;

  constructor(opts: RelayOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.tracking = opts.tracking;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.concurrency = Math.max(1, opts.concurrency ?? 4);
    this.claimBatch = Math.max(this.concurrency, opts.claimBatch ?? this.concurrency * 2);
    const rpm = opts.requestsPerMinute !== undefined ? opts.requestsPerMinute : opts.tracking.limits.requestsPerMinute;
    this.limiter = new RateLimiter(rpm ? rpm * (opts.rateFactor ?? 0.97) : null, Math.max(1, opts.rateBurst ?? 1));
  }

  /** Resume after a restart (sending → unknown) and start draining. */
  async start(): Promise<void> {
    if (this.running) return;
    const now = this.now();
    await this.store.recoverInFlight(now, now + (this.opts.reconcileDelayMs ?? 30_000));
    this.running = true;
    this.loopDone = this.loop();
  }

  /** Something new is due (a sale was recorded, an operator retried): look now. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Stop claiming; wait for in-flight work up to `timeoutMs` (the rest is recovered on restart). */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake?.();
    await this.loopDone;
    const all = Promise.allSettled([...this.inFlight.values()]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)));
    await Promise.race([all, timeout]);
    clearTimeout(timer);
    this.stopController.abort(new Error('relay stopped'));
    // Claimed but never started: release their leases (nothing was sent).
    const left = this.ready;
    this.ready = [];
    for (const r of left) await this.store.update(r.id, {}, this.now()).catch((e) => this.noteError(e));
  }

  status(): RelayStatus {
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return {
      running: this.running,
      inFlight: this.inFlight.size,
      lastSuccessAt: iso(this.lastSuccessAt),
      lastErrorAt: iso(this.lastErrorAt),
      lastError: this.lastError,
      pausedForMs: Math.round(this.limiter.pausedForMs),
    };
  }

  private async loop(): Promise<void> {
    const lease = this.opts.leaseMs ?? 60_000;
    while (this.running) {
      this.kicked = false;
      let waitMs = 1000;
      try {
        await this.maybePurge();
        // Start claimed work while slots are free; claim in batches (one durable commit for many).
        while (this.inFlight.size < this.concurrency && this.ready.length > 0) this.startWork(this.ready.shift()!);
        if (this.inFlight.size < this.concurrency) {
          const recs = await this.store.claim(this.now(), this.claimBatch, lease);
          this.ready.push(...recs);
          if (recs.length > 0) waitMs = 0;
          else {
            const due = await this.store.nextDueAt();
            waitMs = due === null ? 60_000 : Math.max(0, due - this.now());
            // Due but not claimable (e.g. leased elsewhere): never spin.
            if (waitMs < 20) waitMs = 20;
          }
        } else waitMs = 60_000; // all slots busy: a finishing one wakes us
      } catch (e) {
        // The store failed (disk full, locked…): nothing changed; try again shortly.
        this.noteError(e);
        waitMs = 1000;
      }
      if (!this.running) break;
      // Yield to I/O between rounds: the store answers synchronously underneath.
      await new Promise<void>((r) => setImmediate(r));
      if (this.kicked) continue;
      if (waitMs <= 0 && this.inFlight.size < this.concurrency) continue;
      if (!this.running || this.kicked) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, Math.min(waitMs, 60_000));
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.wake = done;
      });
      this.wake = null;
    }
  }

  private async maybePurge(): Promise<void> {
    const now = this.now();
    if (now - this.lastPurge < (this.opts.purgeIntervalMs ?? 3_600_000)) return;
    this.lastPurge = now;
    await this.store.purge(now - (this.opts.retentionMs ?? 30 * DAY));
  }

  private startWork(r: StoredRecord): void {
    const p = this.work(r)
      .catch((e) => this.noteError(e))
      .finally(() => {
        this.inFlight.delete(r.id);
        this.wake?.();
      });
    this.inFlight.set(r.id, p);
  }

  private async work(r: StoredRecord): Promise<void> {
    if (r.state === 'queued') {
      // Durable before the request leaves: a crash from here on means "maybe received".
      const sending = await this.store.markSending(r.id, this.now());
      if (!sending) return;
      this.opts.onChange?.(publicView(sending));
      return this.submit(sending);
    }
    if (r.state === 'unknown') return this.reconcile(r);
    if (r.state === 'sent') return this.confirm(r);
  }

  private noteError(e: unknown): void {
    this.lastErrorAt = this.now();
    this.lastError = e instanceof Error ? `${(e as { code?: string }).code ?? e.name}: ${e.message}` : String(e);
  }

  private noteTracking(ok: boolean, e?: unknown): void {
    if (ok) this.lastSuccessAt = this.now();
    else this.noteError(e);
    this.opts.onTracking?.(ok, e instanceof Error ? e : undefined);
  }

  /** Apply a patch; retry while the store fails (the in-memory outcome must not be lost). */
  private async persist(id: string, patch: RecordPatch): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const info = await this.store.update(id, patch, this.now());
        this.opts.onChange?.(info);
        return;
      } catch (e) {
        this.noteError(e);
        if (!this.running && attempt > 3) throw e; // recovered from the store's state on restart
        await sleep(Math.min(5000, 100 * attempt), this.stopController.signal).catch(() => undefined);
      }
    }
  }

  private backoff(attempts: number, retryAfterMs?: number): number {
    return backoffDelay(attempts, this.opts.backoff, this.random, retryAfterMs);
  }

  /** One tracking call: rate-limited, with quick retries for transient errors only. */
  private call<T>(fn: () => Promise<T>): Promise<T> {
    const q = this.opts.quickRetries ?? {};
    return pRetry(
      async () => {
        await this.limiter.take(this.stopController.signal);
        try {
          const out = await fn();
          this.limiter.succeeded();
          this.noteTracking(true);
          return out;
        } catch (e) {
          if (isTrackingError(e) && (e.details.status === 429 || e.code === 'rate-limited')) this.limiter.throttled();
          this.noteTracking(false, e);
          throw e;
        }
      },
      {
        retries: q.retries ?? 2,
        minTimeout: q.minTimeoutMs ?? 250,
        maxTimeout: q.maxTimeoutMs ?? 2000,
        factor: 2,
        randomize: true,
        unref: true,
        shouldRetry: ({ error }) => this.running && isTrackingError(error) && error.kind === 'transient',
        onFailedAttempt: ({ error }) => {
          const ra = isTrackingError(error) ? error.details.retryAfterMs : undefined;
          if (ra !== undefined && ra > 0) this.limiter.pause(Math.min(ra, this.opts.backoff?.maxDelayMs ?? 300_000));
        },
      },
    );
  }

  private async submit(r: StoredRecord): Promise<void> {
    const doc = toDocument(r.body);
    try {
      const res = await this.call(() => (doc.type === 'sale' ? this.tracking.submitSale(doc) : this.tracking.submitReturn(doc)));
      await this.persist(r.id, {
        state: 'sent',
        documentId: res.documentId,
        nextAttemptAt: this.now() + (this.opts.confirmDelayMs ?? 2000),
        lastError: null,
        reasons: [],
      });
    } catch (e) {
      await this.failed(r, e, 'submit');
    }
  }

  /** Decide what a failed call means for the record. */
  private async failed(r: StoredRecord, e: unknown, during: 'submit' | 'reconcile' | 'confirm'): Promise<void> {
    const now = this.now();
    const err = isTrackingError(e)
      ? e
      : new TrackingError('unknown-result', 'unexpected', e instanceof Error ? e.message : String(e));
    const lastError = `${err.code}: ${err.message}`;
    if (during === 'submit') {
      if (err.kind === 'unknown-result') {
        await this.persist(r.id, { state: 'unknown', nextAttemptAt: now + (this.opts.reconcileDelayMs ?? 30_000), lastError });
      } else if (err.kind === 'permanent') {
        await this.persist(r.id, {
          state: 'rejected',
          dead: true,
          nextAttemptAt: null,
          lastError,
          reasons: [{ code: err.code, message: err.message }],
        });
      } else {
        // transient or auth: nothing reached the system; back to the queue after a capped back-off.
        await this.persist(r.id, { state: 'queued', nextAttemptAt: now + this.backoff(r.attempts, err.details.retryAfterMs), lastError });
      }
      return;
    }
    // reconcile / confirm: the record keeps its state and is asked about again later.
    const next = now + this.backoff(r.attempts + 1, err.details.retryAfterMs);
    if (during === 'confirm' && err.kind === 'permanent' && err.details.status === 404) {
      // The system does not know that document id: find it by our reference instead.
      await this.persist(r.id, { state: 'unknown', nextAttemptAt: now, lastError });
      return;
    }
    await this.persist(r.id, { nextAttemptAt: next, attempts: 1, lastError });
  }

  private async reconcile(r: StoredRecord): Promise<void> {
    // Any document of ours was received between the first send and shortly after the latest one.
    const firstSent = r.firstSentAt ?? Date.parse(r.createdAt);
    const lastSent = r.lastSentAt ?? this.now();
    const margin = this.opts.reconcileMarginMs ?? 15 * 60_000;
    const from = new Date(firstSent - margin).toISOString();
    const to = new Date(lastSent + margin).toISOString();
    let docs: DocumentInfo[];
    try {
      docs = await this.call(() => this.tracking.findDocuments(r.id, from, to));
    } catch (e) {
      await this.failed(r, e, 'reconcile');
      return;
    }
    // Only a document that carries our reference proves delivery; anything else is not ours.
    const mine = docs.filter((d) => d.reference === r.id);
    if (mine.length === 0) {
      // Proven absent: send again, now.
      await this.persist(r.id, { state: 'queued', nextAttemptAt: this.now(), lastError: null });
      return;
    }
    const best = mine.find((d) => d.state === 'success') ?? mine[0];
    await this.applyDocument(r, best);
  }

  private async confirm(r: StoredRecord): Promise<void> {
    if (!r.documentId) {
      await this.persist(r.id, { state: 'unknown', nextAttemptAt: this.now() });
      return;
    }
    const id = r.documentId;
    try {
      const info = await this.call(() => this.tracking.getDocument(id));
      await this.applyDocument(r, info);
    } catch (e) {
      await this.failed(r, e, 'confirm');
    }
  }

  private async applyDocument(r: StoredRecord, d: DocumentInfo): Promise<void> {
    if (d.state === 'success') {
      await this.persist(r.id, { state: 'confirmed', documentId: d.documentId, nextAttemptAt: null, lastError: null, reasons: [] });
    } else if (d.state === 'error' || d.state === 'partial') {
      const reasons = d.errors.length
        ? d.errors.map((x) => ({ code: x.code ?? 'rejected', message: x.message }))
        : [{ code: 'rejected', message: `The tracking system rejected document ${d.documentId}.` }];
      await this.persist(r.id, { state: 'rejected', documentId: d.documentId, dead: true, nextAttemptAt: null, reasons, lastError: null });
    } else {
      // created / in-process: ask again later, backing off geometrically (wait half the document's
      // age so far), between the first-poll delay and the back-off cap.
      const age = this.now() - (r.firstSentAt ?? Date.parse(r.createdAt));
      const delay = Math.min(this.opts.backoff?.maxDelayMs ?? 300_000, Math.max(this.opts.confirmDelayMs ?? 2000, age / 2));
      await this.persist(r.id, { state: 'sent', documentId: d.documentId, nextAttemptAt: this.now() + delay });
    }
  }
}

export function createRelay(opts: RelayOptions): Relay {
  return new Relay(opts);
}
