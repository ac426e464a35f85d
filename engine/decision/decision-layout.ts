// The fusion + sizing layout (the DECISION region) as seen from TypeScript.
// Mirror of wasm/assembly/decision/decision-layout.ts (the box diagrams live there);
// test/decision-wasm.test.ts checks these offsets against the core's dec*Offset exports.
import { DECISION_REGION_BYTES, DECISION_REGION_OFFSET, INSTRUMENT_CAPACITY } from '../layout/memory-map.js';

export const DEC_OFFSET = DECISION_REGION_OFFSET;
export const DEC_BYTES = DECISION_REGION_BYTES;
export const DEC_MAGIC = 0x43454446;
export const DEC_VERSION = 1;

export const DEC_MAX_RULES = 64;
export const DEC_MAX_SOURCES = 64;
export const DEC_MAX_INSTRUMENTS = INSTRUMENT_CAPACITY;
export const DEC_SENT_ITEMS = 24;
export const DEC_REGIMES = 3;
export const DEC_COMPONENTS = 5;

export const DEC_CONFIG_OFFSET = DEC_OFFSET;
export const DEC_RULES_OFFSET = DEC_OFFSET + 0x1000;
export const DEC_RULE_BYTES = 64;
export const DEC_SOURCES_OFFSET = DEC_OFFSET + 0x2000;
export const DEC_SOURCE_BYTES = 16;
export const DEC_INST_CONFIG_OFFSET = DEC_OFFSET + 0x4000;
export const DEC_INST_CONFIG_BYTES = 64;
export const DEC_STATE_OFFSET = DEC_OFFSET + 0x14000;
export const DEC_STATE_BYTES = 2048;
export const DEC_OUTPUT_OFFSET = DEC_OFFSET + 0x214000;
export const DEC_OUTPUT_BYTES = 256;
export const DEC_RECORD_OFFSET = DEC_OFFSET + 0x254000;

export const CFG_MAGIC = 0;
export const CFG_VERSION = 4;
export const CFG_RULE_COUNT = 8;
export const CFG_BURST_COUNT = 12;
export const CFG_VOL_VALUE = 16;
export const CFG_CHECKED = 20;
export const CFG_WEIGHTS = 64;
export const CFG_CHOPPY_REDUCTION = 192;
export const CFG_ML_MAX_AGE_NS = 200;
export const CFG_ML_HORIZON_BARS = 208;
export const CFG_ML_SCORE_SCALE = 216;
export const CFG_ML_WIDTH_AT_HALF = 224;
export const CFG_SENT_DECAY_PER_NS = 232;
export const CFG_SENT_MAX_AGE_NS = 240;
export const CFG_SENT_DUP_WINDOW_NS = 248;
export const CFG_SENT_BURST_WINDOW_NS = 256;
export const CFG_SENT_FULL_WEIGHT = 264;

export const RULE_OPCODE = 0;
export const RULE_FAMILY = 4;
export const RULE_IN0 = 8;
export const RULE_WEIGHT = 24;
export const RULE_P0 = 32;
export const RULE_P1 = 40;
export const RULE_P2 = 48;

/** Rule opcodes of the technical expert (wasm/assembly/decision/technical-expert.ts). */
export const RuleOpcode = { trendCross: 1, bandReversion: 2, channelBreakout: 3, linear: 4 } as const;

export const SRC_WEIGHT = 0;
export const SRC_CAP = 8;

export const IC_FLAGS = 0;
export const IC_IND_SLOT = 4;
export const IC_SIZING = 8;
export const IC_ATR_VALUE = 12;
export const IC_BARS_PER_YEAR = 16;
export const IC_P0 = 24;
export const IC_P1 = 32;
export const IC_MAX_LEVERAGE = 40;
export const FLAG_CONFIGURED = 1;
export const FLAG_SHORT_ALLOWED = 2;

/** Sizing method codes (wasm/assembly/decision/sizing.ts). */
export const SizingCode = { volatilityTarget: 0, fixedFractional: 1, cappedKelly: 2, atrStop: 3 } as const;

export const ST_SENT_SUPPRESSED = 136;
export const ST_SENT_ACCEPTED = 144;

export const OUT_STATUS = 0;
export const OUT_TS = 8;
export const OUT_SIGNAL = 16;
export const OUT_CONFIDENCE = 24;
export const OUT_CHOPPY_SCALE = 32;
export const OUT_DIRECTION = 40;
export const OUT_EXPOSURE = 48;
export const OUT_QUANTITY = 56;
export const OUT_VOL_BAR = 64;
export const OUT_REGIME_PROB = 72;
export const OUT_WEIGHTS = 96;
export const OUT_COMP_SCORE = 136;
export const OUT_COMP_CONF = 176;
export const OUT_PRICE = 216;
export const OUT_ORDER_REASON = 228;
export const OUT_ORDER_QTY = 232;
/** i32 risk reason of the limit that cut the implied order to fit or stopped it (0: none). */
export const OUT_ORDER_LIMIT = 240;
/** orderReason when the bar's target implied no order (the order stage). */
export const NO_ORDER = -1;

export const STATUS_REGIME = 1;
export const STATUS_VOL_READY = 2;
export const STATUS_PRICE = 4;
export const STATUS_COMP_SHIFT = 8;
export const STATUS_SHORT_CLAMPED = 1 << 16;
/** The bar waited for its MODEL record past the pipeline's wait bound and was decided without the ML expert (PipelineInstrument.model). */
export const STATUS_ML_TIMED_OUT = 1 << 17;
/** The kill switch was tripped when the order stage took the decision: it zeroed the target (exposure and quantity), whatever the experts said (wasm/assembly/pipeline/order-stage.ts, RH_HALTED). */
export const STATUS_HALTED = 1 << 18;
/** The instrument's regime filter has a model: with STATUS_REGIME its probabilities; alone, the filter has seen no bar yet (neither: no regime model). */
export const STATUS_REGIME_MODEL = 1 << 19;

/** 10%..90% span of a standard normal: 2 * 1.2815515655446004. */
export const NORMAL_Q10_Q90_SPAN = 2.563103131089201;

export function decInstrumentConfigOffset(instrument: number): number {
  return DEC_INST_CONFIG_OFFSET + instrument * DEC_INST_CONFIG_BYTES;
}

export function decStateOffset(instrument: number): number {
  return DEC_STATE_OFFSET + instrument * DEC_STATE_BYTES;
}

export function decOutputOffset(instrument: number): number {
  return DEC_OUTPUT_OFFSET + instrument * DEC_OUTPUT_BYTES;
}
