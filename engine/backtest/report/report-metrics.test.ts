// Metrics of the backtest report against values computed by hand on small series.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RoundTrip } from '../../portfolio/index.js';
import type { BacktestRecording, EquityPoint, RecordedBar, RecordedFill } from '../backtest-recording.js';
import { computeReport } from './compute-report.js';
import { exposure } from './exposure.js';
import { monthlyReturns } from './monthly-returns.js';
import { regimeBreakdown } from './regime-breakdown.js';
import { cagr, maxDrawdown, medianGapNs, medianIntervalNs, periodsPerYear, returnStats, simpleReturns } from './return-metrics.js';
import { tradeExcursion, worstDecile } from './trade-excursions.js';
import { tradeStats } from './trade-metrics.js';

const HOUR = 3_600_000_000_000n;
const DAY = 24n * HOUR;
const T0 = 1_713_229_200_000_000_000n; // 2024-04-16T01:00:00Z

function trip(instrument: number, entryNs: bigint, exitNs: bigint, qty: number, entryPrice: number, exitPrice: number, netPnl: number, fees = 0): RoundTrip {
  return {
    instrument, entryNs, exitNs, qty, entryPrice, exitPrice, netPnl,
    entryOrderId: 1n, exitOrderId: 2n, grossPnl: (exitPrice - entryPrice) * qty, entryFees: fees / 2, exitFees: fees / 2, rate: 1, entryRule: 0, exitRule: 0,
  };
}

function points(values: number[], step: bigint, start = T0): EquityPoint[] {
  return values.map((equity, i) => ({ timeNs: start + BigInt(i) * step, equity, cash: equity }));
}

function bar(timeNs: bigint, regime?: string, high = 101, low = 99): RecordedBar {
  return { timeNs, open: 100, high, low, close: 100, ...(regime === undefined ? {} : { regime }) };
}

describe('return metrics', () => {
  // Daily equity 100, 110, 99, 108.9, 119.79: returns +10%, -10%, +10%, +10%.
  const daily = points([100, 110, 99, 108.9, 119.79], DAY);
  const times = daily.map((p) => p.timeNs);
  const values = daily.map((p) => p.equity);
  const perYear = 365.25;

  it('annualises with the intervals the series has over its span in 365.25-day years', () => {
    expect(periodsPerYear(times), 'daily points every day').toBeCloseTo(365.25, 9);
    expect(medianIntervalNs(times), 'median interval of daily points').toBe(Number(DAY));
    expect(medianIntervalNs([0n, 10n, 20n, 1000n]), 'median of gaps 10, 10, 980').toBe(10);
    expect(periodsPerYear([T0]), 'one point').toBeNull();
    expect(periodsPerYear([T0, T0]), 'no positive interval').toBeNull();
  });

  it('annualises a market closed at weekends by the bars it has, not by its median interval', () => {
    // Two years of daily closes Monday to Friday (2024-01-01 was a Monday): 522 points, 260 a year.
    const monday = BigInt(Date.UTC(2024, 0, 1, 21)) * 1_000_000n;
    const weekdays: EquityPoint[] = [];
    for (let d = 0; d < 730; d++) if (d % 7 < 5) weekdays.push({ timeNs: monday + BigInt(d) * DAY, equity: 100 + (d % 3), cash: 100 });
    const spanDays = Number(weekdays[weekdays.length - 1].timeNs - weekdays[0].timeNs) / Number(DAY);
    const expected = (weekdays.length - 1) / (spanDays / 365.25);
    expect(expected).toBeGreaterThan(255);
    expect(expected).toBeLessThan(265);
    const report = computeReport(recordingOf([bar(monday)], weekdays, []));
    expect(report.annualisation.periodsPerYear, 'observed: ~261 a year, not 365.25 (the median interval is one day)').toBeCloseTo(expected, 9);
    expect(report.annualisation.intervals).toBe(weekdays.length - 1);
    expect(report.annualisation.medianIntervalSeconds).toBe(86_400);
    const returns = simpleReturns(weekdays.map((p) => p.equity));
    expect(report.account.sharpe, 'Sharpe annualised with the observed periods').toBeCloseTo(returnStats(returns, expected).sharpe!, 12);
  });

  it('computes Sharpe, Sortino and volatility from per-period simple returns', () => {
    const returns = simpleReturns(values);
    returns.forEach((r, i) => expect(r, `return ${i}`).toBeCloseTo([0.1, -0.1, 0.1, 0.1][i], 12));
    const stats = returnStats(returns, perYear);
    // mean 0.05; sample std sqrt(0.03 / 3) = 0.1; downside deviation sqrt(0.01 / 4) = 0.05
    expect(stats.meanReturn).toBeCloseTo(0.05, 12);
    expect(stats.annualisedVolatility, 'std 0.1 * sqrt(365.25)').toBeCloseTo(0.1 * Math.sqrt(365.25), 10);
    expect(stats.sharpe, 'mean / std * sqrt(365.25) = 0.5 * 19.1116').toBeCloseTo(0.5 * Math.sqrt(365.25), 10);
    expect(stats.sortino, 'mean / downside deviation * sqrt(365.25) = 1 * 19.1116').toBeCloseTo(Math.sqrt(365.25), 10);
    expect(stats.compoundedReturn).toBeCloseTo(0.1979, 12);
  });

  it('gives null Sharpe and Sortino when undefined', () => {
    const flat = returnStats([0.01, 0.01, 0.01], perYear);
    expect(flat.sharpe, 'zero std').toBeNull();
    expect(flat.sortino, 'no losing period').toBeNull();
    expect(returnStats([0.01], perYear).sharpe, 'one period has no sample std').toBeNull();
  });

  it('computes CAGR over the span of the series', () => {
    expect(cagr(times[0], times[4], 100, 119.79)).toBeCloseTo(Math.pow(1.1979, 365.25 / 4) - 1, 6);
    expect(cagr(0n, BigInt(365.25 * 86_400e9), 100, 121)).toBeCloseTo(0.21, 12);
    expect(cagr(0n, 0n, 100, 121), 'zero span').toBeNull();
    expect(cagr(0n, DAY, 100, 0), 'wiped out').toBe(-1);
  });

  it('finds the maximum drawdown and its duration to recovery', () => {
    const dd = maxDrawdown(times, values);
    expect(dd.maxDrawdown, '110 -> 99').toBeCloseTo(0.1, 12);
    expect([dd.peakIndex, dd.troughIndex, dd.recoveryIndex]).toEqual([1, 2, 4]);
    expect(dd.durationBars, 'peak at point 1, back above 110 at point 4').toBe(3);
    expect(dd.durationDays).toBe(3);
    expect(dd.recovered).toBe(true);
  });

  it('measures an unrecovered drawdown to the end of the series', () => {
    const series = points([100, 120, 90, 100, 95], HOUR);
    const dd = maxDrawdown(series.map((p) => p.timeNs), series.map((p) => p.equity));
    expect(dd.maxDrawdown, '120 -> 90').toBeCloseTo(0.25, 12);
    expect(dd.recoveryIndex).toBeNull();
    expect(dd.recovered).toBe(false);
    expect(dd.durationBars, 'from the peak (point 1) to the last point (4)').toBe(3);
    expect(dd.durationDays).toBeCloseTo(3 / 24, 12);
    expect(maxDrawdown([0n, 1n], [1, 2]).maxDrawdown, 'never below a peak').toBe(0);
  });
});

describe('trade metrics', () => {
  it('computes win rate, profit factor and expectancy', () => {
    const s = tradeStats([trip(0, 0n, 1n, 1, 100, 110, 10), trip(0, 0n, 1n, 1, 100, 95, -5), trip(0, 0n, 1n, -1, 100, 90, 7), trip(0, 0n, 1n, 1, 100, 100, 0)]);
    expect(s.trades).toBe(4);
    expect(s.winRate, '2 winners of 4 (a 0 trade is neither)').toBe(0.5);
    expect(s.profitFactor, '17 / 5').toBeCloseTo(3.4, 12);
    expect(s.expectancy, '12 / 4').toBe(3);
    expect([s.winners, s.losers, s.averageWin, s.averageLoss]).toEqual([2, 1, 8.5, -5]);
  });

  it('gives a null profit factor with no losing trade, and nulls with no trade', () => {
    expect(tradeStats([trip(0, 0n, 1n, 1, 100, 110, 10)]).profitFactor, 'no loser').toBeNull();
    const none = tradeStats([]);
    expect([none.winRate, none.profitFactor, none.expectancy]).toEqual([null, null, null]);
  });
});

describe('exposure', () => {
  const fill = (timeNs: bigint, side: 'buy' | 'sell', quantity: number, instrument = 0): RecordedFill => ({ timeNs, instrument, side, quantity, price: 100, fee: 0, orderId: 1n, maker: false });

  it('is the time-weighted fraction of the span with a position', () => {
    const fills = [fill(0n, 'buy', 1), fill(6n * HOUR, 'sell', 1)];
    expect(exposure(fills, 0n, 12n * HOUR), 'long for 6 of 12 hours').toBe(0.5);
    const partial = [fill(0n, 'buy', 2), fill(3n * HOUR, 'sell', 1), fill(6n * HOUR, 'sell', 2), fill(9n * HOUR, 'buy', 1)];
    expect(exposure(partial, 0n, 12n * HOUR), 'long, then short until 9h').toBe(0.75);
    const open = [fill(3n * HOUR, 'buy', 0.1), fill(4n * HOUR, 'buy', 0.2)];
    expect(exposure(open, 0n, 12n * HOUR), 'still open at the end').toBe(0.75);
  });

  it('counts time with a position in any instrument of the set once', () => {
    const fills = [fill(0n, 'buy', 1, 0), fill(2n * HOUR, 'buy', 1, 1), fill(4n * HOUR, 'sell', 1, 0), fill(6n * HOUR, 'sell', 1, 1)];
    expect(exposure(fills, 0n, 12n * HOUR)).toBe(0.5);
    expect(exposure(fills, 0n, 12n * HOUR, new Set([1]))).toBeCloseTo(1 / 3, 12);
  });
});

describe('regime breakdown', () => {
  // Bars open at T0..T0+3h labelled A, A, B, B; equity at their closes (T0+1h..T0+4h).
  const bars = [bar(T0, 'A'), bar(T0 + HOUR, 'A'), bar(T0 + 2n * HOUR, 'B'), bar(T0 + 3n * HOUR, 'B')];
  const equity = points([100, 110, 99, 108.9], HOUR, T0 + HOUR);
  const trades = [
    trip(0, T0, T0 + 2n * HOUR, 1, 100, 105, 5),
    trip(0, T0 + 2n * HOUR + HOUR / 2n, T0 + 3n * HOUR, 1, 100, 97, -3),
    trip(0, T0 + 3n * HOUR, T0 + 4n * HOUR, 1, 100, 101, 1),
  ];

  it('splits trades by their entry bar and returns by the bar in progress', () => {
    const b = regimeBreakdown(trades, () => bars, equity, 'ETHUSDT', bars, 8766);
    expect(Object.keys(b.regimes)).toEqual(['A', 'B']);
    const a = b.regimes.A;
    const bb = b.regimes.B;
    expect(a.returns.periods, 'T0+1h -> T0+2h runs over the A bar at T0+1h').toBe(1);
    expect(a.returns.compoundedReturn).toBeCloseTo(0.1, 12);
    expect(bb.returns.periods).toBe(2);
    expect(bb.returns.compoundedReturn, '0.9 * 1.1 - 1').toBeCloseTo(-0.01, 12);
    expect(a.shareOfPeriods).toBeCloseTo(1 / 3, 12);
    expect([a.trades.trades, a.trades.profitFactor], 'one winner entered in A').toEqual([1, null]);
    expect([bb.trades.trades, bb.trades.expectancy], 'a loser (entered inside the B bar) and a winner').toEqual([2, -1]);
    expect(bb.trades.profitFactor).toBeCloseTo(1 / 3, 12);
    expect(b.tradesWithoutLabel).toBe(0);
  });

  it('reports no regime breakdown without labels', () => {
    const report = computeReport(recordingOf([bar(T0), bar(T0 + HOUR)], equity, []));
    expect(report.byRegime).toBeNull();
    expect(report.byInstrument.ETHUSDT.byRegime).toBeNull();
  });

  it('puts the breakdown into the report', () => {
    const report = computeReport(recordingOf(bars, equity, trades));
    expect(report.byRegime?.referenceInstrument).toBe('ETHUSDT');
    expect(report.byRegime?.regimes.B.trades.trades).toBe(2);
    expect(report.annualisation.periodsPerYear, 'hourly points').toBeCloseTo(8766, 9);
  });
});

describe('worst trades and giveback', () => {
  it('takes the peak from the bars between entry and exit', () => {
    const bars = [bar(T0, undefined, 104, 99), bar(T0 + HOUR, undefined, 110, 98), bar(T0 + 2n * HOUR, undefined, 120, 90)];
    const long = tradeExcursion(trip(0, T0, T0 + 2n * HOUR, 2, 100, 103, 5), bars);
    expect(long.bars, 'entry bar and the next; the exit bar opens at the exit').toBe(2);
    expect(long.peakUnrealised, '(110 - 100) * 2').toBe(20);
    expect(long.giveback, '20 - realised gross 6').toBe(14);
    const short = tradeExcursion(trip(0, T0, T0 + 2n * HOUR, -1, 100, 99, 1), bars);
    expect(short.peakUnrealised, '(98 - 100) * -1').toBe(2);
    expect(short.giveback).toBe(1);
  });

  it('takes the bottom decile by net P&L', () => {
    const trades = Array.from({ length: 11 }, (_, i) => trip(0, 0n, 1n, 1, 100, 100, i - 5));
    expect(worstDecile(trades).map((t) => t.netPnl), 'ceil(11 / 10) = 2 worst').toEqual([-5, -4]);
    expect(worstDecile([])).toEqual([]);
  });
});

describe('monthly returns', () => {
  it('chains month-end equity', () => {
    const jan = 1_704_067_200_000_000_000n; // 2024-01-01
    const eq: EquityPoint[] = [
      { timeNs: jan, equity: 100, cash: 0 },
      { timeNs: jan + 10n * DAY, equity: 105, cash: 0 },
      { timeNs: jan + 40n * DAY, equity: 94.5, cash: 0 },
      { timeNs: jan + 370n * DAY, equity: 99.225, cash: 0 },
    ];
    const months = monthlyReturns(eq);
    expect(months.map((m) => [m.year, m.month])).toEqual([[2024, 1], [2024, 2], [2025, 1]]);
    expect(months[0].return).toBeCloseTo(0.05, 12);
    expect(months[1].return).toBeCloseTo(-0.1, 12);
    expect(months[2].return).toBeCloseTo(0.05, 12);
  });
});

function recordingOf(bars: RecordedBar[], equity: EquityPoint[], trades: RoundTrip[]): BacktestRecording {
  return {
    instruments: [{ id: 0, symbol: 'ETHUSDT', strategy: 'trend', assetClass: 'crypto', timeframe: '1h' }],
    fills: [],
    trades,
    equity,
    bars: [bars],
    totals: { startingCash: 100, finalEquity: equity[equity.length - 1].equity, finalCash: 100, fees: 0, slippage: 0, funding: 0, turnover: 0 },
    events: bars.length,
    startNs: bars[0].timeNs,
    endNs: bars[bars.length - 1].timeNs,
    fillsHash: '',
  };
}

describe('medianGapNs (a selection, not a sort)', () => {
  it('gives the median a sort gives, for any gaps, many of them equal', () => {
    const gap = fc.oneof(fc.constantFrom(3_600e9, 60e9, 86_400e9), fc.integer({ min: 1, max: 1_000 }).map((n) => n * 1e9));
    fc.assert(fc.property(fc.array(gap, { minLength: 1, maxLength: 400 }), (values) => {
      const sorted = [...values].sort((a, b) => a - b);
      const mid = sorted.length >> 1;
      const expected = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
      expect(medianGapNs(Float64Array.from(values))).toBe(expected);
    }), { numRuns: 500 });
    expect(medianGapNs(new Float64Array(0))).toBeNull();
  });
});
