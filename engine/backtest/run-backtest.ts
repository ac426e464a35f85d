// One backtest: market streams (files, the LMDB store, QuestDB) merged by arrival time into
// the engine thread's inbound ring, through the same WASM core, order table, exits and
// simulated venue that paper and live trading run. The streams never wait for the engine's
// orders; the venue fills inside the core. What the outputs need is recorded from the
// outbound ring as it drains (run-recorder.ts); totals are read from the core once it stopped.
//
// Instruments are the streams' symbols, numbered in order of first appearance. A symbol that
// streams bars trades on them (its timeframe is their interval); one that streams ticks gets
// bars built in the core (`barTimeframe`, from its trades, else its quotes' mids) and the
// venue matches its orders against the ticks.
//
// With a quantile model (`model`), the ML expert's answers for the fusion instruments that stream
// bars are computed before the replay and merged in after each bar (model-ahead.ts); the core
// still waits for each bar's MODEL record but writes no FEATURES records unless a listener reads
// them (`featureRecords`). While the ahead pool infers, the engine starts (its spec needs only the
// first record's time, read from the streams already in memory), and the replay starts once the
// first part of the answers is in: the rest are computed while the core replays (on the ahead
// pool's threads), part by part in time order. The replay source (the StreamMerger's refill, on
// this I/O thread) awaits the part whose MODEL records it must feed next; the engine thread never
// waits on another thread, it only sees those records arrive later. The records and their order
// are the same as with every answer computed first, and the core's model wait is measured in
// event time, so the decisions and outputs are the same bytes.
import { EngineHost, PrestartedEngineThread, type EngineCounters, type OutboundListeners, type WaitStrategyName } from '../threads/index.js';
import { planPipeline, readDrawdownLimit, readInstrumentRisk, readRiskAccount, type PipelineCounters, type PipelineSpec, type RiskAccountSnapshot } from '../pipeline/index.js';
import { readExecutionReport, type ExecutionReport } from '../execution/index.js';
import { timeframeOfInterval, tradingPipeline, type MarketStream, type StreamIssue } from '../replay/index.js';
import { VENUE_MODE_CODES } from '../venue/index.js';
import { RiskReason, riskReasonName, type RiskRecord } from '../risk/index.js';
import type { QuantFlowConfig } from '../config/index.js';
import { checkRegimeModelTimeframe, regimeModelTimeframeNote, type RegimeModelRecord } from '../regime/index.js';
import { ModelContractError, type AheadCache } from '../models/index.js';
import { StreamMerger } from './stream-merger.js';
import { playRecords, type RecordPlayResult } from './record-player.js';
import { settleDataEnd } from './settle-data-end.js';
import { RunRecorder } from './run-recorder.js';
import { parseTimeframe } from './timeframe.js';
import { BacktestSetupError } from './backtest-errors.js';
import type { BacktestRecording, FinalTimePastLimit, RecordedInstrument, RecordedOrders } from './backtest-recording.js';
import { fillsHash } from './report/index.js';
import { interleaveModelRecords, loadAheadStreams, startModelRecordsAhead, type AheadInstrument, type ModelAhead } from './model-ahead.js';
import { warmupShortfalls, type WarmupShortfall } from './strategy-warmup.js';
import { MemoryStream } from './memory-stream.js';
import type { GatedRecordStream } from './gated-record-stream.js';
import { servedModelReport, type BacktestModel, type BacktestModelReport } from './backtest-model.js';

/** Inbound ring slots of an inline engine (two default batches; see startHost). */
const INLINE_INBOUND_CAPACITY = 8192;

export interface BacktestOptions {
  readonly streams: readonly MarketStream[];
  /**
   * Records played before `streams` that may not trade (a walk-forward fold's warm-up): they
   * update indicators, the regime filter and the strategies' state, but the core starts with the
   * kill switch halted, so every target is flat and no order leaves; once the core has consumed
   * them the kill switch is reset at that batch boundary (flat book, starting cash) and
   * `streams` trade. Nothing of the warm-up is recorded. Same symbols as `streams`.
   */
  readonly warmupStreams?: readonly MarketStream[];
  readonly config: QuantFlowConfig;
  /** The regime model fusion strategies filter with (optional for rule strategies). */
  readonly regimeModel?: RegimeModelRecord;
  /** Starting cash, account currency. */
  readonly equity: number;
  /** Bars built in the core from tick streams (default `1m`). */
  readonly barTimeframe?: string;
  /** Extra indicator tokens computed per bar (reported, not traded on). */
  readonly indicators?: readonly string[];
  /** Records published to the inbound ring at once (default 4096). */
  readonly batch?: number;
  readonly wait?: WaitStrategyName;
  /**
   * Run the engine's core in the calling thread instead of its own engine thread (EngineHost
   * `inline`): the same loop and results, no thread started per run, and the memory kept for the
   * thread's next run (reset to zeros). For callers whose thread has nothing else to do meanwhile
   * (a sweep's workers). Default false.
   */
  readonly inlineEngine?: boolean;
  /** false: no fills, trades, equity or bars are kept (a bench of the bare pipeline). Default true. */
  readonly record?: boolean;
  /** false: the recording's bars (the price chart's) are not kept, each instrument's list is empty (a sweep's runs). Default true. */
  readonly recordBars?: boolean;
  /** false: indicators only, no strategy, no orders (a bench of the data path). Default true. */
  readonly trade?: boolean;
  /**
   * The ML expert's quantile model (model-ahead.ts): its answers for every bar of the fusion
   * instruments that stream bars are computed before the replay and played right after each bar;
   * `absent` runs without it and reports why. Ignored with `trade: false`.
   */
  readonly model?: BacktestModel;
  /**
   * The ahead-prediction cache (engine/models AheadCache): the model's answers for the same
   * model, features and bar times are taken from it instead of running the model, and computed
   * ones are stored. Absent: no cache.
   */
  readonly aheadCache?: AheadCache;
  /**
   * Whether the core writes the model instruments' FEATURES records (their answers come ahead, so
   * nothing needs them). Default: only when a listener reads them (`onFeatures`, `onRecordBytes`).
   */
  readonly featureRecords?: boolean;
  /** More listeners on the outbound ring (orders, risk records ...), next to the recorder's. */
  readonly listeners?: Omit<OutboundListeners, 'onVenueReport' | 'onRoundTrip' | 'onEquity' | 'onEquityAt'>;
  shouldStop?(): boolean;
  onProgress?(published: number): void;
  /** A message for the user (instruments defaulted to risk.replayDefaults, venue modes). */
  log?(line: string): void;
}

export interface BacktestRun {
  readonly recording: BacktestRecording;
  readonly published: number;
  /** Warm-up records played before the run (kill switch halted, nothing recorded); not in `published`. */
  readonly warmupRecords: number;
  readonly elapsedNs: bigint;
  readonly eventsPerSecond: number;
  readonly stoppedEarly: boolean;
  readonly counters: EngineCounters;
  readonly pipeline: PipelineCounters;
  readonly execution?: ExecutionReport;
  /** Orders the pre-trade checks refused (or deferred), by reason name (RiskReason): why `execution.orders.refused` is what it is. */
  readonly refusals: Readonly<Record<string, number>>;
  readonly account?: RiskAccountSnapshot;
  readonly issues: readonly { readonly label: string; readonly issues: readonly StreamIssue[] }[];
  /** Instruments whose risk terms came from risk.replayDefaults. */
  readonly defaulted: readonly string[];
  /** Traded instruments with fewer bars than their strategy's indicators need before all have a value (empty when bars were not kept or a warm-up played). */
  readonly warmupShortfalls: readonly WarmupShortfall[];
  /** The ML expert: what served and how the core's wait went, or why it was absent (undefined: no model given). */
  readonly model?: BacktestModelReport;
}

export interface InstrumentPlan {
  readonly symbol: string;
  readonly streams: MarketStream[];
  readonly ticks: boolean;
  readonly timeframeNs: bigint;
  readonly fromTrades: boolean;
}


/** The run's instruments from its streams (see the header). */
export function planInstruments(streams: readonly MarketStream[], barTimeframe: string): InstrumentPlan[] {
  const bySymbol = new Map<string, MarketStream[]>();
  const seen = new Set<string>();
  for (const stream of streams) {
    // The same source twice would play every record twice (each bar traded on twice).
    const source = `${stream.label}\u0000${stream.symbol}\u0000${stream.kind}`;
    if (seen.has(source)) throw new BacktestSetupError(`${stream.label} is given twice (symbol ${stream.symbol}, ${stream.kind}): each source once`);
    seen.add(source);
    const list = bySymbol.get(stream.symbol) ?? [];
    list.push(stream);
    bySymbol.set(stream.symbol, list);
  }
  const tickTimeframe = parseTimeframe(barTimeframe, 'barTimeframe');
  return [...bySymbol.entries()].map(([symbol, list]) => {
    const bars = list.filter((s) => s.kind === 'bars');
    const ticks = list.filter((s) => s.kind !== 'bars');
    if (bars.length > 0 && ticks.length > 0) {
      throw new BacktestSetupError(`${symbol}: streams both bars (${bars[0].label}) and ticks (${ticks[0].label}); give one or the other per instrument`);
    }
    if (bars.length > 0) {
      const intervals = new Set(bars.map((s) => s.barIntervalNs ?? 0n));
      if (intervals.size > 1 || intervals.has(0n)) {
        throw new BacktestSetupError(`${symbol}: bar streams must share one known interval, were ${[...intervals].map((i) => timeframeOfInterval(i) ?? `${i} ns`).join(', ')} (${bars.map((s) => s.label).join(', ')})`);
      }
      return { symbol, streams: list, ticks: false, timeframeNs: [...intervals][0], fromTrades: false };
    }
    return { symbol, streams: list, ticks: true, timeframeNs: tickTimeframe, fromTrades: ticks.some((s) => s.kind === 'trades') };
  });
}

export async function runBacktest(options: BacktestOptions): Promise<BacktestRun> {
  if (options.streams.length === 0) throw new BacktestSetupError('no data: give at least one source');
  // The engine thread starts now: its bootstrap and module loading overlap the reading of the
  // data, the ML expert's features and the first inference (an inline engine has no thread).
  const prestarted = options.inlineEngine ? undefined : PrestartedEngineThread.start();
  try {
    return await playBacktest(options, prestarted);
  } finally {
    await prestarted?.dispose();
  }
}

async function playBacktest(options: BacktestOptions, prestarted: PrestartedEngineThread | undefined): Promise<BacktestRun> {
  const { config } = options;
  const givenPlans = planInstruments(options.streams, options.barTimeframe ?? '1m');
  const timeframes = givenPlans.map((p) => timeframeOfInterval(p.timeframeNs));
  const trade = options.trade ?? true;
  const record = options.record ?? true;
  const instrumentOf = new Map(givenPlans.map((p, id) => [p.symbol, id]));
  for (const stream of options.warmupStreams ?? []) {
    if (!instrumentOf.has(stream.symbol)) throw new BacktestSetupError(`warm-up stream ${stream.label}: symbol ${stream.symbol} is not among the run's (${[...instrumentOf.keys()].join(', ')})`);
  }
  let served = trade ? await serveModel(options, givenPlans, timeframes) : undefined;
  const loaded = (stream: MarketStream): MarketStream => served?.loaded?.get(stream) ?? stream;
  const plans = givenPlans.map((p) => ({ ...p, streams: p.streams.map(loaded) }));
  const warmupStreams = (options.warmupStreams ?? []).map(loaded);
  const marketInputs = plans.flatMap((p, instrument) => p.streams.map((stream) => ({ stream, instrument })));
  const warmupInputs = warmupStreams.map((stream) => ({ stream, instrument: instrumentOf.get(stream.symbol)! }));
  const recorder = new RunRecorder(plans.map((p) => (p.ticks ? p.timeframeNs : 0n)), plans.map((p) => p.fromTrades), { bars: options.recordBars ?? true });
  const refusals = new Map<number, number>();
  const onRiskRecord = (risk: RiskRecord): void => {
    if (risk.reason !== RiskReason.KILL_SWITCH_FLATTEN) refusals.set(risk.reason, (refusals.get(risk.reason) ?? 0) + 1);
    options.listeners?.onRiskRecord?.(risk);
  };
  const startHost = (spec: BuiltSpec): Promise<EngineHost> => EngineHost.start({
    ...options.listeners,
    onRiskRecord,
    prestarted,
    wait: options.wait,
    inline: options.inlineEngine,
    // Inline, the core takes what was published each time the ring fills: a ring of two batches
    // is all it needs, and it keeps the records in cache (and the pages a sweep resets few).
    inboundCapacity: options.inlineEngine ? INLINE_INBOUND_CAPACITY : undefined,
    pipeline: { ...spec.spec, equityRecords: record && trade },
    onVenueReport: record ? recorder.onVenueReport : undefined,
    onRoundTrip: record ? recorder.onRoundTrip : undefined,
    onEquityAt: record ? recorder.onEquityAt : undefined,
  });
  // While the model's answers are computed (on the ahead pool), the engine starts: its spec needs
  // only the first record's time, known without reading a stream twice when every stream is in
  // memory. The replay starts once the first part of the answers is in (see the header).
  let early: { host: Promise<EngineHost>; startNs: bigint; warmup: boolean; withModel: boolean } | undefined;
  let merger: StreamMerger | undefined;
  let warmupMerger: StreamMerger | undefined;
  let host: EngineHost | undefined;
  let ahead: ModelAhead | undefined;
  let stopped = false;
  try {
    if (served?.ahead !== undefined && [...marketInputs, ...warmupInputs].every((input) => input.stream instanceof MemoryStream)) {
      const first = await firstRecord(marketInputs, warmupInputs);
      const spec = buildSpec(options, plans, timeframes, trade, first.startNs, first.warmup, served.input);
      early = { host: startHost(spec), ...first, withModel: true };
      early.host.catch(() => undefined); // awaited below
    }
    try {
      ahead = await served?.ahead;
    } catch (error) {
      if (!(error instanceof ModelContractError) || served === undefined) throw error;
      // A model loaded with lazySessions that onnxruntime cannot load (found at its first
      // inference): the run trades without the ML expert and says why, as when it fails at load.
      const absent = { state: 'absent' as const, source: served.source ?? '', reason: error.message };
      options.log?.(`ML expert absent: ${error.message}`);
      served = { loaded: served.loaded, report: () => absent };
    }
    // Opening a merger reads each stream's first block, so the run's opens after the warm-up
    // played (its first MODEL records may still be being computed meanwhile).
    const openRun = (): Promise<StreamMerger> => StreamMerger.open(withModelRecords(marketInputs, ahead?.modelStreams ?? []));
    warmupMerger = warmupInputs.length ? await StreamMerger.open(withModelRecords(warmupInputs, ahead?.warmupModelStreams ?? [])) : undefined;
    const warmup = warmupMerger !== undefined && !warmupMerger.finished;
    if (!warmup) merger = await openRun();
    const startNs = warmup ? warmupMerger!.firstTimeNs() : merger!.firstTimeNs();
    const spec = buildSpec(early === undefined ? options : { ...options, log: undefined }, plans, timeframes, trade, startNs, warmup, served?.input);
    if (early !== undefined) {
      const started = early;
      early = undefined;
      host = await started.host;
      if (started.startNs !== startNs || started.warmup !== warmup || started.withModel !== (served?.input !== undefined)) {
        // The MODEL records moved the first time (never expected), or the model could not load: start again with the right spec.
        await host.terminate();
        host.release();
        host = undefined;
      }
    }
    host ??= await startHost(spec);
    let warmupRecords = 0;
    if (warmup) {
      recorder.pause();
      warmupRecords = (await playRecords(warmupMerger!, host, { batch: options.batch ?? 4096, shouldStop: options.shouldStop ?? (() => false) })).published;
      await host.resetKillSwitch();
      if (recorder.fills.length > 0) throw new Error(`the warm-up traded (a fill at ${recorder.fills[0].timeNs} ns): the halted kill switch must prevent it`);
      recorder.resume();
    }
    merger ??= await openRun();
    const played = await playRecords(merger, host, {
      batch: options.batch ?? 4096,
      shouldStop: options.shouldStop ?? (() => false),
      onProgress: options.onProgress,
      onRecords: record ? (view, from, count) => recorder.onMarketRecords(view, from, count) : undefined,
    });
    // The data's last time is tested by the kill switch like every other (settle-data-end.ts).
    const settled = !played.stoppedEarly && played.published > 0 && spec.spec.risk ? await settleDataEnd(host, options.shouldStop ?? (() => false)) : 0;
    const counters = await host.drainAndStop();
    stopped = true;
    // Every answer was fed, so they are all in; this also waits for them to be stored in the cache.
    await ahead?.done;
    if (!played.stoppedEarly && counters.eventsProcessed !== warmupRecords + played.published + settled) {
      throw new Error(`engine consumed ${counters.eventsProcessed} of ${warmupRecords + played.published + settled} published records`);
    }
    const run = completedRun({ host, config, plans, built: spec, recorder, played, counters, equity: options.equity, streams: options.streams, warmupRecords, refusals });
    return served ? { ...run, model: served.report(run.pipeline, ahead) } : run;
  } finally {
    // Answers still being computed (the run failed or stopped early): let them finish, and be
    // stored, before the caller releases the model or closes the cache.
    await ahead?.done.catch(() => undefined);
    if (early !== undefined) {
      // The answers failed while the engine started: stop it.
      const started = await early.host.catch(() => undefined);
      if (started !== undefined) {
        await started.terminate();
        started.release();
      }
    }
    await merger?.close();
    await warmupMerger?.close();
    if (host && !stopped) await host.terminate();
    // Inline: the run's results are read out of the memory; keep it for this thread's next run.
    host?.release();
  }
}

/** The run's first record time and whether a warm-up plays first, from streams in memory (read again later). */
async function firstRecord(market: readonly MergerInput[], warmupInputs: readonly MergerInput[]): Promise<{ startNs: bigint; warmup: boolean }> {
  if (warmupInputs.length > 0) {
    const probe = await StreamMerger.open(warmupInputs);
    try {
      if (!probe.finished) return { startNs: probe.firstTimeNs(), warmup: true };
    } finally {
      await probe.close();
    }
  }
  const probe = await StreamMerger.open(market);
  try {
    return { startNs: probe.firstTimeNs(), warmup: false };
  } finally {
    await probe.close();
  }
}

type MergerInput = { stream: MarketStream; instrument: number };

/**
 * The merger's inputs: the market streams, then the MODEL streams (ties: the bar first). One bar
 * stream and its instrument's MODEL stream become one stream, interleaved in the order the
 * merger would give them (model-ahead.ts interleaveModelRecords): the same records, copied in long runs.
 */
function withModelRecords(market: readonly MergerInput[], models: readonly { stream: MemoryStream | GatedRecordStream; instrument: number }[]): MergerInput[] {
  if (market.length === 1 && models.length === 1 && market[0].instrument === models[0].instrument && market[0].stream instanceof MemoryStream) {
    return [{ stream: interleaveModelRecords(market[0].stream, models[0].stream), instrument: market[0].instrument }];
  }
  return [...market, ...models];
}

export interface CompletedRunInput {
  /** The stopped engine (its memory is read for the final account and execution report). */
  readonly host: EngineHost;
  readonly config: QuantFlowConfig;
  readonly plans: readonly InstrumentPlan[];
  readonly built: BuiltSpec;
  readonly recorder: RunRecorder;
  readonly played: RecordPlayResult;
  readonly counters: EngineCounters;
  readonly equity: number;
  readonly streams: readonly MarketStream[];
  /** Warm-up records played before the run (their count per instrument is not kept): no warm-up shortfall is judged. */
  readonly warmupRecords?: number;
  /** The risk records' refusals by reason code, counted as they went out (none: not counted). */
  readonly refusals?: ReadonlyMap<number, number>;
}

/** The run's orders by how they ended, as the recording keeps them (report.json `orders`). */
function recordedOrders(orders: ExecutionReport['orders'], refusedBy: Readonly<Record<string, number>>): RecordedOrders {
  const { sent, filled, canceled, rejected, expired, endedBy, refused } = orders;
  const working = Object.values(orders.working).reduce((total, n) => total + n, 0);
  return { sent, filled, canceled, rejected, expired, endedBy, working, refused, refusedBy };
}

/** A finished run (a backtest, a paper session): its recording and figures, read once the engine stopped. */
export function completedRun(input: CompletedRunInput): BacktestRun {
  const { host, config, plans, built, recorder, played, equity } = input;
  const execution = built.spec.risk ? readExecutionReport(host.memory, plans.map((_, id) => id)) : undefined;
  const account = built.spec.risk ? readRiskAccount(host.memory) : undefined;
  const instruments: RecordedInstrument[] = plans.map((p, id) => ({
    id,
    symbol: p.symbol,
    strategy: built.strategyOf[id],
    assetClass: assetClassOf(config, p.symbol),
    timeframe: timeframeOfInterval(p.timeframeNs),
  }));
  const fills = recorder.fills;
  const { startNs, endNs } = recorder.span();
  let finalTimePastLimit: FinalTimePastLimit | undefined;
  if (account) {
    // Ticks after the last bar close (a bar the data ends inside) can move the account, fills
    // included: the curve ends with the account at the end of the data, as finalEquity does.
    const lastFillNs = fills.length > 0 ? fills[fills.length - 1].timeNs : 0n;
    const lastNs = endNs > lastFillNs ? endNs : lastFillNs;
    recorder.equity.closeAt(lastNs, account.equity, account.cash);
    // The kill switch tests a time's equity once the risk clock leaves it, which the data's last
    // time never is: a drawdown past the limit there tripped nothing, so the run says so.
    const hwm = account.highWaterMark;
    const limit = readDrawdownLimit(host.memory);
    if (!account.halted && hwm > 0 && hwm - account.equity >= limit * hwm) {
      finalTimePastLimit = { timeNs: lastNs, equity: account.equity, highWaterMark: hwm, maxDrawdownPct: limit };
    }
  }
  const sum = (pick: (i: ExecutionReport['instruments'][number]) => number): number => (execution ? execution.instruments.reduce((total, i) => total + pick(i), 0) : 0);
  const refusals = Object.fromEntries([...(input.refusals ?? [])].sort(([a], [b]) => a - b).map(([reason, count]) => [riskReasonName(reason), count]));
  const recording: BacktestRecording = {
    instruments,
    fills,
    trades: recorder.trades,
    get equity() { return recorder.equity.toPoints(); },
    equitySeries: recorder.equity,
    bars: recorder.recordedBars(),
    totals: {
      startingCash: equity,
      finalEquity: account?.equity ?? equity,
      finalCash: account?.cash ?? equity,
      // Each instrument's costs are in its quote currency: the account's totals in the account currency.
      fees: sum((i) => i.fees * i.rate),
      slippage: sum((i) => i.slippage * i.rate),
      funding: sum((i) => i.funding * i.rate),
      turnover: sum((i) => i.turnover) / equity,
      ...(account
        ? {
            killSwitch: {
              trips: account.tripCount,
              halted: account.halted,
              ...(account.tripCount > 0 ? { lastTripNs: account.tripTsNs } : {}),
              tripEquity: account.tripEquity,
              highWaterMark: account.highWaterMark,
              openPositionsAtEnd: plans.filter((_, id) => readInstrumentRisk(host.memory, id).position !== 0).length,
              ...(finalTimePastLimit ? { finalTimePastLimit } : {}),
            },
          }
        : {}),
      ...(execution ? { orders: recordedOrders(execution.orders, refusals) } : {}),
    },
    events: played.published,
    startNs,
    endNs,
    fillsHash: fillsHash(fills, instruments),
  };
  const seconds = Number(played.elapsedNs) / 1e9;
  return {
    recording,
    published: played.published,
    warmupRecords: input.warmupRecords ?? 0,
    elapsedNs: played.elapsedNs,
    eventsPerSecond: seconds > 0 ? played.published / seconds : 0,
    stoppedEarly: played.stoppedEarly,
    counters: input.counters,
    pipeline: host.pipelineCounters(),
    execution,
    refusals,
    account,
    issues: input.streams.map((s) => ({ label: s.label, issues: s.issues() })).filter((entry) => entry.issues.length > 0),
    defaulted: built.defaulted,
    warmupShortfalls: recorder.keepsBars && (input.warmupRecords ?? 0) === 0 ? warmupShortfalls(built.spec, new Map(recording.bars.map((bars, id) => [id, bars.length]))) : [],
  };
}

export interface BuiltSpec {
  readonly spec: PipelineSpec;
  readonly defaulted: readonly string[];
  readonly strategyOf: readonly (string | undefined)[];
}

function buildSpec(options: BacktestOptions, plans: readonly InstrumentPlan[], timeframes: readonly (string | undefined)[], trade: boolean, startNs: bigint, halted: boolean, model?: SimulatedModelInput): BuiltSpec {
  const barBuilders = plans.map((p) => (p.ticks ? { timeframeNs: p.timeframeNs, source: p.fromTrades ? 'trades' as const : 'quotes' as const, emptyIntervals: 'skip' as const } : undefined));
  if (!trade) {
    const indicators = options.indicators && options.indicators.length > 0 ? options.indicators : ['ema:10', 'ema:20'];
    return {
      spec: { indicators, instruments: plans.map((_, instrument) => ({ instrument, timeframe: timeframes[instrument], barBuilder: barBuilders[instrument] })) },
      defaulted: [],
      strategyOf: plans.map(() => undefined),
    };
  }
  const built = simulatedTradingSpec({ config: options.config, plans, regimeModel: options.regimeModel, indicators: options.indicators ?? [], equity: options.equity, startNs, halted, model, log: options.log });
  // What the core would refuse when the engine thread configures it (an indicator plan too large
  // for the run's instruments, ...) is refused here, as a setup error, not as the thread's failure.
  try {
    planPipeline(built.spec);
  } catch (error) {
    throw new BacktestSetupError(`pipeline: ${(error as Error).message}`);
  }
  return built;
}

interface ServedModel {
  /** The spec's model input (symbols: the instruments served ahead); undefined when the model is absent. */
  readonly input?: SimulatedModelInput;
  /** Where the model came from (a served model), for the report when it turns out absent. */
  readonly source?: string;
  /** The served instruments' streams, loaded: play these instead of the originals. */
  readonly loaded?: ReadonlyMap<MarketStream, MemoryStream>;
  /** The answers, being computed (awaited before the replay starts). */
  readonly ahead?: Promise<ModelAhead>;
  report(counters: PipelineCounters, ahead?: ModelAhead): BacktestModelReport;
}

/**
 * The ML expert of a trading run: the fusion instruments that get it (as modelInstruments picks
 * them), served ahead when they stream bars in the model's timeframe; the others run without it,
 * with the reason. A model whose horizon is not fusion.ml.horizonBars is absent.
 */
async function serveModel(options: BacktestOptions, plans: readonly InstrumentPlan[], timeframes: readonly (string | undefined)[]): Promise<ServedModel | undefined> {
  const model = options.model;
  if (model === undefined) return undefined;
  if (model.state === 'absent') return { report: () => ({ state: 'absent', source: model.source, reason: model.reason }) };
  const { set } = model;
  const horizon = set.metadata.target.horizonBars;
  const wanted = options.config.fusion.ml.horizonBars;
  if (horizon !== wanted) {
    const reason = `${model.source}: the model predicts ${horizon}-bar returns, the ML expert's \`fusion.ml.horizonBars\` is ${wanted}; set it to ${horizon} or train a ${wanted}-bar model`;
    return { report: () => ({ state: 'absent', source: model.source, reason }) };
  }
  const features = set.metadata.features;
  // Which instruments fusion decides: the same spec without the model (account start is irrelevant here).
  const probe = buildSpec({ ...options, log: undefined }, plans, timeframes, true, 0n, false);
  const candidates = modelInstruments(probe.spec, plans, { features, waitNs: model.waitNs, symbols: model.symbols });
  const without: { symbol: string; reason: string }[] = [];
  const instruments: AheadInstrument[] = [];
  for (const id of candidates) {
    const plan = plans[id];
    if (plan.ticks) {
      without.push({ symbol: plan.symbol, reason: 'it streams ticks: its bars are built in the core, so they are not known ahead of the replay (give it bars to use the ML expert)' });
    } else if (timeframes[id] !== set.metadata.timeframe) {
      without.push({ symbol: plan.symbol, reason: `its bars are ${timeframes[id] ?? `${plan.timeframeNs} ns`}, the model ${set.metadata.name} was trained on ${set.metadata.timeframe} bars` });
    } else {
      instruments.push({ instrument: id, symbol: plan.symbol, barIntervalNs: plan.timeframeNs, run: plan.streams, warmup: (options.warmupStreams ?? []).filter((s) => s.symbol === plan.symbol) });
    }
  }
  for (const { symbol, reason } of without) options.log?.(`ML expert absent on ${symbol}: ${reason}`);
  // Load the model (the ahead pool's threads, or this thread's sessions) while the data is parsed,
  // unless the ahead cache holds answers of this model: a hit needs no session at all (a miss
  // then loads it before inferring).
  if (instruments.length > 0 && options.aheadCache?.holdsAnswersOf(set.hash) !== true) void set.checkLoadable().catch(() => undefined);
  const loaded = await loadAheadStreams(instruments);
  const ahead = startModelRecordsAhead(set, instruments, { cache: options.aheadCache, loaded });
  ahead.catch(() => undefined); // awaited by runBacktest
  const symbols = instruments.map((i) => i.symbol);
  const exportFeatures = options.featureRecords ?? (options.listeners?.onFeatures !== undefined || options.listeners?.onRecordBytes !== undefined);
  return {
    input: { features, waitNs: model.waitNs, symbols, exportFeatures },
    source: model.source,
    loaded,
    ahead,
    report: (counters, done) => servedModelReport({ set, source: model.source, instruments: symbols, without, stats: done!.stats, counters: counters.modelWait, cacheDir: options.aheadCache?.dir }),
  };
}

export interface SimulatedTradingSpecInput {
  readonly config: QuantFlowConfig;
  readonly plans: readonly InstrumentPlan[];
  readonly regimeModel?: RegimeModelRecord;
  readonly indicators: readonly string[];
  readonly equity: number;
  /** Account start (the first record's time). */
  readonly startNs: bigint;
  readonly halted: boolean;
  /**
   * The ML expert's model: its feature tokens (in the model's input order), how long the core
   * waits for a bar's MODEL record, and the symbols that get it (absent: every instrument that
   * fusion decides). Each such instrument's decision waits for its bar's MODEL record.
   */
  readonly model?: SimulatedModelInput;
  log?(line: string): void;
}

export interface SimulatedModelInput {
  readonly features: readonly string[];
  readonly waitNs: bigint;
  readonly symbols?: readonly string[];
  /** false: the core waits for each bar's MODEL record but writes no FEATURES records (default true). */
  readonly exportFeatures?: boolean;
}

/** The instruments (ids) of `spec` whose decisions wait for the model: fusion-decided ones among `model.symbols`. */
export function modelInstruments(spec: BuiltSpec['spec'], plans: readonly InstrumentPlan[], model: SimulatedModelInput): number[] {
  if (!spec.decision) return [];
  return spec.instruments
    .filter((entry) => entry.regimeModel !== undefined && entry.rules === undefined && (model.symbols?.includes(plans[entry.instrument].symbol) ?? true))
    .map((entry) => entry.instrument);
}

/**
 * The trading pipeline of a run whose venue is simulated in the core (a backtest, a paper
 * session): the configuration's strategies on the planned instruments, the venue matching each
 * instrument against the kind of data it streams (ticks or bars), bars built in the core for
 * tick instruments.
 */
export function simulatedTradingSpec(input: SimulatedTradingSpecInput): BuiltSpec {
  const { plans } = input;
  const timeframes = plans.map((p) => timeframeOfInterval(p.timeframeNs));
  const barBuilders = plans.map((p) => (p.ticks ? { timeframeNs: p.timeframeNs, source: p.fromTrades ? 'trades' as const : 'quotes' as const, emptyIntervals: 'skip' as const } : undefined));
  const built = tradingPipeline({
    config: input.config,
    instrumentNames: plans.map((p) => p.symbol),
    timeframes,
    regimeModel: input.regimeModel,
    indicators: input.indicators,
    equity: input.equity,
    startNs: input.startNs,
    halted: input.halted,
    simulate: true,
  });
  for (const record of new Set(built.spec.instruments.map((entry) => entry.regimeModel))) {
    const note = record ? regimeModelTimeframeNote(record) : null;
    if (note !== null) input.log?.(note);
  }
  // A regime model describes bars of its own timeframe, those the core builds from ticks included
  // (the pipeline spec's check refuses them too; here the symbol and the flag are named).
  for (const entry of built.spec.instruments) {
    const plan = plans[entry.instrument];
    const tf = timeframes[entry.instrument];
    if (!entry.regimeModel || !plan?.ticks || entry.regimeModel.timeframe === undefined) continue;
    try {
      checkRegimeModelTimeframe(
        entry.regimeModel, tf, `${plan.symbol}'s bars, built in the core from its ${plan.fromTrades ? 'trades' : 'quotes'} (--bar-timeframe ${tf ?? `${plan.timeframeNs} ns`}),`,
        `fit one on ${tf} bars (quantflow regime fit --in a ${tf} bar file), or build ${entry.regimeModel.timeframe} bars from the ticks (--bar-timeframe ${entry.regimeModel.timeframe})`,
      );
    } catch (error) {
      throw new BacktestSetupError((error as Error).message);
    }
  }
  const execution = built.spec.execution;
  const venue = execution?.venue && {
    ...execution.venue,
    instruments: execution.venue.instruments.map((entry, index) => {
      const wanted = plans[index]?.ticks ? VENUE_MODE_CODES.ticks : VENUE_MODE_CODES.bars;
      return entry.mode === VENUE_MODE_CODES.off ? entry : { ...entry, mode: wanted };
    }),
  };
  const ticked = plans.filter((p) => p.ticks).map((p) => p.symbol);
  const traded = new Set(plans.map((p) => p.symbol));
  const unused = input.config.venue.instruments.map((entry) => entry.symbol).filter((symbol) => !traded.has(symbol));
  if (unused.length > 0) input.log?.(`venue: venue.instruments overrides the costs of ${unused.join(', ')}, not an instrument of this run (${[...traded].join(', ')}): those overrides apply to nothing`);
  if (ticked.length > 0) input.log?.(`venue: ${ticked.join(', ')} stream ticks; the simulated venue matches their orders against trades and quotes, and the strategy runs on ${timeframes[plans.findIndex((p) => p.ticks)]} bars built in the core`);
  const waiting = new Set(input.model ? modelInstruments(built.spec, plans, input.model) : []);
  const model = input.model && { features: input.model.features, waitNs: input.model.waitNs, ...(input.model.exportFeatures === false ? { exportFeatures: false } : {}) };
  return {
    spec: {
      ...built.spec,
      instruments: built.spec.instruments.map((entry) => ({ ...entry, barBuilder: barBuilders[entry.instrument], ...(waiting.has(entry.instrument) ? { model } : {}) })),
      execution: execution && { ...execution, venue },
    },
    defaulted: built.defaulted,
    strategyOf: built.strategyOf ?? plans.map(() => undefined),
  };
}

function assetClassOf(config: QuantFlowConfig, symbol: string): string {
  return (config.risk.instruments.find((entry) => entry.symbol === symbol) ?? config.risk.replayDefaults).assetClass;
}
