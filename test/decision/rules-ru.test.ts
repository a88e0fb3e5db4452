/**
 * The RU rules as a table (pure, no I/O): reference tracking-systems.md §4.4 refusals, the offline
 * rule (only block list / sold / price data refuse when checked offline), the combined mode (online
 * wins, an offline sold=true still refuses), ТС ПИоТ emergency mode, the MRP setting, and the
 * receipt requisites (tag 1260/1265) from whichever live answer decided.
 */
import { describe, expect, it } from 'vitest';
import { REASON_CODES, reason } from '../../src/decision/messages.js';
import { decide, INDUSTRY_REQUISITE, requisitesFor, type RuleInput, type RuleSettings } from '../../src/decision/rules.js';
import type { ParseResult } from '../../src/marking/types.js';
import type { CodeStatus } from '../../src/tracking/types.js';

const KI = '010460043993125621S000000000001';
const NOW = new Date('2026-03-14T07:00:00Z'); // 10:00 in Moscow

function parsed(over: Partial<ParseResult> = {}): ParseResult {
  return { ok: true, kind: 'marking', gtin: '04600439931256', serial: 'S000000000001', ki: KI, km: `${KI}\u001d91EE06`, productGroup: 'light_industry', mrp: null, expiry: null, repairs: [], error: null, ...over };
}

/** A clean ТС ПИоТ online answer: every §4.4 flag present and harmless. */
function online(over: Partial<CodeStatus> = {}): CodeStatus {
  return {
    code: KI,
    ki: KI,
    found: true,
    status: 'INTRODUCED',
    ownerTin: null,
    blocked: false,
    sold: false,
    expiresAt: null,
    mrp: null,
    minPrice: null,
    productGroup: null,
    raw: {},
    valid: true,
    verified: true,
    utilised: true,
    realizable: true,
    errorCode: null,
    checkedOffline: false,
    requisites: { reqId: 'a1', reqTimestamp: 1773471600000 },
    ...over,
  };
}

/** An offline answer as ТС ПИоТ (is_checked_offline) or the Local Module gives it: ГИС МТ flags false. */
function offline(over: Partial<CodeStatus> = {}): CodeStatus {
  return online({
    found: false,
    valid: false,
    verified: false,
    utilised: false,
    realizable: false,
    status: null,
    checkedOffline: true,
    requisites: { reqId: 'b2', reqTimestamp: 1773471600500, inst: 'lm-1', version: '17.2' },
    ...over,
  });
}

const settings: RuleSettings = { timeZone: 'Europe/Moscow', sellerTin: null, checkOwner: false, minPrices: { water: 3_000 }, unknownPolicy: 'allow' };

function input(over: Partial<RuleInput> = {}): RuleInput {
  return { code: parsed(), online: null, offline: null, cached: null, soldHere: false, blockedLocally: false, now: NOW, ...over };
}

type Row = [name: string, inp: Partial<RuleInput>, verdict: string, reasons: string[], source: string, set?: Partial<RuleSettings>];

const rows: Row[] = [
  // §4.4 online, one condition each
  ['clean', { online: online() }, 'allow', [], 'online'],
  ['valid=false', { online: online({ valid: false }) }, 'deny', ['invalid-code'], 'online'],
  ['found=false', { online: online({ found: false }) }, 'deny', ['not-found'], 'online'],
  ['utilised=false', { online: online({ utilised: false }) }, 'deny', ['not-applied'], 'online'],
  ['verified=false', { online: online({ verified: false }) }, 'deny', ['not-verified'], 'online'],
  ['sold=true', { online: online({ sold: true }) }, 'deny', ['already-sold'], 'online'],
  ['realizable=false', { online: online({ realizable: false }) }, 'deny', ['not-in-circulation'], 'online'],
  ['isBlocked=true', { online: online({ blocked: true }) }, 'deny', ['blocked'], 'online'],
  ['expireDate yesterday (store day)', { online: online({ expiresAt: '2026-03-13' }) }, 'deny', ['expired'], 'online'],
  ['expireDate today: still sellable', { online: online({ expiresAt: '2026-03-14' }) }, 'allow', [], 'online'],
  ['price above mrp', { online: online({ mrp: 10_000 }), price: 10_001 }, 'deny', ['price-above-mrp'], 'online'],
  ['price below mrp, rule max', { online: online({ mrp: 10_000 }), price: 9_000 }, 'allow', [], 'online'],
  ['price below mrp, rule exact', { online: online({ mrp: 10_000 }), price: 9_000 }, 'deny', ['price-not-mrp'], 'online', { mrpRule: 'exact' }],
  ['price at mrp, rule exact', { online: online({ mrp: 10_000 }), price: 10_000 }, 'allow', [], 'online', { mrpRule: 'exact' }],
  ['price below smp', { online: online({ minPrice: 8_000 }), price: 7_999 }, 'deny', ['price-below-min'], 'online'],
  ['price below the group minimum', { code: parsed({ productGroup: 'water' }), online: online(), price: 2_000 }, 'deny', ['price-below-min'], 'online'],
  ['a per-code error with nothing else wrong', { online: online({ errorCode: 7 }) }, 'deny', ['check-error'], 'online'],
  ['a per-code error explained by a flag', { online: online({ verified: false, errorCode: 7 }) }, 'deny', ['not-verified'], 'online'],
  ['several at once', { online: online({ utilised: false, realizable: false, blocked: true }) }, 'deny', ['not-applied', 'not-in-circulation', 'blocked'], 'online'],
  ['absent flags never refuse', { online: online({ valid: null, verified: null, utilised: null, realizable: null, sold: null, blocked: null, status: null }) }, 'allow', [], 'online'],
  // offline (checked by the Local Module, directly or through ТС ПИоТ)
  ['offline: found/valid/verified/utilised/realizable false do not refuse', { online: offline() }, 'allow', ['checked-offline'], 'local'],
  ['offline: blocked refuses', { online: offline({ blocked: true }) }, 'deny', ['blocked', 'checked-offline'], 'local'],
  ['offline: sold refuses', { online: offline({ sold: true }) }, 'deny', ['already-sold', 'checked-offline'], 'local'],
  ['offline: price above mrp refuses', { online: offline({ mrp: 10_000 }), price: 12_000 }, 'deny', ['price-above-mrp', 'checked-offline'], 'local'],
  ['offline: price below smp refuses', { online: offline({ minPrice: 10_000 }), price: 9_000 }, 'deny', ['price-below-min', 'checked-offline'], 'local'],
  ['offline: an expiry in the answer does not refuse', { online: offline({ expiresAt: '2020-01-01' }) }, 'allow', ['checked-offline'], 'local'],
  ['offline: the code\'s own expiry still refuses', { code: parsed({ expiry: '2026-03-01' }), online: offline() }, 'deny', ['expired', 'checked-offline'], 'local'],
  ['offline: a per-code error does not refuse', { online: offline({ errorCode: 3 }) }, 'allow', ['checked-offline'], 'local'],
  ['offline: sold here refuses', { online: offline(), soldHere: true }, 'deny', ['sold-here', 'checked-offline'], 'local'],
  // combined mode: the online part and the Local Module
  ['combined: only the Local Module answered', { offline: offline() }, 'allow', ['checked-offline'], 'local'],
  ['combined: the Local Module says blocked, online silent', { offline: offline({ blocked: true }) }, 'deny', ['blocked', 'checked-offline'], 'local'],
  ['combined: both answered, online wins', { online: online(), offline: offline({ blocked: true }) }, 'allow', [], 'online'],
  ['combined: offline sold=true wins over a clean online answer', { online: online(), offline: offline({ sold: true }) }, 'deny', ['already-sold'], 'online'],
  ['combined: online not found refuses though offline is clean', { online: online({ found: false }), offline: offline() }, 'deny', ['not-found'], 'online'],
  ['combined: neither answered', {}, 'unknown', ['not-checked'], 'none'],
  // ТС ПИоТ emergency mode (203)
  ['emergency without a result: not checked', { online: online({ unchecked: true, emergency: true, found: false }) }, 'unknown', ['not-checked', 'emergency-mode'], 'none'],
  ['emergency without a result, policy deny', { online: online({ unchecked: true, emergency: true, found: false }) }, 'deny', ['not-checked', 'emergency-mode'], 'none', { unknownPolicy: 'deny' }],
  ['emergency without a result, the Local Module answered', { online: online({ unchecked: true, emergency: true }), offline: offline() }, 'allow', ['checked-offline', 'emergency-mode'], 'local'],
  ['emergency with a result: facts decide', { online: online({ emergency: true, sold: true }) }, 'deny', ['already-sold', 'emergency-mode'], 'online'],
  ['emergency with a clean result', { online: online({ emergency: true }) }, 'allow', ['emergency-mode'], 'online'],
  ['emergency without a result falls back to a fresh cached answer', { online: online({ unchecked: true }), cached: online() }, 'allow', ['cached-status'], 'local'],
];

describe('RU decision rules (table)', () => {
  it.each(rows)('%s', (_name, inp, verdict, reasons, source, set) => {
    const out = decide(input(inp), { ...settings, ...(set ?? {}) });
    expect(out.verdict).toBe(verdict);
    expect(out.reasons).toEqual(reasons);
    expect(out.source).toBe(source);
    expect(out.allowed).toBe(verdict !== 'deny');
  });
});

describe('receipt requisites (tag 1260)', () => {
  it('online: UUID=<reqId>&Time=<reqTimestamp> with FOIV 030, 21.11.2023, 1944', () => {
    expect(decide(input({ online: online() }), settings).requisites).toEqual({ fois: '030', date: '21.11.2023', number: '1944', value: 'UUID=a1&Time=1773471600000' });
    expect(INDUSTRY_REQUISITE).toEqual({ fois: '030', date: '21.11.2023', number: '1944' });
  });

  it('offline: &Inst=…&Ver=… appended', () => {
    expect(decide(input({ online: offline() }), settings).requisites?.value).toBe('UUID=b2&Time=1773471600500&Inst=lm-1&Ver=17.2');
  });

  it('from whichever answer decided: online when both came, the Local Module when only it did', () => {
    expect(decide(input({ online: online(), offline: offline() }), settings).requisites?.value).toBe('UUID=a1&Time=1773471600000');
    expect(decide(input({ offline: offline() }), settings).requisites?.value).toBe('UUID=b2&Time=1773471600500&Inst=lm-1&Ver=17.2');
    expect(decide(input({ online: online({ unchecked: true }), offline: offline() }), settings).requisites?.value).toMatch(/&Inst=lm-1/);
  });

  it('none without a live answer (cache, emergency without a result, nothing), and only the parts an answer has', () => {
    expect(decide(input({ cached: online() }), settings).requisites).toBeUndefined();
    expect(decide(input({ online: online({ unchecked: true }) }), settings).requisites).toBeUndefined();
    expect(decide(input(), settings).requisites).toBeUndefined();
    expect(requisitesFor(online({ requisites: undefined }))).toBeUndefined();
    expect(requisitesFor(offline({ requisites: { reqId: 'c', reqTimestamp: 5, inst: 'i' } }))?.value).toBe('UUID=c&Time=5&Inst=i');
    // an online answer never gets the offline suffix, even if it names an instance
    expect(requisitesFor(online({ requisites: { reqId: 'd', reqTimestamp: 6, inst: 'i', version: 'v' } }))?.value).toBe('UUID=d&Time=6');
  });

  it('True API CDN answers keep reqId/reqTimestamp in raw: they give requisites too', () => {
    const cdn = online({ requisites: undefined, raw: { cis: KI, reqId: 'e5', reqTimestamp: 77 } });
    expect(requisitesFor(cdn)?.value).toBe('UUID=e5&Time=77');
  });
});

describe('cashier messages for the RU reasons', () => {
  it('exist in kk, ru and en, differ between languages, and carry a remedy', () => {
    const ru = ['not-applied', 'not-verified', 'check-error', 'price-not-mrp', 'checked-offline', 'emergency-mode'] as const;
    for (const code of ru) {
      expect(REASON_CODES).toContain(code);
      const texts = (['kk', 'ru', 'en'] as const).map((l) => reason(code, l));
      expect(new Set(texts.map((t) => t.message)).size).toBe(3);
      for (const t of texts) expect(t.remedy?.length ?? 0).toBeGreaterThan(10);
    }
  });
});
