// A paper session: the configuration's strategies over market streams through the same engine
// thread, WASM core, order table, exits and simulated venue as `quantflow backtest`
// (engine/backtest: the instruments planned the same way, StreamMerger, RunRecorder), played at
// a pace (paced-player.ts) instead of as fast as possible, with the state server
// (engine/server) fed by an EngineStateSource from the engine's outbound listeners and serving
// the dashboard (engine/server/dashboard). The run ends as a BacktestRun, so `quantflow paper`
// prints the same summary as `quantflow backtest` (summariseBacktest).
//
//   streams -> StreamMerger -> playPaced -> inbound ring -> engine thread (core + venue)
//                                                               | outbound ring
//                       RunRecorder (summary) <- drain -> EngineStateSource -> state server -> browsers
//                                                                  control (signed) -> PaperControl
//
// With `config.model` (session-model.ts), the fusion instruments that get the ML expert wait for
// their bar's MODEL record: the drain hands FEATURES to a ModelFeed, whose answers go through an
// InboundQueue that playPaced publishes between market records (the ring's only producer); the
// feed's status goes to the models topic on each prediction and alert. An absent model is said
// on stderr, in /health (degraded) and on the models topic, and the session trades without it.
import { dirname, join } from 'node:path';
import { EngineHost } from '../threads/index.js';
import { instrumentsByStrategy, type MarketStream } from '../replay/index.js';
import type { QuantFlowConfig } from '../config/index.js';
import type { RegimeModelRecord } from '../regime/index.js';
import {
  completedRun, simulatedTradingSpec, BacktestSetupError, RunRecorder, StreamMerger, planInstruments, type BacktestRun, type RunStore,
} from '../backtest/index.js';
import { EngineStateSource, dashboardMounts, mergeOutboundListeners, startStateServer, type StateServer, type StateServerOptions } from '../server/index.js';
import { packageRoot } from '../core/package-root.js';
import { playPaced, checkSpeed, type PacedInjection } from './paced-player.js';
import { ControlLog, PaperControl } from './paper-control.js';
import { modelsView, openSessionModel, withoutServedInstruments, type SessionModel, type SessionModelHooks } from './session-model.js';
import { SessionWebhooks } from './session-webhooks.js';
import { EventKind, KIND_MASK } from '../layout/event-record.js';
import type { ModelStatus } from '../models/index.js';
import { readRiskLimit } from '../risk/index.js';
import { readRiskAccount } from '../pipeline/index.js';
import { DirectoryTicketStore, DirectoryTokenLedger, resumeTicketStorePath, usedTokenLedgerPath } from '../killswitch/index.js';

export interface PaperSessionOptions {
  readonly streams: readonly MarketStream[];
  readonly config: QuantFlowConfig;
  /** The regime model fusion strategies filter with (optional for rule strategies). */
  readonly regimeModel?: RegimeModelRecord;
  /** Starting cash, account currency. */
  readonly equity: number;
  /** Data time per wall time (3600: 1h bars at one a second). */
  readonly speed: number;
  /** Bars built in the core from tick streams (default `1m`). */
  readonly barTimeframe?: string;
  /** Records published to the inbound ring at once, at most (default 4096). */
  readonly batch?: number;
  /** Start the state server and serve the dashboard (default true). */
  readonly serve?: boolean;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8787; 0 picks a free port. */
  readonly port?: number;
  /** State reads at most this often, ms (EngineStateSource; default 50). */
  readonly throttleMs?: number;
  /** Messages for the user (control actions, venue modes), on stderr in the CLI. */
  log?(line: string): void;
  /**
   * The append-only control log (JSON Lines, paper-control.ts); default
   * `<killSwitch.statePath>/paper-control.jsonl`. The used control tokens are kept beside it, in `used-control-tokens/`.
   */
  readonly controlLogPath?: string;
  /**
   * Each run of market records as it is published (count * 64 bytes, valid during the call): for a
   * recorder of the session's data (adapters/questdb QuestDbRecorder), so the session can be
   * replayed as a backtest.
   */
  onMarketRecords?(records: Uint8Array): void;
  /** Backtest runs the server lists for the dashboard's Runs page (/api/runs); absent: none. The caller closes it. */
  readonly runStore?: RunStore | null;
  /** The state server's client limits (soft, hard, stall); default: the server's. */
  readonly serverLimits?: Pick<StateServerOptions, 'softLimitBytes' | 'hardLimitBytes' | 'stallLimitMs'>;
}

export interface PaperSession {
  /** The state server (null with serve: false). */
  readonly server: StateServer | null;
  /** http://host:port/ (null with serve: false). */
  readonly dashboardUrl: string | null;
  /** The run, once the data is played out or stop() was called. */
  readonly finished: Promise<BacktestRun>;
  /** The ML expert's model status (null when the configuration has no model). */
  modelStatus(): ModelStatus | null;
  /** Stops the run at the next batch boundary. */
  stop(): void;
  /** Stops the run if it still runs, waits for it, and closes the server. */
  close(): Promise<void>;
}

/** Starts the server (when serving) and the engine; resolves once both run. */
export async function startPaperSession(options: PaperSessionOptions): Promise<PaperSession> {
  const { config } = options;
  const log = options.log ?? (() => {});
  checkSpeed(options.speed);
  if (options.streams.length === 0) throw new BacktestSetupError('no data: give at least one source');
  const plans = planInstruments(options.streams, options.barTimeframe ?? '1m');
  const merger = await StreamMerger.open(plans.flatMap((p, instrument) => p.streams.map((stream) => ({ stream, instrument }))));
  const source = new EngineStateSource({
    instruments: plans.map((p, instrument) => ({ instrument, symbol: p.symbol, timeframeSeconds: Number(p.timeframeNs / 1_000_000_000n) })),
    mode: 'paper',
    startingCash: options.equity,
    throttleMs: options.throttleMs,
  });
  const controlLogPath = options.controlLogPath ?? join(config.killSwitch.statePath, 'paper-control.jsonl');
  const control = new PaperControl(log, new ControlLog(controlLogPath));
  let server: StateServer | null = null;
  let host: EngineHost | undefined;
  let sessionModel: SessionModel | null = null;
  const symbols = plans.map((p) => p.symbol);
  const webhooks = config.monitoring.webhooks.length > 0 ? new SessionWebhooks(config.monitoring, symbols, log) : null;
  const stopWatchingKillSwitch = webhooks?.watchKillSwitch(source);
  /** Gives queued webhook events up to 2 s to go out, then stops delivery. */
  const closeWebhooks = async (): Promise<void> => {
    if (!webhooks) return;
    stopWatchingKillSwitch?.();
    await webhooks.closeAfter(2000);
  };
  const publishModels = (): void => {
    if (sessionModel) source.publishModels(modelsView(sessionModel.feed.status(), host?.pipelineMap ? host.pipelineCounters().modelWait : undefined));
  };
  const modelHooks: SessionModelHooks = {
    onAlert: (alert) => {
      log(`model alert: ${alert.kind} ${alert.instrument}${alert.feature ? ` ${alert.feature}` : ''} ${alert.value.toFixed(4)} (threshold ${alert.threshold}) at bar close ${new Date(Number(alert.atNs / 1_000_000n)).toISOString()}`);
      webhooks?.modelAlert(alert);
    },
    onStatus: publishModels,
  };
  try {
    if (options.serve ?? true) {
      server = await startStateServer({
        source,
        host: options.host,
        port: options.port ?? 8787,
        tokens: config.control,
        onControl: control.handle,
        onControlRefused: control.refusedByServer,
        onControlResumed: control.resumed,
        // Beside the control log (by default <killSwitch.statePath>/used-control-tokens, where `killswitch reset` claims too).
        usedTokens: DirectoryTokenLedger.open(usedTokenLedgerPath(dirname(controlLogPath))),
        // Beside them: the dashboard's resume tickets outlive a restart, spent ones stay spent.
        resumeTickets: DirectoryTicketStore.open(resumeTicketStorePath(dirname(controlLogPath))),
        staticFiles: dashboardMounts(packageRoot()),
        runs: options.runStore ?? null,
        ...options.serverLimits,
      });
    }
    sessionModel = await openSessionModel(config, symbols, modelHooks);
    const specInput = { config, plans, regimeModel: options.regimeModel, indicators: [], equity: options.equity, startNs: merger.firstTimeNs(), halted: false, log };
    const built = simulatedTradingSpec({ ...specInput, model: sessionModel?.input ?? undefined });
    source.nameStrategies(built.strategyOf);
    if (sessionModel?.input && !built.spec.instruments.some((entry) => entry.model !== undefined)) {
      sessionModel = await withoutServedInstruments(sessionModel, config, symbols, modelHooks);
    }
    const model = sessionModel;
    if (model?.absentReason) {
      log(`paper: the model is absent, trading without the ML expert: ${model.absentReason}`);
      source.setDegraded([`model absent (trading without the ML expert): ${model.absentReason}`]);
    } else if (model) {
      const status = model.feed.status();
      log(`paper: model ${status.name} (${status.source}, ${status.hash?.slice(0, 12)}) serves ${built.spec.instruments.filter((e) => e.model).map((e) => symbols[e.instrument]).join(', ')}; the core waits ${model.waitMs} ms for each bar's answer`);
    }
    publishModels();
    const serving = model !== null && model.absentReason === null;
    const injection: PacedInjection | undefined = serving
      ? { queue: model.queue, horizonNs: model.input!.waitNs, budgetMs: model.waitMs, whenIdle: (ms) => model.feed.whenIdle(ms) }
      : undefined;
    const recorder = new RunRecorder(plans.map((p) => (p.ticks ? p.timeframeNs : 0n)), plans.map((p) => p.fromTrades));
    const listeners = mergeOutboundListeners(
      { onVenueReport: recorder.onVenueReport, onRoundTrip: recorder.onRoundTrip, onEquityAt: recorder.onEquityAt },
      source.listeners(),
      serving ? { onFeatures: model.feed.onFeatures } : {},
      webhooks ? webhooks.listeners() : {},
    );
    host = await EngineHost.start({
      ...listeners,
      pipeline: { ...built.spec, equityRecords: true },
    });
    const engine = host;
    source.attach(engine);
    control.engineStarted({
      resetKillSwitch: () => engine.resetKillSwitch(),
      killSwitchTripped: () => readRiskAccount(engine.memory).halted,
      setInstrumentsPaused: (instruments, paused) => engine.setInstrumentsPaused(instruments, paused),
      changeRiskLimit: (limit, value) => engine.changeRiskLimit(limit, value),
      riskLimit: (limit) => readRiskLimit(engine.memory, limit),
      strategies: instrumentsByStrategy(built.strategyOf),
      onPausedChanged: (names) => source.setPausedStrategies(names),
    });
    let stopRequested = false;
    const finished = (async (): Promise<BacktestRun> => {
      let stopped = false;
      try {
        const played = await playPaced(merger, engine, {
          speed: options.speed,
          batch: options.batch ?? 4096,
          shouldStop: () => stopRequested,
          injection,
          onRecords: (view, from, count) => {
            recorder.onMarketRecords(view, from, count);
            if (serving) feedBars(model.feed, view, from, count);
            options.onMarketRecords?.(new Uint8Array(view.buffer, view.byteOffset + from * 64, count * 64));
          },
          takeBoundaryTask: control.takeBoundaryTask,
        });
        control.engineStopped();
        await model?.feed.close();
        const counters = await engine.drainAndStop();
        stopped = true;
        publishModels();
        source.detach();
        if (!played.stoppedEarly && counters.eventsProcessed !== played.published) {
          throw new Error(`engine consumed ${counters.eventsProcessed} of ${played.published} published records`);
        }
        return completedRun({ host: engine, config, plans, built, recorder, played, counters, equity: options.equity, streams: options.streams });
      } finally {
        control.engineStopped();
        await merger.close();
        await model?.feed.close();
        if (!stopped) {
          source.detach();
          await engine.terminate();
        }
      }
    })();
    // A failed run is reported through `finished`; this keeps it from also being unhandled.
    finished.catch(() => {});
    const dashboardUrl = server ? `http://${server.host}:${server.port}/` : null;
    return {
      server,
      dashboardUrl,
      finished,
      modelStatus: () => model?.feed.status() ?? null,
      stop: () => {
        stopRequested = true;
      },
      async close() {
        stopRequested = true;
        await finished.catch(() => {});
        await closeWebhooks();
        await server?.close();
      },
    };
  } catch (error) {
    await merger.close();
    await sessionModel?.feed.close();
    if (host) await host.terminate();
    webhooks?.close();
    await server?.close();
    throw error;
  }
}

/** Hands the closes of the BAR records among `count` played records to the feed (calibration). */
function feedBars(feed: SessionModel['feed'], view: DataView, from: number, count: number): void {
  for (let r = from; r < from + count; r++) {
    const at = r * 64;
    if ((view.getInt32(at, true) & KIND_MASK) !== EventKind.BAR) continue;
    feed.onBar(view.getInt32(at + 4, true), view.getBigInt64(at + 16, true), view.getFloat64(at + 24, true));
  }
}
