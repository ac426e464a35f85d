// A venue record (a command, a market record or a reply) as its nine fields, the form both
// the WASM glue and the TS reference hold it in, with the reader and writer of its 64 bytes
// (layout: engine/layout/event-record.ts) and the f64 <-> u64 bit casts of the `id` field.
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL } from '../layout/event-record.js';

export interface VenueRecord {
  readonly kind: number;
  readonly instrument: number;
  readonly tsExchange: bigint;
  readonly tsLocal: bigint;
  readonly price: number;
  readonly size: number;
  readonly a: number;
  readonly b: number;
  /** u64. */
  readonly id: bigint;
}

const bits = new DataView(new ArrayBuffer(8));

/** The bits of an f64 as a u64 (a QUOTE's ask size and a BAR's open travel in `id` this way). */
export function f64Bits(value: number): bigint {
  bits.setFloat64(0, value, true);
  return bits.getBigUint64(0, true);
}

/** The f64 whose bits are the u64 `id`. */
export function bitsF64(id: bigint): number {
  bits.setBigUint64(0, BigInt.asUintN(64, id), true);
  return bits.getFloat64(0, true);
}

export function writeVenueRecord(view: DataView, at: number, r: VenueRecord): void {
  view.setInt32(at + EV_KIND, r.kind, true);
  view.setInt32(at + EV_INSTRUMENT, r.instrument, true);
  view.setBigInt64(at + EV_TS_EXCHANGE, r.tsExchange, true);
  view.setBigInt64(at + EV_TS_LOCAL, r.tsLocal, true);
  view.setFloat64(at + EV_PRICE, r.price, true);
  view.setFloat64(at + EV_SIZE, r.size, true);
  view.setFloat64(at + EV_A, r.a, true);
  view.setFloat64(at + EV_B, r.b, true);
  view.setBigUint64(at + EV_ID, BigInt.asUintN(64, r.id), true);
}

export function readVenueRecord(view: DataView, at: number): VenueRecord {
  return {
    kind: view.getInt32(at + EV_KIND, true),
    instrument: view.getInt32(at + EV_INSTRUMENT, true),
    tsExchange: view.getBigInt64(at + EV_TS_EXCHANGE, true),
    tsLocal: view.getBigInt64(at + EV_TS_LOCAL, true),
    price: view.getFloat64(at + EV_PRICE, true),
    size: view.getFloat64(at + EV_SIZE, true),
    a: view.getFloat64(at + EV_A, true),
    b: view.getFloat64(at + EV_B, true),
    id: view.getBigUint64(at + EV_ID, true),
  };
}
