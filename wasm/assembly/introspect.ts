// Layout introspection for test/layout-agreement.test.ts: returns every constant of
// layout.ts by a numbered id, so the test compares the compiled core's values (not the
// source text) with the TypeScript mirror. The id -> name table on the TS side is
// test/layout-ids.ts; ids follow the declaration order of layout.ts at the time each was added, and are never reused.
// Not on the hot path.
import {
  PIPELINE_REGION_OFFSET,
  PIPELINE_REGION_BYTES,
  CONTROL_EVENTS_REJECTED,
  CONTROL_PROGRESS_DROPPED,
  PAGE_BYTES,
  MEMORY_PAGES,
  MEMORY_BYTES,
  CORE_STATIC_LIMIT,
  CONTROL_OFFSET,
  CONTROL_BYTES,
  CONTROL_ENGINE_STATE,
  CONTROL_STOP_REQUESTED,
  CONTROL_LAST_STATUS,
  CONTROL_EVENTS_PROCESSED,
  CONTROL_EVENTS_CHECKSUM,
  CONTROL_BARS_PROCESSED,
  ENGINE_BOOTING,
  ENGINE_RUNNING,
  ENGINE_DRAINING,
  ENGINE_STOPPED,
  RING_HEADER_BYTES,
  RING_PUBLISHED,
  RING_CONSUMER_WAITING,
  RING_RELEASED,
  RING_PRODUCER_WAITING,
  RING_CAPACITY,
  RING_MASK,
  RING_MAGIC_FIELD,
  RING_MAGIC,
  SLOT_BYTES,
  SLOT_SHIFT,
  INBOUND_CAPACITY,
  INBOUND_RING_OFFSET,
  OUTBOUND_CAPACITY,
  OUTBOUND_RING_OFFSET,
  STATE_OFFSET,
  STATE_BYTES,
  BARS_REGION_OFFSET,
  BARS_REGION_BYTES,
  INDICATOR_REGION_OFFSET,
  INDICATOR_REGION_BYTES,
  HMM_REGION_OFFSET,
  HMM_REGION_BYTES,
  DECISION_REGION_OFFSET,
  DECISION_REGION_BYTES,
  SCRATCH_REGION_OFFSET,
  SCRATCH_REGION_BYTES,
  PUBLISHED_SIGNALS_REGION_OFFSET,
  PUBLISHED_SIGNALS_REGION_BYTES,
  EVENT_BYTES,
  EV_KIND,
  EV_INSTRUMENT,
  EV_TS_EXCHANGE,
  EV_TS_LOCAL,
  EV_PRICE,
  EV_SIZE,
  EV_A,
  EV_B,
  EV_ID,
  KIND_TRADE,
  KIND_QUOTE,
  KIND_BAR,
  KIND_FILL,
  KIND_ACK,
  KIND_REJECT,
  KIND_MODEL,
  KIND_SENTIMENT,
  KIND_TIMER,
  KIND_PROGRESS,
  KIND_ORDER,
  KIND_MASK,
  SOURCE_LIVE,
  SOURCE_REPLAY,
  SOURCE_PAPER,
  DIRECTION_INBOUND,
  DIRECTION_OUTBOUND,
  OUTBOUND_EXT_OFFSET,
  INSTRUMENT_CAPACITY,
  RISK_REGION_OFFSET,
  RISK_REGION_BYTES,
  ORDERS_REGION_OFFSET,
  ORDERS_REGION_BYTES,
  PORTFOLIO_REGION_OFFSET,
  PORTFOLIO_REGION_BYTES,
  EXITS_REGION_OFFSET,
  EXITS_REGION_BYTES,
  VENUE_REGION_OFFSET,
  VENUE_REGION_BYTES,
  KIND_CANCEL,
  KIND_REPLACE,
  KIND_CANCELED,
  KIND_EXPIRED,
  KIND_ORDER_STATUS,
  KIND_FUNDING,
  KIND_RATE,
  KIND_ROUND_TRIP,
  KIND_ORDER_NOTICE,
  KIND_EQUITY,
  KIND_FEATURES,
  KIND_FEED_HEALTH,
  FLAG_MAKER,
  CONTROL_HELD_PHASE,
  CONTROL_UNITS,
  CONTROL_CHECKPOINT_REQUEST,
  CONTROL_CHECKPOINT_PARKED,
} from './layout';
import { ERR_BAD_ARGUMENT } from './errors';

/** Number of ids layoutValue answers: ids 0 .. LAYOUT_VALUE_COUNT - 1. */
const LAYOUT_VALUE_COUNT: i32 = 105;

export function layoutValueCount(): i32 {
  return LAYOUT_VALUE_COUNT;
}

/** The layout.ts constant with number `id`, or ERR_BAD_ARGUMENT for an unknown id. */
export function layoutValue(id: i32): i32 {
  switch (id) {
    case 0: return PAGE_BYTES;
    case 1: return MEMORY_PAGES;
    case 2: return MEMORY_BYTES;
    case 3: return CORE_STATIC_LIMIT;
    case 4: return CONTROL_OFFSET;
    case 5: return CONTROL_BYTES;
    case 6: return CONTROL_ENGINE_STATE;
    case 7: return CONTROL_STOP_REQUESTED;
    case 8: return CONTROL_LAST_STATUS;
    case 9: return CONTROL_EVENTS_PROCESSED;
    case 10: return CONTROL_EVENTS_CHECKSUM;
    case 11: return CONTROL_BARS_PROCESSED;
    case 12: return ENGINE_BOOTING;
    case 13: return ENGINE_RUNNING;
    case 14: return ENGINE_DRAINING;
    case 15: return ENGINE_STOPPED;
    case 16: return RING_HEADER_BYTES;
    case 17: return RING_PUBLISHED;
    case 18: return RING_CONSUMER_WAITING;
    case 19: return RING_RELEASED;
    case 20: return RING_PRODUCER_WAITING;
    case 21: return RING_CAPACITY;
    case 22: return RING_MASK;
    case 23: return RING_MAGIC_FIELD;
    case 24: return RING_MAGIC;
    case 25: return SLOT_BYTES;
    case 26: return SLOT_SHIFT;
    case 27: return INBOUND_CAPACITY;
    case 28: return INBOUND_RING_OFFSET;
    case 29: return OUTBOUND_CAPACITY;
    case 30: return OUTBOUND_RING_OFFSET;
    case 31: return STATE_OFFSET;
    case 32: return STATE_BYTES;
    case 33: return BARS_REGION_OFFSET;
    case 34: return BARS_REGION_BYTES;
    case 35: return INDICATOR_REGION_OFFSET;
    case 36: return INDICATOR_REGION_BYTES;
    case 37: return HMM_REGION_OFFSET;
    case 38: return HMM_REGION_BYTES;
    case 39: return DECISION_REGION_OFFSET;
    case 40: return DECISION_REGION_BYTES;
    case 41: return SCRATCH_REGION_OFFSET;
    case 42: return SCRATCH_REGION_BYTES;
    case 43: return EVENT_BYTES;
    case 44: return EV_KIND;
    case 45: return EV_INSTRUMENT;
    case 46: return EV_TS_EXCHANGE;
    case 47: return EV_TS_LOCAL;
    case 48: return EV_PRICE;
    case 49: return EV_SIZE;
    case 50: return EV_A;
    case 51: return EV_B;
    case 52: return EV_ID;
    case 53: return KIND_TRADE;
    case 54: return KIND_QUOTE;
    case 55: return KIND_BAR;
    case 56: return KIND_FILL;
    case 57: return KIND_ACK;
    case 58: return KIND_REJECT;
    case 59: return KIND_MODEL;
    case 60: return KIND_SENTIMENT;
    case 61: return KIND_TIMER;
    case 62: return KIND_PROGRESS;
    case 63: return KIND_MASK;
    case 64: return SOURCE_LIVE;
    case 65: return SOURCE_REPLAY;
    case 66: return SOURCE_PAPER;
    case 67: return DIRECTION_INBOUND;
    case 68: return DIRECTION_OUTBOUND;
    case 69: return CONTROL_EVENTS_REJECTED;
    case 70: return CONTROL_PROGRESS_DROPPED;
    case 71: return PIPELINE_REGION_OFFSET;
    case 72: return PIPELINE_REGION_BYTES;
    case 73: return KIND_ORDER;
    case 74: return OUTBOUND_EXT_OFFSET;
    case 75: return INSTRUMENT_CAPACITY;
    case 76: return RISK_REGION_OFFSET;
    case 77: return RISK_REGION_BYTES;
    case 78: return ORDERS_REGION_OFFSET;
    case 79: return ORDERS_REGION_BYTES;
    case 80: return PORTFOLIO_REGION_OFFSET;
    case 81: return PORTFOLIO_REGION_BYTES;
    case 82: return EXITS_REGION_OFFSET;
    case 83: return EXITS_REGION_BYTES;
    case 84: return VENUE_REGION_OFFSET;
    case 85: return VENUE_REGION_BYTES;
    case 86: return KIND_CANCEL;
    case 87: return KIND_REPLACE;
    case 88: return KIND_CANCELED;
    case 89: return KIND_EXPIRED;
    case 90: return KIND_ORDER_STATUS;
    case 91: return KIND_FUNDING;
    case 92: return KIND_RATE;
    case 93: return KIND_ROUND_TRIP;
    case 94: return KIND_ORDER_NOTICE;
    case 95: return FLAG_MAKER;
    case 96: return CONTROL_HELD_PHASE;
    case 97: return CONTROL_UNITS;
    case 98: return CONTROL_CHECKPOINT_REQUEST;
    case 99: return CONTROL_CHECKPOINT_PARKED;
    case 100: return KIND_EQUITY;
    case 101: return KIND_FEATURES;
    case 102: return KIND_FEED_HEALTH;
    case 103: return PUBLISHED_SIGNALS_REGION_OFFSET;
    case 104: return PUBLISHED_SIGNALS_REGION_BYTES;
    default: return ERR_BAD_ARGUMENT;
  }
}

/**
 * Copies field `field` (record order: kind, instrument, tsExchange, tsLocal, price, size,
 * a, b, id) of the event record at `record` to `target`, using the core's own offsets and
 * widths. Returns the field's width in bytes, or ERR_BAD_ARGUMENT when the field is unknown
 * or either address range leaves memory.
 */
export function copyEventField(record: i32, field: i32, target: i32): i32 {
  if (record < 0 || record > MEMORY_BYTES - EVENT_BYTES || target < 0 || target > MEMORY_BYTES - 8) return ERR_BAD_ARGUMENT;
  const base = <usize>record;
  const to = <usize>target;
  switch (field) {
    case 0: store<i32>(to, load<i32>(base + EV_KIND)); return 4;
    case 1: store<i32>(to, load<i32>(base + EV_INSTRUMENT)); return 4;
    case 2: store<i64>(to, load<i64>(base + EV_TS_EXCHANGE)); return 8;
    case 3: store<i64>(to, load<i64>(base + EV_TS_LOCAL)); return 8;
    case 4: store<f64>(to, load<f64>(base + EV_PRICE)); return 8;
    case 5: store<f64>(to, load<f64>(base + EV_SIZE)); return 8;
    case 6: store<f64>(to, load<f64>(base + EV_A)); return 8;
    case 7: store<f64>(to, load<f64>(base + EV_B)); return 8;
    case 8: store<u64>(to, load<u64>(base + EV_ID)); return 8;
    default: return ERR_BAD_ARGUMENT;
  }
}
