// Layout of the PIPELINE region: which per-bar stages run for each instrument, and the
// pipeline's counters. Mirrored by engine/pipeline/pipeline-layout.ts.
//
//   PIPELINE_REGION_OFFSET
//   +0x0000 +--------------------------------------------+
//           | header (4 KiB)                             |
//           |  +0  barsPiped      i64  BARs run through   |
//           |  +8  indicatorSteps i64                     |
//           |  +16 regimeSteps   i64  HMM filter steps    |
//           |  +24 stageErrors   i64  stage calls < 0     |
//           |  +32 lastError     i32  last negative status|
//           |  +36 lastErrorInst i32  its instrument      |
//           |  +40 unrouted      i64  BARs for instruments |
//           |                        with no pipeline    |
//           |  +48 decisionSteps i64                      |
//           |  +56 equity        f64  sizing equity        |
//           |  +64 signalRecords i64  MODEL/SENTIMENT taken|
//           |  +72 barsBuilt     i64  bars from ticks      |
//           |  +80 ordersChecked i64  targets' orders that |
//           |                        met the risk checks |
//           |  +88 ordersAccepted i64 ORDER records out   |
//           |  +96 fills         i64  FILL records applied|
//           |  +104 ordersClosed i64  venue REJECTs applied|
//           |  +112 outboundWaits i64 batches cut short:  |
//           |                        outbound ring low   |
//           |  +120 venueEvents i64  simulated venue events|
//           |                        delivered or taken  |
//           |  order stage (pipelineSetExecution):        |
//           |  +128 bandEquityPct f64  no-trade band:     |
//           |  +136 bandPositionPct f64 (order-stage.ts)  |
//           |  +144 entryType i32  +148 entryTif i32      |
//           |  +152 limitOffsetBps f64                    |
//           |  +160 repriceBps f64                        |
//           |  +168 bandSkips i64  target changes inside  |
//           |                        the band             |
//           |  +176 strategyCancels i64                   |
//           |  +184 strategyReplaces i64                  |
//           |  +192 exitFills i64   fills of exit orders  |
//           |  +200 confirmBars i32  bars a target change   |
//           |                        must hold (order stage)|
//           |  +208 confirmSkips i64 bars a change waited  |
//           |  +216 equityRecords i32 1: an EQUITY record   |
//           |                        per PIPE_RISK bar      |
//           |  +224 equityWritten i64 EQUITY records out    |
//           |  +232 equityDropped i64 none: ring was full   |
//           |  model wait (PIPE_MODEL, model-wait.ts):      |
//           |  +240 modelPending i32  decisions waiting     |
//           |  +244 modelScanEnd i32  1 + highest PIPE_MODEL|
//           |                        instrument (scan bound)|
//           |  +248 modelNextDeadline i64 <= the earliest   |
//           |                        pending deadline       |
//           |  +256 modelOnTime i64  decided on the bar's   |
//           |                        MODEL record           |
//           |  +264 modelTimeouts i64 decided without it    |
//           |  +272 modelLate i64    MODEL for a bar already|
//           |                        decided                |
//           |  +280 modelUnmatched i64 MODEL for no waiting |
//           |                        or decided bar         |
//           |  +288 featuresWritten i64 FEATURES records out|
//           |  +296 featuresDropped i64 none: ring was full |
//           |  +304 modelNextInstrument i32 the earliest    |
//           |                        deadline's instrument  |
//           |                        (set by the scan)      |
//           |  +312 limitSkips i64 target changes the risk  |
//           |                        limits left no whole   |
//           |                        lot for (order-stage)  |
//           |  same close time (same-close.ts):             |
//           |  +320 closeTime i64  the close time of the    |
//           |                        PIPE_RISK bars now run |
//           |  +328 closeSeen i32  PIPE_RISK instruments    |
//           |                        whose bar of it ran    |
//           |  +332 riskCount i32  PIPE_RISK instruments    |
//           |  +336 deferHead i32  first deferred decision  |
//           |                        (instrument; -1 none)  |
//           |  +340 deferTail i32  last one                 |
//           |  +344 deferCount i32 decisions deferred now   |
//           |  +352 deferredTotal i64 decisions deferred so |
//           |                        far (a counter)        |
//   +0x1000 +--------------------------------------------+
//           | instrument 0 .. PIPE_MAX_INSTRUMENTS-1,    |
//           | 256 bytes each:                            |
//           |  +0  flags         i32  PIPE_* stage bits  |
//           |                        (PIPE_MODEL_NO_FEATURES:|
//           |                        wait, no FEATURES out)|
//           |  +4  indicatorSlot i32                     |
//           |  +8  featureCount  i32  d (<= 8)           |
//           |  +12 (pad)                                 |
//           |  +16 features      8 x i32: FEATURE_LOGRET |
//           |                        or an indicator     |
//           |                        output index        |
//           |  +48 prevClose     f64  (NaN before first) |
//           |  +56 changeSign    i32  side of the target   |
//           |                        change the order stage|
//           |                        saw on the last bars  |
//           |  +60 changeBars    i32  bars in a row it held|
//           |  model wait (PIPE_MODEL, model-wait.ts):    |
//           |  +64 modelSources 16 x i32: indicator plan  |
//           |                        value indices        |
//           |  +128 modelCount  i32  F (1..16; 0: none)   |
//           |  +132 pending     i32  1 while the bar's    |
//           |                        decision waits       |
//           |  +136 waitNs      i64  the wait bound       |
//           |  +144 pendingOpen i64  the waiting bar's    |
//           |                        open time            |
//           |  +152 pendingClose i64 its close time (the  |
//           |                        decision time)       |
//           |  +160 deadline    i64  pendingClose + waitNs|
//           |  +168 resolvedClose i64 close time of the   |
//           |                        last bar that waited |
//           |                        (MIN before any)     |
//           |  +176 paused      i32  1 while an operator has|
//           |                        paused the instrument's|
//           |                        strategy: its target   |
//           |                        may only reduce the    |
//           |                        position (order-stage) |
//           |  +184 deferNext  i32  next deferred decision |
//           |                        (same-close.ts; -1 end)|
//           |  +188 deferred   i32  1 while its decision    |
//           |                        waits for the close time|
//           |  +192 seenClose  i64  close time of its last  |
//           |                        bar counted in closeSeen|
//           |  +200 deferOpen  i64  the deferred bar's open  |
//           |  +208 deferClose i64  and close (decision) time|
//           |  +216 .. +255 reserved                      |
//   +0x41000+--------------------------------------------+
//           | feature rows: instrument i's d f64 at      |
//           | FEATURE_ROWS + i * 64                      |
//   +0x51000+--------------------------------------------+
//           | bar ring: header (256 B) + BAR_RING_CAPACITY|
//           | slots; the bar builder's output, drained   |
//           | into the pipeline within the same call     |
//   +0x61100+--------------------------------------------+
import { INSTRUMENT_CAPACITY, PIPELINE_REGION_OFFSET } from '../layout';

export const PIPE_MAX_INSTRUMENTS: i32 = INSTRUMENT_CAPACITY;
export const PIPE_MAX_FEATURES: i32 = 8;
/** Features a PIPE_MODEL instrument exports per bar (FEATURES records of 4 values each). */
export const PIPE_MODEL_MAX_FEATURES: i32 = 16;
export const FEATURES_PER_RECORD: i32 = 4;

export const PIPE_HEADER: i32 = PIPELINE_REGION_OFFSET;
export const HDR_BARS_PIPED: i32 = 0;
export const HDR_INDICATOR_STEPS: i32 = 8;
export const HDR_REGIME_STEPS: i32 = 16;
export const HDR_STAGE_ERRORS: i32 = 24;
export const HDR_LAST_ERROR: i32 = 32;
export const HDR_LAST_ERROR_INSTRUMENT: i32 = 36;
export const HDR_UNROUTED: i32 = 40;
export const HDR_DECISION_STEPS: i32 = 48;
export const HDR_EQUITY: i32 = 56;
export const HDR_SIGNAL_RECORDS: i32 = 64;
export const HDR_BARS_BUILT: i32 = 72;
export const HDR_ORDERS_CHECKED: i32 = 80;
export const HDR_ORDERS_ACCEPTED: i32 = 88;
export const HDR_FILLS: i32 = 96;
export const HDR_ORDERS_CLOSED: i32 = 104;
export const HDR_OUTBOUND_WAITS: i32 = 112;
export const HDR_VENUE_EVENTS: i32 = 120;
export const HDR_BAND_EQUITY_PCT: i32 = 128;
export const HDR_BAND_POSITION_PCT: i32 = 136;
export const HDR_ENTRY_TYPE: i32 = 144;
export const HDR_ENTRY_TIF: i32 = 148;
export const HDR_LIMIT_OFFSET_BPS: i32 = 152;
export const HDR_REPRICE_BPS: i32 = 160;
export const HDR_BAND_SKIPS: i32 = 168;
export const HDR_STRATEGY_CANCELS: i32 = 176;
export const HDR_STRATEGY_REPLACES: i32 = 184;
export const HDR_EXIT_FILLS: i32 = 192;
export const HDR_CONFIRM_BARS: i32 = 200;
export const HDR_CONFIRM_SKIPS: i32 = 208;
export const HDR_EQUITY_RECORDS: i32 = 216;
export const HDR_EQUITY_WRITTEN: i32 = 224;
export const HDR_EQUITY_DROPPED: i32 = 232;
export const HDR_MODEL_PENDING: i32 = 240;
export const HDR_MODEL_SCAN_END: i32 = 244;
export const HDR_MODEL_NEXT_DEADLINE: i32 = 248;
export const HDR_MODEL_ON_TIME: i32 = 256;
export const HDR_MODEL_TIMEOUTS: i32 = 264;
export const HDR_MODEL_LATE: i32 = 272;
export const HDR_MODEL_UNMATCHED: i32 = 280;
export const HDR_FEATURES_WRITTEN: i32 = 288;
export const HDR_FEATURES_DROPPED: i32 = 296;
export const HDR_MODEL_NEXT_INSTRUMENT: i32 = 304;
export const HDR_LIMIT_SKIPS: i32 = 312;
export const HDR_CLOSE_TIME: i32 = 320;
export const HDR_CLOSE_SEEN: i32 = 328;
export const HDR_RISK_COUNT: i32 = 332;
export const HDR_DEFER_HEAD: i32 = 336;
export const HDR_DEFER_TAIL: i32 = 340;
export const HDR_DEFER_COUNT: i32 = 344;
export const HDR_DEFERRED_TOTAL: i32 = 352;

export const PIPE_TABLE: i32 = PIPELINE_REGION_OFFSET + 0x1000;
export const PIPE_ENTRY_BYTES: i32 = 256;
export const PIPE_FLAGS: i32 = 0;
export const PIPE_INDICATOR_SLOT: i32 = 4;
export const PIPE_FEATURE_COUNT: i32 = 8;
export const PIPE_FEATURES: i32 = 16;
export const PIPE_PREV_CLOSE: i32 = 48;
export const PIPE_CHANGE_SIGN: i32 = 56;
export const PIPE_CHANGE_BARS: i32 = 60;
export const PIPE_MODEL_SOURCES: i32 = 64;
export const PIPE_MODEL_COUNT: i32 = 128;
export const PIPE_MODEL_PENDING: i32 = 132;
export const PIPE_MODEL_WAIT_NS: i32 = 136;
export const PIPE_PENDING_OPEN: i32 = 144;
export const PIPE_PENDING_CLOSE: i32 = 152;
export const PIPE_PENDING_DEADLINE: i32 = 160;
export const PIPE_RESOLVED_CLOSE: i32 = 168;
export const PIPE_PAUSED: i32 = 176;
export const PIPE_DEFER_NEXT: i32 = 184;
export const PIPE_DEFERRED: i32 = 188;
export const PIPE_SEEN_CLOSE: i32 = 192;
export const PIPE_DEFER_OPEN: i32 = 200;
export const PIPE_DEFER_CLOSE: i32 = 208;

export const PIPE_FEATURE_ROWS: i32 = PIPE_TABLE + PIPE_MAX_INSTRUMENTS * PIPE_ENTRY_BYTES;
export const PIPE_FEATURE_ROW_BYTES: i32 = 64;

/** Stage bits of PIPE_FLAGS. */
export const PIPE_INDICATORS: i32 = 1;
export const PIPE_REGIME: i32 = 2;
export const PIPE_DECISION: i32 = 4;
/** The decision's target becomes an order through the risk checks (needs PIPE_DECISION or PIPE_RULES, and a risk configuration). */
export const PIPE_RISK: i32 = 8;
/** A rule strategy (strategy/rule-strategy.ts) decides the target instead of fusion: an alternative to PIPE_DECISION, no regime needed. */
export const PIPE_RULES: i32 = 16;
/**
 * The decision waits for the bar's MODEL record (needs PIPE_DECISION; set by pipelineConfigureModel):
 * the bar's features go out as FEATURES records and fusion runs when the MODEL record for that bar
 * close arrives, or without the ML expert once the wait bound passed (model-wait.ts).
 */
export const PIPE_MODEL: i32 = 32;
/**
 * With PIPE_MODEL: the bar still waits for its MODEL record, but no FEATURES record goes out (the
 * answers were computed ahead, a backtest: nobody reads them). Set by pipelineConfigureModel's
 * MODEL_NO_FEATURES option.
 */
export const PIPE_MODEL_NO_FEATURES: i32 = 64;

/** A feature source that is the bar's log return ln(close / previous close), not an indicator output. */
export const FEATURE_LOGRET: i32 = -1;

/** The bar builder's private output ring (ring.ts layout), 64-byte aligned. */
export const BAR_RING_OFFSET: i32 = PIPE_FEATURE_ROWS + PIPE_MAX_INSTRUMENTS * PIPE_FEATURE_ROW_BYTES;
export const BAR_RING_CAPACITY: i32 = 1024;
