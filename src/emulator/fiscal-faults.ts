/**
 * fiscal-faults.ts — fault plumbing shared by the fiscal cash-register emulators (Webkassa,
 * re:Kassa): the common fault keys (zod), the listener with its socket set, cancellable delays,
 * and answer delivery with the "after the request was acted on" faults (hang, latency, reset).
 * Nothing here knows a cash-register API; each emulator decides which faults apply to a request.
 */
import type { Socket } from 'node:net';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';

export const HOUR_MS = 3_600_000;
/** Autonomous mode blocks after 72 h (KGD order №626 items 29.6 / 106.6). */
export const OFFLINE_LIMIT_MS = 72 * HOUR_MS;
/** A shift may stay open 24 h. */
export const SHIFT_LIMIT_MS = 24 * HOUR_MS;

/** An instant given as epoch ms or an ISO date-time string. */
export const instantSchema = z.union([
  z.number().int().min(0),
  z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO date-time'),
]);
export type Instant = z.infer<typeof instantSchema>;

export function toEpochMs(v: Instant): number {
  return typeof v === 'number' ? v : Date.parse(v);
}

/** Fault keys both fiscal emulators understand (spread into each emulator's own schema). */
export const commonFaultsShape = {
  /** Delay before every API answer (after the request was acted on). */
  latencyMs: z.number().int().min(0).max(600_000).optional(),
  /** Share (0..1) of API calls answered with HTTP `errorStatus` instead of being handled. Seeded PRNG. */
  errorRate: z.number().min(0).max(1).optional(),
  errorStatus: z.number().int().min(400).max(599).optional(),
  /** Every API call answers HTTP 503 at once; nothing is processed. */
  outage: z.boolean().optional(),
  /** Destroy the socket instead of answering, AFTER acting (the receipt IS issued): true = always, a number = probability. */
  resetConnections: z.union([z.boolean(), z.number().min(0).max(1)]).optional(),
  /** Issue the receipt, then wait this long before answering (the client times out after the request). */
  hangAfterIssueMs: z.number().int().min(0).max(600_000).optional(),
  /** Lifetime of tokens issued from now on. */
  tokenTtlSeconds: z.number().min(0).optional(),
  /** No link to the OFD: receipts are issued autonomously (offline flag, autonomous fiscal sign). */
  offline: z.boolean().optional(),
  /** Pretend the register has been autonomous since then; older than 72 h → blocked until cleared. */
  offlineSince: instantSchema.optional(),
};

/** Cancellable timers: `close()` must not wait for a 10-minute hang. */
export class Delays {
  private readonly pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  wait(ms: number): Promise<void> {
    if (!ms || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.pending.add(entry);
    });
  }

  cancelAll(): void {
    for (const e of this.pending) {
      clearTimeout(e.timer);
      e.resolve();
    }
    this.pending.clear();
  }
}

export interface FiscalListener {
  app: FastifyInstance;
  delays: Delays;
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  close(): Promise<void>;
}

/** A fastify app that tracks its sockets so `close()` ends even with hanging requests. */
export function createFiscalListener(): FiscalListener {
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024, forceCloseConnections: true });
  const sockets = new Set<Socket>();
  const delays = new Delays();
  app.server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    app,
    delays,
    listen: async (port, host) => {
      const address = await app.listen({ port, host });
      const p = (app.server.address() as { port: number }).port;
      return { url: address.replace('[::1]', '127.0.0.1'), port: p };
    },
    close: async () => {
      delays.cancelAll();
      for (const s of sockets) s.destroy();
      await app.close();
    },
  };
}

/** Whether a `resetConnections` fault fires for this answer (draws from the PRNG only for a probability). */
export function resetFires(reset: boolean | number | undefined, random: () => number): boolean {
  if (reset === true) return true;
  return typeof reset === 'number' && reset > 0 && random() < reset;
}

export interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface DeliverOptions {
  /** Wait after acting, before the latency (hangAfterIssueMs when a receipt was issued). */
  hangMs?: number;
  latencyMs?: number;
  /** Destroy the socket instead of answering. */
  reset?: boolean;
  /** Called after the waits, just before the answer leaves (e.g. release a per-register lock). */
  beforeSend?: () => void;
}

/** Send an answer after the post-action faults. Returns the reply for fastify's async handlers. */
export async function deliver(reply: FastifyReply, delays: Delays, answer: Answer, o: DeliverOptions = {}): Promise<FastifyReply> {
  try {
    if (o.hangMs) await delays.wait(o.hangMs);
    if (o.latencyMs) await delays.wait(o.latencyMs);
  } finally {
    o.beforeSend?.();
  }
  if (o.reset) {
    reply.hijack();
    reply.request.raw.socket.destroy();
    return reply;
  }
  reply.code(answer.status);
  for (const [k, v] of Object.entries(answer.headers ?? {})) reply.header(k, v);
  return reply.send(answer.body);
}

/** Stable JSON (sorted keys) so two bodies compare by content, not by key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export const pad = (n: number | string, width: number): string => String(n).padStart(width, '0');

/**
 * A fiscal-sign-like digit string, numerically monotonic per register: '1', the register index
 * (3 digits), the sequence number (7 digits), then '1' for an autonomous sign or '0' online [I].
 */
export function fiscalSign(registerIndex: number, seq: number, offline: boolean): string {
  return `1${pad(registerIndex, 3)}${pad(seq, 7)}${offline ? '1' : '0'}`;
}

/** Money held as integer minor units (tiyn). Rounds half away from zero, robust to binary fractions. */
export function toMinor(x: number): number {
  return Math.round(x * 100 + (x >= 0 ? 1e-7 : -1e-7));
}

/** ISO 8601 with the +05:00 offset of Kazakhstan, seconds precision. */
export function kzIso(ms: number): string {
  const d = new Date(ms + 5 * HOUR_MS);
  return `${d.toISOString().slice(0, 19)}+05:00`;
}

/** "yyyyMMddTHHmmss" in +05:00, the `t=` parameter of a KZ OFD receipt link [I]. */
export function kzCompact(ms: number): string {
  return kzIso(ms).slice(0, 19).replace(/[-:]/g, '');
}
