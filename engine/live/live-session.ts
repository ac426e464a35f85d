// A live session: the engine against a venue through a VenueAdapter, with the write-ahead
// journal between them. It starts by recovering (the latest checkpoint, then the journal's
// inbound records after it, replayed through the same core), reconciles with the venue, and
// then runs in lockstep with the venue's market stream:
//
//   loop: wait until the core has taken every published record (outbound drained)
//         model answers?    (with a model) wait for the answers to the FEATURES the core wrote;
//                           journal and publish each as a MODEL record, so the core decides
//                           the bar before the market moves on
//         commands queued?  journal, commit (durable), send, then sync with the venue
//                           (its replies arrive through the listener: journaled, published)
//         checkpoint due?   park the core, copy its state, store it with the journal sequence
//         otherwise         ask the venue for the next market record (and the fills it causes)
//
// Lockstep makes a session deterministic: the venue sees each command before the market moves
// on, so a session killed anywhere and recovered trades exactly as one never killed. The model's
// answers are inbound records like any other: journaled before they are published, replayed on
// recovery (not recomputed). An answer the journal never got (killed between a bar and its
// answer) is computed again during recovery and journaled after the replay, where the
// uninterrupted session would have published it. Monitor alerts are journaled (ModelAlert),
// except those raised again while recovery rebuilds the monitors.
//
// Push mode (`feed: 'push'`, live venues: ccxt, IB) has the same recovery, journal and
// reconciliation, but the venue sets the pace: market records reach the listener whenever the
// venue sends them (journaled, then published, as in lockstep), and the loop wakes on each:
//
//   loop: wait until the core has taken every published record
//         model answers?    journal and publish them
//         commands queued?  journal, commit (durable per the policy), send; no sync: replies come when they come
//         control action?   an operator's kill-switch trip or reset (watcher.control): hold the venue's and the
//                           feed-health records back, journal who and why, commit, apply it in the core at this
//                           batch boundary (parking protocol), then publish the held records in arrival order
//         reconnected?      the adapter restored its streams by itself: reconcile
//         timer due?        journal and publish a TIMER (order timeouts, model wait, staleness)
//         stop requested?   journal who and why, then drain, cancel (each cancel journaled before it is
//                           sent) or keep working orders (SessionStop)
//         checkpoint due?   as in lockstep
//         otherwise         sleep until a record, a reconnect, a stop or the next timer
//
// Feed health (push mode, `push.feedHealth`): after recovery, the feed conditions the core holds
// (its risk slots, restored by checkpoint + replay) are handed to the new SessionFeedHealth as
// active until proven clear, so a feed that is healthy again gets its RECOVERED record.
//
// Paper mode is push mode with `venueOrders: false`: the core's simulated venue fills the orders,
// nothing is sent to the venue and nothing is reconciled with it.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_MAX_BATCH, EngineHost, CHECKPOINT_IMAGE_BYTES, type CoreCheckpoint, type OutboundListeners } from '../threads/index.js';
import { Journal, JournalWriteError, type CoreSnapshot, type DurabilityPolicy, type JournalEntry } from '../journal/index.js';
import { coreBuildHash } from '../core/wasm-core.js';
import { adoptJournalCore, checkJournalCore } from './journal-core.js';
import { describeCommandDifference } from './command-divergence.js';
import type { PipelineSpec } from '../pipeline/index.js';
import { JournaledInbound } from './journaled-inbound.js';
import { JournaledCommands, type QueuedCommand } from './journaled-commands.js';
import { checkVenueLots } from './venue-lots.js';
import { REJECT_WITHHELD_BY_KILL_SWITCH, addsExposure, enlargesOrder, withheldRejectRecord } from './withheld-orders.js';
import { AdoptedOrders, DEFAULT_RECONCILE_POLICY, checkForeignOrderPolicy, describeReconciliation, reconcile, type ReconcilePolicy, type ReconcileReport } from './reconcile.js';
import { liveOrders, pipelineFromJson, pipelineToJson, readSessionBook, type SessionBook } from './session-state.js';
import { clientOrderIdOf, type PushMarketStream, type PushVenueAdapter, type VenueAdapter } from './venue-adapter.js';
import { SessionStop, type SessionExitReport, type StopRequest } from './session-stop.js';
import { OrderState } from '../orders/index.js';
import { crashPoint, fillCrashPoint } from './crash-points.js';
import { holdJournal, journalHolder, releaseJournal } from './session-control.js';
import { DRAWDOWN_TRIPPER, drawdownTripReason } from '../killswitch/index.js';
import { DEFAULT_MAX_CONSECUTIVE_REJECTS, MAX_CONSECUTIVE_REJECTS_BOUND } from '../config/index.js';
import { pausedInstrumentsProblem, pipelineSetupIdentity, readInstrumentPaused, readRiskAccount } from '../pipeline/index.js';
import { EVENT_BYTES, EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import { boundedRejectMessage, modelAlertEntry } from '../journal/index.js';
import { ModelFeed, type ModelFeedOptions, type ModelStatus, type MonitorAlert } from '../models/index.js';
import { mergeOutboundListeners } from '../server/index.js';
import { controlRefused, isOperatorTrip, type LiveSessionControl, type QueuedControl } from './session-server-control.js';
import { journaledKillSwitch } from './session-control.js';
import { SessionFeedHealth, describeFeedHealth, type SessionFeedHealthSettings } from './session-feed-health.js';
import { ShadowPaper } from './shadow-paper.js';
import { CommandLatency } from './command-latency.js';
import { describeDrift, type DriftReport } from './shadow-drift.js';
import { DEFAULT_FEED_HEALTH, isRiskLimitName, readFeedHealthState, readRiskLimit, type RiskLimitName } from '../risk/index.js';

const MARKET_KINDS = EventKind.BAR | EventKind.TRADE | EventKind.QUOTE;

export interface LiveSessionOptions {
  readonly journalDir: string;
  readonly durability?: DurabilityPolicy;
  readonly pipeline: PipelineSpec;
  readonly adapter: VenueAdapter;
  /** Inbound records between checkpoints (0: none). */
  readonly checkpointEvery?: number;
  readonly reconcile?: ReconcilePolicy;
  readonly sessionId?: string;
  /** Reconnects after a dropped venue connection (default: 10 attempts per drop, 50 ms doubling to 2 s, with jitter). */
  readonly reconnect?: ReconnectPolicy;
  readonly log?: (line: string) => void;
  /**
   * Each market record (BAR, TRADE, QUOTE) the venue sent, once journaled and published: for a
   * recorder of the session's data (adapters/questdb QuestDbRecorder), so any session can be
   * replayed as a backtest. The 64 bytes are only valid during the call.
   */
  readonly onMarketRecord?: (record: Uint8Array) => void;
  /**
   * The ML expert's model: the pipeline's fusion instruments with `model` write FEATURES records;
   * a ModelFeed answers them with MODEL records, journaled and published in lockstep.
   */
  readonly model?: LiveSessionModel;
  /** lockstep (default): the session pulls market records with adapter.market(); push: the adapter (a PushVenueAdapter) pushes them, see `push`. */
  readonly feed?: 'lockstep' | 'push';
  readonly push?: PushFeedOptions;
  /** What watches the session and controls it while it runs (session-monitor.ts: the state server's source, webhooks, the control channel). */
  readonly watcher?: LiveSessionWatcher;
  /** Each configured strategy's name and its instrument ids (what an operator pauses or resumes by name); absent: none. */
  readonly strategies?: ReadonlyMap<string, readonly number[]>;
  /** Slots of the inbound ring (a power of two; default the engine's INBOUND_CAPACITY). Venue records that find it full wait, journaled, in order (JournaledInbound). */
  readonly inboundCapacity?: number;
  /**
   * Orders the venue rejects in a row (no ACK or FILL between) before the session trips the kill
   * switch, journaled as REJECTS_TRIPPER with the count and the venue's last reject message
   * (default DEFAULT_MAX_CONSECUTIVE_REJECTS; `live.maxConsecutiveRejects`). Not off: at least 1.
   */
  readonly maxConsecutiveRejects?: number;
  /**
   * Start on a journal another core build wrote (or one that records none; journal-core.ts): it
   * replays from its start through this core, every journaled command must come out again byte for
   * byte, and then this core becomes the journal's writer. Without it such a start is refused
   * (CoreChangeError). `quantflow run --accept-core-change`.
   */
  readonly acceptCoreChange?: boolean;
}

/** Who the journal names for a kill-switch trip on consecutive venue rejections (a `risk.` subject: no control token may act under it). */
export const REJECTS_TRIPPER = 'risk.rejects';

/** What a session is doing: a watcher's readiness follows it. */
export type SessionPhase = 'recovering' | 'reconciling' | 'trading' | 'disconnected' | 'stopping' | 'stopped';

/** Hooks of a running session for whoever watches and controls it (engine/live session-monitor.ts). */
export interface LiveSessionWatcher {
  /** Outbound listeners called beside the session's own. */
  readonly listeners?: OutboundListeners;
  /** Operator kill-switch trips and resets, taken at batch boundaries (session-server-control.ts). */
  readonly control?: LiveSessionControl;
  /** The engine started (before recovery replays the journal). */
  engineStarted?(host: EngineHost): void;
  phase?(phase: SessionPhase, detail?: string): void;
  /** Each record journaled and published after recovery (the venue's, reconciliation's, the feed-health, model and timer records); `inboundSeq`: its inbound sequence in the journal. */
  inbound?(record: Uint8Array, inboundSeq: bigint): void;
  /** Each inbound record recovery replays from the journal (after the checkpoint), with its inbound sequence: the fills a killed process journaled but may not have announced. */
  replayed?(record: Uint8Array, inboundSeq: bigint): void;
  /**
   * The kill switch as journaled, once recovered and on every trip and reset since. `journaledNow`:
   * this process journaled the transition (a trip of the core the previous process died before
   * journaling, found by recovery's replay, is news even while recovering: no process announced it).
   * `sequence`: where the journal holds the transition (absent for the state announced at the end of
   * recovery): a transition recovery replays is announced when the process that journaled it was
   * killed before storing its webhook event (LiveSessionMonitor, the outbox's marks).
   */
  killSwitch?(halted: boolean, who: string, why: string, journaledNow?: boolean, sequence?: bigint): void;
  /** The paused strategies as the core holds them, once recovered and after every pause and resume since. */
  pausedStrategies?(names: readonly string[]): void;
  /** The engine fell behind: `waiting` venue records (journaled) wait for room on the inbound ring; 0 once they are all published. */
  inboundWaiting?(waiting: number): void;
  /**
   * A model monitor alert, once journaled at `sequence`. `replayed`: recovery replays its journal
   * record (announced when the process that journaled it was killed before storing its webhook event).
   */
  modelAlert?(alert: MonitorAlert, sequence?: bigint, replayed?: boolean): void;
  /** The model's status changed (a prediction, an alert): the models topic. */
  modelStatus?(status: ModelStatus): void;
}

export interface PushFeedOptions {
  /** The market streams to subscribe after connecting. */
  readonly streams: readonly PushMarketStream[];
  /** A TIMER record is journaled and published this often (default 1000 ms). */
  readonly timerIntervalMs?: number;
  /** Checkpoint at most this often in wall time as well as every `checkpointEvery` records (0: records only). */
  readonly checkpointIntervalMs?: number;
  /** Ends the session on request (Ctrl-C); without it the session runs until an error. */
  readonly stop?: SessionStop;
  /** false: paper mode, the core's simulated venue fills; no command leaves, no reconciliation (default true). */
  readonly venueOrders?: boolean;
  /**
   * Feed health (SessionFeedHealth): each stream's messages, gaps, books and connection state are
   * tracked and each change is journaled and published as a FEED_HEALTH record (the core acts by
   * its risk.feedHealth policy). Thresholds default to the pipeline's risk.feedHealth. Absent: not tracked.
   */
  readonly feedHealth?: SessionFeedHealthSettings;
  /** The tracker's clock (default: the wall clock, ns). */
  readonly nowNs?: () => bigint;
  /** Live mode: the same pipeline with the core's simulated venue, run beside the live core on the same records (ShadowPaper); the result gets its drift report. */
  readonly shadowPaper?: PipelineSpec;
}

/** The ModelFeed of a live session, less what the session wires itself. */
export type LiveSessionModel = Omit<ModelFeedOptions, 'inject' | 'onAlert' | 'onStatus' | 'kindBits'>;

export interface LiveSessionResult {
  readonly book: SessionBook;
  readonly recoveredFromInboundSeq: bigint;
  readonly replayedRecords: number;
  readonly reconciliation: ReconcileReport;
  readonly marketRecords: number;
  readonly commandsSent: number;
  /** REJECT records of orders (not of cancels or modifies) the adapter delivered in this process: refused by the venue, or by the adapter before sending. */
  readonly ordersRejected: number;
  /** Times the venue connection was lost and restored (each followed by a reconciliation). */
  readonly reconnects: number;
  /** SHA-256 of every outbound record this process's core wrote (recovery's replay included): what `replay --journal` prints for a session never interrupted. */
  readonly decisionsHash: string;
  /** The model's status at the end (absent without `model`). */
  readonly model?: ModelStatus;
  /** Push mode: TIMER records published, and how the session stopped. */
  readonly timers?: number;
  readonly exit?: SessionExitReport;
  /** Push mode with feedHealth: FEED_HEALTH records this process journaled. */
  readonly feedHealthRecords?: number;
  /** Push mode with shadowPaper: live vs the simulated venue on the same decisions. */
  readonly shadowPaper?: DriftReport;
  /** Times the engine fell behind (venue records waited, journaled, for room on the inbound ring) and the most that waited at once. */
  readonly inboundWaits: { readonly stretches: number; readonly mostWaiting: number };
}

/** A TIMER record at `nowNs` as a live session publishes it (no instrument). */
function timerRecord(nowNs: bigint): Uint8Array {
  const bytes = new Uint8Array(EVENT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setInt32(EV_KIND, EventKind.TIMER | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND, true);
  view.setInt32(EV_INSTRUMENT, -1, true);
  view.setBigInt64(EV_TS_EXCHANGE, nowNs, true);
  view.setBigInt64(EV_TS_LOCAL, nowNs, true);
  return bytes;
}

/** The reason of the cancels a session sends when it stops with policy cancel (recovery tells them from the core's by it). */
export const ON_EXIT_CANCEL_REASON = 'on exit cancel';

/** The CANCEL command record (outbound layout of orders/order-records.ts, rule 0) of a cancel the session sends on exit. */
function onExitCancelRecord(orderId: bigint, instrument: number, nowNs: bigint, leaves: number): Uint8Array {
  const bytes = new Uint8Array(EVENT_BYTES);
  const view = new DataView(bytes.buffer);
  view.setInt32(EV_KIND, EventKind.CANCEL | EventKind.SOURCE_LIVE | EventKind.DIRECTION_OUTBOUND, true);
  view.setInt32(EV_INSTRUMENT, instrument, true);
  view.setBigInt64(EV_TS_EXCHANGE, nowNs, true);
  view.setBigInt64(EV_TS_LOCAL, nowNs, true);
  view.setFloat64(EV_SIZE, leaves, true);
  view.setBigUint64(EV_ID, orderId, true);
  return bytes;
}

/** What a checkpoint records of the journal beside the core's state: the venue stream's position and the journaled kill switch. */
interface CheckpointStream {
  readonly lastMarketSeq: bigint;
  readonly lastFillId: bigint;
  /** The last fill id per instrument (venues such as Binance number trades per symbol). */
  readonly lastFillIdByInstrument: ReadonlyMap<number, bigint>;
  readonly halted: boolean;
}

/** A checkpoint's meta: the stream position, and the core build whose state layout its image holds. */
function checkpointMeta(stream: CheckpointStream): Record<string, string | number> {
  const byInstrument = [...stream.lastFillIdByInstrument].map(([instrument, id]) => `${instrument}:${id}`).join(',');
  return { lastMarketSeq: stream.lastMarketSeq.toString(), lastFillId: stream.lastFillId.toString(), lastFillIds: byInstrument, halted: stream.halted ? 1 : 0, core: coreBuildHash() };
}

/**
 * The newest checkpoint if this core build took it, else null with the reason logged: an image
 * is the core's memory, laid out by the build that wrote it (another build may place its state
 * elsewhere or read it otherwise), so after an upgrade the journal replays from its start.
 */
function checkpointOfThisBuild(latest: CoreSnapshot | null, log: (line: string) => void): CoreSnapshot | null {
  if (latest === null) return null;
  const current = coreBuildHash();
  const taker = latest.meta.core;
  if (taker === current) return latest;
  const by = typeof taker === 'string' ? `another core build (core.wasm sha256 ${taker.slice(0, 12)}…)` : 'a core build it does not name (a QuantFlow from before checkpoints recorded it)';
  log(`recovery: the newest checkpoint (inbound ${latest.inboundSeq}) was taken by ${by}; this one is ${current.slice(0, 12)}…: not restored, the journal replays from its start`);
  return null;
}

function checkpointStream(meta: Record<string, string | number>, path: string): CheckpointStream {
  const { lastMarketSeq, lastFillId, lastFillIds, halted } = meta;
  if (typeof lastMarketSeq !== 'string' || typeof lastFillId !== 'string' || typeof lastFillIds !== 'string' || !/^(\d+:\d+(,\d+:\d+)*)?$/.test(lastFillIds) || (halted !== 0 && halted !== 1)) {
    throw new JournalDivergenceError(`journal ${path}: the latest checkpoint lacks the stream position (lastMarketSeq, lastFillId, lastFillIds, halted)`);
  }
  const lastFillIdByInstrument = new Map(lastFillIds === '' ? [] : lastFillIds.split(',').map((pair) => {
    const [instrument, id] = pair.split(':');
    return [Number(instrument), BigInt(id)] as const;
  }));
  return { lastMarketSeq: BigInt(lastMarketSeq), lastFillId: BigInt(lastFillId), lastFillIdByInstrument, halted: halted === 1 };
}

export class JournalDivergenceError extends Error {}

/** An order's REJECT on the run of rejections: a copy of its record and the venue's words journaled with it (absent: none, or a journal from before they were). */
interface RunReject {
  readonly record: Uint8Array;
  readonly message: string | undefined;
}

/** What a journal entry does to the run of orders rejected in a row: an order's REJECT extends it; an ACK, a FILL, a kill-switch trip or reset ends it. */
function rejectRunStep(entry: JournalEntry): RunReject | 'ends' | null {
  if (entry.type === 'killSwitchTripped' || entry.type === 'killSwitchReset') return 'ends';
  return entry.type === 'inbound' ? recordRunStep(entry.record, entry.message) : null;
}

/** What an inbound record (journaled with `message`) does to the run of orders rejected in a row (rejectRunStep of its journal entry). */
function recordRunStep(record: Uint8Array, message: string | undefined): RunReject | 'ends' | null {
  const view = new DataView(record.buffer, record.byteOffset, EVENT_BYTES);
  const kind = view.getInt32(EV_KIND, true) & KIND_MASK;
  if (kind === EventKind.REJECT && view.getFloat64(EV_B, true) === 0) return { record: record.slice(0, EVENT_BYTES), message };
  return kind === EventKind.ACK || kind === EventKind.FILL ? 'ends' : null;
}

/** The run of order REJECTs the journal ends with before `before` (since the last ACK, FILL, trip or reset), and the last of them. */
function journaledRejectRun(journal: Journal, before: bigint): { count: number; last: RunReject | null } {
  let run = { count: 0, last: null as RunReject | null };
  for (const { sequence, entry } of journal.read(1n)) {
    if (sequence >= before) break;
    const step = rejectRunStep(entry);
    if (step === 'ends') run = { count: 0, last: null };
    else if (step !== null) run = { count: run.count + 1, last: step };
  }
  return run;
}

/** A journaled pause's instrument ids must be ids a pipeline can hold (a corrupt or foreign journal otherwise). */
function checkJournaledInstruments(instruments: readonly number[], path: string, sequence: bigint): void {
  const problem = pausedInstrumentsProblem(instruments);
  if (problem !== null) throw new JournalDivergenceError(`journal ${path}: record ${sequence} pauses ${problem}`);
}

export interface ReconnectPolicy {
  readonly attempts: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = { attempts: 10, firstDelayMs: 50, maxDelayMs: 2000 };

/** Connects again: exponential backoff with full jitter; throws after the last attempt. */
async function reconnectWithBackoff(adapter: VenueAdapter, policy: ReconnectPolicy, log: (line: string) => void): Promise<void> {
  await adapter.close().catch(() => undefined);
  for (let attempt = 1; ; attempt++) {
    const ceiling = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (attempt - 1));
    await sleep(Math.random() * ceiling);
    try {
      await adapter.connect();
      log(`venue: reconnected (attempt ${attempt})`);
      return;
    } catch (error) {
      if (attempt >= policy.attempts) throw new Error(`venue: could not reconnect after ${attempt} attempts: ${(error as Error).message}`);
    }
  }
}

/** A journal that cannot be written stops trading: no order leaves without its journal record. */
export class TradingStoppedError extends Error {
  override readonly name = 'TradingStoppedError';
}

export async function runLiveSession(options: LiveSessionOptions): Promise<LiveSessionResult> {
  try {
    return await runSession(options);
  } catch (error) {
    if (error instanceof JournalWriteError) throw new TradingStoppedError(`trading stopped (no order leaves without its journal record): ${error.message}`);
    throw error;
  }
}

async function runSession(options: LiveSessionOptions): Promise<LiveSessionResult> {
  const log = options.log ?? (() => undefined);
  const watcher = options.watcher;
  const control = watcher?.control;
  const holder = journalHolder(options.journalDir);
  if (holder !== null) throw new Error(`journal ${options.journalDir} is held by a running session (pid ${holder})`);
  // Policy adopt needs an adapter that can adopt (not ccxt, IB): refused before anything starts.
  if (options.push?.venueOrders !== false) checkForeignOrderPolicy(options.reconcile ?? DEFAULT_RECONCILE_POLICY, options.adapter);
  const journal = Journal.open(options.journalDir, { durability: options.durability });
  /** False when the caller held the journal already (`quantflow run`, for its webhook outbox): the caller releases it, after its outbox is closed. */
  let heldHere: boolean;
  try {
    // Atomic: of two sessions starting at once on one journal, one holds it and the other stops here, before it replays or sends.
    heldHere = holdJournal(options.journalDir);
  } catch (error) {
    journal.close();
    throw error;
  }
  const snapshots = journal.snapshots;
  const instruments = options.pipeline.instruments.map((entry) => entry.instrument);
  const adapter = options.adapter;
  const push = options.feed === 'push' ? options.push : undefined;
  if (options.feed === 'push' && (!push || typeof (adapter as Partial<PushVenueAdapter>).subscribe !== 'function')) {
    throw new Error(`live session: feed 'push' needs \`push\` options and a push adapter (subscribe, onReconnect); ${adapter.name} is not one`);
  }
  /** false in paper mode: commands stay in the core (its simulated venue). */
  const sendsOrders = push?.venueOrders !== false;
  let host: EngineHost | undefined;
  let shadowToStop: ShadowPaper | undefined;
  /** Closed when the session ends, so records still waiting for room are not published to a stopping engine (they are journaled). */
  let inboundToClose: JournaledInbound | undefined;
  try {
    // The core that wrote the journal must be this one, or the operator accepted the change (journal-core.ts).
    // ... set up the same way: the core's state after the pipeline (in the form the journal keeps it) is set up, before any record.
    const coreCheck = checkJournalCore(journal, pipelineSetupIdentity(pipelineFromJson(pipelineToJson(options.pipeline))), options.acceptCoreChange === true, log);
    // Recovery: checkpoint, then the journal's inbound records after it.
    // A checkpoint whose pages were damaged on disk is passed over (said), for an older one or the journal's start.
    // Under an accepted core change the journal replays from its start (every command it holds compared), whoever took the checkpoints.
    const latest = coreCheck.changedFrom !== undefined ? null : checkpointOfThisBuild(snapshots.latest((damaged) => log(`recovery: ${damaged}`)), log);
    let restore: CoreCheckpoint | undefined;
    let journalFrom = 1n;
    /** Where the journal stood at the checkpoint: so recovery reads only the records after it. */
    let stream: CheckpointStream = { lastMarketSeq: 0n, lastFillId: 0n, lastFillIdByInstrument: new Map(), halted: false };
    if (latest) {
      const image = new Uint8Array(CHECKPOINT_IMAGE_BYTES);
      snapshots.restoreInto(latest, image, 0);
      const counters = String(latest.meta.counters).split(',').map((word) => BigInt(word));
      restore = { inboundSeq: latest.inboundSeq, counters, image };
      journalFrom = latest.journalSequence + 1n;
      stream = checkpointStream(latest.meta, journal.path);
    }
    const queued: QueuedCommand[] = [];
    // The model: its answers wait here (64-byte copies) until the loop journals and publishes them.
    const answers: Uint8Array[] = [];
    let replaying = true;
    const feed = options.model && new ModelFeed({
      ...options.model,
      kindBits: EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND,
      inject: (record) => answers.push(new Uint8Array(record.buffer.slice(record.byteOffset, record.byteOffset + 64))),
      onAlert: (alert) => {
        if (replaying) return;
        const sequence = journal.append(modelAlertEntry(alert));
        watcher?.modelAlert?.(alert, sequence);
        log(`model alert: ${alert.kind} ${alert.instrument}${alert.feature ? ` ${alert.feature}` : ''} ${alert.value.toFixed(4)} (threshold ${alert.threshold})`);
      },
      ...(watcher?.modelStatus ? { onStatus: () => { if (feed) watcher.modelStatus!(feed.status()); } } : {}),
    });
    /** Waits for the model's answers under way, then journals and publishes them; true when some went out (the core takes them before anything else). */
    const publishAnswers = async (): Promise<boolean> => {
      if (!feed) return false;
      await feed.whenIdle();
      if (answers.length === 0) return false;
      for (const record of answers.splice(0)) inbound.journalAndPublish(record, 0n);
      return true;
    };
    const barView = new DataView(new ArrayBuffer(64));
    const barBytes = new Uint8Array(barView.buffer);
    /** A BAR's close for the model's calibration monitor. */
    const noteBar = (record: Uint8Array): void => {
      if (!feed) return;
      barBytes.set(record.subarray(0, 64));
      if ((barView.getInt32(EV_KIND, true) & KIND_MASK) !== EventKind.BAR) return;
      feed.onBar(barView.getInt32(EV_INSTRUMENT, true), barView.getBigInt64(EV_TS_LOCAL, true), barView.getFloat64(EV_PRICE, true));
    };
    /** MODEL records the journal holds (instrument:bar close), so recovery does not answer a bar twice. */
    const journaledAnswers = new Set<string>();
    const answerKey = (record: Uint8Array): string | null => {
      const view = new DataView(record.buffer, record.byteOffset, 64);
      if ((view.getInt32(EV_KIND, true) & KIND_MASK) !== EventKind.MODEL) return null;
      return `${view.getInt32(EV_INSTRUMENT, true)}:${view.getBigInt64(EV_TS_EXCHANGE, true)}`;
    };
    const decisions = createHash('sha256');
    let lastBytes: Uint8Array = new Uint8Array(64);
    host = await EngineHost.start({
      pipeline: options.pipeline,
      restore,
      ...(options.inboundCapacity !== undefined ? { inboundCapacity: options.inboundCapacity, maxBatch: Math.min(DEFAULT_MAX_BATCH, options.inboundCapacity) } : {}),
      ...mergeOutboundListeners({
        onRecordBytes: (bytes) => {
          lastBytes = bytes;
          decisions.update(bytes);
        },
        onOrder: (command) => queued.push({ command, bytes: lastBytes }),
        onOrderChange: (command) => queued.push({ command, bytes: lastBytes }),
        onFeatures: feed?.onFeatures,
      }, watcher?.listeners ?? {}, {
        // After the watcher queued the fill's webhook event (paper mode: the core's simulated venue fills), before the outbox stores it.
        onVenueReport: (report) => { if (report.type === 'fill') crashPoint('fill-before-outbox', () => journal.commit()); },
        // The same for a risk record (a denial's webhook event).
        onRiskRecord: () => crashPoint('denial-before-outbox', () => journal.commit()),
      }),
    });
    watcher?.engineStarted?.(host);
    watcher?.phase?.('recovering');
    const inbound = new JournaledInbound(host, journal, restore ? restore.inboundSeq : 0n);
    inboundToClose = inbound;
    inbound.onBackpressure = ({ waiting, mostWaiting }) => {
      if (waiting > 0) log(`inbound: the ring is full (the engine is behind); venue records are journaled and wait in order for room`);
      else log(`inbound: caught up; at most ${mostWaiting} records waited for room on the ring`);
      watcher?.inboundWaiting?.(waiting);
    };
    // Every record journaled from here on reaches the watcher once, reconciliation's too (an order it finds closed, a fill it recovers).
    if (watcher?.inbound) inbound.onJournaled = (record, inboundSeq) => watcher.inbound!(record, inboundSeq);
    inbound.lastMarketSeq = stream.lastMarketSeq;
    inbound.lastFillId = stream.lastFillId;
    for (const [instrument, id] of stream.lastFillIdByInstrument) inbound.lastFillIdByInstrument.set(instrument, id);
    /** The commands journaled after the checkpoint, with their journal sequences. */
    const journaled: { record: Uint8Array; sequence: bigint }[] = [];
    let replayed = 0;
    let journaledHalted = stream.halted;
    /** Who tripped or last reset the kill switch, as journaled (for the watcher; a trip before the checkpoint is looked up in the journal). */
    let killSwitchBy = { who: '', why: '' };
    if (stream.halted && watcher) {
      const journaledSwitch = journaledKillSwitch(journal);
      killSwitchBy = { who: journaledSwitch.who, why: journaledSwitch.why };
    }
    /** A journaled transition (at `sequence`): to the watcher, whose webhook event for it is stored at the end of this turn. */
    const setKillSwitch = (halted: boolean, who: string, why: string, sequence: bigint, journaledNow = false): void => {
      journaledHalted = halted;
      killSwitchBy = { who, why };
      watcher?.killSwitch?.(halted, who, why, journaledNow, sequence);
      crashPoint('killswitch-before-outbox', () => journal.commit());
    };
    /**
     * Orders rejected in a row as the journal ends (since the last ACK, FILL, trip or reset) and the
     * last one: a session killed between a rejection and the trip it called for trips after recovery.
     */
    let rejectsInARow = 0;
    let lastReject: RunReject | null = null;
    let rejectRunEnded = false;
    for (const view of journal.read(journalFrom)) {
      const entry = view.entry;
      const rejectStep = rejectRunStep(entry);
      if (rejectStep === 'ends') {
        rejectsInARow = 0;
        lastReject = null;
        rejectRunEnded = true;
      } else if (rejectStep !== null) {
        rejectsInARow++;
        lastReject = rejectStep;
      }
      if (entry.type === 'inbound') {
        if (entry.inboundSeq !== inbound.nextInboundSeq) {
          throw new JournalDivergenceError(`journal ${journal.path}: record ${view.sequence} is inbound ${entry.inboundSeq}, expected ${inbound.nextInboundSeq}`);
        }
        inbound.publish(entry.record, entry.sourceSeq);
        watcher?.replayed?.(entry.record, entry.inboundSeq);
        // The journal may hold more than the ring: wait (without blocking) for the core to take what is on it.
        if (inbound.waitingRecords > 0) await inbound.published();
        noteBar(entry.record);
        const key = feed ? answerKey(entry.record) : null;
        if (key !== null) journaledAnswers.add(key);
        replayed++;
      } else if (entry.type === 'cancel' && entry.reason.startsWith(ON_EXIT_CANCEL_REASON)) {
        // A cancel the session sent when it stopped (on exit cancel), not one the core decided: its answer is in the journal.
      } else if (entry.type === 'submit' || entry.type === 'cancel' || entry.type === 'replace') {
        journaled.push({ record: entry.record, sequence: view.sequence });
      } else if (entry.type === 'killSwitchTripped') {
        if (isOperatorTrip(entry)) {
          // An operator's trip lands where it was journaled, as a reset does (the core's own drawdown trips replay by themselves).
          await inbound.idle();
          await host.tripKillSwitch();
          log(`kill switch: tripped by ${entry.who} (${entry.why}), journaled at ${view.sequence}; no new exposure`);
        }
        setKillSwitch(true, entry.who, entry.why, view.sequence);
      } else if (entry.type === 'modelAlert') {
        watcher?.modelAlert?.({ kind: entry.kind, instrument: entry.instrument, ...(entry.feature ? { feature: entry.feature } : {}), value: entry.value, threshold: entry.threshold, atNs: entry.atNs }, view.sequence, true);
      } else if (entry.type === 'limitChanged') {
        // An operator's limit change lands where it was journaled, as a trip does.
        if (!isRiskLimitName(entry.limit)) throw new JournalDivergenceError(`journal ${journal.path}: record ${view.sequence} changes an unknown risk limit ${JSON.stringify(entry.limit)}`);
        await inbound.idle();
        await host.changeRiskLimit(entry.limit, entry.value);
        log(`risk limit: ${entry.limit} ${entry.previousValue} -> ${entry.value} by ${entry.who} (${entry.why}), journaled at ${view.sequence}`);
      } else if (entry.type === 'strategyPaused') {
        // An operator's pause or resume lands where it was journaled, on the instruments it names.
        checkJournaledInstruments(entry.instruments, journal.path, view.sequence);
        await inbound.idle();
        await host.setInstrumentsPaused(entry.instruments, entry.paused);
        log(`strategy ${entry.strategy}: ${entry.paused ? 'paused' : 'resumed'} by ${entry.who} (${entry.why}), journaled at ${view.sequence}`);
      } else if (entry.type === 'killSwitchReset') {
        // An operator's reset lands where it was journaled: after every record before it.
        await inbound.idle();
        await host.resetKillSwitch();
        setKillSwitch(false, entry.who, entry.why, view.sequence);
        log(`kill switch: reset by ${entry.who} (${entry.why}), journaled at ${view.sequence}; trading may resume`);
      }
    }
    /** Journals a kill-switch trip of the core before anything after it is committed: no window between a trip and its record. */
    const journalTrip = (): void => {
      if (!options.pipeline.risk) return;
      const account = readRiskAccount(host!.memory);
      if (account.halted && !journaledHalted) {
        const sequence = journal.append({ type: 'killSwitchTripped', who: DRAWDOWN_TRIPPER, why: drawdownTripReason(account.highWaterMark, account.tripEquity) });
        log(`kill switch: TRIPPED (${drawdownTripReason(account.highWaterMark, account.tripEquity)}); journaled; no new exposure`);
        setKillSwitch(true, DRAWDOWN_TRIPPER, drawdownTripReason(account.highWaterMark, account.tripEquity), sequence, true);
      }
    };
    if (!rejectRunEnded && journalFrom > 1n) {
      // The run may have begun before the checkpoint.
      const before = journaledRejectRun(journal, journalFrom);
      rejectsInARow += before.count;
      lastReject ??= before.last;
    }
    await inbound.idle();
    const regenerated = sendsOrders ? queued.splice(0) : (queued.length = 0, []);
    for (let i = 0; i < journaled.length; i++) {
      const decided = i < regenerated.length ? regenerated[i].bytes : null;
      if (decided === null || Buffer.compare(decided, journaled[i].record) !== 0) {
        const from = restore ? `after the checkpoint at inbound ${restore.inboundSeq}` : 'from the journal\'s start';
        const changed = coreCheck.changedFrom !== undefined
          ? '; the journal was written by another core (--accept-core-change), and this one decides otherwise: recover it with the QuantFlow build that wrote it, or flatten at the venue and start on a new journal'
          : '';
        throw new JournalDivergenceError(
          `journal ${journal.path}: command ${i + 1} ${from} (journal record ${journaled[i].sequence}) differs from what the core decides on replay: ${describeCommandDifference(journaled[i].record, decided)}${changed}`,
        );
      }
    }
    if (coreCheck.changedFrom !== undefined && !sendsOrders) log('recovery: paper: the journal holds no commands to compare; the paper book is this core\'s replay of its records');
    adoptJournalCore(journal, coreCheck, log);
    const unjournaled = regenerated.slice(journaled.length);
    if (feed) {
      // Answers recomputed for bars the journal already answered are dropped; the rest go out first in the loop.
      await feed.whenIdle();
      const fresh = answers.splice(0).filter((record) => !journaledAnswers.has(answerKey(record)!));
      answers.push(...fresh);
      replaying = false;
    }
    journalTrip();
    watcher?.killSwitch?.(journaledHalted, killSwitchBy.who, killSwitchBy.why);
    if (latest || replayed > 0) log(`recovery: checkpoint at inbound ${restore?.inboundSeq ?? 0n}, ${replayed} journal records replayed; ${unjournaled.length} commands decided but never journaled`);

    // The venue: every record it sends is journaled, then published.
    const onMarket = options.onMarketRecord;
    let pushedMarket = 0;
    // The journal stage (flush -> committed, first send) and the venue stage (send -> first reply) of the host's latency histograms.
    const commandLatency = new CommandLatency(host.latency);
    // Shadow paper (live push mode): a second core on the simulated venue takes the same records, after the live core (shadow-paper.ts).
    // After a restart it first takes the journal's session so far (records, operator actions, live orders), while the live session runs.
    const shadow = push?.shadowPaper && sendsOrders
      ? await ShadowPaper.start(push.shadowPaper, {
        journal: {
          journal, through: journal.committedSequence(),
          onCaughtUp: (c) => { if (c.records > 0) log(`shadow paper: caught up with the journal: ${c.records} records, ${c.controls} operator actions, ${c.liveOrders} live orders before this start`); },
        },
      })
      : undefined;
    shadowToStop = shadow;
    // Feed health (push mode): the records it causes are journaled and published after the record that caused them.
    const healthNow = push?.nowNs ?? (() => BigInt(Date.now()) * 1_000_000n);
    const health = push?.feedHealth
      ? new SessionFeedHealth(push.streams, healthNow(), options.pipeline.risk?.limits.feedHealth ?? DEFAULT_FEED_HEALTH, push.feedHealth)
      : undefined;
    if (health && options.pipeline.risk) {
      // After a crash the core's recovered feed state may hold conditions: carried over as active until the streams prove them clear (session-feed-health.ts).
      const riskView = new DataView(host.memory.buffer);
      for (const instrument of instruments) {
        const recovered = readFeedHealthState(riskView, instrument);
        if (recovered && recovered.mask !== 0) log(health.restore(instrument, recovered.mask, healthNow()));
      }
    }
    const publishHealth = (records: readonly Uint8Array[]): void => {
      for (const record of records) {
        log(describeFeedHealth(record));
        // While an operator's control action is applied, it waits with the venue's records, in arrival order.
        if (held) { held.push({ record: record.slice(0, 64), sourceSeq: 0n, health: true }); continue; }
        publishHealthRecord(record);
      }
    };
    const publishHealthRecord = (record: Uint8Array): void => {
      inbound.journalAndPublish(record, 0n);
      shadow?.offer(record);
    };
    /**
     * The venue's records and the feed-health records (onDisconnect, onFeedSignal, onReconnect, a
     * record's own) while an operator's control action is applied (applyControl): journaled and
     * published in arrival order once it is, so the action lands exactly where it was journaled.
     */
    let held: { record: Uint8Array; sourceSeq: bigint; health: boolean }[] | null = null;
    let ordersRejected = 0;
    const commitJournal = (): void => journal.commit();
    const maxRejects = options.maxConsecutiveRejects ?? DEFAULT_MAX_CONSECUTIVE_REJECTS;
    if (!Number.isInteger(maxRejects) || maxRejects < 1 || maxRejects > MAX_CONSECUTIVE_REJECTS_BOUND) {
      throw new Error(`\`maxConsecutiveRejects\` must be an integer in 1..${MAX_CONSECUTIVE_REJECTS_BOUND}, was ${maxRejects}`);
    }
    /** The trip the orders rejected in a row (rejectsInARow: since the venue's last ACK or FILL) call for (its reason), taken by the loop at a batch boundary. */
    let rejectTripDue: string | null = null;
    /** The trip's reason: the count, and the last REJECT in the venue's words as journaled with it (else its reason code), so a restart rebuilds the same string. */
    const rejectTripReason = ({ record, message }: RunReject): string => {
      const rejectView = new DataView(record.buffer, record.byteOffset, EVENT_BYTES);
      const clientOrderId = clientOrderIdOf(rejectView.getBigUint64(EV_ID, true));
      return `${rejectsInARow} orders in a row rejected by the venue (limit live.maxConsecutiveRejects ${maxRejects}); last: ${clientOrderId}: ${message ?? `reject reason code ${rejectView.getFloat64(EV_A, true)}`}`;
    };
    /**
     * A record the session journaled itself (a reconciliation's missed fill or REJECT of an order
     * that never reached the venue, a withheld order's REJECT) goes on the run of rejections at once,
     * as the venue's own records do and as a restart counts it from the journal.
     */
    const onRun = (record: Uint8Array, message?: string): void => {
      const step = recordRunStep(record, message);
      if (step === 'ends') {
        [rejectsInARow, lastReject] = [0, null];
      } else if (step !== null) {
        [rejectsInARow, lastReject] = [rejectsInARow + 1, step];
        if (rejectsInARow >= maxRejects && !journaledHalted) rejectTripDue = rejectTripReason(step);
      }
    };
    /** Reads a venue record's kind in place: one view per backing buffer, not one per record. */
    let kindView: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(EVENT_BYTES));
    const onVenueRecord = (record: Uint8Array, sourceSeq: bigint): void => {
      if (held) {
        held.push({ record: record.slice(0, 64), sourceSeq, health: false });
        return;
      }
      if (kindView.buffer !== record.buffer) kindView = new DataView(record.buffer);
      const kind = kindView.getInt32(record.byteOffset + EV_KIND, true);
      const replyKind = kind & KIND_MASK;
      // The REJECT of an order (b = the rejected request: 0 the order, 1 a cancel, 2 a modify), counted once: a held record comes back here on release.
      // The venue's words for it are journaled with it (bounded), so a restart names the same last refusal.
      let rejectMessage: string | undefined;
      if (replyKind === EventKind.REJECT && kindView.getFloat64(record.byteOffset + EV_B, true) === 0) {
        ordersRejected++;
        const words = adapter.rejectMessage?.(clientOrderIdOf(kindView.getBigUint64(record.byteOffset + EV_ID, true)));
        rejectMessage = words === undefined ? undefined : boundedRejectMessage(words);
        onRun(record, rejectMessage);
      } else if (replyKind === EventKind.ACK || replyKind === EventKind.FILL) {
        [rejectsInARow, lastReject] = [0, null];
      }
      inbound.journalAndPublish(record, sourceSeq, rejectMessage);
      commandLatency.inbound(record);
      fillCrashPoint(record, commitJournal);
      noteBar(record);
      shadow?.offer(record);
      if (health) publishHealth(health.onRecord(record, healthNow()));
      if (onMarket && (kind & MARKET_KINDS) !== 0) onMarket(record);
      if (push) {
        if (sourceSeq > 0n) pushedMarket++;
        pushStop.wake();
      }
    };
    adapter.onRecord(onVenueRecord);
    let dropped: string | null = null;
    const pushStop = push?.stop ?? new SessionStop();
    adapter.onDisconnect((reason) => {
      if (push) log(`venue: connection lost (${reason}); the adapter reconnects`);
      else dropped = reason;
      watcher?.phase?.('disconnected', reason);
      if (health) publishHealth(health.setConnected(false, healthNow()));
    });
    if (health) {
      (adapter as PushVenueAdapter).onFeedSignal?.((signal) => {
        publishHealth(health.onSignal(signal, healthNow()));
        pushStop.wake();
      });
    }
    await adapter.connect();
    // Orders are sized in the pipeline's lots: each must be a whole number of the venue's amount steps.
    // Checked before the session's start is journaled: a refused first start leaves a journal with no
    // session (its pipeline not pinned), so the corrected configuration starts on the same journal.
    checkVenueLots(options.pipeline.risk, adapter);
    journal.append({
      type: 'sessionStarted', sessionId: options.sessionId ?? `session-${process.pid}`, mode: sendsOrders ? 'live' : 'paper', pipelineJson: pipelineToJson(options.pipeline),
      recoveredFromInboundSeq: restore?.inboundSeq ?? 0n, replayedRecords: BigInt(replayed),
    });
    journal.commit();
    const commands = new JournaledCommands(journal, commandLatency.adapter(adapter), {
      // New exposure decided before the kill switch tripped, still queued when it did: journaled, refused at once, never sent (withheld-orders.ts).
      // A replace is weighed against the order as the core holds it (its quantity is the venue's until the venue acknowledges a replace).
      withhold: (command) => journaledHalted && (addsExposure(command)
        || (command.command.record === 'replace' && enlargesOrder(command, liveOrders(host!.memory, [command.command.instrument]).find((o) => o.id === command.command.orderId)))),
      withheld: (command) => {
        const reject = withheldRejectRecord(command);
        inbound.journalAndPublish(reject, 0n);
        // On the run of rejections as a restart counts it from the journal (the trip before it ended the run; no second trip while tripped).
        onRun(reject);
        watcher?.inbound?.(reject, inbound.nextInboundSeq - 1n);
        shadow?.offer(reject);
        const what = command.command.record === 'replace' ? `replace to quantity ${command.command.qty}` : 'new exposure';
        log(`order ${clientOrderIdOf(command.command.orderId)}: not sent: decided before the kill switch tripped (${killSwitchBy.who}); ${what}, refused by the session (REJECT ${REJECT_WITHHELD_BY_KILL_SWITCH})`);
      },
    });
    // Recovered at the limit (killed before the trip was journaled, or the limit lowered since): the loop trips before anything is sent.
    if (rejectsInARow >= maxRejects && !journaledHalted && lastReject !== null) {
      rejectTripDue = rejectTripReason(lastReject);
      log(`recovery: the journal ends with ${rejectsInARow} orders in a row rejected by the venue (limit live.maxConsecutiveRejects ${maxRejects}); the kill switch trips`);
    }
    /** Reconciliation's records go on the run of rejections; an order lost before the venue is not sent again as new exposure while tripped or a trip is due. */
    const reconcileHooks = { journaled: (record: Uint8Array) => onRun(record), withholdsNewExposure: () => journaledHalted || rejectTripDue !== null };
    const unjournaledIds = new Set(unjournaled.map(({ command }) => command.orderId));
    const notYetJournaled = (orderId: bigint): boolean => unjournaledIds.has(orderId) || queued.some(({ command }) => command.orderId === orderId);
    watcher?.phase?.('reconciling', 'start');
    // Journaled adoptions of orders the recovered core holds live: the adapter maps them again before reconciling.
    const adopted = sendsOrders ? AdoptedOrders.restore(journal, adapter, host, instruments) : new AdoptedOrders();
    if (adopted.size > 0) log(`recovery: ${adopted.size} adopted venue orders registered with ${adapter.name} again`);
    const reconciliation = sendsOrders
      ? await reconcile('start', host, inbound, journal, adapter, instruments, options.reconcile ?? DEFAULT_RECONCILE_POLICY, notYetJournaled, adopted, reconcileHooks)
      : noReconciliation('start (paper: the core\'s simulated venue)');
    log(describeReconciliation(reconciliation));
    if (reconciliation.positionMismatches > 0) throw new Error(`reconciliation: positions disagree with the venue; trading stopped (see the report above, journaled in ${journal.path})`);
    for (const command of unjournaled) {
      if (shadow && command.command.record === 'order') shadow.noteLiveOrder(command.command);
      commands.push(command);
    }
    /** Journals and publishes the records held back (applyControl, a push-mode checkpoint), in arrival order. */
    const releaseHeld = (): void => {
      const release = held ?? [];
      held = null;
      for (const { record, sourceSeq, health: fromHealth } of release) {
        if (fromHealth) publishHealthRecord(record);
        else onVenueRecord(record, sourceSeq);
      }
    };
    /** An operator's risk-limit change: journaled (who, why, previous value from the core), committed, then written while the core is parked. */
    /**
     * Runs an operator's action at a batch boundary: the venue's records held back, once the core
     * has taken every record published (and a drawdown trip it made is journaled); `apply`
     * journals, commits and applies it, or refuses it. A failure refuses the action and ends the session.
     */
    const atBoundary = async (action: QueuedControl, apply: () => Promise<void>): Promise<void> => {
      held = [];
      try {
        await inbound.idle();
        journalTrip();
        await apply();
      } catch (error) {
        action.refused(error as Error);
        throw error;
      } finally {
        releaseHeld();
      }
    };
    /** An operator's risk-limit change: journaled (who, why, previous value from the core), committed, then written while the core is parked. */
    const applyLimitChange = async (action: QueuedControl, limit: RiskLimitName, value: number): Promise<void> => {
      if (!options.pipeline.risk) return action.refused(controlRefused('the pipeline has no risk stage, so there are no risk limits'));
      await atBoundary(action, async () => {
        const previousValue = readRiskLimit(host!.memory, limit);
        if (previousValue === value) return action.refused(controlRefused(`${limit} is already ${value}: nothing to change`));
        const sequence = journal.append({ type: 'limitChanged', who: action.who, why: action.why, limit, previousValue, value });
        journal.commit();
        await host!.changeRiskLimit(limit, value);
        shadow?.control({ kind: 'limit', limit, value });
        log(`risk limit: ${limit} ${previousValue} -> ${value} by ${action.who} (${action.why}), journaled at ${sequence}`);
        action.applied(sequence);
      });
    };
    const strategies = options.strategies ?? new Map<string, readonly number[]>();
    /** The strategies whose instruments are all paused in the core (after a checkpoint, the journal's replay, or an operator's action). */
    const pausedInCore = (): string[] => [...strategies].filter(([, ids]) => ids.length > 0 && ids.every((id) => readInstrumentPaused(host!.memory, id))).map(([name]) => name);
    watcher?.pausedStrategies?.(pausedInCore());
    /** An operator's pause or resume of a strategy: journaled (who, why, its instruments), committed, then written while the core is parked. */
    const applyPause = async (action: QueuedControl, name: string, pause: boolean): Promise<void> => {
      const instruments = strategies.get(name);
      if (instruments === undefined) {
        const names = [...strategies.keys()];
        return action.refused(controlRefused(`no strategy named ${JSON.stringify(name)} in this session (${names.length > 0 ? `its strategies: ${names.join(', ')}` : 'its configuration names none'})`));
      }
      await atBoundary(action, async () => {
        if (pausedInCore().includes(name) === pause) return action.refused(controlRefused(`strategy ${name} is ${pause ? 'already paused' : 'not paused'}: nothing to change`));
        const sequence = journal.append({ type: 'strategyPaused', who: action.who, why: action.why, strategy: name, instruments: [...instruments], paused: pause });
        journal.commit();
        await host!.setInstrumentsPaused(instruments, pause);
        shadow?.control({ kind: 'pause', instruments, paused: pause });
        watcher?.pausedStrategies?.(pausedInCore());
        log(`strategy ${name}: ${pause ? 'paused (its targets may only reduce positions)' : 'resumed'} by ${action.who} (${action.why}), journaled at ${sequence}`);
        action.applied(sequence);
      });
    };
    /** An operator's kill-switch trip or reset: journaled (who, why), committed, then applied in the core at that batch boundary, where recovery and replay apply it again. */
    const applyKillSwitch = async (action: QueuedControl, trip: boolean): Promise<void> => {
      if (!options.pipeline.risk) return action.refused(controlRefused('the pipeline has no risk stage, so there is no kill switch'));
      await atBoundary(action, async () => {
        if (trip ? journaledHalted : !journaledHalted) {
          return action.refused(controlRefused(trip ? `the kill switch is already tripped (by ${killSwitchBy.who}: ${killSwitchBy.why})` : 'the kill switch is not tripped: nothing to reset'));
        }
        const sequence = journal.append(trip ? { type: 'killSwitchTripped', who: action.who, why: action.why } : { type: 'killSwitchReset', who: action.who, why: action.why });
        journal.commit();
        if (trip) await host!.tripKillSwitch();
        else await host!.resetKillSwitch();
        // A reset starts the count of rejections in a row again (refusals while tripped trip nothing).
        if (!trip) rejectsInARow = 0;
        shadow?.control({ kind: trip ? 'trip' : 'reset' });
        setKillSwitch(trip, action.who, action.why, sequence);
        log(`kill switch: ${trip ? 'TRIPPED' : 'reset'} by ${action.who} (${action.why}), journaled at ${sequence}${trip ? '; no new exposure' : '; trading may resume'}`);
        action.applied(sequence);
      });
    };
    /** The venue rejected maxRejects orders in a row: the kill switch trips as an operator's trip does (journaled, committed, then applied at a batch boundary, where recovery applies it again). */
    const tripOnRejects = async (): Promise<void> => {
      const why = rejectTripDue;
      if (why === null) return;
      rejectTripDue = null;
      rejectsInARow = 0;
      if (!options.pipeline.risk || journaledHalted) return;
      held = [];
      try {
        await inbound.idle();
        journalTrip();
        if (journaledHalted) return;
        // The rejections durable first (a restart rebuilds the run from them and trips by itself), then the trip.
        journal.commit();
        crashPoint('rejects-trip-before-journal');
        const sequence = journal.append({ type: 'killSwitchTripped', who: REJECTS_TRIPPER, why });
        journal.commit();
        await host!.tripKillSwitch();
        shadow?.control({ kind: 'trip' });
        setKillSwitch(true, REJECTS_TRIPPER, why, sequence, true);
        log(`kill switch: TRIPPED by ${REJECTS_TRIPPER} (${why}), journaled at ${sequence}; no new exposure`);
      } finally {
        releaseHeld();
      }
    };
    const applyControl = (action: QueuedControl): Promise<void> => {
      if (action.kind === 'limit') return applyLimitChange(action, action.limit!, action.value!);
      if (action.kind === 'pause' || action.kind === 'resume') return applyPause(action, action.strategy!, action.kind === 'pause');
      return applyKillSwitch(action, action.kind === 'trip');
    };
    watcher?.phase?.('trading');
    control?.onQueued(() => pushStop.wake());
    control?.running();

    const checkpointEvery = options.checkpointEvery ?? 0;
    const image = checkpointEvery > 0 ? new Uint8Array(CHECKPOINT_IMAGE_BYTES) : null;
    let lastCheckpoint = restore?.inboundSeq ?? 0n;
    let marketRecords = 0;
    const reconnect = options.reconnect ?? DEFAULT_RECONNECT;
    let reconnects = 0;
    let timers = 0;
    let exit: SessionExitReport | undefined;
    if (push) {
      const pushAdapter = adapter as PushVenueAdapter;
      let reconnectsPending = 0;
      let reconcileFailures = 0;
      let reconcileRetryAt = 0;
      pushAdapter.onReconnect(() => {
        reconnectsPending++;
        if (health) publishHealth(health.setConnected(true, healthNow()));
        pushStop.wake();
      });
      pushAdapter.subscribe(push.streams);
      const timerMs = push.timerIntervalMs ?? 1000;
      const checkpointMs = push.checkpointIntervalMs ?? 0;
      let nextTimerAt = Date.now() + timerMs;
      let lastCheckpointAt = Date.now();
      let stopping: { deadline: number; workingAtStop: string[]; cancelsSent: number; cancelled: Set<bigint> } | null = null;
      const working = (): string[] => liveOrders(host!.memory, instruments).map((order) => clientOrderIdOf(order.id));
      /** On exit cancel: cancels each working order the venue holds (not yet cancelled), journaled and committed before it is sent, like the core's own commands. */
      const cancelWorking = async (state: { cancelsSent: number; cancelled: Set<bigint> }, request: StopRequest): Promise<void> => {
        const cancels = liveOrders(host!.memory, instruments)
          .filter((order) => !state.cancelled.has(order.id) && order.state !== OrderState.PENDING_CANCEL && order.state !== OrderState.PENDING_SUBMIT);
        if (cancels.length === 0) return;
        const nowNs = (await adapter.status()).nowNs;
        for (const order of cancels) {
          journal.append({
            type: 'cancel', orderId: order.id, clientOrderId: clientOrderIdOf(order.id), instrument: order.instrument,
            reason: `${ON_EXIT_CANCEL_REASON} (${request.who}: ${request.why})`, record: onExitCancelRecord(order.id, order.instrument, nowNs, order.qty - order.filled),
          });
        }
        journal.commit();
        for (const order of cancels) {
          adapter.cancel({ orderId: order.id, clientOrderId: clientOrderIdOf(order.id), instrument: order.instrument });
          state.cancelled.add(order.id);
          state.cancelsSent++;
        }
      };
      for (;;) {
        await inbound.idle();
        if (await publishAnswers()) continue;
        journalTrip();
        if (rejectTripDue !== null) {
          await tripOnRejects();
          continue;
        }
        for (const command of queued.splice(0)) {
          if (!sendsOrders) continue;
          if (shadow && command.command.record === 'order') shadow.noteLiveOrder(command.command);
          commands.push(command);
        }
        if (commands.pending > 0) {
          commandLatency.flushing(commands.pending);
          commands.flush();
          continue;
        }
        const action = control?.take();
        if (action) {
          await applyControl(action);
          continue;
        }
        if (reconnectsPending > 0 && Date.now() >= reconcileRetryAt) {
          reconnectsPending = 0;
          reconnects++;
          watcher?.phase?.('reconciling', 'reconnect');
          if (sendsOrders) {
            let report: ReconcileReport;
            try {
              report = await reconcile('reconnect', host, inbound, journal, adapter, instruments, options.reconcile ?? DEFAULT_RECONCILE_POLICY, notYetJournaled, adopted, reconcileHooks);
            } catch (error) {
              // The venue went away again (or never came back: a stream reported itself back before
              // the REST side answered): not a reason to end the session, which would leave its orders
              // to no on-exit policy. Try again with backoff, not ready meanwhile; give up after the
              // reconnect policy's attempts.
              if (error instanceof JournalWriteError || ++reconcileFailures >= reconnect.attempts) throw error;
              const delay = Math.min(reconnect.maxDelayMs, reconnect.firstDelayMs * 2 ** (reconcileFailures - 1));
              reconnectsPending = 1;
              reconcileRetryAt = Date.now() + delay;
              if (health) publishHealth(health.setConnected(false, healthNow()));
              log(`reconciliation after a reconnect failed (attempt ${reconcileFailures} of ${reconnect.attempts}): ${(error as Error).message}; trying again in ${delay} ms`);
              watcher?.phase?.('trading');
              continue;
            }
            reconcileFailures = 0;
            log(describeReconciliation(report));
            if (report.positionMismatches > 0) throw new Error(`reconciliation after a reconnect: positions disagree with the venue; trading stopped (journaled in ${journal.path})`);
            if (health) publishHealth(health.setConnected(true, healthNow()));
          }
          watcher?.phase?.('trading');
          continue;
        }
        if (Date.now() >= nextTimerAt) {
          nextTimerAt = Date.now() + timerMs;
          const timer = timerRecord((await adapter.status()).nowNs);
          inbound.journalAndPublish(timer, 0n);
          shadow?.offer(timer);
          timers++;
          if (health) publishHealth(health.check(healthNow()));
          shadow?.pump();
          continue;
        }
        const request = pushStop.requested;
        if (request && !stopping) {
          const workingAtStop = working();
          journal.append({
            type: 'modeChanged', who: request.who, previousMode: sendsOrders ? 'live' : 'paper', mode: sendsOrders ? 'live' : 'paper',
            why: `stop requested (${request.why}); on exit ${request.policy}: ${workingAtStop.length} working orders${workingAtStop.length > 0 ? ` (${workingAtStop.join(', ')})` : ''}`,
          });
          journal.commit();
          log(`stop: requested by ${request.who} (${request.why}); on exit ${request.policy}, ${workingAtStop.length} working orders`);
          stopping = { deadline: Date.now() + request.boundMs, workingAtStop, cancelsSent: 0, cancelled: new Set() };
          control?.stopped();
          watcher?.phase?.('stopping', `${request.who}: ${request.why}`);
          if (request.policy === 'cancel' && sendsOrders) await cancelWorking(stopping, request);
          continue;
        }
        if (request && stopping) {
          // An order still awaiting its acknowledgement at the stop is cancelled once the venue has it.
          if (request.policy === 'cancel' && sendsOrders) await cancelWorking(stopping, request);
          const still = working();
          const timedOut = Date.now() >= stopping.deadline;
          if (request.policy === 'keep' || still.length === 0 || timedOut || !sendsOrders) {
            exit = { policy: request.policy, who: request.who, why: request.why, workingAtStop: stopping.workingAtStop, workingAtExit: still, cancelsSent: stopping.cancelsSent, timedOut: timedOut && still.length > 0 };
            journal.append({
              type: 'modeChanged', who: request.who, previousMode: sendsOrders ? 'live' : 'paper', mode: sendsOrders ? 'live' : 'paper',
              why: `session stopped (on exit ${request.policy}): ${still.length} working orders left${still.length > 0 ? ` (${still.join(', ')})` : ''}${exit.timedOut ? `, after ${request.boundMs} ms` : ''}`,
            });
            journal.commit();
            break;
          }
        }
        journal.commitIfDue();
        const recordsDue = image && checkpointEvery > 0 && inbound.nextInboundSeq - lastCheckpoint >= BigInt(checkpointEvery);
        const timeDue = checkpointMs > 0 && Date.now() - lastCheckpointAt >= checkpointMs && inbound.nextInboundSeq > lastCheckpoint;
        if (recordsDue || timeDue) {
          const buffer = image ?? new Uint8Array(CHECKPOINT_IMAGE_BYTES);
          journal.commit();
          // Venue records pushed while the core parks wait until the checkpoint is stored, so its
          // journal sequence covers exactly the inbound records its image holds.
          held = [];
          let checkpoint: CoreCheckpoint;
          try {
            // Records journaled but still waiting for room on the ring go out first: the image covers every inbound record the journal holds.
            await inbound.published();
            // The listeners got every record the image covers (EngineHost.checkpoint drains the parked
            // core first); the webhook events they queued are stored by the end of that turn, before this resumes.
            checkpoint = await host.checkpoint(buffer);
            crashPoint('snapshot-before-store');
            snapshots.put(checkpoint.inboundSeq, journal.lastSequence(), 0, checkpoint.image, {
              counters: checkpoint.counters.join(','),
              ...checkpointMeta({ lastMarketSeq: inbound.lastMarketSeq, lastFillId: inbound.lastFillId, lastFillIdByInstrument: inbound.lastFillIdByInstrument, halted: journaledHalted }),
            });
            crashPoint('snapshot-after-store');
          } finally {
            releaseHeld();
          }
          lastCheckpoint = checkpoint.inboundSeq;
          lastCheckpointAt = Date.now();
          continue;
        }
        shadow?.pump();
        await pushStop.wait(Math.max(1, Math.min(nextTimerAt - Date.now(), stopping ? 50 : timerMs)));
      }
    }
    for (;;) {
      if (push) break;
      try {
        await inbound.idle();
        if (await publishAnswers()) continue;
        journalTrip();
        if (rejectTripDue !== null) {
          await tripOnRejects();
          continue;
        }
        for (const command of queued.splice(0)) commands.push(command);
        if (commands.pending > 0) {
          commandLatency.flushing(commands.pending);
          commands.flush();
          await adapter.sync();
          continue;
        }
        const action = control?.take();
        if (action) {
          await applyControl(action);
          continue;
        }
        journal.commitIfDue();
        if (image && inbound.nextInboundSeq - lastCheckpoint >= BigInt(checkpointEvery)) {
          journal.commit();
          await inbound.published();
          // As in push mode: the events of every record the image covers are in the outbox before the store.
          const checkpoint = await host.checkpoint(image);
          crashPoint('snapshot-before-store');
          snapshots.put(checkpoint.inboundSeq, journal.lastSequence(), 0, checkpoint.image, {
          counters: checkpoint.counters.join(','),
          ...checkpointMeta({ lastMarketSeq: inbound.lastMarketSeq, lastFillId: inbound.lastFillId, lastFillIdByInstrument: inbound.lastFillIdByInstrument, halted: journaledHalted }),
        });
          crashPoint('snapshot-after-store');
          lastCheckpoint = checkpoint.inboundSeq;
        }
        const delivered = await adapter.market(inbound.lastMarketSeq + 1n, 1);
        if (delivered === 0) break;
        marketRecords += delivered;
      } catch (error) {
        // A dropped connection: reconnect with backoff, reconcile, go on. Anything else ends the session.
        if (dropped === null || error instanceof JournalWriteError) throw error;
        for (let attempt = 1; dropped !== null; attempt++) {
          log(`venue: connection lost (${dropped}); reconnecting`);
          dropped = null;
          try {
            await reconnectWithBackoff(adapter, reconnect, log);
            reconnects++;
            const report = await reconcile('reconnect', host, inbound, journal, adapter, instruments, options.reconcile ?? DEFAULT_RECONCILE_POLICY, notYetJournaled, adopted, reconcileHooks);
            log(describeReconciliation(report));
            if (report.positionMismatches > 0) throw new Error(`reconciliation after a reconnect: positions disagree with the venue; trading stopped (journaled in ${journal.path})`);
          } catch (again) {
            if (dropped === null || again instanceof JournalWriteError || attempt >= reconnect.attempts) throw again;
          }
        }
      }
    }
    await inbound.idle();
    journal.commit();
    await feed?.close();
    const shadowPaper = shadow ? await shadow.finish() : undefined;
    if (shadowPaper) log(describeDrift(shadowPaper));
    const book = readSessionBook(host.memory, instruments);
    await host.drainAndStop();
    host.drainOutbound();
    host = undefined;
    return {
      decisionsHash: decisions.digest('hex'),
      book, recoveredFromInboundSeq: restore?.inboundSeq ?? 0n, replayedRecords: replayed, reconciliation, inboundWaits: { stretches: inbound.fullCount, mostWaiting: inbound.mostWaiting }, marketRecords: push ? pushedMarket : marketRecords, commandsSent: commands.sent, ordersRejected, reconnects,
      ...(feed ? { model: feed.status() } : {}),
      ...(push ? { timers, ...(exit ? { exit } : {}) } : {}),
      ...(health ? { feedHealthRecords: health.emitted } : {}),
      ...(shadowPaper ? { shadowPaper } : {}),
    };
  } finally {
    inboundToClose?.close();
    await adapter.close().catch(() => undefined);
    await shadowToStop?.stop();
    if (host) await host.drainAndStop().catch(() => undefined);
    try {
      journal.close();
    } catch {
      // A failed journal refuses its pending records; what it committed stays on disk.
    }
    if (heldHere) releaseJournal(options.journalDir);
    control?.stopped();
    watcher?.phase?.('stopped');
  }
}


/** The report of a session that does not reconcile (paper mode: no venue orders). */
function noReconciliation(trigger: string): ReconcileReport {
  return {
    trigger, missedFills: 0, missedMarket: 0, resolvedOrders: 0, rejectedOrders: 0, resubmittedOrders: 0, resentRequests: 0, uncertainOrders: 0,
    foreignOrders: 0, positionMismatches: 0, lines: [],
  };
}
