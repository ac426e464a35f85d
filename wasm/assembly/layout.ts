// Memory map of the WASM core and the layout of the 64-byte event record.
// Mirrored by engine/layout/memory-map.ts and engine/layout/event-record.ts;
// test/layout-agreement.test.ts checks the three (with schemas/event-record.json) agree.
//
// Shared linear memory (fixed size, created by the engine, imported by the core):
//
//   0x0000_0000 +------------------------------------------+
//               | core statics + stub runtime heap          |  below CORE_STATIC_LIMIT;
//               | (AssemblyScript data segments)            |  checked at coreInit()
//   0x0010_0000 +------------------------------------------+
//               | control block (4 KiB)                     |  engine state, stop flag,
//               |                                          |  counters
//   0x0010_1000 +------------------------------------------+
//               | inbound ring: header (256 B)             |  I/O thread -> engine thread
//               |               slots (INBOUND_CAPACITY*64) |
//               +------------------------------------------+
//               | outbound ring: header (256 B)            |  engine thread -> I/O thread
//               |                slots (OUTBOUND_CAPACITY*64)
//               +------------------------------------------+
//               | outbound extension: OUTBOUND_CAPACITY*64 |  second 64 bytes of the outbound
//               |                                          |  record in the slot of the same
//               |                                          |  index (ROUND_TRIP only)
//               +------------------------------------------+  PUBLISHED_STATE_OFFSET
//               | published state (in the alignment gap):   |  account + positions under a
//               | state/state-layout.ts; not checkpointed   |  seqlock, for readers
//               +------------------------------------------+  STATE_OFFSET (64 KiB aligned)
//               | state, checkpointed as bytes, one region |
//               | per owner, each 64 KiB aligned:           |
//               |   bars        bar builder slots          |
//               |   indicators  plan + node state          |
//               |   hmm         regime models + filters    |
//               |   decision    fusion + sizing            |
//               |   pipeline    per-instrument stage flags |
//               |   risk        limits, account, kill      |
//               |               switch, exposure sums      |
//               |   orders      order table, fill ids      |
//               |   portfolio   P&L, lots, currencies      |
//               |   exits       exit profiles + per-       |
//               |               position exit state        |
//               |   venue       simulated venue: books,    |
//               |               its orders, event queue    |
//               | scratch (batch columns in and out)        |
//               +------------------------------------------+  PUBLISHED_SIGNALS_REGION_OFFSET
//               | published signals: state/signals-layout.ts|  per-instrument decisions + feed
//               | (320 KiB); not checkpointed               |  health under a seqlock, for readers
//   MEMORY_BYTES+------------------------------------------+
//
// Every per-instrument table holds INSTRUMENT_CAPACITY entries: instrument ids are
// 0 .. INSTRUMENT_CAPACITY - 1 everywhere.
//
// Ring header (each hot word on its own 64-byte cache line, so producer and
// consumer never write the same line):
//
//   +0   published   i32  sequence after the last published slot (producer, Atomics)
//   +4   consumerWaiting i32  1 while the consumer sleeps in Atomics.wait on `published`
//   +64  released    i32  sequence after the last slot the consumer released (consumer, Atomics)
//   +68  producerWaiting i32  1 while the producer sleeps in Atomics.wait on `released`
//   +128 capacity    i32  slots, a power of two
//   +132 mask        i32  capacity - 1
//   +136 magic       i32  RING_MAGIC once initialised
//   +256 slot 0 ... slot capacity-1 (64 bytes each)
//
// Sequences are u32 and wrap: the number of readable slots is (published - released) >>> 0,
// which is exact while capacity < 2^31.
//
// Event record (64 bytes; meaning of a, b and id depends on kind):
//
//   0      4      8              16             24             32             40             48             56            64
//   | kind | inst | ts_exchange  | ts_local     | price (f64)  | size (f64)   | a (f64)      | b (f64)      | id (u64)    |

export const PAGE_BYTES: i32 = 65536;
export const MEMORY_PAGES: i32 = 2048;
export const MEMORY_BYTES: i32 = PAGE_BYTES * MEMORY_PAGES;

export const CORE_STATIC_LIMIT: i32 = 0x0010_0000;

// Control block.
export const CONTROL_OFFSET: i32 = 0x0010_0000;
export const CONTROL_BYTES: i32 = 4096;
export const CONTROL_ENGINE_STATE: i32 = 0; // i32: ENGINE_* below
export const CONTROL_STOP_REQUESTED: i32 = 4; // i32: 1 once the I/O thread asks the engine to drain and stop
export const CONTROL_LAST_STATUS: i32 = 8; // i32: last negative status the core returned
export const CONTROL_HELD_PHASE: i32 = 12; // i32: how far the core got with the first unreleased inbound record (engine.ts)
export const CONTROL_CHECKPOINT_REQUEST: i32 = 16; // i32: 1 while the I/O thread asks the engine thread to park at a batch boundary (a checkpoint)
export const CONTROL_CHECKPOINT_PARKED: i32 = 20; // i32: 1 while the engine thread is parked for it (nothing held, no call running)
export const CONTROL_EVENTS_PROCESSED: i32 = 64; // i64: inbound events consumed by the core
export const CONTROL_EVENTS_CHECKSUM: i32 = 72; // i64: running checksum of consumed events
export const CONTROL_BARS_PROCESSED: i32 = 80;
export const CONTROL_EVENTS_REJECTED: i32 = 88; // i64: inbound records with no known kind bit (counted, skipped)
export const CONTROL_PROGRESS_DROPPED: i32 = 96; // i64: PROGRESS records not written because the outbound ring was full
export const CONTROL_UNITS: i32 = 104; // i64: units of work done (records, venue events, built bars)

export const ENGINE_BOOTING: i32 = 0;
export const ENGINE_RUNNING: i32 = 1;
export const ENGINE_DRAINING: i32 = 2;
export const ENGINE_STOPPED: i32 = 3;

// Ring header.
export const RING_HEADER_BYTES: i32 = 256;
export const RING_PUBLISHED: i32 = 0;
export const RING_CONSUMER_WAITING: i32 = 4;
export const RING_RELEASED: i32 = 64;
export const RING_PRODUCER_WAITING: i32 = 68;
export const RING_CAPACITY: i32 = 128;
export const RING_MASK: i32 = 132;
export const RING_MAGIC_FIELD: i32 = 136;
export const RING_MAGIC: i32 = 0x52494e47; // "RING"
export const SLOT_BYTES: i32 = 64;
export const SLOT_SHIFT: i32 = 6;

// The two engine rings.
export const INBOUND_CAPACITY: i32 = 65536;
export const INBOUND_RING_OFFSET: i32 = CONTROL_OFFSET + CONTROL_BYTES;
export const OUTBOUND_CAPACITY: i32 = 16384;
export const OUTBOUND_RING_OFFSET: i32 = INBOUND_RING_OFFSET + RING_HEADER_BYTES + INBOUND_CAPACITY * SLOT_BYTES;
/** Second 64 bytes of an outbound record that needs 128 (ROUND_TRIP), at the slot index of the record. */
export const OUTBOUND_EXT_OFFSET: i32 = OUTBOUND_RING_OFFSET + RING_HEADER_BYTES + OUTBOUND_CAPACITY * SLOT_BYTES;
export const STATE_OFFSET: i32 = (OUTBOUND_EXT_OFFSET + OUTBOUND_CAPACITY * SLOT_BYTES + 0xffff) & ~0xffff;
export const STATE_BYTES: i32 = MEMORY_BYTES - STATE_OFFSET;
// The published state sits in the spare bytes between the outbound extension and STATE_OFFSET,
// outside every checkpointed span: PUBLISHED_STATE_OFFSET = OUTBOUND_EXT_OFFSET + OUTBOUND_CAPACITY
// * SLOT_BYTES, up to STATE_OFFSET. Its constants and box diagram live in state/state-layout.ts
// (checked against engine/snapshot/state-layout.ts by test/consistent-state.test.ts).

/** Instruments every per-instrument table holds (ids 0 .. INSTRUMENT_CAPACITY - 1). */
export const INSTRUMENT_CAPACITY: i32 = 1024;

// Sub-regions of the state region, each 64 KiB aligned. Each owner lays out its own
// region (with a box diagram in its module) and never writes outside it.
export const BARS_REGION_OFFSET: i32 = STATE_OFFSET; // bar builder state per (instrument, timeframe)
export const BARS_REGION_BYTES: i32 = 0x0010_0000;
export const INDICATOR_REGION_OFFSET: i32 = BARS_REGION_OFFSET + BARS_REGION_BYTES; // indicator plan + node state
export const INDICATOR_REGION_BYTES: i32 = 0x0200_0000;
export const HMM_REGION_OFFSET: i32 = INDICATOR_REGION_OFFSET + INDICATOR_REGION_BYTES; // regime model + filter state
export const HMM_REGION_BYTES: i32 = 0x0010_0000;
export const DECISION_REGION_OFFSET: i32 = HMM_REGION_OFFSET + HMM_REGION_BYTES; // fusion and sizing
export const DECISION_REGION_BYTES: i32 = 0x0040_0000;
export const PIPELINE_REGION_OFFSET: i32 = DECISION_REGION_OFFSET + DECISION_REGION_BYTES; // per-instrument engine pipeline config
export const PIPELINE_REGION_BYTES: i32 = 0x0010_0000;
export const RISK_REGION_OFFSET: i32 = PIPELINE_REGION_OFFSET + PIPELINE_REGION_BYTES; // limits, account, kill switch, exposure sums
export const RISK_REGION_BYTES: i32 = 0x0010_0000;
export const ORDERS_REGION_OFFSET: i32 = RISK_REGION_OFFSET + RISK_REGION_BYTES; // order table, per-instrument order index, fill ids seen
export const ORDERS_REGION_BYTES: i32 = 0x0040_0000;
export const PORTFOLIO_REGION_OFFSET: i32 = ORDERS_REGION_OFFSET + ORDERS_REGION_BYTES; // P&L per instrument, currencies, open lots
export const PORTFOLIO_REGION_BYTES: i32 = 0x0040_0000;
export const EXITS_REGION_OFFSET: i32 = PORTFOLIO_REGION_OFFSET + PORTFOLIO_REGION_BYTES; // exit profiles, per-position exit state
export const EXITS_REGION_BYTES: i32 = 0x0010_0000;
export const VENUE_REGION_OFFSET: i32 = EXITS_REGION_OFFSET + EXITS_REGION_BYTES; // simulated venue: config, books, its orders, event queue
export const VENUE_REGION_BYTES: i32 = 0x0080_0000;
export const SCRATCH_REGION_OFFSET: i32 = VENUE_REGION_OFFSET + VENUE_REGION_BYTES; // batch columns in and out
/** The top of the memory: the published-signals block (state/signals-layout.ts), under a seqlock, not checkpointed. */
export const PUBLISHED_SIGNALS_REGION_BYTES: i32 = 0x0005_0000;
export const PUBLISHED_SIGNALS_REGION_OFFSET: i32 = MEMORY_BYTES - PUBLISHED_SIGNALS_REGION_BYTES;
export const SCRATCH_REGION_BYTES: i32 = PUBLISHED_SIGNALS_REGION_OFFSET - SCRATCH_REGION_OFFSET;

// Event record fields.
export const EVENT_BYTES: i32 = 64;
export const EV_KIND: i32 = 0;
export const EV_INSTRUMENT: i32 = 4;
export const EV_TS_EXCHANGE: i32 = 8;
export const EV_TS_LOCAL: i32 = 16;
export const EV_PRICE: i32 = 24;
export const EV_SIZE: i32 = 32;
export const EV_A: i32 = 40;
export const EV_B: i32 = 48;
export const EV_ID: i32 = 56;

// Event kinds: bit flags that combine. One kind bit (bits 0..19, and 26..28), plus source
// bits (20..22), the maker flag of a fill (23), and a direction bit (24, 25). Kinds added after
// bit 19 continue at bit 26, so every earlier value stays as it was; KIND_MASK covers both spans.
export const KIND_TRADE: i32 = 1;
export const KIND_QUOTE: i32 = 2;
export const KIND_BAR: i32 = 4;
export const KIND_FILL: i32 = 8;
export const KIND_ACK: i32 = 16;
export const KIND_REJECT: i32 = 32;
export const KIND_MODEL: i32 = 64;
export const KIND_SENTIMENT: i32 = 128;
export const KIND_TIMER: i32 = 256;
export const KIND_PROGRESS: i32 = 512;
export const KIND_ORDER: i32 = 1024;
export const KIND_CANCEL: i32 = 1 << 11;
export const KIND_REPLACE: i32 = 1 << 12;
export const KIND_CANCELED: i32 = 1 << 13;
export const KIND_EXPIRED: i32 = 1 << 14;
export const KIND_ORDER_STATUS: i32 = 1 << 15;
export const KIND_FUNDING: i32 = 1 << 16;
export const KIND_RATE: i32 = 1 << 17;
export const KIND_ROUND_TRIP: i32 = 1 << 18;
export const KIND_ORDER_NOTICE: i32 = 1 << 19;
/** Outbound, one per bar of a PIPE_RISK instrument when enabled (pipelineSetEquityRecords): the account after the bar (pipeline/pipeline.ts). */
export const KIND_EQUITY: i32 = 1 << 26;
/**
 * Outbound, ceil(F / 4) per bar of a PIPE_MODEL instrument whose F features are all finite: the
 * feature vector the model runs on (pipeline/model-wait.ts writeFeatureRecords has the layout).
 */
export const KIND_FEATURES: i32 = 1 << 27;
/**
 * Inbound, from a feed-health tracker (engine/risk FeedHealthTracker) or an adapter: a change of
 * the health of an instrument's market-data stream (stale, gap, crossed, locked, silent,
 * recovered). The risk stage acts on it by policy (risk/feed-health.ts has the layout).
 */
export const KIND_FEED_HEALTH: i32 = 1 << 28;
export const KIND_MASK: i32 = 0x1c0f_ffff;
export const SOURCE_LIVE: i32 = 1 << 20;
export const SOURCE_REPLAY: i32 = 1 << 21;
export const SOURCE_PAPER: i32 = 1 << 22;
/** On a FILL: the fill added liquidity (maker); without it, it took liquidity (taker) or the venue did not say. */
export const FLAG_MAKER: i32 = 1 << 23;
export const DIRECTION_INBOUND: i32 = 1 << 24;
export const DIRECTION_OUTBOUND: i32 = 1 << 25;
