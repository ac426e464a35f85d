// Reads the core's risk account from the shared memory on the I/O thread, with no core
// call: cash, equity, high-water mark, the kill switch, and each instrument's position,
// working quantity and mark (the shapes of engine/risk's RiskAccountState and
// RiskInstrumentState). Plain loads of the RISK region (engine/risk/risk-region.ts); the
// halted flag and the trip count are read atomically, so a poller sees a trip as soon as the
// core made it.
import * as R from '../risk/risk-region.js';
import type { RiskAccountState, RiskInstrumentState } from '../risk/index.js';

export interface RiskAccountSnapshot extends RiskAccountState {
  /** Drawdown from the high-water mark, as a fraction of it. */
  readonly drawdown: number;
  /** Risk-clock time (ns) of the last trip; 0 before any. */
  readonly tripTsNs: bigint;
}

export interface InstrumentRiskSnapshot extends RiskInstrumentState {
  readonly instrument: number;
}

export function readRiskAccount(memory: WebAssembly.Memory): RiskAccountSnapshot {
  const view = new DataView(memory.buffer);
  const words = new Int32Array(memory.buffer);
  const h = R.RISK_REGION_OFFSET;
  const f64 = (field: number) => view.getFloat64(h + field, true);
  const cash = f64(R.RH_CASH);
  const marketValue = f64(R.RH_MARKET_VALUE);
  const equity = cash + marketValue;
  const highWaterMark = f64(R.RH_HWM);
  return {
    cash,
    marketValue,
    equity,
    highWaterMark,
    dayStartEquity: f64(R.RH_DAY_START_EQUITY),
    drawdown: highWaterMark > 0 ? Math.max(0, (highWaterMark - equity) / highWaterMark) : 0,
    halted: Atomics.load(words, (h + R.RH_HALTED) >> 2) === 1,
    tripCount: Atomics.load(words, (h + R.RH_TRIP_COUNT) >> 2),
    tripEquity: f64(R.RH_TRIP_EQUITY),
    tripTsNs: view.getBigInt64(h + R.RH_TRIP_TS_NS, true),
    clockNs: view.getBigInt64(h + R.RH_CLOCK_NS, true),
  };
}

export function readInstrumentRisk(memory: WebAssembly.Memory, instrument: number): InstrumentRiskSnapshot {
  if (!Number.isInteger(instrument) || instrument < 0 || instrument >= R.RISK_INSTRUMENT_CAPACITY) {
    throw new RangeError(`risk instrument must be an integer in [0, ${R.RISK_INSTRUMENT_CAPACITY}), was ${instrument}`);
  }
  const view = new DataView(memory.buffer);
  const s = R.RISK_SLOTS_OFFSET + instrument * R.RISK_SLOT_BYTES;
  const f64 = (field: number) => view.getFloat64(s + field, true);
  return {
    instrument,
    position: f64(R.RS_POSITION),
    averagePrice: f64(R.RS_AVG_PRICE),
    pendingBuy: f64(R.RS_PENDING_BUY),
    pendingSell: f64(R.RS_PENDING_SELL),
    mark: f64(R.RS_MARK),
    markTsNs: view.getBigInt64(s + R.RS_MARK_TS, true),
    hasMark: view.getInt32(s + R.RS_HAS_MARK, true) === 1,
  };
}
