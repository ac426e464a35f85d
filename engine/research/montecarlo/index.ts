// Public API of engine/research/montecarlo: Monte Carlo robustness of a finished backtest
// (`quantflow backtest --out DIR`): confidence intervals for Sharpe, maximum drawdown and CAGR
// from the stationary block bootstrap of its equity returns and from shuffles of its trade
// order, and from reruns with every numeric strategy parameter perturbed. The statistics live in
// engine/research/stats; `quantflow montecarlo` (engine/cli/commands/montecarlo.ts) is the front.
export { readBacktestRun, parseIsoNs, BacktestRunFileError, type BacktestRunFiles } from './backtest-run-files.js';
export { pathMetrics, growthRate, compoundPath, NS_PER_YEAR, type PathMetrics } from './path-metrics.js';
export { equityMonteCarlo, intervals, type EquityMonteCarlo, type MetricIntervals, type MonteCarloOptions } from './equity-monte-carlo.js';
export { perturbStrategies, perturbToken, keepsTokenOrder, formatExpression, type PerturbedParameter, type PerturbedStrategies } from './strategy-perturbation.js';
export { perturbationMonteCarlo, RunNotReproducedError, type PerturbationOptions, type PerturbationResult, type PerturbationRun } from './parameter-perturbation.js';
