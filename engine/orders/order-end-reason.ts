// Why an order ended, by name: the order table's endReason (wasm/assembly/orders/order-layout.ts)
// decoded to the names the state server's orders topic gives the venue's reasons (engine/venue
// venue-events.ts; a code the simulated venue does not know, such as a live adapter's own, reads
// there as 'requested', 'invalid' or 'time-in-force' (engine/live inbound-venue-reply.ts), and so
// it does here), and the header's counts of ended orders by reason, by name.
import * as L from './order-layout.js';
import type { EndReasonBuckets } from './read-order-table.js';

/** Cancel reasons by venue code (VENUE_CANCELED_*). */
const CANCEL_REASONS: readonly string[] = ['requested', 'unfilled', 'reduce-only'];
/** Reject reasons by venue code (VENUE_REJECT_*; code 0 is none). */
const REJECT_REASONS: readonly (string | undefined)[] = [undefined, 'invalid', 'post-only', 'unknown-order', 'full'];
/** Expiry reasons by venue code (VENUE_EXPIRED_*). */
const EXPIRY_REASONS: readonly string[] = ['time-in-force', 'post-only-would-take'];
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
    case L.STATE_CANCELED: return CANCEL_REASONS[code] ?? 'requested';
    case L.STATE_REJECTED: return REJECT_REASONS[code] ?? 'invalid';
    case L.STATE_EXPIRED: return EXPIRY_REASONS[code] ?? 'time-in-force';
    default: return null;
  }
}

/** Orders that ended CANCELED, REJECTED and EXPIRED, each by reason name (only reasons that occurred, in code order). */
export interface EndedOrdersByReason {
  readonly canceled: Readonly<Record<string, number>>;
  readonly rejected: Readonly<Record<string, number>>;
  readonly expired: Readonly<Record<string, number>>;
}

/** The endReason value a bucket of the header's counts stands for (its last bucket: any code from END_REASON_CODES on). */
function bucketReason(bucket: number): number {
  if (bucket === 0) return L.END_REASON_NONE;
  if (bucket === 1) return L.END_REASON_VENUE_STATUS;
  return bucket - 1;
}

function byName(state: number, buckets: readonly number[]): Record<string, number> {
  const counts: Record<string, number> = {};
  buckets.forEach((count, bucket) => {
    if (count === 0) return;
    const name = orderEndReasonName(state, bucketReason(bucket)) ?? UNRECORDED_REASON;
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
