// The client library's topic handlers over a real socket on 127.0.0.1 (a free port): a handler
// added after its topic's Snapshot gets a Snapshot of its own (the current orders, the fills
// backlog, the whole state), while the handlers before it get neither it nor anything twice, and
// from then on every handler gets each delta once.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type FillViewData, type OrderViewData, type TopicUpdate } from '../engine/client/index.js';
import { PushStateSource, startStateServer } from '../engine/server/index.js';
import { until } from './wait-until.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function order(n: number): OrderViewData {
  return {
    orderId: BigInt(n), clientOrderId: String(n), venueOrderId: `v${n}`, instrumentId: 0, symbol: 'BTCUSDT', side: 'buy', orderType: 'limit', timeInForce: 'gtc',
    status: 'accepted', quantity: 1, filledQuantity: 0, limitPrice: 100, stopPrice: null, averageFillPrice: null, updatedTimeNs: BigInt(n), rule: 'STRATEGY', statusReason: '',
  };
}

function fill(n: number): FillViewData {
  return {
    orderId: BigInt(n), clientOrderId: String(n), venueOrderId: `v${n}`, tradeId: `t${n}`, instrumentId: 0, side: 'buy', price: 100 + n,
    quantity: 1, fee: 0.01, feeCurrency: 'USDT', liquidity: 'taker', timeNs: BigInt(n), rule: 'STRATEGY',
  };
}

const summary = (updates: TopicUpdate[]): string[] => updates.map((u) => {
  const payload = u.payload as { orders?: OrderViewData[]; fills?: FillViewData[] };
  return `${u.kind}:${(payload.orders ?? payload.fills ?? []).map((x) => x.clientOrderId).join(',')}`;
});

describe('client library: handlers added later', () => {
  it('gives a handler added after the Snapshot a Snapshot of its own (orders, fills), and every handler each delta once', async () => {
    const source = new PushStateSource();
    const server = await startStateServer({ source });
    cleanups.push(() => server.close());
    source.publish('orders', { orders: [order(1), order(2), order(3)] });
    source.publish('fills', { fills: [fill(1), fill(2)] });
    const client = await connect(server.url, { reconnect: false });
    cleanups.push(() => client.close());
    const first = { orders: [] as TopicUpdate[], fills: [] as TopicUpdate[] };
    const second = { orders: [] as TopicUpdate[], fills: [] as TopicUpdate[] };
    client.subscribe('orders', (u) => first.orders.push(u));
    client.subscribe('fills', (u) => first.fills.push(u));
    await until(() => first.orders.length === 1 && first.fills.length === 1, 'the first handlers\' Snapshots');
    client.subscribe('orders', (u) => second.orders.push(u));
    client.subscribe('fills', (u) => second.fills.push(u));
    await until(() => second.orders.length === 1 && second.fills.length === 1, 'the Snapshots of the handlers added later');
    source.publish('orders', { orders: [order(4)] });
    source.publish('fills', { fills: [fill(3)] });
    await until(() => first.orders.length === 2 && second.orders.length === 2 && first.fills.length === 2 && second.fills.length === 2, 'the deltas');
    await sleep(50);
    expect(summary(first.orders), 'the first orders handler: its Snapshot, then the delta').toEqual(['snapshot:1,2,3', 'delta:4']);
    expect(summary(second.orders), 'the later one: the current orders, then the delta').toEqual(['snapshot:1,2,3', 'delta:4']);
    expect(summary(first.fills), 'the first fills handler: no backlog twice').toEqual(['snapshot:1,2', 'delta:3']);
    expect(summary(second.fills)).toEqual(['snapshot:1,2', 'delta:3']);
  });
});
