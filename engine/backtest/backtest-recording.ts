// What a backtest run records for its outputs (report.json, fills.csv, trades.csv,
// equity.csv, report.html): the fills the simulated venue made, the round trips the
// portfolio closed, the account's equity after each bar, and each instrument's bars with
// the regime the filter gave them. The driver fills it from the outbound ring (never from
// state regions while the core runs); the report modules only read it.
import type { EndedOrdersByReason } from '../orders/index.js';
import type { RoundTrip } from '../portfolio/index.js';
import type { EquitySeries } from './equity-series.js';

export interface RecordedInstrument {
  /** Instrument id of the run (index into `instruments`). */
  readonly id: number;
  readonly symbol: string;
  /** Name of the strategy that trades it (`strategies[].name`), or undefined when none does. */
  readonly strategy?: string;
  /** `crypto`, `equity`, ... (risk.instruments / replayDefaults asset class). */
  readonly assetClass: string;
  /** Bar timeframe the strategy runs on (`1h`, `1m`). */
  readonly timeframe?: string;
}

export interface RecordedFill {
  /** Venue time of the fill, ns since the epoch. */
  readonly timeNs: bigint;
  readonly instrument: number;
  readonly side: 'buy' | 'sell';
  /** Unsigned quantity filled. */
  readonly quantity: number;
  readonly price: number;
  /** Fee in the quote currency (< 0: a rebate). */
  readonly fee: number;
  /** Client order id. */
  readonly orderId: bigint;
  readonly maker: boolean;
}

/** The account after one bar close (one row per distinct close time; the last bar of a time wins). */
export interface EquityPoint {
  readonly timeNs: bigint;
  readonly equity: number;
  readonly cash: number;
}

/** One bar of one instrument, as the core saw it, with the regime the filter gave it. */
export interface RecordedBar {
  /** Bar open time, ns. */
  readonly timeNs: bigint;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Regime label after this bar (`trending`, `mean_reverting`, `choppy`), or undefined without a regime model. */
  readonly regime?: string;
}

/** Account-level totals read from the core after the run (engine/execution's report). */
export interface RecordedTotals {
  readonly startingCash: number;
  readonly finalEquity: number;
  readonly finalCash: number;
  readonly fees: number;
  /** Slippage against the decision price, account currency (> 0 costs). */
  readonly slippage: number;
  /** Funding paid (> 0) or received (< 0). */
  readonly funding: number;
  /** Traded notional / starting cash. */
  readonly turnover: number;
  /** The kill switch at the end of the run (absent: no risk stage, nothing could trip it). */
  readonly killSwitch?: RecordedKillSwitch;
  /** The run's orders and how they ended (absent: no risk stage, no order table). */
  readonly orders?: RecordedOrders;
}

/** The orders of a run by how they ended, read from the order table after the run (engine/execution's report). */
export interface RecordedOrders {
  /** ORDER records written: orders sent, or released by the core's emulation. */
  readonly sent: number;
  readonly filled: number;
  readonly canceled: number;
  readonly rejected: number;
  readonly expired: number;
  /** The canceled, rejected and expired ones by reason name. */
  readonly endedBy: EndedOrdersByReason;
  /** Orders still live (working, in flight, held, UNCERTAIN) at the end. */
  readonly working: number;
  /** Orders the pre-trade checks refused before they were created, and the risk records' refusals by reason name. */
  readonly refused: number;
  readonly refusedBy: Readonly<Record<string, number>>;
}

/** The core's drawdown kill switch over a run: once tripped, the book is flattened and nothing adds exposure again. */
export interface RecordedKillSwitch {
  /** Trips during the run. */
  readonly trips: number;
  /** Halted when the run ended. */
  readonly halted: boolean;
  /** Risk-clock time (ns) of the last trip; undefined before any. */
  readonly lastTripNs?: bigint;
  /** Equity at the last trip, and the high-water mark it fell from (account currency). */
  readonly tripEquity: number;
  readonly highWaterMark: number;
  /**
   * Instruments with a position when the run ended: after a trip the book is flat unless the
   * data ended before the flatten orders filled (a trip on the data's last time, which a
   * backtest tests 1 ns after it: engine/backtest/settle-data-end.ts).
   */
  readonly openPositionsAtEnd: number;
  /**
   * Set when the switch was not halted at the end but the account at the data's last time was
   * risk.maxDrawdownPct or more below the high-water mark: the kill switch reads settled equity,
   * and a time is settled only when the risk clock moves past it, which the last time of a run
   * that does not settle it (a paper session) never is, so that drawdown never tripped it
   * (nothing was flattened). A backtest settles it (settle-data-end.ts): there it trips instead.
   */
  readonly finalTimePastLimit?: FinalTimePastLimit;
}

/** The account at the data's last time, past the drawdown limit, that no trip tested. */
export interface FinalTimePastLimit {
  /** The data's last time (ns), and the equity then (the last row of the equity series). */
  readonly timeNs: bigint;
  readonly equity: number;
  /** The high-water mark it fell from, and the limit (risk.maxDrawdownPct, a fraction). */
  readonly highWaterMark: number;
  readonly maxDrawdownPct: number;
}

export interface BacktestRecording {
  readonly instruments: readonly RecordedInstrument[];
  readonly fills: readonly RecordedFill[];
  readonly trades: readonly RoundTrip[];
  /** The account after each bar close (built from equitySeries on first read). */
  readonly equity: readonly EquityPoint[];
  /** The same rows as columns (what a sweep reads: no object per bar); set by runBacktest. */
  readonly equitySeries?: EquitySeries;
  /** Bars per instrument id (for the price chart and regime shading); empty lists when the run kept none (`recordBars: false`). */
  readonly bars: readonly (readonly RecordedBar[])[];
  readonly totals: RecordedTotals;
  /** Events the run consumed, and the first and last event time (ns). */
  readonly events: number;
  readonly startNs: bigint;
  readonly endNs: bigint;
  /** SHA-256 of the fills (fills.csv's bytes): equal runs print equal hashes. */
  readonly fillsHash: string;
}
