// The ML expert of a backtest, as given to runBacktest and as reported: the model to serve
// (or why there is none), the instruments it can serve ahead of the replay, and the run's
// `model` section (report.json, the summary): where it came from, the folds used, the
// predictions and how the core's model wait went (on time, timeouts, no fold yet).
import type { ConfiguredModel, QuantileModelSet } from '../models/index.js';
import type { ModelWaitCounters } from '../pipeline/index.js';
import type { ModelAheadStats } from './model-ahead.js';

export type BacktestModel =
  | {
    readonly state: 'serving';
    readonly set: QuantileModelSet;
    /** Where it came from (a directory, a registry version), for the report. */
    readonly source: string;
    /** How long past a bar's close the core waits for its MODEL record. */
    readonly waitNs: bigint;
    /** Symbols that get the ML expert (absent: every fusion instrument). */
    readonly symbols?: readonly string[];
  }
  | { readonly state: 'absent'; readonly source: string; readonly reason: string };

/** The run's model from the configuration's (engine/models openConfiguredModel). */
export function backtestModelOf(configured: ConfiguredModel): BacktestModel {
  if (configured.state === 'absent') return { state: 'absent', source: configured.source, reason: configured.reason };
  const { config } = configured;
  return {
    state: 'serving',
    set: configured.model,
    source: configured.source,
    waitNs: BigInt(Math.round(config.waitMs * 1e6)),
    ...(config.instruments !== undefined ? { symbols: config.instruments } : {}),
  };
}

export interface ServedFold {
  readonly fold: number;
  /** The fold serves bars that close after this time (ISO). */
  readonly availableFrom: string;
  /** Predictions it made in this run (warm-up included). */
  readonly rows: number;
}

export type BacktestModelReport =
  | {
    readonly state: 'serving';
    readonly source: string;
    readonly name: string;
    readonly hash: string;
    /**
     * Whether the fold graphs carry their training provenance (fold, availableFromNs), checked
     * against model.json at load ('embedded'), or none ('absent': older or hand-built graphs,
     * served on model.json's word).
     */
    readonly provenance: 'embedded' | 'absent';
    /** Instruments whose decisions waited for the model. */
    readonly instruments: readonly string[];
    /** Fusion instruments the model could not serve, with the reason. */
    readonly without: readonly { readonly symbol: string; readonly reason: string }[];
    readonly folds: readonly ServedFold[];
    /** Bars of the served instruments (warm-up included), MODEL records written ahead. */
    readonly bars: number;
    readonly warmupBars: number;
    readonly predictions: number;
    /** Answers with a NaN or infinite quantile (a broken graph): not predictions; the core decides those bars without the ML expert (in `timeouts`). */
    readonly nonFiniteOutputs: number;
    /** The core's model wait: bars decided with their MODEL record, without it (wait bound passed). */
    readonly onTime: number;
    readonly timeouts: number;
    readonly late: number;
    readonly unmatched: number;
    /** Bars with finite features before any fold was trained (no MODEL record: the core decides without the ML expert). */
    readonly noFoldBars: number;
    /** Bars with a non-finite feature (indicator warm-up): no wait, no prediction. */
    readonly nonFiniteRows: number;
    readonly crossedRows: number;
    /** Seconds spent on the features and inference ahead of the replay. */
    readonly aheadSeconds: number;
    /**
     * Of which: compiling the WASM core (once per process; the engine thread reuses it, so a run
     * without the model pays it at the engine's start instead), the features, and the inference
     * (or the cache look-up).
     */
    readonly coreCompileSeconds: number;
    readonly featuresSeconds: number;
    readonly inferenceSeconds: number;
    /**
     * Where the answers came from: `computed` (no cache), `cache` (every instrument's from the
     * ahead cache), `stored` (computed, then stored in the cache), `mixed`.
     */
    readonly answers: 'computed' | 'cache' | 'stored' | 'mixed';
    /** The ahead cache's directory (absent: no cache). */
    readonly cacheDir?: string;
  }
  | { readonly state: 'absent'; readonly source: string; readonly reason: string };

export interface ServedModelInput {
  readonly set: QuantileModelSet;
  readonly source: string;
  readonly instruments: readonly string[];
  readonly without: readonly { readonly symbol: string; readonly reason: string }[];
  readonly stats: ModelAheadStats;
  readonly counters?: ModelWaitCounters;
  readonly cacheDir?: string;
}

export function servedModelReport(input: ServedModelInput): BacktestModelReport {
  const { set, stats, counters } = input;
  return {
    state: 'serving',
    source: input.source,
    name: set.metadata.name,
    hash: set.hash,
    provenance: set.bundle.provenance,
    instruments: input.instruments,
    without: input.without,
    folds: set.metadata.folds.map((fold, k) => ({ fold: k, availableFrom: isoOf(fold.availableFromNs), rows: stats.rowsPerFold[k] })),
    bars: stats.bars,
    warmupBars: stats.warmupBars,
    predictions: stats.predictions,
    nonFiniteOutputs: stats.nonFiniteOutputs,
    onTime: counters?.onTime ?? 0,
    timeouts: counters?.timeouts ?? 0,
    late: counters?.late ?? 0,
    unmatched: counters?.unmatched ?? 0,
    noFoldBars: stats.noFoldBars,
    nonFiniteRows: stats.nonFiniteRows,
    crossedRows: stats.crossedRows,
    aheadSeconds: Number(stats.elapsedNs) / 1e9,
    coreCompileSeconds: Number(stats.coreCompileNs) / 1e9,
    featuresSeconds: Number(stats.featuresNs) / 1e9,
    inferenceSeconds: Number(stats.inferenceNs) / 1e9,
    answers: input.cacheDir === undefined ? 'computed' : stats.cacheMisses === 0 && stats.cacheHits > 0 ? 'cache' : stats.cacheHits === 0 ? 'stored' : 'mixed',
    ...(input.cacheDir !== undefined ? { cacheDir: input.cacheDir } : {}),
  };
}

function answersText(report: Extract<BacktestModelReport, { state: 'serving' }>): string {
  switch (report.answers) {
    case 'cache': return `answers from the ahead cache ${report.cacheDir}`;
    case 'stored': return `answers computed, stored in the ahead cache ${report.cacheDir}`;
    case 'mixed': return `answers partly from the ahead cache ${report.cacheDir}`;
    default: return 'answers computed, no cache';
  }
}

function isoOf(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}

/** The summary's model lines. */
export function modelSummaryLines(report: BacktestModelReport): string[] {
  if (report.state === 'absent') return [`ML expert absent: ${report.reason}`];
  const count = (x: number): string => x.toLocaleString('en-US');
  const lines = [
    `ML expert: ${report.name} (${report.hash.slice(0, 12)}, ${report.source}) on ${report.instruments.length > 0 ? report.instruments.join(', ') : 'no instrument'}: ${count(report.predictions)} predictions ahead in ${report.aheadSeconds.toFixed(2)} s (${answersText(report)}; folds ${report.folds.map((f) => count(f.rows)).join(' / ')}); ${count(report.onTime)} decisions on time, ${count(report.timeouts)} without it (${count(report.noFoldBars)} bars before the first fold was trained${report.nonFiniteOutputs > 0 ? `, ${count(report.nonFiniteOutputs)} non-finite model outputs` : ''}), ${count(report.nonFiniteRows)} warm-up bars, ${count(report.crossedRows)} crossed`,
  ];
  if (report.nonFiniteOutputs > 0) lines.push(`ML expert: ${count(report.nonFiniteOutputs)} of the model's answers had a NaN or infinite quantile: not predictions, those bars were decided without the ML expert (the graph is broken; a longer model.waitMs cannot help)`);
  if (report.provenance === 'absent') lines.push('ML expert: the fold graphs carry no quantflow.fold / quantflow.availableFromNs metadata (trained before it was written, or built by hand): each fold serves from model.json\'s availableFromNs, not checked against the graph');
  for (const { symbol, reason } of report.without) lines.push(`ML expert absent on ${symbol}: ${reason}`);
  return lines;
}
