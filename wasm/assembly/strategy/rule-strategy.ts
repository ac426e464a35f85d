// Rule strategies in the core: per instrument and bar, the comparisons of its program over the
// instrument's indicator values, the four expressions (long entry / exit, short entry / exit)
// in disjunctive normal form, a side state machine, and the target in the decision output
// block, which the shared order stage (pipeline/order-stage.ts) trades as it trades fusion's.
// Layout and box diagrams: rule-layout.ts. No allocation; only scalars cross.
//
// Per bar (ruleStep):
//   1. every comparison: operands from the slot's values (or constants); outcome of its op,
//      false when an operand is NaN; crosses use the operands of the last bar where both
//      were finite (a crosses_above b: a > b now and a <= b then); then that memory moves on.
//      All six outcomes are computed and the op selects its bit, so no branch per opcode.
//   2. the expressions: true when some AND group's comparison bits are all set.
//   3. side: long -> flat on long exit, short -> flat on short exit; then, when flat, flat ->
//      long on long entry, else flat -> short on short entry. An exit and the opposite entry can
//      happen on the same bar (long -> short); an exit is never followed by a re-entry on the
//      same side in the same bar; long entry wins when both entries hold on a flat bar.
//   4. target = side * size (SIZE_QUANTITY) or side * size * equity / close
//      (SIZE_EQUITY_FRACTION); 0 when the close is not a finite price > 0.
import { ERR_BAD_ARGUMENT, ERR_RULE_BAD_PROGRAM, ERR_RULE_INSTRUMENT, ERR_RULE_NOT_CONFIGURED, OK } from '../errors';
import { indStateBytes, indValuesOffset } from '../indicators/executor';
import { PH_VALUE_COUNT, PLAN_OFFSET, VALUE_CLOSE } from '../indicators/plan-layout';
import {
  DEC_OUTPUT_BYTES, DEC_OUTPUT_OFFSET, OUT_CONFIDENCE, OUT_DIRECTION, OUT_EXPOSURE, OUT_PRICE, OUT_QUANTITY, OUT_SIGNAL, OUT_STATUS, OUT_TS,
  STATUS_PRICE,
} from '../decision/decision-layout';
import {
  CMP_COUNT, EXPR_LONG_ENTRY, EXPR_LONG_EXIT, EXPR_SHORT_ENTRY, EXPR_SHORT_EXIT, RC_A_CONST, RC_A_INDEX, RC_A_IS_CONST, RC_B_CONST,
  RC_B_INDEX, RC_B_IS_CONST, RC_BYTES, RC_FLAGS, RC_OP, RH_CHECKED, RH_PROGRAM_COUNT, RH_RULE_MAGIC, RH_RULE_VERSION, RP_COMPARE_COUNT,
  RP_COMPARISONS, RP_GROUP_COUNT, RP_GROUPS, RP_SIZE, RP_SIZE_MODE, RS_IND_SLOT, RS_PREVIOUS, RS_PROGRAM, RS_RULE_FLAGS, RS_SIDE,
  RS_STEPS, RS_VALUES, RULE_EXPRESSIONS, RULE_FLAG_CONFIGURED, RULE_MAGIC, RULE_MAX_COMPARISONS, RULE_MAX_GROUPS, RULE_MAX_INSTRUMENTS,
  RULE_MAX_PROGRAMS, RULE_OFFSET, RULE_PROGRAM_BYTES, RULE_PROGRAMS_OFFSET, RULE_STATE_BYTES, RULE_STATE_OFFSET, RULE_VERSION,
  SIZE_EQUITY_FRACTION, SIZE_QUANTITY,
} from './rule-layout';

const HEADER: usize = <usize>RULE_OFFSET;

export function ruleOffset(): i32 {
  return RULE_OFFSET;
}

/** Byte offset of program `program`'s block (TS writes it before ruleLoad), or ERR_RULE_INSTRUMENT. */
export function ruleProgramOffset(program: i32): i32 {
  if (program < 0 || program >= RULE_MAX_PROGRAMS) return ERR_RULE_INSTRUMENT;
  return RULE_PROGRAMS_OFFSET + program * RULE_PROGRAM_BYTES;
}

/** Byte offset of `instrument`'s rule state (side, previous operands), or ERR_RULE_INSTRUMENT. */
export function ruleStateOffset(instrument: i32): i32 {
  if (instrument < 0 || instrument >= RULE_MAX_INSTRUMENTS) return ERR_RULE_INSTRUMENT;
  return RULE_STATE_OFFSET + instrument * RULE_STATE_BYTES;
}

// @ts-ignore: decorator
@inline
function finite(v: f64): bool {
  return v - v == 0;
}

function programOk(p: usize, valueCount: i32): bool {
  const n = load<i32>(p + RP_COMPARE_COUNT);
  if (n < 0 || n > RULE_MAX_COMPARISONS) return false;
  const mode = load<i32>(p + RP_SIZE_MODE);
  if (mode != SIZE_QUANTITY && mode != SIZE_EQUITY_FRACTION) return false;
  const size = load<f64>(p + RP_SIZE);
  if (!finite(size) || size <= 0) return false;
  const all: u32 = n == 32 ? 0xffff_ffff : (<u32>1 << <u32>n) - 1;
  for (let e = 0; e < RULE_EXPRESSIONS; e++) {
    const count = load<i32>(p + RP_GROUP_COUNT + (<usize>e << 2));
    if (count < 0 || count > RULE_MAX_GROUPS) return false;
    for (let g = 0; g < count; g++) {
      const mask = load<u32>(p + RP_GROUPS + (<usize>(e * RULE_MAX_GROUPS + g) << 2));
      if (mask == 0 || (mask & ~all) != 0) return false;
    }
  }
  if (load<i32>(p + RP_GROUP_COUNT + (<usize>EXPR_LONG_ENTRY << 2)) == 0) return false; // a strategy that never enters
  for (let k = 0; k < n; k++) {
    const c = p + RP_COMPARISONS + <usize>(k * RC_BYTES);
    const op = load<i32>(c + RC_OP);
    const flags = load<i32>(c + RC_FLAGS);
    if (op < 0 || op >= CMP_COUNT || (flags & ~(RC_A_IS_CONST | RC_B_IS_CONST)) != 0) return false;
    const a = load<i32>(c + RC_A_INDEX);
    const b = load<i32>(c + RC_B_INDEX);
    if ((flags & RC_A_IS_CONST) != 0 ? !finite(load<f64>(c + RC_A_CONST)) : a < 0 || a >= valueCount) return false;
    if ((flags & RC_B_IS_CONST) != 0 ? !finite(load<f64>(c + RC_B_CONST)) : b < 0 || b >= valueCount) return false;
  }
  return true;
}

/**
 * Checks the programs TS wrote (header and RULE_PROGRAMS_OFFSET) against the loaded indicator
 * plan. Every instrument's rule configuration is cleared. Returns OK or ERR_RULE_BAD_PROGRAM
 * (nothing runs until a load succeeds).
 */
export function ruleLoad(): i32 {
  store<i32>(HEADER + RH_CHECKED, 0);
  for (let i = 0; i < RULE_MAX_INSTRUMENTS; i++) store<i32>(<usize>(RULE_STATE_OFFSET + i * RULE_STATE_BYTES) + RS_RULE_FLAGS, 0);
  if (indStateBytes() < 0) return ERR_RULE_BAD_PROGRAM;
  if (load<i32>(HEADER + RH_RULE_MAGIC) != RULE_MAGIC || load<i32>(HEADER + RH_RULE_VERSION) != RULE_VERSION) return ERR_RULE_BAD_PROGRAM;
  const count = load<i32>(HEADER + RH_PROGRAM_COUNT);
  if (count < 1 || count > RULE_MAX_PROGRAMS) return ERR_RULE_BAD_PROGRAM;
  const valueCount = load<i32>(<usize>PLAN_OFFSET + PH_VALUE_COUNT);
  for (let i = 0; i < count; i++) {
    if (!programOk(<usize>(RULE_PROGRAMS_OFFSET + i * RULE_PROGRAM_BYTES), valueCount)) return ERR_RULE_BAD_PROGRAM;
  }
  store<i32>(HEADER + RH_CHECKED, 1);
  return OK;
}

/** Binds `instrument` to `program` over indicator slot `indicatorSlot` and starts it flat, with no previous operands. */
export function ruleInstrumentConfigure(instrument: i32, program: i32, indicatorSlot: i32): i32 {
  if (instrument < 0 || instrument >= RULE_MAX_INSTRUMENTS) return ERR_RULE_INSTRUMENT;
  if (load<i32>(HEADER + RH_CHECKED) != 1) return ERR_RULE_NOT_CONFIGURED;
  if (program < 0 || program >= load<i32>(HEADER + RH_PROGRAM_COUNT)) return ERR_RULE_INSTRUMENT;
  const values = indValuesOffset(indicatorSlot);
  if (values < 0) return values;
  const s = <usize>(RULE_STATE_OFFSET + instrument * RULE_STATE_BYTES);
  memory.fill(s, 0, <usize>RULE_STATE_BYTES);
  store<i32>(s + RS_PROGRAM, program);
  store<i32>(s + RS_IND_SLOT, indicatorSlot);
  store<i32>(s + RS_VALUES, values);
  for (let k = 0; k < 2 * RULE_MAX_COMPARISONS; k++) store<f64>(s + RS_PREVIOUS + (<usize>k << 3), NaN);
  store<i32>(s + RS_RULE_FLAGS, RULE_FLAG_CONFIGURED);
  return OK;
}

/** The instrument's side (-1, 0, +1); 0 when it has no rule configuration. */
export function ruleSide(instrument: i32): i32 {
  if (instrument < 0 || instrument >= RULE_MAX_INSTRUMENTS) return 0;
  return load<i32>(<usize>(RULE_STATE_OFFSET + instrument * RULE_STATE_BYTES) + RS_SIDE);
}

// @ts-ignore: decorator
@inline
function expression(p: usize, e: i32, bits: u32): bool {
  const count = load<i32>(p + RP_GROUP_COUNT + (<usize>e << 2));
  const groups = p + RP_GROUPS + (<usize>(e * RULE_MAX_GROUPS) << 2);
  let any = false;
  for (let g = 0; g < count; g++) {
    const mask = load<u32>(groups + (<usize>g << 2));
    any = any | ((bits & mask) == mask);
  }
  return any;
}

/**
 * One bar of `instrument`'s rule strategy at `now` (ns), sizing against `equity`, after its
 * indicator slot took the bar: comparisons, expressions, side, target (see the header).
 * Returns OK, ERR_RULE_INSTRUMENT, ERR_RULE_NOT_CONFIGURED or ERR_BAD_ARGUMENT (equity not finite
 * and >= 0, as decStepWith: an equityFraction target would flip sign; nothing changes).
 */
export function ruleStep(instrument: i32, now: i64, equity: f64): i32 {
  if (!(finite(equity) & (equity >= 0))) return ERR_BAD_ARGUMENT;
  if (instrument < 0 || instrument >= RULE_MAX_INSTRUMENTS) return ERR_RULE_INSTRUMENT;
  const s = <usize>(RULE_STATE_OFFSET + instrument * RULE_STATE_BYTES);
  if (load<i32>(s + RS_RULE_FLAGS) != RULE_FLAG_CONFIGURED || load<i32>(HEADER + RH_CHECKED) != 1) return ERR_RULE_NOT_CONFIGURED;
  const p = <usize>(RULE_PROGRAMS_OFFSET + load<i32>(s + RS_PROGRAM) * RULE_PROGRAM_BYTES);
  const values = <usize>load<i32>(s + RS_VALUES);
  const n = load<i32>(p + RP_COMPARE_COUNT);
  let bits: u32 = 0;
  for (let k = 0; k < n; k++) {
    const c = p + RP_COMPARISONS + <usize>(k * RC_BYTES);
    const flags = load<i32>(c + RC_FLAGS);
    const a = select<f64>(load<f64>(c + RC_A_CONST), load<f64>(values + (<usize>load<i32>(c + RC_A_INDEX) << 3)), (flags & RC_A_IS_CONST) != 0);
    const b = select<f64>(load<f64>(c + RC_B_CONST), load<f64>(values + (<usize>load<i32>(c + RC_B_INDEX) << 3)), (flags & RC_B_IS_CONST) != 0);
    const previous = s + RS_PREVIOUS + (<usize>k << 4);
    const pa = load<f64>(previous);
    const pb = load<f64>(previous + 8);
    const gt = <u32>(a > b);
    const lt = <u32>(a < b);
    const outcomes = gt | (<u32>(a >= b) << 1) | (lt << 2) | (<u32>(a <= b) << 3) | ((gt & <u32>(pa <= pb)) << 4) | ((lt & <u32>(pa >= pb)) << 5);
    bits |= ((outcomes >> <u32>load<i32>(c + RC_OP)) & 1) << <u32>k;
    const ready = finite(a) & finite(b);
    store<f64>(previous, select<f64>(a, pa, ready));
    store<f64>(previous + 8, select<f64>(b, pb, ready));
  }
  const side = load<i32>(s + RS_SIDE);
  const longExit = expression(p, EXPR_LONG_EXIT, bits);
  const shortExit = expression(p, EXPR_SHORT_EXIT, bits);
  const exits = ((side == 1) & longExit) | ((side == -1) & shortExit);
  let next = select<i32>(0, side, exits);
  const flat = next == 0;
  const goLong = flat & (side != 1) & expression(p, EXPR_LONG_ENTRY, bits);
  const goShort = flat & !goLong & (side != -1) & expression(p, EXPR_SHORT_ENTRY, bits);
  next = select<i32>(1, next, goLong);
  next = select<i32>(-1, next, goShort);
  store<i32>(s + RS_SIDE, next);
  store<i64>(s + RS_STEPS, load<i64>(s + RS_STEPS) + 1);

  const close = load<f64>(values + (<usize>VALUE_CLOSE << 3));
  const priced = finite(close) & (close > 0);
  const size = load<f64>(p + RP_SIZE);
  const perUnit = select<f64>(size * equity / close, size, load<i32>(p + RP_SIZE_MODE) == SIZE_EQUITY_FRACTION);
  const target = select<f64>(<f64>next * perUnit, 0.0, priced & finite(perUnit));
  const out = <usize>DEC_OUTPUT_OFFSET + <usize>(instrument * DEC_OUTPUT_BYTES);
  store<i32>(out + OUT_STATUS, select<i32>(STATUS_PRICE, 0, priced));
  store<i64>(out + OUT_TS, now);
  store<f64>(out + OUT_PRICE, close);
  store<f64>(out + OUT_QUANTITY, target);
  store<f64>(out + OUT_EXPOSURE, select<f64>(target * close / equity, 0.0, priced & (equity > 0)));
  store<f64>(out + OUT_DIRECTION, <f64>next);
  store<f64>(out + OUT_SIGNAL, <f64>next);
  store<f64>(out + OUT_CONFIDENCE, 1.0);
  return OK;
}
