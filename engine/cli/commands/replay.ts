// `quantflow replay`: loads bar files, merges them into one time-ordered tape, and replays
// it through the engine with the bar-replay driver (engine/replay, runBarReplay): the inbound
// ring into the WASM core on the engine thread. Prints the throughput (events/s) and the
// core's counters. With --decide, each bar's target becomes orders through the order table and
// the pre-trade checks, filled by the simulated venue inside the core (the tape never waits for
// the engine); the report gives orders by final state, fills and costs, round trips, the
// account and the kill switch (persisted with --persist-state, with the lease of client order
// ids). This file parses the flags, plans the pipeline they ask for, wires signals and the
// progress bar, and prints. SIGINT/SIGTERM stop the replay at a batch boundary and drain both
// rings; a second signal forces exit.
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { WAIT_STRATEGY_NAMES, checkWaitStrategyName } from '../../threads/index.js';
import {
  barIntervalNs, buildBarReplayTape, instrumentNames, runBarReplay, timeframeOfInterval, tradingPipeline,
  type BarReplayPipelineResult, type BarReplayResult, type ReplayTape,
} from '../../replay/index.js';
import { installSignalShutdown } from '../../shutdown/index.js';
import { INBOUND_CAPACITY } from '../../layout/memory-map.js';
import { UserFacingError } from '../cli-error.js';
import { checkBadRowPolicy, loadBarFiles, withBarFileOptions } from '../load-bar-files.js';
import { defaultBarFiles } from '../default-data.js';
import { parseIntegerOption } from '../parse-options.js';
import { parseSpec } from '../../indicators/index.js';
import { readRegimeModelFile, regimeModelTimeframeNote, type RegimeModelRecord } from '../../regime/index.js';
import { planPipeline, type PipelineSpec } from '../../pipeline/index.js';
import { ConfigError, loadConfig } from '../../config/index.js';
import { BarGaps, barIntervalProblem, inferredBarIntervalProblem, type BarSeries } from '../../../adapters/files/index.js';
import { KillSwitchStore } from '../../killswitch/index.js';
import { describeReplayRisk, replayRiskJson } from '../replay-order-flow.js';
import { OrderIdLease } from '../../state/index.js';
import { TradeListWriter } from '../trade-list-writer.js';
import { describeReplayCore, replayJournal } from '../../live/index.js';
import { existsSync } from 'node:fs';
import { ensureOutputFile } from '../output-paths.js';

interface ReplayFlags {
  in?: string[];
  onBadRow: string;
  timezone?: string;
  batch: string;
  rate: string;
  wait: string;
  json?: boolean;
  progress: boolean;
  ind?: string;
  regimeModel?: string;
  decide?: boolean;
  equity: string;
  config?: string;
  persistState?: boolean;
  trades?: string;
  persistKillSwitch?: boolean;
  journal?: string;
  /** Whether --equity was given on the command line (it has a default). */
  equityGiven?: boolean;
}

export function registerReplayCommand(program: Command): void {
  withBarFileOptions(program.command('replay'))
    .description('Replay bar CSV files through the inbound ring into the WASM core and report events/s')
    .option('--in <files...>', 'bar CSV files (default: the bundled demo data in data/)')
    .option('--batch <n>', `records claimed and published at once (1..${INBOUND_CAPACITY})`, '1024')
    .option('--rate <n>', 'records per second to pace the replay at; 0 = as fast as possible', '0')
    .addOption(new Option('--wait <strategy>', 'how the engine thread waits on an empty ring').choices([...WAIT_STRATEGY_NAMES]).default('spin-then-sleep'))
    .option('--ind <spec>', 'indicators the core computes per bar for every instrument, e.g. ema:20,rsi:14,bb:20:2')
    .option('--regime-model <file>', 'regime model JSON (from `regime fit`) filtered every bar for every instrument')
    .option('--decide', 'trade: fusion, sizing, orders through the pre-trade checks and the simulated venue per bar (the strategies of the configuration; fusion ones need --regime-model; configuration: strategies, fusion, sizing, risk, account, orders, execution, exits, venue)')
    .option('--equity <amount>', 'with --decide: starting cash of the risk account the decisions size against', '100000')
    .option('--persist-state', 'start from the kill switch and order ids persisted at killSwitch.statePath and persist them there (default: a replay starts un-halted, numbers orders from 1 and persists nothing)')
    .addOption(new Option('--persist-kill-switch', 'the former name of --persist-state').hideHelp())
    .option('--config <file>', 'with --decide: configuration file merged over config/default.yaml')
    .option('--trades <file>', 'with --decide: write the trade list (one CSV row per round trip) to this file')
    .option('--journal <dir>', "re-run a recorded session's journal through the core: every command must come out as journaled; prints a hash of the decisions")
    .option('--json', 'print the result as one JSON document on stdout')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (flags: ReplayFlags, command: Command) => runReplay({ ...flags, equityGiven: command.getOptionValueSource('equity') === 'cli' }));
}

async function runReplay(flags: ReplayFlags): Promise<void> {
  if (flags.persistKillSwitch) flags.persistState = true;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  // The trade list must not be written over an input: the file is opened (emptied) before the replay reads on.
  if (flags.trades !== undefined) ensureOutputFile('--trades', flags.trades, [...(flags.in && flags.in.length > 0 ? flags.in : defaultBarFiles()), flags.regimeModel, flags.config]);
  if (flags.journal !== undefined) {
    await runJournalReplay(flags.journal, flags.json === true, flags.progress && flags.json !== true && process.stderr.isTTY);
    return;
  }
  // Only decisions read the configuration and the account: without --decide both were ignored unsaid (a missing file too).
  if (flags.config !== undefined && !flags.decide) throw new UserFacingError(`--config needs --decide: only decisions read the configuration (strategies, risk, orders, venue), was ${JSON.stringify(flags.config)} without --decide`);
  if (flags.equityGiven && !flags.decide) throw new UserFacingError(`--equity needs --decide: only decisions size against the account, was ${JSON.stringify(flags.equity)} without --decide`);
  const batch = parseIntegerOption('--batch', flags.batch, 1, INBOUND_CAPACITY);
  const rate = parseIntegerOption('--rate', flags.rate, 0, 1e9);
  const wait = checkWaitStrategyName(flags.wait);
  const onBadRow = checkBadRowPolicy(flags.onBadRow);
  const files = flags.in && flags.in.length > 0 ? flags.in : defaultBarFiles();
  if (files.length === 0) throw new UserFacingError('no input: pass --in FILE... (the bundled data/ folder has no CSV files)');

  const loadStarted = process.hrtime.bigint();
  const { series, symbols, statedIntervals } = await loadBarFiles(files, { onBadRow, timezone: flags.timezone }, log);
  // The tape plays each bar at its open plus the smallest gap between the file's bars: a sidecar
  // interval longer than that gap (an odd bar in between) would play bars before they close, and
  // so would, with no stated interval, a most common gap longer than the smallest (as the backtest).
  series.forEach((bars, i) => {
    const stated = statedIntervals[i];
    const gaps = new BarGaps();
    for (let row = 1; row < bars.length; row++) gaps.add(bars.timeNs[row - 1], bars.timeNs[row]);
    const problem = stated === undefined ? inferredBarIntervalProblem(gaps) : barIntervalProblem(stated, bars.length > 1 ? barIntervalNs(bars) : undefined);
    if (problem !== null) throw new UserFacingError(`${bars.file}: ${problem}`);
  });
  const tape = buildBarReplayTape(series, replayNames(series.map((s) => s.file), symbols));
  const loadMs = Number(process.hrtime.bigint() - loadStarted) / 1e6;
  if (tape.length === 0) throw new UserFacingError('no bars to replay: every input file was empty after skipping bad rows');

  const planned = pipelineFromFlags(flags, series, tape);
  if (planned?.defaulted.length) log(`risk: ${planned.defaulted.join(', ')} not in risk.instruments; using risk.replayDefaults (asset class, lot size)`);
  if (planned) {
    try {
      planPipeline(planned.spec);
    } catch (error) {
      throw new UserFacingError(`pipeline: ${(error as Error).message}`);
    }
  }
  const store = planned?.killSwitch ? openKillSwitchStore(planned.killSwitch.statePath) : undefined;
  const persisted = store?.load();
  if (persisted?.halted) log(`kill switch: HALTED (tripped by ${persisted.who}: ${persisted.why}); new exposure is denied until \`quantflow killswitch reset\``);
  const orderIds = store ? new OrderIdLease(store.root) : undefined;
  const trades = flags.trades ? new TradeListWriter(flags.trades, tape.instrumentNames) : undefined;
  const bar = flags.progress && !flags.json && process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'replay |{bar}| {value}/{total} events', stream: process.stderr }, cliProgress.Presets.shades_classic)
    : undefined;
  let stopRequested = false;
  let shutdown: ReturnType<typeof installSignalShutdown> | undefined;
  const finished: Promise<void> = (async () => {
    const result = await runBarReplay({
      tape,
      batch,
      rate,
      wait,
      pipeline: planned?.spec,
      killSwitch: store,
      orderIds,
      onKillSwitchTrip: (event) => log(`kill switch: TRIPPED and persisted (${event.why}); trading halted`),
      onRoundTrip: trades && ((roundTrip) => trades.write(roundTrip)),
      onStarted: (engine) => {
        shutdown = installSignalShutdown({
          drainAndStop: async () => {
            stopRequested = true;
            await finished;
          },
          describeForcedExit: () => `${engine.unconsumed()} published records were not consumed.`,
        });
        log(`replay: ${tape.length} events from ${series.length} files on the engine thread (Ctrl-C drains and stops; twice forces exit)`);
        bar?.start(tape.length, 0);
      },
      shouldStop: () => stopRequested,
      onProgress: (n) => bar?.update(n),
    });
    bar?.stop();
    report({ tape, result, loadMs, batch, rate, wait, json: flags.json === true });
  })();
  try {
    await finished;
  } finally {
    shutdown?.dispose();
    await store?.close();
    await trades?.close();
  }
  if (trades) log(`trades: ${trades.rows} round trips written to ${trades.path}`);
}

/** Instrument names: a sidecar's symbol (as the backtest names it), else the symbol in the file name; file names when that is ambiguous. */
function replayNames(files: readonly string[], symbols: readonly (string | undefined)[]): string[] {
  const fromFiles = instrumentNames(files);
  const names = fromFiles.map((name, i) => symbols[i] ?? name);
  return new Set(names).size === names.length ? names : fromFiles;
}

/** `replay --journal DIR`: the recorded session again, through the core; exits 1 when a decision differs. */
async function runJournalReplay(dir: string, json: boolean, progress: boolean): Promise<void> {
  if (!existsSync(dir)) throw new UserFacingError(`--journal: ${JSON.stringify(dir)} does not exist`);
  const bar = progress ? new cliProgress.SingleBar({ format: 'journal |{bar}| {value}/{total} records', stream: process.stderr }, cliProgress.Presets.shades_classic) : undefined;
  let result;
  try {
    bar?.start(1, 0);
    result = await replayJournal(dir, (published, total) => {
      bar?.setTotal(total);
      bar?.update(published);
    });
  } catch (error) {
    throw new UserFacingError(`--journal: ${(error as Error).message}`);
  } finally {
    bar?.stop();
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const rate = result.elapsedMs > 0 ? Math.round(result.inboundRecords / (result.elapsedMs / 1000)) : 0;
    process.stdout.write([
      `journal ${dir}: ${result.sessions} session starts, ${result.inboundRecords} inbound records re-run through the core in ${result.elapsedMs.toFixed(0)} ms (${rate} records/s)`,
      describeReplayCore(result.writers, result.core),
      result.mode === 'paper'
        ? `commands: ${result.commandsReplayed} decided again (a paper session journals none: its core's simulated venue filled them; compare the decisions hash)`
        : `commands: ${result.commandsReplayed} decided again, ${result.commandsJournaled} journaled: ${result.firstMismatch === null ? 'every one identical' : `MISMATCH at ${result.firstMismatch}`}`,
      `decisions: ${result.decisions} outbound records, sha256 ${result.decisionsHash}`,
      `book: cash ${result.book.cash.toFixed(2)}, equity ${result.book.equity.toFixed(2)}${result.book.halted ? ' (kill switch HALTED)' : ''}; ${result.book.positions.map((p) => `instrument ${p.instrument} ${p.position}`).join(', ')}`,
    ].join('\n') + '\n');
  }
  if (result.firstMismatch !== null) process.exitCode = 1;
}

function openKillSwitchStore(path: string): KillSwitchStore {
  try {
    return KillSwitchStore.open(path);
  } catch (error) {
    throw new UserFacingError(`--persist-state: cannot open the state at killSwitch.statePath ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
}

interface PlannedPipeline {
  spec: PipelineSpec;
  /** Instruments whose risk configuration came from risk.replayDefaults. */
  defaulted: readonly string[];
  /** With --persist-state: where the state lives. */
  killSwitch?: { statePath: string };
}

/** The per-bar pipeline the flags ask for (every instrument gets the same stages), or none. */
function pipelineFromFlags(flags: ReplayFlags, series: readonly BarSeries[], tape: ReplayTape): PlannedPipeline | undefined {
  if (flags.trades && !flags.decide) throw new UserFacingError('--trades needs --decide: only decisions trade');
  if (flags.persistState && !flags.decide) throw new UserFacingError('--persist-state needs --decide: only decisions trade, so only they trip the kill switch and number orders');
  if (!flags.ind && !flags.regimeModel && !flags.decide) return undefined;
  let indicators: string[] = [];
  if (flags.ind) {
    try {
      indicators = parseSpec(flags.ind).map((token) => token.text);
    } catch (error) {
      throw new UserFacingError(`--ind: ${(error as Error).message}`);
    }
  }
  let regimeModel: RegimeModelRecord | undefined;
  if (flags.regimeModel) {
    try {
      regimeModel = readRegimeModelFile(flags.regimeModel);
    } catch (error) {
      throw new UserFacingError(`--regime-model: ${(error as Error).message}`);
    }
  }
  const note = regimeModel ? regimeModelTimeframeNote(regimeModel) : null;
  if (note !== null) process.stderr.write(`${note}\n`);
  const instruments = series.map((bars, instrument) => ({ instrument, regimeModel, timeframe: timeframeOfInterval(barIntervalNs(bars)) }));
  if (!flags.decide) return { spec: { indicators, instruments }, defaulted: [] };
  const equity = Number(flags.equity);
  if (!Number.isFinite(equity) || equity <= 0) throw new UserFacingError(`\`--equity\` must be a finite number > 0, was ${JSON.stringify(flags.equity)}`);
  for (const [i, entry] of instruments.entries()) {
    if (!entry.timeframe) throw new UserFacingError(`--decide: ${series[i].file} has no regular bar interval to annualise volatility with`);
  }
  let config;
  try {
    config = loadConfig({ configFile: flags.config });
  } catch (error) {
    if (error instanceof ConfigError) throw new UserFacingError(error.message);
    throw error;
  }
  let planned: { spec: PipelineSpec; defaulted: readonly string[] };
  try {
    planned = tradingPipeline({
      config, instrumentNames: tape.instrumentNames, timeframes: instruments.map((entry) => entry.timeframe), regimeModel, indicators, equity,
      startNs: tape.tsExchange[0], halted: false, simulate: true,
    });
  } catch (error) {
    throw new UserFacingError(`configuration: ${(error as Error).message}`);
  }
  return {
    spec: planned.spec,
    defaulted: planned.defaulted,
    killSwitch: flags.persistState ? { statePath: config.killSwitch.statePath } : undefined,
  };
}

interface ReplayReport {
  tape: ReplayTape;
  result: BarReplayResult;
  loadMs: number;
  batch: number;
  rate: number;
  wait: string;
  json: boolean;
}

function report({ tape, result: { played, counters, expectedChecksum, checksumMatches, consumedAll, pipeline }, loadMs, batch, rate, wait, json }: ReplayReport): void {
  const seconds = Number(played.elapsedNs) / 1e9;
  const eventsPerSecond = seconds > 0 ? played.published / seconds : 0;
  const perInstrument = tape.instrumentNames.map((name, id) => ({ instrument: id, name, bars: countInstrument(tape, id, played.rows) }));
  const result = {
    files: tape.instrumentNames.length,
    instruments: perInstrument,
    eventsInTape: tape.length,
    eventsPublished: played.published,
    eventsConsumed: counters.eventsProcessed,
    barsConsumed: counters.barsProcessed,
    eventsRejected: counters.eventsRejected,
    interrupted: played.stoppedEarly,
    loadMs: round(loadMs, 1),
    replayMs: round(seconds * 1e3, 3),
    eventsPerSecond: Math.round(eventsPerSecond),
    batch,
    rate,
    wait,
    checksum: counters.checksum,
    checksumMatches,
    pipeline: pipeline && {
      counters: pipeline.counters,
      instruments: pipeline.instruments.map((snapshot) => ({
        name: tape.instrumentNames[snapshot.instrument],
        ...snapshot,
        decision: snapshot.decision && { ...snapshot.decision, tsNs: snapshot.decision.tsNs.toString() },
      })),
      risk: pipeline.risk && replayRiskJson(pipeline.risk, tape.instrumentNames),
    },
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const lines = [
      // The counts per instrument are of the bars played: after a stop, fewer than the tape's, and said so.
      `replay: ${result.files} files, ${tape.length.toLocaleString('en-US')} bars${played.stoppedEarly ? `, ${played.rows.toLocaleString('en-US')} played before the stop` : ''} (${perInstrument.map((i) => `${i.name} ${i.bars.toLocaleString('en-US')}`).join(', ')})`,
      `loaded in ${result.loadMs} ms`,
      `${played.stoppedEarly ? 'interrupted: pushed' : 'pushed'} ${played.published.toLocaleString('en-US')} events through the inbound ring into the WASM core in ${result.replayMs} ms: ${formatRate(eventsPerSecond)} events/s (batch ${batch}, wait ${wait}${rate > 0 ? `, paced at ${rate}/s` : ''})`,
      `core consumed ${counters.eventsProcessed.toLocaleString('en-US')} events (${counters.barsProcessed.toLocaleString('en-US')} bars, ${counters.eventsRejected} rejected); checksum ${counters.checksum} ${checksumMatches ? 'matches' : `DOES NOT MATCH the producer's ${expectedChecksum}`}`,
    ];
    if (pipeline) lines.push(...describePipeline(pipeline, tape));
    process.stdout.write(`${lines.join('\n')}\n`);
  }
  if (!checksumMatches || !consumedAll) {
    throw new Error(`engine consumed ${counters.eventsProcessed} of ${played.published} published events (checksum ${counters.checksum}, expected ${expectedChecksum})`);
  }
}

function describePipeline(pipeline: BarReplayPipelineResult, tape: ReplayTape): string[] {
  const c = pipeline.counters;
  const lines = [`pipeline: ${c.barsPiped} bars, ${c.indicatorSteps} indicator updates, ${c.regimeSteps} regime filter steps, ${c.decisionSteps} decisions, ${c.ordersChecked} orders checked, ${c.stageErrors} stage errors${c.stageErrors > 0 ? ` (last status ${c.lastError} on instrument ${c.lastErrorInstrument})` : ''}`];
  for (const snapshot of pipeline.instruments) {
    const values = Object.entries(snapshot.indicators).map(([name, v]) => `${name}=${v === null ? 'warming up' : formatValue(v)}`);
    const regime = snapshot.regime ? `  regime ${snapshot.regime.label} (p=${snapshot.regime.probabilities.map((p) => p.toFixed(3)).join('/')})` : '';
    const d = snapshot.decision;
    const decision = d ? `  target exposure ${d.exposure.toFixed(4)} (quantity ${d.quantity.toPrecision(6)}, signal ${d.signal.toFixed(3)}, confidence ${d.confidence.toFixed(3)})` : '';
    lines.push(`  ${tape.instrumentNames[snapshot.instrument]}: ${values.join(' ')}${regime}${decision}`);
  }
  if (pipeline.risk) lines.push(...describeReplayRisk(pipeline.risk, tape.instrumentNames));
  return lines;
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1000 ? v.toFixed(2) : v.toPrecision(6);
}

function countInstrument(tape: ReplayTape, id: number, upTo: number): number {
  let n = 0;
  for (let i = 0; i < upTo; i++) if (tape.instrument[i] === id) n++;
  return n;
}

function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
