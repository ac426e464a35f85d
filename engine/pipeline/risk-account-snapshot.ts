// Reads the core's risk account from the shared memory on the I/O thread: cash, equity,
// high-water mark, the kill switch, and each instrument's position, working quantity and
// mark. Plain loads of the RISK region (engine/risk/risk-region.ts); the halted flag and the
// trip count are read atomically, so a poller sees a trip as soon as the core made it.
import * as R from '../risk/risk-region.js';

export interface RiskAccountSnapshot {
  cash: number;
  marketValue: number;
  equity: number;
  highWaterMark: number;
  /** Drawdown from the high-water mark, as a fraction of it. */
  drawdown: number;
  halted: boolean;
  tripCount: number;
  /** Equity and risk-clock time (ns) of the last trip; 0 before any. */
  tripEquity: number;
  tripTsNs: bigint;
}

export interface InstrumentRiskSnapshot {
  instrument: number;
  position: number;
  averagePrice: number;
  pendingBuy: number;
  pendingSell: number;
  /** Last price seen (NaN before any) and its time. */
  mark: number;
  markTsNs: bigint;
}

export function readRiskAccount(memory: WebAssembly.Memory): RiskAccountSnapshot {
  const view = new DataView(memory.buffer);
  const words = new Int32Array(memory.buffer);
  const h = R.RISK_REGION_OFFSET;
  const cash = view.getFloat64(h + R.RH_CASH, true);
  const marketValue = view.getFloat64(h + R.RH_MARKET_VALUE, true);
  const equity = cash + marketValue;
  const highWaterMark = view.getFloat64(h + R.RH_HWM, true);
  return {
    cash,
    marketValue,
    equity,
    highWaterMark,
    drawdown: highWaterMark > 0 ? Math.max(0, (highWaterMark - equity) / highWaterMark) : 0,
    halted: Atomics.load(words, (h + R.RH_HALTED) >> 2) === 1,
    tripCount: Atomics.load(words, (h + R.RH_TRIP_COUNT) >> 2),
    tripEquity: view.getFloat64(h + R.RH_TRIP_EQUITY, true),
    tripTsNs: view.getBigInt64(h + R.RH_TRIP_TS_NS, true),
  };
}

export function readInstrumentRisk(memory: WebAssembly.Memory, instrument: number): InstrumentRiskSnapshot {
  if (!Number.isInteger(instrument) || instrument < 0 || instrument >= R.RISK_INSTRUMENT_CAPACITY) {
    throw new RangeError(`risk instrument must be an integer in [0, ${R.RISK_INSTRUMENT_CAPACITY}), was ${instrument}`);
  }
  const view = new DataView(memory.buffer);
  const s = R.RISK_SLOTS_OFFSET + instrument * R.RISK_SLOT_BYTES;
  const hasMark = view.getInt32(s + R.RS_HAS_MARK, true) === 1;
  return {
    instrument,
    position: view.getFloat64(s + R.RS_POSITION, true),
    averagePrice: view.getFloat64(s + R.RS_AVG_PRICE, true),
    pendingBuy: view.getFloat64(s + R.RS_PENDING_BUY, true),
    pendingSell: view.getFloat64(s + R.RS_PENDING_SELL, true),
    mark: hasMark ? view.getFloat64(s + R.RS_MARK, true) : NaN,
    markTsNs: view.getBigInt64(s + R.RS_MARK_TS, true),
  };
}
