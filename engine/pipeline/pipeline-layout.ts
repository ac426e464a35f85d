// The PIPELINE region as seen from TypeScript. Mirror of
// wasm/assembly/pipeline/pipeline-layout.ts (the box diagram lives there).
import { INSTRUMENT_CAPACITY, PIPELINE_REGION_OFFSET } from '../layout/memory-map.js';

export const PIPE_MAX_INSTRUMENTS = INSTRUMENT_CAPACITY;
export const PIPE_MAX_FEATURES = 8;
export const PIPE_MODEL_MAX_FEATURES = 16;
export const FEATURES_PER_RECORD = 4;

export const PIPE_HEADER = PIPELINE_REGION_OFFSET;
export const HDR_BARS_PIPED = 0;
export const HDR_INDICATOR_STEPS = 8;
export const HDR_REGIME_STEPS = 16;
export const HDR_STAGE_ERRORS = 24;
export const HDR_LAST_ERROR = 32;
export const HDR_LAST_ERROR_INSTRUMENT = 36;
export const HDR_UNROUTED = 40;
export const HDR_DECISION_STEPS = 48;
export const HDR_EQUITY = 56;
export const HDR_SIGNAL_RECORDS = 64;
export const HDR_BARS_BUILT = 72;
export const HDR_ORDERS_CHECKED = 80;
export const HDR_ORDERS_ACCEPTED = 88;
export const HDR_FILLS = 96;
export const HDR_ORDERS_CLOSED = 104;
export const HDR_OUTBOUND_WAITS = 112;
export const HDR_VENUE_EVENTS = 120;
export const HDR_BAND_EQUITY_PCT = 128;
export const HDR_BAND_POSITION_PCT = 136;
export const HDR_ENTRY_TYPE = 144;
export const HDR_ENTRY_TIF = 148;
export const HDR_LIMIT_OFFSET_BPS = 152;
export const HDR_REPRICE_BPS = 160;
export const HDR_BAND_SKIPS = 168;
export const HDR_STRATEGY_CANCELS = 176;
export const HDR_STRATEGY_REPLACES = 184;
export const HDR_EXIT_FILLS = 192;
export const HDR_CONFIRM_BARS = 200;
export const HDR_CONFIRM_SKIPS = 208;
export const HDR_EQUITY_RECORDS = 216;
export const HDR_EQUITY_WRITTEN = 224;
export const HDR_EQUITY_DROPPED = 232;
export const HDR_MODEL_PENDING = 240;
export const HDR_MODEL_SCAN_END = 244;
export const HDR_MODEL_NEXT_DEADLINE = 248;
export const HDR_MODEL_ON_TIME = 256;
export const HDR_MODEL_TIMEOUTS = 264;
export const HDR_MODEL_LATE = 272;
export const HDR_MODEL_UNMATCHED = 280;
export const HDR_FEATURES_WRITTEN = 288;
export const HDR_FEATURES_DROPPED = 296;
export const HDR_MODEL_NEXT_INSTRUMENT = 304;
export const HDR_LIMIT_SKIPS = 312;
/** Same close time (wasm/assembly/pipeline/same-close.ts): decisions deferred until every PIPE_RISK instrument's bar of a close time is marked. */
export const HDR_CLOSE_TIME = 320;
export const HDR_CLOSE_SEEN = 328;
export const HDR_RISK_COUNT = 332;
export const HDR_DEFER_HEAD = 336;
export const HDR_DEFER_TAIL = 340;
export const HDR_DEFER_COUNT = 344;
export const HDR_DEFERRED_TOTAL = 352;

export const PIPE_TABLE = PIPELINE_REGION_OFFSET + 0x1000;
export const PIPE_ENTRY_BYTES = 256;
export const PIPE_FLAGS = 0;
export const PIPE_FEATURES = 16;
export const PIPE_MODEL_SOURCES = 64;
export const PIPE_MODEL_COUNT = 128;
export const PIPE_MODEL_PENDING = 132;
export const PIPE_MODEL_WAIT_NS = 136;
export const PIPE_PENDING_OPEN = 144;
export const PIPE_PENDING_CLOSE = 152;
export const PIPE_PENDING_DEADLINE = 160;
export const PIPE_RESOLVED_CLOSE = 168;
/** i32: 1 while an operator has paused the instrument's strategy (its target may only reduce the position). */
export const PIPE_PAUSED = 176;
export const PIPE_DEFER_NEXT = 184;
export const PIPE_DEFERRED = 188;
export const PIPE_SEEN_CLOSE = 192;
export const PIPE_DEFER_OPEN = 200;
export const PIPE_DEFER_CLOSE = 208;

export const PIPE_FEATURE_ROWS = PIPE_TABLE + PIPE_MAX_INSTRUMENTS * PIPE_ENTRY_BYTES;
export const PIPE_FEATURE_ROW_BYTES = 64;
/** The bar builder's private ring: header (256 B) + BAR_RING_CAPACITY slots of 64 B; the region's last block. */
export const BAR_RING_OFFSET = PIPE_FEATURE_ROWS + PIPE_MAX_INSTRUMENTS * PIPE_FEATURE_ROW_BYTES;
export const BAR_RING_CAPACITY = 1024;

export const PIPE_INDICATORS = 1;
export const PIPE_REGIME = 2;
export const PIPE_DECISION = 4;
export const PIPE_RISK = 8;
export const PIPE_RULES = 16;
export const PIPE_MODEL = 32;
export const PIPE_MODEL_NO_FEATURES = 64;
/** pipelineConfigureModel's option bit: wait for the MODEL record, write no FEATURES record. */
export const MODEL_NO_FEATURES = 1;
export const FEATURE_LOGRET = -1;
