// The fault matrix (first part): after each fault injected by the Binance simulator, the ccxt
// adapter's orders and fills equal the simulator's truth and no client order id was submitted twice.
import { afterEach, expect, test } from 'vitest';
import { CcxtVenueAdapter } from '../adapters/ccxt/index.js';
import { clientOrderIdOf, type VenueOrderRequest } from '../engine/live/index.js';
import { EventKind, KIND_MASK, loadEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import { OrderState, OrderType, TimeInForce } from '../engine/orders/index.js';
import { startBinanceSim, TEST_API_KEY, TEST_SECRET, type BinanceSim } from './venues/binance-sim/index.js';

const open: { sim: BinanceSim; adapter: CcxtVenueAdapter }[] = [];
afterEach(async () => { for (const h of open.splice(0)) { await h.adapter.close(); await h.sim.close(); } });

async function harness() {
  const sim = await startBinanceSim();
  sim.trade('BTCUSDT', 50_000, 1);
  const adapter = new CcxtVenueAdapter({
    exchange: 'binance', baseUrl: sim.baseUrl, credentials: { apiKey: TEST_API_KEY, secret: TEST_SECRET }, instruments: [{ instrument: 0, symbol: 'BTC/USDT' }],
    reconnect: { initialMs: 50, maxMs: 400, seed: 7 }, rateLimit: { pauseMs: 100, maxPauseMs: 2000 }, healthCheckMs: 100, log: () => undefined,
  });
  const records: { r: EventRecord; seq: bigint }[] = [];
  adapter.onRecord((b, seq) => records.push({ r: loadEventRecord(new DataView(b.buffer, b.byteOffset, 64), 0), seq }));
  await adapter.connect();
  open.push({ sim, adapter });
  return { sim, adapter, records };
}
async function until(what: string, ok: () => boolean | Promise<boolean>, rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) { if (await ok()) return; await new Promise((r) => setTimeout(r, 25)); }
  throw new Error(`timed out waiting for ${what}`);
}
let next = 100n;
const order = (qty: number, type: 'market' | 'limit', limitPrice = 0): VenueOrderRequest => {
  const orderId = next++;
  return { orderId, clientOrderId: clientOrderIdOf(orderId), instrument: 0, qty, orderType: type === 'market' ? OrderType.MARKET : OrderType.LIMIT, timeInForce: TimeInForce.GTC, limitPrice, stopPrice: 0, flags: 0, decisionNs: 0n };
};
const fills = (records: { r: EventRecord }[], id: bigint) => records.filter(({ r }) => r.id === id && (r.kind & KIND_MASK) === EventKind.FILL).map(({ r }) => r);

test('the order answer is lost (socket dropped after execution): the order is found by client order id, not re-sent', async () => {
  const { sim, adapter, records } = await harness();
  sim.faults.dropNextOrderResponse = true;
  const o = order(0.01, 'market');
  adapter.submit(o);
  await adapter.sync();
  await until('fill reconciled', () => fills(records, o.orderId).length === 1);
  expect(sim.submissions(o.clientOrderId)).toBe(1);
  expect(adapter.orderViews()[0].state).toBe(OrderState.FILLED);
  expect(sim.duplicateSubmissions()).toEqual([]);
});

test('user stream dropped mid-order: reconnect, reconcile; later fills arrive once', async () => {
  const { sim, adapter, records } = await harness();
  sim.faults.dropUserStreamsOnNextOrder = true;
  const o = order(0.2, 'limit', 49_900);
  adapter.submit(o);
  await adapter.sync();
  await until('user stream back', () => sim.userStreamCount >= 1 && adapter.reconnects >= 2);
  sim.trade('BTCUSDT', 49_800, 0.05);
  sim.trade('BTCUSDT', 49_800, 1);
  await until('two fills', () => fills(records, o.orderId).length === 2);
  await adapter.sync();
  expect(adapter.orderViews()[0]).toMatchObject({ state: OrderState.FILLED, filled: 0.2 });
  expect(sim.duplicateSubmissions()).toEqual([]);
});

test('execution reports held, then released reversed and duplicated: each fill once, final state FILLED', async () => {
  const { sim, adapter, records } = await harness();
  const o = order(0.3, 'limit', 49_900);
  adapter.submit(o);
  await adapter.sync();
  sim.faults.holdReports = true;
  sim.trade('BTCUSDT', 49_850, 0.1);
  sim.trade('BTCUSDT', 49_850, 0.1);
  sim.trade('BTCUSDT', 49_850, 1);
  sim.faults.holdReports = false;
  expect(sim.releaseReports({ reverse: true, duplicate: true })).toBe(3);
  await until('three fills', () => fills(records, o.orderId).length === 3);
  await adapter.sync();
  const ids = fills(records, o.orderId).map((f) => f.b);
  expect(new Set(ids).size).toBe(3);
  expect(ids.sort((a, b) => a - b)).toEqual(sim.book.orders[0].fills.map((f) => f.tradeId));
  expect(adapter.orderViews()[0].state).toBe(OrderState.FILLED);
});

test('429 with Retry-After and a 418: the order waits in the queue and is submitted once', async () => {
  const { sim, adapter, records } = await harness();
  sim.faults.rateLimit = { count: 2, status: 429, retryAfterSeconds: 1 };
  const o = order(0.01, 'market');
  adapter.submit(o);
  await adapter.sync();
  expect(fills(records, o.orderId).length).toBe(1);
  expect(sim.requests.filter((r) => r.status === 429).length).toBe(2);
  sim.faults.rateLimit = { count: 1, status: 418, retryAfterSeconds: 1 };
  const p = order(0.01, 'market');
  adapter.submit(p);
  await adapter.sync();
  expect(fills(records, p.orderId).length).toBe(1);
  expect(sim.submissions(o.clientOrderId) + sim.submissions(p.clientOrderId)).toBe(2);
});

test('reject (-2010 insufficient balance) becomes a REJECT; a precision breach is refused before sending', async () => {
  const { sim, adapter, records } = await harness();
  const big = order(5, 'limit', 50_000);
  const tiny = order(0.000015, 'limit', 50_000);
  adapter.submit(big);
  adapter.submit(tiny);
  await adapter.sync();
  const kinds = (id: bigint) => records.filter(({ r }) => r.id === id).map(({ r }) => r.kind & KIND_MASK);
  expect(kinds(big.orderId)).toEqual([EventKind.REJECT]);
  expect(kinds(tiny.orderId)).toEqual([EventKind.REJECT]);
  expect(sim.submissions(big.clientOrderId)).toBe(1);
  expect(sim.submissions(tiny.clientOrderId), 'refused before sending').toBe(0);
  expect(adapter.refusals[0].reason).toMatch(/multiple of the lot size/);
});

test('trade-id gap on the stream is backfilled over REST in order', async () => {
  const { sim, adapter, records } = await harness();
  adapter.subscribeMarket({ instrument: 0, channel: 'trades' });
  await until('market stream', () => sim.marketStreamCount >= 1);
  await new Promise((r) => setTimeout(r, 200));
  sim.trade('BTCUSDT', 50_001, 0.1);
  sim.book.skipTradeIds('BTCUSDT', 3, sim.now());
  sim.trade('BTCUSDT', 50_002, 0.1);
  await until('6 trades', () => records.filter(({ seq }) => seq > 0n).length >= 5);
  const ids = records.filter(({ seq }) => seq > 0n).map(({ r }) => Number(r.id));
  expect(ids).toEqual([2, 3, 4, 5, 6]);
});
