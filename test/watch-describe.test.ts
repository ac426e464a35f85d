// `quantflow watch`'s human lines (engine/cli/commands/watch.ts describeUpdate): quantities,
// prices and fees read as a person writes them. A position built from fills summed in f64 printed
// its binary rounding: `state #150 snapshot: ... BTCUSDT 0.30188000000000004 @ 66889.88`, seen
// watching `npm start`.
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
      payload: { orders: [{ orderId: 3n, clientOrderId: '3', venueOrderId: '', instrumentId: 0, symbol: 'BTCUSDT', side: 'buy', orderType: 'market', timeInForce: 'gtc', status: 'filled', quantity, filledQuantity: quantity, limitPrice: null, stopPrice: null, averageFillPrice: 3093.6, updatedTimeNs: 1n, rule: 'STRATEGY' }] },
    } as unknown as TopicUpdate;
    expect(describeUpdate(orders), 'a filled market order: its average fill price').toBe('orders #2 delta: order 3 BTCUSDT buy 0.30188 market: filled, filled 0.30188 @ 3093.6');
    const stop = {
      topic: 'orders', sequence: 3n, kind: 'delta',
      payload: { orders: [{ orderId: 4n, clientOrderId: '4', venueOrderId: '', instrumentId: 0, symbol: 'BTCUSDT', side: 'sell', orderType: 'stop-limit', timeInForce: 'gtc', status: 'accepted', quantity, filledQuantity: 0, limitPrice: 3000.5, stopPrice: 3010, averageFillPrice: null, updatedTimeNs: 2n, rule: 'STOP' }] },
    } as unknown as TopicUpdate;
    expect(describeUpdate(stop), 'a working stop-limit exit: the prices it was placed at and its rule').toBe('orders #3 delta: order 4 BTCUSDT sell 0.30188 stop-limit limit 3000.5 stop 3010 (STOP): accepted, filled 0');
  });
});
