// The 64-byte event record: byte offsets and kind flags, as seen from TypeScript.
// Source of truth: schemas/event-record.json. Mirror: wasm/assembly/layout.ts.
//
//   0      4      8              16             24             32             40             48             56            64
//   | kind | inst | ts_exchange  | ts_local     | price (f64)  | size (f64)   | a (f64)      | b (f64)      | id (u64)    |

export const EVENT_BYTES = 64;
export const EV_KIND = 0;
export const EV_INSTRUMENT = 4;
export const EV_TS_EXCHANGE = 8;
export const EV_TS_LOCAL = 16;
export const EV_PRICE = 24;
export const EV_SIZE = 32;
export const EV_A = 40;
export const EV_B = 48;
export const EV_ID = 56;

/**
 * Event kinds are bit flags that combine: one kind (bits 0..19, and 26..28), plus source bits
 * (20..22), the maker flag of a fill (23), and a direction bit (24, 25). Kinds added after bit 19
 * continue at bit 26, so every earlier value is unchanged; KIND_MASK covers both spans.
 */
export const EventKind = {
  TRADE: 1,
  QUOTE: 2,
  BAR: 4,
  FILL: 8,
  ACK: 16,
  REJECT: 32,
  MODEL: 64,
  SENTIMENT: 128,
  TIMER: 256,
  PROGRESS: 512,
  ORDER: 1024,
  CANCEL: 1 << 11,
  REPLACE: 1 << 12,
  CANCELED: 1 << 13,
  EXPIRED: 1 << 14,
  ORDER_STATUS: 1 << 15,
  FUNDING: 1 << 16,
  RATE: 1 << 17,
  ROUND_TRIP: 1 << 18,
  ORDER_NOTICE: 1 << 19,
  SOURCE_LIVE: 1 << 20,
  SOURCE_REPLAY: 1 << 21,
  SOURCE_PAPER: 1 << 22,
  FLAG_MAKER: 1 << 23,
  DIRECTION_INBOUND: 1 << 24,
  DIRECTION_OUTBOUND: 1 << 25,
  /** Outbound, one per bar of a risk-checked instrument when the pipeline asks for it (PipelineSpec.equityRecords): the account after the bar. */
  EQUITY: 1 << 26,
  /** Outbound, ceil(F / 4) per bar of an instrument whose decision waits for its model (PipelineInstrument.model): the bar's F features (engine/pipeline readFeatureRecord). */
  FEATURES: 1 << 27,
  /** Inbound: a change of an instrument's feed health (engine/risk FeedHealthTracker, encodeFeedHealth); the core's risk stage acts on it by policy. */
  FEED_HEALTH: 1 << 28,
} as const;

export const KIND_MASK = 0x1c0f_ffff;

/** Field offsets by name, in record order; used by tests and tools, never on the hot path. */
export const EVENT_FIELDS = [
  ['kind', EV_KIND],
  ['instrument', EV_INSTRUMENT],
  ['tsExchange', EV_TS_EXCHANGE],
  ['tsLocal', EV_TS_LOCAL],
  ['price', EV_PRICE],
  ['size', EV_SIZE],
  ['a', EV_A],
  ['b', EV_B],
  ['id', EV_ID],
] as const;

/** One record as its nine fields (kind and id as written: id a u64). For edges that handle few records; the hot path reads memory. */
export interface EventRecord {
  readonly kind: number;
  readonly instrument: number;
  readonly tsExchange: bigint;
  readonly tsLocal: bigint;
  readonly price: number;
  readonly size: number;
  readonly a: number;
  readonly b: number;
  /** u64 (a BAR's open and a QUOTE's ask size travel as their f64 bits: f64Bits). */
  readonly id: bigint;
}

export function storeEventRecord(view: DataView, at: number, r: EventRecord): void {
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

export function loadEventRecord(view: DataView, at: number): EventRecord {
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

const bits = new DataView(new ArrayBuffer(8));

/** The bits of an f64 as a u64 (how a BAR's open and a QUOTE's ask size travel in `id`). */
export function f64Bits(value: number): bigint {
  bits.setFloat64(0, value, true);
  return bits.getBigUint64(0, true);
}

/** The f64 whose bits are the u64 `id`. */
export function bitsF64(id: bigint): number {
  bits.setBigUint64(0, BigInt.asUintN(64, id), true);
  return bits.getFloat64(0, true);
}
