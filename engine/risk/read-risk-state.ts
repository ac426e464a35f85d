// Reads the core's risk account and one instrument's risk slot out of the RISK region
// (risk-region.ts) with plain loads, no core call: used by the WASM glue on the engine side
// and by snapshots on the I/O thread. The halted flag and the trip count are read
// atomically, so a poller on another thread sees a trip as soon as the core made it.
import * as R from './risk-region.js';
import type { RiskAccountState, RiskInstrumentState } from './risk-engine.js';

export function readRiskAccountState(view: DataView, words: Int32Array): RiskAccountState {
  const h = R.RISK_REGION_OFFSET;
  const cash = view.getFloat64(h + R.RH_CASH, true);
  const marketValue = view.getFloat64(h + R.RH_MARKET_VALUE, true);
  return {
    cash,
    marketValue,
    equity: cash + marketValue,
    highWaterMark: view.getFloat64(h + R.RH_HWM, true),
    dayStartEquity: view.getFloat64(h + R.RH_DAY_START_EQUITY, true),
    halted: Atomics.load(words, (h + R.RH_HALTED) >> 2) === 1,
    tripCount: Atomics.load(words, (h + R.RH_TRIP_COUNT) >> 2),
    tripEquity: view.getFloat64(h + R.RH_TRIP_EQUITY, true),
    clockNs: view.getBigInt64(h + R.RH_CLOCK_NS, true),
  };
}

/** The risk slot at byte offset `slot` (R.RISK_SLOTS_OFFSET + instrument * R.RISK_SLOT_BYTES). */
export function readRiskInstrumentState(view: DataView, slot: number): RiskInstrumentState {
  return {
    position: view.getFloat64(slot + R.RS_POSITION, true),
    averagePrice: view.getFloat64(slot + R.RS_AVG_PRICE, true),
    pendingBuy: view.getFloat64(slot + R.RS_PENDING_BUY, true),
    pendingSell: view.getFloat64(slot + R.RS_PENDING_SELL, true),
    mark: view.getFloat64(slot + R.RS_MARK, true),
    markTsNs: view.getBigInt64(slot + R.RS_MARK_TS, true),
    hasMark: view.getInt32(slot + R.RS_HAS_MARK, true) === 1,
    priceInHandNs: view.getBigInt64(slot + R.RS_PRICE_IN_HAND_NS, true),
    multiplier: view.getFloat64(slot + R.RS_MULTIPLIER, true),
    currency: view.getInt32(slot + R.RS_CURRENCY, true),
    settlement: view.getInt32(slot + R.RS_SETTLEMENT, true),
    valueFactor: view.getFloat64(slot + R.RS_VALUE_FACTOR, true),
    value: view.getFloat64(slot + R.RS_VALUE, true),
    costBasis: view.getFloat64(slot + R.RS_COST_BASIS, true),
  };
}

/**
 * How many risk records (denials, deferrals, flatten records) the core has published since its
 * account started (R.RH_RISK_RECORDS): restored with a checkpoint, so the n-th record after it has
 * the same number in every process that replays it. Read it while the core is idle (at start).
 */
export function riskRecordsPublished(memory: WebAssembly.Memory): bigint {
  return new DataView(memory.buffer).getBigInt64(R.RISK_REGION_OFFSET + R.RH_RISK_RECORDS, true);
}
