// Layout of the published-state block, as seen from TypeScript: mirror of
// wasm/assembly/state/state-layout.ts (the box diagram lives there). The core reports its own
// values by id (stateLayoutValue); test/consistent-state.test.ts checks this mirror against them.
import { INSTRUMENT_CAPACITY, OUTBOUND_CAPACITY, OUTBOUND_EXT_OFFSET, SLOT_BYTES, STATE_OFFSET } from '../layout/memory-map.js';
import { SIGNALS_LAYOUT_IDS } from './signals-layout.js';

/** The published-signals block (decisions and feed health; its own seqlock) shares the id table. */
export * from './signals-layout.js';

/** Start of the block: the spare bytes between the outbound extension and STATE_OFFSET (not checkpointed). */
export const PUBLISHED_STATE_OFFSET = OUTBOUND_EXT_OFFSET + OUTBOUND_CAPACITY * SLOT_BYTES;
export const PUBLISHED_STATE_BYTES = STATE_OFFSET - PUBLISHED_STATE_OFFSET;

/** i64 seqlock word: odd while the core writes the block, even when it is whole. */
export const PS_SEQ = 0;
export const PS_INBOUND_SEQ = 64;
export const PS_CLOCK_NS = 72;
export const PS_EQUITY = 80;
export const PS_CASH = 88;
export const PS_MARKET_VALUE = 96;
export const PS_REALISED_PNL = 104;
export const PS_UNREALISED_PNL = 112;
export const PS_HWM = 120;
export const PS_DRAWDOWN = 128;
export const PS_GROSS_EXPOSURE = 136;
export const PS_NET_EXPOSURE = 144;
export const PS_DENIED_ORDERS = 152;
export const PS_UNCERTAIN_ORDERS = 160;
export const PS_HALTED = 164;
export const PS_TRIP_COUNT = 168;
export const PS_COUNT = 172;
export const PS_SLOTS_IN_USE = 176;
export const PS_UNITS = 184;

export const PS_ENTRIES = 256;
export const PS_ENTRY_BYTES = 56;
export const PE_INSTRUMENT = 0;
export const PE_POSITION = 8;
export const PE_MARK = 16;
export const PE_AVG_PRICE = 24;
export const PE_UNREALISED_PNL = 32;
export const PE_REALISED_PNL = 40;
export const PE_VALUE = 48;

/** Bytes the block needs at most (every instrument configured). */
export const PS_BLOCK_BYTES_MAX = PS_ENTRIES + PS_ENTRY_BYTES * INSTRUMENT_CAPACITY;

/** Names of the core's stateLayoutValue ids, in id order (the signals block's follow). */
export const STATE_LAYOUT_IDS = [
  'PUBLISHED_STATE_OFFSET', 'PUBLISHED_STATE_BYTES', 'PS_SEQ', 'PS_INBOUND_SEQ', 'PS_CLOCK_NS', 'PS_EQUITY', 'PS_CASH', 'PS_MARKET_VALUE',
  'PS_REALISED_PNL', 'PS_UNREALISED_PNL', 'PS_HWM', 'PS_DRAWDOWN', 'PS_GROSS_EXPOSURE', 'PS_NET_EXPOSURE', 'PS_DENIED_ORDERS',
  'PS_UNCERTAIN_ORDERS', 'PS_HALTED', 'PS_TRIP_COUNT', 'PS_COUNT', 'PS_SLOTS_IN_USE', 'PS_UNITS', 'PS_ENTRIES', 'PS_ENTRY_BYTES',
  'PE_INSTRUMENT', 'PE_POSITION', 'PE_MARK', 'PE_AVG_PRICE', 'PE_UNREALISED_PNL', 'PE_REALISED_PNL', 'PE_VALUE', 'PS_BLOCK_BYTES_MAX',
  ...SIGNALS_LAYOUT_IDS,
] as const;
