// Public API of engine/research/stats: selection statistics for choosing among backtest trials
// (per-period Sharpe ratio and return moments, the Probabilistic and Deflated Sharpe Ratios,
// the expected maximum Sharpe of N trials, the Probability of Backtest Overfitting by CSCV) and
// seeded resampling for Monte Carlo robustness (the stationary bootstrap, trade-order shuffles,
// percentile intervals). Every formula cites its source in the module that implements it; every
// random draw comes from SeededRandom, so a seed reproduces a result byte for byte.
export { sharpeRatio, returnMoments, type ReturnMoments } from './return-moments.js';
export {
  probabilisticSharpeRatio, expectedMaxSharpe, deflatedSharpeRatio, EULER_MASCHERONI,
  type DeflatedSharpeInput, type ProbabilisticSharpeInput,
} from './deflated-sharpe.js';
export { probabilityOfBacktestOverfitting, combinationsOf, MAX_PARTITIONS, type BacktestOverfittingOptions, type BacktestOverfittingResult } from './backtest-overfitting.js';
export {
  stationaryBootstrap, forEachStationaryBootstrap, shuffledTradeEquity, forEachShuffledTradeEquity,
  type ShuffleOptions, type StationaryBootstrapOptions,
} from './resampling.js';
export { percentileInterval, sortedQuantile, type PercentileInterval } from './percentile-interval.js';
export { normalCdf, normalQuantile } from './normal-distribution.js';
export { SeededRandom, seedBits } from './seeded-random.js';
