// Monte Carlo confidence intervals for a finished backtest (read by backtest-run-files.ts):
//
// (a) bootstrap: the stationary block bootstrap (Politis & Romano 1994; engine/research/stats)
//     of the equity's per-period returns, `runs` resamples with mean block `block`; each resample
//     compounds from the first equity into a path over the original span, and its Sharpe
//     (annualised with report.json's periods per year), maximum drawdown and CAGR are taken;
// (b) trade shuffle: the trade list's net P&L in `runs` random orders, as equity paths from the
//     starting cash. Sharpe is taken over per-trade returns and annualised with the run's trades
//     per year (trades / span in years); CAGR uses the original span. The final equity of every
//     order is the same, so the CAGR interval is a single value: the shuffle speaks to drawdown
//     and path risk, not to the total return. `tradeShuffle.original` is the same measure of the
//     trades in their recorded order: the point the shuffled intervals are read against (the run's
//     own `original` is measured per bar, on the whole equity curve, and is not on that scale).
//
// Each interval is the low / median / high percentile at `level` (Hyndman-Fan type 7). The
// bootstrap and the shuffle draw from seeds derived from `seed` (seed and seed + 1), so each is
// reproducible on its own.
import { forEachShuffledTradeEquity, forEachStationaryBootstrap, percentileInterval, seedBits, type PercentileInterval } from '../stats/index.js';
import type { BacktestRunFiles } from './backtest-run-files.js';
import { compoundPath, NS_PER_YEAR, pathMetrics, type PathMetrics } from './path-metrics.js';

export interface MonteCarloOptions {
  readonly runs: number;
  /** Mean block length of the stationary bootstrap, periods (equity intervals). */
  readonly block: number;
  readonly seed: bigint | number;
  /** Central level of the intervals, in (0, 1). */
  readonly level: number;
}

export interface MetricIntervals {
  readonly sharpe: PercentileInterval | null;
  readonly maxDrawdown: PercentileInterval | null;
  readonly cagr: PercentileInterval | null;
}

export interface EquityMonteCarlo {
  /** Recomputed from equity.csv and trades.csv with report.json's definitions. */
  readonly original: PathMetrics & { readonly periods: number; readonly trades: number; readonly spanDays: number; readonly periodsPerYear: number };
  readonly bootstrap: MetricIntervals;
  /** Null without trades (nothing to shuffle). `original`: the trades' path in their recorded order, measured as each shuffle is. */
  readonly tradeShuffle: (MetricIntervals & { readonly trades: number; readonly tradesPerYear: number; readonly original: PathMetrics }) | null;
}

/** Both Monte Carlo methods over one backtest run (see the header). */
export function equityMonteCarlo(run: BacktestRunFiles, options: MonteCarloOptions): EquityMonteCarlo {
  const { runs, block, level } = options;
  const seed = seedBits(options.seed);
  const spanNs = Number(run.timesNs[run.timesNs.length - 1] - run.timesNs[0]);
  const perYear = run.periodsPerYear;
  const equity = run.equity;
  const returns = new Float64Array(equity.length - 1);
  for (let i = 1; i < equity.length; i++) returns[i - 1] = equity[i] / equity[i - 1] - 1;
  const original = pathMetrics(equity, spanNs, perYear);

  const path = new Float64Array(equity.length);
  const scratch = new Float64Array(returns.length);
  const bootstrap = collect(runs, (record) => {
    forEachStationaryBootstrap(returns, { meanBlock: block, runs, seed }, (resample) => {
      record(pathMetrics(compoundPath(equity[0], resample, path), spanNs, perYear, scratch));
    });
  });

  let tradeShuffle: EquityMonteCarlo['tradeShuffle'] = null;
  const trades = run.tradePnl.length;
  const tradesPerYear = spanNs > 0 ? trades / (spanNs / NS_PER_YEAR) : Number.NaN;
  if (trades > 0) {
    const tradeScratch = new Float64Array(trades);
    const shuffled = collect(runs, (record) => {
      forEachShuffledTradeEquity(run.tradePnl, run.startingCash, { runs, seed: BigInt.asUintN(64, seed + 1n) }, (p) => {
        record(pathMetrics(p, spanNs, tradesPerYear, tradeScratch));
      });
    });
    const recorded = new Float64Array(trades + 1);
    recorded[0] = run.startingCash;
    for (let i = 0; i < trades; i++) recorded[i + 1] = recorded[i] + run.tradePnl[i];
    tradeShuffle = { trades, tradesPerYear, ...intervals(shuffled, level), original: pathMetrics(recorded, spanNs, tradesPerYear, tradeScratch) };
  }
  return {
    original: { ...original, periods: returns.length, trades, spanDays: spanNs / 86_400e9, periodsPerYear: perYear },
    bootstrap: intervals(bootstrap, level),
    tradeShuffle,
  };
}

interface Samples {
  readonly sharpe: Float64Array;
  readonly maxDrawdown: Float64Array;
  readonly cagr: Float64Array;
}

function collect(runs: number, fill: (record: (m: PathMetrics) => void) => void): Samples {
  const out = { sharpe: new Float64Array(runs), maxDrawdown: new Float64Array(runs), cagr: new Float64Array(runs) };
  let k = 0;
  fill((m) => {
    out.sharpe[k] = m.sharpe;
    out.maxDrawdown[k] = m.maxDrawdown;
    out.cagr[k] = m.cagr;
    k += 1;
  });
  return out;
}

/** Percentile intervals of each metric; null for a metric undefined on every run. */
export function intervals(samples: Samples, level: number): MetricIntervals {
  const of = (values: Float64Array): PercentileInterval | null => (values.some((v) => !Number.isNaN(v)) ? percentileInterval(values, level) : null);
  return { sharpe: of(samples.sharpe), maxDrawdown: of(samples.maxDrawdown), cagr: of(samples.cagr) };
}
