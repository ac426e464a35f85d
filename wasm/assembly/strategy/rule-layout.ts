// Layout of the rule strategies: plain rule programs (no regime model) and their per-instrument
// state, in the DECISION region past what fusion uses. Fusion's blocks end at
// DEC_OFFSET + 0x254040 (the record staging slot after the 1024 output blocks, see
// decision/decision-layout.ts), so the rules start at DEC_OFFSET + 0x260000 and end at
// + 0x381000, inside DECISION_REGION_BYTES (0x400000). The region is a state region, so core
// checkpoints (engine/threads/core-checkpoint.ts copies [STATE_OFFSET, SCRATCH_REGION_OFFSET))
// cover it as they are. Mirrored by engine/strategy/rule-layout.ts.
//
//   DECISION_REGION_OFFSET + 0x260000 (RULE_OFFSET)
//   +0x00000 +------------------------------------------+
//            | header (4 KiB)                             |  magic, version, programCount
//   +0x01000 +------------------------------------------+
//            | programs: RULE_MAX_PROGRAMS x 2 KiB        |  written by TS, checked by ruleLoad
//   +0x21000 +------------------------------------------+
//            | instrument state: 1024 x 1 KiB             |  side, previous operand values
//   +0x121000+------------------------------------------+
//            | (free up to DECISION_REGION_BYTES)         |
//
// Header:
//   0      4        8             12        16
//   | magic| version| programCount | checked | reserved |
//   (checked: 1 once ruleLoad accepted the programs for the loaded indicator plan; TS writes 0)
//
// Program (2 KiB): one strategy's rules and sizing.
//   0            4         8           16                                     32
//   | compareCnt | sizeMode | size f64  | groupCount[4] i32 (long entry, long   | reserved |
//   |            |          |           | exit, short entry, short exit)        |          |
//   64                                                          192
//   | groups[4][RULE_MAX_GROUPS] u32: each expression in disjunctive | reserved |
//   | normal form, one mask of comparison bits per AND group        |          |
//   256 comparisons[RULE_MAX_COMPARISONS] x 32 B:
//       0    4        8        12      16          24
//       | op | aIndex | bIndex | flags | aConst f64 | bConst f64 |
//       (op: CMP_*; a/bIndex: plan value index, bar fields first (0 open .. 3 close, 4 volume);
//        flags: bit 0 a is the constant aConst, bit 1 b is the constant bConst)
//   1280 reserved
//   An expression is true when, for some group g, every comparison whose bit is in g is true;
//   an expression with no group (an absent short side) is never true.
//   sizeMode: SIZE_QUANTITY (target = side * size) or SIZE_EQUITY_FRACTION
//   (target = side * size * equity / close).
//
// Instrument state (1 KiB):
//   0      4         8      12        16             24         32
//   | flags| program | side | indSlot | values i32 | pad | steps i64 | reserved |
//   64 previous[RULE_MAX_COMPARISONS] x { a f64, b f64 }: each comparison's operands on the
//      last bar where both were finite (NaN before one), for crosses_above / crosses_below
//   flags: bit 0 configured. side: -1 short, 0 flat, +1 long.
//   values: byte offset of the indicator slot's values, derived by ruleInstrumentConfigure.
//
// Output: the rule step writes the decision output block of the instrument
// (decision/decision-layout.ts) with the fields the order stage reads: status (STATUS_PRICE
// when the close is a finite price > 0), ts, price (the close), quantity (the target),
// exposure (target * close / equity), direction and signal (the side), confidence 1.
import { DECISION_REGION_OFFSET, INSTRUMENT_CAPACITY } from '../layout';

export const RULE_OFFSET: i32 = DECISION_REGION_OFFSET + 0x260000;
export const RULE_MAGIC: i32 = 0x454c5552; // "RULE" little-endian
export const RULE_VERSION: i32 = 1;

export const RULE_MAX_PROGRAMS: i32 = 64;
export const RULE_MAX_COMPARISONS: i32 = 32;
export const RULE_MAX_GROUPS: i32 = 8;
export const RULE_EXPRESSIONS: i32 = 4;
export const RULE_MAX_INSTRUMENTS: i32 = INSTRUMENT_CAPACITY;

// Header fields.
export const RH_RULE_MAGIC: i32 = 0;
export const RH_RULE_VERSION: i32 = 4;
export const RH_PROGRAM_COUNT: i32 = 8;
export const RH_CHECKED: i32 = 12;

export const RULE_PROGRAMS_OFFSET: i32 = RULE_OFFSET + 0x1000;
export const RULE_PROGRAM_BYTES: i32 = 2048;
export const RP_COMPARE_COUNT: i32 = 0;
export const RP_SIZE_MODE: i32 = 4;
export const RP_SIZE: i32 = 8;
export const RP_GROUP_COUNT: i32 = 16;
export const RP_GROUPS: i32 = 64;
export const RP_COMPARISONS: i32 = 256;
export const RC_BYTES: i32 = 32;
export const RC_OP: i32 = 0;
export const RC_A_INDEX: i32 = 4;
export const RC_B_INDEX: i32 = 8;
export const RC_FLAGS: i32 = 12;
export const RC_A_CONST: i32 = 16;
export const RC_B_CONST: i32 = 24;
export const RC_A_IS_CONST: i32 = 1;
export const RC_B_IS_CONST: i32 = 2;

/** Expressions of a program, in order. */
export const EXPR_LONG_ENTRY: i32 = 0;
export const EXPR_LONG_EXIT: i32 = 1;
export const EXPR_SHORT_ENTRY: i32 = 2;
export const EXPR_SHORT_EXIT: i32 = 3;

/** Comparison opcodes: the bit of the comparison's outcome in the per-bar outcome word. */
export const CMP_GT: i32 = 0;
export const CMP_GE: i32 = 1;
export const CMP_LT: i32 = 2;
export const CMP_LE: i32 = 3;
export const CMP_CROSSES_ABOVE: i32 = 4;
export const CMP_CROSSES_BELOW: i32 = 5;
export const CMP_COUNT: i32 = 6;

export const SIZE_QUANTITY: i32 = 0;
export const SIZE_EQUITY_FRACTION: i32 = 1;

export const RULE_STATE_OFFSET: i32 = RULE_PROGRAMS_OFFSET + RULE_MAX_PROGRAMS * RULE_PROGRAM_BYTES;
export const RULE_STATE_BYTES: i32 = 1024;
export const RS_RULE_FLAGS: i32 = 0;
export const RS_PROGRAM: i32 = 4;
export const RS_SIDE: i32 = 8;
export const RS_IND_SLOT: i32 = 12;
export const RS_VALUES: i32 = 16;
export const RS_STEPS: i32 = 24;
export const RS_PREVIOUS: i32 = 64;
export const RULE_FLAG_CONFIGURED: i32 = 1;

export const RULE_END: i32 = RULE_STATE_OFFSET + RULE_MAX_INSTRUMENTS * RULE_STATE_BYTES;
