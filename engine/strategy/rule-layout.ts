// The rule strategies' part of the DECISION region as seen from TypeScript. Mirror of
// wasm/assembly/strategy/rule-layout.ts (the box diagrams live there); test/rule-strategy.test.ts
// checks the mirror against the core's offsets.
import { DECISION_REGION_OFFSET } from '../layout/memory-map.js';

export const RULE_OFFSET = DECISION_REGION_OFFSET + 0x260000;
export const RULE_MAGIC = 0x454c5552; // "RULE"
export const RULE_VERSION = 1;

export const RULE_MAX_PROGRAMS = 64;
export const RULE_MAX_COMPARISONS = 32;
export const RULE_MAX_GROUPS = 8;
export const RULE_EXPRESSIONS = 4;

export const RH_RULE_MAGIC = 0;
export const RH_RULE_VERSION = 4;
export const RH_PROGRAM_COUNT = 8;
export const RH_CHECKED = 12;

export const RULE_PROGRAMS_OFFSET = RULE_OFFSET + 0x1000;
export const RULE_PROGRAM_BYTES = 2048;
export const RP_COMPARE_COUNT = 0;
export const RP_SIZE_MODE = 4;
export const RP_SIZE = 8;
export const RP_GROUP_COUNT = 16;
export const RP_GROUPS = 64;
export const RP_COMPARISONS = 256;
export const RC_BYTES = 32;
export const RC_OP = 0;
export const RC_A_INDEX = 4;
export const RC_B_INDEX = 8;
export const RC_FLAGS = 12;
export const RC_A_CONST = 16;
export const RC_B_CONST = 24;
export const RC_A_IS_CONST = 1;
export const RC_B_IS_CONST = 2;

/** Expressions of a program, in order (index into RuleProgram.groups). */
export const EXPR_LONG_ENTRY = 0;
export const EXPR_LONG_EXIT = 1;
export const EXPR_SHORT_ENTRY = 2;
export const EXPR_SHORT_EXIT = 3;

/** Comparison opcodes (the operator's bit in the core's outcome word). */
export const CompareOpcode = {
  '>': 0,
  '>=': 1,
  '<': 2,
  '<=': 3,
  crosses_above: 4,
  crosses_below: 5,
} as const;

export const SIZE_QUANTITY = 0;
export const SIZE_EQUITY_FRACTION = 1;

export const RULE_STATE_OFFSET = RULE_PROGRAMS_OFFSET + RULE_MAX_PROGRAMS * RULE_PROGRAM_BYTES;
export const RULE_STATE_BYTES = 1024;
export const RS_RULE_FLAGS = 0;
export const RS_PROGRAM = 4;
export const RS_SIDE = 8;
export const RS_IND_SLOT = 12;
export const RS_VALUES = 16;
export const RS_STEPS = 24;
export const RS_PREVIOUS = 64;
