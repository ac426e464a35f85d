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
//         reconnected?      the adapter restored its streams by itself: reconcile
//         timer due?        journal and publish a TIMER (order timeouts, model wait, staleness)
//         stop requested?   journal who and why, then drain, cancel (each cancel journaled before it is
//                           sent) or keep working orders (SessionStop)
//         checkpoint due?   as in lockstep
//         otherwise         sleep until a record, a reconnect, a stop or the next timer
//
// Paper mode is push mode with `venueOrders: false`: the core's simulated venue fills the orders,
// nothing is sent to the venue and nothing is reconciled with it.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EngineHost, CHECKPOINT_IMAGE_BYTES, type CoreCheckpoint } from '../threads/index.js';
import { Journal, JournalWriteError, type DurabilityPolicy } from '../journal/index.js';
import type { PipelineSpec } from '../pipeline/index.js';
import { JournaledInbound } from './journaled-inbound.js';
import { JournaledCommands, type QueuedCommand } from './journaled-commands.js';
import { DEFAULT_RECONCILE_POLICY, describeReconciliation, reconcile, type ReconcilePolicy, type ReconcileReport } from './reconcile.js';
import { liveOrders, pipelineToJson, readSessionBook, type SessionBook } from './session-state.js';
import { clientOrderIdOf, type PushMarketStream, type PushVenueAdapter, type VenueAdapter } from './venue-adapter.js';
import { SessionStop, type SessionExitReport, type StopRequest } from './session-stop.js';
import { OrderState } from '../orders/index.js';
import { crashPoint } from './crash-points.js';
import { holdJournal, journalHolder, releaseJournal } from './session-control.js';
import { DRAWDOWN_TRIPPER, drawdownTripReason } from '../killswitch/index.js';
import { readRiskAccount } from '../pipeline/index.js';
import { EVENT_BYTES, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import { modelAlertEntry } from '../journal/index.js';
import { ModelFeed, type ModelFeedOptions, type ModelStatus } from '../models/index.js';

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
  /** Times the venue connection was lost and restored (each followed by a reconciliation). */
  readonly reconnects: number;
  /** SHA-256 of every outbound record this process's core wrote (recovery's replay included): what `replay --journal` prints for a session never interrupted. */
  readonly decisionsHash: string;
  /** The model's status at the end (absent without `model`). */
  readonly model?: ModelStatus;
  /** Push mode: TIMER records published, and how the session stopped. */
  readonly timers?: number;
  readonly exit?: SessionExitReport;
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
  readonly halted: boolean;
}

function checkpointStreamMeta(stream: CheckpointStream): Record<string, string | number> {
  return { lastMarketSeq: stream.lastMarketSeq.toString(), lastFillId: stream.lastFillId.toString(), halted: stream.halted ? 1 : 0 };
}

function checkpointStream(meta: Record<string, string | number>, path: string): CheckpointStream {
  const { lastMarketSeq, lastFillId, halted } = meta;
  if (typeof lastMarketSeq !== 'string' || typeof lastFillId !== 'string' || (halted !== 0 && halted !== 1)) {
    throw new JournalDivergenceError(`journal ${path}: the latest checkpoint lacks the stream position (lastMarketSeq, lastFillId, halted)`);
  }
  return { lastMarketSeq: BigInt(lastMarketSeq), lastFillId: BigInt(lastFillId), halted: halted === 1 };
}

export class JournalDivergenceError extends Error {}

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
  const holder = journalHolder(options.journalDir);
  if (holder !== null) throw new Error(`journal ${options.journalDir} is held by a running session (pid ${holder})`);
  const journal = Journal.open(options.journalDir, { durability: options.durability });
  holdJournal(options.journalDir);
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
  try {
    // Recovery: checkpoint, then the journal's inbound records after it.
    const latest = snapshots.latest();
    let restore: CoreCheckpoint | undefined;
    let journalFrom = 1n;
    /** Where the journal stood at the checkpoint: so recovery reads only the records after it. */
    let stream: CheckpointStream = { lastMarketSeq: 0n, lastFillId: 0n, halted: false };
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
        journal.append(modelAlertEntry(alert));
        log(`model alert: ${alert.kind} ${alert.instrument}${alert.feature ? ` ${alert.feature}` : ''} ${alert.value.toFixed(4)} (threshold ${alert.threshold})`);
      },
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
      onRecordBytes: (bytes) => {
        lastBytes = bytes;
        decisions.update(bytes);
      },
      onOrder: (command) => queued.push({ command, bytes: lastBytes }),
      onOrderChange: (command) => queued.push({ command, bytes: lastBytes }),
      onFeatures: feed?.onFeatures,
    });
    const inbound = new JournaledInbound(host, journal, restore ? restore.inboundSeq : 0n);
    inbound.lastMarketSeq = stream.lastMarketSeq;
    inbound.lastFillId = stream.lastFillId;
    const journaled: Uint8Array[] = [];
    let replayed = 0;
    let journaledHalted = stream.halted;
    for (const view of journal.read(journalFrom)) {
      const entry = view.entry;
      if (entry.type === 'inbound') {
        if (entry.inboundSeq !== inbound.nextInboundSeq) {
          throw new JournalDivergenceError(`journal ${journal.path}: record ${view.sequence} is inbound ${entry.inboundSeq}, expected ${inbound.nextInboundSeq}`);
        }
        inbound.publish(entry.record, entry.sourceSeq);
        noteBar(entry.record);
        const key = feed ? answerKey(entry.record) : null;
        if (key !== null) journaledAnswers.add(key);
        replayed++;
      } else if (entry.type === 'cancel' && entry.reason.startsWith(ON_EXIT_CANCEL_REASON)) {
        // A cancel the session sent when it stopped (on exit cancel), not one the core decided: its answer is in the journal.
      } else if (entry.type === 'submit' || entry.type === 'cancel' || entry.type === 'replace') {
        journaled.push(entry.record);
      } else if (entry.type === 'killSwitchTripped') {
        journaledHalted = true;
      } else if (entry.type === 'killSwitchReset') {
        // An operator's reset lands where it was journaled: after every record before it.
        await inbound.idle();
        await host.resetKillSwitch();
        journaledHalted = false;
        log(`kill switch: reset by ${entry.who} (${entry.why}), journaled at ${view.sequence}; trading may resume`);
      }
    }
    /** Journals a kill-switch trip of the core before anything after it is committed: no window between a trip and its record. */
    const journalTrip = (): void => {
      if (!options.pipeline.risk) return;
      const account = readRiskAccount(host!.memory);
      if (account.halted && !journaledHalted) {
        journal.append({ type: 'killSwitchTripped', who: DRAWDOWN_TRIPPER, why: drawdownTripReason(account.highWaterMark, account.tripEquity) });
        log(`kill switch: TRIPPED (${drawdownTripReason(account.highWaterMark, account.tripEquity)}); journaled; no new exposure`);
        journaledHalted = true;
      }
    };
    await inbound.idle();
    const regenerated = sendsOrders ? queued.splice(0) : (queued.length = 0, []);
    for (let i = 0; i < journaled.length; i++) {
      if (i >= regenerated.length || Buffer.compare(regenerated[i].bytes, journaled[i]) !== 0) {
        throw new JournalDivergenceError(`journal ${journal.path}: command ${i + 1} after the checkpoint differs from what the core decides on replay`);
      }
    }
    const unjournaled = regenerated.slice(journaled.length);
    if (feed) {
      // Answers recomputed for bars the journal already answered are dropped; the rest go out first in the loop.
      await feed.whenIdle();
      const fresh = answers.splice(0).filter((record) => !journaledAnswers.has(answerKey(record)!));
      answers.push(...fresh);
      replaying = false;
    }
    journalTrip();
    if (latest || replayed > 0) log(`recovery: checkpoint at inbound ${restore?.inboundSeq ?? 0n}, ${replayed} journal records replayed; ${unjournaled.length} commands decided but never journaled`);
    journal.append({
      type: 'sessionStarted', sessionId: options.sessionId ?? `session-${process.pid}`, mode: sendsOrders ? 'live' : 'paper', pipelineJson: pipelineToJson(options.pipeline),
      recoveredFromInboundSeq: restore?.inboundSeq ?? 0n, replayedRecords: BigInt(replayed),
    });
    journal.commit();

    // The venue: every record it sends is journaled, then published.
    const onMarket = options.onMarketRecord;
    let pushedMarket = 0;
    adapter.onRecord((record, sourceSeq) => {
      inbound.journalAndPublish(record, sourceSeq);
      noteBar(record);
      if (onMarket && (new DataView(record.buffer, record.byteOffset, 64).getInt32(EV_KIND, true) & MARKET_KINDS) !== 0) onMarket(record);
      if (push) {
        if (sourceSeq > 0n) pushedMarket++;
        pushStop.wake();
      }
    });
    let dropped: string | null = null;
    const pushStop = push?.stop ?? new SessionStop();
    adapter.onDisconnect((reason) => {
      if (push) log(`venue: connection lost (${reason}); the adapter reconnects`);
      else dropped = reason;
    });
    await adapter.connect();
    const commands = new JournaledCommands(journal, adapter);
    const unjournaledIds = new Set(unjournaled.map(({ command }) => command.orderId));
    const notYetJournaled = (orderId: bigint): boolean => unjournaledIds.has(orderId) || queued.some(({ command }) => command.orderId === orderId);
    const reconciliation = sendsOrders
      ? await reconcile('start', host, inbound, journal, adapter, instruments, options.reconcile ?? DEFAULT_RECONCILE_POLICY, notYetJournaled)
      : noReconciliation('start (paper: the core\'s simulated venue)');
    log(describeReconciliation(reconciliation));
    if (reconciliation.positionMismatches > 0) throw new Error(`reconciliation: positions disagree with the venue; trading stopped (see the report above, journaled in ${journal.path})`);
    for (const command of unjournaled) commands.push(command);

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
      pushAdapter.onReconnect(() => {
        reconnectsPending++;
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
        for (const command of queued.splice(0)) if (sendsOrders) commands.push(command);
        if (commands.pending > 0) {
          commands.flush();
          continue;
        }
        if (reconnectsPending > 0) {
          reconnectsPending = 0;
          reconnects++;
          if (sendsOrders) {
            const report = await reconcile('reconnect', host, inbound, journal, adapter, instruments, options.reconcile ?? DEFAULT_RECONCILE_POLICY, notYetJournaled);
            log(describeReconciliation(report));
            if (report.positionMismatches > 0) throw new Error(`reconciliation after a reconnect: positions disagree with the venue; trading stopped (journaled in ${journal.path})`);
          }
          continue;
        }
        if (Date.now() >= nextTimerAt) {
          nextTimerAt = Date.now() + timerMs;
          inbound.journalAndPublish(timerRecord((await adapter.status()).nowNs), 0n);
          timers++;
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
          const checkpoint = await host.checkpoint(buffer);
          crashPoint('snapshot-before-store');
          snapshots.put(checkpoint.inboundSeq, journal.lastSequence(), 0, checkpoint.image, {
            counters: checkpoint.counters.join(','),
            ...checkpointStreamMeta({ lastMarketSeq: inbound.lastMarketSeq, lastFillId: inbound.lastFillId, halted: journaledHalted }),
          });
          crashPoint('snapshot-after-store');
          lastCheckpoint = checkpoint.inboundSeq;
          lastCheckpointAt = Date.now();
          continue;
        }
        await pushStop.wait(Math.max(1, Math.min(nextTimerAt - Date.now(), stopping ? 50 : timerMs)));
      }
    }
    for (;;) {
      if (push) break;
      try {
        await inbound.idle();
        if (await publishAnswers()) continue;
        journalTrip();
        for (const command of queued.splice(0)) commands.push(command);
        if (commands.pending > 0) {
          commands.flush();
          await adapter.sync();
          continue;
        }
        journal.commitIfDue();
        if (image && inbound.nextInboundSeq - lastCheckpoint >= BigInt(checkpointEvery)) {
          journal.commit();
          const checkpoint = await host.checkpoint(image);
          crashPoint('snapshot-before-store');
          snapshots.put(checkpoint.inboundSeq, journal.lastSequence(), 0, checkpoint.image, {
          counters: checkpoint.counters.join(','),
          ...checkpointStreamMeta({ lastMarketSeq: inbound.lastMarketSeq, lastFillId: inbound.lastFillId, halted: journaledHalted }),
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
            const report = await reconcile('reconnect', host, inbound, journal, adapter, instruments, options.reconcile ?? DEFAULT_RECONCILE_POLICY, notYetJournaled);
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
    const book = readSessionBook(host.memory, instruments);
    await host.drainAndStop();
    host.drainOutbound();
    host = undefined;
    return {
      decisionsHash: decisions.digest('hex'),
      book, recoveredFromInboundSeq: restore?.inboundSeq ?? 0n, replayedRecords: replayed, reconciliation, marketRecords: push ? pushedMarket : marketRecords, commandsSent: commands.sent, reconnects,
      ...(feed ? { model: feed.status() } : {}),
      ...(push ? { timers, ...(exit ? { exit } : {}) } : {}),
    };
  } finally {
    await adapter.close().catch(() => undefined);
    if (host) await host.drainAndStop().catch(() => undefined);
    try {
      journal.close();
    } catch {
      // A failed journal refuses its pending records; what it committed stays on disk.
    }
    releaseJournal(options.journalDir);
  }
}


/** The report of a session that does not reconcile (paper mode: no venue orders). */
function noReconciliation(trigger: string): ReconcileReport {
  return {
    trigger, missedFills: 0, missedMarket: 0, resolvedOrders: 0, rejectedOrders: 0, resubmittedOrders: 0, resentRequests: 0, uncertainOrders: 0,
    foreignOrders: 0, positionMismatches: 0, lines: [],
  };
}
