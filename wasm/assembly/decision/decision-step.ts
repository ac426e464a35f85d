// Exports of fusion + sizing: config checks, per-instrument reset, MODEL/SENTIMENT record
// intake, and the per-bar decision of one instrument (decStep, which the engine's pipeline
// runs on each bar). No allocation; only scalars cross; results go to the output blocks
// (decision-layout.ts). Order per instrument and bar: technical rules, ML, sentiment, regime
// weights, fusion, sizing. decConfigure and decInstrumentConfigure derive what a bar would
// otherwise recompute (compiled rules, reciprocals, the slot's values offset, sizing factors).
// The realised volatility per bar is a value of the indicator plan (CFG_VOL_VALUE, e.g.
// rvol:20), so the executor keeps it current on every bar.
import { EV_INSTRUMENT, EV_KIND, KIND_MASK, KIND_MODEL, KIND_SENTIMENT } from '../layout';
import { ERR_BAD_ARGUMENT, ERR_DEC_BAD_CONFIG, ERR_DEC_INSTRUMENT, ERR_DEC_NOT_CONFIGURED, OK } from '../errors';
import { indStateBytes, indStateOffset } from '../indicators/executor';
import { PH_CHECKSUM, PH_VALUE_COUNT, PLAN_OFFSET, SLOT_CHECKSUM, SLOT_VALUES, VALUE_CLOSE } from '../indicators/plan-layout';
import { isFinite64 } from './decision-math';
import {
  CFG_BURST_COUNT, CFG_CHECKED, CFG_CHOPPY_REDUCTION, CFG_MAGIC, CFG_ML_HORIZON_BARS, CFG_ML_MAX_AGE_NS, CFG_ML_SCORE_SCALE,
  CFG_ML_WIDTH_AT_HALF, CFG_PLAN_CHECKSUM, CFG_RULE_COUNT, CFG_SENT_BURST_WINDOW_NS, CFG_SENT_DECAY_PER_NS,
  CFG_SENT_DUP_WINDOW_NS, CFG_SENT_FULL_WEIGHT, CFG_SENT_MAX_AGE_NS, CFG_VERSION, CFG_VOL_VALUE,
  CFG_WEIGHTS, DEC_COMPONENTS, DEC_CONFIG_OFFSET, DEC_INST_CONFIG_BYTES, DEC_INST_CONFIG_OFFSET,
  DEC_MAGIC, DEC_MAX_INSTRUMENTS, DEC_MAX_RULES, DEC_MAX_SOURCES, DEC_OUTPUT_BYTES, DEC_OUTPUT_OFFSET, DEC_REGIMES,
  DEC_RULE_BYTES, DEC_RULES_OFFSET, DEC_SOURCE_BYTES, DEC_SOURCES_OFFSET, DEC_STATE_BYTES, DEC_STATE_MAGIC,
  DEC_STATE_OFFSET, DEC_VERSION, FAMILY_COUNT, FLAG_CONFIGURED, FLAG_SHORT_ALLOWED, IC_ATR_VALUE, IC_BARS_PER_YEAR,
  IC_FLAGS, IC_IND_SLOT, IC_MAX_LEVERAGE, IC_P0, IC_P1, IC_SIZING, OP_BAND_REVERSION, OP_CHANNEL_BREAKOUT, OP_COUNT,
  OP_LINEAR, OP_TREND_CROSS, IC_VALUES, OUT_CONFIDENCE, OUT_DIRECTION, OUT_WEIGHTS_VALID, OUT_PRICE, OUT_STATUS, OUT_TS, OUT_VOL_BAR, RULE_FAMILY, RULE_IN0, RULE_OPCODE, RULE_P0,
  RULE_P1, RULE_P2, RULE_WEIGHT, SIZING_ATR_STOP, SIZING_COUNT, SIZING_VOL_TARGET, SRC_CAP, SRC_WEIGHT, ST_MAGIC,
  STATUS_COMP_SHIFT, STATUS_PRICE, STATUS_VOL_READY, STATUS_ML_TIMED_OUT, ML_LATEST, ML_TIMED_OUT,
} from './decision-layout';
import { deriveModelConstants, evaluateModel, ingestModel } from './ml-expert';
import { blendRegimeWeights, fuse } from './regime-fusion';
import { evaluateSentiment, ingestSentiment } from './sentiment-expert';
import { deriveSizeConstant, size } from './sizing';
import { compileRules, evaluateTechnical } from './technical-expert';

const ML_PRESENT: i32 = 1 << (STATUS_COMP_SHIFT + 3);

export function decConfigOffset(): i32 {
  return DEC_CONFIG_OFFSET;
}

export function decRulesOffset(): i32 {
  return DEC_RULES_OFFSET;
}

export function decSourcesOffset(): i32 {
  return DEC_SOURCES_OFFSET;
}

/** Byte offset of the instrument's config block, or ERR_DEC_INSTRUMENT. */
export function decInstrumentConfigOffset(instrument: i32): i32 {
  if (instrument < 0 || instrument >= DEC_MAX_INSTRUMENTS) return ERR_DEC_INSTRUMENT;
  return DEC_INST_CONFIG_OFFSET + instrument * DEC_INST_CONFIG_BYTES;
}

/** Byte offset of the instrument's state block (a checkpoint is a byte copy of DEC_STATE_BYTES), or ERR_DEC_INSTRUMENT. */
export function decStateOffset(instrument: i32): i32 {
  if (instrument < 0 || instrument >= DEC_MAX_INSTRUMENTS) return ERR_DEC_INSTRUMENT;
  return DEC_STATE_OFFSET + instrument * DEC_STATE_BYTES;
}

/** Byte offset of the instrument's output block, or ERR_DEC_INSTRUMENT. */
export function decOutputOffset(instrument: i32): i32 {
  if (instrument < 0 || instrument >= DEC_MAX_INSTRUMENTS) return ERR_DEC_INSTRUMENT;
  return DEC_OUTPUT_OFFSET + instrument * DEC_OUTPUT_BYTES;
}

@inline
function nonNegative(v: f64): bool {
  return isFinite64(v) && v >= 0;
}

@inline
function positive(v: f64): bool {
  return isFinite64(v) && v > 0;
}

function ruleOk(rule: usize, valueCount: i32): bool {
  const op = load<i32>(rule + RULE_OPCODE);
  const family = load<i32>(rule + RULE_FAMILY);
  if (op < 1 || op >= OP_COUNT || family < 0 || family >= FAMILY_COUNT) return false;
  for (let k = 0; k < 4; k++) {
    const index = load<i32>(rule + RULE_IN0 + (<usize>k << 2));
    if (index < 0 || index >= valueCount) return false;
  }
  const p0 = load<f64>(rule + RULE_P0);
  const p1 = load<f64>(rule + RULE_P1);
  const p2 = load<f64>(rule + RULE_P2);
  if (!positive(load<f64>(rule + RULE_WEIGHT)) || !isFinite64(p0) || !isFinite64(p1) || !isFinite64(p2)) return false;
  if (op == OP_TREND_CROSS) return p1 > 0 && p2 > 0;
  if (op == OP_BAND_REVERSION) return p0 <= p1 && p2 > 0;
  if (op == OP_CHANNEL_BREAKOUT) return p1 > 0;
  if (op == OP_LINEAR) return p1 != 0;
  return false;
}

/**
 * Checks the global config, rule program and source table TS wrote, against the loaded
 * indicator plan (rule inputs index its values). Call after indPlanLoad and again after any
 * plan reload. Returns OK, ERR_IND_NO_PLAN or ERR_DEC_BAD_CONFIG.
 */
export function decConfigure(): i32 {
  const cfg = <usize>DEC_CONFIG_OFFSET;
  store<i32>(cfg + CFG_CHECKED, 0);
  const planStatus = indStateBytes();
  if (planStatus < 0) return planStatus;
  if (load<i32>(cfg + CFG_MAGIC) != DEC_MAGIC || load<i32>(cfg + CFG_VERSION) != DEC_VERSION) return ERR_DEC_BAD_CONFIG;
  const ruleCount = load<i32>(cfg + CFG_RULE_COUNT);
  if (ruleCount < 0 || ruleCount > DEC_MAX_RULES) return ERR_DEC_BAD_CONFIG;
  const valueCount = load<i32>(<usize>PLAN_OFFSET + PH_VALUE_COUNT);
  for (let r = 0; r < ruleCount; r++) {
    if (!ruleOk(<usize>DEC_RULES_OFFSET + <usize>(r * DEC_RULE_BYTES), valueCount)) return ERR_DEC_BAD_CONFIG;
  }
  for (let i = 0; i < DEC_REGIMES * DEC_COMPONENTS; i++) {
    if (!nonNegative(load<f64>(cfg + CFG_WEIGHTS + (<usize>i << 3)))) return ERR_DEC_BAD_CONFIG;
  }
  for (let s = 0; s < DEC_MAX_SOURCES; s++) {
    const source = <usize>DEC_SOURCES_OFFSET + <usize>(s * DEC_SOURCE_BYTES);
    const cap = load<f64>(source + SRC_CAP);
    if (!nonNegative(load<f64>(source + SRC_WEIGHT)) || !(cap > 0)) return ERR_DEC_BAD_CONFIG;
  }
  const choppy = load<f64>(cfg + CFG_CHOPPY_REDUCTION);
  const volValue = load<i32>(cfg + CFG_VOL_VALUE);
  if (!(choppy >= 0 && choppy <= 1) || volValue < 0 || volValue >= valueCount) return ERR_DEC_BAD_CONFIG;
  if (load<i32>(cfg + CFG_BURST_COUNT) < 1) return ERR_DEC_BAD_CONFIG;
  if (!(load<f64>(cfg + CFG_ML_HORIZON_BARS) >= 1) || !positive(load<f64>(cfg + CFG_ML_HORIZON_BARS))) return ERR_DEC_BAD_CONFIG;
  if (!positive(load<f64>(cfg + CFG_ML_SCORE_SCALE)) || !positive(load<f64>(cfg + CFG_ML_WIDTH_AT_HALF))) return ERR_DEC_BAD_CONFIG;
  if (!nonNegative(load<f64>(cfg + CFG_SENT_DECAY_PER_NS)) || !positive(load<f64>(cfg + CFG_SENT_FULL_WEIGHT))) return ERR_DEC_BAD_CONFIG;
  if (load<i64>(cfg + CFG_ML_MAX_AGE_NS) < 0 || load<i64>(cfg + CFG_SENT_MAX_AGE_NS) < 0) return ERR_DEC_BAD_CONFIG;
  if (load<i64>(cfg + CFG_SENT_DUP_WINDOW_NS) < 0 || load<i64>(cfg + CFG_SENT_BURST_WINDOW_NS) < 0) return ERR_DEC_BAD_CONFIG;
  store<i32>(cfg + CFG_PLAN_CHECKSUM, load<i32>(<usize>PLAN_OFFSET + PH_CHECKSUM));
  compileRules(ruleCount);
  deriveModelConstants();
  for (let i = 0; i < DEC_MAX_INSTRUMENTS; i++) {
    const ic = <usize>DEC_INST_CONFIG_OFFSET + <usize>(i * DEC_INST_CONFIG_BYTES);
    if (load<i32>(ic + IC_FLAGS) & FLAG_CONFIGURED) deriveInstrument(ic);
    store<i32>(<usize>DEC_OUTPUT_OFFSET + <usize>(i * DEC_OUTPUT_BYTES) + OUT_WEIGHTS_VALID, 0);
  }
  store<i32>(cfg + CFG_CHECKED, 1);
  return OK;
}

/** The instrument's derived config fields: its slot's values offset (the plan may have changed) and sizeK. */
function deriveInstrument(ic: usize): void {
  const slotOffset = indStateOffset(load<i32>(ic + IC_IND_SLOT));
  store<i32>(ic + IC_VALUES, slotOffset < 0 ? -1 : slotOffset + SLOT_VALUES);
  deriveSizeConstant(ic);
}

@inline
function configured(): bool {
  return load<i32>(<usize>DEC_CONFIG_OFFSET + CFG_CHECKED) == 1;
}

/**
 * Checks the instrument's config block (flags bit 1 = short allowed; sizing method and its
 * parameters) and marks it configured. Needs an accepted global config (decConfigure).
 */
export function decInstrumentConfigure(instrument: i32): i32 {
  const offset = decInstrumentConfigOffset(instrument);
  if (offset < 0) return offset;
  if (!configured()) return ERR_DEC_NOT_CONFIGURED;
  const ic = <usize>offset;
  const flags = load<i32>(ic + IC_FLAGS) & ~FLAG_CONFIGURED;
  store<i32>(ic + IC_FLAGS, flags);
  const method = load<i32>(ic + IC_SIZING);
  if ((flags & ~FLAG_SHORT_ALLOWED) != 0 || method < 0 || method >= SIZING_COUNT || load<i32>(ic + IC_IND_SLOT) < 0) return ERR_DEC_BAD_CONFIG;
  if (!positive(load<f64>(ic + IC_BARS_PER_YEAR)) || !positive(load<f64>(ic + IC_MAX_LEVERAGE)) || !positive(load<f64>(ic + IC_P0))) return ERR_DEC_BAD_CONFIG;
  if (method != SIZING_VOL_TARGET && !positive(load<f64>(ic + IC_P1))) return ERR_DEC_BAD_CONFIG;
  if (method == SIZING_ATR_STOP) {
    const atr = load<i32>(ic + IC_ATR_VALUE);
    if (atr < 0 || atr >= load<i32>(<usize>PLAN_OFFSET + PH_VALUE_COUNT)) return ERR_DEC_BAD_CONFIG;
  }
  deriveInstrument(ic);
  store<i32>(ic + IC_FLAGS, flags | FLAG_CONFIGURED);
  return OK;
}

/** Clears the instrument's state (ML output, sentiment ring) and output block. */
export function decInstrumentReset(instrument: i32): i32 {
  const offset = decStateOffset(instrument);
  if (offset < 0) return offset;
  memory.fill(<usize>offset, 0, <usize>DEC_STATE_BYTES);
  store<i32>(<usize>offset + ST_MAGIC, DEC_STATE_MAGIC);
  memory.fill(<usize>decOutputOffset(instrument), 0, <usize>DEC_OUTPUT_BYTES);
  return OK;
}

/** State block of a reset instrument, or 0. */
@inline
function readyState(instrument: i32): usize {
  if (instrument < 0 || instrument >= DEC_MAX_INSTRUMENTS) return 0;
  const state = <usize>DEC_STATE_OFFSET + <usize>(instrument * DEC_STATE_BYTES);
  return load<i32>(state + ST_MAGIC) == DEC_STATE_MAGIC ? state : 0;
}

/**
 * Takes a MODEL or SENTIMENT event record at `record` (a ring slot or scratch). Returns 1
 * when stored, 0 when ignored (another kind, or a suppressed duplicate), or a negative status.
 */
export function decOnRecord(record: i32): i32 {
  if (!configured()) return ERR_DEC_NOT_CONFIGURED;
  const rec = <usize>record;
  const kind = load<i32>(rec + EV_KIND) & KIND_MASK;
  if ((kind & (KIND_MODEL | KIND_SENTIMENT)) == 0) return 0;
  const state = readyState(load<i32>(rec + EV_INSTRUMENT));
  if (state == 0) return ERR_DEC_INSTRUMENT;
  if (kind & KIND_MODEL) {
    const status = ingestModel(state, rec);
    return status < 0 ? status : 1;
  }
  return ingestSentiment(state, rec);
}

function step(instrument: i32, now: i64, equity: f64, ml: i32): i32 {
  const state = readyState(instrument);
  const ic = <usize>DEC_INST_CONFIG_OFFSET + <usize>(instrument * DEC_INST_CONFIG_BYTES);
  const flags = load<i32>(ic + IC_FLAGS);
  if (state == 0 || (flags & FLAG_CONFIGURED) == 0) return ERR_DEC_INSTRUMENT;
  const out = <usize>DEC_OUTPUT_OFFSET + <usize>(instrument * DEC_OUTPUT_BYTES);
  const cfg = <usize>DEC_CONFIG_OFFSET;
  const valuesOffset = load<i32>(ic + IC_VALUES);
  let values: usize = 0;
  let price: f64 = NaN;
  let volBar: f64 = 0;
  let invVol: f64 = 0;
  if (valuesOffset >= 0 && load<i32>(<usize>valuesOffset - SLOT_VALUES + SLOT_CHECKSUM) == load<i32>(cfg + CFG_PLAN_CHECKSUM)) {
    values = <usize>valuesOffset;
    price = load<f64>(values + (<usize>VALUE_CLOSE << 3));
    const vol = load<f64>(values + (<usize>load<i32>(cfg + CFG_VOL_VALUE) << 3));
    // Ready when finite, > 0 and its reciprocal is finite (a subnormal volatility is not).
    const inv = 1 / vol;
    if (isFinite64(vol) && vol > 0 && isFinite64(inv)) {
      volBar = vol;
      invVol = inv;
    }
  }
  const priceOk = isFinite64(price) && price > 0;
  const invPrice: f64 = priceOk ? 1 / price : 0;
  let status = (priceOk ? STATUS_PRICE : 0) | (volBar > 0 ? STATUS_VOL_READY : 0);
  status |= evaluateTechnical(values, out);
  status |= evaluateModel(state, out, now, invVol, ml == ML_LATEST);
  status |= evaluateSentiment(state, out, now);
  status |= blendRegimeWeights(instrument, out);
  status |= fuse(out, status, (flags & FLAG_SHORT_ALLOWED) != 0);
  const dc = load<f64>(out + OUT_DIRECTION) * load<f64>(out + OUT_CONFIDENCE);
  size(ic, state, out, values, dc, price, invPrice, invVol, (status & ML_PRESENT) != 0, equity);
  if (ml == ML_TIMED_OUT) status |= STATUS_ML_TIMED_OUT;
  store<i32>(out + OUT_STATUS, status);
  store<i64>(out + OUT_TS, now);
  store<f64>(out + OUT_VOL_BAR, volBar);
  store<f64>(out + OUT_PRICE, price);
  return OK;
}

/** Decides one instrument for the bar at `now` (ns) with account equity `equity`. */
export function decStep(instrument: i32, now: i64, equity: f64): i32 {
  return decStepWith(instrument, now, equity, ML_LATEST);
}

/**
 * decStep with what the ML expert may use: ML_LATEST (decStep), ML_ABSENT or ML_TIMED_OUT (no ML
 * component whatever is stored; ML_TIMED_OUT also sets STATUS_ML_TIMED_OUT). The pipeline's
 * model wait (pipeline/model-wait.ts) passes ML_ABSENT / ML_TIMED_OUT for a bar whose own MODEL
 * record did not arrive.
 */
export function decStepWith(instrument: i32, now: i64, equity: f64, ml: i32): i32 {
  if (!configured()) return ERR_DEC_NOT_CONFIGURED;
  if (!nonNegative(equity)) return ERR_BAD_ARGUMENT;
  if (instrument < 0 || instrument >= DEC_MAX_INSTRUMENTS) return ERR_DEC_INSTRUMENT;
  return step(instrument, now, equity, ml);
}
