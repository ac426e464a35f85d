// Round trips through the generated FlatBuffers code (schemas/generated/) and the
// `flatbuffers` runtime: build with the generated builders, serialize, read every field back.
import * as flatbuffers from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { QuantFlow } from '../schemas/generated/index.js';
import { EngineMode, Liquidity, OrderStatus, OrderType, Side, TimeInForce } from '../schemas/generated/quant-flow.js';
import * as Frames from '../schemas/generated/quant-flow/frames.js';
import * as Journal from '../schemas/generated/quant-flow/journal.js';
import * as ModelRegistry from '../schemas/generated/quant-flow/model-registry.js';

const NS = 1_763_700_000_123_456_789n;

/** Builds a journal record around one entry and returns the finished bytes. */
function journalBytes(sequence: bigint, type: Journal.JournalEntry, entry: (b: flatbuffers.Builder) => flatbuffers.Offset): Uint8Array {
  const builder = new flatbuffers.Builder(256);
  const entryOffset = entry(builder);
  Journal.JournalRecord.finishJournalRecordBuffer(builder, Journal.JournalRecord.createJournalRecord(builder, sequence, NS + sequence, type, entryOffset));
  return builder.asUint8Array().slice();
}

function readJournal(bytes: Uint8Array): Journal.JournalRecord {
  const buffer = new flatbuffers.ByteBuffer(bytes);
  expect(Journal.JournalRecord.bufferHasIdentifier(buffer), 'journal buffers carry the file identifier QFJR').toBe(true);
  return Journal.JournalRecord.getRootAsJournalRecord(buffer);
}

function frameBytes(topic: Frames.Topic, kind: Frames.FrameKind, sequence: bigint, type: Frames.Payload, payload: (b: flatbuffers.Builder) => flatbuffers.Offset): Uint8Array {
  const builder = new flatbuffers.Builder(256);
  const payloadOffset = payload(builder);
  Frames.Frame.finishFrameBuffer(builder, Frames.Frame.createFrame(builder, topic, kind, sequence, NS, type, payloadOffset));
  return builder.asUint8Array().slice();
}

function readFrame(bytes: Uint8Array, topic: Frames.Topic, kind: Frames.FrameKind, sequence: bigint, type: Frames.Payload): Frames.Frame {
  const buffer = new flatbuffers.ByteBuffer(bytes);
  expect(Frames.Frame.bufferHasIdentifier(buffer), 'frames carry the file identifier QFFR').toBe(true);
  const frame = Frames.Frame.getRootAsFrame(buffer);
  expect([frame.topic(), frame.kind(), frame.sequence(), frame.timeNs(), frame.payloadType()]).toEqual([topic, kind, sequence, NS, type]);
  return frame;
}

describe('journal records', () => {
  it('round-trips a SubmitOrder with every field set', () => {
    const bytes = journalBytes(41n, Journal.JournalEntry.SubmitOrder, (b) => {
      const clientOrderId = b.createString('qf-000041');
      const symbol = b.createString('BTC/USDT');
      const strategy = b.createString('trend-follow');
      const recordBytes = Journal.SubmitOrder.createRecordVector(b, Array.from({ length: 64 }, (_, i) => i));
      return Journal.SubmitOrder.createSubmitOrder(b, 0xfedc_ba98_7654_3210n, clientOrderId, 7, symbol, Side.Sell, OrderType.StopLimit, TimeInForce.ImmediateOrCancel, 0.125, 64_250.5, 64_300.25, true, true, strategy, recordBytes);
    });
    const record = readJournal(bytes);
    expect([record.sequence(), record.timeNs(), record.entryType()]).toEqual([41n, NS + 41n, Journal.JournalEntry.SubmitOrder]);
    const order: Journal.SubmitOrder = record.entry(new Journal.SubmitOrder());
    expect({
      orderId: order.orderId(), clientOrderId: order.clientOrderId(), instrumentId: order.instrumentId(), symbol: order.symbol(),
      side: order.side(), orderType: order.orderType(), timeInForce: order.timeInForce(), quantity: order.quantity(),
      limitPrice: order.limitPrice(), stopPrice: order.stopPrice(), reduceOnly: order.reduceOnly(), postOnly: order.postOnly(), strategy: order.strategy(),
      record: Array.from(order.recordArray() ?? []),
    }).toEqual({
      orderId: 0xfedc_ba98_7654_3210n, clientOrderId: 'qf-000041', instrumentId: 7, symbol: 'BTC/USDT',
      side: Side.Sell, orderType: OrderType.StopLimit, timeInForce: TimeInForce.ImmediateOrCancel, quantity: 0.125,
      limitPrice: 64_250.5, stopPrice: 64_300.25, reduceOnly: true, postOnly: true, strategy: 'trend-follow',
      record: Array.from({ length: 64 }, (_, i) => i),
    });
  });

  it('reads the absent prices and strings of a market order as null, not as zero', () => {
    const bytes = journalBytes(1n, Journal.JournalEntry.SubmitOrder, (b) => {
      const clientOrderId = b.createString('qf-1');
      Journal.SubmitOrder.startSubmitOrder(b);
      Journal.SubmitOrder.addClientOrderId(b, clientOrderId);
      Journal.SubmitOrder.addQuantity(b, 2);
      return Journal.SubmitOrder.endSubmitOrder(b);
    });
    const order: Journal.SubmitOrder = readJournal(bytes).entry(new Journal.SubmitOrder());
    expect([order.limitPrice(), order.stopPrice(), order.symbol(), order.strategy()], 'optional scalars (`= null`) distinguish absent from 0').toEqual([null, null, null, null]);
    expect([order.side(), order.orderType(), order.timeInForce(), order.reduceOnly()], 'schema defaults').toEqual([Side.Buy, OrderType.Market, TimeInForce.GoodTillCanceled, false]);
  });

  it('refuses to finish a SubmitOrder without its required client order id', () => {
    const builder = new flatbuffers.Builder(64);
    Journal.SubmitOrder.startSubmitOrder(builder);
    Journal.SubmitOrder.addQuantity(builder, 1);
    expect(() => Journal.SubmitOrder.endSubmitOrder(builder)).toThrow(/must be set/);
  });

  it('round-trips every venue event and control entry', () => {
    const s = (b: flatbuffers.Builder, text: string) => b.createString(text);
    const cases: { type: Journal.JournalEntry; build: (b: flatbuffers.Builder) => flatbuffers.Offset; read: (r: Journal.JournalRecord) => unknown; expected: unknown }[] = [
      {
        type: Journal.JournalEntry.CancelOrder,
        build: (b) => Journal.CancelOrder.createCancelOrder(b, 5n, s(b, 'qf-5'), s(b, 'V-5'), 3, s(b, 'signal flipped'), 0),
        read: (r) => { const e: Journal.CancelOrder = r.entry(new Journal.CancelOrder()); return [e.orderId(), e.clientOrderId(), e.venueOrderId(), e.instrumentId(), e.reason()]; },
        expected: [5n, 'qf-5', 'V-5', 3, 'signal flipped'],
      },
      {
        type: Journal.JournalEntry.OrderAccepted,
        build: (b) => Journal.OrderAccepted.createOrderAccepted(b, 6n, s(b, 'qf-6'), s(b, '1789'), 4, NS - 5n),
        read: (r) => { const e: Journal.OrderAccepted = r.entry(new Journal.OrderAccepted()); return [e.orderId(), e.clientOrderId(), e.venueOrderId(), e.instrumentId(), e.venueTimeNs()]; },
        expected: [6n, 'qf-6', '1789', 4, NS - 5n],
      },
      {
        type: Journal.JournalEntry.OrderRejected,
        build: (b) => Journal.OrderRejected.createOrderRejected(b, 7n, s(b, 'qf-7'), 5, s(b, 'insufficient margin'), s(b, '-2019'), NS - 7n),
        read: (r) => { const e: Journal.OrderRejected = r.entry(new Journal.OrderRejected()); return [e.orderId(), e.clientOrderId(), e.instrumentId(), e.reason(), e.venueCode(), e.venueTimeNs()]; },
        expected: [7n, 'qf-7', 5, 'insufficient margin', '-2019', NS - 7n],
      },
      {
        type: Journal.JournalEntry.FillReceived,
        build: (b) => Journal.FillReceived.createFillReceived(b, 8n, s(b, 'qf-8'), s(b, 'V-8'), s(b, 'T-88'), 6, Side.Sell, 101.5, 0.75, 0.0381, s(b, 'USDT'), Liquidity.Maker, NS - 8n),
        read: (r) => {
          const e: Journal.FillReceived = r.entry(new Journal.FillReceived());
          return [e.orderId(), e.clientOrderId(), e.venueOrderId(), e.tradeId(), e.instrumentId(), e.side(), e.price(), e.quantity(), e.fee(), e.feeCurrency(), e.liquidity(), e.venueTimeNs()];
        },
        expected: [8n, 'qf-8', 'V-8', 'T-88', 6, Side.Sell, 101.5, 0.75, 0.0381, 'USDT', Liquidity.Maker, NS - 8n],
      },
      {
        type: Journal.JournalEntry.OrderCanceled,
        build: (b) => Journal.OrderCanceled.createOrderCanceled(b, 9n, s(b, 'qf-9'), s(b, 'V-9'), 7, 0.25, s(b, 'expired'), NS - 9n),
        read: (r) => { const e: Journal.OrderCanceled = r.entry(new Journal.OrderCanceled()); return [e.orderId(), e.clientOrderId(), e.venueOrderId(), e.instrumentId(), e.remainingQuantity(), e.reason(), e.venueTimeNs()]; },
        expected: [9n, 'qf-9', 'V-9', 7, 0.25, 'expired', NS - 9n],
      },
      {
        type: Journal.JournalEntry.KillSwitchTripped,
        build: (b) => Journal.KillSwitchTripped.createKillSwitchTripped(b, s(b, 'risk.drawdown'), s(b, 'drawdown 12.1% > limit 10%')),
        read: (r) => { const e: Journal.KillSwitchTripped = r.entry(new Journal.KillSwitchTripped()); return [e.who(), e.why()]; },
        expected: ['risk.drawdown', 'drawdown 12.1% > limit 10%'],
      },
      {
        type: Journal.JournalEntry.KillSwitchReset,
        build: (b) => Journal.KillSwitchReset.createKillSwitchReset(b, s(b, 'operator:alice'), s(b, 'positions reconciled')),
        read: (r) => { const e: Journal.KillSwitchReset = r.entry(new Journal.KillSwitchReset()); return [e.who(), e.why()]; },
        expected: ['operator:alice', 'positions reconciled'],
      },
      {
        type: Journal.JournalEntry.ModeChanged,
        build: (b) => Journal.ModeChanged.createModeChanged(b, s(b, 'operator:bob'), s(b, 'go live'), EngineMode.Paper, EngineMode.Live),
        read: (r) => { const e: Journal.ModeChanged = r.entry(new Journal.ModeChanged()); return [e.who(), e.why(), e.previousMode(), e.mode()]; },
        expected: ['operator:bob', 'go live', EngineMode.Paper, EngineMode.Live],
      },
      {
        type: Journal.JournalEntry.ReplaceOrder,
        build: (b) => Journal.ReplaceOrder.createReplaceOrder(b, 10n, s(b, 'qf-10'), 2, -1.5, 99.25, null, Journal.ReplaceOrder.createRecordVector(b, [1, 2, 3])),
        read: (r) => {
          const e: Journal.ReplaceOrder = r.entry(new Journal.ReplaceOrder());
          return [e.orderId(), e.clientOrderId(), e.instrumentId(), e.quantity(), e.limitPrice(), e.stopPrice(), Array.from(e.recordArray() ?? [])];
        },
        expected: [10n, 'qf-10', 2, -1.5, 99.25, null, [1, 2, 3]],
      },
      {
        type: Journal.JournalEntry.InboundRecord,
        build: (b) => Journal.InboundRecord.createInboundRecord(b, 12_345n, Journal.InboundRecord.createRecordVector(b, Array.from({ length: 64 }, (_, i) => 255 - i)), 77n, s(b, 'InsufficientFunds: balance')),
        read: (r) => { const e: Journal.InboundRecord = r.entry(new Journal.InboundRecord()); return [e.inboundSeq(), e.recordLength(), e.record(0), e.record(63), e.sourceSeq(), e.message()]; },
        expected: [12_345n, 64, 255, 192, 77n, 'InsufficientFunds: balance'],
      },
      {
        type: Journal.JournalEntry.LimitChanged,
        build: (b) => Journal.LimitChanged.createLimitChanged(b, s(b, 'operator:carol'), s(b, 'volatility'), s(b, 'risk.maxDrawdownPct'), 0.15, 0.1),
        read: (r) => { const e: Journal.LimitChanged = r.entry(new Journal.LimitChanged()); return [e.who(), e.why(), e.limit(), e.previousValue(), e.value()]; },
        expected: ['operator:carol', 'volatility', 'risk.maxDrawdownPct', 0.15, 0.1],
      },
      {
        type: Journal.JournalEntry.SessionStarted,
        build: (b) => Journal.SessionStarted.createSessionStarted(b, s(b, 'session-1'), EngineMode.Live, s(b, '{"indicators":[]}'), 4096n, 17n),
        read: (r) => {
          const e: Journal.SessionStarted = r.entry(new Journal.SessionStarted());
          return [e.sessionId(), e.mode(), e.pipelineJson(), e.recoveredFromInboundSeq(), e.replayedRecords()];
        },
        expected: ['session-1', EngineMode.Live, '{"indicators":[]}', 4096n, 17n],
      },
      {
        type: Journal.JournalEntry.ReconciliationDone,
        build: (b) => Journal.ReconciliationDone.createReconciliationDone(b, s(b, 'reconnect'), 3, 2, 1, 1, 0, 1, 0, s(b, 'reconciliation (reconnect): ...')),
        read: (r) => {
          const e: Journal.ReconciliationDone = r.entry(new Journal.ReconciliationDone());
          return [e.trigger(), e.missedFills(), e.resolvedOrders(), e.rejectedOrders(), e.resubmittedOrders(), e.uncertainOrders(), e.foreignOrders(), e.positionMismatches(), e.report()];
        },
        expected: ['reconnect', 3, 2, 1, 1, 0, 1, 0, 'reconciliation (reconnect): ...'],
      },
      {
        type: Journal.JournalEntry.ModelAlert,
        build: (b) => Journal.ModelAlert.createModelAlert(b, s(b, 'feature-drift'), s(b, 'BTCUSDT'), s(b, 'rsi:14'), 0.31, 0.25, NS - 3n),
        read: (r) => { const e: Journal.ModelAlert = r.entry(new Journal.ModelAlert()); return [e.kind(), e.instrument(), e.feature(), e.value(), e.threshold(), e.timeNs()]; },
        expected: ['feature-drift', 'BTCUSDT', 'rsi:14', 0.31, 0.25, NS - 3n],
      },
      {
        type: Journal.JournalEntry.OrderAdopted,
        build: (b) => Journal.OrderAdopted.createOrderAdopted(b, 7n, s(b, 'qf-900001'), 900_001n, 2),
        read: (r) => { const e: Journal.OrderAdopted = r.entry(new Journal.OrderAdopted()); return [e.orderId(), e.clientOrderId(), e.venueOrderId(), e.instrument()]; },
        expected: [7n, 'qf-900001', 900_001n, 2],
      },
      {
        type: Journal.JournalEntry.StrategyPaused,
        build: (b) => Journal.StrategyPaused.createStrategyPaused(b, s(b, 'operator:erin'), s(b, 'maintenance'), s(b, 'ema-cross'), Journal.StrategyPaused.createInstrumentsVector(b, [0, 3]), true),
        read: (r) => { const e: Journal.StrategyPaused = r.entry(new Journal.StrategyPaused()); return [e.who(), e.why(), e.strategy(), Array.from(e.instrumentsArray()!), e.paused()]; },
        expected: ['operator:erin', 'maintenance', 'ema-cross', [0, 3], true],
      },
    ];
    expect(cases.length + 1, 'one case per union member besides SubmitOrder (tested above)').toBe(Object.keys(Journal.JournalEntry).filter((k) => Number.isNaN(Number(k)) && k !== 'NONE').length);
    cases.forEach((c, index) => {
      const record = readJournal(journalBytes(BigInt(100 + index), c.type, c.build));
      expect(record.entryType(), `entry type of case ${Journal.JournalEntry[c.type]}`).toBe(c.type);
      expect(c.read(record), `fields of ${Journal.JournalEntry[c.type]}`).toEqual(c.expected);
    });
  });

  it('is reachable through the generated entry point schemas/generated/index.ts', () => {
    expect(QuantFlow.Journal.JournalRecord, 'index.ts re-exports the QuantFlow namespace tree').toBe(Journal.JournalRecord);
    expect(QuantFlow.Frames.Frame).toBe(Frames.Frame);
    expect(QuantFlow.ModelRegistry.ModelEntry).toBe(ModelRegistry.ModelEntry);
  });
});

describe('WebSocket frames', () => {
  it('round-trips a state snapshot with positions', () => {
    const bytes = frameBytes(Frames.Topic.State, Frames.FrameKind.Snapshot, 1n, Frames.Payload.StatePayload, (b) => {
      const positions = [
        Frames.Position.createPosition(b, 1, b.createString('BTC/USDT'), 0.5, 60_000, 61_000, 500, 12.5),
        Frames.Position.createPosition(b, 2, b.createString('ETH/USDT'), -3, 3_000, 2_900, 300, -4),
      ];
      return Frames.StatePayload.createStatePayload(b, EngineMode.Paper, 100_812.5, 70_000, 101_000, 8.5, 800, Frames.StatePayload.createPositionsVector(b, positions));
    });
    const state: Frames.StatePayload = readFrame(bytes, Frames.Topic.State, Frames.FrameKind.Snapshot, 1n, Frames.Payload.StatePayload).payload(new Frames.StatePayload());
    expect([state.mode(), state.equity(), state.cash(), state.equityHighWaterMark(), state.realizedPnl(), state.unrealizedPnl(), state.positionsLength()])
      .toEqual([EngineMode.Paper, 100_812.5, 70_000, 101_000, 8.5, 800, 2]);
    const positions = [0, 1].map((i) => {
      const p = state.positions(i)!;
      return [p.instrumentId(), p.symbol(), p.quantity(), p.averagePrice(), p.markPrice(), p.unrealizedPnl(), p.realizedPnl()];
    });
    expect(positions, 'positions keep their order').toEqual([
      [1, 'BTC/USDT', 0.5, 60_000, 61_000, 500, 12.5],
      [2, 'ETH/USDT', -3, 3_000, 2_900, 300, -4],
    ]);
  });

  it('round-trips an orders delta', () => {
    const bytes = frameBytes(Frames.Topic.Orders, Frames.FrameKind.Delta, 2n, Frames.Payload.OrdersPayload, (b) => {
      const view = Frames.OrderView.createOrderView(b, 11n, b.createString('qf-11'), b.createString('V-11'), 1, b.createString('BTC/USDT'), Side.Buy, OrderType.Limit, TimeInForce.Day, OrderStatus.Uncertain, 1, 0.4, 59_000, null, 59_010, NS - 1n, b.createString('strategy'), b.createString('post-only would cross'));
      return Frames.OrdersPayload.createOrdersPayload(b, Frames.OrdersPayload.createOrdersVector(b, [view]));
    });
    const orders: Frames.OrdersPayload = readFrame(bytes, Frames.Topic.Orders, Frames.FrameKind.Delta, 2n, Frames.Payload.OrdersPayload).payload(new Frames.OrdersPayload());
    expect(orders.ordersLength()).toBe(1);
    const o = orders.orders(0)!;
    expect([o.orderId(), o.clientOrderId(), o.venueOrderId(), o.instrumentId(), o.symbol(), o.side(), o.orderType(), o.timeInForce(), o.status(), o.quantity(), o.filledQuantity(), o.limitPrice(), o.stopPrice(), o.averageFillPrice(), o.updatedTimeNs(), o.rule(), o.statusReason()])
      .toEqual([11n, 'qf-11', 'V-11', 1, 'BTC/USDT', Side.Buy, OrderType.Limit, TimeInForce.Day, OrderStatus.Uncertain, 1, 0.4, 59_000, null, 59_010, NS - 1n, 'strategy', 'post-only would cross']);
  });

  it('round-trips a fills delta', () => {
    const bytes = frameBytes(Frames.Topic.Fills, Frames.FrameKind.Delta, 3n, Frames.Payload.FillsPayload, (b) => {
      const fill = Frames.FillView.createFillView(b, 12n, b.createString('qf-12'), b.createString('V-12'), b.createString('T-12'), 2, Side.Sell, 3_001.25, 2, 1.2, b.createString('USD'), Liquidity.Taker, NS - 2n, b.createString('stop-loss'));
      return Frames.FillsPayload.createFillsPayload(b, Frames.FillsPayload.createFillsVector(b, [fill]));
    });
    const fills: Frames.FillsPayload = readFrame(bytes, Frames.Topic.Fills, Frames.FrameKind.Delta, 3n, Frames.Payload.FillsPayload).payload(new Frames.FillsPayload());
    const f = fills.fills(0)!;
    expect([fills.fillsLength(), f.orderId(), f.clientOrderId(), f.venueOrderId(), f.tradeId(), f.instrumentId(), f.side(), f.price(), f.quantity(), f.fee(), f.feeCurrency(), f.liquidity(), f.timeNs(), f.rule()])
      .toEqual([1, 12n, 'qf-12', 'V-12', 'T-12', 2, Side.Sell, 3_001.25, 2, 1.2, 'USD', Liquidity.Taker, NS - 2n, 'stop-loss']);
  });

  it('round-trips a signals delta with its quantile structs in order', () => {
    const levels = [0.1, 0.25, 0.5, 0.75, 0.9];
    const values = [-0.012, -0.004, 0.001, 0.006, 0.015];
    const bytes = frameBytes(Frames.Topic.Signals, Frames.FrameKind.Delta, 4n, Frames.Payload.SignalsPayload, (b) => {
      const strategy = b.createString('regime-momentum');
      Frames.Signal.startQuantilesVector(b, levels.length);
      for (let i = levels.length - 1; i >= 0; i--) Frames.QuantileValue.createQuantileValue(b, levels[i]!, values[i]!);
      const quantiles = b.endVector();
      const symbol = b.createString('ETH/USDT');
      const regimeProbabilities = Frames.Signal.createRegimeProbabilitiesVector(b, [0.6, 0.3, 0.1]);
      const orderReasonName = b.createString('max-position');
      const signal = Frames.Signal.createSignal(b, 3, strategy, 300, -0.42, -1.5, quantiles, NS - 3n, symbol, true, regimeProbabilities, 0,
        0.8, 0.5, -1, -0.25, 3_001.5, 6, 4, orderReasonName, -1.25, 4);
      return Frames.SignalsPayload.createSignalsPayload(b, Frames.SignalsPayload.createSignalsVector(b, [signal]));
    });
    const signals: Frames.SignalsPayload = readFrame(bytes, Frames.Topic.Signals, Frames.FrameKind.Delta, 4n, Frames.Payload.SignalsPayload).payload(new Frames.SignalsPayload());
    const signal = signals.signals(0)!;
    expect([signals.signalsLength(), signal.instrumentId(), signal.strategy(), signal.timeframeSeconds(), signal.score(), signal.targetQuantity(), signal.timeNs()])
      .toEqual([1, 3, 'regime-momentum', 300, -0.42, -1.5, NS - 3n]);
    expect([signal.symbol(), signal.fusion(), Array.from(signal.regimeProbabilitiesArray()!), signal.expertsLength(), signal.confidence(), signal.choppyScale(),
      signal.direction(), signal.targetExposure(), signal.price(), signal.status(), signal.orderReason(), signal.orderReasonName(), signal.orderQuantity(), signal.orderLimit()])
      .toEqual(['ETH/USDT', true, [0.6, 0.3, 0.1], 0, 0.8, 0.5, -1, -0.25, 3_001.5, 6, 4, 'max-position', -1.25, 4]);
    const read = Array.from({ length: signal.quantilesLength() }, (_, i) => [signal.quantiles(i)!.level(), signal.quantiles(i)!.value()]);
    expect(read).toEqual(levels.map((level, i) => [level, values[i]]));
  });

  it('round-trips a regime delta with labels and probabilities', () => {
    const bytes = frameBytes(Frames.Topic.Regime, Frames.FrameKind.Delta, 5n, Frames.Payload.RegimePayload, (b) => {
      const labels = Frames.InstrumentRegime.createLabelsVector(b, ['bear', 'chop', 'bull'].map((l) => b.createString(l)));
      const probabilities = Frames.InstrumentRegime.createProbabilitiesVector(b, [0.1, 0.2, 0.7]);
      const regime = Frames.InstrumentRegime.createInstrumentRegime(b, 9, 3600, labels, probabilities, b.createString('bull'), NS - 4n);
      return Frames.RegimePayload.createRegimePayload(b, Frames.RegimePayload.createRegimesVector(b, [regime]));
    });
    const payload: Frames.RegimePayload = readFrame(bytes, Frames.Topic.Regime, Frames.FrameKind.Delta, 5n, Frames.Payload.RegimePayload).payload(new Frames.RegimePayload());
    const r = payload.regimes(0)!;
    expect([payload.regimesLength(), r.instrumentId(), r.timeframeSeconds(), r.mostLikelyLabel(), r.timeNs()]).toEqual([1, 9, 3600, 'bull', NS - 4n]);
    expect(Array.from({ length: r.labelsLength() }, (_, i) => r.labels(i))).toEqual(['bear', 'chop', 'bull']);
    expect(Array.from(r.probabilitiesArray()!)).toEqual([0.1, 0.2, 0.7]);
  });

  it('round-trips a risk snapshot', () => {
    const bytes = frameBytes(Frames.Topic.Risk, Frames.FrameKind.Snapshot, 6n, Frames.Payload.RiskPayload, (b) =>
      Frames.RiskPayload.createRiskPayload(b, true, b.createString('drawdown 12.1% > limit 10%'), 0.121, 0.1, 250_000, -50_000, 300_000, 2, 17n,
        Frames.RiskPayload.createPausedStrategiesVector(b, [b.createString('ema-cross'), b.createString('regime')])));
    const risk: Frames.RiskPayload = readFrame(bytes, Frames.Topic.Risk, Frames.FrameKind.Snapshot, 6n, Frames.Payload.RiskPayload).payload(new Frames.RiskPayload());
    expect([risk.killSwitchTripped(), risk.killSwitchReason(), risk.drawdown(), risk.maxDrawdown(), risk.grossExposure(), risk.netExposure(), risk.maxGrossExposure(), risk.uncertainOrders(), risk.deniedOrders()])
      .toEqual([true, 'drawdown 12.1% > limit 10%', 0.121, 0.1, 250_000, -50_000, 300_000, 2, 17n]);
    expect([risk.pausedStrategiesLength(), risk.pausedStrategies(0), risk.pausedStrategies(1)]).toEqual([2, 'ema-cross', 'regime']);
  });

  it('round-trips a latency snapshot with percentiles per stage', () => {
    const bytes = frameBytes(Frames.Topic.Latency, Frames.FrameKind.Snapshot, 7n, Frames.Payload.LatencyPayload, (b) => {
      const stage = Frames.LatencyStage.createLatencyStage(b, b.createString('ring.inbound'), 1_000_000n, 850, 1_200, 4_100, 15_000, 91_000);
      return Frames.LatencyPayload.createLatencyPayload(b, Frames.LatencyPayload.createStagesVector(b, [stage]));
    });
    const latency: Frames.LatencyPayload = readFrame(bytes, Frames.Topic.Latency, Frames.FrameKind.Snapshot, 7n, Frames.Payload.LatencyPayload).payload(new Frames.LatencyPayload());
    const s = latency.stages(0)!;
    expect([latency.stagesLength(), s.stage(), s.count(), s.p50Ns(), s.p90Ns(), s.p99Ns(), s.p999Ns(), s.maxNs()]).toEqual([1, 'ring.inbound', 1_000_000n, 850, 1_200, 4_100, 15_000, 91_000]);
  });

  it('round-trips a health snapshot with components', () => {
    const bytes = frameBytes(Frames.Topic.Health, Frames.FrameKind.Snapshot, 8n, Frames.Payload.HealthPayload, (b) => {
      const component = Frames.ComponentHealth.createComponentHealth(b, b.createString('venue.binance'), Frames.HealthStatus.Degraded, b.createString('reconnecting (attempt 3)'));
      const components = Frames.HealthPayload.createComponentsVector(b, [component]);
      const feed = Frames.FeedHealth.createFeedHealth(b, 4, b.createString('SOL/USDT'), 1 << 1, Frames.FeedHealth.createConditionsVector(b, [b.createString('stale')]), Frames.FeedAction.Halt, NS - 5n);
      return Frames.HealthPayload.createHealthPayload(b, Frames.HealthStatus.Degraded, 3_600.5, 123_456_789n, 0.25, 0.01, components, Frames.HealthPayload.createFeedsVector(b, [feed]));
    });
    const health: Frames.HealthPayload = readFrame(bytes, Frames.Topic.Health, Frames.FrameKind.Snapshot, 8n, Frames.Payload.HealthPayload).payload(new Frames.HealthPayload());
    const c = health.components(0)!;
    expect([health.status(), health.uptimeSeconds(), health.eventsProcessed(), health.inboundRingFill(), health.outboundRingFill(), health.componentsLength(), c.name(), c.status(), c.detail()])
      .toEqual([Frames.HealthStatus.Degraded, 3_600.5, 123_456_789n, 0.25, 0.01, 1, 'venue.binance', Frames.HealthStatus.Degraded, 'reconnecting (attempt 3)']);
    const feed = health.feeds(0)!;
    expect([health.feedsLength(), feed.instrumentId(), feed.symbol(), feed.conditionMask(), feed.conditionsLength(), feed.conditions(0), feed.action(), feed.sinceNs()])
      .toEqual([1, 4, 'SOL/USDT', 2, 1, 'stale', Frames.FeedAction.Halt, NS - 5n]);
  });

  it('tells a frame from a journal record by the file identifier', () => {
    const journal = journalBytes(1n, Journal.JournalEntry.KillSwitchReset, (b) => Journal.KillSwitchReset.createKillSwitchReset(b, b.createString('a'), b.createString('b')));
    expect(Frames.Frame.bufferHasIdentifier(new flatbuffers.ByteBuffer(journal)), 'a QFJR buffer must not pass as a QFFR frame').toBe(false);
  });
});

describe('model registry entries', () => {
  it('round-trips a model entry with its ONNX bytes and training ranges', () => {
    const onnx = Uint8Array.from({ length: 4096 }, (_, i) => (i * 31 + 7) & 0xff);
    const builder = new flatbuffers.Builder(8192);
    const name = builder.createString('btc-1h-quantiles');
    const features = ModelRegistry.ModelEntry.createFeatureNamesVector(builder, ['rsi_14', 'atr_14', 'ret_1'].map((f) => builder.createString(f)));
    const quantiles = ModelRegistry.ModelEntry.createQuantilesVector(builder, [0.1, 0.25, 0.5, 0.75, 0.9]);
    ModelRegistry.ModelEntry.startTrainingRangesVector(builder, 2);
    ModelRegistry.TimeRange.createTimeRange(builder, 3_000n, 4_000n);
    ModelRegistry.TimeRange.createTimeRange(builder, 1_000n, 2_000n);
    const ranges = builder.endVector();
    const dataHash = builder.createString('9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08');
    const onnxOffset = ModelRegistry.ModelEntry.createOnnxVector(builder, onnx);
    ModelRegistry.ModelEntry.startModelEntry(builder);
    ModelRegistry.ModelEntry.addName(builder, name);
    ModelRegistry.ModelEntry.addVersion(builder, 3);
    ModelRegistry.ModelEntry.addFeatureNames(builder, features);
    ModelRegistry.ModelEntry.addTimeframeSeconds(builder, 3600);
    ModelRegistry.ModelEntry.addHorizonBars(builder, 4);
    ModelRegistry.ModelEntry.addQuantiles(builder, quantiles);
    ModelRegistry.ModelEntry.addTrainingRanges(builder, ranges);
    ModelRegistry.ModelEntry.addValidRange(builder, ModelRegistry.TimeRange.createTimeRange(builder, 4_000n, 5_000n));
    ModelRegistry.ModelEntry.addDataHash(builder, dataHash);
    ModelRegistry.ModelEntry.addCreatedTimeNs(builder, NS);
    ModelRegistry.ModelEntry.addOnnx(builder, onnxOffset);
    ModelRegistry.ModelEntry.finishModelEntryBuffer(builder, ModelRegistry.ModelEntry.endModelEntry(builder));

    const buffer = new flatbuffers.ByteBuffer(builder.asUint8Array().slice());
    expect(ModelRegistry.ModelEntry.bufferHasIdentifier(buffer), 'model entries carry the file identifier QFMR').toBe(true);
    const entry = ModelRegistry.ModelEntry.getRootAsModelEntry(buffer);
    expect([entry.name(), entry.version(), entry.timeframeSeconds(), entry.horizonBars(), entry.dataHash(), entry.createdTimeNs()])
      .toEqual(['btc-1h-quantiles', 3, 3600, 4, '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', NS]);
    expect(Array.from({ length: entry.featureNamesLength() }, (_, i) => entry.featureNames(i)), 'feature order is the model input order').toEqual(['rsi_14', 'atr_14', 'ret_1']);
    expect(Array.from(entry.quantilesArray())).toEqual([0.1, 0.25, 0.5, 0.75, 0.9]);
    expect(Array.from({ length: entry.trainingRangesLength() }, (_, i) => [entry.trainingRanges(i)!.startNs(), entry.trainingRanges(i)!.endNs()]))
      .toEqual([[1_000n, 2_000n], [3_000n, 4_000n]]);
    expect([entry.validRange()!.startNs(), entry.validRange()!.endNs()]).toEqual([4_000n, 5_000n]);
    expect(Buffer.from(entry.onnxArray()).equals(Buffer.from(onnx)), 'ONNX bytes survive byte for byte').toBe(true);
  });
});
