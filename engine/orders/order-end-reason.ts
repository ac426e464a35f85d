// Why an order ended, by name: the order table's endReason (wasm/assembly/orders/order-layout.ts)
// decoded with the venue reason names every reader shares (venue-reason-names.ts: a code no one
// produces reads `code N`), and the header's counts of ended orders by reason, by name.
import * as L from './order-layout.js';
import type { EndReasonBuckets } from './read-order-table.js';
import { cancelReasonName, expiryReasonName, rejectReasonName } from './venue-reason-names.js';

/** An order the venue's order status closed (reconciliation), which gives no reason. */
export const RECONCILED_REASON = 'reconciled';
/** An ended order with no reason recorded (counts only; the core records one for every order it ends CANCELED, REJECTED or EXPIRED). */
export const UNRECORDED_REASON = 'unrecorded';

/** The name of why an order in `state` ended (its slot's endReason); null for an order that did not end CANCELED, REJECTED or EXPIRED. */
export function orderEndReasonName(state: number, endReason: number): string | null {
  if (endReason === L.END_REASON_NONE) return null;
  if (endReason === L.END_REASON_VENUE_STATUS) return RECONCILED_REASON;
  const code = endReason - 1;
  switch (state) {
    case L.STATE_CANCELED: return cancelReasonName(code);
    case L.STATE_REJECTED: return rejectReasonName(code);
    case L.STATE_EXPIRED: return expiryReasonName(code);
    default: return null;
  }
}

/** Orders that ended CANCELED, REJECTED and EXPIRED, each by reason name (only reasons that occurred, in code order). */
export interface EndedOrdersByReason {
  readonly canceled: Readonly<Record<string, number>>;
  readonly rejected: Readonly<Record<string, number>>;
  readonly expired: Readonly<Record<string, number>>;
}

/** The header's last bucket counts every code from END_REASON_CODES on together: named so, never as one code. */
export const HIGHER_CODES_REASON = `code ${L.END_REASON_CODES} or higher`;

/** The name of a bucket of the header's counts. */
function bucketName(state: number, bucket: number): string {
  if (bucket === 0) return UNRECORDED_REASON;
  if (bucket === 1) return RECONCILED_REASON;
  if (bucket === L.END_REASON_BUCKETS - 1) return HIGHER_CODES_REASON;
  return orderEndReasonName(state, bucket - 1) ?? UNRECORDED_REASON;
}

function byName(state: number, buckets: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  buckets.forEach((count, bucket) => {
    if (count === 0) return;
    const name = bucketName(state, bucket);
    counts[name] = (counts[name] ?? 0) + count;
  });
  return counts;
}

/** The header's counts of ended orders by reason (readOrderTableCounters().endReasons), by name. */
export function endReasonCounts(buckets: EndReasonBuckets): EndedOrdersByReason {
  return {
    canceled: byName(L.STATE_CANCELED, buckets.canceled),
    rejected: byName(L.STATE_REJECTED, buckets.rejected),
    expired: byName(L.STATE_EXPIRED, buckets.expired),
  };
}
