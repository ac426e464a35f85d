// One fold's out-of-sample backtest: the warm-up bars, then the test window, through the same
// engine thread, WASM core, order table, exits and simulated venue as `quantflow backtest`
// (engine/backtest's pieces: planInstruments, StreamMerger, playRecords, RunRecorder).
//
// The warm-up rule: the warm-up bars (the `warmup` bars just before the test start) update the
// indicators, the regime filter and the strategy's own state (so a strategy may *decide* on
// them), but they cannot trade: the core starts with the kill switch halted, so every target is
// flat and no order leaves the order stage. Once the core has consumed every warm-up record the
// kill switch is reset at that batch boundary (equity = starting cash, flat book), and the test
// window's bars trade. A signal the strategy took during the warm-up is therefore traded, and
// paid for, on the first test bar at the earliest. Every fill, round trip and equity point
// before the test start would break this rule and fails the fold (an invariant, not a filter).
//
// engine/backtest's runBacktest runs it (its `warmupStreams`); this module checks the rule's
// invariant and keeps what the fold's report needs.
//
// With the configuration's quantile model (`model`), the ML expert serves the warm-up and the
// test bars as in a backtest: each bar's answer comes from the model fold whose training ended
// before the bar's close (chosen by time, never one trained after the bar), computed ahead of
// the replay; the fold's report says which model folds served it.
import type { MarketStream } from '../../replay/index.js';
import type { QuantFlowConfig } from '../../config/index.js';
import type { RegimeModelRecord } from '../../regime/index.js';
import { runBacktest, type BacktestModel, type BacktestModelReport, type EquityPoint, type RecordedFill } from '../../backtest/index.js';
import type { AheadCache } from '../../models/index.js';
import type { RoundTrip } from '../../portfolio/index.js';

export interface FoldBacktestOptions {
  /** Records of the warm-up, [warm-up start, test start), one stream per source (may be empty). */
  readonly warmupStreams: readonly MarketStream[];
  /** Records of the test window, [test start, test end), the same sources in the same order. */
  readonly testStreams: readonly MarketStream[];
  readonly testStartNs: bigint;
  readonly config: QuantFlowConfig;
  readonly regimeModel?: RegimeModelRecord;
  readonly equity: number;
  readonly barTimeframe?: string;
  readonly batch?: number;
  /** The ML expert's quantile model (engine/backtest BacktestModel); absent: no ML expert. */
  readonly model?: BacktestModel;
  readonly aheadCache?: AheadCache;
}

export interface FoldBacktestResult {
  readonly symbols: readonly string[];
  /** The account after each test bar close. */
  readonly equity: readonly EquityPoint[];
  readonly fills: readonly RecordedFill[];
  readonly trades: readonly RoundTrip[];
  readonly finalEquity: number;
  readonly fees: number;
  /** Records the engine consumed in the warm-up and in the test window. */
  readonly warmupRecords: number;
  readonly testRecords: number;
  readonly elapsedMs: number;
  /** What the ML expert served (warm-up and test bars), or why it was absent; undefined without a model. */
  readonly model?: BacktestModelReport;
}

export async function runFoldBacktest(options: FoldBacktestOptions): Promise<FoldBacktestResult> {
  const started = process.hrtime.bigint();
  const run = await runBacktest({
    streams: options.testStreams,
    warmupStreams: options.warmupStreams,
    config: options.config,
    regimeModel: options.regimeModel,
    equity: options.equity,
    barTimeframe: options.barTimeframe,
    batch: options.batch,
    model: options.model,
    aheadCache: options.aheadCache,
  });
  const { recording } = run;
  const early = recording.fills.find((f) => f.timeNs < options.testStartNs);
  if (early) throw new Error(`a fill at ${early.timeNs} ns precedes the test start ${options.testStartNs} ns: the warm-up traded, which the halted kill switch must prevent`);
  return {
    symbols: recording.instruments.map((i) => i.symbol),
    equity: recording.equity.filter((point) => point.timeNs >= options.testStartNs),
    fills: recording.fills,
    trades: recording.trades,
    finalEquity: recording.totals.finalEquity,
    fees: recording.totals.fees,
    warmupRecords: run.warmupRecords,
    testRecords: run.published,
    elapsedMs: Number(process.hrtime.bigint() - started) / 1e6,
    ...(run.model !== undefined ? { model: run.model } : {}),
  };
}
