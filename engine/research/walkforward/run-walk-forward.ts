// A walk-forward (or CPCV) run over research data (research-data.ts: the reserve already cut):
// per fold, the regime model is refitted on the fold's training bars only (purged and
// embargoed; training-bars.ts, with `quantflow regime fit`'s defaults), then the test window is
// backtested after its warm-up (fold-backtest.ts states the warm-up rule) with the
// configuration's strategies: fusion strategies filter with the fold's refitted model (a
// strategy's own `regimeModel:` file is ignored, it was fitted on unknown data), rule
// strategies need none and get none. Results are out of sample per fold, stitched across folds
// (walk-forward with test windows that do not overlap) or assembled into CPCV paths.
//
// One regime model per fold, fitted on one instrument's bars (`regimeSymbol`, default the
// first source's symbol): the engine takes one run-wide model for every fusion instrument.
//
// The configuration's quantile model (`model`, the ML expert) is not refitted: it has its own
// folds, and each bar (warm-up included) is answered by the one whose training ended before the
// bar's close (engine/models QuantileModelSet.foldFor), so no bar ever sees a model trained after
// it. Each fold's report lists the model folds that served it (`quantileModel.folds`, rows > 0).
import { buildPlan } from '../../indicators/index.js';
import { pipelineTokens } from '../../pipeline/index.js';
import { RECORD_BYTES, timeframeOfInterval, tradingPipeline, type MarketStream } from '../../replay/index.js';
import { DEFAULT_FEATURE_SPEC, type RegimeModelRecord, type TrainOptions } from '../../regime/index.js';
import type { QuantFlowConfig } from '../../config/index.js';
import type { BacktestModel, BacktestModelReport, MemoryStream } from '../../backtest/index.js';
import type { AheadCache } from '../../models/index.js';
import { walkForwardFolds, type TimeRange } from './folds.js';
import { cpcvPlan } from './cpcv.js';
import { describeSpan, type Span } from './spans.js';
import { fitFoldModel, isoNs } from './training-bars.js';
import { runFoldBacktest, type FoldBacktestResult } from './fold-backtest.js';
import { curvePiece, curvesPerYear, oosMetrics, stitchCurves, type EquitySample, type OosMetrics } from './oos-metrics.js';
import type { ResearchData } from './research-data.js';
import { warmupStartNs as warmupStart } from './warmup-start.js';

/** `quantflow regime fit`'s defaults. */
export const REGIME_FIT_DEFAULTS: TrainOptions = { states: 3, covarianceType: 'diag', restarts: 10, seed: 1, maxIterations: 200, tolerance: 0.001, minDwellBars: 1 };

export interface WalkForwardRunOptions {
  readonly data: ResearchData;
  readonly config: QuantFlowConfig;
  readonly train: Span;
  readonly test: Span;
  readonly step?: Span;
  readonly mode: 'rolling' | 'anchored';
  readonly purgeNs: bigint;
  readonly embargoNs: bigint;
  /** CPCV instead of walk-forward folds: N groups, k test groups per split. */
  readonly cpcv?: { readonly groups: number; readonly testGroups: number };
  /** Warm-up bars before each test window (default: the plan's longest warm-up + 1). */
  readonly warmupBars?: number;
  readonly equity: number;
  readonly regimeSymbol?: string;
  readonly regimeFit?: TrainOptions;
  readonly featureSpec?: readonly string[];
  /** How many times the reserve of this data has been looked at (including this run when final). */
  readonly reserveLooks: number;
  readonly command?: string;
  /** The ML expert's quantile model for every fold's backtest (served by time, see the header); absent: none. */
  readonly model?: BacktestModel;
  /** The ahead cache of its answers (engine/models AheadCache). */
  readonly aheadCache?: AheadCache;
  /** Instrumentation: every stream the run reads (fits and backtests) goes through it. */
  readonly observe?: (stream: MarketStream) => MarketStream;
  log?(line: string): void;
}

export interface RangeJson { readonly startNs: string; readonly endNs: string; readonly start: string; readonly end: string }
export interface ModelJson { readonly trainingRange: { readonly fromNs: string; readonly toNs: string; readonly from: string; readonly to: string; readonly rows: number }; readonly barsRead: number; readonly barsKept: number; readonly labels: readonly string[]; readonly logLikelihood: number }
export interface FoldJson {
  readonly index: number;
  readonly train: RangeJson;
  readonly test: RangeJson;
  readonly inReserve: boolean;
  readonly regimeModel: ModelJson | null;
  readonly warmup: { readonly bars: number; readonly records: number; readonly firstNs: string | null };
  readonly oos: MetricsJson;
  readonly trades: number;
  readonly fills: number;
  readonly fees: number;
  readonly firstFillNs: string | null;
  readonly firstTradeEntryNs: string | null;
  /** The ML expert in this fold (null: no model configured). */
  readonly quantileModel: QuantileModelJson | null;
}
/** Which quantile-model folds served a walk-forward fold, and how the core's wait went. */
export type QuantileModelJson =
  | {
    readonly state: 'serving';
    readonly name: string;
    readonly hash: string;
    readonly instruments: readonly string[];
    /** Model folds that answered bars of this fold (warm-up and test), in order, with their rows. */
    readonly folds: readonly { readonly fold: number; readonly availableFrom: string; readonly rows: number }[];
    readonly predictions: number;
    readonly onTime: number;
    readonly timeouts: number;
    /** Bars with finite features before the model's first fold was trained (decided without the ML expert). */
    readonly noFoldBars: number;
  }
  | { readonly state: 'absent'; readonly reason: string };
export type MetricsJson = Omit<OosMetrics, 'sharpe'> & { readonly sharpe: number | null };

export interface WalkForwardReport {
  readonly command: string;
  readonly data: {
    readonly key: string; readonly sources: ResearchData['identity']['sources']; readonly first: string; readonly last: string;
    /** The sources as read: a file's absolute path and SHA-256 (null for a store or QuestDB source); set by the command. */
    readonly files?: ReadonlyArray<{ readonly source: string; readonly sha256: string | null }>;
  };
  readonly reserve: { readonly fraction: number; readonly startNs: string; readonly start: string; readonly final: boolean; readonly looks: number };
  readonly settings: Record<string, unknown>;
  readonly folds: readonly FoldJson[];
  /** The OOS curve across folds (walk-forward with non-overlapping test windows), else null. */
  readonly stitched: MetricsJson | null;
  readonly stitchedNote?: string;
  readonly cpcv?: { readonly groups: readonly RangeJson[]; readonly splits: readonly { readonly index: number; readonly testGroups: readonly number[]; readonly trainGroups: readonly number[]; readonly regimeModel: ModelJson | null; readonly groupOos: readonly (MetricsJson | null)[] }[]; readonly paths: readonly { readonly splits: readonly number[]; readonly oos: MetricsJson }[] };
}

export interface WalkForwardRun {
  readonly report: WalkForwardReport;
  /** Per fold (or CPCV path): the OOS equity curve. */
  readonly curves: readonly { readonly name: string; readonly curve: readonly EquitySample[] }[];
  readonly stitchedCurve: readonly EquitySample[];
  readonly elapsedMs: number;
}

export async function runWalkForward(options: WalkForwardRunOptions): Promise<WalkForwardRun> {
  const started = process.hrtime.bigint();
  const { data, equity } = options;
  const observe = options.observe ?? ((s: MarketStream) => s);
  const log = options.log ?? (() => undefined);
  const barIntervalNs = commonBarInterval(data.streams);
  const config = withoutStrategyModels(options.config);
  const needsModel = config.strategies.length === 0 || config.strategies.some((s) => s.type === 'fusion');
  const regimeSymbol = options.regimeSymbol ?? data.streams[0].symbol;
  const regimeStream = data.streams.find((s) => s.symbol === regimeSymbol);
  if (!regimeStream) throw new RangeError(`the regime symbol ${regimeSymbol} is not among the data's symbols (${data.streams.map((s) => s.symbol).join(', ')})`);
  const fitOptions = { ...REGIME_FIT_DEFAULTS, ...options.regimeFit, source: regimeStream.label };
  const featureSpec = options.featureSpec ?? DEFAULT_FEATURE_SPEC;
  const startNs = data.identity.firstNs;
  const endNs = data.endNs;
  let warmupBars = options.warmupBars;
  // The ML expert's features warm up with the plan's tokens (the core computes them per bar).
  const modelFeatures = options.model?.state === 'serving' ? options.model.set.metadata.features : [];

  // `--train` sets no CPCV window: there the training data is the groups not tested.
  const remedy = options.cpcv
    ? `fewer test groups per split (k of --cpcv ${options.cpcv.groups}:${options.cpcv.testGroups}), a shorter --purge or --embargo, or more data (\`--train\` does not apply to CPCV)`
    : undefined;
  const fit = async (trainWindows: readonly TimeRange[], testRanges: readonly TimeRange[]): Promise<{ model?: RegimeModelRecord; json: ModelJson | null }> => {
    if (!needsModel) return { json: null };
    const result = await fitFoldModel(observe(regimeStream), trainWindows, testRanges, { purgeNs: options.purgeNs, embargoNs: options.embargoNs, featureSpec, train: fitOptions, remedy });
    const range = result.model.trainingRange;
    return {
      model: result.model,
      json: {
        trainingRange: { fromNs: range.fromNs, toNs: range.toNs, from: isoNs(BigInt(range.fromNs)), to: isoNs(BigInt(range.toNs)), rows: range.rows },
        barsRead: result.barsRead, barsKept: result.barsKept, labels: result.model.labels, logLikelihood: result.model.logLikelihood,
      },
    };
  };
  const backtest = async (test: TimeRange, model: RegimeModelRecord | undefined): Promise<{ result: FoldBacktestResult; warmupStartNs: bigint }> => {
    warmupBars ??= planWarmup(config, data.streams, model, modelFeatures);
    // The last `warmupBars` bars before the test start, counted in bars (not bar intervals: calendars have gaps).
    const warmupStartNs = maxBig(startNs, warmupStart(data.streams, test.startNs, warmupBars));
    const result = await runFoldBacktest({
      warmupStreams: data.streams.map((s) => observe(s.slice(warmupStartNs, test.startNs))),
      testStreams: data.streams.map((s) => observe(s.slice(test.startNs, test.endNs))),
      testStartNs: test.startNs, config, regimeModel: model, equity, model: options.model, aheadCache: options.aheadCache,
    });
    return { result, warmupStartNs };
  };

  const base = {
    command: options.command ?? 'walkforward',
    data: { key: data.identity.key, sources: data.identity.sources, first: isoNs(data.identity.firstNs), last: isoNs(data.identity.lastNs) },
    reserve: { fraction: data.reserve, startNs: data.reserveStartNs.toString(), start: isoNs(data.reserveStartNs), final: data.final, looks: options.reserveLooks },
  };
  const settingsOf = (): Record<string, unknown> => ({
    // A CPCV's windows are its groups (report.cpcv.groups): the walk-forward windows it does not use are left out.
    ...(options.cpcv
      ? { mode: 'cpcv', cpcv: { groups: options.cpcv.groups, testGroups: options.cpcv.testGroups } }
      : { mode: options.mode, train: describeSpan(options.train), test: describeSpan(options.test), step: describeSpan(options.step ?? options.test) }),
    purgeNs: options.purgeNs.toString(), embargoNs: options.embargoNs.toString(), warmupBars: warmupBars ?? 0, equity,
    regimeSymbol: needsModel ? regimeSymbol : null, regimeFit: needsModel ? { ...fitOptions, featureSpec } : null,
    strategies: config.strategies.length === 0 ? ['fusion (strategies: [])'] : config.strategies.map((s) => `${s.name} (${s.type})`),
    quantileModel: options.model === undefined ? null
      : options.model.state === 'serving' ? { source: options.model.source, name: options.model.set.metadata.name, hash: options.model.set.hash, served: 'each bar by the model fold whose training ended before its close' }
        : { source: options.model.source, absent: options.model.reason },
  });

  if (options.cpcv) {
    const plan = cpcvPlan({ startNs, endNs, groups: options.cpcv.groups, testGroups: options.cpcv.testGroups, barIntervalNs });
    const pieces: (EquitySample[] | undefined)[][] = plan.splits.map(() => []);
    const splitsJson = [];
    for (const split of plan.splits) {
      const testRanges = split.testGroups.map((g) => plan.groups[g]);
      const { model, json } = await fit(split.trainGroups.map((g) => plan.groups[g]), testRanges);
      for (const block of contiguousBlocks(split.testGroups, plan.groups)) {
        const { result } = await backtest(block.range, model);
        for (const g of block.groups) pieces[split.index][g] = curvePiece(equity, result.equity, plan.groups[g].startNs, plan.groups[g].endNs);
      }
      log(`cpcv split ${split.index} (${split.index + 1} of ${plan.splits.length}): test groups ${split.testGroups.join(', ')}`);
      splitsJson.push({ ...split, regimeModel: json, groupOos: plan.groups.map((_, g) => (pieces[split.index][g] ? metricsJson(oosMetrics(equity, pieces[split.index][g]!, curvesPerYear([pieces[split.index][g]!]))) : null)) });
    }
    const pathPieces = plan.paths.map((splits) => splits.map((s, g) => pieces[s][g]!));
    const curves = pathPieces.map((parts, p) => ({ name: `path-${p}`, curve: stitchCurves(equity, parts) }));
    const report: WalkForwardReport = {
      ...base, settings: settingsOf(), folds: [], stitched: null, stitchedNote: 'CPCV: see cpcv.paths',
      cpcv: { groups: plan.groups.map(rangeJson), splits: splitsJson, paths: plan.paths.map((splits, p) => ({ splits, oos: metricsJson(oosMetrics(equity, curves[p].curve, curvesPerYear(pathPieces[p]))) })) },
    };
    return { report, curves, stitchedCurve: [], elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 };
  }

  // Spans in bars (`--train 500bars`) are counted in the first source's bar times.
  const calendar = { timesNs: recordTimes(data.streams[0]), intervalNs: barIntervalNs };
  // A test window [s, e) holds the bars closing in it, so the data covers it whole while e is at
  // most one bar after the last close the run may read (the next bar would close there). Cut at
  // that close + 1 ns instead, a last fold was dropped for want of one bar: on two years of
  // open-stamped hourly bars, `--final` never tested the most recent month.
  const lastCloseNs = data.streams.reduce((last, s) => (s.expectedRows > 0 ? maxBig(last, lastRecordTime(s)) : last), startNs);
  const foldsEndNs = maxBig(endNs, lastCloseNs + barIntervalNs);
  const folds = walkForwardFolds({ startNs, endNs: foldsEndNs, train: options.train, test: options.test, step: options.step, mode: options.mode, purgeNs: options.purgeNs, embargoNs: options.embargoNs, barIntervalNs, calendar });
  if (folds.length === 0) throw new RangeError(`no fold fits: the data's research range [${isoNs(startNs)}, ${isoNs(foldsEndNs)}) is shorter than train (${describeSpan(options.train)}) + test (${describeSpan(options.test)})`);
  const foldsJson: FoldJson[] = [];
  const curves: { name: string; curve: EquitySample[] }[] = [];
  for (const fold of folds) {
    const { model, json } = await fit([fold.train], [fold.test]);
    const { result, warmupStartNs } = await backtest(fold.test, model);
    const curve = result.equity.map((p) => ({ timeNs: p.timeNs, equity: p.equity }));
    curves.push({ name: `fold-${fold.index}`, curve });
    foldsJson.push({
      index: fold.index, train: rangeJson(fold.train), test: rangeJson(fold.test), inReserve: data.final && fold.test.endNs > firstTimeAtOrAfter(calendar.timesNs, data.reserveStartNs),
      regimeModel: json,
      warmup: { bars: warmupBars ?? 0, records: result.warmupRecords, firstNs: warmupStartNs < fold.test.startNs ? warmupStartNs.toString() : null },
      oos: metricsJson(oosMetrics(equity, curve, curvesPerYear([curve]))),
      trades: result.trades.length, fills: result.fills.length, fees: result.fees,
      firstFillNs: result.fills.length > 0 ? result.fills[0].timeNs.toString() : null,
      firstTradeEntryNs: result.trades.length > 0 ? result.trades.reduce((min, t) => (t.entryNs < min ? t.entryNs : min), result.trades[0].entryNs).toString() : null,
      quantileModel: quantileModelJson(result.model),
    });
    log(`fold ${fold.index} (${fold.index + 1} of ${folds.length}): test ${isoNs(fold.test.startNs)} .. ${isoNs(fold.test.endNs)}: return ${(foldsJson[foldsJson.length - 1].oos.return * 100).toFixed(2)}%, ${result.trades.length} trades (${result.elapsedMs.toFixed(0)} ms)`);
  }
  const overlapping = folds.some((f, i) => i > 0 && f.test.startNs < folds[i - 1].test.endNs);
  const stitchedCurve = overlapping ? [] : stitchCurves(equity, curves.map((c) => c.curve));
  const report: WalkForwardReport = {
    ...base, settings: settingsOf(), folds: foldsJson,
    stitched: overlapping ? null : metricsJson(oosMetrics(equity, stitchedCurve, curvesPerYear(curves.map((c) => c.curve)))),
    ...(overlapping ? { stitchedNote: 'test windows overlap (step < test): no stitched curve' } : {}),
  };
  return { report, curves, stitchedCurve, elapsedMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

/**
 * The warm-up the plan needs: its longest indicator warm-up (the ML expert's feature tokens
 * included), plus one bar (a cross compares with the previous bar).
 */
export function planWarmup(config: QuantFlowConfig, streams: readonly MemoryStream[], model: RegimeModelRecord | undefined, modelFeatures: readonly string[] = []): number {
  const symbols = [...new Set(streams.map((s) => s.symbol))];
  const spec = tradingPipeline({
    config, instrumentNames: symbols, timeframes: symbols.map((sym) => timeframeOfInterval(streams.find((s) => s.symbol === sym)!.barIntervalNs ?? 0n)),
    regimeModel: model, indicators: [], equity: 1, startNs: 0n, halted: false, simulate: true,
  }).spec;
  const plan = buildPlan([...new Set([...pipelineTokens(spec), ...modelFeatures])]);
  return Math.max(0, ...plan.columns.map((c) => c.warmup)) + 1;
}

/** The configuration with fusion strategies' own `regimeModel` files dropped: they use the fold's refitted model. */
function withoutStrategyModels(config: QuantFlowConfig): QuantFlowConfig {
  return { ...config, strategies: config.strategies.map((s) => (s.type === 'fusion' ? { ...s, regimeModel: undefined } : s)) };
}

function commonBarInterval(streams: readonly MemoryStream[]): bigint {
  const intervals = new Set(streams.map((s) => (s.kind === 'bars' ? s.barIntervalNs ?? 0n : -1n)));
  if (intervals.has(-1n)) throw new RangeError(`walk-forward runs on bars: ${streams.filter((s) => s.kind !== 'bars').map((s) => s.label).join(', ')} stream ${streams.find((s) => s.kind !== 'bars')!.kind}`);
  if (intervals.size !== 1 || intervals.has(0n)) throw new RangeError(`the bar sources must share one known interval, were ${[...intervals].map((i) => timeframeOfInterval(i) ?? `${i} ns`).join(', ')}`);
  return [...intervals][0];
}

function contiguousBlocks(testGroups: readonly number[], groups: readonly TimeRange[]): { groups: number[]; range: TimeRange }[] {
  const blocks: { groups: number[]; range: TimeRange }[] = [];
  for (const g of testGroups) {
    const last = blocks[blocks.length - 1];
    if (last && last.groups[last.groups.length - 1] === g - 1) {
      last.groups.push(g);
      last.range = { startNs: last.range.startNs, endNs: groups[g].endNs };
    } else blocks.push({ groups: [g], range: groups[g] });
  }
  return blocks;
}

function quantileModelJson(report: BacktestModelReport | undefined): QuantileModelJson | null {
  if (report === undefined) return null;
  if (report.state === 'absent') return { state: 'absent', reason: report.reason };
  return {
    state: 'serving', name: report.name, hash: report.hash, instruments: report.instruments,
    folds: report.folds.filter((f) => f.rows > 0), predictions: report.predictions, onTime: report.onTime, timeouts: report.timeouts, noFoldBars: report.noFoldBars,
  };
}

function rangeJson(range: TimeRange): RangeJson {
  return { startNs: range.startNs.toString(), endNs: range.endNs.toString(), start: isoNs(range.startNs), end: isoNs(range.endNs) };
}

function metricsJson(m: OosMetrics): MetricsJson {
  return { ...m, sharpe: Number.isFinite(m.sharpe) ? m.sharpe : null };
}

/** ts_local of every record of `stream`, in order. */
function recordTimes(stream: MemoryStream): BigInt64Array {
  const view = new DataView(stream.bytes.buffer, stream.bytes.byteOffset, stream.bytes.byteLength);
  return BigInt64Array.from({ length: stream.expectedRows }, (_, r) => view.getBigInt64(r * RECORD_BYTES + 16, true));
}

/** The time of the stream's last record (its last bar's close). */
function lastRecordTime(stream: MemoryStream): bigint {
  return new DataView(stream.bytes.buffer, stream.bytes.byteOffset, stream.bytes.byteLength).getBigInt64((stream.expectedRows - 1) * RECORD_BYTES + 16, true);
}

/** The first of the ascending `times` at or after `t`; past the last one when none is. */
function firstTimeAtOrAfter(times: BigInt64Array, t: bigint): bigint {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo < times.length ? times[lo] : (times.length > 0 ? times[times.length - 1] + 1n : t);
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
