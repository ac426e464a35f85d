// Decodes ROUND_TRIP records (wasm/assembly/portfolio/round-trips.ts: the box diagram of the
// record and of its extension) from an outbound ring. A round trip needs 128 bytes: its
// second 64 bytes sit in the ring's extension slot, `capacity * 64` bytes past its slot.
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import { RING_CAPACITY, RING_HEADER_BYTES, RING_MASK, SLOT_SHIFT } from '../layout/memory-map.js';
import type { RoundTrip } from './portfolio.js';

export const RT_EXIT_ORDER_ID = 0;
export const RT_GROSS = 8;
export const RT_ENTRY_FEES = 16;
export const RT_EXIT_FEES = 24;
export const RT_RATE = 32;
export const RT_ENTRY_RULE = 40;
export const RT_EXIT_RULE = 44;

/** The ROUND_TRIP record at byte `offset` whose extension starts at byte `extension`. */
export function readRoundTrip(view: DataView, offset: number, extension: number): RoundTrip {
  return {
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    entryNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    exitNs: view.getBigInt64(offset + EV_TS_LOCAL, true),
    entryPrice: view.getFloat64(offset + EV_PRICE, true),
    qty: view.getFloat64(offset + EV_SIZE, true),
    exitPrice: view.getFloat64(offset + EV_A, true),
    netPnl: view.getFloat64(offset + EV_B, true),
    entryOrderId: view.getBigUint64(offset + EV_ID, true),
    exitOrderId: view.getBigUint64(extension + RT_EXIT_ORDER_ID, true),
    grossPnl: view.getFloat64(extension + RT_GROSS, true),
    entryFees: view.getFloat64(extension + RT_ENTRY_FEES, true),
    exitFees: view.getFloat64(extension + RT_EXIT_FEES, true),
    rate: view.getFloat64(extension + RT_RATE, true),
    entryRule: view.getInt32(extension + RT_ENTRY_RULE, true),
    exitRule: view.getInt32(extension + RT_EXIT_RULE, true),
  };
}

/** The ROUND_TRIP records among the sequences [from, to) of the ring at byte `ring` (other kinds are skipped). */
export function readRoundTrips(view: DataView, ring: number, from: number, to: number): RoundTrip[] {
  const trips: RoundTrip[] = [];
  const mask = view.getInt32(ring + RING_MASK, true);
  const stride = view.getInt32(ring + RING_CAPACITY, true) << SLOT_SHIFT;
  for (let seq = from; seq !== to; seq = (seq + 1) >>> 0) {
    const at = ring + RING_HEADER_BYTES + ((seq & mask) << SLOT_SHIFT);
    if ((view.getInt32(at + EV_KIND, true) & KIND_MASK) === EventKind.ROUND_TRIP) trips.push(readRoundTrip(view, at, at + stride));
  }
  return trips;
}
