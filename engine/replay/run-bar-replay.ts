// The bar-replay (backtest) driver: starts the engine thread with a per-bar pipeline, plays
// a bar tape into the inbound ring, drains and stops the engine, and reads what the run left
// in the core (engine and pipeline counters, each instrument's final snapshot and, with a
// risk account, the account, the positions, the order flow and the execution report).
// `quantflow replay` is a thin CLI over it: it parses flags, plans the pipeline, wires
// signals and a progress bar and prints the result.
//
// A kill-switch store makes the run start from the persisted state (halted or armed) and
// persist a trip; an order-id lease makes the run number its orders past every id a previous
// run may have sent. Without them a run starts armed, numbers its orders from the spec's
// first id and persists nothing.
import { EngineHost, type EngineCounters, type OrderFlowTally, type WaitStrategyName } from '../threads/index.js';
import {
  readInstrumentRisk, readRiskAccount,
  type InstrumentRiskSnapshot, type InstrumentSnapshot, type PipelineCounters, type PipelineSpec, type RiskAccountSnapshot,
} from '../pipeline/index.js';
import { readExecutionReport, type ExecutionReport } from '../execution/index.js';
import type { ControlEvent, KillSwitchState, KillSwitchStore } from '../killswitch/index.js';
import type { OrderIdLease } from '../state/index.js';
import type { RoundTrip } from '../portfolio/index.js';
import type { ReplayTape } from './bar-replay-tape.js';
import { playTape, type PlayResult } from './tape-player.js';
import { tapeChecksum } from './tape-checksum.js';

export interface BarReplayOptions {
  tape: ReplayTape;
  /** Records claimed and published at once. */
  batch: number;
  /** Records per second; 0 plays as fast as the engine consumes. */
  rate: number;
  /** How the engine thread waits on an empty inbound ring. */
  wait: WaitStrategyName;
  /** Per-bar stages for each instrument; none replays the tape through the core alone. */
  pipeline?: PipelineSpec;
  /** Where the kill switch is persisted: the run starts from its state and persists a trip there. */
  killSwitch?: KillSwitchStore;
  /** Persisted client order ids: the run's first id comes after every id the lease covers. */
  orderIds?: OrderIdLease;
  /** Each round trip of the trade list, as the outbound drain reads it. */
  onRoundTrip?(roundTrip: RoundTrip): void;
  /** Called once a trip is persisted in `killSwitch`. */
  onKillSwitchTrip?(event: ControlEvent): void;
  /** Called once the engine thread runs, before the first record is published. */
  onStarted?(engine: BarReplayEngine): void;
  /** Called between batches with the records published so far. */
  onProgress?(published: number): void;
  /** Checked between batches: true stops the play at a batch boundary (what was published is still drained). */
  shouldStop?(): boolean;
}

/** What a caller may ask of the running engine (a forced exit names what was not consumed). */
export interface BarReplayEngine {
  /** Published inbound records the core has not consumed yet. */
  unconsumed(): number;
}

export interface BarReplayRiskResult {
  startingCash: number;
  account: RiskAccountSnapshot;
  instruments: InstrumentRiskSnapshot[];
  orderFlow: OrderFlowTally;
  execution: ExecutionReport;
  pipeline: PipelineCounters;
  /** The persisted kill switch after the run (with a kill-switch store). */
  persisted?: KillSwitchState;
}

export interface BarReplayPipelineResult {
  counters: PipelineCounters;
  /** Each instrument's final indicators, regime and decision. */
  instruments: InstrumentSnapshot[];
  /** With a risk account in the pipeline. */
  risk?: BarReplayRiskResult;
}

export interface BarReplayResult {
  played: PlayResult;
  /** The core's counters after it drained every published record. */
  counters: EngineCounters;
  /** The checksum the core should report for what was published. */
  expectedChecksum: string;
  /** The core's checksum of what it consumed is the expected one. */
  checksumMatches: boolean;
  /** The core consumed every published record. */
  consumedAll: boolean;
  pipeline?: BarReplayPipelineResult;
}

export async function runBarReplay(options: BarReplayOptions): Promise<BarReplayResult> {
  const { tape, killSwitch, orderIds } = options;
  const spec = options.pipeline;
  const risk = spec?.risk && { ...spec.risk, halted: killSwitch?.load().halted ?? false };
  const execution = spec?.execution && orderIds
    ? { ...spec.execution, orders: { ...spec.execution.orders, firstOrderId: orderIds.firstId() } }
    : spec?.execution;
  const pipeline = spec && { ...spec, risk, execution };
  const host = await EngineHost.start({
    wait: options.wait,
    pipeline,
    killSwitch,
    orderIds,
    onKillSwitchTrip: options.onKillSwitchTrip,
    onRoundTrip: options.onRoundTrip,
  });
  options.onStarted?.({ unconsumed: () => host.unconsumed() });
  const played = await playTape(tape, host, {
    batch: options.batch,
    rate: options.rate,
    shouldStop: options.shouldStop ?? (() => false),
    onProgress: options.onProgress,
  });
  const counters = await host.drainAndStop();
  const riskResult: BarReplayRiskResult | undefined = risk
    ? {
      startingCash: risk.cash,
      account: readRiskAccount(host.memory),
      instruments: risk.instruments.map(({ instrument }) => readInstrumentRisk(host.memory, instrument)),
      orderFlow: host.orderFlow,
      execution: readExecutionReport(host.memory, risk.instruments.map(({ instrument }) => instrument)),
      pipeline: host.pipelineCounters(),
      persisted: killSwitch ? killSwitch.load() : undefined,
    }
    : undefined;
  const expectedChecksum = played.checksum ?? tapeChecksum(tape, played.rows);
  const checksumMatches = expectedChecksum === counters.checksum;
  return {
    played,
    counters,
    expectedChecksum,
    checksumMatches,
    consumedAll: counters.eventsProcessed === played.published,
    pipeline: pipeline ? { counters: host.pipelineCounters(), instruments: host.pipelineSnapshot(), risk: riskResult } : undefined,
  };
}
