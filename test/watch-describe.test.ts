// `quantflow watch`'s human lines (engine/cli/commands/watch.ts describeUpdate): quantities,
// prices and fees read as a person writes them. A position built from fills summed in f64 printed
// its binary rounding: `state #150 snapshot: ... BTCUSDT 0.30188000000000004 @ 66889.88`, seen
// watching `npm start`. Prices and fees read at 7 significant digits, never fewer than 2 decimals
// (a fill printed `fee 20.004301722`); risk and health read as lines, not their JSON (they
// printed `"deniedOrders":"11"`). `--json` keeps every update exact.
import { describe, expect, it } from 'vitest';
import { describeUpdate } from '../engine/cli/commands/watch.js';
import type { TopicUpdate } from '../engine/client/index.js';

describe('quantflow watch lines', () => {
  it('print a position, an order and a fill without the f64 rounding of their sums', () => {
    const quantity = 0.1 + 0.20188;
    expect(String(quantity), 'the sum as f64 has a rounding tail').toBe('0.30188000000000004');
    const state = {
      topic: 'state', sequence: 150n, kind: 'snapshot',
      payload: { mode: 'paper', equity: 100961.25, cash: 80768.53, equityHighWaterMark: 101000, realizedPnl: 625.85, unrealizedPnl: 355.24,
        positions: [{ instrumentId: 0, symbol: 'BTCUSDT', quantity, averagePrice: 66000, markPrice: 0.1 + 66889.78, unrealizedPnl: 355.24, realizedPnl: 0 }] },
    } as unknown as TopicUpdate;
    expect(describeUpdate(state)).toBe('state #150 snapshot: paper equity 100961.25 cash 80768.53 realized 625.85 unrealized 355.24; BTCUSDT 0.30188 @ 66889.88');
    const fills = {
      topic: 'fills', sequence: 7n, kind: 'delta',
      payload: { fills: [{ orderId: 3n, clientOrderId: '3', venueOrderId: '', tradeId: 't9', instrumentId: 0, side: 'buy', price: 3093.6, quantity, fee: 3.0936 * 1.0000000000000002, feeCurrency: 'USDT', liquidity: 'taker', timeNs: 1n, rule: 'STRATEGY' }] },
    } as unknown as TopicUpdate;
    expect(describeUpdate(fills, new Map([[0, 'BTCUSDT']]))).toBe('fills #7 delta: order 3 BTCUSDT buy 0.30188 @ 3093.6 fee 3.0936 (taker, trade t9)');
    const orders = {
      topic: 'orders', sequence: 2n, kind: 'delta',
      payload: { orders: [{ orderId: 3n, clientOrderId: '3', venueOrderId: '', instrumentId: 0, symbol: 'BTCUSDT', side: 'buy', orderType: 'market', timeInForce: 'gtc', status: 'filled', quantity, filledQuantity: quantity, limitPrice: null, stopPrice: null, averageFillPrice: 3093.6, updatedTimeNs: 1n, rule: 'STRATEGY', statusReason: '' }] },
    } as unknown as TopicUpdate;
    expect(describeUpdate(orders), 'a filled market order: its average fill price').toBe('orders #2 delta: order 3 BTCUSDT buy 0.30188 market: filled, filled 0.30188 @ 3093.6');
    const stop = {
      topic: 'orders', sequence: 3n, kind: 'delta',
      payload: { orders: [{ orderId: 4n, clientOrderId: '4', venueOrderId: '', instrumentId: 0, symbol: 'BTCUSDT', side: 'sell', orderType: 'stop-limit', timeInForce: 'gtc', status: 'accepted', quantity, filledQuantity: 0, limitPrice: 3000.5, stopPrice: 3010, averageFillPrice: null, updatedTimeNs: 2n, rule: 'STOP', statusReason: '' }] },
    } as unknown as TopicUpdate;
    expect(describeUpdate(stop), 'a working stop-limit exit: the prices it was placed at and its rule').toBe('orders #3 delta: order 4 BTCUSDT sell 0.30188 stop-limit limit 3000.5 stop 3010 (STOP): accepted, filled 0');
  });

  it('print a fill\'s price and fee rounded, and risk and health as lines, not JSON', () => {
    const fill = {
      topic: 'fills', sequence: 9n, kind: 'delta',
      payload: { fills: [{ orderId: 12n, clientOrderId: '12', venueOrderId: '', tradeId: 't12', instrumentId: 0, side: 'sell', price: 57134.1234567, quantity: 0.35, fee: 20.004301722, feeCurrency: 'USDT', liquidity: 'taker', timeNs: 1n, rule: 'STOP' }] },
    } as unknown as TopicUpdate;
    expect(describeUpdate(fill, new Map([[0, 'BTCUSDT']]))).toBe('fills #9 delta: order 12 BTCUSDT sell 0.35 @ 57134.12 fee 20.0043 (taker, trade t12, STOP)');
    const risk = {
      topic: 'risk', sequence: 4n, kind: 'delta',
      payload: { killSwitchTripped: true, killSwitchReason: 'max drawdown 0.1500 reached', drawdown: 0.15234, maxDrawdown: 0.1612, grossExposure: 12_345.678, netExposure: -2_000.5,
        maxGrossExposure: 1_000_000, uncertainOrders: 1, deniedOrders: 11n, pausedStrategies: ['ema-cross'] },
    } as unknown as TopicUpdate;
    expect(describeUpdate(risk)).toBe('risk #4 delta: kill switch TRIPPED (max drawdown 0.1500 reached); drawdown 15.23% (max 16.12%); gross exposure 12345.68 of 1000000.00, net -2000.50; '
      + 'uncertain orders 1, denied orders 11; paused ema-cross');
    const calm = { ...risk, payload: { ...(risk.payload as object), killSwitchTripped: false, killSwitchReason: '', uncertainOrders: 0, deniedOrders: 0n, pausedStrategies: [] } } as unknown as TopicUpdate;
    expect(describeUpdate(calm)).toBe('risk #4 delta: kill switch ok; drawdown 15.23% (max 16.12%); gross exposure 12345.68 of 1000000.00, net -2000.50; uncertain orders 0, denied orders 0');
    const health = {
      topic: 'health', sequence: 30n, kind: 'snapshot',
      payload: { status: 'degraded', uptimeSeconds: 3725.4, eventsProcessed: 123_456n, inboundRingFill: 0.0123, outboundRingFill: 0,
        components: [{ name: 'engine', status: 'ok', detail: '' }, { name: 'kill-switch', status: 'degraded', detail: 'tripped: max drawdown' }],
        feeds: [{ instrumentId: 0, symbol: 'BTCUSDT', conditionMask: 0, conditions: [], action: 'ok', sinceNs: 0n }, { instrumentId: 1, symbol: 'ETHUSDT', conditionMask: 2, conditions: ['stale'], action: 'reduce-only', sinceNs: 5n }] },
    } as unknown as TopicUpdate;
    expect(describeUpdate(health)).toBe('health #30 snapshot: degraded, up 3725 s, 123456 events, rings in 1.2% out 0.0%; engine ok, kill-switch degraded (tripped: max drawdown); '
      + 'feeds BTCUSDT ok, ETHUSDT stale (reduce-only)');
  });
});
