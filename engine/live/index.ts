// Public API of engine/live: a live session against a venue through the write-ahead journal
// (recovery, reconciliation, lockstep loop), the adapter contract every venue adapter
// implements (pull: lockstep; push: PushVenueAdapter), the stop request of a push session, and the scripted crash points the crash harness uses.
export {
  clientOrderIdOf, orderIdOfClientOrderId, isPushVenueAdapter, type FeedSignal, type PushMarketStream, type PushVenueAdapter,
  type VenueAdapter, type VenueCancelRequest, type VenueOrderRequest, type VenueOrderView, type VenuePosition, type VenueRecordListener,
  type VenueReplaceRequest, type VenueStatus,
} from './venue-adapter.js';
export {
  runLiveSession, REJECTS_TRIPPER, JournalDivergenceError, TradingStoppedError, type LiveSessionOptions, type LiveSessionResult, type LiveSessionModel, type PushFeedOptions,
  type LiveSessionWatcher, type SessionPhase,
} from './live-session.js';
export { INBOUND_BEHIND_REASON, LiveSessionMonitor, type LiveSessionMonitorOptions } from './session-monitor.js';
export { LiveSessionControl, controlRefused, isOperatorTrip, type QueuedControl } from './session-server-control.js';
export { inboundVenueReply } from './inbound-venue-reply.js';
export { JournaledInbound, MAX_WAITING_RECORDS, type InboundBackpressure } from './journaled-inbound.js';
export { readJournaledFills, type JournaledFill, type JournaledFills } from './journaled-fills.js';
export { JournaledCommands, commandEntry, sendCommand, type CommandRecord, type CommandWithholding, type QueuedCommand } from './journaled-commands.js';
export { CommandLatency } from './command-latency.js';
export { REJECT_WITHHELD_BY_KILL_SWITCH, addsExposure } from './withheld-orders.js';
export { DEFAULT_RECONCILE_POLICY, REJECT_LOST_BEFORE_VENUE, describeReconciliation, type ForeignOrderPolicy, type ReconcileHooks, type ReconcilePolicy, type ReconcileReport } from './reconcile.js';
export { CRASH_POINTS, WEBHOOK_CRASH_POINTS, crashPoint, type CrashPointName } from './crash-points.js';
export { liveOrders, readSessionBook, pipelineFromJson, pipelineToJson, type SessionBook } from './session-state.js';
export { replayJournal, JournalReplayError, type JournalReplayResult } from './journal-replay.js';
export { CoreChangeError, checkJournalCore, describeJournalWriter, describeReplayCore, type JournalCoreCheck } from './journal-core.js';
export { describeCommand, describeCommandDifference } from './command-divergence.js';
export {
  SessionControlRefused, holdJournal, journalHolder, journaledKillSwitch, releaseJournal, resetKillSwitchInJournal, type JournaledKillSwitch,
} from './session-control.js';
export { OrderIdRange, ORDER_ID_RANGE_SIZE, OwnOrderIds, ownOrderIdOf } from './order-id-range.js';
export { ShadowPaper, shadowPipeline, type ShadowCatchUp, type ShadowPaperOptions } from './shadow-paper.js';
export type { ShadowControl } from './shadow-journal-reader.js';
export { buildDriftReport, describeDrift, orderOutcome, type DriftReport, type MatchedOrder, type OrderOutcome, type SideFill, type SideOrder, type SideSummary } from './shadow-drift.js';
export { SessionFeedHealth, describeFeedHealth, streamThresholds, type SessionFeedHealthSettings } from './session-feed-health.js';
export { SessionStop, ON_EXIT_POLICIES, type OnExitPolicy, type SessionExitReport, type StopRequest } from './session-stop.js';
export { Redactor, redactingLog, type LogLine } from './log-redactor.js';
export { checkJournalInstruments, describeInstruments, JournalInstrumentsError, JOURNAL_INSTRUMENTS_FILE, type JournalInstrument } from './journal-instruments.js';
export { checkVenueLots, VenueLotError } from './venue-lots.js';
