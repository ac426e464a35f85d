// Walk-forward folds and purging (Lopez de Prado, Advances in Financial Machine Learning,
// ch. 7). Pure functions over times in ns; no data is read here.
//
//   rolling:   |-- train --|-- test --|                       next fold starts `step` later
//                   |-- train --|-- test --|
//   anchored:  |-- train ------------|-- test --|             the training window keeps its start
//
// A sample is anything with a label interval [startNs, endNs] (closed: the label is known at
// endNs). `purge` removes from training every sample whose interval overlaps a test range
// widened by the purge gap on both sides ([test.start - purge, test.end + purge)), and every
// sample that starts within the embargo after a test range ([test.end, test.end + embargo)).
import { addSpan, describeSpan, isZeroSpan, type BarCalendar, type Span } from './spans.js';

/** A half-open time range [startNs, endNs). */
export interface TimeRange {
  readonly startNs: bigint;
  readonly endNs: bigint;
}

/** A training sample's label interval, closed: [startNs, endNs]. */
export interface SampleInterval {
  readonly startNs: bigint;
  readonly endNs: bigint;
}

export interface WalkForwardOptions {
  /** The data's range [startNs, endNs) the folds must lie in. */
  readonly startNs: bigint;
  readonly endNs: bigint;
  readonly train: Span;
  readonly test: Span;
  /** How far the next fold starts after this one (default: `test`, so test windows tile). */
  readonly step?: Span;
  readonly mode: 'rolling' | 'anchored';
  readonly purgeNs: bigint;
  readonly embargoNs: bigint;
  /** The data's bar interval: `test` and `step` must be at least this long (a test window holds a bar). */
  readonly barIntervalNs?: bigint;
  /** The data's bar times, which spans in bars (`{ bars }`) are counted in. */
  readonly calendar?: BarCalendar;
}

/** Most folds one walk-forward makes: each is a model fit and a backtest. */
export const MAX_WALK_FORWARD_FOLDS = 1000;

export interface WalkForwardFold {
  readonly index: number;
  /** The training window before purging: [train start, test start). */
  readonly train: TimeRange;
  readonly test: TimeRange;
  /** Training samples must end before this (test start - purge) to survive the purge. */
  readonly purgedTrainEndNs: bigint;
}

/** The folds whose test window fits whole in [startNs, endNs), in time order. Throws on a bad option. */
export function walkForwardFolds(options: WalkForwardOptions): WalkForwardFold[] {
  const { startNs, endNs, train, test, mode, purgeNs, embargoNs } = options;
  const step = options.step ?? test;
  if (endNs <= startNs) throw new RangeError(`the data range must not be empty, was [${startNs}, ${endNs})`);
  for (const [name, span] of [['train', train], ['test', test], ['step', step]] as const) {
    if (isZeroSpan(span) || (typeof span === 'bigint' && span < 0n)) throw new RangeError(`\`${name}\` must be a positive span, was ${typeof span === 'bigint' ? String(span) : describeSpan(span)}`);
  }
  if (purgeNs < 0n || embargoNs < 0n) throw new RangeError(`purge and embargo must be >= 0 ns, were ${purgeNs} and ${embargoNs}`);
  const bar = options.barIntervalNs;
  if (bar !== undefined && bar > 0n) {
    for (const [name, span] of [['test', test], ['step', step]] as const) {
      if (typeof span === 'bigint' && span < bar) throw new RangeError(`\`${name}\` must be at least one bar (${describeSpan(bar)}), was ${describeSpan(span)}: a shorter window holds no bar`);
    }
  }
  const folds: WalkForwardFold[] = [];
  const calendar = options.calendar;
  for (let origin = startNs; ; origin = addSpan(origin, step, calendar)) {
    const testStart = addSpan(origin, train, calendar);
    const testEnd = addSpan(testStart, test, calendar);
    if (testEnd > endNs) break;
    if (folds.length === MAX_WALK_FORWARD_FOLDS) {
      throw new RangeError(`\`test\` and \`step\` make more than ${MAX_WALK_FORWARD_FOLDS} folds over the data (each a model fit and a backtest): lengthen \`step\` or \`test\``);
    }
    const trainStart = mode === 'rolling' ? origin : startNs;
    if (testStart - purgeNs <= trainStart) throw new RangeError(`the purge gap (${describeSpan(purgeNs)}) leaves no training data in fold ${folds.length} (train ${describeSpan(train)}): shorten \`purge\` or lengthen \`train\``);
    folds.push({ index: folds.length, train: { startNs: trainStart, endNs: testStart }, test: { startNs: testStart, endNs: testEnd }, purgedTrainEndNs: testStart - purgeNs });
  }
  return folds;
}

/** Whether closed [s.startNs, s.endNs] meets half-open [r.startNs, r.endNs). */
export function overlaps(sample: SampleInterval, range: TimeRange): boolean {
  return sample.startNs < range.endNs && sample.endNs >= range.startNs;
}

/**
 * The training samples that survive purging against every test range: none whose interval
 * overlaps a test range widened by `purgeNs` on both sides, none starting in the `embargoNs`
 * after a test range (see the header). Keeps the samples' order.
 */
export function purge<T extends SampleInterval>(trainSamples: readonly T[], testRange: TimeRange | readonly TimeRange[], purgeNs: bigint, embargoNs: bigint): T[] {
  const ranges: readonly TimeRange[] = isRangeList(testRange) ? testRange : [testRange];
  return trainSamples.filter((sample) => ranges.every((range) => {
    const widened = { startNs: range.startNs - purgeNs, endNs: range.endNs + purgeNs };
    if (overlaps(sample, widened)) return false;
    return !(sample.startNs >= range.endNs && sample.startNs < range.endNs + embargoNs);
  }));
}

function isRangeList(value: TimeRange | readonly TimeRange[]): value is readonly TimeRange[] {
  return Array.isArray(value);
}
