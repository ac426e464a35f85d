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
//               +------------------------------------------+  STATE_OFFSET (64 KiB aligned)
//               | state: bars | indicators | hmm | decision |  checkpointed as bytes
//               |        pipeline                          |
//               | scratch (batch columns in and out)        |
//   MEMORY_BYTES+------------------------------------------+
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
export const CONTROL_EVENTS_PROCESSED: i32 = 64; // i64: inbound events consumed by the core
export const CONTROL_EVENTS_CHECKSUM: i32 = 72; // i64: running checksum of consumed events
export const CONTROL_BARS_PROCESSED: i32 = 80;
export const CONTROL_EVENTS_REJECTED: i32 = 88; // i64: inbound records with no known kind bit (counted, skipped)
export const CONTROL_PROGRESS_DROPPED: i32 = 96; // i64: PROGRESS records not written because the outbound ring was full // i64: BAR events consumed

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
export const STATE_OFFSET: i32 =
  (OUTBOUND_RING_OFFSET + RING_HEADER_BYTES + OUTBOUND_CAPACITY * SLOT_BYTES + 0xffff) & ~0xffff;
export const STATE_BYTES: i32 = MEMORY_BYTES - STATE_OFFSET;

// Sub-regions of the state region, each 64 KiB aligned. Each owner lays out its own
// region (with a box diagram in its module) and never writes outside it.
export const BARS_REGION_OFFSET: i32 = STATE_OFFSET; // bar builder state per (instrument, timeframe)
export const BARS_REGION_BYTES: i32 = 0x0010_0000;
export const INDICATOR_REGION_OFFSET: i32 = BARS_REGION_OFFSET + BARS_REGION_BYTES; // indicator plan + node state
export const INDICATOR_REGION_BYTES: i32 = 0x0200_0000;
export const HMM_REGION_OFFSET: i32 = INDICATOR_REGION_OFFSET + INDICATOR_REGION_BYTES; // regime model + filter state
export const HMM_REGION_BYTES: i32 = 0x0010_0000;
export const DECISION_REGION_OFFSET: i32 = HMM_REGION_OFFSET + HMM_REGION_BYTES; // fusion, sizing, risk state
export const DECISION_REGION_BYTES: i32 = 0x0040_0000;
export const PIPELINE_REGION_OFFSET: i32 = DECISION_REGION_OFFSET + DECISION_REGION_BYTES; // per-instrument engine pipeline config
export const PIPELINE_REGION_BYTES: i32 = 0x0010_0000;
export const SCRATCH_REGION_OFFSET: i32 = PIPELINE_REGION_OFFSET + PIPELINE_REGION_BYTES; // batch columns in and out
export const SCRATCH_REGION_BYTES: i32 = MEMORY_BYTES - SCRATCH_REGION_OFFSET;

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

// Event kinds: bit flags that combine.
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
export const KIND_MASK: i32 = 0xffff;
export const SOURCE_LIVE: i32 = 1 << 16;
export const SOURCE_REPLAY: i32 = 1 << 17;
export const SOURCE_PAPER: i32 = 1 << 18;
export const DIRECTION_INBOUND: i32 = 1 << 24;
export const DIRECTION_OUTBOUND: i32 = 1 << 25;
