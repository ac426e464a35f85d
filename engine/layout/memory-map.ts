// Memory map of the shared WebAssembly memory, as seen from TypeScript.
// Mirror of wasm/assembly/layout.ts (the box diagram lives there); the agreement
// test checks every constant here against the compiled core's exports.

export const PAGE_BYTES = 65536;
export const MEMORY_PAGES = 2048;
export const MEMORY_BYTES = PAGE_BYTES * MEMORY_PAGES;

export const CORE_STATIC_LIMIT = 0x0010_0000;

export const CONTROL_OFFSET = 0x0010_0000;
export const CONTROL_BYTES = 4096;
export const CONTROL_ENGINE_STATE = 0;
export const CONTROL_STOP_REQUESTED = 4;
export const CONTROL_LAST_STATUS = 8;
export const CONTROL_HELD_PHASE = 12; // i32: how far the core got with the first unreleased inbound record (wasm/assembly/engine.ts)
export const CONTROL_CHECKPOINT_REQUEST = 16; // i32: 1 while the I/O thread asks the engine thread to park at a batch boundary (engine/threads/core-checkpoint.ts)
export const CONTROL_CHECKPOINT_PARKED = 20; // i32: 1 while the engine thread is parked for it
export const CONTROL_EVENTS_PROCESSED = 64;
export const CONTROL_EVENTS_CHECKSUM = 72;
export const CONTROL_BARS_PROCESSED = 80;
export const CONTROL_EVENTS_REJECTED = 88; // i64: inbound records with no known kind bit (counted, skipped)
export const CONTROL_PROGRESS_DROPPED = 96; // i64: PROGRESS records not written because the outbound ring was full
export const CONTROL_UNITS = 104; // i64: units of work done (records, venue events, built bars)

export const ENGINE_BOOTING = 0;
export const ENGINE_RUNNING = 1;
export const ENGINE_DRAINING = 2;
export const ENGINE_STOPPED = 3;

export const RING_HEADER_BYTES = 256;
export const RING_PUBLISHED = 0;
export const RING_CONSUMER_WAITING = 4;
export const RING_RELEASED = 64;
export const RING_PRODUCER_WAITING = 68;
export const RING_CAPACITY = 128;
export const RING_MASK = 132;
export const RING_MAGIC_FIELD = 136;
export const RING_MAGIC = 0x52494e47;
export const SLOT_BYTES = 64;
export const SLOT_SHIFT = 6;

export const INBOUND_CAPACITY = 65536;
export const INBOUND_RING_OFFSET = CONTROL_OFFSET + CONTROL_BYTES;
export const OUTBOUND_CAPACITY = 16384;
export const OUTBOUND_RING_OFFSET = INBOUND_RING_OFFSET + RING_HEADER_BYTES + INBOUND_CAPACITY * SLOT_BYTES;
/** Second 64 bytes of an outbound record that needs 128 (ROUND_TRIP), at the slot index of the record. */
export const OUTBOUND_EXT_OFFSET = OUTBOUND_RING_OFFSET + RING_HEADER_BYTES + OUTBOUND_CAPACITY * SLOT_BYTES;
export const STATE_OFFSET = (OUTBOUND_EXT_OFFSET + OUTBOUND_CAPACITY * SLOT_BYTES + 0xffff) & ~0xffff;
export const STATE_BYTES = MEMORY_BYTES - STATE_OFFSET;

/** Instruments every per-instrument table holds (ids 0 .. INSTRUMENT_CAPACITY - 1). */
export const INSTRUMENT_CAPACITY = 1024;

// Sub-regions of the state region, each 64 KiB aligned. Each owner lays out its own
// region (with a box diagram in its module) and never writes outside it.
export const BARS_REGION_OFFSET = STATE_OFFSET; // bar builder state per (instrument, timeframe)
export const BARS_REGION_BYTES = 0x0010_0000;
export const INDICATOR_REGION_OFFSET = BARS_REGION_OFFSET + BARS_REGION_BYTES; // indicator plan + node state
export const INDICATOR_REGION_BYTES = 0x0200_0000;
export const HMM_REGION_OFFSET = INDICATOR_REGION_OFFSET + INDICATOR_REGION_BYTES; // regime model + filter state
export const HMM_REGION_BYTES = 0x0010_0000;
export const DECISION_REGION_OFFSET = HMM_REGION_OFFSET + HMM_REGION_BYTES; // fusion and sizing
export const DECISION_REGION_BYTES = 0x0040_0000;
export const PIPELINE_REGION_OFFSET = DECISION_REGION_OFFSET + DECISION_REGION_BYTES; // per-instrument engine pipeline config
export const PIPELINE_REGION_BYTES = 0x0010_0000;
export const RISK_REGION_OFFSET = PIPELINE_REGION_OFFSET + PIPELINE_REGION_BYTES; // limits, account, kill switch, exposure sums
export const RISK_REGION_BYTES = 0x0010_0000;
export const ORDERS_REGION_OFFSET = RISK_REGION_OFFSET + RISK_REGION_BYTES; // order table, per-instrument order index, fill ids seen
export const ORDERS_REGION_BYTES = 0x0040_0000;
export const PORTFOLIO_REGION_OFFSET = ORDERS_REGION_OFFSET + ORDERS_REGION_BYTES; // P&L per instrument, currencies, open lots
export const PORTFOLIO_REGION_BYTES = 0x0040_0000;
export const EXITS_REGION_OFFSET = PORTFOLIO_REGION_OFFSET + PORTFOLIO_REGION_BYTES; // exit profiles, per-position exit state
export const EXITS_REGION_BYTES = 0x0010_0000;
export const VENUE_REGION_OFFSET = EXITS_REGION_OFFSET + EXITS_REGION_BYTES; // simulated venue: config, books, its orders, event queue
export const VENUE_REGION_BYTES = 0x0080_0000;
export const SCRATCH_REGION_OFFSET = VENUE_REGION_OFFSET + VENUE_REGION_BYTES; // batch columns in and out
/** The top of the memory: the published-signals block (state/signals-layout.ts), under a seqlock, not checkpointed. */
export const PUBLISHED_SIGNALS_REGION_BYTES = 0x0005_0000;
export const PUBLISHED_SIGNALS_REGION_OFFSET = MEMORY_BYTES - PUBLISHED_SIGNALS_REGION_BYTES;
export const SCRATCH_REGION_BYTES = PUBLISHED_SIGNALS_REGION_OFFSET - SCRATCH_REGION_OFFSET;

/** Bytes a ring of `capacity` slots occupies, header included. */
export function ringBytes(capacity: number): number {
  return RING_HEADER_BYTES + capacity * SLOT_BYTES;
}
