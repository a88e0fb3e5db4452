/**
 * Driver-side marking-code validation (fiscal-channels.md §2.1 step 1, §2.2): for a store without a ТС ПИоТ
 * service of its own, the KKT (with the ТС ПИоТ inside the driver) checks a code before the sale:
 * `beginMarkingCodeValidation` → poll `getMarkingCodeValidationStatus` until `ready` → `acceptMarkingCode` or
 * `declineMarkingCode`, all within the cashier's budget (1.5 s by default). libfptr 401 (a validation is
 * already running) → `cancelMarkingCodeValidation`, then begin again. Out of time → cancel: the code goes
 * "not checked", which never blocks the sale (decree 1944). The answer fields of the status task are [S]
 * for `ready` / `sentImcRequest` / `onlineValidation.itemInfoCheckResult` and [I] for the rest.
 */
import { z } from 'zod';
import { FiscalError } from '../types.js';
import type { CodeCheck, MarkCode } from '../../sale/types.js';
import { taskState, type TaskResult } from './answer.js';
import type { ItemInfoCheckResult } from './body.js';
import type { AtolClient } from './client.js';
import { LIBFPTR } from './errors.js';

export interface CodeValidationOptions {
  /** The whole validation, queue wait included; default 1500 ms. */
  budgetMs?: number;
  /** `sale` (itemPieceSold, default) or `return` (itemPieceReturn). */
  operation?: 'sale' | 'return';
}

export interface CodeValidation {
  /** The decision input for tanba (`requisites` absent: with a driver-side check the KKT writes tag 1260 itself [I]). */
  check: CodeCheck;
  /** What the KKT answered (tag 2106), null when it did not answer in time. */
  itemInfoCheckResult: ItemInfoCheckResult | null;
  /** The code was accepted into the KKT's table: its position then goes without a check result of ours. */
  accepted: boolean;
}

const flags = z.object({
  imcCheckFlag: z.boolean(),
  imcCheckResult: z.boolean(),
  imcStatusInfo: z.boolean(),
  imcEstimatedStatusCorrect: z.boolean(),
  ecrStandAloneFlag: z.boolean(),
});
const statusSchema = z
  .object({
    ready: z.boolean(),
    sentImcRequest: z.boolean().nullish(),
    onlineValidation: z.object({ itemInfoCheckResult: flags.nullish() }).loose().nullish(),
    offlineValidation: z.object({ itemInfoCheckResult: flags.nullish() }).loose().nullish(),
  })
  .loose();

export interface ValidationContext {
  client: AtolClient;
  pollIntervalMs: number;
  now: () => number;
  /** performance.now() by which the verdict must be known. */
  deadline: number;
}

function left(ctx: ValidationContext): number {
  return Math.max(0, ctx.deadline - performance.now());
}

/** One driver call (its own request) within what is left of the budget; 'late' when out of time. */
async function call(ctx: ValidationContext, ...tasks: unknown[]): Promise<TaskResult[] | 'late'> {
  const ms = left(ctx);
  if (ms <= 0) return 'late';
  const r = await ctx.client.exec(tasks, ms);
  return r === 'pending' ? 'late' : r;
}

function notChecked(ctx: ValidationContext): CodeValidation {
  return { check: { verdict: 'unknown', checked: false, online: false, checkedAt: new Date(ctx.now()).toISOString() }, itemInfoCheckResult: null, accepted: false };
}

/** Runs the state machine for one code. Rejects only when the KKT refuses the code or cannot be reached. */
export async function validateCode(ctx: ValidationContext, code: Pick<MarkCode, 'km'>, opts: CodeValidationOptions): Promise<CodeValidation> {
  const begin = {
    type: 'beginMarkingCodeValidation',
    params: {
      imcType: 'auto',
      imc: Buffer.from(code.km, 'utf8').toString('base64'),
      itemEstimatedStatus: opts.operation === 'return' ? 'itemPieceReturn' : 'itemPieceSold',
      imcModeProcessing: 0,
      itemUnits: 'piece',
      itemQuantity: 1,
    },
  };
  let r = await call(ctx, begin);
  if (r === 'late') return cancelled(ctx);
  if (failedWith(r[0], LIBFPTR.MARKING_CODE_VALIDATION_IN_PROGRESS)) {
    r = await call(ctx, { type: 'cancelMarkingCodeValidation' }, begin);
    if (r === 'late') return cancelled(ctx);
    r = r.slice(1);
  }
  refuseOnError(r[0], 'beginMarkingCodeValidation');

  for (;;) {
    const s = await call(ctx, { type: 'getMarkingCodeValidationStatus' });
    if (s === 'late') return cancelled(ctx);
    refuseOnError(s[0], 'getMarkingCodeValidationStatus');
    const st = statusSchema.safeParse(s[0].result);
    if (!st.success) throw new FiscalError('transient', 'bad-answer', 'getMarkingCodeValidationStatus: the answer has no `ready` flag');
    if (st.data.ready) {
      const f = st.data.onlineValidation?.itemInfoCheckResult ?? st.data.offlineValidation?.itemInfoCheckResult ?? null;
      return finish(ctx, f);
    }
    if (!(await ctx.client.pause(Math.min(ctx.pollIntervalMs, left(ctx))))) return notChecked(ctx);
  }
}

/** The KKT's verdict → accept (allowed or only checked autonomously) or decline (refused online). */
async function finish(ctx: ValidationContext, f: ItemInfoCheckResult | null): Promise<CodeValidation> {
  const online = !!f && !f.ecrStandAloneFlag;
  const deny = online && !(f!.imcCheckResult && f!.imcEstimatedStatusCorrect);
  const accepted = !deny;
  // Accept / decline even when late: the KKT must leave the validation state before the next code.
  const r = await ctx.client.exec([{ type: accepted ? 'acceptMarkingCode' : 'declineMarkingCode' }], Math.max(left(ctx), 1_000));
  if (r !== 'pending') refuseOnError(r[0], accepted ? 'acceptMarkingCode' : 'declineMarkingCode');
  const check: CodeCheck = {
    verdict: online ? (deny ? 'deny' : 'allow') : 'unknown',
    checked: online,
    online,
    checkedAt: new Date(ctx.now()).toISOString(),
  };
  return { check, itemInfoCheckResult: f, accepted: accepted && r !== 'pending' };
}

/** Out of time: leave the validation state; the code goes as not checked. */
async function cancelled(ctx: ValidationContext): Promise<CodeValidation> {
  await ctx.client.exec([{ type: 'cancelMarkingCodeValidation' }], 1_000).catch(() => undefined);
  return notChecked(ctx);
}

function failedWith(r: TaskResult | undefined, code: number): boolean {
  return !!r && taskState(r.status) === 'failed' && r.errorCode === code;
}

function refuseOnError(r: TaskResult | undefined, what: string): void {
  if (!r) throw new FiscalError('transient', 'bad-answer', `${what}: the answer lists no task`);
  if (taskState(r.status) === 'failed') {
    const kind = r.errorCode === LIBFPTR.NO_CONNECTION || r.errorCode === LIBFPTR.MARKING_CODE_VALIDATION_IN_PROGRESS ? 'transient' : 'permanent';
    throw new FiscalError(kind, `atol-${r.errorCode}`, `${what}: ATOL error ${r.errorCode}${r.errorDescription ? ` "${r.errorDescription}"` : ''}`, { channelCode: r.errorCode });
  }
}
