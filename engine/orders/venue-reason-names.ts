// The names of the venue's reason codes (field `a` of a CANCELED, REJECT or EXPIRED record):
// the one table the core's order table decoding (order-end-reason.ts), the live inbound replies
// and the state server's orders topic (engine/live inbound-venue-reply.ts), the simulated
// venue's replies (engine/venue venue-events.ts) and report.json all read. It holds every code
// the engine can produce: the simulated venue's (engine/venue venue-layout.ts VENUE_*), the
// adapters' (they reuse those codes) and their own (the sim-venue server's duplicate client
// order id, reconciliation's lost-before-venue, the live session's withheld-by-kill-switch). A code not in it is named `code N`, never as
// another reason.

/** A code no table entry names, by its number (`code 901`). */
export type UnknownReasonName = `code ${number}`;
export type CancelReasonName = 'requested' | 'unfilled' | 'reduce-only' | UnknownReasonName;
export type RejectReasonName = 'invalid' | 'post-only' | 'unknown-order' | 'full' | 'duplicate-client-order-id' | 'lost-before-venue' | 'withheld-by-kill-switch' | UnknownReasonName;
export type ExpiryReasonName = 'time-in-force' | 'post-only-would-take' | UnknownReasonName;

/** REJECT: the client order id was submitted before, so this submission never reached the venue (the sim-venue server, adapters/sim-venue). */
export const REJECT_DUPLICATE_CLIENT_ORDER_ID = 5;
/** REJECT: reconciliation found the order never reached the venue (engine/live reconcile.ts). */
export const REJECT_LOST_BEFORE_VENUE = 900;
/** REJECT: the session withheld an order (or an enlarging replace) the core decided before the kill switch tripped: never sent (engine/live withheld-orders.ts). */
export const REJECT_WITHHELD_BY_KILL_SWITCH = 901;

/** Cancel reasons by code (VENUE_CANCELED_*). */
export const CANCEL_REASON_NAMES: ReadonlyMap<number, CancelReasonName> = new Map([[0, 'requested'], [1, 'unfilled'], [2, 'reduce-only']]);
/** Reject reasons by code (VENUE_REJECT_*, and the adapters' and reconciliation's own). */
export const REJECT_REASON_NAMES: ReadonlyMap<number, RejectReasonName> = new Map([
  [1, 'invalid'], [2, 'post-only'], [3, 'unknown-order'], [4, 'full'],
  [REJECT_DUPLICATE_CLIENT_ORDER_ID, 'duplicate-client-order-id'], [REJECT_LOST_BEFORE_VENUE, 'lost-before-venue'],
  [REJECT_WITHHELD_BY_KILL_SWITCH, 'withheld-by-kill-switch'],
]);
/** Expiry reasons by code (VENUE_EXPIRED_*). */
export const EXPIRY_REASON_NAMES: ReadonlyMap<number, ExpiryReasonName> = new Map([[0, 'time-in-force'], [1, 'post-only-would-take']]);

/** A code the table does not name, by its number. */
export function unknownReasonName(code: number): UnknownReasonName {
  return `code ${code}`;
}

export const cancelReasonName = (code: number): CancelReasonName => CANCEL_REASON_NAMES.get(code) ?? unknownReasonName(code);
export const rejectReasonName = (code: number): RejectReasonName => REJECT_REASON_NAMES.get(code) ?? unknownReasonName(code);
export const expiryReasonName = (code: number): ExpiryReasonName => EXPIRY_REASON_NAMES.get(code) ?? unknownReasonName(code);
