/**
 * Reconciliation without an idempotency key (fiscal-channels.md §0 rule 1, UZ: none): what the
 * register's counters were right before a send, and what they say after an ambiguous one.
 * Pure: the channels take the snapshots, this decides.
 *
 * Why not the receipt count alone: `Api.GetReceiptCount` counts the receipts still in the module's
 * memory, i.e. not yet acknowledged by the OFD (E-POS integration guide §2.19, and a field client
 * reads it as "not sent"); it falls when the OFD acknowledges. A receipt issued and acknowledged
 * between the snapshot and the check leaves it unchanged, and "unchanged → not issued" would send a
 * second receipt. So the verdict rests on the register's monotonic counters: the last ReceiptSeq
 * (the current Z report's LastReceiptSeq, or the latest non-empty one's) and the Z report's
 * operation counters and cash/card totals; the receipt count is kept as a cross-check only
 * (it may not rise while nothing was signed).
 *
 * - ReceiptSeq unchanged → not issued (`absent`), unless the count rose (contradiction → unclear);
 * - ReceiptSeq + 1 and the Z report grew by exactly one operation of our kind with our cash and
 *   card amounts → issued (`issued`, with that ReceiptSeq);
 * - anything else (+2 or more, a different kind or amount: another program uses the module; the
 *   sequence went back: another module) → `unclear`, with a message for an operator.
 */

export interface Snapshot {
  /** The module's last ReceiptSeq; null when the channel cannot read one (then operation counts decide). */
  lastSeq: number | null;
  /** Current (latest) Z report number; 0 = none yet. */
  zNumber: number;
  zOpen: boolean;
  saleCount: number;
  refundCount: number;
  saleCash: number;
  saleCard: number;
  refundCash: number;
  refundCard: number;
  /** Receipts in the module's memory (not yet acknowledged by the OFD); -1 = unknown. */
  receiptCount: number;
}

/** What the relay stores with the "sending" mark. */
export type Prepared = Record<string, string | number | boolean>;

export function toPrepared(s: Snapshot, at: number, extra: Prepared = {}): Prepared {
  return {
    receiptCount: s.receiptCount,
    lastReceiptSeq: s.lastSeq ?? -1,
    zNumber: s.zNumber,
    zOpen: s.zOpen,
    saleCount: s.saleCount,
    refundCount: s.refundCount,
    saleCash: s.saleCash,
    saleCard: s.saleCard,
    refundCash: s.refundCash,
    refundCard: s.refundCard,
    at,
    ...extra,
  };
}

/** The stored snapshot, or null when it is missing or not one of ours. */
export function fromPrepared(p: Prepared | null | undefined): (Snapshot & { at: number }) | null {
  if (!p) return null;
  const n = (k: string): number | null => (typeof p[k] === 'number' && Number.isFinite(p[k] as number) ? (p[k] as number) : null);
  const keys = ['receiptCount', 'lastReceiptSeq', 'zNumber', 'saleCount', 'refundCount', 'saleCash', 'saleCard', 'refundCash', 'refundCard', 'at'];
  if (keys.some((k) => n(k) === null)) return null;
  return {
    receiptCount: n('receiptCount')!,
    lastSeq: n('lastReceiptSeq')! < 0 ? null : n('lastReceiptSeq')!,
    zNumber: n('zNumber')!,
    zOpen: p.zOpen === true,
    saleCount: n('saleCount')!,
    refundCount: n('refundCount')!,
    saleCash: n('saleCash')!,
    saleCard: n('saleCard')!,
    refundCash: n('refundCash')!,
    refundCard: n('refundCard')!,
    at: n('at')!,
  };
}

export interface Expected {
  kind: 'sale' | 'refund';
  /** ReceivedCash / ReceivedCard of our receipt, tiyin. */
  cash: number;
  card: number;
}

export type Verdict = { kind: 'absent' } | { kind: 'issued'; seq: number | null } | { kind: 'unclear'; reason: string };

const sum = (n: number) => (n / 100).toFixed(2);

/** The counters of the Z report that holds what happened since `before`, as deltas. */
function deltas(before: Snapshot, after: Snapshot): { sale: number; refund: number; cash: number; card: number; refundCash: number; refundCard: number } | null {
  if (after.zNumber === before.zNumber) {
    return {
      sale: after.saleCount - before.saleCount,
      refund: after.refundCount - before.refundCount,
      cash: after.saleCash - before.saleCash,
      card: after.saleCard - before.saleCard,
      refundCash: after.refundCash - before.refundCash,
      refundCard: after.refundCard - before.refundCard,
    };
  }
  // A shift was opened in between (our own auto-open, or an operator): everything since is in the new one
  // only if exactly one report was opened and the old one was closed (or there was none).
  if (after.zNumber === before.zNumber + 1 && (!before.zOpen || before.zNumber === 0)) {
    return { sale: after.saleCount, refund: after.refundCount, cash: after.saleCash, card: after.saleCard, refundCash: after.refundCash, refundCard: after.refundCard };
  }
  return null;
}

export function compare(before: Snapshot, after: Snapshot, expected: Expected): Verdict {
  const d = deltas(before, after);
  const seqDelta = before.lastSeq !== null && after.lastSeq !== null ? after.lastSeq - before.lastSeq : null;
  const ops = d ? d.sale + d.refund : null;
  const moved = seqDelta ?? ops;
  if (moved === null) {
    return { kind: 'unclear', reason: `the shift changed from Z report ${before.zNumber} to ${after.zNumber} and the module gives no receipt number to compare` };
  }
  if (moved < 0 || (d && (d.sale < 0 || d.refund < 0))) {
    return { kind: 'unclear', reason: `the module's counters went back (last receipt ${before.lastSeq ?? '?'} → ${after.lastSeq ?? '?'}, Z report ${before.zNumber} → ${after.zNumber}): is this the same fiscal module?` };
  }
  if (moved === 0) {
    if (ops !== null && ops !== 0) return { kind: 'unclear', reason: `the receipt number did not move but the Z report counts ${ops} new operation(s)` };
    if (before.receiptCount >= 0 && after.receiptCount > before.receiptCount) {
      return { kind: 'unclear', reason: `the receipt number did not move but the module holds more receipts (${before.receiptCount} → ${after.receiptCount})` };
    }
    return { kind: 'absent' };
  }
  if (moved > 1) {
    return {
      kind: 'unclear',
      reason: `${moved} receipts were issued on the module since this one was sent (last receipt ${before.lastSeq ?? '?'} → ${after.lastSeq ?? '?'}): another program uses it, or receipts went out twice`,
    };
  }
  // Exactly one receipt: is it ours?
  const seq = after.lastSeq;
  if (!d) return { kind: 'unclear', reason: `one receipt (${seq ?? '?'}) was issued but the shift changed (Z report ${before.zNumber} → ${after.zNumber}) so its amounts cannot be compared` };
  const mine = expected.kind === 'sale' ? d.sale === 1 && d.refund === 0 && d.cash === expected.cash && d.card === expected.card : d.refund === 1 && d.sale === 0 && d.refundCash === expected.cash && d.refundCard === expected.card;
  if (!mine) {
    const what = d.sale === 1 ? `a sale of cash ${sum(d.cash)} / card ${sum(d.card)}` : d.refund === 1 ? `a refund of cash ${sum(d.refundCash)} / card ${sum(d.refundCard)}` : `${d.sale} sale(s) and ${d.refund} refund(s)`;
    return { kind: 'unclear', reason: `one receipt (${seq ?? '?'}) was issued but it is ${what}, not this ${expected.kind} of cash ${sum(expected.cash)} / card ${sum(expected.card)}` };
  }
  return { kind: 'issued', seq };
}
