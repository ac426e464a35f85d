// Orders the core decided before the kill switch tripped but that were still queued for sending
// when it did (the trip lands at a batch boundary, after the core took records that came in
// before it: a bar after the rejection that called for the trip, say): once the trip is
// journaled, such an order that is new exposure (an ORDER without reduce-only; the core's own
// flatten and exit orders are reduce-only) is not sent. It is journaled as the core decided it
// (recovery and `replay --journal` compare the commands the core decides again with the
// journal's), and the session refuses it at once with a REJECT (reason
// REJECT_WITHHELD_BY_KILL_SWITCH), journaled in the same commit, so the core's order is settled
// as refused before the venue could ever see it. Likewise a REPLACE that enlarges a working order
// that is not reduce-only (a larger quantity than the one the core holds it at: the venue's, the
// replace unanswered) is journaled and refused at once with a REJECT of the replace (b = 2), so
// the order stays as the venue has it and the core returns it to its working state; a REPLACE
// that keeps or shrinks the quantity, and every CANCEL, still go.
import { EVENT_BYTES, EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind } from '../layout/event-record.js';
import { OrderFlag, REJECT_WITHHELD_BY_KILL_SWITCH } from '../orders/index.js';
import type { OrderSlotState } from '../orders/index.js';
import type { QueuedCommand } from './journaled-commands.js';

/** Venue REJECT reason of an order decided before the kill switch tripped and never sent (named `withheld-by-kill-switch`, engine/orders venue-reason-names.ts). */
export { REJECT_WITHHELD_BY_KILL_SWITCH };

/** True for a command that adds exposure: a new order that is not reduce-only. */
export function addsExposure({ command }: QueuedCommand): boolean {
  return command.record === 'order' && (command.flags & OrderFlag.REDUCE_ONLY) === 0;
}

/**
 * True for a REPLACE that adds exposure: `order` (the core's live order it replaces; undefined:
 * none) is not reduce-only and the replace asks for a larger quantity than the order has.
 */
export function enlargesOrder({ command }: QueuedCommand, order: OrderSlotState | undefined): boolean {
  if (command.record !== 'replace' || order === undefined || (order.flags & OrderFlag.REDUCE_ONLY) !== 0) return false;
  return Math.abs(command.qty) > Math.abs(order.qty);
}

/** The inbound REJECT of withheld command `command` (b = 0: the order, 2: a replace of it), at its decision time. */
export function withheldRejectRecord({ command }: QueuedCommand): Uint8Array {
  const nowNs = command.tsNs;
  const bytes = new Uint8Array(EVENT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setInt32(EV_KIND, EventKind.REJECT | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND, true);
  view.setInt32(EV_INSTRUMENT, command.instrument, true);
  view.setBigInt64(EV_TS_EXCHANGE, nowNs, true);
  view.setBigInt64(EV_TS_LOCAL, nowNs, true);
  view.setFloat64(EV_SIZE, command.record === 'cancel' ? 0 : command.qty, true);
  view.setFloat64(EV_A, REJECT_WITHHELD_BY_KILL_SWITCH, true);
  view.setFloat64(EV_B, command.record === 'replace' ? 2 : 0, true);
  view.setBigUint64(EV_ID, command.orderId, true);
  return bytes;
}
