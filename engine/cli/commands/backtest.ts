// `quantflow backtest --data SOURCE... --config FILE --out DIR`: a thin front for
// engine/backtest. It opens the sources, loads the configuration (and a regime model when a
// fusion strategy needs one), shows a progress bar with events/s, writes the outputs and
// prints a one-screen summary with the hash of the fills. SIGINT/SIGTERM stop at a batch
// boundary; the outputs then cover what ran, and the summary says it was interrupted.
// A configured `model` is opened (engine/models openConfiguredModel) and served ahead of the
// replay; a model that cannot serve does not stop the run: it trades without the ML expert and
// the summary says why (a graph onnxruntime cannot load is found when the model is first
// loaded, before its first inference: no session is created for a run the cache answers). Its answers go through the ahead cache (--ahead-cache DIR, default
// .quantflow/cache; --no-ahead-cache to run the model every time): a rerun of the same data and
// model reads them back (the same bytes) and the summary says so.
// Each run is also recorded in the run store (engine/backtest/run-store: LMDB, --run-store DIR,
// default .quantflow/runs; --no-run-store to skip): its summary figures, command line, config
// hash, sources and the five output files, under a time-ordered id the summary prints (`run:`)
// and the dashboard's Runs page lists (`quantflow paper --run-store DIR`).
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import { resolve } from 'node:path';
import {
  BACKTEST_OUTPUT_FILES, backtestModelOf, runBacktest, summariseBacktest, writeBacktestOutputs, runInputFromOutputs, BacktestOptionError, BacktestSetupError, DEFAULT_RUN_STORE_DIR, RunStore,
  type BacktestModel, type BacktestRun, type RunSummary,
} from '../../backtest/index.js';
import { AheadCache, DEFAULT_AHEAD_CACHE_DIR, openConfiguredModel } from '../../models/index.js';
import { ConfigError, loadConfig, type QuantFlowConfig } from '../../config/index.js';
import { installStopOnSignal } from '../../shutdown/index.js';
import { INBOUND_CAPACITY } from '../../layout/memory-map.js';
import { UserFacingError } from '../cli-error.js';
import { parseIntegerOption } from '../parse-options.js';
import { csvOptionsFromFlags, withCsvMappingOptions } from '../csv-mapping-options.js';
import { openRunData, readRegimeModelFlag, recordedSources, runDataSources } from '../open-run-data.js';
import { ensureOutputDirectory, refuseOutputsOverInputs } from '../output-paths.js';

interface BacktestFlags {
  data?: string[];
  config?: string;
  out: string;
  regimeModel?: string;
  equity: string;
  seed?: string;
  barTimeframe: string;
  batch: string;
  json?: boolean;
  progress: boolean;
  aheadCache: string | false;
  runStore: string | false;
  [mapping: string]: unknown;
}

export function registerBacktestCommand(program: Command): void {
  withCsvMappingOptions(
    program
      .command('backtest')
      .description('Backtest strategies from the configuration on bars or ticks (CSV files, the LMDB store, QuestDB) through the engine thread, WASM core and simulated venue')
      .option('--data <sources...>', 'CSV files (plain or .gz), store:DIR[?symbol=&kind=&interval=&from=&to=], or questdb://host:port/table?symbol=&kind=&from=&to= (default: the configuration\'s `data` sources, else the bundled 1h bars in data/)')
      .option('--config <file>', 'configuration merged over config/default.yaml (strategies, risk, execution, exits, venue ...)')
      .requiredOption('--out <dir>', 'directory for report.json, report.html, fills.csv, trades.csv and equity.csv')
      .option('--regime-model <file>', 'regime model JSON (from `regime fit`) for fusion strategies')
      .option('--equity <amount>', 'starting cash, account currency', '100000')
      .option('--seed <n>', "the simulated venue's random seed (venue.latency.seed; random latency model only)")
      .option('--bar-timeframe <tf>', 'bars built in the core from tick data (30s, 1m, 5m, 1h ...)', '1m')
      .option('--batch <n>', `records published to the inbound ring at once (1..${INBOUND_CAPACITY})`, '4096')
      .option('--json', 'print the summary as one JSON document on stdout')
      .option('--no-progress', 'no progress bar on stderr')
      .option('--ahead-cache <dir>', 'LMDB cache of the ML expert\'s answers computed ahead (same model, features and bar times: read back instead of running the model)', DEFAULT_AHEAD_CACHE_DIR)
      .option('--no-ahead-cache', 'run the model for every backtest (no cache read or written)')
      .option('--run-store <dir>', 'LMDB store the run is recorded in (summary, command line, config hash, sources, report files) for the dashboard\'s Runs page', DEFAULT_RUN_STORE_DIR)
      .option('--no-run-store', 'do not record the run in the run store'),
  ).action(async (flags: BacktestFlags) => runBacktestCommand(flags));
}

async function runBacktestCommand(flags: BacktestFlags): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  ensureOutputDirectory('--out', flags.out);
  const batch = parseIntegerOption('--batch', flags.batch, 1, INBOUND_CAPACITY);
  const equity = Number(flags.equity);
  if (!Number.isFinite(equity) || equity <= 0) throw new UserFacingError(`--equity must be a finite number > 0, was ${JSON.stringify(flags.equity)}`);
  const config = loadBacktestConfig(flags);
  const regimeModel = flags.regimeModel ? readRegimeModelFlag(flags.regimeModel) : undefined;
  const sources = runDataSources(flags.data, config, flags.config);
  const files = sources.map((s) => s.source).filter((source) => !source.startsWith('store:') && !source.startsWith('questdb://'));
  refuseOutputsOverInputs('--out', flags.out, BACKTEST_OUTPUT_FILES, [...files, ...(flags.regimeModel ? [flags.regimeModel] : []), ...(flags.config ? [flags.config] : [])]);
  const streams = await openRunData(sources, csvOptionsFromFlags(flags));
  const model = await openRunModel(config, log);
  const aheadCache = model?.state === 'serving' ? openAheadCache(flags.aheadCache) : undefined;
  const expected = streams.every((s) => s.expectedRows !== undefined) ? streams.reduce((sum, s) => sum + (s.expectedRows ?? 0), 0) : undefined;

  // The signal handler exits (130/143) once the outputs of what ran are written and the summary
  // printed (stop.reported()), not when the run returns (the process then ended with neither).
  const stop = installStopOnSignal(() => 'the backtest was interrupted before its outputs were written.');
  const showBar = flags.progress && flags.json !== true && process.stderr.isTTY;
  const bar = showBar
    ? new cliProgress.SingleBar({ format: `backtest |{bar}| ${expected ? '{percentage}% ' : ''}{value}${expected ? '/{total}' : ''} events  {rate} events/s`, stream: process.stderr }, cliProgress.Presets.shades_classic)
    : undefined;
  const started = process.hrtime.bigint();
  bar?.start(expected ?? 0, 0, { rate: '-' });
  let run: BacktestRun;
  try {
    run = await runBacktest({
      streams,
      config,
      regimeModel,
      equity,
      barTimeframe: flags.barTimeframe,
      batch,
      model,
      aheadCache,
      shouldStop: () => stop.requested,
      onProgress: (published) => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        bar?.update(published, { rate: seconds > 0 ? formatRate(published / seconds) : '-' });
      },
      log,
    });
  } catch (error) {
    stop.dispose();
    if (error instanceof BacktestOptionError || error instanceof BacktestSetupError || error instanceof ConfigError) throw new UserFacingError(error.message);
    if (error instanceof RangeError) throw new UserFacingError(`configuration: ${error.message}`);
    throw error;
  } finally {
    bar?.stop();
    if (model?.state === 'serving') await model.set.release();
    await aheadCache?.close();
  }
  const out = resolve(flags.out);
  const data = await recordedSources(sources.map((s) => s.source));
  const written = await writeBacktestOutputs(out, run.recording, { title: `QuantFlow backtest: ${run.recording.instruments.map((i) => i.symbol).join(', ')}`, config, model: run.model, data });
  const summary = summariseBacktest(run, { out, files: written.files, sources: sources.map((s) => s.source) });
  const stored = flags.runStore === false ? undefined : await recordRun(flags.runStore, out, { config, sources: sources.map((s) => s.source), interrupted: run.stoppedEarly });
  if (stored) {
    summary.lines.push(`run: ${stored.summary.id} recorded in ${stored.dir}`);
    summary.json.runId = stored.summary.id;
    summary.json.runStore = stored.dir;
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(summary.json, null, 2)}\n`);
  else process.stdout.write(`${summary.lines.join('\n')}\n`);
  if (run.stoppedEarly) process.exitCode = 130;
  stop.dispose();
  stop.reported();
}

/** Records the run whose outputs are in `out` in the run store at `dir` (--run-store). */
async function recordRun(dir: string, out: string, context: { config: unknown; sources: string[]; interrupted: boolean }): Promise<{ dir: string; summary: RunSummary }> {
  const storeDir = resolve(dir);
  let store: RunStore | undefined;
  try {
    store = RunStore.open(storeDir);
    const input = await runInputFromOutputs(out, { ...context, timeMs: Date.now(), command: process.argv.slice(2) });
    return { dir: storeDir, summary: store.record(input) };
  } catch (error) {
    throw new UserFacingError(`--run-store ${storeDir}: the run could not be recorded (${String((error as Error).message ?? error).split('\n')[0]}); its outputs are in ${out}; give another directory or --no-run-store`);
  } finally {
    await store?.close();
  }
}

/** The ahead cache named by --ahead-cache (undefined with --no-ahead-cache). */
export function openAheadCache(flag: string | false | undefined): AheadCache | undefined {
  if (flag === false) return undefined;
  const dir = resolve(flag ?? DEFAULT_AHEAD_CACHE_DIR);
  try {
    return AheadCache.open(dir);
  } catch (error) {
    throw new UserFacingError(`--ahead-cache ${dir}: cannot open the cache (${((error as Error).message ?? String(error)).split('\n')[0]}); give another directory or --no-ahead-cache`);
  }
}

/** The configured model (undefined: `model: null`), opened for serving, or absent with the reason. */
export async function openRunModel(config: QuantFlowConfig, log: (line: string) => void): Promise<BacktestModel | undefined> {
  if (config.model === null) return undefined;
  // No onnxruntime session yet: runBacktest loads the model (the ahead pool's threads) while the
  // data is parsed, unless the ahead cache holds its answers (a hit needs none).
  const model = backtestModelOf(await openConfiguredModel(config.model, config.fusion.ml.horizonBars, { lazySessions: true }));
  if (model.state === 'absent') log(`ML expert absent: ${model.reason}`);
  return model;
}

function loadBacktestConfig(flags: BacktestFlags): QuantFlowConfig {
  const env = { ...process.env };
  if (flags.seed !== undefined) {
    if (!/^[0-9]+$/.test(flags.seed)) throw new UserFacingError(`--seed must be a non-negative integer, was ${JSON.stringify(flags.seed)}`);
    env.QF_VENUE__LATENCY__SEED = flags.seed;
  }
  try {
    return loadConfig({ configFile: flags.config, env });
  } catch (error) {
    if (error instanceof ConfigError) throw new UserFacingError(error.message);
    throw error;
  }
}


function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}
