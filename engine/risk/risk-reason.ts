// Reason codes of pre-trade risk decisions, with their names and messages: the TS name
// table of wasm/assembly/risk/risk-reasons.ts (same numbers; test/risk-parity.test.ts
// checks the core emits exactly these).

export const RiskReason = {
  ACCEPTED: 0,
  INVALID_ORDER: 1,
  UNKNOWN_INSTRUMENT: 2,
  KILL_SWITCH: 3,
  STALE_PRICE: 4,
  DEFERRED_STALE_PRICE: 5,
  PRICE_BAND: 6,
  LOT_SIZE: 7,
  MIN_NOTIONAL: 8,
  ORDER_RATE: 9,
  DEFERRED_ORDER_RATE: 10,
  DAILY_LOSS: 11,
  MAX_POSITION: 12,
  ASSET_CLASS: 13,
  GROSS_EXPOSURE: 14,
  LEVERAGE: 15,
  KILL_SWITCH_FLATTEN: 16,
  ORDER_UNCERTAIN: 17,
  ORDER_TABLE_FULL: 18,
  FEED_REDUCE_ONLY: 19,
  FEED_HALT: 20,
  DEFERRED_FEED_HALT: 21,
  /** Never a risk record: a decision's order outcome when an operator's pause kept its strategy's target from adding exposure. */
  STRATEGY_PAUSED: 22,
} as const;

export type RiskReasonCode = (typeof RiskReason)[keyof typeof RiskReason];
export type RiskReasonName = keyof typeof RiskReason;

const NAMES = new Map<number, RiskReasonName>(Object.entries(RiskReason).map(([name, code]) => [code, name as RiskReasonName]));

const MESSAGES: Record<RiskReasonName, string> = {
  ACCEPTED: 'accepted',
  INVALID_ORDER: 'quantity must be finite and non-zero, price finite and > 0',
  UNKNOWN_INSTRUMENT: 'instrument has no risk configuration',
  KILL_SWITCH: 'kill switch is tripped: new exposure is halted until an authenticated reset',
  STALE_PRICE: 'last trade price is older than the staleness threshold: no new exposure',
  DEFERRED_STALE_PRICE: 'exit deferred: last trade price is older than the staleness threshold; retry when a fresh price arrives',
  PRICE_BAND: 'order price outside the band around the last trade',
  LOT_SIZE: 'quantity is not a multiple of the lot size',
  MIN_NOTIONAL: 'order notional below the minimum',
  ORDER_RATE: 'order rate limit reached in the rolling window',
  DEFERRED_ORDER_RATE: 'exit deferred: order rate limit reached in the rolling window; retry later',
  DAILY_LOSS: 'daily loss limit reached: no new exposure until the next UTC day',
  MAX_POSITION: 'position notional would exceed its share of equity',
  ASSET_CLASS: 'asset-class exposure would exceed its share of equity',
  GROSS_EXPOSURE: 'gross exposure would exceed its cap',
  LEVERAGE: 'gross exposure / equity would exceed the leverage cap',
  KILL_SWITCH_FLATTEN: 'kill switch tripped: flatten this position',
  ORDER_UNCERTAIN: 'an order on this instrument is UNCERTAIN (no answer from the venue): new exposure waits until it resolves',
  ORDER_TABLE_FULL: 'every order slot holds a live order: no new order until one closes',
  FEED_REDUCE_ONLY: 'the market-data feed of this instrument is degraded (risk.feedHealth policy reduceOnly): only orders that reduce the position until it recovers',
  FEED_HALT: 'the market-data feed of this instrument is degraded (risk.feedHealth policy halt or cancelAll): no new order until it recovers',
  DEFERRED_FEED_HALT: 'exit deferred: the instrument is halted by its feed health (risk.feedHealth); retry once the feed recovers',
  STRATEGY_PAUSED: 'the strategy is paused by an operator: its target may only reduce the position (exits still trade) until it is resumed',
};

/** Name of a reason code; throws for a code the table does not know (a broken invariant). */
export function riskReasonName(code: number): RiskReasonName {
  const name = NAMES.get(code);
  if (name === undefined) throw new Error(`risk reason code must be one of 0..${NAMES.size - 1}, was ${code}`);
  return name;
}

export function riskReasonMessage(code: number): string {
  return MESSAGES[riskReasonName(code)];
}

/** Deferred decisions are exits the caller should retry later, not denials. */
export function isDeferred(code: number): boolean {
  return code === RiskReason.DEFERRED_STALE_PRICE || code === RiskReason.DEFERRED_ORDER_RATE || code === RiskReason.DEFERRED_FEED_HALT;
}
