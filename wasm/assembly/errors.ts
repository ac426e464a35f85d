// Status codes returned by the core. The core never throws: every export returns
// a count (>= 0) or one of these negative codes. engine/core/core-status.ts turns
// them into errors in one place.

export const OK: i32 = 0;
export const ERR_STATIC_DATA_TOO_LARGE: i32 = -1; // core statics reach past CORE_STATIC_LIMIT
export const ERR_RING_NOT_INITIALISED: i32 = -2; // ring header magic missing
export const ERR_RING_CAPACITY: i32 = -3; // capacity not a power of two, or too large
export const ERR_OUTBOUND_FULL: i32 = -4; // outbound ring had no room for a result record
export const ERR_UNKNOWN_KIND: i32 = -5; // an inbound record with no known kind bit
export const ERR_BAD_ARGUMENT: i32 = -6; // an argument outside its documented range
export const ERR_OUTBOUND_TOO_SMALL: i32 = -7; // the outbound ring cannot hold what one unit of work may write: give it more capacity
// HMM forward filter (wasm/assembly/hmm), codes -30..-39.
export const ERR_HMM_MODEL_NOT_LOADED: i32 = -30; // the model slot holds no loaded model
export const ERR_HMM_BAD_MODEL: i32 = -31; // model parameters failed the core's checks (sizes, stochastic rows, finiteness)
export const ERR_HMM_FILTER_NOT_RESET: i32 = -32; // the instrument's filter state was never reset with a model
// Indicator executor (wasm/assembly/indicators), codes -40..-49.
export const ERR_IND_NO_PLAN: i32 = -40; // no indicator plan loaded (indPlanLoad not called or failed)
export const ERR_IND_BAD_PLAN: i32 = -41; // the plan failed the core's checks (magic, opcodes, parameters, value order, sizes)
export const ERR_IND_SLOT_RANGE: i32 = -42; // slot index outside 0 .. slotCapacity - 1
export const ERR_IND_SLOT_NOT_READY: i32 = -43; // slot never reset (or restored) for the loaded plan
export const ERR_IND_BATCH_RANGE: i32 = -44; // batch columns fall outside the scratch region
// Time-bar builder (wasm/assembly/bars), codes -50..-59.
export const ERR_BARS_OUT_OF_ORDER: i32 = -50; // event (or flush) time earlier than the builder's clock: rejected, state unchanged
export const ERR_BARS_SLOT_RANGE: i32 = -51; // bar builder slot outside 0 .. barsSlotCapacity() - 1
// Pre-trade risk (wasm/assembly/risk), codes -80..-89.
export const ERR_RISK_NOT_READY: i32 = -80; // limits not configured (riskConfigure) or account not initialised (riskInit)
export const ERR_RISK_BAD_LIMITS: i32 = -81; // a limit outside its range: state unchanged
export const ERR_RISK_UNKNOWN_INSTRUMENT: i32 = -82; // instrument id outside 0 .. capacity - 1, or a fill for an unconfigured instrument
export const ERR_RISK_FLATTEN_PENDING: i32 = -83; // the kill switch tripped but its flatten records did not fit: drain, then riskEmitFlatten
// Fusion and sizing (wasm/assembly/decision), codes -60..-64.
export const ERR_DEC_BAD_CONFIG: i32 = -60; // decision config failed the core's checks (magic, version, rules, weights, ranges)
export const ERR_DEC_NOT_CONFIGURED: i32 = -61; // decConfigure has not accepted a config yet
export const ERR_DEC_INSTRUMENT: i32 = -62; // instrument outside 0..511, or its config/state block was never accepted/reset
export const ERR_DEC_BAD_RECORD: i32 = -63; // MODEL/SENTIMENT record with non-finite or out-of-range fields
// Rule strategies (wasm/assembly/strategy), codes -70..-74.
export const ERR_RULE_BAD_PROGRAM: i32 = -70; // rule programs failed the core's checks (magic, version, counts, opcodes, value indices, sizing)
export const ERR_RULE_NOT_CONFIGURED: i32 = -71; // no rule programs accepted yet (ruleLoad), or the instrument was never configured with one
export const ERR_RULE_INSTRUMENT: i32 = -72; // instrument outside 0 .. 1023, or program index outside the loaded programs
