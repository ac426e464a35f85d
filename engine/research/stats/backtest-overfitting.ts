// The Probability of Backtest Overfitting by Combinatorially Symmetric Cross-Validation (CSCV):
// Bailey, Borwein, Lopez de Prado & Zhu, "The Probability of Backtest Overfitting", Journal of
// Computational Finance 20(4), 2017 (SSRN 2326253, 2013-2015), section 2, steps 1-5:
//
//   1. M is the T x N matrix of per-period returns, one column per trial (strategy variant).
//   2. Its rows are cut into S disjoint blocks M_1..M_S of equal length T/S, in time order.
//      (When S does not divide T, the oldest T mod S rows are left out so the blocks stay equal.)
//   3. Every combination c of S/2 blocks is a training set J (in-sample); the other S/2 blocks,
//      J-bar, are its testing set (out-of-sample): C(S, S/2) combinations.
//   4. For each c: R_n = metric of trial n on J, R-bar_n = metric of trial n on J-bar;
//      n* = argmax_n R_n (the first on ties); omega-bar_c = rank of R-bar_{n*} among R-bar (1 =
//      worst, ties take their average rank) / (N + 1); logit lambda_c = ln(omega-bar / (1 - omega-bar)).
//   5. PBO = the share of combinations with lambda_c <= 0: the in-sample best performed at or below
//      the out-of-sample median.
//
// With the default metric (sharpeRatio) each block's per-trial sum and sum of squares is computed
// once and combined per combination (O(S) per trial, not O(T)); a custom metric gets each trial's
// in-sample and out-of-sample returns concatenated in time order.
import { sharpeFromMoments, sharpeRatio } from './return-moments.js';

/**
 * Largest S: every one of the C(S, S/2) combinations is listed and measured, and C(20, 10) =
 * 184,756 already; with C(24, 12) = 2,704,156 a sweep's report peaked at 0.7 GB resident, and
 * C(32, 16) = 601,080,390 ran the process out of heap (sweep --partitions 32).
 */
export const MAX_PARTITIONS = 20;

export interface BacktestOverfittingOptions {
  /** S: the number of blocks, even, 2 <= S <= MAX_PARTITIONS (default 16, as in the paper's examples). */
  readonly partitions?: number;
  /** Performance of one trial over a set of periods (default: per-period sharpeRatio). */
  readonly metric?: (returns: ArrayLike<number>) => number;
}

export interface BacktestOverfittingResult {
  /** The share of combinations whose logit is <= 0. */
  readonly pbo: number;
  /** lambda_c per combination, combinations in lexicographic order of their block indices. */
  readonly logits: number[];
  /** C(S, S/2). */
  readonly combinations: number;
  /** S. */
  readonly partitions: number;
}

/** PBO by CSCV (see the header); `performance` holds one per-period return series per trial. */
export function probabilityOfBacktestOverfitting(
  performance: readonly ArrayLike<number>[],
  options: BacktestOverfittingOptions = {},
): BacktestOverfittingResult {
  const S = options.partitions ?? 16;
  const N = performance.length;
  if (!Number.isInteger(S) || S < 2 || S % 2 !== 0) throw new RangeError(`\`partitions\` must be an even integer >= 2, was ${S}`);
  if (S > MAX_PARTITIONS) throw new RangeError(`\`partitions\` must be at most ${MAX_PARTITIONS} (C(${S}, ${S / 2}) = ${combinationCount(S, S / 2)} combinations, each measured), was ${S}`);
  if (N < 2) throw new RangeError(`\`performance\` must hold at least 2 trials, had ${N}`);
  const T = performance[0].length;
  performance.forEach((series, n) => {
    if (series.length !== T) throw new RangeError(`\`performance[${n}]\` must have the same length as performance[0] (${T}), had ${series.length}`);
  });
  const blockLength = Math.floor(T / S);
  if (blockLength < 1) throw new RangeError(`\`performance\` series must have at least partitions (${S}) periods, had ${T}`);
  const offset = T - blockLength * S;
  const combos = combinationsOf(S, S / 2);
  const inSample = new Float64Array(N);
  const outSample = new Float64Array(N);
  const logits: number[] = [];
  const measure = options.metric === undefined || options.metric === sharpeRatio
    ? blockSharpe(performance, S, blockLength, offset)
    : blockMetric(performance, options.metric, S, blockLength, offset);
  let overfit = 0;
  const inBlock = new Uint8Array(S);
  for (const combo of combos) {
    inBlock.fill(0);
    for (const s of combo) inBlock[s] = 1;
    measure(inBlock, inSample, outSample);
    // An undefined in-sample metric (NaN: a flat run) is never the best; all undefined: the first.
    let best = 0;
    for (let n = 1; n < N; n++) if (inSample[n] > inSample[best] || (Number.isNaN(inSample[best]) && !Number.isNaN(inSample[n]))) best = n;
    const omega = averageRank(outSample, best) / (N + 1);
    const logit = Math.log(omega / (1 - omega));
    logits.push(logit);
    if (logit <= 0) overfit += 1;
  }
  return { pbo: overfit / combos.length, logits, combinations: combos.length, partitions: S };
}

type Measure = (inBlock: Uint8Array, inSample: Float64Array, outSample: Float64Array) => void;

/** Sharpe ratios from per-block sums of (r - trial mean) and their squares (shifted for accuracy). */
function blockSharpe(performance: readonly ArrayLike<number>[], S: number, L: number, offset: number): Measure {
  const N = performance.length;
  const sums = new Float64Array(N * S);
  const squares = new Float64Array(N * S);
  const shifts = new Float64Array(N);
  for (let n = 0; n < N; n++) {
    const series = performance[n];
    let total = 0;
    for (let t = offset; t < offset + S * L; t++) total += series[t];
    const shift = total / (S * L);
    shifts[n] = shift;
    for (let s = 0; s < S; s++) {
      let sum = 0;
      let square = 0;
      for (let t = offset + s * L; t < offset + (s + 1) * L; t++) {
        const d = series[t] - shift;
        sum += d;
        square += d * d;
      }
      sums[n * S + s] = sum;
      squares[n * S + s] = square;
    }
  }
  const count = (S / 2) * L;
  return (inBlock, inSample, outSample) => {
    for (let n = 0; n < N; n++) {
      let sumIn = 0;
      let sqIn = 0;
      let sumOut = 0;
      let sqOut = 0;
      for (let s = 0; s < S; s++) {
        if (inBlock[s]) {
          sumIn += sums[n * S + s];
          sqIn += squares[n * S + s];
        } else {
          sumOut += sums[n * S + s];
          sqOut += squares[n * S + s];
        }
      }
      inSample[n] = shiftedSharpe(sumIn, sqIn, count, shifts[n]);
      outSample[n] = shiftedSharpe(sumOut, sqOut, count, shifts[n]);
    }
  };
}

function shiftedSharpe(sum: number, squares: number, count: number, shift: number): number {
  if (count < 2) return Number.NaN;
  const meanShifted = sum / count;
  const variance = Math.max(0, (squares - sum * meanShifted) / (count - 1));
  return sharpeFromMoments(meanShifted + shift, variance);
}

function blockMetric(performance: readonly ArrayLike<number>[], metric: (returns: ArrayLike<number>) => number, S: number, L: number, offset: number): Measure {
  const half = (S / 2) * L;
  const inBuffer = new Float64Array(half);
  const outBuffer = new Float64Array(half);
  return (inBlock, inSample, outSample) => {
    performance.forEach((series, n) => {
      let i = 0;
      let o = 0;
      for (let s = 0; s < S; s++) {
        const target = inBlock[s] ? inBuffer : outBuffer;
        let at = inBlock[s] ? i : o;
        for (let t = offset + s * L; t < offset + (s + 1) * L; t++) target[at++] = series[t];
        if (inBlock[s]) i = at;
        else o = at;
      }
      inSample[n] = metric(inBuffer);
      outSample[n] = metric(outBuffer);
    });
  };
}

/** 1-based rank of values[index] among values, ascending, ties averaged; NaN ranks lowest. */
function averageRank(values: Float64Array, index: number): number {
  const v = values[index];
  let below = 0;
  let equal = 0;
  for (let n = 0; n < values.length; n++) {
    const x = values[n];
    if (Number.isNaN(v)) {
      if (Number.isNaN(x)) equal += 1;
    } else if (Number.isNaN(x) || x < v) below += 1;
    else if (x === v) equal += 1;
  }
  return below + (equal + 1) / 2;
}

/** C(n, k). */
function combinationCount(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

/** Every k-subset of 0..n-1 in lexicographic order. */
export function combinationsOf(n: number, k: number): number[][] {
  const out: number[][] = [];
  const current: number[] = [];
  const walk = (start: number): void => {
    if (current.length === k) {
      out.push([...current]);
      return;
    }
    for (let i = start; i <= n - (k - current.length); i++) {
      current.push(i);
      walk(i + 1);
      current.pop();
    }
  };
  walk(0);
  return out;
}
