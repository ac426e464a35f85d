// Byte layout of the indicator plan and of the per-slot state block, as seen from TypeScript.
// Mirror of wasm/assembly/indicators/plan-layout.ts (the box diagrams live there);
// test/indicators-plan.test.ts checks the offsets against the compiled core's exports.
import { INDICATOR_REGION_BYTES, INDICATOR_REGION_OFFSET } from '../layout/memory-map.js';

export const PLAN_OFFSET = INDICATOR_REGION_OFFSET;
export const PLAN_AREA_BYTES = 0x1_0000;
/** The batch workspace at the end of the region (core only): column table, output map, block columns. */
export const WORKSPACE_BYTES = 0x8_0000;
export const SLOTS_OFFSET = INDICATOR_REGION_OFFSET + PLAN_AREA_BYTES;
export const SLOTS_BYTES = INDICATOR_REGION_BYTES - PLAN_AREA_BYTES - WORKSPACE_BYTES;
export const WORKSPACE_OFFSET = SLOTS_OFFSET + SLOTS_BYTES;

export const PLAN_MAGIC = 0x50444e49; // "INDP" little-endian
export const PLAN_VERSION = 2; // 2: MAXMIN keeps block extremes; a version-1 checkpoint fails the slot checksum (not ready)
export const PLAN_HEADER_BYTES = 64;
export const PLAN_MAX_NODES = 512;
export const PLAN_MAX_OUTPUTS = 2048;

export const PH_MAGIC = 0;
export const PH_VERSION = 4;
export const PH_NODE_COUNT = 8;
export const PH_VALUE_COUNT = 12;
export const PH_OUTPUT_COUNT = 16;
export const PH_STATE_BYTES = 20;
export const PH_SLOT_CAPACITY = 24;
export const PH_CHECKSUM = 28;

export const NODE_BYTES = 64;
export const NODE_OPCODE = 0;
export const NODE_IN_COUNT = 4;
export const NODE_IN0 = 8;
export const NODE_MAX_INPUTS = 4;
export const NODE_OUT_FIRST = 24;
export const NODE_OUT_COUNT = 28;
export const NODE_STATE_OFFSET = 32;
export const NODE_IP0 = 36;
export const NODE_FP0 = 48;

export const SLOT_CHECKSUM = 0;
export const SLOT_BAR_COUNT = 8;
/** Open time (i64 ns) of the slot's last bar. */
export const SLOT_TIME = 16;
export const SLOT_VALUES = 64;

/** Bar fields occupy the first values of every slot, in this order. */
export const BAR_FIELDS = ['open', 'high', 'low', 'close', 'volume'] as const;
export type BarField = (typeof BAR_FIELDS)[number];
export const VALUE_FIELD_COUNT = BAR_FIELDS.length;

/** Batch input columns: timeNs i64[n], then open, high, low, close, volume f64[n]. */
export const BATCH_INPUT_COLUMNS = 6;

/** Largest window parameter a kernel accepts. */
export const MAX_WINDOW = 1 << 20;
