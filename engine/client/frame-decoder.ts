// Decodes a binary WebSocket message (a FlatBuffers `Frame`, schemas/frames.fbs) into a typed
// TopicUpdate: plain objects, strings and bigints, no FlatBuffers accessor left in them.
import * as flatbuffers from 'flatbuffers';
import * as F from '../../schemas/generated/quant-flow/frames.js';
import {
  FEED_ACTION_BY_CODE, FRAME_KIND_BY_CODE, HEALTH_BY_CODE, LIQUIDITY_BY_CODE, MODE_BY_CODE, MODEL_ALERT_KIND_BY_CODE, MODEL_STATE_BY_CODE, ORDER_STATUS_BY_CODE, ORDER_TYPE_BY_CODE, SIDE_BY_CODE,
  TIME_IN_FORCE_BY_CODE, TOPIC_BY_CODE, TOPIC_PAYLOAD, nameAt,
} from './frame-enums.js';
import type {
  FillViewData, FillsView, HealthView, LatencyView, ModelsView, OrderViewData, OrdersView, RegimeView, RiskView, SignalsView, StateView, TopicName,
  TopicPayloads, TopicUpdate,
} from './protocol.js';

export class FrameDecodeError extends Error {
  override readonly name = 'FrameDecodeError';
}

function list<T>(length: number, at: (i: number) => T): T[] {
  const out: T[] = [];
  for (let i = 0; i < length; i++) out.push(at(i));
  return out;
}

function decodeState(p: F.StatePayload): StateView {
  return {
    mode: nameAt(MODE_BY_CODE, p.mode(), 'state.mode'),
    equity: p.equity(), cash: p.cash(), equityHighWaterMark: p.equityHighWaterMark(), realizedPnl: p.realizedPnl(), unrealizedPnl: p.unrealizedPnl(),
    positions: list(p.positionsLength(), (i) => {
      const q = p.positions(i)!;
      return {
        instrumentId: q.instrumentId(), symbol: q.symbol() ?? '', quantity: q.quantity(), averagePrice: q.averagePrice(), markPrice: q.markPrice(),
        unrealizedPnl: q.unrealizedPnl(), realizedPnl: q.realizedPnl(),
      };
    }),
  };
}

function decodeOrder(o: F.OrderView): OrderViewData {
  return {
    orderId: o.orderId(), clientOrderId: o.clientOrderId() ?? '', venueOrderId: o.venueOrderId() ?? '', instrumentId: o.instrumentId(), symbol: o.symbol() ?? '',
    side: nameAt(SIDE_BY_CODE, o.side(), 'order.side'), orderType: nameAt(ORDER_TYPE_BY_CODE, o.orderType(), 'order.orderType'),
    timeInForce: nameAt(TIME_IN_FORCE_BY_CODE, o.timeInForce(), 'order.timeInForce'), status: nameAt(ORDER_STATUS_BY_CODE, o.status(), 'order.status'),
    quantity: o.quantity(), filledQuantity: o.filledQuantity(), limitPrice: o.limitPrice(), stopPrice: o.stopPrice(), averageFillPrice: o.averageFillPrice(),
    updatedTimeNs: o.updatedTimeNs(), rule: o.rule() ?? '', statusReason: o.statusReason() ?? '',
  };
}

function decodeFill(f: F.FillView): FillViewData {
  return {
    orderId: f.orderId(), clientOrderId: f.clientOrderId() ?? '', venueOrderId: f.venueOrderId() ?? '', tradeId: f.tradeId() ?? '', instrumentId: f.instrumentId(),
    side: nameAt(SIDE_BY_CODE, f.side(), 'fill.side'), price: f.price(), quantity: f.quantity(), fee: f.fee(), feeCurrency: f.feeCurrency() ?? '',
    liquidity: nameAt(LIQUIDITY_BY_CODE, f.liquidity(), 'fill.liquidity'), timeNs: f.timeNs(), rule: f.rule() ?? '',
  };
}

function decodeSignals(p: F.SignalsPayload): SignalsView {
  return {
    signals: list(p.signalsLength(), (i) => {
      const s = p.signals(i)!;
      return {
        instrumentId: s.instrumentId(), strategy: s.strategy() ?? '', timeframeSeconds: s.timeframeSeconds(), score: s.score(), targetQuantity: s.targetQuantity(),
        quantiles: list(s.quantilesLength(), (j) => {
          const q = s.quantiles(j)!;
          return { level: q.level(), value: q.value() };
        }),
        timeNs: s.timeNs(),
        symbol: s.symbol() ?? '', fusion: s.fusion(),
        regimeProbabilities: list(s.regimeProbabilitiesLength(), (j) => s.regimeProbabilities(j)!),
        experts: list(s.expertsLength(), (j) => {
          const e = s.experts(j)!;
          return { score: e.score(), confidence: e.confidence(), weight: e.weight(), present: e.present() };
        }),
        confidence: s.confidence(), choppyScale: s.choppyScale(), direction: s.direction(), targetExposure: s.targetExposure(), price: s.price(),
        status: s.status(), orderReason: s.orderReason(), orderReasonName: s.orderReasonName() ?? '', orderQuantity: s.orderQuantity(), orderLimit: s.orderLimit(),
      };
    }),
  };
}

function decodeRegime(p: F.RegimePayload): RegimeView {
  return {
    regimes: list(p.regimesLength(), (i) => {
      const r = p.regimes(i)!;
      return {
        instrumentId: r.instrumentId(), timeframeSeconds: r.timeframeSeconds(), labels: list(r.labelsLength(), (j) => r.labels(j)),
        probabilities: list(r.probabilitiesLength(), (j) => r.probabilities(j)!), mostLikelyLabel: r.mostLikelyLabel() ?? '', timeNs: r.timeNs(),
      };
    }),
  };
}

function decodeRisk(p: F.RiskPayload): RiskView {
  return {
    killSwitchTripped: p.killSwitchTripped(), killSwitchReason: p.killSwitchReason() ?? '', drawdown: p.drawdown(), maxDrawdown: p.maxDrawdown(),
    grossExposure: p.grossExposure(), netExposure: p.netExposure(), maxGrossExposure: p.maxGrossExposure(), uncertainOrders: p.uncertainOrders(),
    deniedOrders: p.deniedOrders(), pausedStrategies: list(p.pausedStrategiesLength(), (j) => p.pausedStrategies(j)),
  };
}

function decodeLatency(p: F.LatencyPayload): LatencyView {
  return {
    stages: list(p.stagesLength(), (i) => {
      const s = p.stages(i)!;
      return { stage: s.stage() ?? '', count: s.count(), p50Ns: s.p50Ns(), p90Ns: s.p90Ns(), p99Ns: s.p99Ns(), p999Ns: s.p999Ns(), maxNs: s.maxNs() };
    }),
  };
}

function decodeHealth(p: F.HealthPayload): HealthView {
  return {
    status: nameAt(HEALTH_BY_CODE, p.status(), 'health.status'), uptimeSeconds: p.uptimeSeconds(), eventsProcessed: p.eventsProcessed(),
    inboundRingFill: p.inboundRingFill(), outboundRingFill: p.outboundRingFill(),
    components: list(p.componentsLength(), (i) => {
      const c = p.components(i)!;
      return { name: c.name() ?? '', status: nameAt(HEALTH_BY_CODE, c.status(), 'health.components.status'), detail: c.detail() ?? '' };
    }),
    feeds: list(p.feedsLength(), (i) => {
      const f = p.feeds(i)!;
      return {
        instrumentId: f.instrumentId(), symbol: f.symbol() ?? '', conditionMask: f.conditionMask(), conditions: list(f.conditionsLength(), (j) => f.conditions(j)),
        action: nameAt(FEED_ACTION_BY_CODE, f.action(), 'health.feeds.action'), sinceNs: f.sinceNs(),
      };
    }),
  };
}

function decodeModels(p: F.ModelsPayload): ModelsView {
  const c = p.counters();
  return {
    state: nameAt(MODEL_STATE_BY_CODE, p.state(), 'models.state'), reason: p.reason() ?? '', source: p.source() ?? '', name: p.name() ?? '', hash: p.hash() ?? '',
    fold: p.fold(), driftThreshold: p.driftThreshold(), coverageTolerance: p.coverageTolerance(),
    features: list(p.featuresLength(), (i) => {
      const f = p.features(i)!;
      return { instrument: f.instrument() ?? '', name: f.name() ?? '', psi: f.psi(), alerting: f.alerting() };
    }),
    calibration: list(p.calibrationLength(), (i) => {
      const q = p.calibration(i)!;
      return {
        instrumentId: q.instrumentId(), instrument: q.instrument() ?? '', coverage: q.coverage(), nominal: q.nominal(),
        pinball: list(q.pinballLength(), (k) => q.pinball(k)!), observations: q.observations(), alerting: q.alerting(),
      };
    }),
    counters: {
      vectors: c?.vectors() ?? 0n, predictions: c?.predictions() ?? 0n, noFold: c?.noFold() ?? 0n, nonFinite: c?.nonFinite() ?? 0n, crossed: c?.crossed() ?? 0n,
      failures: c?.failures() ?? 0n, calibrationSkipped: c?.calibrationSkipped() ?? 0n, inFlight: c?.inFlight() ?? 0, onTime: c?.onTime() ?? 0n,
      timeouts: c?.timeouts() ?? 0n, late: c?.late() ?? 0n, latencyP50Us: c?.latencyP50Us() ?? NaN, latencyP99Us: c?.latencyP99Us() ?? NaN,
    },
    recentAlerts: list(p.recentAlertsLength(), (i) => {
      const a = p.recentAlerts(i)!;
      return {
        kind: nameAt(MODEL_ALERT_KIND_BY_CODE, a.kind(), 'models.recentAlerts.kind'), instrument: a.instrument() ?? '', feature: a.feature() ?? '',
        value: a.value(), threshold: a.threshold(), timeNs: a.timeNs(),
      };
    }),
  };
}

function decodePayload(topic: TopicName, frame: F.Frame): TopicPayloads[TopicName] {
  switch (topic) {
    case 'state': return decodeState(frame.payload(new F.StatePayload()) as F.StatePayload);
    case 'orders': {
      const p = frame.payload(new F.OrdersPayload()) as F.OrdersPayload;
      return { orders: list(p.ordersLength(), (i) => decodeOrder(p.orders(i)!)) } satisfies OrdersView;
    }
    case 'fills': {
      const p = frame.payload(new F.FillsPayload()) as F.FillsPayload;
      return { fills: list(p.fillsLength(), (i) => decodeFill(p.fills(i)!)) } satisfies FillsView;
    }
    case 'signals': return decodeSignals(frame.payload(new F.SignalsPayload()) as F.SignalsPayload);
    case 'regime': return decodeRegime(frame.payload(new F.RegimePayload()) as F.RegimePayload);
    case 'risk': return decodeRisk(frame.payload(new F.RiskPayload()) as F.RiskPayload);
    case 'latency': return decodeLatency(frame.payload(new F.LatencyPayload()) as F.LatencyPayload);
    case 'health': return decodeHealth(frame.payload(new F.HealthPayload()) as F.HealthPayload);
    case 'models': return decodeModels(frame.payload(new F.ModelsPayload()) as F.ModelsPayload);
  }
}

/** Decodes one frame; throws FrameDecodeError when it is not a QFFR frame or its payload does not match its topic. */
export function decodeFrame(bytes: Uint8Array): TopicUpdate {
  if (bytes.byteLength < 8) throw new FrameDecodeError(`a frame must be at least 8 bytes, was ${bytes.byteLength}`);
  const buffer = new flatbuffers.ByteBuffer(bytes);
  if (!F.Frame.bufferHasIdentifier(buffer)) throw new FrameDecodeError('a frame must carry the file identifier QFFR');
  try {
    const frame = F.Frame.getRootAsFrame(buffer);
    const topic = nameAt(TOPIC_BY_CODE, frame.topic(), 'frame.topic');
    if (frame.payloadType() !== TOPIC_PAYLOAD[topic]) {
      throw new FrameDecodeError(`a ${topic} frame must carry payload type ${TOPIC_PAYLOAD[topic]}, was ${frame.payloadType()}`);
    }
    return {
      topic, kind: nameAt(FRAME_KIND_BY_CODE, frame.kind(), 'frame.kind'), sequence: frame.sequence(), timeNs: frame.timeNs(), payload: decodePayload(topic, frame),
    };
  } catch (error) {
    if (error instanceof FrameDecodeError) throw error;
    throw new FrameDecodeError(`malformed frame: ${(error as Error).message}`);
  }
}
