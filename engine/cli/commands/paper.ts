// `quantflow paper [--data SOURCE...] [--config FILE] [--speed N] [--port 8787] [--host 127.0.0.1]
// [--equity 100000] [--no-serve]`: a paper session you watch in a browser (engine/paper). The
// configuration's strategies (default: config/examples/paper-demo.yaml, which needs no regime
// model; with --regime-model and no --config, config/default.yaml's fusion) run over the data
// (default: the bundled 1h bars) through the same engine and simulated venue as
// `quantflow backtest`, paced at --speed times real time (default 360000: 1h bars at 100 a
// second, the bundled two years of three instruments in about 3 minutes). It prints the
// dashboard's address first, then the backtest's one-screen summary when the data is played
// out, and keeps serving until Ctrl-C (SIGINT/SIGTERM then close the server and exit 0).
// A signal during the run stops it at a batch boundary, prints the summary and exits 130/143.
// `--no-serve` runs without the server and exits after the summary. A kill-switch reset from
// the dashboard needs a signed control token (`quantflow killswitch token`, control.secret or
// QF_CONTROL_SECRET); it is logged on stderr with its subject and applied at a batch boundary.
// The dashboard's Runs page lists the backtests in the run store (--run-store DIR, default
// .quantflow/runs, where `quantflow backtest` records them; --no-run-store: no Runs data).
import { Command } from 'commander';
import { join } from 'node:path';
import { resolve } from 'node:path';
import { summariseBacktest, BacktestOptionError, BacktestSetupError, DEFAULT_RUN_STORE_DIR, RunStore, type BacktestRun } from '../../backtest/index.js';
import { ConfigError, loadConfig, type QuantFlowConfig } from '../../config/index.js';
import { installSignalShutdown } from '../../shutdown/index.js';
import { INBOUND_CAPACITY } from '../../layout/memory-map.js';
import { packageRoot } from '../../core/package-root.js';
import { modelTimeouts, startPaperSession, type PaperSession } from '../../paper/index.js';
import type { ModelStatus } from '../../models/index.js';
import { UserFacingError } from '../cli-error.js';
import { parseIntegerOption } from '../parse-options.js';
import { csvOptionsFromFlags, withCsvMappingOptions } from '../csv-mapping-options.js';
import { openRunData, readRegimeModelFlag, runDataSources } from '../open-run-data.js';
import { QuestDbRecorder } from '../../../adapters/questdb/index.js';
import type { DataSource } from '../../../adapters/sources/index.js';

/** 1h bars at 100 a second. */
export const DEFAULT_PAPER_SPEED = 360_000;

interface PaperFlags {
  data?: string[];
  config?: string;
  regimeModel?: string;
  speed: string;
  port: string;
  host: string;
  equity: string;
  barTimeframe: string;
  batch: string;
  serve: boolean;
  record?: string;
  runStore: string | false;
  [mapping: string]: unknown;
}

export function registerPaperCommand(program: Command): void {
  withCsvMappingOptions(
    program
      .command('paper')
      .description('Paper-trade the configuration\'s strategies on market data paced to a multiple of real time (the simulated venue), with a live dashboard in the browser')
      .option('--data <sources...>', 'CSV files (plain or .gz), store:DIR[?...] or questdb://... (default: the configuration\'s `data` sources, else the bundled 1h bars in data/)')
      .option('--config <file>', 'configuration merged over config/default.yaml (default: config/examples/paper-demo.yaml, or config/default.yaml with --regime-model)')
      .option('--regime-model <file>', 'regime model JSON (from `regime fit`) for fusion strategies')
      .option('--record <questdb://host:port>', 'record every bar, trade and quote the session plays to QuestDB (ILP over HTTP; tables trades, quotes, bars: adapters/questdb/README.md), so the session can be replayed with `backtest --data questdb://...`')
      .option('--speed <n>', `times real time of the data (3600: 1h bars at one a second; ${DEFAULT_PAPER_SPEED}: 100 a second)`, String(DEFAULT_PAPER_SPEED))
      .option('--port <n>', 'dashboard and state server port (0: a free port)', '8787')
      .option('--host <address>', 'address the dashboard listens on', '127.0.0.1')
      .option('--equity <amount>', 'starting cash, account currency', '100000')
      .option('--bar-timeframe <tf>', 'bars built in the core from tick data (30s, 1m, 5m, 1h ...)', '1m')
      .option('--batch <n>', `records published to the inbound ring at once, at most (1..${INBOUND_CAPACITY})`, '4096')
      .option('--no-serve', 'no dashboard: run, print the summary and exit')
      .option('--run-store <dir>', 'LMDB store of backtest runs the dashboard\'s Runs page lists (where `quantflow backtest` records them)', DEFAULT_RUN_STORE_DIR)
      .option('--no-run-store', 'no Runs data on the dashboard'),
  ).action(async (flags: PaperFlags) => runPaperCommand(flags));
}

async function runPaperCommand(flags: PaperFlags): Promise<void> {
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const batch = parseIntegerOption('--batch', flags.batch, 1, INBOUND_CAPACITY);
  const port = parseIntegerOption('--port', flags.port, 0, 65_535);
  const equity = Number(flags.equity);
  if (!Number.isFinite(equity) || equity <= 0) throw new UserFacingError(`--equity must be a finite number > 0, was ${JSON.stringify(flags.equity)}`);
  const speed = Number(flags.speed);
  if (!Number.isFinite(speed) || speed <= 0) throw new UserFacingError(`--speed must be a finite number > 0 (times real time), was ${JSON.stringify(flags.speed)}`);
  const { config, sources } = paperConfigAndSources(flags);
  const regimeModel = flags.regimeModel ? readRegimeModelFlag(flags.regimeModel) : undefined;
  const streams = await openRunData(sources, csvOptionsFromFlags(flags));

  let session: PaperSession;
  const runStore = flags.serve && flags.runStore !== false ? openRunStore(flags.runStore) : null;
  const recording = flags.record ? await openMarketRecording(flags.record, streams.map((stream) => stream.symbol)) : undefined;
  try {
    session = await startPaperSession({
      streams, config, regimeModel, equity, speed, batch, barTimeframe: flags.barTimeframe, serve: flags.serve, host: flags.host, port, log,
      onMarketRecords: recording && ((records) => recording.record(records)),
      runStore,
    });
  } catch (error) {
    await runStore?.close();
    throw userFacing(error);
  }
  if (session.dashboardUrl) process.stdout.write(`dashboard: ${session.dashboardUrl}\n`);
  log(`paper: ${streams.map((s) => s.symbol).filter((s, i, all) => all.indexOf(s) === i).join(', ')} at ${speed}x real time (Ctrl-C stops at a batch boundary and prints the summary)`);

  let summarised: Promise<BacktestRun> | undefined;
  const shutdown = installSignalShutdown({
    drainAndStop: async () => {
      session.stop();
      await summarised?.catch(() => {});
      await session.close(); // the webhooks' grace to deliver, then the server
    },
    describeForcedExit: () => 'the paper session was interrupted before its summary was printed.',
  });
  summarised = session.finished.then(async (run) => {
    if (recording) log(`record: ${await recording.close()}`);
    const summary = summariseBacktest(run, { out: '', files: [], sources: sources.map((s) => s.source) });
    const lines = summary.lines.filter((line) => !line.startsWith('outputs:')).map((line, i) => (i === 0 ? line.replace(/^backtest:/, 'paper:') : line));
    const modelLine = paperModelLine(session.modelStatus(), run);
    if (modelLine) lines.push(modelLine);
    process.stdout.write(`${lines.join('\n')}\n`);
    return run;
  });
  let run: BacktestRun;
  try {
    run = await summarised;
  } catch (error) {
    shutdown.dispose();
    await session.close();
    throw userFacing(error);
  }
  if (shutdown.draining) return; // the signal handler exits with 130/143 once the server is closed
  shutdown.dispose();
  if (run.stoppedEarly) process.exitCode = 130;
  // Queued webhook events (a retry waiting on its backoff) get their grace before the process ends.
  if (!session.server) return void (await session.close());
  process.stdout.write(`the run is over; the dashboard keeps serving at ${session.dashboardUrl} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const onSignal = (): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void session.close().then(() => resolve());
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  process.exit(0);
}

/** The run store named by --run-store, opened for the server's Runs routes (created when missing). */
function openRunStore(dir: string): RunStore {
  const path = resolve(dir);
  try {
    return RunStore.open(path);
  } catch (error) {
    throw new UserFacingError(`--run-store ${path}: ${((error as Error).message ?? String(error)).split('\n')[0]}; give another directory or --no-run-store`);
  }
}

/** The summary's model line: what served and how the core's wait went, or why there was no model. */
export function paperModelLine(status: ModelStatus | null, run: BacktestRun): string | null {
  if (status === null) return null;
  if (status.state === 'absent') return `model: absent, traded without the ML expert (${status.source}): ${status.reason}`;
  const c = status.counters;
  const w = run.pipeline.modelWait;
  const n = (value: number): string => value.toLocaleString('en-US');
  // The bars before the first fold's training ended have no model: the core's wait times out on each, but they are not the model's timeouts.
  const wait = w ? `${n(w.onTime)} on time, ${n(modelTimeouts(w.timeouts, c.noFold))} timeouts, ${n(w.late)} late` : 'no instrument waited';
  const latency = c.predictions > 0 ? `; inference p50 ${c.latencyP50Us.toFixed(0)} µs, p99 ${c.latencyP99Us.toFixed(0)} µs` : '';
  return `model: ${status.name} ${status.hash?.slice(0, 12)}: ${wait}; no model for ${n(c.noFold)} bars (before the first fold's training ended); ${n(c.predictions)} predictions${c.failures > 0 ? `, ${n(c.failures)} failed` : ''}${c.nonFiniteOutputs > 0 ? `, ${n(c.nonFiniteOutputs)} non-finite model outputs (NaN or infinite quantiles: no MODEL record, decided without the ML expert)` : ''}${latency}`;
}

function userFacing(error: unknown): unknown {
  if (error instanceof BacktestOptionError || error instanceof BacktestSetupError || error instanceof ConfigError) return new UserFacingError(error.message);
  if (error instanceof RangeError) return new UserFacingError(`configuration: ${error.message}`);
  if (error instanceof Error && /could not listen/.test(error.message)) return new UserFacingError(`${error.message}: try another --port (0 picks a free one)`);
  return error;
}

/** The demo configuration a paper session runs without --config (and without --regime-model). */
export function paperDemoConfig(): string {
  return join(packageRoot(), 'config', 'examples', 'paper-demo.yaml');
}

/**
 * The session's configuration (--config, else `demoConfig`, or config/default.yaml alone with
 * --regime-model) and its data sources: a `data` entry is named by the file it came from and
 * its index (`paper-demo.yaml data[0]`), the demo's as well as a --config file's.
 */
export function paperConfigAndSources(
  flags: Pick<PaperFlags, 'data' | 'config' | 'regimeModel'>,
  demoConfig = paperDemoConfig(),
  env: NodeJS.ProcessEnv = process.env,
): { config: QuantFlowConfig; sources: DataSource[] } {
  const configFile = flags.config ?? (flags.regimeModel ? undefined : demoConfig);
  let config: QuantFlowConfig;
  try {
    config = loadConfig({ configFile, env });
  } catch (error) {
    if (error instanceof ConfigError) throw new UserFacingError(error.message);
    throw error;
  }
  return { config, sources: runDataSources(flags.data, config, configFile) };
}

/** A QuestDB recorder of the records a session plays (`--record questdb://host:port`). */
async function openMarketRecording(url: string, streamSymbols: readonly string[]): Promise<{ record(records: Uint8Array): void; close(): Promise<string> }> {
  const match = /^questdb:\/\/([^/:]+):(\d+)\/?$/.exec(url);
  if (!match) throw new UserFacingError(`--record must be questdb://host:port (the server's HTTP port), was ${JSON.stringify(url)}`);
  // Instrument ids are the symbols in order of first appearance (engine/backtest planInstruments).
  const symbols = streamSymbols.filter((symbol, i, all) => all.indexOf(symbol) === i);
  let recorder: QuestDbRecorder;
  try {
    recorder = await QuestDbRecorder.open({ host: match[1], httpPort: Number(match[2]) });
  } catch (error) {
    throw new UserFacingError(`--record ${url}: ${(error as Error).message}`);
  }
  let flushing: Promise<void> = Promise.resolve();
  let rows = 0;
  return {
    record(records) {
      rows += records.byteLength / 64;
      if (!recorder.record(records, symbols)) flushing = flushing.then(() => recorder.flush());
    },
    async close() {
      await flushing;
      await recorder.close();
      return `${rows.toLocaleString('en-US')} records written to ${url}`;
    },
  };
}
