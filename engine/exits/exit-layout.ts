// The EXITS region as seen from TypeScript: mirror of wasm/assembly/exits/exit-layout.ts
// (the box diagrams live there).
import { EXITS_REGION_OFFSET } from '../layout/memory-map.js';

export const EXIT_PROFILES = 16;
export const EXIT_TARGETS = 4;
export const EXIT_PROFILES_OFFSET = EXITS_REGION_OFFSET;
export const EXIT_PROFILE_BYTES = 256;
export const EP_STOP_PCT = 0;
export const EP_ATR_MULTIPLE = 8;
export const EP_ATR_VALUE = 16;
export const EP_TRAIL_PCT = 24;
export const EP_TRAIL_ATR_MULTIPLE = 32;
export const EP_TARGET_COUNT = 40;
export const EP_TARGET_PCT = 48;
export const EP_TARGET_FRACTION = 80;
export const EP_MAX_HOLD_NS = 112;
export const EP_REGIME_MULTIPLIER = 120;
export const EP_REENTRY = 144;
export const EP_CONFIGURED = 148;
export const REENTRY_AFTER_RESET = 0;
export const REENTRY_IMMEDIATE = 1;
export const EXIT_STATES_OFFSET = EXITS_REGION_OFFSET + 0x1000;
export const EXIT_STATE_BYTES = 128;
export const ES_PROFILE = 0;
export const ES_SIDE = 4;
export const ES_ENTRY_NS = 8;
export const ES_ENTRY_PX = 16;
export const ES_BASE_POS = 24;
export const ES_STOP_ID = 32;
export const ES_TRAIL_ID = 40;
export const ES_TARGET_IDS = 48;
export const ES_MAX_HOLD_ID = 80;
export const ES_TIERS_DONE = 88;
export const ES_BLOCK_SIGN = 92;
export const ES_DEFERRED_NS = 96;
export const ES_STOP_PX = 104;
export const ES_CLOSING = 112;
export const ES_STOP_RULE = 116;
export const ES_TRAIL_HIT = 118;
export const ES_TRAIL_OFFSET = 120;
/** Exit order ids an instrument state holds: stop, trail, four targets, max-hold close. */
export const EXIT_ORDER_IDS = 7;
