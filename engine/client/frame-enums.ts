// Names of the FlatBuffers enums of schemas/frames.fbs and common.fbs as the client's views
// spell them, both ways: the server encodes views with them, the client decodes frames.
import { EngineMode, Liquidity, OrderStatus, OrderType, Side, TimeInForce } from '../../schemas/generated/quant-flow.js';
import { FeedAction, FrameKind, HealthStatus, ModelAlertKind, ModelState, Payload, Topic } from '../../schemas/generated/quant-flow/frames.js';
import type {
  EngineModeName, FeedActionName, FrameKindName, HealthStatusName, LiquidityName, ModelAlertKindName, ModelStateName, OrderStatusName, OrderTypeName, SideName, TimeInForceName, TopicName,
} from './protocol.js';

/** Index = enum value. */
export const TOPIC_BY_CODE: readonly TopicName[] = ['state', 'orders', 'fills', 'signals', 'regime', 'risk', 'latency', 'health', 'models'];
export const TOPIC_CODE: Readonly<Record<TopicName, Topic>> = {
  state: Topic.State, orders: Topic.Orders, fills: Topic.Fills, signals: Topic.Signals,
  regime: Topic.Regime, risk: Topic.Risk, latency: Topic.Latency, health: Topic.Health, models: Topic.Models,
};
/** The union member each topic's frames carry. */
export const TOPIC_PAYLOAD: Readonly<Record<TopicName, Payload>> = {
  state: Payload.StatePayload, orders: Payload.OrdersPayload, fills: Payload.FillsPayload, signals: Payload.SignalsPayload,
  regime: Payload.RegimePayload, risk: Payload.RiskPayload, latency: Payload.LatencyPayload, health: Payload.HealthPayload, models: Payload.ModelsPayload,
};
export const FRAME_KIND_BY_CODE: readonly FrameKindName[] = ['snapshot', 'delta'];
export const FRAME_KIND_CODE: Readonly<Record<FrameKindName, FrameKind>> = { snapshot: FrameKind.Snapshot, delta: FrameKind.Delta };

export const MODE_BY_CODE: readonly EngineModeName[] = ['backtest', 'paper', 'live'];
export const MODE_CODE: Readonly<Record<EngineModeName, EngineMode>> = { backtest: EngineMode.Backtest, paper: EngineMode.Paper, live: EngineMode.Live };
export const SIDE_BY_CODE: readonly SideName[] = ['buy', 'sell'];
export const SIDE_CODE: Readonly<Record<SideName, Side>> = { buy: Side.Buy, sell: Side.Sell };
export const LIQUIDITY_BY_CODE: readonly LiquidityName[] = ['unknown', 'maker', 'taker'];
export const LIQUIDITY_CODE: Readonly<Record<LiquidityName, Liquidity>> = { unknown: Liquidity.Unknown, maker: Liquidity.Maker, taker: Liquidity.Taker };
export const ORDER_TYPE_BY_CODE: readonly OrderTypeName[] = ['market', 'limit', 'stop-market', 'stop-limit', 'trailing-stop'];
export const ORDER_TYPE_CODE: Readonly<Record<OrderTypeName, OrderType>> = {
  market: OrderType.Market, limit: OrderType.Limit, 'stop-market': OrderType.StopMarket, 'stop-limit': OrderType.StopLimit, 'trailing-stop': OrderType.TrailingStop,
};
export const TIME_IN_FORCE_BY_CODE: readonly TimeInForceName[] = ['gtc', 'ioc', 'fok', 'day', 'post-only'];
export const TIME_IN_FORCE_CODE: Readonly<Record<TimeInForceName, TimeInForce>> = {
  gtc: TimeInForce.GoodTillCanceled, ioc: TimeInForce.ImmediateOrCancel, fok: TimeInForce.FillOrKill, day: TimeInForce.Day, 'post-only': TimeInForce.PostOnly,
};
export const ORDER_STATUS_BY_CODE: readonly OrderStatusName[] = [
  'pending-submit', 'accepted', 'partially-filled', 'filled', 'pending-cancel', 'canceled', 'rejected', 'uncertain', 'new', 'pending-replace', 'expired',
];
export const ORDER_STATUS_CODE: Readonly<Record<OrderStatusName, OrderStatus>> = Object.fromEntries(
  ORDER_STATUS_BY_CODE.map((name, code) => [name, code as OrderStatus]),
) as Record<OrderStatusName, OrderStatus>;
export const HEALTH_BY_CODE: readonly HealthStatusName[] = ['ok', 'degraded', 'down'];
export const HEALTH_CODE: Readonly<Record<HealthStatusName, HealthStatus>> = { ok: HealthStatus.Ok, degraded: HealthStatus.Degraded, down: HealthStatus.Down };

export const FEED_ACTION_BY_CODE: readonly FeedActionName[] = ['ok', 'reduce-only', 'halt', 'cancel-all'];
export const FEED_ACTION_CODE: Readonly<Record<FeedActionName, FeedAction>> = {
  ok: FeedAction.Ok, 'reduce-only': FeedAction.ReduceOnly, halt: FeedAction.Halt, 'cancel-all': FeedAction.CancelAll,
};
/** Feed condition names by code (engine/risk FeedCondition; code 0 is RECOVERED, never in a mask). */
export const FEED_CONDITION_BY_CODE: readonly string[] = ['recovered', 'stale', 'gap', 'crossed', 'locked', 'silent'];
export const MODEL_STATE_BY_CODE: readonly ModelStateName[] = ['serving', 'absent'];
export const MODEL_STATE_CODE: Readonly<Record<ModelStateName, ModelState>> = { serving: ModelState.Serving, absent: ModelState.Absent };
export const MODEL_ALERT_KIND_BY_CODE: readonly ModelAlertKindName[] = ['feature-drift', 'quantile-calibration'];
export const MODEL_ALERT_KIND_CODE: Readonly<Record<ModelAlertKindName, ModelAlertKind>> = {
  'feature-drift': ModelAlertKind.FeatureDrift, 'quantile-calibration': ModelAlertKind.QuantileCalibration,
};

/** The name at `code`, or throws naming the field (a frame from a newer schema, or a corrupt one). */
export function nameAt<T>(names: readonly T[], code: number, field: string): T {
  const name = names[code];
  if (name === undefined) throw new RangeError(`\`${field}\` must be one of ${names.map((_, i) => i).join(', ')}, was ${code}`);
  return name;
}
