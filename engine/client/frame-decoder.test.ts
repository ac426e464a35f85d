// Every topic's view survives encode (engine/server frame-encoder) then decode, field for field,
// and a buffer that is not a frame is refused with a FrameDecodeError.
import { describe, expect, it } from 'vitest';
import { FrameEncoder } from '../server/index.js';
import { decodeFrame, FrameDecodeError, type TopicName, type TopicPayloads } from './index.js';

const PAYLOADS: TopicPayloads = {
  state: { mode: 'live', equity: 10, cash: 4, equityHighWaterMark: 12, realizedPnl: 1, unrealizedPnl: -1, positions: [{ instrumentId: 2, symbol: 'BTC', quantity: -0.5, averagePrice: 1, markPrice: 2, unrealizedPnl: 3, realizedPnl: 4 }] },
  orders: { orders: [{ orderId: 2n ** 60n, clientOrderId: 'c', venueOrderId: 'v', instrumentId: 1, symbol: 'ETH', side: 'sell', orderType: 'stop-limit', timeInForce: 'post-only', status: 'uncertain', quantity: 3, filledQuantity: 1, limitPrice: 10, stopPrice: null, averageFillPrice: 9.5, updatedTimeNs: 5n, rule: 'TRAILING_STOP', statusReason: '' },
    { orderId: 3n, clientOrderId: '3', venueOrderId: '', instrumentId: 0, symbol: 'BTC', side: 'buy', orderType: 'limit', timeInForce: 'post-only', status: 'expired', quantity: 1, filledQuantity: 0, limitPrice: 99.4, stopPrice: null, averageFillPrice: null, updatedTimeNs: 6n, rule: 'STRATEGY', statusReason: 'post-only-would-take' }] },
  fills: { fills: [{ orderId: 1n, clientOrderId: '1', venueOrderId: '', tradeId: 't', instrumentId: 0, side: 'buy', price: 1, quantity: 2, fee: -0.1, feeCurrency: 'USDT', liquidity: 'maker', timeNs: 9n, rule: 'STOP' }] },
  signals: { signals: [{ instrumentId: 0, strategy: 'fusion', timeframeSeconds: 3600, score: -0.3, targetQuantity: 2, quantiles: [{ level: 0.1, value: -0.01 }, { level: 0.9, value: 0.02 }], timeNs: 1n,
    symbol: 'BTCUSDT', fusion: true, regimeProbabilities: [0.7, 0.2, 0.1],
    experts: [{ score: 0.5, confidence: 0.8, weight: 0.4, present: true }, { score: -0.2, confidence: 1, weight: 0.1, present: true }, { score: 0, confidence: 0, weight: 0.2, present: false },
      { score: 0.1, confidence: 0.6, weight: 0.2, present: true }, { score: 0, confidence: 0, weight: 0.1, present: false }],
    confidence: 0.75, choppyScale: 0.95, direction: -0.285, targetExposure: -0.5, price: 64000.5, status: 0x107, orderReason: 3, orderReasonName: 'max-position', orderQuantity: -1.25, orderLimit: 3 }] },
  regime: { regimes: [{ instrumentId: 0, timeframeSeconds: 60, labels: ['trending', 'choppy'], probabilities: [0.25, 0.75], mostLikelyLabel: 'choppy', timeNs: 3n }] },
  risk: { killSwitchTripped: true, killSwitchReason: 'dd', drawdown: 0.1, maxDrawdown: 0.2, grossExposure: 5, netExposure: -5, maxGrossExposure: 9, uncertainOrders: 2, deniedOrders: 11n, pausedStrategies: ['ema-cross'] },
  latency: { stages: [{ stage: 'decide', count: 7n, p50Ns: 1, p90Ns: 2, p99Ns: 3, p999Ns: 4, maxNs: 5 }] },
  health: { status: 'degraded', uptimeSeconds: 2.5, eventsProcessed: 100n, inboundRingFill: 0.5, outboundRingFill: 0.25, components: [{ name: 'venue', status: 'down', detail: 'timeout' }],
    feeds: [{ instrumentId: 2, symbol: 'ETHUSDT', conditionMask: 0b110, conditions: ['stale', 'gap'], action: 'halt', sinceNs: 5n }] },
  models: { state: 'serving', reason: '', source: 'models/fold-3.onnx', name: 'quantile-lgbm', hash: 'ab12', fold: 3, driftThreshold: 0.25, coverageTolerance: 0.05,
    features: [{ instrument: 'BTCUSDT', name: 'ret_1', psi: 0.31, alerting: true }, { instrument: 'BTCUSDT', name: 'vol_20', psi: 0.02, alerting: false }],
    calibration: [{ instrumentId: 0, instrument: 'BTCUSDT', coverage: 0.78, nominal: 0.8, pinball: [0.1, 0.2, 0.3, 0.2, 0.1], observations: 120, alerting: false }],
    counters: { vectors: 130n, predictions: 128n, noFold: 2n, nonFinite: 1n, crossed: 3n, failures: 0n, calibrationSkipped: 4n, inFlight: 1, onTime: 120n, timeouts: 5n, late: 3n, latencyP50Us: 180.5, latencyP99Us: 950 },
    recentAlerts: [{ kind: 'feature-drift', instrument: 'BTCUSDT', feature: 'ret_1', value: 0.31, threshold: 0.25, timeNs: 11n }] },
};

describe('frame decoding', () => {
  it('decodes every topic back to the view it was encoded from', () => {
    const encoder = new FrameEncoder();
    for (const topic of Object.keys(PAYLOADS) as TopicName[]) {
      const bytes = encoder.encode({ topic, kind: 'delta', sequence: 42n, timeNs: 7n }, PAYLOADS[topic]);
      expect(decodeFrame(bytes), topic).toEqual({ topic, kind: 'delta', sequence: 42n, timeNs: 7n, payload: PAYLOADS[topic] });
    }
  });

  it('carries the order rule on orders and fills, and reads a frame without one (older writer) as empty', () => {
    const encoder = new FrameEncoder();
    const fill = PAYLOADS.fills.fills[0]!;
    const order = PAYLOADS.orders.orders[0]!;
    const withRule = decodeFrame(encoder.encode({ topic: 'fills', kind: 'delta', sequence: 1n, timeNs: 1n }, { fills: [{ ...fill, rule: 'ATR_STOP' }] }));
    expect((withRule.payload as TopicPayloads['fills']).fills[0]!.rule).toBe('ATR_STOP');
    const withoutRule = encoder.encode({ topic: 'orders', kind: 'delta', sequence: 1n, timeNs: 1n }, { orders: [{ ...order, rule: '' }] });
    const withOrderRule = encoder.encode({ topic: 'orders', kind: 'delta', sequence: 1n, timeNs: 1n }, { orders: [{ ...order, rule: 'MAX_HOLD' }] });
    expect(withOrderRule.length).toBeGreaterThan(withoutRule.length);
    expect((decodeFrame(withoutRule).payload as TopicPayloads['orders']).orders[0]!.rule).toBe('');
    expect((decodeFrame(withOrderRule).payload as TopicPayloads['orders']).orders[0]!.rule).toBe('MAX_HOLD');
  });

  it('refuses a buffer that is not a QFFR frame', () => {
    expect(() => decodeFrame(new Uint8Array(16))).toThrow(FrameDecodeError);
    expect(() => decodeFrame(Uint8Array.of(1, 2))).toThrow(/at least 8 bytes/);
  });
});
