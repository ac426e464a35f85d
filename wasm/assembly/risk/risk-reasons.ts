// Reason codes of the core's pre-trade risk decisions. riskCheckOrder returns one of
// them (0 = accepted) and writes every non-zero one as a risk record (REJECT kind) on the
// outbound ring. Mirrored, with names and messages, by engine/risk/risk-reason.ts.
//
// Risk record (kind = KIND_REJECT | DIRECTION_OUTBOUND, written only by the risk module):
//
//   0      4      8              16             24             32             40             48             56            64
//   | kind | inst | ts_exchange  | ts_local     | price (f64)  | size (f64)   | a (f64)      | b (f64)      | id (u64)    |
//                   order time     risk clock     order price    signed qty     reason code    limit value    order id
//
//   OrderDenied (reasons 1..15, 17..20): the order was not accepted; `b` is the limit it met
//     (e.g. the largest allowed notional, the band centre, the lot size); `id` is 0 (a refused
//     order takes no client order id).
//   OrderDeferred (reasons DEFERRED_*: 5, 10, 21): an exit that may not go now; retry it later.
//   FlattenRequired (reason KILL_SWITCH_FLATTEN): the kill switch tripped; `size` is the
//     signed quantity that closes the position, `price` its mark, `b` the equity at the trip,
//     `id` 0.

export const RISK_ACCEPTED: i32 = 0;
export const REASON_INVALID_ORDER: i32 = 1; // quantity zero or non-finite, price not finite and > 0
export const REASON_UNKNOWN_INSTRUMENT: i32 = 2; // no riskConfigureInstrument for this id
export const REASON_KILL_SWITCH: i32 = 3; // halted: new exposure denied
export const REASON_STALE_PRICE: i32 = 4; // new exposure with no fresh last trade
export const REASON_DEFERRED_STALE_PRICE: i32 = 5; // exit with no fresh last trade: retry later
export const REASON_PRICE_BAND: i32 = 6; // order price too far from the last trade
export const REASON_LOT_SIZE: i32 = 7; // quantity not a multiple of the lot size
export const REASON_MIN_NOTIONAL: i32 = 8; // notional below the minimum (full closes exempt)
export const REASON_ORDER_RATE: i32 = 9; // too many orders in the rolling window
export const REASON_DEFERRED_ORDER_RATE: i32 = 10; // exit over the order rate: retry later
export const REASON_DAILY_LOSS: i32 = 11; // loss since the start of the UTC day at the limit
export const REASON_MAX_POSITION: i32 = 12; // position notional above its share of equity
export const REASON_ASSET_CLASS: i32 = 13; // asset-class exposure above its share of equity
export const REASON_GROSS_EXPOSURE: i32 = 14; // gross exposure above the absolute cap
export const REASON_LEVERAGE: i32 = 15; // gross exposure / equity above the cap
export const REASON_KILL_SWITCH_FLATTEN: i32 = 16; // flatten record emitted by a trip
export const REASON_ORDER_UNCERTAIN: i32 = 17; // an order on the instrument is UNCERTAIN: new exposure denied until it resolves
export const REASON_ORDER_TABLE_FULL: i32 = 18; // every order slot holds a live order
export const REASON_FEED_REDUCE_ONLY: i32 = 19; // the instrument's feed is degraded and its policy is reduce-only: new exposure denied (b: the condition mask)
export const REASON_FEED_HALT: i32 = 20; // the instrument's feed is degraded and its policy halts it: every new order denied (b: the condition mask)
export const REASON_DEFERRED_FEED_HALT: i32 = 21; // exit while the instrument is halted by its feed health: retry once it recovers
export const REASON_STRATEGY_PAUSED: i32 = 22; // never a risk record: the order stage's outcome when an operator's pause kept the strategy's target from adding exposure
