// Layout of the BARS region (BARS_REGION_OFFSET in ../layout.ts): one fixed-size slot per
// (instrument, timeframe) time-bar builder, configuration and state together, so a
// checkpoint is a byte copy of the region.
//
//   BARS_REGION_OFFSET
//   +0     +------------------------------------------+
//          | header (64 B)                            |
//          |  +0 magic i32 (BARS_MAGIC once any slot  |
//          |     was configured)                      |
//          |  +4 slotsInUse i32 (highest configured   |
//          |     slot + 1; events scan 0..slotsInUse) |
//   +64    +------------------------------------------+
//          | slot 0 (128 B)                           |
//   +192   +------------------------------------------+
//          | slot 1 ... slot BARS_SLOT_CAPACITY - 1   |
//          +------------------------------------------+  BARS_REGION_OFFSET + BARS_REGION_BYTES
//
// Slot (128 B):
//
//   0        4            8                16       20     24       28         32
//   | active | instrument | timeframeNs i64 | source | fill | hasBar | hasClose |
//   32               40            48               56
//   | barStart i64   | lastTs i64  | cursor i64     |
//   56       64       72      80       88        96              104            112              120        128
//   | open   | high   | low   | close  | volume  | previousClose | quoteVolume  | barsEmitted i64 | reserved |
//
//   source       KIND_TRADE (bars from trades) or KIND_QUOTE (bars from mids)
//   fill         1: empty intervals become flat bars at the previous close, volume 0; 0: skipped
//   hasBar       1 while a bar [barStart, barStart + timeframe) is open
//   hasClose     1 once a bar was emitted (previousClose is valid: fill needs it)
//   lastTs       the builder's clock: time of the last accepted event or flush; earlier events are rejected
//   cursor       start of the first interval not yet emitted (fill resumes from it)
//   quoteVolume  volume added per quote (0 by default)

import { BARS_REGION_BYTES, BARS_REGION_OFFSET } from '../layout';

export const BARS_MAGIC: i32 = 0x53524142; // "BARS" little-endian
export const BARS_HEADER_BYTES: i32 = 64;
export const BARS_H_MAGIC: i32 = 0;
export const BARS_H_SLOTS_IN_USE: i32 = 4;

export const BAR_SLOT_BYTES: i32 = 128;
export const BARS_SLOT_CAPACITY: i32 = (BARS_REGION_BYTES - BARS_HEADER_BYTES) / BAR_SLOT_BYTES;
export const BARS_SLOTS_OFFSET: i32 = BARS_REGION_OFFSET + BARS_HEADER_BYTES;

export const BS_ACTIVE: i32 = 0;
export const BS_INSTRUMENT: i32 = 4;
export const BS_TIMEFRAME: i32 = 8;
export const BS_SOURCE: i32 = 16;
export const BS_FILL: i32 = 20;
export const BS_HAS_BAR: i32 = 24;
export const BS_HAS_CLOSE: i32 = 28;
export const BS_BAR_START: i32 = 32;
export const BS_LAST_TS: i32 = 40;
export const BS_CURSOR: i32 = 48;
export const BS_OPEN: i32 = 56;
export const BS_HIGH: i32 = 64;
export const BS_LOW: i32 = 72;
export const BS_CLOSE: i32 = 80;
export const BS_VOLUME: i32 = 88;
export const BS_PREVIOUS_CLOSE: i32 = 96;
export const BS_QUOTE_VOLUME: i32 = 104;
export const BS_BARS_EMITTED: i32 = 112;

/** Address of builder slot `slot` (not range-checked). */
// @ts-ignore: decorator
@inline
export function barSlotAddress(slot: i32): usize {
  return <usize>(BARS_SLOTS_OFFSET + slot * BAR_SLOT_BYTES);
}
