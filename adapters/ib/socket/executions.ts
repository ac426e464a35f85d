// How many shares of an IB execution are new for its order: pure rules over the executions
// already counted for that order (the adapter keeps them; parse.ts turns the new shares into a
// FILL). TWS reports each execution as an execId "<base>.<suffix>"; it reports a correction of an
// execution (a busted or amended price or size) as a new execId with the same base and the next
// suffix ("….01.01" -> "….01.02"), the same order and the same cumQty. A correction is not a
// second fill, and no execution may count shares past what its cumQty says is new for the order:
//
//   counted at or below cumQty c   the shares of counted executions of the same IB order whose
//                                  cumQty is <= c (executions may arrive out of order: one with a
//                                  larger cumQty counted first does not use up a smaller level)
//   new at c                       c - counted at or below c; adding the execution must also keep
//                                  every larger counted level within its own cumQty
//   order quantity                 the total counted for the order never passes it (when known)
import type { IbExecutionMessage } from './messages.js';

/** An execution the adapter counted (or a journal's fills: execId '', ibOrderId ANY_IB_ORDER). */
export interface CountedExecution {
  readonly execId: string;
  readonly ibOrderId: number;
  readonly shares: number;
  readonly price: number;
  readonly cumQty: number;
}

/** ibOrderId of the fills a caller's journal holds for an order (any IB order id of it). */
export const ANY_IB_ORDER = -1;

/** The execId without its last '.' suffix: a correction keeps it. */
export function execIdBase(execId: string): string {
  const dot = execId.lastIndexOf('.');
  return dot > 0 ? execId.slice(0, dot) : execId;
}

export type ExecutionCount =
  /** A correction of `original` (same execId base): nothing is counted. */
  | { readonly kind: 'correction'; readonly original: CountedExecution }
  /** `shares` (0 .. e.shares) are new; `limit` says what cut them when fewer than e.shares. */
  | { readonly kind: 'new'; readonly shares: number; readonly limit: string | null };

/**
 * What `e` adds to an order whose counted executions are `counted`. `orderQty` (absolute) bounds
 * the total when the order's quantity is known and `e` is of the order's own IB order id; null
 * when it is not (an order rebuilt from executions alone).
 */
export function countExecution(counted: readonly CountedExecution[], e: IbExecutionMessage, orderQty: number | null): ExecutionCount {
  const base = execIdBase(e.execId);
  const original = counted.find((c) => c.execId !== '' && execIdBase(c.execId) === base);
  if (original) return { kind: 'correction', original };
  const sameOrder = counted.filter((c) => c.ibOrderId === e.orderId || c.ibOrderId === ANY_IB_ORDER);
  const upTo = (level: number) => sameOrder.reduce((n, c) => (c.cumQty <= level + 1e-9 ? n + c.shares : n), 0);
  let shares = e.shares;
  let limit: string | null = null;
  const cut = (room: number, why: string) => {
    if (room < shares - 1e-9) {
      shares = Math.max(0, room);
      limit = why;
    }
  };
  const before = upTo(e.cumQty);
  cut(e.cumQty - before, `cumQty ${e.cumQty} with ${before} already counted up to it`);
  for (const c of sameOrder) {
    if (c.cumQty > e.cumQty + 1e-9) cut(c.cumQty - upTo(c.cumQty), `a counted execution's cumQty ${c.cumQty} with ${upTo(c.cumQty)} counted up to it`);
  }
  if (orderQty !== null) {
    const total = sameOrder.reduce((n, c) => n + c.shares, 0);
    cut(orderQty - total, `the order's quantity ${orderQty} with ${total} already counted`);
  }
  return { kind: 'new', shares, limit };
}
