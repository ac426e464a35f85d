// Combinatorial purged cross-validation (Lopez de Prado, AFML ch. 12): the data's range cut
// into N contiguous groups of equal time; every choice of k test groups is a split (C(N, k)
// splits, in lexicographic order), trained on the other N - k groups after purging and
// embargo (folds.ts's `purge`). Each group is tested in C(N-1, k-1) splits, so the splits'
// test results assemble into phi = k/N * C(N, k) = C(N-1, k-1) backtest paths: path p takes,
// for each group, the p-th split (in split order) that tests it. Like a walk-forward, a CPCV makes
// at most MAX_WALK_FORWARD_FOLDS splits (each a model fit and backtests), and each group must be
// at least one bar long.
import { MAX_WALK_FORWARD_FOLDS, type TimeRange } from './folds.js';
import { describeSpan } from './spans.js';

export interface CpcvOptions {
  readonly startNs: bigint;
  readonly endNs: bigint;
  /** N, the number of groups (>= 2). */
  readonly groups: number;
  /** k, the test groups per split (1 <= k < N). */
  readonly testGroups: number;
  /** The data's bar interval: each group must be at least this long (a group holds a bar). */
  readonly barIntervalNs?: bigint;
}

export interface CpcvSplit {
  readonly index: number;
  /** Group indices tested in this split, ascending. */
  readonly testGroups: readonly number[];
  readonly trainGroups: readonly number[];
}

export interface CpcvPlan {
  readonly groups: readonly TimeRange[];
  readonly splits: readonly CpcvSplit[];
  /** paths[p][g]: the split whose test of group g belongs to path p. */
  readonly paths: readonly (readonly number[])[];
}

/** C(n, k) as a number (exact for the sizes a CPCV uses). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return Math.round(result);
}

export function cpcvPlan(options: CpcvOptions): CpcvPlan {
  const { startNs, endNs, groups: n, testGroups: k } = options;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`CPCV needs N >= 2 groups, was ${n}`);
  if (!Number.isInteger(k) || k < 1 || k >= n) throw new RangeError(`CPCV needs 1 <= k < N test groups, was k = ${k} with N = ${n}`);
  if (endNs - startNs < BigInt(n)) throw new RangeError(`the data range [${startNs}, ${endNs}) is too short for ${n} groups`);
  const span = endNs - startNs;
  const splitCount = binomial(n, k);
  if (splitCount > MAX_WALK_FORWARD_FOLDS) {
    throw new RangeError(`CPCV ${n}:${k} makes C(${n}, ${k}) = ${splitCount} splits (each a model fit and backtests); at most ${MAX_WALK_FORWARD_FOLDS}: fewer groups, or k nearer 1 or N - 1`);
  }
  const bar = options.barIntervalNs;
  if (bar !== undefined && bar > 0n && span / BigInt(n) < bar) {
    throw new RangeError(`CPCV ${n} groups over ${describeSpan(span)} of data are ${describeSpan(span / BigInt(n))} each, shorter than one bar (${describeSpan(bar)}): fewer groups`);
  }
  const groups: TimeRange[] = Array.from({ length: n }, (_, g) => ({
    startNs: startNs + (span * BigInt(g)) / BigInt(n),
    endNs: startNs + (span * BigInt(g + 1)) / BigInt(n),
  }));
  const splits: CpcvSplit[] = [];
  const choose = (from: number, picked: number[]): void => {
    if (picked.length === k) {
      splits.push({ index: splits.length, testGroups: [...picked], trainGroups: groups.map((_, g) => g).filter((g) => !picked.includes(g)) });
      return;
    }
    for (let g = from; g < n; g++) choose(g + 1, [...picked, g]);
  };
  choose(0, []);
  const pathCount = binomial(n - 1, k - 1);
  const paths: number[][] = Array.from({ length: pathCount }, () => new Array<number>(n).fill(-1));
  for (let g = 0; g < n; g++) {
    const testing = splits.filter((s) => s.testGroups.includes(g));
    testing.forEach((split, p) => { paths[p][g] = split.index; });
  }
  return { groups, splits, paths };
}
