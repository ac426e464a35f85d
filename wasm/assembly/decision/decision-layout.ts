// Layout of the DECISION region (fusion + sizing) from DECISION_REGION_OFFSET. Global config,
// the technical rule program, the sentiment source table, then one config block, one
// state block and one output block per instrument. Mirrored by engine/decision/decision-layout.ts;
// test/decision-wasm.test.ts checks the mirror against the core's decLayoutValue export.
//
//   DECISION_REGION_OFFSET
//   +0x000000 +------------------------------------------+
//             | global config (4 KiB)                     |  written by TS, checked by decConfigure
//   +0x001000 +------------------------------------------+
//             | rule program: DEC_MAX_RULES x 64 B        |  technical expert
//   +0x002000 +------------------------------------------+
//             | source table: DEC_MAX_SOURCES x 16 B      |  sentiment weight, cap
//   +0x002400 +------------------------------------------+
//             | compiled rules: DEC_MAX_RULES x 64 B      |  derived by decConfigure from the
//   +0x003400 +------------------------------------------+  rule program (byte offsets, reciprocals)
//             | reserved                                  |
//   +0x004000 +------------------------------------------+
//             | instrument config: 1024 x 64 B            |  flags, indicator slot, sizing
//   +0x014000 +------------------------------------------+
//             | instrument state: 1024 x 2 KiB            |  vol, ML quantiles, sentiment ring
//   +0x214000 +------------------------------------------+
//             | instrument output: 1024 x 256 B           |  exported results (TS reads)
//   +0x254000 +------------------------------------------+
//             | record staging: one 64 B event record     |  TS writes MODEL/SENTIMENT here
//   +0x254040 +------------------------------------------+  for decOnRecord outside a ring
//             | reserved                                  |
//   +0x400000 +------------------------------------------+  DECISION_REGION_BYTES
//
// Global config (f64 fields 8-byte aligned):
//
//   0      4        8         12          16         20        24             28
//   | magic| version| ruleCnt | burstCount | volValue | checked | planChecksum | reserved |
//   (volValue: plan value index of the realised volatility per bar, e.g. rvol:20)
//   (checked, planChecksum: written by decConfigure once the config passed its checks: 1, and
//    the checksum of the indicator plan the rule inputs index; TS writes 0)
//   64                                 184      192             200            208          216
//   | weights[3 regimes][5 comps] f64   | pad    | choppyReduce  | mlMaxAgeNs i64| mlHorizon  |
//   216           224            232               240              248              256
//   | mlScoreScale| mlWidthAtHalf | sentDecayPerNs  | sentMaxAgeNs i64 | sentDupWinNs i64 |
//   256               264              272          280          288
//   | sentBurstWinNs  | sentFullWeight | mlScoreK    | mlRhoK      | reserved |
//   (mlScoreK = 1 / (mlScoreScale sqrt(mlHorizon)), mlRhoK = 1 / (NORMAL_Q10_Q90_SPAN sqrt(mlHorizon)
//    mlWidthAtHalf): derived by decConfigure, so a bar needs no sqrt and one division)
//
//   regimes: 0 trending, 1 mean_reverting, 2 choppy (the HMM label codes);
//   components: 0 trend rules, 1 mean-reversion rules, 2 breakout rules, 3 ML, 4 sentiment.
//
// Rule record (64 B):
//
//   0       4        8     12    16    20    24        32        40        48        56
//   | opcode| family | in0 | in1 | in2 | in3 | weight  | p0      | p1      | p2      | reserved |
//   (in*: value indices of the indicator plan, read from the instrument's indicator slot)
//
// Compiled rule (64 B, derived by decConfigure; the per-bar loop reads only these):
//
//   0       4        8      12     16     20     24        32    40    48      56
//   | opcode| family | off0 | off1 | off2 | off3 | weight  | p0  | p1  | 1/p1  | 1/p2 |
//   (off*: byte offsets of the inputs within the slot's values, in* << 3)
//
// Instrument config (64 B; one cache line read per bar):
//
//   0      4           8        12         16            24     32     40            48       52    56
//   | flags| indSlot   | sizing | atrValue | barsPerYear   | p0   | p1   | maxLeverage | values | pad | sizeK |
//   flags: bit 0 configured, bit 1 short allowed. sizing: SIZING_* below; p0/p1 per method.
//   values, sizeK: derived by decInstrumentConfigure (and decConfigure after a plan reload):
//   values = byte offset of the indicator slot's values (-1 when the slot is out of range);
//   sizeK = p0 / sqrt(barsPerYear) (vol target), p0 / p1 (fixed-fractional, ATR stop), p0 (Kelly).
//
// Instrument state (2 KiB):
//
//   0      4          64
//   | magic| reserved |
//   64           72     76    80               120
//   | mlTs i64   | mlHas| pad | q[5] sorted f64 | mlInvVar f64 |
//   (mlInvVar = (NORMAL_Q10_Q90_SPAN / (q90 - q10))^2, 0 when q90 == q10: set on MODEL intake)
//   128     132       136              144            152          160        168
//   | head  | count   | suppressed i64 | accepted i64 | tRef i64   | oldest i64 | aggCount | reserved |
//   192  items[DEC_SENT_ITEMS = 24] x 40 B: ts i64 | hash i64 | score f64 | weight f64 | source i32 | pad
//   1152 per-source aggregates[24] x 24 B: source i32 | pad | U f64 | V f64   (at time tRef)
//   1728 reserved
//
// Output block (256 B):
//
//   0       4    8         16       24          32           40         48         56          64
//   | status| pad| ts i64  | signal | confidence| choppyScale | direction| exposure | quantity   | volBar |
//   72                 96                 136                  176                 216     224           228           232            240          244
//   | regimeProb[3] f64 | weights[5] f64   | compScore[5] f64    | compConf[5] f64    | price | weightsValid | orderReason | orderQty f64 | orderLimit | reserved |
//   (weightsValid: 1 when weights[] were blended from regimeProb[] under the current config;
//    a bar whose regime probabilities equal the stored ones reuses them; decConfigure and
//    decInstrumentReset clear it)
//   (orderReason, orderQty: written by the order stage (pipeline/order-stage.ts): the risk
//    reason of the order the bar's target implied, or NO_ORDER (-1) when there was none, and
//    its signed quantity; orderLimit: the risk reason code of the limit that cut the order to
//    fit or stopped it, 0 when none did; see risk/implied-order.ts)

import { DECISION_REGION_BYTES, DECISION_REGION_OFFSET, INSTRUMENT_CAPACITY } from '../layout';

export const DEC_OFFSET: i32 = DECISION_REGION_OFFSET;
export const DEC_BYTES: i32 = DECISION_REGION_BYTES;

export const DEC_MAGIC: i32 = 0x43454446; // "FDEC" little-endian
export const DEC_VERSION: i32 = 1;
export const DEC_STATE_MAGIC: i32 = 0x53454446; // "FDES"

export const DEC_MAX_RULES: i32 = 64;
export const DEC_MAX_SOURCES: i32 = 64;
export const DEC_MAX_INSTRUMENTS: i32 = INSTRUMENT_CAPACITY;
export const DEC_SENT_ITEMS: i32 = 24;
export const DEC_REGIMES: i32 = 3;
export const DEC_COMPONENTS: i32 = 5;

export const DEC_CONFIG_OFFSET: i32 = DEC_OFFSET;
export const DEC_RULES_OFFSET: i32 = DEC_OFFSET + 0x1000;
export const DEC_RULE_BYTES: i32 = 64;
export const DEC_SOURCES_OFFSET: i32 = DEC_OFFSET + 0x2000;
export const DEC_SOURCE_BYTES: i32 = 16;
export const DEC_INST_CONFIG_OFFSET: i32 = DEC_OFFSET + 0x4000;
export const DEC_INST_CONFIG_BYTES: i32 = 64;
export const DEC_STATE_OFFSET: i32 = DEC_OFFSET + 0x14000;
export const DEC_STATE_BYTES: i32 = 2048;
export const DEC_OUTPUT_OFFSET: i32 = DEC_OFFSET + 0x214000;
export const DEC_OUTPUT_BYTES: i32 = 256;
export const DEC_RECORD_OFFSET: i32 = DEC_OFFSET + 0x254000;

// Global config fields.
export const CFG_MAGIC: i32 = 0;
export const CFG_VERSION: i32 = 4;
export const CFG_RULE_COUNT: i32 = 8;
export const CFG_BURST_COUNT: i32 = 12;
export const CFG_VOL_VALUE: i32 = 16;
export const CFG_CHECKED: i32 = 20;
export const CFG_PLAN_CHECKSUM: i32 = 24;
export const CFG_WEIGHTS: i32 = 64;
export const CFG_CHOPPY_REDUCTION: i32 = 192;
export const CFG_ML_MAX_AGE_NS: i32 = 200;
export const CFG_ML_HORIZON_BARS: i32 = 208;
export const CFG_ML_SCORE_SCALE: i32 = 216;
export const CFG_ML_WIDTH_AT_HALF: i32 = 224;
export const CFG_SENT_DECAY_PER_NS: i32 = 232;
export const CFG_SENT_MAX_AGE_NS: i32 = 240;
export const CFG_SENT_DUP_WINDOW_NS: i32 = 248;
export const CFG_SENT_BURST_WINDOW_NS: i32 = 256;
export const CFG_SENT_FULL_WEIGHT: i32 = 264;
export const CFG_ML_SCORE_K: i32 = 272;
export const CFG_ML_RHO_K: i32 = 280;

// Rule record fields and opcodes.
export const RULE_OPCODE: i32 = 0;
export const RULE_FAMILY: i32 = 4;
export const RULE_IN0: i32 = 8;
export const RULE_IN1: i32 = 12;
export const RULE_IN2: i32 = 16;
export const RULE_IN3: i32 = 20;
export const RULE_WEIGHT: i32 = 24;
export const RULE_P0: i32 = 32;
export const RULE_P1: i32 = 40;
export const RULE_P2: i32 = 48;
export const OP_TREND_CROSS: i32 = 1; // in0 fast MA, in1 slow MA, in2 ADX; p0 ADX floor, p1 ADX span, p2 spread scale
export const OP_BAND_REVERSION: i32 = 2; // in0 Bollinger %B, in1 RSI; p0 RSI low, p1 RSI high, p2 RSI span
export const OP_CHANNEL_BREAKOUT: i32 = 3; // in0 close, in1 channel upper, in2 channel lower, in3 relative volume; p0 relvol floor, p1 relvol span
export const OP_LINEAR: i32 = 4; // in0 value; score = clamp((v - p0) / p1), confidence 1
export const OP_COUNT: i32 = 5;
export const DEC_COMPILED_RULES_OFFSET: i32 = DEC_OFFSET + 0x2400;
export const CR_OPCODE: i32 = 0;
export const CR_FAMILY: i32 = 4;
export const CR_OFF0: i32 = 8;
export const CR_OFF1: i32 = 12;
export const CR_OFF2: i32 = 16;
export const CR_OFF3: i32 = 20;
export const CR_WEIGHT: i32 = 24;
export const CR_P0: i32 = 32;
export const CR_P1: i32 = 40;
export const CR_INV_P1: i32 = 48;
export const CR_INV_P2: i32 = 56;
export const FAMILY_COUNT: i32 = 3; // rule families are fusion components 0..2

// Source table fields.
export const SRC_WEIGHT: i32 = 0;
export const SRC_CAP: i32 = 8;

// Instrument config fields.
export const IC_FLAGS: i32 = 0;
export const IC_IND_SLOT: i32 = 4;
export const IC_SIZING: i32 = 8;
export const IC_ATR_VALUE: i32 = 12;
export const IC_BARS_PER_YEAR: i32 = 16;
export const IC_P0: i32 = 24;
export const IC_P1: i32 = 32;
export const IC_MAX_LEVERAGE: i32 = 40;
export const IC_VALUES: i32 = 48;
export const IC_SIZE_K: i32 = 56;
export const FLAG_CONFIGURED: i32 = 1;
export const FLAG_SHORT_ALLOWED: i32 = 2;
export const SIZING_VOL_TARGET: i32 = 0; // p0 annual target vol
export const SIZING_FIXED_FRACTIONAL: i32 = 1; // p0 risk fraction, p1 stop distance as a fraction of price
export const SIZING_CAPPED_KELLY: i32 = 2; // p0 Kelly fraction, p1 cap (fraction of equity)
export const SIZING_ATR_STOP: i32 = 3; // p0 risk fraction, p1 ATR multiple; atrValue = plan value index of ATR
export const SIZING_COUNT: i32 = 4;

// Instrument state fields.
export const ST_MAGIC: i32 = 0;
export const ST_ML_TS: i32 = 64;
export const ST_ML_HAS: i32 = 72;
export const ST_ML_Q: i32 = 80;
export const ST_ML_INV_VAR: i32 = 120;
export const ST_SENT_HEAD: i32 = 128;
export const ST_SENT_COUNT: i32 = 132;
export const ST_SENT_SUPPRESSED: i32 = 136;
export const ST_SENT_ACCEPTED: i32 = 144;
export const ST_SENT_T_REF: i32 = 152;
export const ST_SENT_OLDEST: i32 = 160;
export const ST_SENT_AGG_COUNT: i32 = 168;
export const ST_SENT_ITEMS: i32 = 192;
export const ITEM_BYTES: i32 = 40;
export const ST_SENT_AGGS: i32 = 1152;
export const AGG_BYTES: i32 = 24;
export const AGG_SOURCE: i32 = 0;
export const AGG_U: i32 = 8;
export const AGG_V: i32 = 16;
export const ITEM_TS: i32 = 0;
export const ITEM_HASH: i32 = 8;
export const ITEM_SCORE: i32 = 16;
export const ITEM_WEIGHT: i32 = 24;
export const ITEM_SOURCE: i32 = 32;

// Output block fields.
export const OUT_STATUS: i32 = 0;
export const OUT_TS: i32 = 8;
export const OUT_SIGNAL: i32 = 16;
export const OUT_CONFIDENCE: i32 = 24;
export const OUT_CHOPPY_SCALE: i32 = 32;
export const OUT_DIRECTION: i32 = 40;
export const OUT_EXPOSURE: i32 = 48;
export const OUT_QUANTITY: i32 = 56;
export const OUT_VOL_BAR: i32 = 64;
export const OUT_REGIME_PROB: i32 = 72;
export const OUT_WEIGHTS: i32 = 96;
export const OUT_COMP_SCORE: i32 = 136;
export const OUT_COMP_CONF: i32 = 176;
export const OUT_PRICE: i32 = 216;
export const OUT_WEIGHTS_VALID: i32 = 224;
export const OUT_ORDER_REASON: i32 = 228;
export const OUT_ORDER_QTY: i32 = 232;
export const OUT_ORDER_LIMIT: i32 = 240;
export const NO_ORDER: i32 = -1;

// Output status bits.
export const STATUS_REGIME: i32 = 1; // regime probabilities were available
export const STATUS_VOL_READY: i32 = 2; // the realised volatility value was finite and > 0
export const STATUS_PRICE: i32 = 4; // the slot's close was a finite price > 0
export const STATUS_COMP_SHIFT: i32 = 8; // bit (STATUS_COMP_SHIFT + c): component c was available
export const STATUS_SHORT_CLAMPED: i32 = 1 << 16; // a short direction was clamped to 0 (long-only)
export const STATUS_ML_TIMED_OUT: i32 = 1 << 17; // the bar waited for its MODEL record past the wait bound: decided without the ML expert (pipeline/model-wait.ts)
export const STATUS_HALTED: i32 = 1 << 18; // the kill switch was tripped: the order stage zeroed the target (pipeline/order-stage.ts)
export const STATUS_REGIME_MODEL: i32 = 1 << 19; // the instrument's regime filter has a model (set with STATUS_REGIME; alone: its filter has seen no bar yet)

// What the ML expert may use in one decision (decision-step.ts decStepWith).
export const ML_LATEST: i32 = 0; // the latest stored MODEL output, within its age limit (decStep)
export const ML_ABSENT: i32 = 1; // none: the ML component is absent whatever is stored
export const ML_TIMED_OUT: i32 = 2; // none, and STATUS_ML_TIMED_OUT is set

// 10%..90% span of a standard normal: 2 * 1.2815515655446004.
export const NORMAL_Q10_Q90_SPAN: f64 = 2.563103131089201;
