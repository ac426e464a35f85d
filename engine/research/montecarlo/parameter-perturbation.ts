// Robustness to parameters: the configuration's rule strategies rerun `runs` times over the same
// data, each time with every numeric parameter perturbed by a uniform factor in [1 - by, 1 + by]
// (strategy-perturbation.ts), through runBacktest (engine/backtest) with recording on; each run's
// Sharpe, maximum drawdown and CAGR come from computeReport, exactly as report.json has them. The
// streams are loaded into memory once (MemoryStream) and replayed for every run. Reported: the
// percentile interval of each metric over the runs and the share of runs with Sharpe > 0.
// Given the run being judged (`reproduce`: its fills' SHA-256), the configuration is first rerun
// unperturbed: the perturbed runs only speak for that run when the same configuration over the
// same data gives the same fills, so other fills (another data set, other instruments, another
// configuration) are refused (RunNotReproducedError) before any perturbed run.
import { computeReport, MemoryStream, runBacktest } from '../../backtest/index.js';
import type { QuantFlowConfig } from '../../config/index.js';
import type { MarketStream } from '../../replay/index.js';
import { percentileInterval, SeededRandom, type PercentileInterval } from '../stats/index.js';
import { perturbStrategies, type PerturbedParameter } from './strategy-perturbation.js';

export interface PerturbationOptions {
  readonly config: QuantFlowConfig;
  readonly streams: readonly MarketStream[];
  /** Starting cash. */
  readonly equity: number;
  readonly runs: number;
  /** Relative half-width of the uniform factor (0.2: +-20%). */
  readonly by: number;
  readonly seed: bigint | number;
  readonly level: number;
  readonly barTimeframe?: string;
  /** The run the perturbation is about: the unperturbed rerun must give its fills (see the header). */
  readonly reproduce?: { readonly fillsSha256: string; readonly instruments: readonly string[] | null; readonly label: string };
  /** Called after each run (progress). */
  onRun?(done: number, total: number): void;
}

export interface PerturbationRun {
  readonly run: number;
  readonly sharpe: number | null;
  readonly maxDrawdown: number;
  readonly cagr: number | null;
  readonly trades: number;
  readonly parameters: readonly PerturbedParameter[];
}

export interface PerturbationResult {
  readonly runs: number;
  readonly by: number;
  readonly sharpe: PercentileInterval | null;
  readonly maxDrawdown: PercentileInterval | null;
  readonly cagr: PercentileInterval | null;
  /** Runs with Sharpe > 0 / runs (a run with an undefined Sharpe counts as not > 0). */
  readonly shareSharpePositive: number;
  readonly elapsedSeconds: number;
  readonly perRun: readonly PerturbationRun[];
}

/** Reruns the backtest with perturbed parameters (see the header). */
export async function perturbationMonteCarlo(options: PerturbationOptions): Promise<PerturbationResult> {
  const { config, runs, by, level } = options;
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`\`runs\` must be an integer >= 1, was ${runs}`);
  if (!config.strategies.some((s) => s.type === 'rules')) throw new RangeError('the configuration must have at least one rule strategy (`strategies` with type rules) to perturb');
  const started = process.hrtime.bigint();
  const streams = await Promise.all(options.streams.map((s) => (s instanceof MemoryStream ? s : MemoryStream.load(s))));
  if (options.reproduce) {
    const baseline = computeReport((await runBacktest({ streams, config, equity: options.equity, barTimeframe: options.barTimeframe, record: true })).recording);
    const expected = options.reproduce;
    if (baseline.fillsSha256 !== expected.fillsSha256) {
      throw new RunNotReproducedError(
        `the configuration and data do not reproduce the run ${expected.label}: unperturbed they trade ${Object.keys(baseline.byInstrument).join(', ')} (${baseline.account.trades} trades, fills sha256 ${baseline.fillsSha256.slice(0, 12)}), the run traded ${expected.instruments?.join(', ') ?? '?'} (fills sha256 ${expected.fillsSha256.slice(0, 12)} in its report.json), so the perturbed runs would measure another backtest: give the --config and --data (and CSV options, --bar-timeframe) the run was made with`,
      );
    }
  }
  const rng = new SeededRandom(options.seed);
  const perRun: PerturbationRun[] = [];
  for (let run = 0; run < runs; run++) {
    const perturbed = perturbStrategies(config.strategies, rng, by, config.risk.maxLeverage);
    const result = await runBacktest({ streams, config: { ...config, strategies: perturbed.strategies }, equity: options.equity, barTimeframe: options.barTimeframe, record: true });
    const report = computeReport(result.recording);
    perRun.push({
      run,
      sharpe: report.account.sharpe,
      maxDrawdown: report.account.drawdown.maxDrawdown,
      cagr: report.account.cagr,
      trades: report.account.trades,
      parameters: perturbed.parameters,
    });
    options.onRun?.(run + 1, runs);
  }
  const of = (values: (number | null)[]): PercentileInterval | null => {
    const kept = values.filter((v): v is number => v !== null && !Number.isNaN(v));
    return kept.length === 0 ? null : percentileInterval(kept, level);
  };
  return {
    runs,
    by,
    sharpe: of(perRun.map((r) => r.sharpe)),
    maxDrawdown: of(perRun.map((r) => r.maxDrawdown)),
    cagr: of(perRun.map((r) => r.cagr)),
    shareSharpePositive: perRun.filter((r) => r.sharpe !== null && r.sharpe > 0).length / runs,
    elapsedSeconds: Number(process.hrtime.bigint() - started) / 1e9,
    perRun,
  };
}

/** The configuration and data given for --perturb do not give the judged run's fills when unperturbed. */
export class RunNotReproducedError extends Error {
  override readonly name = 'RunNotReproducedError';
}
