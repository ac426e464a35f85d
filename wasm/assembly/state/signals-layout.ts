// Layout of the PUBLISHED SIGNALS block: each configured instrument's last decision summary
// (regime probabilities, the five experts' scores, confidences and blended weights, the fused
// signal and target, why no order) and its feed-health condition, copied by the core at batch
// boundaries under a seqlock of its own (signals-publish.ts), so a reader on another thread takes
// every instrument's decision whole, never one the core is half-way through. Mirrored by
// engine/snapshot/signals-layout.ts; engine/snapshot/read-consistent-signals.ts is the reader.
//
// Where: the top PUBLISHED_SIGNALS_BYTES of the memory, above every checkpointed span
// (engine/threads/core-checkpoint.ts copies [0, CORE_STATIC_LIMIT) and [STATE_OFFSET,
// SCRATCH_REGION_OFFSET)), so checkpoints and their images are unchanged. layout.ts carves the
// area out of the memory above the scratch region (PUBLISHED_SIGNALS_REGION_*).
//
//   PUBLISHED_SIGNALS_OFFSET = MEMORY_BYTES - PUBLISHED_SIGNALS_BYTES
//   +0      +---------------------------------------------+
//           | seq i64 (own cache line): odd while the core |  atomic stores, engine thread only
//           | writes, even when the block is whole         |
//   +64     +---------------------------------------------+
//           | header (64 B, below)                        |
//   +128    +---------------------------------------------+
//           | instrument entry 0 (256 B)                  |  one per configured risk slot, in
//           | ... entry count - 1                         |  instrument id order (the state
//   +128 + 256 * INSTRUMENT_CAPACITY (262,272 B at most)  |  block's list)
//           +---------------------------------------------+
//
// Header (offsets from the block start):
//
//   64           72          80               88     92           96            128
//   | inboundSeq | clockNs   | decisionSteps  | count| slotsInUse | units i64 | reserved |
//
//   inboundSeq, clockNs  as the state block's (CONTROL_EVENTS_PROCESSED, RH_CLOCK_NS)
//   decisionSteps  the pipeline's decision counter when the block was written
//   units          CONTROL_UNITS when the block was last compared: with slotsInUse, the idle
//                  test of signals-publish.ts (no work since: nothing to compare)
//
// Instrument entry (256 B). The decision part is the instrument's DECISION output block
// (decision/decision-layout.ts "Output block") as it stood at the batch boundary; it is zero
// (flags without SF_DECIDES) for an instrument no strategy decides:
//
//   0            4       8        16      20           24           28         32          36        40
//   | instrument | flags | ts i64 | status| orderReason| orderLimit | feedMask | feedAction| feedCond |
//   40              48      56          64            72         80        88        96       104     112
//   | feedSinceNs   | signal| confidence| choppyScale | direction| exposure| quantity| orderQty| price |
//   112                136              176                 216                256
//   | regimeProb[3] f64 | weights[5] f64  | compScore[5] f64   | compConf[5] f64 |
//
//   flags      SF_DECIDES (a strategy decides it: PIPE_DECISION or PIPE_RULES), SF_FUSION
//              (fusion decides it: regime-gated experts)
//   ts         the decision's bar close (OUT_TS); 0 before the first decision
//   orderReason  OUT_ORDER_REASON: the risk reason of the order the target implied, NO_ORDER (-1)
//   feedMask, feedAction, feedCond, feedSinceNs  the risk slot's feed health (risk-layout.ts
//              RS_FEED_*): active conditions (1 << code), the policy's action, the last
//              condition code applied, when it went degraded (0 while healthy)
import { INSTRUMENT_CAPACITY, PUBLISHED_SIGNALS_REGION_BYTES, PUBLISHED_SIGNALS_REGION_OFFSET, SCRATCH_REGION_OFFSET } from '../layout';

export const SG_ENTRIES: i32 = 128;
export const SG_ENTRY_BYTES: i32 = 256;
/** Bytes the block needs at most (every instrument configured). */
export const SG_BLOCK_BYTES_MAX: i32 = SG_ENTRIES + SG_ENTRY_BYTES * INSTRUMENT_CAPACITY;
/** The block's area, carved out of the top of the memory by layout.ts (SG_BLOCK_BYTES_MAX rounded up to 64 KiB). */
export const PUBLISHED_SIGNALS_BYTES: i32 = PUBLISHED_SIGNALS_REGION_BYTES;
export const PUBLISHED_SIGNALS_OFFSET: i32 = PUBLISHED_SIGNALS_REGION_OFFSET;

export const SG: usize = <usize>PUBLISHED_SIGNALS_OFFSET;

export const SG_SEQ: i32 = 0;
export const SG_INBOUND_SEQ: i32 = 64;
export const SG_CLOCK_NS: i32 = 72;
export const SG_DECISION_STEPS: i32 = 80;
export const SG_COUNT: i32 = 88;
export const SG_SLOTS_IN_USE: i32 = 92;
export const SG_UNITS: i32 = 96;

export const SE_INSTRUMENT: i32 = 0;
export const SE_FLAGS: i32 = 4;
export const SE_TS: i32 = 8;
export const SE_STATUS: i32 = 16;
export const SE_ORDER_REASON: i32 = 20;
export const SE_ORDER_LIMIT: i32 = 24;
export const SE_FEED_MASK: i32 = 28;
export const SE_FEED_ACTION: i32 = 32;
export const SE_FEED_CONDITION: i32 = 36;
export const SE_FEED_SINCE_NS: i32 = 40;
export const SE_SIGNAL: i32 = 48;
export const SE_CONFIDENCE: i32 = 56;
export const SE_CHOPPY_SCALE: i32 = 64;
export const SE_DIRECTION: i32 = 72;
export const SE_EXPOSURE: i32 = 80;
export const SE_QUANTITY: i32 = 88;
export const SE_ORDER_QTY: i32 = 96;
export const SE_PRICE: i32 = 104;
export const SE_REGIME_PROB: i32 = 112;
export const SE_WEIGHTS: i32 = 136;
export const SE_COMP_SCORE: i32 = 176;
export const SE_COMP_CONF: i32 = 216;

export const SF_DECIDES: i32 = 1;
export const SF_FUSION: i32 = 2;

/** True when the block lies inside the scratch region (above every checkpointed span). */
export function signalsBlockFits(): bool {
  return PUBLISHED_SIGNALS_OFFSET >= SCRATCH_REGION_OFFSET && SG_BLOCK_BYTES_MAX <= PUBLISHED_SIGNALS_BYTES;
}

/** Address of entry `index` of the list. */
// @ts-ignore: decorator
@inline
export function signalsEntryAddress(index: i32): usize {
  return SG + <usize>(SG_ENTRIES + index * SG_ENTRY_BYTES);
}
