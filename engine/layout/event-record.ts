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
 * Event kinds are bit flags that combine: one kind (bits 0..19), plus source bits, the maker
 * flag of a fill, and a direction bit.
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
} as const;

export const KIND_MASK = 0x000f_ffff;

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
