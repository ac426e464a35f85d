// Resampling for Monte Carlo robustness checks, reproducible from a seed (SeededRandom):
//
// - The stationary bootstrap of Politis & Romano, "The Stationary Bootstrap", JASA 89(428),
//   1994, section 2: a resampled series is a run of blocks; each block starts at a uniform index
//   of the original series and its length is geometric with mean 1/p (p = 1/meanBlock): after
//   each drawn value X_J, the next value is X_(J+1) with probability 1 - p (wrapping from the
//   last value to the first, the paper's circular extension), else a fresh uniform index. The
//   resampled series is stationary; meanBlock 1 is the i.i.d. bootstrap (Efron 1979).
// - Trade-order shuffles: the trade list's net P&L in a uniformly random order (Fisher-Yates,
//   Knuth TAOCP vol. 2, Algorithm 3.4.2 P), as an equity path from the starting cash. Every
//   order ends at the same equity; paths differ in drawdown and in their per-trade returns.
import { SeededRandom } from './seeded-random.js';

export interface StationaryBootstrapOptions {
  /** The mean block length 1/p, >= 1 (periods). */
  readonly meanBlock: number;
  /** Number of resampled series. */
  readonly runs: number;
  readonly seed: bigint | number;
}

/** `runs` stationary-bootstrap resamples of `returns`, each as long as it (see the header). */
export function stationaryBootstrap(returns: ArrayLike<number>, options: StationaryBootstrapOptions): Float64Array[] {
  const out: Float64Array[] = [];
  forEachStationaryBootstrap(returns, options, (path) => void out.push(Float64Array.from(path)));
  return out;
}

/**
 * The same resamples as stationaryBootstrap, one at a time in one reused buffer (constant
 * memory for long series and many runs); `visit` must copy what it keeps.
 */
export function forEachStationaryBootstrap(returns: ArrayLike<number>, options: StationaryBootstrapOptions, visit: (path: Float64Array, run: number) => void): void {
  const { meanBlock, runs } = options;
  const n = returns.length;
  if (!(meanBlock >= 1) || !Number.isFinite(meanBlock)) throw new RangeError(`\`meanBlock\` must be a finite number >= 1, was ${meanBlock}`);
  checkRuns(runs);
  if (n === 0) throw new RangeError('`returns` must not be empty');
  const rng = new SeededRandom(options.seed);
  const p = 1 / meanBlock;
  const path = new Float64Array(n);
  for (let run = 0; run < runs; run++) {
    let at = rng.nextInt(n);
    path[0] = returns[at];
    for (let i = 1; i < n; i++) {
      if (rng.nextDouble() < p) at = rng.nextInt(n);
      else at = at + 1 === n ? 0 : at + 1;
      path[i] = returns[at];
    }
    visit(path, run);
  }
}

export interface ShuffleOptions {
  readonly runs: number;
  readonly seed: bigint | number;
}

/** `runs` equity paths (length trades + 1, from startingCash) of the trades' P&L in shuffled order. */
export function shuffledTradeEquity(tradePnl: ArrayLike<number>, startingCash: number, options: ShuffleOptions): Float64Array[] {
  const out: Float64Array[] = [];
  forEachShuffledTradeEquity(tradePnl, startingCash, options, (path) => void out.push(Float64Array.from(path)));
  return out;
}

/** The same paths as shuffledTradeEquity, one at a time in one reused buffer. */
export function forEachShuffledTradeEquity(tradePnl: ArrayLike<number>, startingCash: number, options: ShuffleOptions, visit: (path: Float64Array, run: number) => void): void {
  checkRuns(options.runs);
  if (!Number.isFinite(startingCash)) throw new RangeError(`\`startingCash\` must be finite, was ${startingCash}`);
  const n = tradePnl.length;
  const rng = new SeededRandom(options.seed);
  const order = Float64Array.from(tradePnl as ArrayLike<number>);
  const path = new Float64Array(n + 1);
  for (let run = 0; run < options.runs; run++) {
    order.set(tradePnl as ArrayLike<number>);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.nextInt(i + 1);
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    path[0] = startingCash;
    for (let i = 0; i < n; i++) path[i + 1] = path[i] + order[i];
    visit(path, run);
  }
}

function checkRuns(runs: number): void {
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`\`runs\` must be an integer >= 1, was ${runs}`);
}
