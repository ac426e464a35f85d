// The wire protocol between the state server (engine/server) and its clients, in one place:
// topic names, the typed views a client decodes frames into, and the JSON text messages.
//
// Server -> client: binary messages are FlatBuffers `Frame`s (schemas/frames.fbs, identifier
// QFFR): per topic one Snapshot, then Deltas, `sequence` + 1 per frame on each topic (server
// wide, so a client that was sent coalesced frames sees the gap). Text messages are JSON replies
// (`ServerMessage`): subscribed, control results, errors.
// Control: a connection that held control (its token bound to it) gets a resume ticket (`ticket`);
// after a drop the new connection sends `resume` with it instead of a new token.
// Versions: a server message kind a client does not know is ignored (and counted) by the client,
// never an error, so a newer server cannot break it. And a server sends the kinds newer than the
// first protocol (`ticket`) only to a connection that declared it understands them: any client
// message may carry `capabilities` (CLIENT_CAPABILITIES; names a server does not know are
// ignored), and a connection keeps what it declared; a `resume` implies `ticket`.
// Client -> server: text messages only, JSON (`ClientMessage`). Anything else is malformed: the
// server answers `{ type: 'error', code: 'malformed' }` (`unknown-topic` for a topic it does not
// have), counts it and keeps the connection.
//
// Deltas by topic: state, risk, regime, signals, latency, health and models carry the whole current
// payload (a lost delta is harmless: the next one supersedes it); fills carry the fills since
// the previous frame, orders the orders that changed. A Snapshot of fills holds the server's
// backlog (the last N fills) or, with `since`, every fill after that sequence; so a client that
// reconnects, or sees a gap, re-subscribes with `since` and misses no fill while the backlog
// still covers it (`subscribed.backfill` says whether it did). Sequences are a server's own:
// `subscribed.epoch` names the server instance, and a `since` is sent with the `epoch` it was
// counted in, so a server that restarted (its sequences counted again from 0) does not read an
// old sequence as one of its own: it sends its whole backlog, as `partial`.

export const TOPIC_NAMES = ['state', 'orders', 'fills', 'signals', 'regime', 'risk', 'latency', 'health', 'models'] as const;
export type TopicName = (typeof TOPIC_NAMES)[number];

/** Topics whose deltas are events (not the whole state): a gap means something was missed. */
export const EVENT_TOPICS: readonly TopicName[] = ['fills', 'orders'];

export function isTopicName(value: unknown): value is TopicName {
  return typeof value === 'string' && (TOPIC_NAMES as readonly string[]).includes(value);
}

export type EngineModeName = 'backtest' | 'paper' | 'live';
export type SideName = 'buy' | 'sell';
export type LiquidityName = 'unknown' | 'maker' | 'taker';
export type OrderTypeName = 'market' | 'limit' | 'stop-market' | 'stop-limit' | 'trailing-stop';
export type TimeInForceName = 'gtc' | 'ioc' | 'fok' | 'day' | 'post-only';
export type OrderStatusName =
  | 'pending-submit' | 'accepted' | 'partially-filled' | 'filled' | 'pending-cancel' | 'canceled' | 'rejected' | 'uncertain'
  | 'new' | 'pending-replace' | 'expired';
export type HealthStatusName = 'ok' | 'degraded' | 'down';

export interface PositionView {
  instrumentId: number;
  symbol: string;
  /** Signed: negative is short. */
  quantity: number;
  averagePrice: number;
  markPrice: number;
  unrealizedPnl: number;
  realizedPnl: number;
}

export interface StateView {
  mode: EngineModeName;
  equity: number;
  cash: number;
  equityHighWaterMark: number;
  realizedPnl: number;
  unrealizedPnl: number;
  positions: PositionView[];
}

export interface OrderViewData {
  orderId: bigint;
  clientOrderId: string;
  venueOrderId: string;
  instrumentId: number;
  symbol: string;
  side: SideName;
  orderType: OrderTypeName;
  timeInForce: TimeInForceName;
  status: OrderStatusName;
  quantity: number;
  filledQuantity: number;
  limitPrice: number | null;
  stopPrice: number | null;
  averageFillPrice: number | null;
  updatedTimeNs: bigint;
  /** The rule that made the order (engine/orders OrderRuleName: STRATEGY, STOP, ATR_STOP, TRAILING_STOP, TARGET_1..4, MAX_HOLD, MANUAL); '' when unknown. */
  rule: string;
  /**
   * Why the order ended canceled, rejected or expired, as the venue said (engine/venue
   * VenueCancelReason: requested, unfilled, reduce-only; VenueRejectReason: invalid, post-only,
   * unknown-order, full, duplicate-client-order-id, lost-before-venue, withheld-by-kill-switch; VenueExpiryReason:
   * time-in-force, post-only-would-take; a code none of these names: `code N`); '' while it
   * works, for other states, and from an older server (one before rejections carried it: '' for those too).
   */
  statusReason: string;
}

export interface OrdersView {
  orders: OrderViewData[];
}

export interface FillViewData {
  orderId: bigint;
  clientOrderId: string;
  venueOrderId: string;
  tradeId: string;
  instrumentId: number;
  side: SideName;
  price: number;
  quantity: number;
  fee: number;
  feeCurrency: string;
  liquidity: LiquidityName;
  timeNs: bigint;
  /** The rule of the fill's order (as OrderViewData.rule); '' when unknown. */
  rule: string;
}

export interface FillsView {
  fills: FillViewData[];
}

/** The fusion experts, in the order of SignalView.experts. */
export const EXPERT_NAMES = ['trend', 'meanReversion', 'breakout', 'ml', 'sentiment'] as const;
export type ExpertName = (typeof EXPERT_NAMES)[number];

/** One expert's part in a fused decision (`present` false: it had nothing to say this bar). */
export interface ExpertScoreView {
  score: number;
  confidence: number;
  /** The weight the regime probabilities blended for it. */
  weight: number;
  present: boolean;
}

/**
 * An instrument's last decision. For fusion (`fusion` true) `experts` holds the five experts in
 * EXPERT_NAMES order and `score` (the fused signal) = sum(weight * confidence * score) /
 * sum(weight * confidence) over the present ones (0 when that sum is 0); direction = score *
 * choppyScale, 0 instead of negative for a long-only instrument.
 */
export interface SignalView {
  instrumentId: number;
  /** The configured strategy that decided (`strategies[].name`, what pause-strategy takes); its kind (`rules` or `fusion`) when the source was not told the names. */
  strategy: string;
  /** The bar timeframe the strategy runs on, seconds (0: not known to the source). */
  timeframeSeconds: number;
  /** The fused signal, in [-1, 1]. */
  score: number;
  targetQuantity: number;
  quantiles: { level: number; value: number }[];
  /** The decision's bar close (ns). */
  timeNs: bigint;
  symbol: string;
  fusion: boolean;
  /** P(trending), P(mean_reverting), P(choppy). */
  regimeProbabilities: number[];
  experts: ExpertScoreView[];
  confidence: number;
  choppyScale: number;
  direction: number;
  /** Signed notional / equity. */
  targetExposure: number;
  price: number;
  /**
   * STATUS_* bits of the decision (engine/decision/decision-layout.ts; STATUS_HALTED: the kill switch
   * zeroed its target; STATUS_REGIME_MODEL without STATUS_REGIME: a regime model whose filter has seen no bar yet).
   */
  status: number;
  /** Risk reason code of the order the target implied; -1: none was needed. */
  orderReason: number;
  /** Its name ('' for -1). */
  orderReasonName: string;
  orderQuantity: number;
  /** Risk reason code of the limit that cut or stopped the order, 0 when none did. */
  orderLimit: number;
}

export interface SignalsView {
  signals: SignalView[];
}

export interface InstrumentRegimeView {
  instrumentId: number;
  timeframeSeconds: number;
  labels: string[];
  probabilities: number[];
  mostLikelyLabel: string;
  timeNs: bigint;
}

export interface RegimeView {
  regimes: InstrumentRegimeView[];
}

export interface RiskView {
  killSwitchTripped: boolean;
  killSwitchReason: string;
  drawdown: number;
  maxDrawdown: number;
  grossExposure: number;
  netExposure: number;
  maxGrossExposure: number;
  uncertainOrders: number;
  deniedOrders: bigint;
  /** Strategies an operator has paused (`pause-strategy`): their targets may only reduce positions until resumed. */
  pausedStrategies: string[];
}

export interface LatencyStageView {
  stage: string;
  count: bigint;
  p50Ns: number;
  p90Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
}

export interface LatencyView {
  stages: LatencyStageView[];
}

export type FeedActionName = 'ok' | 'reduce-only' | 'halt' | 'cancel-all';

/** One instrument's market-data feed as the core's risk stage holds it. */
export interface FeedHealthView {
  instrumentId: number;
  symbol: string;
  /** Active conditions, 1 << code (1 stale, 2 gap, 3 crossed, 4 locked, 5 silent); 0: healthy. */
  conditionMask: number;
  /** Their names ('stale', 'gap', 'crossed', 'locked', 'silent'), in code order. */
  conditions: string[];
  /** What the policy (risk.feedHealth) makes of them. */
  action: FeedActionName;
  /** When it last went degraded; 0n while healthy. */
  sinceNs: bigint;
}

export interface HealthView {
  status: HealthStatusName;
  uptimeSeconds: number;
  eventsProcessed: bigint;
  inboundRingFill: number;
  outboundRingFill: number;
  components: { name: string; status: HealthStatusName; detail: string }[];
  /** Each configured instrument's feed (empty without an engine). */
  feeds: FeedHealthView[];
}

export type ModelStateName = 'serving' | 'absent';
export type ModelAlertKindName = 'feature-drift' | 'quantile-calibration';

/** PSI of one model feature over its rolling window (NaN before the first observation). */
export interface FeatureDriftView {
  instrument: string;
  name: string;
  psi: number;
  alerting: boolean;
}

/** Rolling [q10, q90] coverage and pinball loss of one instrument's realised predictions. */
export interface QuantileCalibrationView {
  instrumentId: number;
  instrument: string;
  /** NaN before the first realised prediction. */
  coverage: number;
  nominal: number;
  /** Mean pinball loss of q10, q25, q50, q75, q90. */
  pinball: number[];
  observations: number;
  alerting: boolean;
}

export interface ModelAlertView {
  kind: ModelAlertKindName;
  instrument: string;
  /** The drifting feature ('' for calibration alerts). */
  feature: string;
  value: number;
  threshold: number;
  timeNs: bigint;
}

export interface ModelCountersView {
  vectors: bigint;
  predictions: bigint;
  noFold: bigint;
  nonFinite: bigint;
  crossed: bigint;
  failures: bigint;
  calibrationSkipped: bigint;
  inFlight: number;
  /** The core's wait for MODEL records: decided on time, timed out, answered late. */
  onTime: bigint;
  /** Bars a fold model applied to whose answer did not come in time (the noFold bars, with no model to answer them, are not counted here). */
  timeouts: bigint;
  late: bigint;
  /** Inference latency, microseconds (NaN before the first). */
  latencyP50Us: number;
  latencyP99Us: number;
}

/** The ML expert's model (topic `models`): serving or absent with the reason, drift, calibration, counters, recent alerts. */
export interface ModelsView {
  state: ModelStateName;
  reason: string;
  source: string;
  name: string;
  hash: string;
  /** The fold of the latest prediction; -1 before any. */
  fold: number;
  driftThreshold: number;
  coverageTolerance: number;
  features: FeatureDriftView[];
  calibration: QuantileCalibrationView[];
  counters: ModelCountersView;
  /** Newest last. */
  recentAlerts: ModelAlertView[];
}

/** The decoded payload of each topic. */
export interface TopicPayloads {
  state: StateView;
  orders: OrdersView;
  fills: FillsView;
  signals: SignalsView;
  regime: RegimeView;
  risk: RiskView;
  latency: LatencyView;
  health: HealthView;
  models: ModelsView;
}

export type FrameKindName = 'snapshot' | 'delta';

/** One decoded frame. */
export interface TopicUpdate<T extends TopicName = TopicName> {
  topic: T;
  kind: FrameKindName;
  sequence: bigint;
  timeNs: bigint;
  payload: TopicPayloads[T];
}

/** A control action; each needs a signed control token (`quantflow killswitch token`). */
export type ControlAction =
  | { kind: 'kill-switch-reset'; reason: string }
  | { kind: 'kill-switch-trip'; reason: string }
  /** Its targets may only reduce positions (no new exposure; exits and stops still trade) until resumed. */
  | { kind: 'pause-strategy'; strategy: string; reason?: string }
  | { kind: 'resume-strategy'; strategy: string; reason?: string }
  | { kind: 'mode-change'; mode: EngineModeName }
  /** Sets a pre-trade risk limit (engine/risk risk-limit-change.ts names them and their ranges). */
  | { kind: 'limit-change'; limit: string; value: number; reason: string };

export const CONTROL_ACTION_KINDS = ['kill-switch-reset', 'kill-switch-trip', 'pause-strategy', 'resume-strategy', 'mode-change', 'limit-change'] as const;

/**
 * What a client may declare it understands (`capabilities` on any message): `ticket`, the
 * resume ticket messages. A server sends a connection nothing it did not declare.
 */
export const CLIENT_CAPABILITIES = ['ticket'] as const;
export type ClientCapability = (typeof CLIENT_CAPABILITIES)[number];

export function isClientCapability(value: unknown): value is ClientCapability {
  return typeof value === 'string' && (CLIENT_CAPABILITIES as readonly string[]).includes(value);
}
/** The most capability names one message may carry, and the longest name (a server ignores names it does not know). */
export const MAX_CAPABILITIES = 16;
export const MAX_CAPABILITY_CHARACTERS = 32;

/** Declared on any client message; the connection keeps them (a client of the first protocol sends none). */
export interface CapabilityDeclaration {
  capabilities?: string[];
}

/** Client -> server (JSON text). `since` is a decimal sequence (a JSON number cannot hold a ulong). */
export type ClientMessage = CapabilityDeclaration & (
  | { op: 'subscribe'; topic: TopicName; since?: string; epoch?: string }
  | { op: 'unsubscribe'; topic: TopicName }
  | { op: 'auth'; token: string }
  /**
   * Takes back the control a dropped connection held, with the resume ticket the server gave it
   * (`ticket` reply). `attempt`: a random nonce the client made for this ticket (16 to 128
   * base64url characters), sent with every presentation of it: when the answer to a resume is
   * lost with its connection, the same ticket and attempt again resume (`repeated`), where a
   * thief holding only the ticket is refused as `used`.
   */
  | { op: 'resume'; ticket: string; attempt?: string }
  | { op: 'control'; id: number; action: ControlAction; token?: string }
);

/**
 * Why a resume ticket was refused: `used` (presented before: if not by this client, another party
 * holds it) or `superseded` (an older ticket than the client's newest) may mean it was stolen;
 * `expired` (the ticket or its token) and `unknown` (never issued here, or forgotten) do not.
 */
export type ResumeRefusalName = 'used' | 'superseded' | 'expired' | 'unknown';

/** Error codes of `{ type: 'error' }` replies (internal: the server failed handling a message; the connection stays). */
export type ServerErrorCode = 'malformed' | 'unknown-topic' | 'internal';

/** Control refusals: no or bad token, control disabled, an action the host cannot perform (refused, with why), or the host failed it. */
export type ControlErrorCode = 'unauthorized' | 'disabled' | 'refused' | 'failed';

/** Server -> client (JSON text). */
export type ServerMessage =
  /** `snapshot` false: nothing was published on the topic yet (the session has no such data so far); its first frame will come as the Snapshot. */
  | { type: 'subscribed'; topic: TopicName; sequence: string; backfill: 'none' | 'complete' | 'partial'; epoch?: string; snapshot?: boolean }
  | { type: 'unsubscribed'; topic: TopicName }
  /**
   * `resumed`: the answer to a `resume` (the connection holds control again); `repeated`: the
   * ticket had been used by this client already (same attempt), whose answer was lost.
   */
  | { type: 'auth'; ok: true; who: string; resumed?: boolean; repeated?: boolean }
  /** `resume`: the answer to a `resume`, and why the ticket was refused. */
  | { type: 'auth'; ok: false; code: ControlErrorCode; message: string; resume?: ResumeRefusalName }
  /**
   * A resume ticket for this connection's control (after its token was first bound to it, after a
   * resume, and before the previous one expires): single use, valid until `expiresAt` (ISO 8601).
   * Sent only to a connection that declared the `ticket` capability (or presented a ticket).
   */
  | { type: 'ticket'; ticket: string; who: string; expiresAt: string }
  | { type: 'control'; id: number; ok: true; who: string; action: ControlAction }
  | { type: 'control'; id: number; ok: false; code: ControlErrorCode; message: string }
  | { type: 'error'; code: ServerErrorCode; message: string };

/** Close codes of the server. */
export const CLOSE_SLOW_CONSUMER = 4008;
export const CLOSE_SERVER_CLOSING = 1001;
export const CLOSE_DROPPED_BY_HOST = 4000;
/** Another connection resumed this connection's control with its resume ticket: this one is closed. */
export const CLOSE_CONTROL_RESUMED_ELSEWHERE = 4009;
/** A client message above the server's largest (1 MiB): RFC 6455's "message too big". */
export const CLOSE_MESSAGE_TOO_BIG = 1009;
