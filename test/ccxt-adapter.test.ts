// End to end through the real ccxt pro client against the local Binance simulator
// (test/venues/binance-sim): market data -> records, orders -> ACK / FILL / CANCELED, and after each
// injected fault the adapter's orders and fills equal the simulator's truth, with no client order id
// submitted twice. A restart: an order an earlier process sent is tracked again, each of its fills
// emitted once (journaled ones never again, new ones as they arrive), its cancel answered once.
// 127.0.0.1 only, free ports, bounded waits, everything closed at the end.
import { afterEach, describe, expect, test } from 'vitest';
import { CcxtVenueAdapter, type FeedHealthEvent } from '../adapters/ccxt/index.js';
import type { JournaledFills } from '../engine/live/index.js';
import { EventKind, loadEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import { OrderState } from '../engine/orders/index.js';
import { journaledOf, kindOf, order, until } from './venues/ccxt-test-kit.js';
import { startBinanceSim, TEST_API_KEY, TEST_SECRET, type BinanceSim } from './venues/binance-sim/index.js';

interface Harness { sim: BinanceSim; adapter: CcxtVenueAdapter; records: { r: EventRecord; seq: bigint; bytes: Uint8Array }[]; logs: string[]; health: FeedHealthEvent[] }
const open: Harness[] = [];

async function harness(options: { staleAfterMs?: number; clockOffsetMs?: number; sim?: BinanceSim; journaled?: JournaledFills } = {}): Promise<Harness> {
  const sim = options.sim ?? await startBinanceSim({ clockOffsetMs: options.clockOffsetMs });
  if (!options.sim) sim.trade('BTCUSDT', 50_000, 1);
  const logs: string[] = [];
  const adapter = new CcxtVenueAdapter({
    exchange: 'binance', baseUrl: sim.baseUrl, credentials: { apiKey: TEST_API_KEY, secret: TEST_SECRET },
    instruments: [{ instrument: 0, symbol: 'BTC/USDT' }, { instrument: 1, symbol: 'ETH/USDT' }],
    reconnect: { initialMs: 50, maxMs: 400, seed: 7 }, rateLimit: { pauseMs: 100, maxPauseMs: 2000 }, staleAfterMs: options.staleAfterMs ?? 60_000,
    healthCheckMs: 100, log: (line) => logs.push(line),
  }, options.journaled ? { journaled: options.journaled } : {});
  const h: Harness = { sim, adapter, records: [], logs, health: [] };
  adapter.onRecord((bytes, seq) => h.records.push({ r: loadEventRecord(new DataView(bytes.buffer, bytes.byteOffset, 64), 0), seq, bytes }));
  adapter.onFeedHealth((e) => h.health.push(e));
  await adapter.connect();
  open.push(h);
  return h;
}

afterEach(async () => {
  const sims = new Set<BinanceSim>();
  for (const h of open.splice(0)) { await h.adapter.close(); sims.add(h.sim); }
  for (const sim of sims) await sim.close();
});

/** Ends the first process of a restart test (its sim lives on). */
async function stop(h: Harness): Promise<void> {
  await h.adapter.close();
  open.splice(open.indexOf(h), 1);
}

const eventsOf = (h: Harness, orderId: bigint) => h.records.filter(({ r, seq }) => seq === 0n && r.id === orderId).map(({ r }) => r);
const fillsOf = (h: Harness, orderId: bigint) => eventsOf(h, orderId).filter((r) => kindOf(r) === EventKind.FILL);
const toRecord = (bytes: Uint8Array) => loadEventRecord(new DataView(bytes.buffer, bytes.byteOffset, 64), 0);

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

  test('a silent trade stream is stale and polled over REST; a silent bar stream is left to the session\'s feed health (no "stale … polling REST" for it)', async () => {
    const h = await harness({ staleAfterMs: 200 });
    // The bar stream first: whenever the trade stream has been silent long enough, so has it.
    h.adapter.subscribeMarket({ instrument: 1, channel: 'ohlcv', timeframe: '1m' });
    h.adapter.subscribeMarket({ instrument: 0, channel: 'trades' });
    await until('the trade stream stale', () => h.health.some((e) => e.stream === 'trades:BTC/USDT' && e.condition === 'stale'));
    expect(h.logs.find((l) => l.includes('feed trades:BTC/USDT stale')), 'the trade stream says what it does').toMatch(/polling REST$/);
    expect(h.health.filter((e) => e.stream === 'ohlcv:ETH/USDT'), `nothing claimed for the bar stream: ${h.logs.join('\n')}`).toEqual([]);
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
  test('a restart: a resting order of the earlier process is tracked again; the missed fill recovered once, new fills emitted once as they arrive (no reconnect), the journaled one never again', async () => {
    const first = await harness();
    const resting = order(0.4, 'limit', 49_900);
    first.adapter.submit(resting);
    await first.adapter.sync();
    await until('ACK', () => eventsOf(first, resting.orderId).length === 1);
    first.sim.trade('BTCUSDT', 49_850, 0.1);
    await until('first fill', () => fillsOf(first, resting.orderId).length === 1);
    first.sim.trade('BTCUSDT', 49_850, 0.1);
    await until('second fill', () => fillsOf(first, resting.orderId).length === 2);
    // The earlier process journaled its first FILL, then died before journaling the second.
    const [journaledFill, lostFill] = first.records.filter(({ r, seq }) => seq === 0n && kindOf(r) === EventKind.FILL);
    const journaled = journaledOf([journaledFill.bytes]);
    expect(journaled.lastFillId).toBe(BigInt(journaledFill.r.b));
    await stop(first);
    const h = await harness({ sim: first.sim, journaled });
    const missed = (await h.adapter.fillsSince(journaled.lastFillId)).map(toRecord);
    expect(missed.map((r) => [kindOf(r), r.id, r.b, r.price, r.size]), 'the fill the journal lacks, by its venue trade id')
      .toEqual([[EventKind.FILL, resting.orderId, lostFill.r.b, lostFill.r.price, lostFill.r.size]]);
    expect(h.adapter.orderViews().find((v) => v.clientOrderId === resting.clientOrderId)?.filled, 'tracked again: the journaled and the recovered fill').toBeCloseTo(0.2, 12);
    expect(await h.adapter.fillsSince(BigInt(lostFill.r.b)), 'asked again: nothing new').toEqual([]);
    // It fills partially, then fully, while this process runs: each FILL once, from the user stream, at once.
    h.sim.trade('BTCUSDT', 49_850, 0.1);
    await until('the partial fill, live', () => fillsOf(h, resting.orderId).length === 1);
    expect(h.adapter.orderViews().find((v) => v.clientOrderId === resting.clientOrderId)?.state).toBe(OrderState.PARTIALLY_FILLED);
    h.sim.trade('BTCUSDT', 49_800, 1);
    await until('the last fill, live', () => fillsOf(h, resting.orderId).length === 2);
    await h.adapter.sync();
    await new Promise((r) => setTimeout(r, 300));
    await h.adapter.sync();
    expect(h.adapter.reconnects, 'no reconnect (no reconciliation) was needed').toBe(0);
    const truth = h.sim.book.orders.find((o) => o.clientOrderId === resting.clientOrderId)!;
    const live = fillsOf(h, resting.orderId);
    expect(live.map((r) => r.b), 'the two new fills once each: no ACK, no journaled or recovered fill again').toEqual(truth.fills.slice(2).map((f) => f.tradeId));
    expect(eventsOf(h, resting.orderId).map(kindOf), 'live records of the order').toEqual([EventKind.FILL, EventKind.FILL]);
    const all = [journaledFill.r, ...missed, ...live];
    expect(all.map((r) => r.b), 'journal + recovered + live = the venue\'s fills, trade for trade').toEqual(truth.fills.map((f) => f.tradeId));
    expect(all.reduce((s, r) => s + r.size, 0), 'the position the engine builds from them').toBeCloseTo(truth.executedQty, 12);
    const view = h.adapter.orderViews().find((v) => v.clientOrderId === resting.clientOrderId)!;
    expect([view.state, view.filled]).toEqual([OrderState.FILLED, truth.executedQty]);
    expect(h.logs.some((l) => l.includes(`order ${resting.clientOrderId}, sent before this process started, tracked again (1 of its fills journaled already)`)), h.logs.join('\n')).toBe(true);
    expect(h.logs.filter((l) => l.includes('match no fill the venue lists')), 'the journaled fill found at the venue by trade id').toEqual([]);
    expect(h.sim.duplicateSubmissions()).toEqual([]);
  });

  test('a restart after more than a page of missed fills (myTrades answers at most 1,000 a call): every one recovered, by trade id and by time, once each', async () => {
    const first = await harness();
    const resting = order(1.5, 'limit', 49_900);
    first.adapter.submit(resting);
    await first.adapter.sync();
    await until('ACK', () => eventsOf(first, resting.orderId).length === 1);
    first.sim.trade('BTCUSDT', 49_850, 0.001);
    await until('first fill', () => fillsOf(first, resting.orderId).length === 1);
    const journaledFill = first.records.find(({ seq, r }) => seq === 0n && kindOf(r) === EventKind.FILL)!;
    const journaled = journaledOf([journaledFill.bytes]);
    await stop(first);
    const missedCount = 1_150;
    for (let i = 0; i < missedCount; i++) first.sim.trade('BTCUSDT', 49_850, 0.001); // while no process runs
    const truth = first.sim.book.orders.find((o) => o.clientOrderId === resting.clientOrderId)!;
    expect(truth.fills.length).toBe(missedCount + 1);
    // The journal holds the order (decided just before its first fill) and its first fill.
    const h = await harness({ sim: first.sim, journaled: { ...journaled, firstOrderNs: BigInt(truth.fills[0].time - 1_000) * 1_000_000n } });
    const byId = (await h.adapter.fillsSince(journaled.lastFillId, new Map([[0, journaled.lastFillId]]))).map(toRecord);
    expect(byId.map((r) => r.b), 'from the journaled trade id on: all the missed fills, in id order').toEqual(truth.fills.slice(1).map((f) => f.tradeId));
    expect(byId.reduce((s, r) => s + r.size, 0)).toBeCloseTo(missedCount * 0.001, 9);
    // A symbol with no journaled fill is asked by time (from the first order): the same fills, past the first page too.
    const byTime = (await h.adapter.fillsSince(0n, new Map())).map(toRecord);
    expect(byTime.map((r) => r.b), 'by time: the journaled fill and every missed one').toEqual(truth.fills.map((f) => f.tradeId));
    expect(h.sim.duplicateSubmissions()).toEqual([]);
  });

  test('a restart without asking for missed fills first: the first live fill of an earlier process\'s order is emitted at once, the missed one with it (by REST), the journaled one never', async () => {
    const first = await harness();
    const resting = order(-0.3, 'limit', 50_100);
    first.adapter.submit(resting);
    await first.adapter.sync();
    first.sim.trade('BTCUSDT', 50_150, 0.1);
    await until('first fill', () => fillsOf(first, resting.orderId).length === 1);
    const journaled = journaledOf(first.records.filter(({ r }) => kindOf(r) === EventKind.FILL).map(({ bytes }) => bytes));
    await stop(first);
    first.sim.trade('BTCUSDT', 50_150, 0.1); // while no process runs
    const h = await harness({ sim: first.sim, journaled });
    h.sim.trade('BTCUSDT', 50_200, 1);
    await until('the missed and the live fill', () => fillsOf(h, resting.orderId).length === 2);
    await h.adapter.sync();
    await new Promise((r) => setTimeout(r, 300));
    await h.adapter.sync();
    const truth = h.sim.book.orders.find((o) => o.clientOrderId === resting.clientOrderId)!;
    expect(fillsOf(h, resting.orderId).map((r) => r.b).sort((a, b) => a - b), 'the two unjournaled fills once each').toEqual(truth.fills.slice(1).map((f) => f.tradeId));
    expect(fillsOf(h, resting.orderId).every((r) => r.size < 0), 'a sell').toBe(true);
    // A reconciliation pass now (fills above the journal's last one) returns the same two fills, same ids (the core drops a fill id it applied), never the journaled one.
    const again = (await h.adapter.fillsSince(journaled.lastFillId)).map(toRecord);
    expect(again.map((r) => [r.id, r.b, r.size])).toEqual(fillsOf(h, resting.orderId).map((r) => [r.id, r.b, r.size]).sort((a, b) => Number(a[1]) - Number(b[1])));
    await h.adapter.sync();
    expect(fillsOf(h, resting.orderId).length, 'and emits nothing live').toBe(2);
    expect(h.adapter.reconnects).toBe(0);
    expect(h.adapter.orderViews().find((v) => v.clientOrderId === resting.clientOrderId)?.state).toBe(OrderState.FILLED);
  });

  test('an order of the earlier process canceled by the next one: tracked again, CANCELED once with the quantity left, no fill again (stream drop reconciles, nothing repeats)', async () => {
    const first = await harness();
    const resting = order(0.3, 'limit', 49_900);
    first.adapter.submit(resting);
    await first.adapter.sync();
    first.sim.trade('BTCUSDT', 49_850, 0.1);
    await until('a partial fill', () => fillsOf(first, resting.orderId).length === 1);
    const journaled = journaledOf(first.records.filter(({ r }) => kindOf(r) === EventKind.FILL).map(({ bytes }) => bytes));
    await stop(first);
    const h = await harness({ sim: first.sim, journaled });
    h.sim.faults.duplicateReports = true;
    h.adapter.cancel({ orderId: resting.orderId, clientOrderId: resting.clientOrderId, instrument: 0 });
    await until('the CANCELED record', () => eventsOf(h, resting.orderId).some((r) => kindOf(r) === EventKind.CANCELED));
    await h.adapter.sync();
    h.sim.dropUserStreams();
    await until('the user stream back', () => h.adapter.reconnects > 0);
    await h.adapter.sync();
    await new Promise((r) => setTimeout(r, 300));
    await h.adapter.sync();
    const events = eventsOf(h, resting.orderId);
    expect(events.map(kindOf), 'one CANCELED record, no ACK or FILL again').toEqual([EventKind.CANCELED]);
    expect(events[0].size, 'the quantity left').toBeCloseTo(0.2, 12);
    expect(h.adapter.orderViews().find((v) => v.clientOrderId === resting.clientOrderId)?.state).toBe(OrderState.CANCELED);
    expect(h.sim.book.orders.find((o) => o.clientOrderId === resting.clientOrderId)?.status).toBe('CANCELED');
    expect(h.sim.duplicateSubmissions()).toEqual([]);
  });
});
