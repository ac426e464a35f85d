// The bars a fold's regime model is fitted on: read from the research streams (never the raw
// sources, so nothing past the reserve cut can reach a fit), one instrument's BAR records with
// ts_local in the training window, purged and embargoed against the test ranges (folds.ts).
// Each bar is a sample with the label interval [bar open, bar close]; its feature row is
// stamped with the bar's close (ts_local: when it became known). A training set with holes
// (CPCV, or a purge) gets its features built per contiguous run, so no return spans a hole. A
// hole is a bar of the stream left out, not a long time between two bars: consecutive bars of
// the source are consecutive rows, as `quantflow regime fit` and the engine's forward filter take
// them, so nights, weekends and holidays of an equity calendar do not cut the runs.
import { buildRegimeFeatures, trainRegimeModel, type RegimeFeatures, type RegimeModelRecord, type TrainOptions } from '../../regime/index.js';
import { RECORD_BYTES, timeframeOfInterval, type MarketStream } from '../../replay/index.js';
import { EventKind, KIND_MASK } from '../../layout/event-record.js';
import { purge, type TimeRange } from './folds.js';

export interface TrainingBar {
  /** Bar open (ts_exchange) and close (ts_local), ns: the sample's label interval. */
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  /** The bar's position among the stream's bars (0 for its first): adjacent bars differ by 1. */
  readonly ordinal: number;
}

/** The BAR records of `stream` with ts_local in one of `windows` (read through its blocks). */
export async function readTrainingBars(stream: MarketStream, windows: readonly TimeRange[]): Promise<TrainingBar[]> {
  const bars: TrainingBar[] = [];
  let ordinal = -1;
  for await (const block of stream.blocks(0)) {
    const view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.count * RECORD_BYTES);
    for (let r = 0; r < block.count; r++) {
      const at = r * RECORD_BYTES;
      if ((view.getInt32(at, true) & KIND_MASK) !== EventKind.BAR) continue;
      ordinal += 1;
      const endNs = view.getBigInt64(at + 16, true);
      if (!windows.some((w) => endNs >= w.startNs && endNs < w.endNs)) continue;
      bars.push({
        ordinal,
        startNs: view.getBigInt64(at + 8, true),
        endNs,
        close: view.getFloat64(at + 24, true),
        volume: Number.isNaN(view.getFloat64(at + 32, true)) ? 0 : view.getFloat64(at + 32, true), // unknown volume (no volume column): 0, as the core's indicators read it
        high: view.getFloat64(at + 40, true),
        low: view.getFloat64(at + 48, true),
        open: new Float64Array(new BigUint64Array([view.getBigUint64(at + 56, true)]).buffer)[0],
      });
    }
  }
  return bars;
}

/** Feature rows of `bars` (time order), built per contiguous run: a bar that does not follow the previous one in the stream (a hole: purged, another CPCV group) starts a new run. */
export function trainingFeatures(bars: readonly TrainingBar[], spec: readonly string[]): RegimeFeatures {
  const runs: TrainingBar[][] = [];
  for (const bar of bars) {
    const run = runs[runs.length - 1];
    if (run && bar.ordinal === run[run.length - 1].ordinal + 1) run.push(bar);
    else runs.push([bar]);
  }
  const parts = runs.map((run) => buildRegimeFeatures({
    length: run.length,
    timeNs: BigInt64Array.from(run, (b) => b.endNs),
    open: Float64Array.from(run, (b) => b.open),
    high: Float64Array.from(run, (b) => b.high),
    low: Float64Array.from(run, (b) => b.low),
    close: Float64Array.from(run, (b) => b.close),
    volume: Float64Array.from(run, (b) => b.volume),
  }, spec));
  const rows = parts.reduce((sum, p) => sum + p.rows, 0);
  const cols = spec.length;
  const data = new Float64Array(rows * cols);
  const timeNs = new BigInt64Array(rows);
  let at = 0;
  for (const part of parts) {
    data.set(part.data, at * cols);
    timeNs.set(part.timeNs, at);
    at += part.rows;
  }
  return { rows, cols, data, timeNs, spec: [...spec] };
}

export interface FoldModelFit {
  readonly model: RegimeModelRecord;
  /** Bars read in the training windows, and those left after purging and embargo. */
  readonly barsRead: number;
  readonly barsKept: number;
}

/**
 * Fits the regime model of one fold on `stream`'s bars in `trainWindows`, purged against
 * `testRanges`. Throws when too few rows are left.
 */
export async function fitFoldModel(stream: MarketStream, trainWindows: readonly TimeRange[], testRanges: readonly TimeRange[], options: {
  readonly purgeNs: bigint;
  readonly embargoNs: bigint;
  readonly featureSpec: readonly string[];
  readonly train: TrainOptions;
  /** What gives a window more rows, for the error (default: lengthen `--train`; a CPCV's windows are its groups). */
  readonly remedy?: string;
}): Promise<FoldModelFit> {
  const read = await readTrainingBars(stream, trainWindows);
  const kept = purge(read, testRanges, options.purgeNs, options.embargoNs);
  const features = trainingFeatures(kept, options.featureSpec);
  const states = options.train.states ?? 3;
  if (features.rows < Math.max(2, states) * 10) {
    throw new RangeError(`${stream.label}: ${features.rows} feature rows in the training window [${isoNs(trainWindows[0].startNs)}, ${isoNs(trainWindows[trainWindows.length - 1].endNs)}) after warm-up and purging; need at least ${Math.max(2, states) * 10}: ${options.remedy ?? 'lengthen `--train`'}`);
  }
  const timeframe = options.train.timeframe ?? (stream.barIntervalNs ? timeframeOfInterval(stream.barIntervalNs) : undefined);
  return { model: trainRegimeModel(features, { ...options.train, timeframe }), barsRead: read.length, barsKept: kept.length };
}

export function isoNs(ns: bigint): string {
  return new Date(Number(ns / 1_000_000n)).toISOString();
}
