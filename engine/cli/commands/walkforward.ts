// `quantflow walkforward`: walk-forward (rolling or anchored) or CPCV evaluation of the
// configuration's strategies on bar data, with purging and embargo, the regime model refitted
// on each training window, and the final out-of-sample reserve held back (engine/research/
// walkforward). The sources are loaded once; the most recent `--reserve` fraction of their time
// range is cut before anything reads them, unless `--final`, whose every use is logged in LMDB
// (`--state`) under the data's identity. Writes report.json and per-fold equity CSVs to `--out`.
// A configured `model` (the ML expert's quantile model) is opened as `quantflow backtest` opens
// it and serves every fold, each bar by the model fold trained before it (report.json says which
// model folds served each walk-forward fold); its answers go through the same ahead cache.
import { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, type QuantFlowConfig } from '../../config/index.js';
import { UserFacingError } from '../cli-error.js';
import { csvOptionsFromFlags, withCsvMappingOptions } from '../csv-mapping-options.js';
import { openRunData, recordedSources, runDataSources } from '../open-run-data.js';
import { BacktestSetupError } from '../../backtest/index.js';
import type { MarketStream } from '../../replay/index.js';
import type { AheadCache } from '../../models/index.js';
import {
  cutReserve, parseSpan, parseWindowSpan, runWalkForward, type EquitySample, type ResearchData, type Span, type WalkForwardRun,
} from '../../research/walkforward/index.js';
import { MemoryStream } from '../../backtest/index.js';
import { openAheadCache, openRunModel } from './backtest.js';
import { checkOutputDirectory, ensureOutputDirectory } from '../output-paths.js';
import { checkReserveLog } from '../research-reserve.js';

export interface WalkforwardFlags {
  data?: string[];
  config?: string;
  train: string;
  test: string;
  step?: string;
  mode: string;
  purge: string;
  embargo: string;
  cpcv?: string;
  reserve: string;
  final?: boolean;
  state: string;
  out?: string;
  warmup?: string;
  equity: string;
  regimeSymbol?: string;
  json?: boolean;
  aheadCache?: string | false;
  [mapping: string]: unknown;
}

export function registerWalkforwardCommand(program: Command): void {
  withCsvMappingOptions(
    program
      .command('walkforward')
      .description('Walk-forward or CPCV evaluation of the configuration\'s strategies on bars: purged and embargoed folds, the regime model refitted per training window, a final reserve held back')
      .option('--data <sources...>', 'bar sources: CSV files, store:DIR[?...], questdb://... (default: the configuration\'s `data` sources, else the bundled 1h bars)')
      .option('--config <file>', 'configuration merged over config/default.yaml (strategies, risk, execution, venue ...)')
      .option('--train <span>', 'training window: 6mo, 1y, 8w, 90d, 720h, or a bar count (2000 or 2000bars)', '6mo')
      .option('--test <span>', 'test window (same forms)', '1mo')
      .option('--step <span>', 'how far each fold moves (default: --test)')
      .option('--mode <mode>', 'rolling (fixed-length training window) or anchored (training starts at the data\'s start)', 'rolling')
      .option('--purge <span>', 'gap removed from training around each test window (0, 24h, 10bars ...)', '0')
      .option('--embargo <span>', 'training samples starting this soon after a test window are dropped (CPCV)', '0')
      .option('--cpcv <N:k>', 'combinatorial purged cross-validation: N groups, k test groups per split (instead of walk-forward folds)')
      .option('--reserve <fraction>', 'the most recent fraction of the data\'s time range held back as the final out-of-sample reserve', '0.2')
      .option('--final', 'include the reserve (each use is logged in --state and counted in every report)')
      .option('--state <dir>', 'LMDB directory of the reserve\'s look log', '.quantflow/research')
      .option('--out <dir>', 'directory for report.json and the equity CSVs')
      .option('--warmup <bars>', 'bars fed before each test window to warm indicators up (default: the plan\'s longest warm-up + 1)')
      .option('--equity <amount>', 'starting cash of each fold', '100000')
      .option('--regime-symbol <symbol>', 'the instrument whose training bars the regime model is fitted on (default: the first source\'s)')
      .option('--json', 'print report.json on stdout')
      .option('--ahead-cache <dir>', 'LMDB cache of the ML expert\'s answers computed ahead (default .quantflow/cache)')
      .option('--no-ahead-cache', 'run the model for every fold (no cache read or written)'),
  ).action(async (flags: WalkforwardFlags, command: Command) => {
    checkCpcvConflicts(flags, (name) => command.getOptionValueSource(name) === 'cli');
    await runWalkforwardCommand(flags);
  });
}

/** The walk-forward window options that a CPCV (`--cpcv`, groups of equal time over the data) does not use. */
const WALK_FORWARD_ONLY = [['train', '--train'], ['test', '--test'], ['step', '--step'], ['mode', '--mode']] as const;

/**
 * Refuses `--cpcv` beside a walk-forward window option the user gave (`given(name)`): the CPCV
 * cuts the data into N groups and ignores them, so the run would not be the one asked for.
 */
export function checkCpcvConflicts(flags: Pick<WalkforwardFlags, 'cpcv'>, given: (name: string) => boolean): void {
  if (flags.cpcv === undefined) return;
  const conflicting = WALK_FORWARD_ONLY.filter(([name]) => given(name)).map(([, flag]) => flag);
  if (conflicting.length === 0) return;
  throw new UserFacingError(`\`--cpcv\` ${JSON.stringify(flags.cpcv)} excludes ${conflicting.join(', ')}: a CPCV trains on the groups outside each split's test groups (N groups of equal time over the data), not on walk-forward windows; drop ${conflicting.length > 1 ? 'them' : 'it'}, or drop --cpcv for a walk-forward`);
}

export interface WalkforwardCommandOptions {
  /** Instrumentation for tests: wraps each opened source before it is loaded. */
  readonly wrapSource?: (stream: MarketStream) => MarketStream;
  /** Instrumentation for tests: every stream the run reads after the reserve cut. */
  readonly observe?: (stream: MarketStream) => MarketStream;
  readonly print?: (text: string) => void;
  readonly log?: (line: string) => void;
}

export async function runWalkforwardCommand(flags: WalkforwardFlags, hooks: WalkforwardCommandOptions = {}): Promise<WalkForwardRun> {
  const print = hooks.print ?? ((text: string) => void process.stdout.write(text));
  const log = hooks.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  if (flags.out) checkOutputDirectory('--out', flags.out);
  const reserve = Number(flags.reserve);
  if (!/^\s*\d*\.?\d+\s*$/.test(flags.reserve) || !(reserve >= 0 && reserve < 1)) throw new UserFacingError(`\`--reserve\` must be a fraction in [0, 1), was ${JSON.stringify(flags.reserve)}`);
  const equity = Number(flags.equity);
  if (!Number.isFinite(equity) || equity <= 0) throw new UserFacingError(`\`--equity\` must be a finite number > 0, was ${JSON.stringify(flags.equity)}`);
  if (flags.mode !== 'rolling' && flags.mode !== 'anchored') throw new UserFacingError(`\`--mode\` must be rolling or anchored, was ${JSON.stringify(flags.mode)}`);
  const mode = flags.mode;
  let cpcv: { groups: number; testGroups: number } | undefined;
  if (flags.cpcv !== undefined) {
    const m = /^(\d+):(\d+)$/.exec(flags.cpcv.trim());
    const groups = m ? Number(m[1]) : NaN;
    const testGroups = m ? Number(m[2]) : NaN;
    if (!m || groups < 2 || testGroups < 1 || testGroups >= groups || groups > 20) throw new UserFacingError(`\`--cpcv\` must be N:k with 2 <= N <= 20 and 1 <= k < N (e.g. 6:2), was ${JSON.stringify(flags.cpcv)}`);
    cpcv = { groups, testGroups };
  }
  let warmupBars: number | undefined;
  if (flags.warmup !== undefined) {
    warmupBars = Number(flags.warmup);
    if (!/^\s*\d+\s*$/.test(flags.warmup) || !Number.isSafeInteger(warmupBars)) throw new UserFacingError(`\`--warmup\` must be a whole number of bars >= 0, was ${JSON.stringify(flags.warmup)}`);
  }
  const config = loadWalkforwardConfig(flags.config);
  const sources = runDataSources(flags.data, config, flags.config);
  const opened = await openRunData(sources, csvOptionsFromFlags(flags));
  const wrapped = hooks.wrapSource ? opened.map(hooks.wrapSource) : opened;
  const loaded: MemoryStream[] = [];
  for (const stream of wrapped) loaded.push(await MemoryStream.load(stream));
  let data: ResearchData;
  try {
    data = cutReserve(loaded, { reserve, final: flags.final === true });
  } catch (error) {
    // The data came from --data, the configuration's `data` entries or the bundled bars.
    const origin = sources[0]?.origin === undefined ? '--data' : `${flags.config ?? 'the configuration\'s'} data`;
    throw new UserFacingError(`${origin}: ${(error as Error).message}`);
  }
  loaded.length = 0;
  const barIntervalNs = data.streams.find((s) => s.kind === 'bars')?.barIntervalNs;
  const span = (flag: string, text: string, allowZero: boolean): Span => {
    let parsed: Span | undefined;
    try {
      parsed = parseSpan(text, barIntervalNs, allowZero);
    } catch (error) {
      throw new UserFacingError(`\`${flag}\`: ${(error as Error).message}`);
    }
    if (parsed === undefined) throw new UserFacingError(`\`${flag}\` must be a ${allowZero ? '' : 'positive '}span such as 6mo, 1y, 2w, 30d, 12h, 15m, 30s or a bar count (500 or 500bars), was ${JSON.stringify(text)}`);
    return parsed;
  };
  const fixed = (flag: string, text: string): bigint => {
    const parsed = span(flag, text, true);
    if (typeof parsed !== 'bigint') throw new UserFacingError(`\`${flag}\` must be a fixed span (d, h, m, s or bars), not months, was ${JSON.stringify(text)}`);
    return parsed;
  };
  // Windows count bars in the data's own bar times (100bars of daily equity bars: 100 trading days).
  const windowSpan = (flag: string, text: string): Span => {
    const parsed = parseWindowSpan(text);
    if (parsed === undefined) throw new UserFacingError(`\`${flag}\` must be a positive span such as 6mo, 1y, 2w, 30d, 12h, 15m, 30s or a bar count (500 or 500bars), was ${JSON.stringify(text)}`);
    return parsed;
  };
  const train = windowSpan('--train', flags.train);
  const test = windowSpan('--test', flags.test);
  const step = flags.step === undefined ? undefined : windowSpan('--step', flags.step);
  const purgeNs = fixed('--purge', flags.purge);
  const embargoNs = fixed('--embargo', flags.embargo);

  const command = ['quantflow', 'walkforward', ...process.argv.slice(3)].join(' ');
  const { looks, state, commit } = await checkReserveLog(flags.state, data, command);
  if (flags.final) log(`--final: the reserve from ${new Date(Number(data.reserveStartNs / 1_000_000n)).toISOString()} is included; looks at this data's reserve: ${looks} (logged in ${state} once the run succeeds)`);
  else if (looks > 0) log(`note: the reserve of this data has been looked at ${looks} time(s) (--state ${state})`);

  const model = await openRunModel(config, log);
  let aheadCache: AheadCache | undefined;
  let run: WalkForwardRun;
  try {
    aheadCache = model?.state === 'serving' ? openAheadCache(flags.aheadCache) : undefined;
    run = await runWalkForward({
      data, config, train, test, step, mode, purgeNs, embargoNs, cpcv, warmupBars, equity,
      regimeSymbol: flags.regimeSymbol, reserveLooks: looks, command, observe: hooks.observe, log, model, aheadCache,
    });
  } catch (error) {
    if (error instanceof RangeError || error instanceof BacktestSetupError || error instanceof ConfigError) throw new UserFacingError(`walkforward: ${error.message}`);
    throw error;
  } finally {
    if (model?.state === 'serving') await model.set.release();
    await aheadCache?.close();
  }
  await commit();
  run = { ...run, report: { ...run.report, data: { ...run.report.data, files: await recordedSources(sources.map((s) => s.source)) } } };
  if (flags.out) writeOutputs(ensureOutputDirectory('--out', flags.out), run);
  if (flags.json) print(`${JSON.stringify(run.report, null, 2)}\n`);
  else print(`${summaryLines(run).join('\n')}\n`);
  return run;
}

function loadWalkforwardConfig(file: string | undefined): QuantFlowConfig {
  try {
    return loadConfig({ configFile: file, env: process.env });
  } catch (error) {
    if (error instanceof ConfigError) throw new UserFacingError(error.message);
    throw error;
  }
}

function equityCsv(curve: readonly EquitySample[]): string {
  return `time,equity\n${curve.map((p) => `${new Date(Number(p.timeNs / 1_000_000n)).toISOString()},${p.equity}`).join('\n')}${curve.length > 0 ? '\n' : ''}`;
}

function writeOutputs(out: string, run: WalkForwardRun): void {
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'report.json'), `${JSON.stringify(run.report, null, 2)}\n`);
  for (const { name, curve } of run.curves) writeFileSync(join(out, `${name}-equity.csv`), equityCsv(curve));
  if (run.stitchedCurve.length > 0) writeFileSync(join(out, 'stitched-equity.csv'), equityCsv(run.stitchedCurve));
}

function summaryLines(run: WalkForwardRun): string[] {
  const { report } = run;
  const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
  const sharpe = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(2));
  const lines = [
    `walkforward (${String(report.settings.mode)}): data ${report.data.first} .. ${report.data.last}; reserve from ${report.reserve.start} ${report.reserve.final ? 'INCLUDED (--final)' : 'held back'}; looked at ${report.reserve.looks} time(s)`,
  ];
  for (const f of report.folds) {
    const q = f.quantileModel;
    const ml = q === null ? '' : q.state === 'absent' ? '; ML expert absent' : `; ML expert folds ${q.folds.map((m) => m.fold).join(', ') || 'none'} (${q.onTime} on time, ${q.timeouts} without)`;
    lines.push(`  fold ${f.index}: train ${f.train.start.slice(0, 10)}..${f.train.end.slice(0, 10)} test ${f.test.start.slice(0, 10)}..${f.test.end.slice(0, 10)}${f.inReserve ? ' [reserve]' : ''}: return ${pct(f.oos.return)}, Sharpe ${sharpe(f.oos.sharpe)}, max DD ${pct(f.oos.maxDrawdown)}, ${f.trades} trades${ml}`);
  }
  if (report.stitched) lines.push(`  stitched OOS: return ${pct(report.stitched.return)}, Sharpe ${sharpe(report.stitched.sharpe)}, max DD ${pct(report.stitched.maxDrawdown)}, ${report.stitched.bars} bars`);
  else if (!report.cpcv && report.stitchedNote) lines.push(`  stitched OOS: none, ${report.stitchedNote}`);
  if (report.cpcv) for (const [p, path] of report.cpcv.paths.entries()) lines.push(`  path ${p}: return ${pct(path.oos.return)}, Sharpe ${sharpe(path.oos.sharpe)}, max DD ${pct(path.oos.maxDrawdown)}`);
  lines.push(`  ${(run.elapsedMs / 1000).toFixed(1)} s`);
  return lines;
}
