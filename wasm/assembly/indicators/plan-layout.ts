// Layout of the INDICATOR region: the loaded plan (a compact program of kernel nodes),
// one fixed-size state block per (instrument, timeframe) slot, and the batch workspace.
// Mirrored by engine/indicators/plan-layout.ts; test/indicators-plan.test.ts checks they agree.
//
// INDICATOR region (INDICATOR_REGION_OFFSET, INDICATOR_REGION_BYTES):
//
//   +0        +------------------------------------------+
//             | plan header (64 B)                       |
//   +64       +------------------------------------------+
//             | node records, 64 B each, topological     |  nodeCount <= PLAN_MAX_NODES
//             | order (inputs always computed earlier)   |
//             +------------------------------------------+
//             | output list: i32 value index per column  |  outputCount <= PLAN_MAX_OUTPUTS
//   +PLAN_AREA_BYTES (64 KiB) ------------------------------+
//             | slot 0 state (stateBytes, 64 B aligned)  |
//             | slot 1 state                             |
//             | ...                                      |  slotCapacity slots
//   +INDICATOR_REGION_BYTES - WORKSPACE_BYTES -------------+
//             | batch workspace (core only, 512 KiB)     |  see below
//   +INDICATOR_REGION_BYTES --------------------------------+
//
// Batch workspace (indRunBatch runs the plan node by node over blocks of blockRows bars):
//
//   +0        +------------------------------------------+
//             | column table: i32 address per value of   |  valueCount entries, rewritten
//             | its column for the current block         |  for every block
//   +16 KiB   +------------------------------------------+
//             | output map: i32 per value, the first     |  set at plan load;
//             | output column listing it, or -1          |  -1: not an output
//   +32 KiB   +------------------------------------------+
//             | value columns: f64[blockRows] per node   |  values that are no output
//             | value that is no output column           |  column and no bar field
//   +WORKSPACE_BYTES ---------------------------------------+
//
// In a block, a bar field's column is its batch input column, a value listed as an output is
// written straight into its (first) batch output column, and every other value gets a
// workspace column.
//
// Plan header (written by TS, except the fields marked "core"):
//
//   +0  magic       i32  PLAN_MAGIC ("INDP")
//   +4  version     i32  PLAN_VERSION
//   +8  nodeCount   i32
//   +12 valueCount  i32  bar fields (VALUE_FIELD_COUNT) + every node output
//   +16 outputCount i32  columns written by indRunBatch
//   +20 stateBytes  i32  (core) bytes per slot, a multiple of 64
//   +24 slotCapacity i32 (core) slots that fit in the region
//   +28 checksum    i32  (core) FNV-1a of the plan; marks slots built for this plan
//
// Node record (64 B):
//
//   0        4         8     12    16    20    24         28         32          36    40    44    48           56           64
//   | opcode | inCount | in0 | in1 | in2 | in3 | outFirst | outCount | stateOff  | ip0 | ip1 | ip2 | fp0 (f64)  | fp1 (f64)  |
//   (in*: value indices read; outputs are values outFirst .. outFirst+outCount-1;
//    stateOff (core): byte offset of the node's state inside a slot; ip*/fp*: kernel parameters)
//
// Slot state block (stateBytes):
//
//   +0  checksum   i32  plan checksum the slot was reset for (0: never reset)
//   +8  barCount   i64  bars processed since reset
//   +16 timeNs     i64  open time of the last bar (per call: read by session VWAP)
//   +64 values     f64[valueCount]: 0 open, 1 high, 2 low, 3 close, 4 volume, then node outputs
//       node state ... (each node's state at its stateOff, 8 B aligned)
//
// The whole block is position independent: a checkpoint is a byte copy of it, and it can be
// restored into any slot of a core that loaded the same plan.

import { INDICATOR_REGION_BYTES, INDICATOR_REGION_OFFSET } from '../layout';

export const PLAN_OFFSET: i32 = INDICATOR_REGION_OFFSET;
export const PLAN_AREA_BYTES: i32 = 0x1_0000;
export const WORKSPACE_BYTES: i32 = 0x8_0000;
export const SLOTS_OFFSET: i32 = INDICATOR_REGION_OFFSET + PLAN_AREA_BYTES;
export const SLOTS_BYTES: i32 = INDICATOR_REGION_BYTES - PLAN_AREA_BYTES - WORKSPACE_BYTES;
export const WORKSPACE_OFFSET: i32 = SLOTS_OFFSET + SLOTS_BYTES;
export const WS_COLUMN_TABLE: i32 = WORKSPACE_OFFSET;
export const WS_OUTPUT_MAP: i32 = WORKSPACE_OFFSET + 0x4000;
export const WS_COLUMNS: i32 = WORKSPACE_OFFSET + 0x8000;
export const WS_COLUMNS_BYTES: i32 = WORKSPACE_BYTES - 0x8000;
/** Bars per block of indRunBatch (fewer when the plan's workspace columns do not fit). */
export const BLOCK_MAX_ROWS: i32 = 512;

export const PLAN_MAGIC: i32 = 0x50444e49; // "INDP" little-endian
export const PLAN_VERSION: i32 = 2; // 2: MAXMIN keeps block extremes; a version-1 checkpoint fails the slot checksum (not ready)
export const PLAN_HEADER_BYTES: i32 = 64;
export const PLAN_MAX_NODES: i32 = 512;
export const PLAN_MAX_OUTPUTS: i32 = 2048;

export const PH_MAGIC: i32 = 0;
export const PH_VERSION: i32 = 4;
export const PH_NODE_COUNT: i32 = 8;
export const PH_VALUE_COUNT: i32 = 12;
export const PH_OUTPUT_COUNT: i32 = 16;
export const PH_STATE_BYTES: i32 = 20;
export const PH_SLOT_CAPACITY: i32 = 24;
export const PH_CHECKSUM: i32 = 28;

export const NODE_BYTES: i32 = 64;
export const NODE_OPCODE: i32 = 0;
export const NODE_IN_COUNT: i32 = 4;
export const NODE_IN0: i32 = 8;
export const NODE_MAX_INPUTS: i32 = 4;
export const NODE_OUT_FIRST: i32 = 24;
export const NODE_OUT_COUNT: i32 = 28;
export const NODE_STATE_OFFSET: i32 = 32;
export const NODE_IP0: i32 = 36;
export const NODE_IP1: i32 = 40;
export const NODE_IP2: i32 = 44;
export const NODE_FP0: i32 = 48;
export const NODE_FP1: i32 = 56;

export const SLOT_CHECKSUM: i32 = 0;
export const SLOT_BAR_COUNT: i32 = 8;
export const SLOT_TIME: i32 = 16;
export const SLOT_VALUES: i32 = 64;

// Bar fields occupy the first values of every slot.
export const VALUE_OPEN: i32 = 0;
export const VALUE_HIGH: i32 = 1;
export const VALUE_LOW: i32 = 2;
export const VALUE_CLOSE: i32 = 3;
export const VALUE_VOLUME: i32 = 4;
export const VALUE_FIELD_COUNT: i32 = 5;

// Batch input columns (indRunBatch), each n elements, one after the other:
//   timeNs i64[n] | open f64[n] | high f64[n] | low f64[n] | close f64[n] | volume f64[n]
// Batch output columns: outputCount columns of f64[n], in output-list order.
export const BATCH_INPUT_COLUMNS: i32 = 6;

/** Largest window parameter a kernel accepts (keeps state sizes far from i32 overflow). */
export const MAX_WINDOW: i32 = 1 << 20;
