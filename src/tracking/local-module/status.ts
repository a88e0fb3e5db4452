/**
 * local-module/status.ts — the Local Module's (ЛМ ЧЗ) state in tanba's words, pure (the clock is a
 * parameter). Vocabulary (reference §5.3, §6): `not_configured | initialization | ready | failure |
 * sync_error`; while it is not `ready` every call answers HTTP 400 with 4045 (not ready) or 4050
 * (`sync_error`). 72 h without a successful sync (from `lastSync`) puts it into `sync_error`, and
 * then there is no offline check at all: tanba warns before that (`syncWarnHours`, default 48 h)
 * and says what to do when it happens.
 */
import { num, str } from '../common.js';
import type { TrackingProblem } from '../types.js';
import { field, isObj } from '../tspiot/answer.js';

export const LM_STATUSES = ['not_configured', 'initialization', 'ready', 'failure', 'sync_error'] as const;
export type LocalModuleStatus = (typeof LM_STATUSES)[number] | 'unknown';

/** Error codes of a refused call (HTTP 400). */
export const LM_NOT_READY = 4045;
export const LM_SYNC_ERROR = 4050;

export interface LocalModuleState {
  status: LocalModuleStatus;
  /** The status word as the module said it. */
  statusText: string | null;
  /** Epoch ms of the last successful sync, when known. */
  lastSync: number | null;
  version: string | null;
  inst: string | null;
  operationMode: string | null;
  raw: unknown;
}

/** `not ready`, `NOT_CONFIGURED`, `sync error` → the vocabulary; anything else → `unknown`. */
export function normaliseStatus(v: unknown): LocalModuleStatus {
  const s = str(v)?.toLowerCase().replace(/[\s-]+/g, '_') ?? null;
  if (!s) return 'unknown';
  if ((LM_STATUSES as readonly string[]).includes(s)) return s as LocalModuleStatus;
  return 'unknown'; // e.g. "not ready": not a word of the vocabulary, reported as not ready
}

/** An instant as epoch ms (numbers below 1e12 are seconds), a numeric string or an ISO date-time. */
export function toEpochMs(v: unknown): number | null {
  const n = num(v);
  if (n !== null) return n > 0 ? (n < 1e12 ? n * 1000 : n) : null;
  const s = str(v);
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

/** The `/api/v1/status` answer → state. */
export function parseStatus(body: unknown): LocalModuleState {
  const o = isObj(body) ? body : {};
  return {
    status: normaliseStatus(o.status),
    statusText: str(o.status),
    lastSync: toEpochMs(field(o, 'lastSync', 'last_sync')),
    version: str(o.version),
    inst: str(o.inst),
    operationMode: str(field(o, 'operationMode', 'operation_mode')),
    raw: body,
  };
}

const HOUR = 3_600_000;

export interface SyncRule {
  warnHours: number;
  limitHours: number;
}

const SYNC_ERROR_FIX =
  'Restore the internet connection of the computer the Local Module runs on and restart the Local Module service; it is "ready" again after its next successful sync. If it stays in sync_error, re-initialise it (POST /api/v2/init with the participant\'s X-API-KEY) or call Честный ЗНАК support. Until then codes are checked online only.';

/** What is wrong (or soon will be) with the module, and what to do. */
export function localModuleProblems(state: LocalModuleState, now: number, rule: SyncRule): TrackingProblem[] {
  const out: TrackingProblem[] = [];
  const age = state.lastSync !== null ? now - state.lastSync : null;
  const since = state.lastSync !== null ? ` (last sync ${new Date(state.lastSync).toISOString()}, ${Math.floor((age ?? 0) / HOUR)} h ago)` : '';
  switch (state.status) {
    case 'ready':
      break;
    case 'sync_error':
      out.push({ code: 'lm-sync-error', severity: 'error', message: `The Local Module is in sync_error: no successful sync with ГИС МТ for ${rule.limitHours} h${since}, so it refuses every offline check (error ${LM_SYNC_ERROR}). ${SYNC_ERROR_FIX}` });
      return out;
    case 'not_configured':
      out.push({ code: 'lm-not-configured', severity: 'error', message: `The Local Module is not initialised, so it refuses offline checks (error ${LM_NOT_READY}). Initialise it with the participant's X-API-KEY (POST /api/v2/init); it then downloads its database, which can take hours.` });
      return out;
    case 'initialization':
      out.push({ code: 'lm-initializing', severity: 'error', message: `The Local Module is still initialising (downloading its database; this can take hours) and refuses offline checks until it is ready (error ${LM_NOT_READY}). Keep it connected to the internet.` });
      return out;
    case 'failure':
      out.push({ code: 'lm-failure', severity: 'error', message: `The Local Module reports "failure" and refuses offline checks (error ${LM_NOT_READY}). Restart its service and read its log; re-initialise it if it stays in failure.` });
      return out;
    default:
      out.push({ code: 'lm-not-ready', severity: 'error', message: `The Local Module is not ready (status "${state.statusText ?? 'none'}"), so offline checks are refused. Open its status page and restart its service.` });
      return out;
  }
  if (age !== null && age >= rule.limitHours * HOUR) {
    out.push({ code: 'lm-sync-error', severity: 'error', message: `The Local Module has not synced for ${rule.limitHours} h or more${since}: it goes into sync_error and refuses every offline check. ${SYNC_ERROR_FIX}` });
  } else if (age !== null && age >= rule.warnHours * HOUR) {
    const left = Math.max(0, Math.floor((rule.limitHours * HOUR - age) / HOUR));
    out.push({
      code: 'lm-sync-stale',
      severity: 'warning',
      message: `The Local Module has not synced with ГИС МТ for ${Math.floor(age / HOUR)} h${since}; in about ${left} h (at ${rule.limitHours} h) it goes into sync_error and stops all offline checks. Check the internet connection of its computer and that its service runs, so it syncs.`,
    });
  } else if (state.lastSync === null) {
    out.push({ code: 'lm-sync-unknown', severity: 'warning', message: 'The Local Module does not say when it last synced (lastSync): tanba cannot warn before the 72 h sync_error. Check its status page.' });
  }
  return out;
}
