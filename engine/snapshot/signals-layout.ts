// Layout of the published-signals block, as seen from TypeScript: mirror of
// wasm/assembly/state/signals-layout.ts (the box diagram lives there). The core reports its own
// values by id (stateLayoutValue, ids after the state block's: see STATE_LAYOUT_IDS in
// state-layout.ts); test/consistent-state.test.ts and test/signals-topic.test.ts check them.
import { INSTRUMENT_CAPACITY, PUBLISHED_SIGNALS_REGION_BYTES, PUBLISHED_SIGNALS_REGION_OFFSET } from '../layout/memory-map.js';

export const SG_ENTRIES = 128;
export const SG_ENTRY_BYTES = 256;
export const SG_BLOCK_BYTES_MAX = SG_ENTRIES + SG_ENTRY_BYTES * INSTRUMENT_CAPACITY;
/** The block's area: the top of the memory (memory-map.ts), above every checkpointed span. */
export const PUBLISHED_SIGNALS_BYTES = PUBLISHED_SIGNALS_REGION_BYTES;
export const PUBLISHED_SIGNALS_OFFSET = PUBLISHED_SIGNALS_REGION_OFFSET;
if (SG_BLOCK_BYTES_MAX > PUBLISHED_SIGNALS_BYTES) throw new Error(`published signals: ${SG_BLOCK_BYTES_MAX} bytes do not fit the ${PUBLISHED_SIGNALS_BYTES}-byte region`);

/** i64 seqlock word: odd while the core writes the block, even when it is whole. */
export const SG_SEQ = 0;
export const SG_INBOUND_SEQ = 64;
export const SG_CLOCK_NS = 72;
export const SG_DECISION_STEPS = 80;
export const SG_COUNT = 88;
export const SG_SLOTS_IN_USE = 92;
export const SG_UNITS = 96;

export const SE_INSTRUMENT = 0;
export const SE_FLAGS = 4;
export const SE_TS = 8;
export const SE_STATUS = 16;
export const SE_ORDER_REASON = 20;
export const SE_ORDER_LIMIT = 24;
export const SE_FEED_MASK = 28;
export const SE_FEED_ACTION = 32;
export const SE_FEED_CONDITION = 36;
export const SE_FEED_SINCE_NS = 40;
export const SE_SIGNAL = 48;
export const SE_CONFIDENCE = 56;
export const SE_CHOPPY_SCALE = 64;
export const SE_DIRECTION = 72;
export const SE_EXPOSURE = 80;
export const SE_QUANTITY = 88;
export const SE_ORDER_QTY = 96;
export const SE_PRICE = 104;
export const SE_REGIME_PROB = 112;
export const SE_WEIGHTS = 136;
export const SE_COMP_SCORE = 176;
export const SE_COMP_CONF = 216;

/** Entry flags: a strategy decides the instrument; fusion (regime-gated experts) decides it. */
export const SF_DECIDES = 1;
export const SF_FUSION = 2;

/** Names of the core's stateLayoutValue ids for this block, in id order (ids follow the state block's). */
export const SIGNALS_LAYOUT_IDS = [
  'PUBLISHED_SIGNALS_OFFSET', 'PUBLISHED_SIGNALS_BYTES', 'SG_SEQ', 'SG_INBOUND_SEQ', 'SG_CLOCK_NS', 'SG_DECISION_STEPS', 'SG_COUNT', 'SG_SLOTS_IN_USE',
  'SG_UNITS', 'SG_ENTRIES', 'SG_ENTRY_BYTES', 'SG_BLOCK_BYTES_MAX', 'SE_INSTRUMENT', 'SE_FLAGS', 'SE_TS', 'SE_STATUS', 'SE_ORDER_REASON',
  'SE_ORDER_LIMIT', 'SE_FEED_MASK', 'SE_FEED_ACTION', 'SE_FEED_CONDITION', 'SE_FEED_SINCE_NS', 'SE_SIGNAL', 'SE_CONFIDENCE', 'SE_CHOPPY_SCALE',
  'SE_DIRECTION', 'SE_EXPOSURE', 'SE_QUANTITY', 'SE_ORDER_QTY', 'SE_PRICE', 'SE_REGIME_PROB', 'SE_WEIGHTS', 'SE_COMP_SCORE', 'SE_COMP_CONF',
] as const;
