// Execution benchmark: events/s of the whole engine on the bundled demo bars, as
// `quantflow replay --regime-model M --decide` runs it, against the same engine without
// orders and against the old lockstep path, on an idle machine and with one busy process.
//
//   I/O thread (main)                        engine thread (worker)
//   playTape: claim 1024, write, publish --> processInbound(4096) per call:
//     (never waits for the engine)             BAR -> mark -> indicators -> regime filter ->
//   drainOutbound: PROGRESS, ORDER, fills,      decision -> order stage (order table, checks)
//     round trips, risk records <-------------  -> simulated venue in the core (bar mode:
//                                                 latency, next-open fills, costs, participation)
//
// Variants (each a fresh EngineHost with the spec below; wait strategy spin-then-sleep, batch 1024,
// the CLI defaults):
//   orders      the full pipeline: the PipelineSpec replay --decide builds (replayRisk,
//               executionFromConfig(config/default.yaml, simulate), decision = config fusion
//               and sizing, equity 100,000), played by playTape;
//   no-orders   the same spec without `risk` and `execution`: indicators, regime and decisions
//               still run every bar, no order stage, no venue;
//   lockstep    today's path before the core traded (bench/baselines): the same spec with the
//               simulated venue off (`venue: undefined`), so ORDER records leave on the outbound
//               ring; playTapeWithVenue publishes one close time, waits until the core consumed
//               it, drains its orders, and NextOpenFillVenue fills them on the I/O thread at the
//               instrument's next open (taker fee of the config, no spread or slippage) before
//               that bar.
// Workload: data/*.csv, BTC, ETH and SOL 1h bars 2024-04-16 .. 2026-04-16 (52,560 bars, 17,520
// close times), merged by close time into one tape; the regime model is fitted in-process as
// `quantflow regime fit --in data/...ETHUSDT...csv` does (3 states, diag, 10 restarts, seed 1,
// features logret, rvol:20, volz:20) and serves every instrument.
// Timed region: playTape's (or playTapeWithVenue's) own clock, from the first claim until the
// core reported every published record consumed (the figure replay prints). Left out: CSV
// load, tape build, model fit, worker start-up and pipeline setup (EngineHost.start), the stop
// (drainAndStop) and the reports. events/s = tape events (bars) / that time; the lockstep path
// also publishes its fills (counted apart).
// Repetitions: one warm-up run of each variant (its figure is printed: the first run in a
// process is what a one-shot CLI replay pays, WASM compilation and tier-up included), then
// REPETITIONS (9) rounds of orders and no-orders, with lockstep in the first 5 (it takes
// seconds a run), round-robin; medians. Then the same rounds while one other process spins a
// CPU core (`node -e "for(;;){}"`, started before and killed by its PID after).
// Ratios (same run): no-orders / orders as the median of the per-round ratios (adjacent runs
// share the machine's load; the ratio of the medians is printed too), idle / busy per variant
// (ratio of the medians), orders / lockstep.
// Goals: (1) >= 1M events/s with orders on an idle machine; (2) orders within 2x of no-orders
// (no-orders / orders <= 2); (3) with one busy process, orders drop no more than 2x (idle /
// busy <= 2); (4) the default strategy on the demo data has its turnover and fees printed
// and fees are no longer the main cause of its result: met when the trading costs are smaller
// than what the trades made before fees, |fees + slippage| < |realised P&L before fees|, where
// realised P&L before fees is the core's (at fill prices, so spread and slippage are already
// in it, fees not) and slippage is the core's implementation shortfall against the decision
// price ((fill - decided close) x signed quantity: a cost > 0). The equity change before fees
// and the share of it the fees take are printed next to it. Load averages (1, 5, 15 min) are
// printed before, between and after the phases: "idle" means no busy process of this bench's
// own; with other load on the machine the idle figures are lower bounds and the busy / idle
// ratio is only indicative (the output says when the 1-minute load exceeded half the CPUs).
// Result check (every run): the core's checksum of consumed events equals the tape's (plus the
// fills for lockstep) and it consumed all published; orders > 0 with orders and lockstep;
// every orders run writes the same orders and ends with the same equity (determinism).
//
// Run: `npm run bench -- execution [--json]` (after `npm run build`), or
// `node dist/bench/execution.bench.js [--json]`.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { defaultBarFiles } from '../engine/cli/default-data.js';
import { loadBarFiles } from '../engine/cli/load-bar-files.js';
import { loadConfig } from '../engine/config/index.js';
import { executionFromConfig, readExecutionReport, type ExecutionReport } from '../engine/execution/index.js';
import { planPipeline, readRiskAccount, type PipelineCounters, type PipelineSpec, type RiskAccountSnapshot } from '../engine/pipeline/index.js';
import { DEFAULT_FEATURE_SPEC, buildRegimeFeatures, trainRegimeModel, type RegimeModelRecord } from '../engine/regime/index.js';
import { barIntervalNs, buildBarReplayTape, type ReplayTape } from '../engine/replay/bar-replay-tape.js';
import { instrumentNames } from '../engine/replay/instrument-names.js';
import { replayRisk } from '../engine/replay/replay-risk.js';
import { tapeChecksum } from '../engine/replay/tape-checksum.js';
import { playTape, type PlayResult } from '../engine/replay/tape-player.js';
import { timeframeOfInterval } from '../engine/replay/timeframe-of-interval.js';
import { EngineHost } from '../engine/threads/index.js';
import { playTapeWithVenue } from './baselines/lockstep-tape-player.js';
import { NextOpenFillVenue } from './baselines/next-open-fill-venue.js';
import type { BenchSuite, BenchSuiteOptions } from './main.js';

const REPETITIONS = 9;
/** The lockstep path takes seconds a run: it runs in the first LOCKSTEP_REPETITIONS rounds only. */
const LOCKSTEP_REPETITIONS = 5;
const BATCH = 1024;
const WAIT = 'spin-then-sleep' as const;
const EQUITY = 100_000;
const GOAL_EVENTS_PER_SECOND = 1_000_000;
const GOAL_RATIO = 2;
/** Time the spinning process gets to reach full speed before the busy phase. */
const SPINNER_SETTLE_MS = 300;

type Variant = 'orders' | 'no-orders' | 'lockstep';
const VARIANTS: readonly Variant[] = ['orders', 'no-orders', 'lockstep'];

interface Trading {
  readonly orders: number;
  readonly fills: number;
  readonly turnover: number;
  /** Turnover / starting equity. */
  readonly turnoverMultiple: number;
  readonly fees: number;
  readonly slippage: number;
  readonly realisedBeforeFees: number;
  readonly finalEquity: number;
  readonly equityChange: number;
  readonly roundTrips: number;
  readonly winners: number;
  /** |fees + slippage| < |realised P&L before fees| (see the header). */
  readonly costsBelowResult: boolean;
}

interface RunResult {
  readonly variant: Variant;
  readonly eventsPerSecond: number;
  readonly elapsedMs: number;
  readonly published: number;
  readonly checksum: string;
  readonly trading?: Trading;
  readonly stageErrors: number;
}

export interface ExecutionBenchResult {
  readonly data: string;
  readonly events: number;
  readonly closeTimes: number;
  readonly cpus: number;
  readonly repetitions: number;
  readonly lockstepRepetitions: number;
  readonly loadAverage: { readonly before: number[]; readonly betweenPhases: number[]; readonly after: number[] };
  /** First run of each variant in the process, in the order orders, no-orders, lockstep (WASM compilation and tier-up included): what a one-shot replay pays. */
  readonly warmUpEventsPerSecond: Record<Variant, number>;
  readonly idle: Record<Variant, { median: number; samples: number[] }>;
  readonly busy: Record<Variant, { median: number; samples: number[] }>;
  readonly ratios: {
    /** no-orders / orders events/s, the median of the per-round ratios (goal <= 2). */
    readonly noOrdersOverOrders: number;
    /** idle / busy events/s per variant (goal <= 2 for orders). */
    readonly idleOverBusy: Record<Variant, number>;
    /** orders / lockstep events/s. */
    readonly ordersOverLockstep: number;
  };
  readonly trading: { readonly orders: Trading; readonly lockstep: Trading };
  readonly goals: {
    readonly eventsPerSecond: { readonly goal: number; readonly value: number; readonly met: boolean };
    readonly withinNoOrders: { readonly goal: number; readonly value: number; readonly met: boolean };
    readonly busyDrop: { readonly goal: number; readonly value: number; readonly met: boolean };
    readonly feesNotMainCause: { readonly met: boolean; readonly costs: number; readonly realisedBeforeFees: number };
  };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function tradingOf(memory: WebAssembly.Memory, instruments: readonly number[], orders: number): Trading {
  const report: ExecutionReport = readExecutionReport(memory, instruments);
  const account: RiskAccountSnapshot = readRiskAccount(memory);
  const rows = report.instruments;
  const fees = sum(rows.map((r) => r.fees));
  const slippage = sum(rows.map((r) => r.slippage));
  const realisedBeforeFees = sum(rows.map((r) => r.realisedPnl));
  const turnover = sum(rows.map((r) => r.turnover));
  return {
    orders,
    fills: report.orders.fills,
    turnover,
    turnoverMultiple: turnover / EQUITY,
    fees,
    slippage,
    realisedBeforeFees,
    finalEquity: account.equity,
    equityChange: account.equity - EQUITY,
    roundTrips: report.roundTrips,
    winners: report.winners,
    costsBelowResult: Math.abs(fees + slippage) < Math.abs(realisedBeforeFees),
  };
}

interface Workload {
  readonly tape: ReplayTape;
  readonly checksum: string;
  readonly specs: Record<Variant, PipelineSpec>;
  readonly feeRate: number;
  readonly data: string;
}

async function prepare(): Promise<Workload> {
  const files = defaultBarFiles();
  const { series } = await loadBarFiles(files, { onBadRow: 'reject' }, (line) => void process.stderr.write(`${line}\n`));
  const names = instrumentNames(series.map((s) => s.file));
  const tape = buildBarReplayTape(series, names);
  const eth = names.indexOf('ETHUSDT');
  if (eth < 0) throw new Error(`the bundled data must hold ETHUSDT (the regime model's training series), had ${names.join(', ')}`);
  const model: RegimeModelRecord = trainRegimeModel(buildRegimeFeatures(series[eth], DEFAULT_FEATURE_SPEC), {
    states: 3, covarianceType: 'diag', restarts: 10, seed: 1, maxIterations: 200, tolerance: 0.001, minDwellBars: 1, source: series[eth].file,
  });
  const config = loadConfig();
  const instruments = series.map((bars, instrument) => ({ instrument, regimeModel: model, timeframe: timeframeOfInterval(barIntervalNs(bars)) }));
  const decision = { fusion: config.fusion, sizing: config.sizing, equity: EQUITY };
  const { risk } = replayRisk(config.risk, names, { cash: EQUITY, startNs: tape.tsExchange[0], halted: false });
  const symbols = names.map((symbol, instrument) => ({ instrument, symbol }));
  const specs: Record<Variant, PipelineSpec> = {
    orders: { indicators: [], instruments, decision, risk, execution: executionFromConfig(config, symbols, { simulate: true }) },
    'no-orders': { indicators: [], instruments, decision },
    lockstep: { indicators: [], instruments, decision, risk, execution: executionFromConfig(config, symbols, { simulate: false }) },
  };
  for (const spec of Object.values(specs)) planPipeline(spec);
  if (specs.lockstep.execution?.venue !== undefined) throw new Error('the lockstep spec must have the simulated venue off');
  return {
    tape, checksum: tapeChecksum(tape), specs, feeRate: config.venue.costs.takerFee,
    data: `${files.map((f) => path.basename(f)).join(', ')} (${tape.length.toLocaleString('en-US')} bars)`,
  };
}

async function runOnce(w: Workload, variant: Variant): Promise<RunResult> {
  const spec = w.specs[variant];
  const options = { batch: BATCH, rate: 0, shouldStop: () => false };
  const venue = variant === 'lockstep' ? new NextOpenFillVenue(w.feeRate) : undefined;
  const host = await EngineHost.start({
    wait: WAIT,
    pipeline: spec,
    onOrder: venue && ((order) => venue.onOrder(order)),
    // Every order fills before its instrument's next bar, so the strategy never amends one.
    onOrderChange: venue && ((change) => {
      throw new Error(`lockstep: the engine asked to ${change.record} order ${change.orderId}, which NextOpenFillVenue filled already`);
    }),
  });
  let played: PlayResult;
  try {
    played = venue ? await playTapeWithVenue(w.tape, host, venue, options) : await playTape(w.tape, host, options);
  } catch (error) {
    await host.terminate();
    throw error;
  }
  const counters = await host.drainAndStop();
  const expected = played.checksum ?? (played.rows === w.tape.length ? w.checksum : tapeChecksum(w.tape, played.rows));
  if (counters.checksum !== expected || counters.eventsProcessed !== played.published || played.rows !== w.tape.length) {
    throw new Error(`result check failed (${variant}): the core consumed ${counters.eventsProcessed} of ${played.published} published records (${played.rows} of ${w.tape.length} bars), checksum ${counters.checksum}, expected ${expected}`);
  }
  const pipeline: PipelineCounters = host.pipelineCounters();
  const trading = spec.risk ? tradingOf(host.memory, spec.instruments.map((i) => i.instrument), host.orderFlow.orders) : undefined;
  if (trading && trading.orders === 0) throw new Error(`result check failed (${variant}): no order was sent`);
  const seconds = Number(played.elapsedNs) / 1e9;
  return {
    variant,
    eventsPerSecond: played.rows / seconds,
    elapsedMs: seconds * 1e3,
    published: played.published,
    checksum: counters.checksum,
    trading,
    stageErrors: pipeline.stageErrors,
  };
}

/** Runs REPETITIONS rounds of the variants, round-robin (lockstep in the first LOCKSTEP_REPETITIONS). */
async function measure(w: Workload, onRun: (run: RunResult) => void): Promise<Record<Variant, number[]>> {
  const samples: Record<Variant, number[]> = { orders: [], 'no-orders': [], lockstep: [] };
  for (let round = 0; round < REPETITIONS; round++) {
    for (const variant of VARIANTS) {
      if (variant === 'lockstep' && round >= LOCKSTEP_REPETITIONS) continue;
      const run = await runOnce(w, variant);
      onRun(run);
      samples[variant].push(run.eventsPerSecond);
    }
  }
  return samples;
}

/** A process that spins one CPU core until killed. */
function startSpinner(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  if (child.pid === undefined) throw new Error('could not start the busy process');
  return child;
}

async function stopSpinner(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
}

export async function runExecutionBench(options: { json?: boolean } = {}): Promise<ExecutionBenchResult> {
  const say = (line: string) => {
    if (!options.json) console.log(line);
  };
  const load = () => loadavg().map((v) => Math.round(v * 100) / 100);
  const w = await prepare();
  const before = load();
  say(`execution bench: ${w.data}, ${new Set(w.tape.tsLocal).size.toLocaleString('en-US')} close times; ${cpus().length} CPUs; load average before ${before.join(' ')}`);

  // Every orders and lockstep run must trade identically (the replay is deterministic).
  const fingerprints = new Map<Variant, string>();
  const tradingOfVariant = new Map<Variant, Trading>();
  const onRun = (run: RunResult) => {
    if (run.stageErrors !== 0) throw new Error(`result check failed (${run.variant}): ${run.stageErrors} stage errors`);
    if (!run.trading) return;
    const fingerprint = `${run.trading.orders}/${run.trading.fills}/${run.trading.finalEquity}`;
    const seen = fingerprints.get(run.variant);
    if (seen !== undefined && seen !== fingerprint) throw new Error(`result check failed (${run.variant}): not deterministic, ${seen} then ${fingerprint} (orders/fills/equity)`);
    fingerprints.set(run.variant, fingerprint);
    tradingOfVariant.set(run.variant, run.trading);
  };

  const warmUp = {} as Record<Variant, number>;
  for (const variant of VARIANTS) {
    const run = await runOnce(w, variant);
    onRun(run);
    warmUp[variant] = run.eventsPerSecond;
  }
  const idleSamples = await measure(w, onRun);
  const between = load();
  say(`load average after the idle phase ${between.join(' ')}; starting one busy process (node -e "for(;;){}")`);
  const spinner = startSpinner();
  let busySamples: Record<Variant, number[]>;
  try {
    await sleep(SPINNER_SETTLE_MS);
    busySamples = await measure(w, onRun);
  } finally {
    await stopSpinner(spinner);
  }
  const after = load();

  const summary = (samples: Record<Variant, number[]>) =>
    Object.fromEntries(VARIANTS.map((v) => [v, { median: median(samples[v]), samples: samples[v].map((x) => Math.round(x)) }])) as Record<Variant, { median: number; samples: number[] }>;
  const idle = summary(idleSamples);
  const busy = summary(busySamples);
  const idleOverBusy = Object.fromEntries(VARIANTS.map((v) => [v, idle[v].median / busy[v].median])) as Record<Variant, number>;
  // Paired by round (adjacent runs share the machine's load at that moment), then the median.
  const noOrdersOverOrders = median(idleSamples.orders.map((orders, k) => idleSamples['no-orders'][k] / orders));
  const trading = { orders: tradingOfVariant.get('orders')!, lockstep: tradingOfVariant.get('lockstep')! };
  const result: ExecutionBenchResult = {
    data: w.data,
    events: w.tape.length,
    closeTimes: new Set(w.tape.tsLocal).size,
    cpus: cpus().length,
    repetitions: REPETITIONS,
    lockstepRepetitions: LOCKSTEP_REPETITIONS,
    loadAverage: { before, betweenPhases: between, after },
    warmUpEventsPerSecond: warmUp,
    idle,
    busy,
    ratios: { noOrdersOverOrders, idleOverBusy, ordersOverLockstep: idle.orders.median / idle.lockstep.median },
    trading,
    goals: {
      eventsPerSecond: { goal: GOAL_EVENTS_PER_SECOND, value: idle.orders.median, met: idle.orders.median >= GOAL_EVENTS_PER_SECOND },
      withinNoOrders: { goal: GOAL_RATIO, value: noOrdersOverOrders, met: noOrdersOverOrders <= GOAL_RATIO },
      busyDrop: { goal: GOAL_RATIO, value: idleOverBusy.orders, met: idleOverBusy.orders <= GOAL_RATIO },
      feesNotMainCause: { met: trading.orders.costsBelowResult, costs: trading.orders.fees + trading.orders.slippage, realisedBeforeFees: trading.orders.realisedBeforeFees },
    },
  };
  if (options.json) {
    console.log(JSON.stringify(result, null, 2));
    return result;
  }
  const rate = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(2)}M` : `${(v / 1e3).toFixed(1)}k`);
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const money = (v: number) => v.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const describe: Record<Variant, string> = {
    orders: 'orders (full pipeline, simulated venue in the core)',
    'no-orders': 'no orders (indicators, regime, decisions)',
    lockstep: 'lockstep (venue off, fills on the I/O thread per close time)',
  };
  say(`load average after the busy phase ${after.join(' ')}${before[0] > 0.5 * cpus().length ? `  (the machine was not idle before the run: 1-min load ${before[0]} on ${cpus().length} CPUs; other processes share the cores)` : ''}`);
  say(`events/s, median of ${REPETITIONS} runs (lockstep ${LOCKSTEP_REPETITIONS}) (idle | one busy process | idle/busy; first run in the process)`);
  for (const v of VARIANTS) {
    say(`  ${describe[v].padEnd(64)} ${rate(idle[v].median).padStart(7)} | ${rate(busy[v].median).padStart(7)} | ${idleOverBusy[v].toFixed(2)}x; first run ${rate(warmUp[v])}`);
  }
  say(`  samples idle: ${VARIANTS.map((v) => `${v} ${idle[v].samples.map(rate).join(' ')}`).join('; ')}`);
  say(`  samples busy: ${VARIANTS.map((v) => `${v} ${busy[v].samples.map(rate).join(' ')}`).join('; ')}`);
  say(`ratios: no orders / orders ${noOrdersOverOrders.toFixed(2)}x (median of the per-round ratios; of the medians ${(idle['no-orders'].median / idle.orders.median).toFixed(2)}x); orders / lockstep ${result.ratios.ordersOverLockstep.toFixed(2)}x`);
  for (const [name, t] of [['orders (simulated venue)', trading.orders], ['lockstep (next-open fills, fee only)', trading.lockstep]] as const) {
    say(`trading, ${name}: ${t.orders.toLocaleString('en-US')} orders, ${t.fills.toLocaleString('en-US')} fills, turnover ${money(t.turnover)} (${t.turnoverMultiple.toFixed(1)}x starting equity), fees ${money(t.fees)}, slippage ${money(t.slippage)}, realised P&L before fees ${money(t.realisedBeforeFees)}, final equity ${money(t.finalEquity)} (${t.equityChange >= 0 ? '+' : ''}${money(t.equityChange)}); ${t.roundTrips} round trips, ${t.winners} winners`);
  }
  const o = trading.orders;
  say('goals:');
  say(`  >= ${rate(GOAL_EVENTS_PER_SECOND)} events/s with orders (idle)          ${rate(idle.orders.median)}: ${met(result.goals.eventsPerSecond.met)}`);
  say(`  orders within ${GOAL_RATIO}x of no orders                  ${noOrdersOverOrders.toFixed(2)}x: ${met(result.goals.withinNoOrders.met)}`);
  say(`  <= ${GOAL_RATIO}x drop with one busy process (orders)      ${idleOverBusy.orders.toFixed(2)}x: ${met(result.goals.busyDrop.met)}`);
  say(`  fees not the main cause: |fees + slippage| ${money(Math.abs(o.fees + o.slippage))} < |realised before fees| ${money(Math.abs(o.realisedBeforeFees))}: ${met(o.costsBelowResult)} (the fees take ${o.equityChange + o.fees !== 0 ? ((100 * o.fees) / Math.abs(o.equityChange + o.fees)).toFixed(0) : '-'}% of the equity change before fees, ${money(o.equityChange + o.fees)})`);
  say(`result check: checksums match the tape on every run (${VARIANTS.length + 2 * (2 * REPETITIONS + LOCKSTEP_REPETITIONS)} runs), orders > 0, every run of a variant traded identically`);
  return result;
}

export const executionSuite: BenchSuite = {
  name: 'execution',
  description: 'events/s of replay --decide (orders, simulated venue) vs no orders vs lockstep, idle and with one busy process; trading costs',
  run: (options: BenchSuiteOptions = {}) => runExecutionBench({ json: options.json }),
};

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  runExecutionBench({ json: process.argv.includes('--json') }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
