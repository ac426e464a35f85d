// The core's writer half for records it sends the I/O thread: claim one slot of a ring, fill
// it, publish it (one record at a time, in the order the core decides them). A record that
// needs more than 64 bytes (ROUND_TRIP) continues in the ring's extension slot: the 64 bytes
// `capacity * 64` past its slot, which the I/O thread reads with the record
// (layout.ts: the outbound extension follows the outbound ring's slots).
import { EV_INSTRUMENT, EV_KIND, EV_TS_EXCHANGE, EV_TS_LOCAL, RING_CAPACITY, SLOT_SHIFT } from './layout';
import { ringFreeSlots, ringPublish, ringPublished, ringSlotAddress } from './ring';

/** Address of the next slot of `ring` to write, or 0 when the ring is full. Publish it with outboundPublish. */
// @ts-ignore: decorator
@inline
export function outboundClaim(ring: i32): usize {
  if (ringFreeSlots(ring) < 1) return 0;
  return ringSlotAddress(ring, ringPublished(ring));
}

/** Publishes the slot outboundClaim returned. */
// @ts-ignore: decorator
@inline
export function outboundPublish(ring: i32): void {
  ringPublish(ring, ringPublished(ring) + 1);
}

/** The extension slot (second 64 bytes) of the record at `record` in `ring`. */
// @ts-ignore: decorator
@inline
export function outboundExtension(ring: i32, record: usize): usize {
  return record + (<usize>load<i32>(<usize>(ring + RING_CAPACITY)) << SLOT_SHIFT);
}

/** Writes the first four fields of a record. */
// @ts-ignore: decorator
@inline
export function writeRecordHead(record: usize, kind: i32, instrument: i32, tsExchange: i64, tsLocal: i64): void {
  store<i32>(record, kind, EV_KIND);
  store<i32>(record, instrument, EV_INSTRUMENT);
  store<i64>(record, tsExchange, EV_TS_EXCHANGE);
  store<i64>(record, tsLocal, EV_TS_LOCAL);
}
