/**
 * local-module/parallel.ts — the combined RU check: an online part (ТС ПИоТ or the direct CDN) and
 * the Local Module's `outCheck`, started together (reference §5.2: one 1.5 s barrier; one after the
 * other breaks the budget). The decider takes the two `parts` and runs them side by side itself, so
 * the pure rules see both answers (online wins when both came; an offline `sold=true` still refuses).
 * For any other caller `checkCodes` does the same: both with the caller's signal, and when the signal
 * fires, whatever has answered by then is used. Documents go to the online part.
 */
import type { CodeStatus, DocumentInfo, OutgoingDocument, ParallelTracking, TrackingHealth, TrackingSystem } from '../types.js';

export class ParallelCheck implements ParallelTracking {
  readonly parts: { readonly online: TrackingSystem; readonly offline: TrackingSystem };

  constructor(online: TrackingSystem, offline: TrackingSystem) {
    this.parts = { online, offline };
  }

  get family(): TrackingSystem['family'] {
    return this.parts.online.family;
  }

  get limits(): TrackingSystem['limits'] {
    const a = this.parts.online.limits;
    const b = this.parts.offline.limits;
    return { ...a, maxCodesPerCheck: Math.min(a.maxCodesPerCheck, b.maxCodesPerCheck) };
  }

  checkCodes(codes: string[], opts: { signal?: AbortSignal } = {}): Promise<CodeStatus[]> {
    const { signal } = opts;
    return new Promise((resolve, reject) => {
      // undefined = still running, null = failed
      let online: CodeStatus[] | null | undefined;
      let offline: CodeStatus[] | null | undefined;
      let onlineError: unknown = null;
      let done = false;
      const finish = (): void => {
        if (done) return;
        if ((online === undefined || offline === undefined) && !signal?.aborted) return;
        done = true;
        signal?.removeEventListener('abort', finish);
        if (online) resolve(mergeAnswers(online, offline ?? null));
        else if (offline) resolve(offline);
        else reject(onlineError ?? signal?.reason ?? new Error('aborted'));
      };
      this.parts.online.checkCodes(codes, opts).then(
        (v) => ((online = v), finish()),
        (e: unknown) => ((online = null), (onlineError = e), finish()),
      );
      this.parts.offline.checkCodes(codes, opts).then(
        (v) => ((offline = v), finish()),
        () => ((offline = null), finish()),
      );
      signal?.addEventListener('abort', finish, { once: true });
    });
  }

  submitSale(doc: OutgoingDocument): Promise<{ documentId: string }> {
    return this.parts.online.submitSale(doc);
  }
  submitReturn(doc: OutgoingDocument): Promise<{ documentId: string }> {
    return this.parts.online.submitReturn(doc);
  }
  getDocument(id: string): Promise<DocumentInfo> {
    return this.parts.online.getDocument(id);
  }
  findDocuments(reference: string, from: string, to: string): Promise<DocumentInfo[]> {
    return this.parts.online.findDocuments(reference, from, to);
  }

  /** Both parts' health: ok only when both are; problems of both; the online latency and emergency flag. */
  async health(): Promise<TrackingHealth> {
    const [on, off] = await Promise.all([this.parts.online.health(), this.parts.offline.health()]);
    const problems = [...(on.problems ?? []), ...(off.problems ?? [])];
    if (!on.ok && !on.problems?.length) problems.unshift({ code: 'online-check-down', severity: 'error', message: `The online check (${this.parts.online.family}) is not healthy: ${on.message ?? 'no detail'}` });
    const message = on.ok ? off.message : (on.message ?? off.message);
    return {
      ok: on.ok && off.ok,
      latencyMs: on.latencyMs,
      tokenExpiresAt: on.tokenExpiresAt,
      ...(message ? { message } : {}),
      ...(on.emergency ? { emergency: true } : {}),
      problems,
      details: { online: { family: this.parts.online.family, ...(on.details ?? {}) }, offline: { family: this.parts.offline.family, ...(off.details ?? {}) } },
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.parts.online.close?.(), this.parts.offline.close?.()]);
  }
}

/** Per code: the online status, or the offline one where the online part did not check the code. */
export function mergeAnswers(online: CodeStatus[], offline: CodeStatus[] | null): CodeStatus[] {
  return online.map((s, i) => {
    if (!s.unchecked || !offline) return s;
    const o = offline.find((x) => x.ki !== null && x.ki === s.ki) ?? offline[i];
    return o && !o.unchecked ? { ...o, code: s.code, ...(s.emergency ? { emergency: true } : {}) } : s;
  });
}

export function isParallelTracking(t: TrackingSystem | null | undefined): t is ParallelTracking {
  const p = (t as Partial<ParallelTracking> | null | undefined)?.parts;
  return !!p && typeof p.online?.checkCodes === 'function' && typeof p.offline?.checkCodes === 'function';
}
