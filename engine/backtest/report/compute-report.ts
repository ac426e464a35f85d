// report.json: the run's metrics for the account, per strategy, per instrument and per
// regime, and its orders by how they ended (each by reason), computed from a BacktestRecording alone. Return metrics come from the equity
// series (return-metrics.ts), trade metrics from the round trips (trade-metrics.ts),
// exposure and traded notional from the fills (exposure.ts). Amounts are in the account
// currency unless named otherwise; numbers are plain JSON numbers, null where undefined;
// times are ISO 8601 UTC. `definitions` repeats each metric's definition for readers of the JSON.
import type { BacktestRecording, FinalTimePastLimit, RecordedBar, RecordedOrders } from '../backtest-recording.js';
import { exposure, fillFees, tradedNotional } from './exposure.js';
import { formatIsoNs } from './iso-time.js';
import { fillsHash } from './fills-csv.js';
import { monthlyReturns, type MonthlyReturn } from './monthly-returns.js';
import { hasRegimeLabels, regimeBreakdown, type RegimeBreakdown } from './regime-breakdown.js';
import { cagr, DAYS_PER_YEAR, maxDrawdown, medianIntervalNs, observedPeriodsPerYear, returnStats, sampling, simpleReturns, type ReturnStats } from './return-metrics.js';
import { tradeStats, type TradeStats } from './trade-metrics.js';

export interface DrawdownReport {
  readonly maxDrawdown: number;
  readonly peakTime: string | null;
  readonly troughTime: string | null;
  readonly recoveryTime: string | null;
  readonly recovered: boolean;
  readonly durationDays: number;
  readonly durationBars: number;
}

export interface AccountReport extends TradeStats, Omit<ReturnStats, 'compoundedReturn'> {
  readonly startingCash: number;
  readonly firstEquity: number | null;
  readonly finalEquity: number;
  readonly finalCash: number;
  readonly totalReturn: number | null;
  readonly cagr: number | null;
  readonly calmar: number | null;
  readonly drawdown: DrawdownReport;
  readonly exposure: number | null;
  readonly turnover: number;
  readonly fees: number;
  readonly slippage: number;
  readonly funding: number;
  readonly fills: number;
  /** The drawdown kill switch: null when the run had no risk stage. */
  readonly killSwitch: KillSwitchReport | null;
}

/** Whether the kill switch tripped: after a trip the book was flattened and nothing added exposure again. */
export interface KillSwitchReport {
  readonly trips: number;
  readonly halted: boolean;
  readonly lastTrip: string | null;
  readonly tripEquity: number | null;
  readonly highWaterMark: number | null;
  /** Instruments with a position at the end: 0 after a trip unless the data ended before its flatten orders filled. */
  readonly openPositionsAtEnd: number;
  /**
   * Not halted, yet the data's last time ended at least risk.maxDrawdownPct below the high-water
   * mark: a time is tested once the risk clock leaves it, which the last never is, so it tripped
   * nothing (null otherwise).
   */
  readonly finalTimePastLimit: { readonly time: string; readonly equity: number; readonly highWaterMark: number; readonly drawdown: number; readonly maxDrawdownPct: number } | null;
}

/** Orders that ended one way: how many, and how many for each reason (by name; only reasons that occurred). */
export interface OrderOutcome {
  readonly count: number;
  readonly byReason: Readonly<Record<string, number>>;
}

/** The run's orders by how they ended. */
export interface OrdersReport {
  readonly sent: number;
  readonly filled: number;
  readonly canceled: OrderOutcome;
  readonly rejected: OrderOutcome;
  readonly expired: OrderOutcome;
  /** Refused by the pre-trade checks before they were created (by risk reason). */
  readonly refused: OrderOutcome;
  readonly working: number;
}

/** A part of the book (one strategy, one instrument): its trades, fills, exposure and turnover. */
export interface SliceReport extends TradeStats {
  readonly fills: number;
  /** Sum of its fills' fees (quote currency). */
  readonly fees: number;
  readonly exposure: number | null;
  /** Its traded notional (sum of |quantity * price| of its fills) / starting cash. */
  readonly turnover: number;
}

export interface InstrumentReport extends SliceReport {
  readonly strategy: string | null;
  readonly assetClass: string;
  readonly timeframe: string | null;
  readonly bars: number;
  /** This instrument's trades and the account returns split by its own labels; null without labels. */
  readonly byRegime: RegimeBreakdown | null;
}

export interface StrategyReport extends SliceReport {
  readonly instruments: readonly string[];
}

export interface BacktestReport {
  readonly title: string;
  readonly period: { readonly start: string; readonly end: string; readonly firstEquity: string | null; readonly lastEquity: string | null; readonly equityPoints: number; readonly events: number };
  /**
   * How the per-period figures are annualised: `periodsPerYear` = `intervals` (between distinct
   * equity times) / (`spanSeconds` in 365.25-day years); `medianIntervalSeconds` is the series'
   * typical interval (its bar length), for reference.
   */
  readonly annualisation: {
    readonly periodsPerYear: number | null;
    readonly intervals: number;
    readonly spanSeconds: number;
    readonly medianIntervalSeconds: number | null;
    readonly daysPerYear: number;
  };
  readonly account: AccountReport;
  /** Null when the run had no risk stage (no order table). */
  readonly orders: OrdersReport | null;
  readonly byStrategy: Readonly<Record<string, StrategyReport>>;
  readonly byInstrument: Readonly<Record<string, InstrumentReport>>;
  /** Null when no bar carries a regime label (no regime model). */
  readonly byRegime: RegimeBreakdown | null;
  readonly monthlyReturns: readonly MonthlyReturn[];
  /** SHA-256 of fills.csv. */
  readonly fillsSha256: string;
  readonly definitions: Readonly<Record<string, string>>;
  readonly config?: unknown;
}

export const METRIC_DEFINITIONS: Readonly<Record<string, string>> = {
  returns: 'per-period simple returns r_i = E_i / E_(i-1) - 1 between consecutive equity points',
  periodsPerYear: 'intervals between distinct equity times / their span in 365.25-day years (~8,766 for hourly bars around the clock, ~252 for daily bars of a market closed at weekends)',
  cagr: '(E_last / E_first) ^ (365.25 days / (t_last - t_first)) - 1',
  totalReturn: 'E_last / E_first - 1',
  annualisedVolatility: 'sample std (n - 1) of r_i * sqrt(periodsPerYear)',
  sharpe: 'mean(r_i) / sample std(r_i) * sqrt(periodsPerYear), risk-free rate 0',
  sortino: 'mean(r_i) / sqrt(sum(min(r_i, 0)^2) / n) * sqrt(periodsPerYear), target 0',
  maxDrawdown: 'max over i of 1 - E_i / max(E_0..E_i), a fraction',
  drawdownDuration: 'from the peak before the maximum drawdown to the first point back at or above it (or to the last point if never), in days and in equity intervals (bars)',
  calmar: 'cagr / maxDrawdown',
  winRate: 'trades with netPnl > 0 / trades',
  profitFactor: 'sum of winning netPnl / |sum of losing netPnl|; null with no losing trade',
  expectancy: 'mean netPnl per trade (account currency)',
  exposure: 'time-weighted fraction of [first, last equity point] with a non-zero position (any instrument of the slice), positions rebuilt from the fills',
  turnover: 'account: traded notional / starting cash as the core reports it; per strategy and instrument: sum |quantity * price| of its fills / starting cash (no multiplier or currency rate)',
  fees: 'account: fees the core charged, each instrument\'s converted at its quote currency\'s rate (account currency); per slice: sum of its fills fee column (quote currency)',
  slippage: 'slippage against the decision price (> 0 a cost), account total from the core (account currency, as fees)',
  funding: 'funding paid (> 0) or received (< 0), account total from the core (account currency, as fees)',
  orders: 'orders the core sent (sent), and how they ended: filled; canceled, rejected (by the venue) and expired, each with byReason, the venue\'s reason named as the dashboard\'s orders topic names it (canceled: requested, unfilled (an IOC or FOK remainder), reduce-only (no position left to reduce); rejected: invalid, post-only, unknown-order, full; expired: time-in-force, post-only-would-take; reconciled: the venue\'s order status closed it); refused: orders the pre-trade checks refused before they were created, byReason by risk reason; working: still live at the end',
  killSwitch: 'the core\'s drawdown kill switch (risk.maxDrawdownPct): trips, whether it was halted at the end, the time of the last trip and the equity and high-water mark then; a trip flattens the book and no order adds exposure after it; a backtest tests the data\'s last time 1 ns after it, so a drawdown past the limit there trips too (with no bar left to fill the flatten orders); openPositionsAtEnd: instruments with a position at the end; finalTimePastLimit: a run that does not test its last time (a paper session) ended at least risk.maxDrawdownPct below the high-water mark without a trip, null otherwise',

  regimeTrades: 'trades whose entry bar (the bar of its instrument containing the entry time) had the label',
  regimeReturns: 'account returns whose interval ends while a bar of the reference instrument with the label is in progress (the last bar opened strictly before the interval end)',
  monthlyReturns: 'last equity of the UTC month / last equity of the previous month - 1 (first month from the first equity point)',
};

function iso(ns: bigint | undefined): string | null {
  return ns === undefined ? null : formatIsoNs(ns);
}

function killSwitchReport(state: BacktestRecording['totals']['killSwitch']): KillSwitchReport | null {
  if (state === undefined) return null;
  const tripped = state.trips > 0;
  return {
    trips: state.trips,
    halted: state.halted,
    lastTrip: iso(state.lastTripNs),
    tripEquity: tripped ? state.tripEquity : null,
    highWaterMark: tripped ? state.highWaterMark : null,
    openPositionsAtEnd: state.openPositionsAtEnd,
    finalTimePastLimit: finalTimePastLimitReport(state.finalTimePastLimit),
  };
}

function ordersReport(orders: RecordedOrders | undefined): OrdersReport | null {
  if (orders === undefined) return null;
  const { endedBy } = orders;
  return {
    sent: orders.sent,
    filled: orders.filled,
    canceled: { count: orders.canceled, byReason: endedBy.canceled },
    rejected: { count: orders.rejected, byReason: endedBy.rejected },
    expired: { count: orders.expired, byReason: endedBy.expired },
    refused: { count: orders.refused, byReason: orders.refusedBy },
    working: orders.working,
  };
}

function finalTimePastLimitReport(past: FinalTimePastLimit | undefined): KillSwitchReport['finalTimePastLimit'] {
  if (past === undefined) return null;
  const { timeNs, equity, highWaterMark, maxDrawdownPct } = past;
  return { time: formatIsoNs(timeNs), equity, highWaterMark, drawdown: 1 - equity / highWaterMark, maxDrawdownPct };
}

/** Computes report.json's content from the recording (pure; no I/O). */
export function computeReport(recording: BacktestRecording, options: { title?: string; config?: unknown } = {}): BacktestReport {
  const { equity, trades, fills, instruments, totals } = recording;
  const times = equity.map((p) => p.timeNs);
  const values = equity.map((p) => p.equity);
  const medianNs = medianIntervalNs(times);
  const { intervals, spanNs } = sampling(times);
  const perYear = observedPeriodsPerYear(intervals, spanNs);
  const stats = returnStats(simpleReturns(values), perYear);
  const first = equity[0];
  const last = equity[equity.length - 1];
  const growth = first && last ? cagr(first.timeNs, last.timeNs, first.equity, last.equity) : null;
  const dd = maxDrawdown(times, values);
  const fromNs = first?.timeNs ?? recording.startNs;
  const toNs = last?.timeNs ?? recording.endNs;
  const startingCash = totals.startingCash;
  const barsOf = (id: number): readonly RecordedBar[] | undefined => recording.bars[id];

  const slice = (ids: ReadonlySet<number>): SliceReport => ({
    ...tradeStats(trades.filter((t) => ids.has(t.instrument))),
    fills: fills.filter((f) => ids.has(f.instrument)).length,
    fees: fillFees(fills, ids),
    exposure: exposure(fills, fromNs, toNs, ids),
    turnover: startingCash > 0 ? tradedNotional(fills, ids) / startingCash : 0,
  });

  const byInstrument: Record<string, InstrumentReport> = {};
  const strategyIds = new Map<string, Set<number>>();
  for (const instrument of instruments) {
    const bars = barsOf(instrument.id) ?? [];
    const ids = new Set([instrument.id]);
    byInstrument[instrument.symbol] = {
      strategy: instrument.strategy ?? null,
      assetClass: instrument.assetClass,
      timeframe: instrument.timeframe ?? null,
      bars: bars.length,
      ...slice(ids),
      byRegime: hasRegimeLabels(bars)
        ? regimeBreakdown(trades.filter((t) => t.instrument === instrument.id), barsOf, equity, instrument.symbol, bars, perYear)
        : null,
    };
    const name = instrument.strategy ?? '(none)';
    const set = strategyIds.get(name) ?? new Set<number>();
    set.add(instrument.id);
    strategyIds.set(name, set);
  }
  const symbolOf = new Map(instruments.map((i) => [i.id, i.symbol]));
  const byStrategy: Record<string, StrategyReport> = {};
  for (const [name, ids] of strategyIds) byStrategy[name] = { instruments: [...ids].map((id) => symbolOf.get(id) ?? `#${id}`), ...slice(ids) };

  const reference = instruments.find((i) => hasRegimeLabels(barsOf(i.id)));
  const byRegime = reference ? regimeBreakdown(trades, barsOf, equity, reference.symbol, barsOf(reference.id) ?? [], perYear) : null;

  const { compoundedReturn: _compounded, ...accountReturns } = stats;
  return {
    title: options.title ?? 'QuantFlow backtest',
    period: {
      start: formatIsoNs(recording.startNs),
      end: formatIsoNs(recording.endNs),
      firstEquity: iso(first?.timeNs),
      lastEquity: iso(last?.timeNs),
      equityPoints: equity.length,
      events: recording.events,
    },
    annualisation: { periodsPerYear: perYear, intervals, spanSeconds: spanNs / 1e9, medianIntervalSeconds: medianNs === null ? null : medianNs / 1e9, daysPerYear: DAYS_PER_YEAR },
    account: {
      startingCash,
      firstEquity: first?.equity ?? null,
      finalEquity: totals.finalEquity,
      finalCash: totals.finalCash,
      totalReturn: first && last && first.equity !== 0 ? last.equity / first.equity - 1 : null,
      cagr: growth,
      ...accountReturns,
      calmar: growth === null || dd.maxDrawdown === 0 ? null : growth / dd.maxDrawdown,
      drawdown: {
        maxDrawdown: dd.maxDrawdown,
        peakTime: dd.peakIndex === null ? null : formatIsoNs(times[dd.peakIndex]),
        troughTime: dd.troughIndex === null ? null : formatIsoNs(times[dd.troughIndex]),
        recoveryTime: dd.recoveryIndex === null ? null : formatIsoNs(times[dd.recoveryIndex]),
        recovered: dd.recovered,
        durationDays: dd.durationDays,
        durationBars: dd.durationBars,
      },
      exposure: exposure(fills, fromNs, toNs),
      turnover: totals.turnover,
      fees: totals.fees,
      slippage: totals.slippage,
      funding: totals.funding,
      fills: fills.length,
      killSwitch: killSwitchReport(totals.killSwitch),
      ...tradeStats(trades),
    },
    orders: ordersReport(totals.orders),
    byStrategy,
    byInstrument,
    byRegime,
    monthlyReturns: monthlyReturns(equity),
    fillsSha256: fillsHash(recording),
    definitions: METRIC_DEFINITIONS,
    ...(options.config === undefined ? {} : { config: options.config }),
  };
}
