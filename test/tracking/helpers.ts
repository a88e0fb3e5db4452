/** Shared fixtures for tracking tests: codes, documents and a controllable clock. */
import type { DocumentItem, OutgoingDocument } from '../../src/tracking/types.js';

const GS = '\u001d';

const TAIL = 'dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3R0'; // 44 chars, as in light-industry codes

/** A light-industry KM for GTIN 04600439931256 with a 13-character serial `S<n>` and a crypto tail. */
export function km(n: number): string {
  return `${ki(n)}${GS}91EE06${GS}92${TAIL}`;
}

export function ki(n: number): string {
  return `010460043993125621S${String(n).padStart(12, '0')}`;
}

export function item(n: number, price = 10_000): DocumentItem {
  return { code: km(n), ki: ki(n), km: km(n), price, quantity: 1 };
}

export function saleDoc(reference: string, ns: number[], at = new Date().toISOString()): OutgoingDocument {
  return { type: 'sale', reference, at, items: ns.map((n) => item(n)), sellerTin: '123456789012' };
}

export function returnDoc(reference: string, saleReference: string, ns: number[], at = new Date().toISOString()): OutgoingDocument {
  return { type: 'return', reference, saleReference, at, items: ns.map((n) => item(n)), sellerTin: '123456789012' };
}

/** A clock both the emulator and the adapter read; tests move it explicitly. */
export function manualClock(start = Date.parse('2026-03-01T10:00:00Z')) {
  let t = start;
  return {
    now: () => t,
    advance(ms: number) {
      t += ms;
    },
  };
}

/** Poll `fn` until it returns a truthy value (each poll is a real request, not a sleep). */
export async function until<T>(fn: () => Promise<T | null | undefined | false>, tries = 50): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not reached');
}
