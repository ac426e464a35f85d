// Offsets of the RISK region as seen from TypeScript: mirror of
// wasm/assembly/risk/risk-layout.ts (the box diagram lives there); test/risk-checks.test.ts
// checks them against the compiled core's exports.
import { INSTRUMENT_CAPACITY, RISK_REGION_BYTES, RISK_REGION_OFFSET } from '../layout/memory-map.js';

export { RISK_REGION_BYTES, RISK_REGION_OFFSET };

export const RH_MAGIC = 0;
export const RH_HALTED = 4;
export const RH_CONFIGURED = 8;
export const RH_FLATTEN_PENDING = 12;
export const RH_TRIP_COUNT = 16;
export const RH_MAX_ORDERS = 20;
export const RH_RATE_FILLED = 24;
export const RH_RATE_NEXT = 28;
export const RH_WINDOW_NS = 32;
export const RH_CLOCK_NS = 40;
export const RH_DAY = 48;
export const RH_TRIP_TS_NS = 56;
export const RH_CASH = 64;
export const RH_MARKET_VALUE = 72;
export const RH_HWM = 80;
export const RH_DAY_START_EQUITY = 88;
export const RH_TRIP_EQUITY = 96;
export const RH_SLOTS_IN_USE = 104;
export const RH_GROSS_EXPOSURE = 112;
export const RH_NEXT_DAY_NS = 120;
/** Risk records the core published since riskInit (i64; restored with a checkpoint): the webhooks number risk denials by it. */
export const RH_RISK_RECORDS = 232;
/** risk.maxDrawdownPct as the core holds it (a changed limit included; engine/risk/risk-limit-change.ts). */
export const RH_MAX_DRAWDOWN_PCT = 168;
/** Feed-health policy: the action (i32) of condition code c at RH_FEED_POLICY + 4 * c (engine/risk/feed-health.ts). */
export const RH_FEED_POLICY = 192;

export const RISK_CLASS_OFFSET = RISK_REGION_OFFSET + 0x2100;
/** Asset class codes are 0 .. RISK_ASSET_CLASSES - 1. */
export const RISK_ASSET_CLASSES = 64;

export const RISK_SLOTS_OFFSET = RISK_REGION_OFFSET + 0x4000;
export const RISK_SLOT_BYTES = 256;
export const RISK_INSTRUMENT_CAPACITY = INSTRUMENT_CAPACITY;
export const RISK_RATE_CAPACITY = 1024;

export const RS_CONFIGURED = 0;
export const RS_ASSET_CLASS = 4;
export const RS_STALE_NS = 8;
export const RS_LOT_SIZE = 16;
export const RS_POSITION = 24;
export const RS_AVG_PRICE = 32;
export const RS_PENDING_BUY = 40;
export const RS_PENDING_SELL = 48;
export const RS_MARK = 56;
export const RS_MARK_TS = 64;
export const RS_HAS_MARK = 72;
export const RS_EXPOSURE = 80;
export const RS_INV_LOT = 88;
export const RS_MULTIPLIER = 96;
export const RS_CURRENCY = 104;
export const RS_SETTLEMENT = 108;
export const RS_VALUE_FACTOR = 112;
export const RS_VALUE = 120;
export const RS_COST_BASIS = 128;
export const RS_FEED_MASK = 136;
export const RS_FEED_ACTION = 140;
export const RS_FEED_SINCE_NS = 144;
export const RS_FEED_VALUE = 152;
export const RS_FEED_STREAM = 160;
export const RS_FEED_CONDITION = 164;
export const RS_FEED_TS_NS = 168;
export const RS_PRICE_IN_HAND_NS = 176;

/** Settlement of an instrument (RS_SETTLEMENT): spot pays the notional from cash; margin moves cash by realised P&L only. */
export const SETTLE_SPOT = 0;
export const SETTLE_MARGIN = 1;
