import { describe, expect, it } from 'vitest';
import { decide, isExpired, localDate, type RuleInput, type RuleSettings } from '../../src/decision/rules.js';
import { reason, REASON_CODES } from '../../src/decision/messages.js';
import type { ParseResult } from '../../src/marking/types.js';
import type { CodeStatus } from '../../src/tracking/types.js';

const KI = '0104600439931256215Kbx-X';

function parsed(over: Partial<ParseResult> = {}): ParseResult {
  return {
    ok: true,
    kind: 'marking',
    gtin: '04600439931256',
    serial: '5Kbx-X',
    ki: KI,
    km: KI + '\x1d93abcd',
    productGroup: null,
    mrp: null,
    expiry: null,
    repairs: [],
    error: null,
    ...over,
  };
}

/** A clean online answer: every flag present and harmless. */
function status(over: Partial<CodeStatus> = {}): CodeStatus {
  return {
    code: KI,
    ki: KI,
    found: true,
    status: 'INTRODUCED',
    ownerTin: '123456789012',
    blocked: false,
    sold: false,
    expiresAt: null,
    mrp: null,
    minPrice: null,
    productGroup: null,
    raw: {},
    ...over,
  };
}

/** An answer where every optional fact is absent. */
function bare(over: Partial<CodeStatus> = {}): CodeStatus {
  return status({ status: null, ownerTin: null, blocked: null, sold: null, expiresAt: null, mrp: null, minPrice: null, ...over });
}

const settings: RuleSettings = {
  timeZone: 'Asia/Almaty',
  sellerTin: '123456789012',
  checkOwner: true,
  minPrices: { beer: 30000 },
  unknownPolicy: 'allow',
};

// 2026-03-10 20:30 UTC = 2026-03-11 01:30 in Almaty (UTC+5).
const NOW = new Date('2026-03-10T20:30:00Z');

function input(over: Partial<RuleInput> = {}): RuleInput {
  return { code: parsed(), online: null, cached: null, soldHere: false, blockedLocally: false, now: NOW, ...over };
}

type Row = [name: string, inp: Partial<RuleInput>, verdict: string, reasons: string[], source: string, set?: Partial<RuleSettings>];

const rows: Row[] = [
  ['clean online answer', { online: status() }, 'allow', [], 'online'],
  ['absent flags never deny', { online: bare() }, 'allow', [], 'online'],
  ['unknown status string does not deny', { online: status({ status: 'SOMETHING_NEW' }) }, 'allow', [], 'online'],
  ['invalid code', { code: parsed({ ok: false, kind: 'unknown', ki: null, error: { code: 'bad-check-digit', message: 'x' } }) }, 'deny', ['invalid-code'], 'local'],
  ['plain product barcode', { code: parsed({ kind: 'gtin', serial: null, ki: null }) }, 'deny', ['not-marking-code'], 'local'],
  ['not found', { online: status({ found: false }) }, 'deny', ['not-found'], 'online'],
  ['emitted, not in circulation', { online: status({ status: 'EMITTED' }) }, 'deny', ['not-in-circulation'], 'online'],
  ['applied, not in circulation', { online: status({ status: 'applied' }) }, 'deny', ['not-in-circulation'], 'online'],
  ['written off', { online: status({ status: 'WRITTEN_OFF' }) }, 'deny', ['not-in-circulation'], 'online'],
  ['sold flag', { online: status({ sold: true }) }, 'deny', ['already-sold'], 'online'],
  ['retired status', { online: status({ status: 'RETIRED' }) }, 'deny', ['already-sold'], 'online'],
  ['withdrawn status', { online: status({ status: 'WITHDRAWN' }) }, 'deny', ['already-sold'], 'online'],
  ['blocked online', { online: status({ blocked: true }) }, 'deny', ['blocked'], 'online'],
  ['expired yesterday (store day)', { online: status({ expiresAt: '2026-03-10' }) }, 'deny', ['expired'], 'online'],
  ['expires today in the store time zone: still sellable', { online: status({ expiresAt: '2026-03-11' }) }, 'allow', [], 'online'],
  ['same instant is a different day in UTC: store zone wins', { online: status({ expiresAt: '2026-03-10' }) }, 'allow', [], 'online', { timeZone: 'UTC' }],
  ['expiry date-time in the past', { online: status({ expiresAt: '2026-03-10T20:00:00Z' }) }, 'deny', ['expired'], 'online'],
  ['expiry from the code itself, no answer', { code: parsed({ expiry: '2026-01-31' }) }, 'deny', ['expired'], 'local'],
  ['other owner', { online: status({ ownerTin: '999999999999' }) }, 'deny', ['other-owner'], 'online'],
  ['other owner, check disabled', { online: status({ ownerTin: '999999999999' }) }, 'allow', [], 'online', { checkOwner: false }],
  ['other owner, no seller BIN configured', { online: status({ ownerTin: '999999999999' }) }, 'allow', [], 'online', { sellerTin: null }],
  ['price above MRP (from the answer)', { online: status({ mrp: 120000 }), price: 125000 }, 'deny', ['price-above-mrp'], 'online'],
  ['price at MRP', { online: status({ mrp: 120000 }), price: 120000 }, 'allow', [], 'online'],
  ['price above MRP carried by the code, offline', { code: parsed({ mrp: 90000, productGroup: 'tobacco' }), price: 95000 }, 'deny', ['price-above-mrp'], 'local'],
  ['price below the answer minimum', { online: status({ minPrice: 50000 }), price: 40000 }, 'deny', ['price-below-min'], 'online'],
  ['price below the configured minimum for the group', { online: status({ productGroup: 'beer' }), price: 20000 }, 'deny', ['price-below-min'], 'online'],
  ['no price given: price rules silent', { online: status({ mrp: 1, minPrice: 999999 }) }, 'allow', [], 'online'],
  ['sold here, online clean', { online: status(), soldHere: true }, 'deny', ['sold-here'], 'online'],
  ['sold here, no answer', { soldHere: true }, 'deny', ['sold-here'], 'local'],
  ['blocked locally, no answer', { blockedLocally: true }, 'deny', ['blocked'], 'local'],
  ['no answer, nothing local: unknown, allowed', {}, 'unknown', ['not-checked'], 'none'],
  ['no answer, policy deny', {}, 'deny', ['not-checked'], 'none', { unknownPolicy: 'deny' }],
  ['no answer, clean cache', { cached: status() }, 'allow', ['cached-status'], 'local'],
  ['no answer, cache says sold', { cached: status({ sold: true }) }, 'deny', ['already-sold', 'cached-status'], 'local'],
  ['several reasons at once', { online: status({ sold: true, blocked: true }), soldHere: true }, 'deny', ['already-sold', 'blocked', 'sold-here'], 'online'],
  ['not found hides the rest of the answer', { online: status({ found: false, sold: true }) }, 'deny', ['not-found'], 'online'],
];

describe('decide (rule table)', () => {
  it.each(rows)('%s', (_name, inp, verdict, reasons, source, set) => {
    const out = decide(input(inp), { ...settings, ...(set ?? {}) });
    expect(out.verdict).toBe(verdict);
    expect(out.reasons).toEqual(reasons);
    expect(out.source).toBe(source);
    expect(out.allowed).toBe(verdict !== 'deny');
  });
});

describe('expiry in the store time zone', () => {
  it('computes the local calendar day', () => {
    expect(localDate(NOW, 'Asia/Almaty')).toBe('2026-03-11');
    expect(localDate(NOW, 'UTC')).toBe('2026-03-10');
    expect(localDate(NOW, 'America/New_York')).toBe('2026-03-10');
  });
  it('ignores an unreadable date (absent fact)', () => {
    expect(isExpired('not a date', NOW, 'UTC')).toBe(false);
  });
});

describe('cashier messages', () => {
  it('has a message in kk, ru and en for every reason, and remedies for denials', () => {
    for (const code of REASON_CODES) {
      const texts = (['kk', 'ru', 'en'] as const).map((l) => reason(code, l));
      for (const t of texts) {
        expect(t.code).toBe(code);
        expect(t.message.length).toBeGreaterThan(10);
        if (code !== 'cached-status') expect(t.remedy?.length ?? 0).toBeGreaterThan(10);
      }
      // three different languages, not one text copied
      expect(new Set(texts.map((t) => t.message)).size).toBe(3);
    }
  });
  it('says the policy forbids selling when unknown turns into deny', () => {
    expect(reason('not-checked', 'en', 'deny').message).toMatch(/policy/);
    expect(reason('not-checked', 'ru', 'deny').message).toMatch(/запрещают/);
  });
});
