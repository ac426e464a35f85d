// Orders the core decided before the kill switch tripped but that were still queued for sending
// when it did (the trip lands at a batch boundary, after the core took records that came in
// before it: a bar after the rejection that called for the trip, say): once the trip is
// journaled, such an order that is new exposure (an ORDER without reduce-only; the core's own
// flatten and exit orders are reduce-only) is not sent. It is journaled as the core decided it
// (recovery and `replay --journal` compare the commands the core decides again with the
// journal's), and the session refuses it at once with a REJECT (reason
// REJECT_WITHHELD_BY_KILL_SWITCH), journaled in the same commit, so the core's order is settled
// as refused before the venue could ever see it.
import { EVENT_BYTES, EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind } from '../layout/event-record.js';
import { OrderFlag } from '../orders/index.js';
import type { QueuedCommand } from './journaled-commands.js';

/** Venue REJECT reason of an order decided before the kill switch tripped and never sent (reconcile.ts REJECT_LOST_BEFORE_VENUE is 900). */
export const REJECT_WITHHELD_BY_KILL_SWITCH = 901;

/** True for a command that adds exposure: a new order that is not reduce-only. */
export function addsExposure({ command }: QueuedCommand): boolean {
  return command.record === 'order' && (command.flags & OrderFlag.REDUCE_ONLY) === 0;
}

/** The inbound REJECT of withheld order `command` (b = 0: the order), at its decision time. */
export function withheldRejectRecord({ command }: QueuedCommand): Uint8Array {
  const nowNs = command.tsNs;
  const bytes = new Uint8Array(EVENT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setInt32(EV_KIND, EventKind.REJECT | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND, true);
  view.setInt32(EV_INSTRUMENT, command.instrument, true);
  view.setBigInt64(EV_TS_EXCHANGE, nowNs, true);
  view.setBigInt64(EV_TS_LOCAL, nowNs, true);
  view.setFloat64(EV_SIZE, command.record === 'order' ? command.qty : 0, true);
  view.setFloat64(EV_A, REJECT_WITHHELD_BY_KILL_SWITCH, true);
  view.setFloat64(EV_B, 0, true);
  view.setBigUint64(EV_ID, command.orderId, true);
  return bytes;
}
