// `quantflow montecarlo --run DIR`: Monte Carlo robustness of a finished backtest (the output
// directory of `quantflow backtest --out DIR`): confidence intervals for Sharpe, maximum drawdown
// and CAGR from the stationary block bootstrap of the equity's returns and from shuffles of the
// trade order, and with --perturb from reruns of the configuration's rule strategies with every
// numeric parameter perturbed (engine/research/montecarlo). Prints a short summary, or the report
// JSON with --json; --out FILE writes the report JSON too.
import { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BacktestOptionError, BacktestSetupError } from '../../backtest/index.js';
import { ConfigError, loadConfig, type QuantFlowConfig } from '../../config/index.js';
import { fileSha256, isFile } from '../../../adapters/store/index.js';
import type { DataSource } from '../../../adapters/sources/index.js';
import { StrategyConfigError, RuleExpressionError } from '../../strategy/index.js';
import {
  BacktestRunFileError, RunNotReproducedError, equityMonteCarlo, perturbationMonteCarlo, readBacktestRun,
  type BacktestRunFiles, type EquityMonteCarlo, type MetricIntervals, type PerturbationResult,
} from '../../research/montecarlo/index.js';
import type { PercentileInterval } from '../../research/stats/index.js';
import { UserFacingError } from '../cli-error.js';
import { parseIntegerOption } from '../parse-options.js';
import { csvOptionsFromFlags, withCsvMappingOptions } from '../csv-mapping-options.js';
import { openRunData, runDataSources } from '../open-run-data.js';
import { ensureOutputFile } from '../output-paths.js';

export interface MontecarloFlags {
  run: string;
  runs: string;
  block: string;
  seed: string;
  level: string;
  perturb?: boolean;
  config?: string;
  data?: string[];
  perturbRuns: string;
  perturbBy: string;
  barTimeframe: string;
  out?: string;
  json?: boolean;
  [mapping: string]: unknown;
}

export interface MontecarloReport {
  readonly run: string;
  readonly method: {
    readonly runs: number;
    readonly block: number;
    readonly seed: number | string;
    readonly level: number;
    readonly perturb: { readonly runs: number; readonly by: number } | null;
  };
  readonly original: EquityMonteCarlo['original'] & { readonly reported: { readonly sharpe: number | null; readonly cagr: number | null; readonly maxDrawdown: number | null } };
  readonly bootstrap: MetricIntervals;
  readonly tradeShuffle: EquityMonteCarlo['tradeShuffle'];
  readonly perturbation: Omit<PerturbationResult, 'elapsedSeconds'> | null;
  readonly elapsedSeconds: { readonly resampling: number; readonly perturbation: number | null };
}

export function registerMontecarloCommand(program: Command): void {
  withCsvMappingOptions(
    program
      .command('montecarlo')
      .description('Monte Carlo robustness of a backtest: confidence intervals for Sharpe, max drawdown and CAGR from a block bootstrap of its returns, trade-order shuffles and (--perturb) perturbed strategy parameters')
      .requiredOption('--run <dir>', 'a `quantflow backtest --out DIR` directory (equity.csv, trades.csv, report.json)')
      .option('--runs <n>', 'bootstrap resamples and trade shuffles', '1000')
      .option('--block <periods>', 'mean block length of the stationary bootstrap, in equity intervals (>= 1)', '20')
      .option('--seed <n>', 'random seed (non-negative integer): the same seed gives the same report', '1')
      .option('--level <p>', 'central level of the intervals, in (0, 1)', '0.95')
      .option('--perturb', 'also rerun the backtest with every numeric strategy parameter perturbed (needs --config; --data as for backtest)')
      .option('--config <file>', 'the configuration the run was made with (for --perturb)')
      .option('--data <sources...>', 'the data the run was made on (for --perturb; default: the sources the run\'s report.json records, checked by SHA-256)')
      .option('--perturb-runs <n>', 'perturbed reruns', '50')
      .option('--perturb-by <fraction>', 'relative half-width of the uniform perturbation (0.2 = +-20%), in (0, 1)', '0.2')
      .option('--bar-timeframe <tf>', 'bars built from tick data in the reruns (as for backtest)', '1m')
      .option('--out <file>', 'write the report JSON to FILE')
      .option('--json', 'print the report JSON on stdout'),
  ).action(async (flags: MontecarloFlags) => {
    const report = await runMontecarloCommand(flags);
    if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else process.stdout.write(`${summaryLines(report).join('\n')}\n`);
  });
}

/**
 * The data --perturb reruns on: `--data`, else the sources the run's report.json records (each
 * file checked against its recorded SHA-256: a changed file is refused), else the configuration's
 * `data`, else the bundled bars (a run written before report.json recorded its data).
 */
async function perturbSources(flags: MontecarloFlags, config: QuantFlowConfig, recorded: BacktestRunFiles['dataSources'], reportFile: string): Promise<DataSource[]> {
  if ((flags.data && flags.data.length > 0) || recorded === null) return runDataSources(flags.data, config, flags.config);
  const sources: DataSource[] = [];
  for (const [i, { source, sha256 }] of recorded.entries()) {
    const origin = `${reportFile} data[${i}]`;
    if (sha256 !== null) {
      if (!isFile(source)) throw new UserFacingError(`--perturb: the run read ${source} (${origin}), which is no longer there; give the run's data with --data`);
      const now = await fileSha256(source);
      if (now !== sha256) throw new UserFacingError(`--perturb: the run read ${source} with SHA-256 ${sha256} (${origin}), the file now hashes to ${now}: it changed since the run; give the run's data with --data`);
    }
    // A source the configuration names keeps its column mapping.
    const entry = config.data.find((d) => d.path === source || resolve(d.path) === source);
    sources.push(entry === undefined ? { source, origin } : { source, origin, csv: (({ path: _path, ...csv }) => csv)(entry) });
  }
  return sources;
}

/** Runs the command for already-parsed flags and returns the report (written to --out when given). */
export async function runMontecarloCommand(flags: MontecarloFlags, log: (line: string) => void = (line) => void process.stderr.write(`${line}\n`)): Promise<MontecarloReport> {
  const runs = parseIntegerOption('--runs', flags.runs, 1, 1_000_000);
  const block = parseNumberFlag('--block', flags.block, (v) => v >= 1, 'a number >= 1');
  if (!/^\d+$/.test(flags.seed.trim()) || BigInt(flags.seed.trim()) >= 1n << 64n) throw new UserFacingError(`\`--seed\` must be an integer in [0, 2^64), was ${JSON.stringify(flags.seed)}`);
  const seed = BigInt(flags.seed.trim());
  const level = parseNumberFlag('--level', flags.level, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  const perturbRuns = parseIntegerOption('--perturb-runs', flags.perturbRuns, 1, 100_000);
  const perturbBy = parseNumberFlag('--perturb-by', flags.perturbBy, (v) => v > 0 && v < 1, 'a number in (0, 1)');
  if (flags.perturb && !flags.config) throw new UserFacingError('`--perturb` needs `--config FILE` (the configuration whose strategy parameters are perturbed), was missing');

  const dir = resolve(flags.run);
  // Before the work (the reruns of --perturb take minutes), and never over the run's own files.
  if (flags.out) ensureOutputFile('--out', flags.out, ['equity.csv', 'trades.csv', 'report.json', 'fills.csv', 'report.html'].map((name) => join(dir, name)));
  let run;
  try {
    run = readBacktestRun(dir);
  } catch (error) {
    if (error instanceof BacktestRunFileError) throw new UserFacingError(`--run: ${error.message}`);
    throw error;
  }
  // A mean block as long as the returns resamples the path itself: every run the same, an interval of zero width.
  const periods = run.equity.length - 1;
  if (block >= periods) throw new UserFacingError(`\`--block\` must be shorter than the run's ${periods} equity intervals (a mean block that long resamples the whole path as it is, so every interval has zero width), was ${block}`);
  const started = process.hrtime.bigint();
  const mc = equityMonteCarlo(run, { runs, block, seed, level });
  const resampling = Number(process.hrtime.bigint() - started) / 1e9;

  let perturbation: PerturbationResult | null = null;
  if (flags.perturb) {
    let config;
    try {
      config = loadConfig({ configFile: flags.config });
    } catch (error) {
      if (error instanceof ConfigError) throw new UserFacingError(`--config: ${error.message}`);
      throw error;
    }
    const streams = await openRunData(await perturbSources(flags, config, run.dataSources, join(dir, 'report.json')), csvOptionsFromFlags(flags));
    try {
      perturbation = await perturbationMonteCarlo({
        config, streams, equity: run.startingCash, runs: perturbRuns, by: perturbBy, seed: BigInt.asUintN(64, seed + 2n), level,
        barTimeframe: flags.barTimeframe,
        // The perturbation is about this run: the unperturbed rerun must give its fills.
        reproduce: run.fillsSha256 === null ? undefined : { fillsSha256: run.fillsSha256, instruments: run.instruments, label: dir },
        onRun: (done, total) => { if (done === total || done % 10 === 0) log(`montecarlo: perturbed run ${done}/${total}`); },
      });
    } catch (error) {
      if (error instanceof BacktestOptionError || error instanceof BacktestSetupError || error instanceof StrategyConfigError || error instanceof RuleExpressionError) {
        throw new UserFacingError(`--perturb: ${error.message}`);
      }
      if (error instanceof RangeError || error instanceof RunNotReproducedError) throw new UserFacingError(`--perturb: ${error.message}`);
      throw error;
    }
  }
  const { elapsedSeconds: perturbSeconds, ...perturbRest } = perturbation ?? { elapsedSeconds: null };
  const report: MontecarloReport = {
    run: dir,
    method: {
      runs,
      block,
      seed: seed <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(seed) : seed.toString(),
      level,
      perturb: flags.perturb ? { runs: perturbRuns, by: perturbBy } : null,
    },
    original: { ...mc.original, reported: run.reported },
    bootstrap: mc.bootstrap,
    tradeShuffle: mc.tradeShuffle,
    perturbation: perturbation ? (perturbRest as Omit<PerturbationResult, 'elapsedSeconds'>) : null,
    elapsedSeconds: { resampling, perturbation: perturbSeconds },
  };
  if (flags.out) {
    try {
      // The file holds what the seed decides (the same bytes for the same inputs); the timings are printed only.
      const { elapsedSeconds: _timings, ...reproducible } = report;
      writeFileSync(resolve(flags.out), `${JSON.stringify(reproducible, null, 2)}\n`);
    } catch (error) {
      throw new UserFacingError(`--out: cannot write ${resolve(flags.out)} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  return report;
}

function parseNumberFlag(flag: string, text: string, ok: (value: number) => boolean, rule: string): number {
  const value = Number(text);
  if (typeof text !== 'string' || text.trim() === '' || !Number.isFinite(value) || !ok(value)) throw new UserFacingError(`\`${flag}\` must be ${rule}, was ${JSON.stringify(text)}`);
  return value;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const num = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

function line(name: string, original: number, interval: PercentileInterval | null, format: (x: number) => string): string {
  if (interval === null) return `  ${name.padEnd(13)} ${format(original).padStart(9)}   (undefined on every run)`;
  return `  ${name.padEnd(13)} ${format(original).padStart(9)}   [${format(interval.low)} .. ${format(interval.high)}], median ${format(interval.median)}`;
}

/** The human summary: the original point estimates and each interval. */
export function summaryLines(report: MontecarloReport): string[] {
  const { method, original } = report;
  const level = `${(method.level * 100).toFixed(method.level * 100 % 1 === 0 ? 0 : 1)}%`;
  const block = (title: string, intervals: MetricIntervals, point: { sharpe: number; maxDrawdown: number; cagr: number } = original) => [
    title,
    line('Sharpe', point.sharpe, intervals.sharpe, num),
    line('max drawdown', point.maxDrawdown, intervals.maxDrawdown, pct),
    line('CAGR', point.cagr, intervals.cagr, pct),
  ];
  const lines = [
    `montecarlo: ${report.run}: ${original.periods} returns over ${original.spanDays.toFixed(1)} days, ${original.trades} trades; ${level} intervals, seed ${method.seed}`,
    ...block(`stationary bootstrap of the equity returns (${method.runs} runs, mean block ${method.block}):   original   interval`, report.bootstrap),
  ];
  if (report.tradeShuffle) {
    // Read against the trades in their recorded order, measured as each shuffle is (per trade), not the per-bar figures above.
    lines.push(...block(`trade-order shuffle (${method.runs} runs; per-trade returns, original = the recorded order; the final equity, so the CAGR, is the same for every order):`, report.tradeShuffle, report.tradeShuffle.original));
  } else lines.push('trade-order shuffle: no trades in trades.csv');
  if (report.perturbation) {
    const p = report.perturbation;
    lines.push(...block(`parameters perturbed by +-${pct(p.by)} (${p.runs} reruns):`, p));
    lines.push(`  Sharpe > 0 in ${pct(p.shareSharpePositive)} of the reruns`);
  }
  lines.push(`took ${report.elapsedSeconds.resampling.toFixed(2)} s resampling${report.elapsedSeconds.perturbation === null ? '' : `, ${report.elapsedSeconds.perturbation.toFixed(1)} s perturbed reruns`}`);
  return lines;
}
