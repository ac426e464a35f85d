// Reads the core's risk account on the I/O thread, with no core call: engine/risk's account
// and instrument state (read-risk-state.ts), plus what a report or a kill-switch poller
// wants next to them (the drawdown, the time of the last trip, the instrument id, the drawdown
// limit).
import { readRiskAccountState, readRiskInstrumentState, RiskLayout as R } from '../risk/index.js';
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
  const account = readRiskAccountState(view, new Int32Array(memory.buffer));
  const { highWaterMark: hwm, equity } = account;
  return {
    ...account,
    drawdown: hwm > 0 ? Math.max(0, (hwm - equity) / hwm) : 0,
    tripTsNs: view.getBigInt64(R.RISK_REGION_OFFSET + R.RH_TRIP_TS_NS, true),
  };
}

/** The kill switch's drawdown limit (risk.maxDrawdownPct, a fraction) as the core holds it. */
export function readDrawdownLimit(memory: WebAssembly.Memory): number {
  return new DataView(memory.buffer).getFloat64(R.RISK_REGION_OFFSET + R.RH_MAX_DRAWDOWN_PCT, true);
}

export function readInstrumentRisk(memory: WebAssembly.Memory, instrument: number): InstrumentRiskSnapshot {
  if (!Number.isInteger(instrument) || instrument < 0 || instrument >= R.RISK_INSTRUMENT_CAPACITY) {
    throw new RangeError(`risk instrument must be an integer in [0, ${R.RISK_INSTRUMENT_CAPACITY}), was ${instrument}`);
  }
  const slot = R.RISK_SLOTS_OFFSET + instrument * R.RISK_SLOT_BYTES;
  return { instrument, ...readRiskInstrumentState(new DataView(memory.buffer), slot) };
}
