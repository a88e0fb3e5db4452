/**
 * `createDecider(options).check(code)` → Decision. Parses the code, then runs the online status
 * check, the RU Local Module's offline check (when configured: a ParallelTracking's `parts`, or
 * `offline`) and the local lookups in parallel under one time budget (default 1.5 s). When the
 * budget runs out the calls still running are cancelled through their AbortSignal and the verdict
 * is given from what is known; the verdict never waits longer than the budget. RU answers carry the
 * receipt requisites into the Decision.
 */
import { parseCode } from '../marking/index.js';
import type { Country, ParseResult } from '../marking/types.js';
import { isParallelTracking } from '../tracking/local-module/parallel.js';
import type { CodeStatus, TrackingSystem } from '../tracking/types.js';
import { BlockList, StatusCache, type SoldHereLookup } from './local-knowledge.js';
import { reason } from './messages.js';
import { decide, type RuleSettings, type UnknownPolicy } from './rules.js';
import type { Decision, Language } from './types.js';

export interface DeciderOptions {
  /** The online side; null runs on local knowledge only. A ParallelTracking brings its offline part along. */
  tracking: TrackingSystem | null;
  /** RU: an offline check (the Local Module) run beside `tracking` under the same budget. */
  offline?: TrackingSystem | null;
  /** [S] `max` (default) or `exact`: see RuleSettings.mrpRule. */
  mrpRule?: 'max' | 'exact';
  /** Codes sold here (normally the sale store). */
  soldHere?: SoldHereLookup;
  /** Milliseconds the verdict may take at most. Default 1500. */
  budgetMs?: number;
  language?: Language;
  country?: Country;
  gsSubstitutes?: string[];
  /** IANA time zone of the store; default: the process's time zone. */
  timeZone?: string;
  sellerTin?: string | null;
  /** Deny items owned by another seller (needs `sellerTin`). Default false. */
  checkOwner?: boolean;
  /** Minimum prices in minor units by product group. */
  minPrices?: Record<string, number>;
  unknownPolicy?: UnknownPolicy;
  /** How long an online status stays usable as a fallback. Default 10 minutes. */
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  blockList?: BlockList;
  /** Wall clock (ms since epoch) for the rules and `checkedAt`. Default Date.now. */
  now?: () => number;
  /** Parser; default the marking engine's parseCode. */
  parse?: (raw: string | Uint8Array, opts: { country?: Country; gsSubstitutes?: string[] }) => ParseResult;
}

export interface CheckOptions {
  /** Price in minor units, for price rules. */
  price?: number;
  registerId?: string;
}

export interface Decider {
  check(raw: string | Uint8Array, opts?: CheckOptions): Promise<Decision>;
  readonly cache: StatusCache;
  readonly blockList: BlockList;
  /** Called by the terminal after a sale so the cached status does not keep saying "in circulation". */
  forget(ki: string): void;
}

export const DEFAULT_BUDGET_MS = 1500;

export function createDecider(options: DeciderOptions): Decider {
  const now = options.now ?? Date.now;
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const language = options.language ?? 'en';
  const parse = options.parse ?? ((raw, o) => parseCode(raw, o));
  const settings: RuleSettings = {
    timeZone: options.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
    sellerTin: options.sellerTin ?? null,
    checkOwner: options.checkOwner ?? false,
    minPrices: options.minPrices ?? {},
    unknownPolicy: options.unknownPolicy ?? 'allow',
    ...(options.mrpRule ? { mrpRule: options.mrpRule } : {}),
  };
  if (!Number.isFinite(budgetMs) || budgetMs < 0) throw new RangeError('budgetMs must be a non-negative number');
  const cache = new StatusCache(options.cacheTtlMs ?? 10 * 60_000, options.cacheMaxEntries ?? 10_000, now);
  const blockList = options.blockList ?? new BlockList();
  const parts = isParallelTracking(options.tracking)
    ? options.tracking.parts
    : { online: options.tracking, offline: options.offline ?? null };

  async function check(raw: string | Uint8Array, opts: CheckOptions = {}): Promise<Decision> {
    const started = performance.now();
    const code = parse(raw, { country: options.country, gsSubstitutes: options.gsSubstitutes });
    const finish = (out: ReturnType<typeof decide>): Decision => ({
      code,
      verdict: out.verdict,
      allowed: out.allowed,
      reasons: out.reasons.map((r) => reason(r, language, out.policyDenied && r === 'not-checked' ? 'deny' : undefined)),
      source: out.source,
      checkedAt: new Date(now()).toISOString(),
      latencyMs: Math.round((performance.now() - started) * 100) / 100,
      ...(out.requisites ? { requisites: out.requisites } : {}),
    });

    const base = { code, online: null, cached: null, soldHere: false, blockedLocally: false, price: opts.price };
    if (!code.ok || code.kind !== 'marking' || !code.ki) return finish(decide({ ...base, now: new Date(now()) }, settings));
    const ki = code.ki;

    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, budgetMs - (performance.now() - started)));
    });

    const ask = (t: TrackingSystem | null): Promise<CodeStatus | null> =>
      t
        ? t
            .checkCodes([t.checkForm?.(code) ?? code.km ?? ki], { signal: controller.signal })
            .then((answers) => answers.find((a) => a.ki === ki || a.code === code.km || a.code === ki) ?? answers[0] ?? null)
            .catch(() => null) // an error is "no answer": local knowledge and the policy decide
        : Promise.resolve(null);
    // Each side lands in its slot when it settles; at the budget, whatever has landed counts.
    const online = settle(ask(parts.online), null);
    const offline = settle(ask(parts.offline), null);
    const sold = settle(options.soldHere ? options.soldHere.soldHere([ki]).then((s) => s.has(ki)).catch(() => false) : Promise.resolve(false), false);

    const raced = await Promise.race([Promise.all([online.done, offline.done, sold.done]), budget]);
    clearTimeout(timer);
    if (raced === 'timeout') {
      controller.abort(new Error('decision budget exceeded'));
      // A side that answers on the abort itself (a wrapped ParallelTracking hands over its offline
      // answer then) settles in microtasks: one turn of the loop lets it land, no timer involved.
      await new Promise<void>((r) => setImmediate(r));
    }
    const answer = online.value;
    // Only a full online answer is worth reusing later; offline and emergency answers are not.
    if (answer && !answer.unchecked && !answer.checkedOffline) cache.set(ki, answer);
    const live = (answer && !answer.unchecked) || (offline.value && !offline.value.unchecked);
    const cached = live ? null : cache.get(ki);
    const out = decide(
      {
        ...base,
        online: answer,
        offline: offline.value,
        cached,
        soldHere: sold.value,
        blockedLocally: blockList.has(ki, code.gtin),
        now: new Date(now()),
      },
      settings,
    );
    return finish(out);
  }

  return { check, cache, blockList, forget: (ki) => cache.delete(ki) };
}

/** A promise whose value is readable synchronously once it settled (the fallback until then). */
function settle<T>(p: Promise<T>, fallback: T): { value: T; done: Promise<void> } {
  const slot = { value: fallback, done: Promise.resolve() };
  slot.done = p.then(
    (v) => {
      slot.value = v;
    },
    () => undefined,
  );
  return slot;
}
