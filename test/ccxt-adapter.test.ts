// End to end through the real ccxt pro client against the local Binance simulator
// (test/venues/binance-sim): market data -> records, orders -> ACK / FILL / CANCELED, and after each
// injected fault the adapter's orders and fills equal the simulator's truth, with no client order id
// submitted twice. 127.0.0.1 only, free ports, bounded waits, everything closed at the end.
import { afterEach, describe, expect, test } from 'vitest';
import { CcxtVenueAdapter, type FeedHealthEvent } from '../adapters/ccxt/index.js';
import { clientOrderIdOf, type VenueOrderRequest } from '../engine/live/index.js';
import { EventKind, KIND_MASK, loadEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import { OrderState, OrderType, TimeInForce } from '../engine/orders/index.js';
import { startBinanceSim, TEST_API_KEY, TEST_SECRET, type BinanceSim } from './venues/binance-sim/index.js';

interface Harness { sim: BinanceSim; adapter: CcxtVenueAdapter; records: { r: EventRecord; seq: bigint }[]; logs: string[]; health: FeedHealthEvent[] }
const open: Harness[] = [];

async function harness(options: { staleAfterMs?: number; clockOffsetMs?: number } = {}): Promise<Harness> {
  const sim = await startBinanceSim({ clockOffsetMs: options.clockOffsetMs });
  sim.trade('BTCUSDT', 50_000, 1);
  const logs: string[] = [];
  const adapter = new CcxtVenueAdapter({
    exchange: 'binance', baseUrl: sim.baseUrl, credentials: { apiKey: TEST_API_KEY, secret: TEST_SECRET },
    instruments: [{ instrument: 0, symbol: 'BTC/USDT' }, { instrument: 1, symbol: 'ETH/USDT' }],
    reconnect: { initialMs: 50, maxMs: 400, seed: 7 }, rateLimit: { pauseMs: 100, maxPauseMs: 2000 }, staleAfterMs: options.staleAfterMs ?? 60_000,
    healthCheckMs: 100, log: (line) => logs.push(line),
  });
  const h: Harness = { sim, adapter, records: [], logs, health: [] };
  adapter.onRecord((bytes, seq) => h.records.push({ r: loadEventRecord(new DataView(bytes.buffer, bytes.byteOffset, 64), 0), seq }));
  adapter.onFeedHealth((e) => h.health.push(e));
  await adapter.connect();
  open.push(h);
  return h;
}

afterEach(async () => {
  for (const h of open.splice(0)) { await h.adapter.close(); await h.sim.close(); }
});

async function until(what: string, ok: () => boolean, rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) { if (ok()) return; await new Promise((r) => setTimeout(r, 25)); }
  throw new Error(`timed out waiting for ${what}`);
}

let nextId = 1n;
function order(qty: number, type: 'market' | 'limit', limitPrice = 0, instrument = 0): VenueOrderRequest {
  const orderId = nextId++;
  return {
    orderId, clientOrderId: clientOrderIdOf(orderId), instrument, qty, orderType: type === 'market' ? OrderType.MARKET : OrderType.LIMIT,
    timeInForce: TimeInForce.GTC, limitPrice, stopPrice: 0, flags: 0, decisionNs: 0n,
  };
}

const kindOf = (r: EventRecord) => r.kind & KIND_MASK;
const eventsOf = (h: Harness, orderId: bigint) => h.records.filter(({ r, seq }) => seq === 0n && r.id === orderId).map(({ r }) => r);
const fillsOf = (h: Harness, orderId: bigint) => eventsOf(h, orderId).filter((r) => kindOf(r) === EventKind.FILL);

/** The adapter's view equals the simulator's truth for every order, fills match trade for trade, no duplicate submission. */
function expectMatchesTruth(h: Harness): void {
  const states: Record<string, number> = { NEW: OrderState.OPEN, PARTIALLY_FILLED: OrderState.PARTIALLY_FILLED, FILLED: OrderState.FILLED, CANCELED: OrderState.CANCELED, EXPIRED: OrderState.EXPIRED };
  for (const truth of h.sim.book.orders) {
    const view = h.adapter.orderViews().find((v) => v.clientOrderId === truth.clientOrderId);
    expect(view, `adapter knows ${truth.clientOrderId}`).toBeDefined();
    expect(view!.state, `state of ${truth.clientOrderId} (venue ${truth.status})`).toBe(states[truth.status]);
    expect(Math.abs(view!.filled), `filled of ${truth.clientOrderId}`).toBeCloseTo(truth.executedQty, 9);
    const fills = fillsOf(h, view!.orderId);
    expect(fills.map((f) => f.b).sort((a, b) => a - b), `fill ids of ${truth.clientOrderId}`).toEqual(truth.fills.map((f) => f.tradeId));
    expect(fills.reduce((s, f) => s + Math.abs(f.size), 0), `sum of FILL sizes of ${truth.clientOrderId}`).toBeCloseTo(truth.executedQty, 9);
  }
  expect(h.sim.duplicateSubmissions(), 'client order ids submitted more than once').toEqual([]);
}

describe('ccxt adapter against the Binance simulator', () => {
  test('market data: trades and bars become TRADE / BAR records with increasing market seq', async () => {
    const h = await harness();
    h.adapter.subscribeMarket({ instrument: 0, channel: 'trades' });
    h.adapter.subscribeMarket({ instrument: 0, channel: 'ohlcv', timeframe: '1m' });
    await until('three streams subscribed', () => h.sim.marketStreamCount >= 1 && h.sim.book.orders.length === 0, 40);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Math.floor(h.sim.now() / 60_000) * 60_000 - 180_000;
    h.sim.trade('BTCUSDT', 50_010, 0.5, t0 + 1000);
    h.sim.trade('BTCUSDT', 50_020, 0.25, t0 + 2000);
    h.sim.trade('BTCUSDT', 50_030, 0.1, t0 + 61_000);
    await until('3 trades and a bar', () => h.records.filter(({ r }) => kindOf(r) === EventKind.TRADE).length >= 3 && h.records.some(({ r }) => kindOf(r) === EventKind.BAR));
    const trades = h.records.filter(({ r }) => kindOf(r) === EventKind.TRADE).map(({ r }) => r);
    expect(trades.map((t) => [t.price, t.size, Number(t.id)])).toEqual([[50_010, 0.5, 2], [50_020, 0.25, 3], [50_030, 0.1, 4]]);
    expect(trades[0].tsExchange).toBe(BigInt(t0 + 1000) * 1_000_000n);
    const bar = h.records.find(({ r }) => kindOf(r) === EventKind.BAR)!.r;
    expect([bar.price, bar.size, bar.a, bar.b, bar.tsExchange], 'bar of the first minute').toEqual([50_020, 0.75, 50_020, 50_010, BigInt(t0) * 1_000_000n]);
    const seqs = h.records.filter(({ seq }) => seq > 0n).map(({ seq }) => seq);
    expect(seqs).toEqual(seqs.map((_, i) => BigInt(i + 1)));
    for (const { r } of h.records) expect(r.kind & (EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND)).toBe(EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND);
  });

  test('a market order: ACK then two partial FILLs then FILLED; fills, fees and balances match the venue', async () => {
    const h = await harness();
    h.sim.book.marketFillParts = 2;
    const o = order(0.02, 'market');
    h.adapter.submit(o);
    await h.adapter.sync();
    await until('two fills', () => fillsOf(h, o.orderId).length === 2);
    const events = eventsOf(h, o.orderId);
    expect(events.map(kindOf)).toEqual([EventKind.ACK, EventKind.FILL, EventKind.FILL]);
    expect(events[0].size).toBe(0.02);
    expect(events[1].size + events[2].size).toBeCloseTo(0.02, 12);
    expect(events[1].a, 'fee in quote = 0.1% of notional').toBeCloseTo(0.01 * 50_000 * 0.001, 9);
    expect(h.adapter.orderViews()[0].state).toBe(OrderState.FILLED);
    expectMatchesTruth(h);
    const positions = await h.adapter.positions();
    expect(positions.find((p) => p.instrument === 0)!.qty).toBeCloseTo(10.02, 9);
    const fills = await h.adapter.fillsSince(0n);
    expect(fills.length).toBe(2);
  });

  test('a limit order rests, fills partially on a smaller print, then fully; a second one is canceled', async () => {
    const h = await harness();
    const a = order(0.3, 'limit', 49_900);
    const b = order(-0.1, 'limit', 51_000);
    h.adapter.submit(a);
    h.adapter.submit(b);
    await h.adapter.sync();
    await until('two ACKs', () => eventsOf(h, a.orderId).length === 1 && eventsOf(h, b.orderId).length === 1);
    h.sim.trade('BTCUSDT', 49_850, 0.1);
    await until('partial fill', () => fillsOf(h, a.orderId).length === 1);
    expect(h.adapter.orderViews().find((v) => v.orderId === a.orderId)!.state).toBe(OrderState.PARTIALLY_FILLED);
    h.sim.trade('BTCUSDT', 49_800, 1);
    await until('second fill', () => fillsOf(h, a.orderId).length === 2);
    expect(fillsOf(h, a.orderId).every((f) => f.price === 49_900 && (f.kind & EventKind.FLAG_MAKER) !== 0)).toBe(true);
    h.adapter.cancel({ orderId: b.orderId, clientOrderId: b.clientOrderId, instrument: 0 });
    await h.adapter.sync();
    await until('CANCELED', () => eventsOf(h, b.orderId).some((r) => kindOf(r) === EventKind.CANCELED));
    expect(eventsOf(h, b.orderId).find((r) => kindOf(r) === EventKind.CANCELED)!.size).toBeCloseTo(-0.1, 12);
    expect(await h.adapter.openOrders()).toEqual([]);
    expectMatchesTruth(h);
  });
});
