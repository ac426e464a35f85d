// The ccxt adapter on Coinbase Advanced Trade, end to end through the real ccxt pro client against
// the local Coinbase simulator (test/venues/coinbase-sim: v3 REST + advanced-trade-ws, JWT ES256 /
// HMAC checked): market data -> records, orders -> ACK / FILL / CANCELED, precision refused before
// sending, 429s queued, and after each injected fault (dropped streams, sequence gaps, held,
// duplicated and reordered user messages, a lost order answer) the adapter's orders and fills
// equal the simulator's truth with no client order id reaching the venue twice.
import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, test } from 'vitest';
import { CcxtVenueAdapter, type FeedHealthEvent } from '../adapters/ccxt/index.js';
import type { JournaledFills, VenueOrderRequest } from '../engine/live/index.js';
import { EventKind, loadEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import { OrderState } from '../engine/orders/index.js';
import { loadConfig } from '../engine/config/index.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { journaledOf, kindOf, order, until as untilWithin } from './venues/ccxt-test-kit.js';
import { CB_TEST_API_KEY, CB_TEST_HMAC_KEY, CB_TEST_HMAC_SECRET, startCoinbaseSim, type CoinbaseSim } from './venues/coinbase-sim/index.js';

/** Coinbase's REST polling (candles, fills) is slower to settle: twice the kit's default wait. */
const until = (what: string, ok: () => boolean, rounds = 400): Promise<void> => untilWithin(what, ok, rounds);

const PEM = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();

interface Harness { sim: CoinbaseSim; adapter: CcxtVenueAdapter; records: { r: EventRecord; seq: bigint; bytes: Uint8Array }[]; logs: string[]; health: FeedHealthEvent[] }
const open: Harness[] = [];

async function harness(options: { hmac?: boolean; clientSecret?: string; sim?: CoinbaseSim; journaled?: JournaledFills } = {}): Promise<Harness> {
  const credentials = options.hmac ? { apiKey: CB_TEST_HMAC_KEY, secret: CB_TEST_HMAC_SECRET } : { apiKey: CB_TEST_API_KEY, secret: PEM };
  const sim = options.sim ?? await startCoinbaseSim({ credentials });
  if (!options.sim) {
    sim.trade('BTC-USD', 50_000, 1);
    sim.trade('ETH-USD', 3_000, 1);
  }
  const logs: string[] = [];
  const adapter = new CcxtVenueAdapter({
    exchange: 'coinbase', baseUrl: sim.baseUrl, credentials: { ...credentials, secret: options.clientSecret ?? credentials.secret },
    instruments: [{ instrument: 0, symbol: 'BTC/USD' }, { instrument: 1, symbol: 'ETH/USD' }],
    reconnect: { initialMs: 50, maxMs: 400, seed: 7 }, rateLimit: { pauseMs: 100, maxPauseMs: 2000 }, staleAfterMs: 60_000, healthCheckMs: 100,
    log: (line) => logs.push(line),
  }, options.journaled ? { journaled: options.journaled } : {});
  const h: Harness = { sim, adapter, records: [], logs, health: [] };
  open.push(h);
  adapter.onRecord((bytes, seq) => h.records.push({ r: loadEventRecord(new DataView(bytes.buffer, bytes.byteOffset, 64), 0), seq, bytes }));
  adapter.onFeedHealth((e) => h.health.push(e));
  await adapter.connect();
  await until('user channel subscribed', () => sim.streamCount('user') === 1);
  return h;
}

afterEach(async () => {
  const sims = new Set<CoinbaseSim>();
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
const stateOf = (h: Harness, orderId: bigint) => h.adapter.orderViews().find((v) => v.orderId === orderId)?.state;

/** The adapter's view equals the simulator's truth for every order; fills match trade for trade; no client order id reached the venue twice. */
function expectMatchesTruth(h: Harness): void {
  const states: Record<string, number> = { NEW: OrderState.OPEN, PARTIALLY_FILLED: OrderState.PARTIALLY_FILLED, FILLED: OrderState.FILLED, CANCELED: OrderState.CANCELED, EXPIRED: OrderState.EXPIRED };
  for (const truth of h.sim.book.orders) {
    const view = h.adapter.orderViews().find((v) => v.clientOrderId === truth.clientOrderId);
    expect(view, `adapter knows ${truth.clientOrderId}`).toBeDefined();
    expect(view!.state, `state of ${truth.clientOrderId} (venue ${truth.status})`).toBe(states[truth.status]);
    expect(Math.abs(view!.filled), `filled of ${truth.clientOrderId}`).toBeCloseTo(truth.executedQty, 9);
    const fills = fillsOf(h, view!.orderId);
    const shape = (price: number, qty: number, fee: number) => `${price.toFixed(2)} x ${qty.toFixed(8)} fee ${fee.toFixed(8)}`;
    expect(fills.map((f) => shape(f.price, Math.abs(f.size), f.a)).sort(), `fills of ${truth.clientOrderId}, trade for trade`).toEqual(truth.fills.map((f) => shape(f.price, f.qty, f.commission)).sort());
    expect(fills.reduce((s, f) => s + Math.abs(f.size), 0), `sum of FILL sizes of ${truth.clientOrderId}`).toBeCloseTo(truth.executedQty, 9);
  }
  // Coinbase's trade ids are strings: FILL records carry the adapter's numbers, one per venue fill, from 1 (no journal) in emission order.
  const fillIds = h.records.filter(({ r, seq }) => seq === 0n && kindOf(r) === EventKind.FILL).map(({ r }) => r.b);
  expect(fillIds, 'assigned fill ids: 1, 2, ... in emission order, one per venue fill').toEqual(h.sim.book.orders.flatMap((o) => o.fills).map((_, i) => i + 1));
  expect(h.sim.duplicateSubmissions(), 'client order ids that reached the venue more than once').toEqual([]);
  expect(h.sim.authFailures, 'requests the venue refused as unauthenticated').toEqual([]);
}

describe('ccxt adapter against the Coinbase Advanced Trade simulator', () => {
  test('connects with a CDP key (JWT ES256), loads markets with a handful of requests, and takes precision from them', async () => {
    const h = await harness();
    const connectRequests = h.sim.requests.map((r) => `${r.method} ${r.path}`);
    expect(connectRequests, 'loadMarkets: spot products, fee tier, the two contract listings; then the clock').toEqual([
      'GET /api/v3/brokerage/market/products', 'GET /api/v3/brokerage/transaction_summary', 'GET /api/v3/brokerage/market/products',
      'GET /api/v3/brokerage/market/products', 'GET /api/v3/brokerage/time',
    ]);
    const eth = h.adapter.exchange.markets['ETH/USD'];
    expect([eth.precision.amount, eth.precision.price, eth.limits.amount.min, eth.limits.cost.min]).toEqual([0.0001, 0.01, 0.001, 1]);
    expect(h.sim.authFailures).toEqual([]);
  });

  test('a wrong key is refused with Coinbase\'s 401 and connect fails naming it', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'sec1', format: 'pem' }).toString();
    await expect(harness({ clientSecret: other })).rejects.toThrow(/cannot connect.*AuthenticationError.*jwt signature does not verify/);
  });

  test('market data: market_trades -> TRADE, ticker -> QUOTE, polled candles -> BAR, with increasing market seq', async () => {
    const h = await harness();
    h.adapter.subscribeMarket({ instrument: 0, channel: 'trades' });
    h.adapter.subscribeMarket({ instrument: 0, channel: 'ticker' });
    await until('market streams subscribed', () => h.sim.streamCount('market_trades') === 1 && h.sim.streamCount('ticker') === 1);
    const t0 = Math.floor(Date.now() / 60_000) * 60_000 - 120_000; // inside the 3 bars the REST poll asks for
    h.sim.trade('BTC-USD', 50_010, 0.5, t0 + 1000);
    h.sim.trade('BTC-USD', 50_020, 0.25, t0 + 2000);
    h.sim.trade('BTC-USD', 50_030, 0.1, t0 + 61_000);
    h.adapter.subscribeMarket({ instrument: 0, channel: 'ohlcv', timeframe: '1m' });
    await until('3 trades, quotes and a bar', () => h.records.filter(({ r }) => kindOf(r) === EventKind.TRADE).length >= 3
      && h.records.some(({ r }) => kindOf(r) === EventKind.QUOTE) && h.records.some(({ r }) => kindOf(r) === EventKind.BAR));
    const trades = h.records.filter(({ r }) => kindOf(r) === EventKind.TRADE).map(({ r }) => r);
    // Trade ids are per product (the setup printed one BTC-USD trade, id 1).
    expect(trades.map((t) => [t.price, t.size, Number(t.id)])).toEqual([[50_010, 0.5, 2], [50_020, 0.25, 3], [50_030, 0.1, 4]]);
    expect(trades[0].tsExchange).toBe(BigInt(t0 + 1000) * 1_000_000n);
    const quote = h.records.find(({ r }) => kindOf(r) === EventKind.QUOTE)!.r;
    expect([quote.a, quote.b], 'best bid / ask').toEqual([50_009.99, 50_010.01]);
    const bar = h.records.find(({ r }) => kindOf(r) === EventKind.BAR)!.r;
    expect([bar.price, bar.size, bar.a, bar.b, bar.tsExchange], 'bar of the first minute').toEqual([50_020, 0.75, 50_020, 50_010, BigInt(t0) * 1_000_000n]);
    const seqs = h.records.filter(({ seq }) => seq > 0n).map(({ seq }) => seq);
    expect(seqs).toEqual(seqs.map((_, i) => BigInt(i + 1)));
  });

  test('a market order: ACK then two partial FILLs (fills from REST, no fill stream in ccxt pro) then FILLED; fees and balances match', async () => {
    const h = await harness();
    h.sim.book.marketFillParts = 2;
    const o = order(0.02, 'market');
    h.adapter.submit(o);
    await h.adapter.sync();
    await until('two fills and FILLED', () => fillsOf(h, o.orderId).length === 2 && stateOf(h, o.orderId) === OrderState.FILLED);
    const events = eventsOf(h, o.orderId);
    expect(events.map(kindOf)).toEqual([EventKind.ACK, EventKind.FILL, EventKind.FILL]);
    expect(events[0].size).toBe(0.02);
    expect(events[1].size + events[2].size).toBeCloseTo(0.02, 12);
    expect(events[1].a + events[2].a, 'fee in quote = 0.1% of notional').toBeCloseTo(0.02 * 50_000 * 0.001, 9);
    expect(h.sim.book.orders[0].clientOrderId, 'our client order id is the venue\'s client_order_id').toBe(o.clientOrderId);
    expectMatchesTruth(h);
    const positions = await h.adapter.positions();
    expect(positions.find((p) => p.instrument === 0)!.qty).toBeCloseTo(10.02, 9);
    expect(await h.adapter.fillsSince(0n), 'fillsSince in the same process: both fills were emitted already').toEqual([]);
  });

  test('a limit order rests, fills partially on a smaller print, then fully; a second one is canceled by its UUID', async () => {
    const h = await harness();
    const a = order(0.3, 'limit', 49_900);
    const b = order(-0.1, 'limit', 51_000);
    h.adapter.submit(a);
    h.adapter.submit(b);
    await h.adapter.sync();
    await until('two ACKs', () => eventsOf(h, a.orderId).length === 1 && eventsOf(h, b.orderId).length === 1);
    h.sim.trade('BTC-USD', 49_850, 0.1);
    await until('partial fill', () => fillsOf(h, a.orderId).length === 1);
    expect(stateOf(h, a.orderId)).toBe(OrderState.PARTIALLY_FILLED);
    h.sim.trade('BTC-USD', 49_800, 1);
    await until('second fill', () => fillsOf(h, a.orderId).length === 2 && stateOf(h, a.orderId) === OrderState.FILLED);
    expect(fillsOf(h, a.orderId).every((f) => f.price === 49_900 && (f.kind & EventKind.FLAG_MAKER) !== 0)).toBe(true);
    h.adapter.cancel({ orderId: b.orderId, clientOrderId: b.clientOrderId, instrument: 0 });
    await h.adapter.sync();
    await until('CANCELED', () => eventsOf(h, b.orderId).some((r) => kindOf(r) === EventKind.CANCELED));
    expect(eventsOf(h, b.orderId).filter((r) => kindOf(r) === EventKind.CANCELED).map((r) => r.size)).toEqual([-0.1]);
    expect(h.sim.requests.some((r) => r.path === '/api/v3/brokerage/orders/batch_cancel' && r.status === 200)).toBe(true);
    expect(await h.adapter.openOrders()).toEqual([]);
    expectMatchesTruth(h);
  });

  test('precision from the loaded markets: lot size, tick size and min notional are refused before anything is sent', async () => {
    const h = await harness();
    const lot = order(0.00015, 'limit', 2_900, 1);
    const tick = order(0.01, 'limit', 2_900.005, 1);
    const notional = order(0.001, 'limit', 900, 1);
    for (const o of [lot, tick, notional]) h.adapter.submit(o);
    await h.adapter.sync();
    expect(h.adapter.refusals.map((r) => r.rule)).toEqual(['lot size', 'tick size', 'min notional']);
    expect(h.adapter.refusals[0].reason).toBe('ETH/USD: `amount` must be a multiple of the lot size 0.0001, was 0.00015');
    expect(h.adapter.refusals[2].reason).toMatch(/notional .* must be >= the minimum notional 1$/);
    for (const o of [lot, tick, notional]) expect(eventsOf(h, o.orderId).map(kindOf)).toEqual([EventKind.REJECT]);
    expect(h.sim.clientOrderIds, 'nothing reached the venue').toEqual([]);
  });

  test('429 rate_limit_exceeded answers pause the queue and the same order is sent again: one order, filled', async () => {
    const h = await harness();
    h.sim.faults.rateLimit = { count: 2 };
    const o = order(0.01, 'market');
    h.adapter.submit(o);
    await h.adapter.sync();
    await until('filled', () => stateOf(h, o.orderId) === OrderState.FILLED);
    expect(h.sim.requests.filter((r) => r.status === 429).length).toBe(2);
    expect(h.logs.filter((l) => l.includes('rate limit on createOrder')).length).toBe(2);
    expect(h.sim.book.orders.length).toBe(1);
    expectMatchesTruth(h);
  });

  test('streams dropped: reconnect with backoff, missed trades backfilled over REST by time, orders reconciled', async () => {
    const h = await harness();
    h.adapter.subscribeMarket({ instrument: 0, channel: 'trades' });
    await until('trades subscribed', () => h.sim.streamCount('market_trades') === 1);
    h.sim.trade('BTC-USD', 50_000, 0.1);
    await until('first trade', () => h.records.some(({ r }) => kindOf(r) === EventKind.TRADE));
    const a = order(0.2, 'limit', 49_900);
    h.adapter.submit(a);
    await h.adapter.sync();
    await until('ACK', () => eventsOf(h, a.orderId).length === 1);
    h.sim.dropStreams();
    h.sim.trade('BTC-USD', 49_950, 0.3); // while down: a print nobody streams
    h.sim.trade('BTC-USD', 49_850, 0.5); // fills the resting order while down (order 0.2 + 0.3 to the tape)
    // The user stream is back once resubscribed; the trade stream once it delivers again (the next print).
    await until('reconnected', () => h.health.some((e) => e.condition === 'reconnected' && e.stream !== 'trades:BTC/USD') && h.sim.streamCount('market_trades') === 1);
    expect(h.health.filter((e) => e.condition === 'reconnected' && e.stream === 'trades:BTC/USD'), 'the trade stream is not back before a message').toEqual([]);
    await until('order FILLED through reconciliation', () => stateOf(h, a.orderId) === OrderState.FILLED);
    h.sim.trade('BTC-USD', 50_100, 0.2);
    const tape = h.sim.book.tape.get('BTC-USD')!;
    await until('every tape trade after the first one streamed, recorded once', () => h.records.filter(({ r }) => kindOf(r) === EventKind.TRADE).length === tape.length - 1);
    const ids = h.records.filter(({ r }) => kindOf(r) === EventKind.TRADE).map(({ r }) => Number(r.id));
    expect(ids, 'trade ids contiguous after the backfill').toEqual(tape.slice(1).map((t) => t.id));
    expect(h.health.some((e) => e.condition === 'gap' && e.stream === 'trades:BTC/USD')).toBe(true);
    expect(h.health.filter((e) => e.condition === 'reconnected' && e.stream === 'trades:BTC/USD'), 'the trade stream back once, with the print after the drop').toHaveLength(1);
    expectMatchesTruth(h);
  });

  test('after a drop the adapter says it reconnected (the session then reconciles) only once the venue confirmed the user subscription; a fill right after is streamed', async () => {
    const h = await harness();
    const userSubscribedAtReconnect: number[] = [];
    h.adapter.onReconnect(() => userSubscribedAtReconnect.push(h.sim.streamCount('user')));
    const a = order(0.2, 'limit', 49_900);
    h.adapter.submit(a);
    await h.adapter.sync();
    await until('ACK', () => eventsOf(h, a.orderId).length === 1);
    h.sim.dropStreams();
    await until('reconnected', () => userSubscribedAtReconnect.length === 1);
    expect(userSubscribedAtReconnect, 'the venue held the user subscription when the adapter said it was back').toEqual([1]);
    // The session's reconciliation ran at that point: an update after it must come over the stream.
    h.sim.trade('BTC-USD', 49_850, 0.5);
    await until('order FILLED over the user stream', () => stateOf(h, a.orderId) === OrderState.FILLED);
    expectMatchesTruth(h);
  });

  test('a sequence_num gap on the user channel (a lost FILLED update) is detected and the order reconciled over REST', async () => {
    const h = await harness();
    const a = order(0.1, 'limit', 49_900);
    h.adapter.submit(a);
    await h.adapter.sync();
    await until('ACK', () => eventsOf(h, a.orderId).length === 1);
    await new Promise((r) => setTimeout(r, 200));
    h.sim.faults.skip = { channel: 'user', count: 1 }; // the FILLED update of `a` never arrives
    h.sim.trade('BTC-USD', 49_800, 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(stateOf(h, a.orderId), 'nothing told the adapter yet').toBe(OrderState.OPEN);
    const b = order(0.1, 'limit', 40_000); // its OPEN update carries the next sequence_num: the gap shows
    h.adapter.submit(b);
    await h.adapter.sync();
    await until('a FILLED through reconciliation', () => stateOf(h, a.orderId) === OrderState.FILLED && fillsOf(h, a.orderId).length === 1);
    expect(h.health.filter((e) => e.stream === 'ws:user' && e.condition === 'gap').map((e) => e.detail)).toEqual([expect.stringMatching(/^sequence_num \d+\.\.\d+ missing; orders reconciled over REST$/)]);
    expectMatchesTruth(h);
  });

  test('held user messages released duplicated and reversed: each fill and the terminal state recorded once, in order', async () => {
    const h = await harness();
    h.sim.faults.holdUser = true;
    const a = order(0.3, 'limit', 49_900);
    h.adapter.submit(a);
    await h.adapter.sync();
    h.sim.trade('BTC-USD', 49_850, 0.1);
    h.sim.trade('BTC-USD', 49_800, 1);
    expect(h.sim.releaseUser({ reverse: true, duplicate: true })).toBe(3);
    await until('FILLED with two fills', () => stateOf(h, a.orderId) === OrderState.FILLED && fillsOf(h, a.orderId).length === 2);
    await h.adapter.sync();
    expect(eventsOf(h, a.orderId).map(kindOf)).toEqual([EventKind.ACK, EventKind.FILL, EventKind.FILL]);
    expectMatchesTruth(h);
  });

  test('a lost order answer: the order is found by client order id, never sent twice', async () => {
    const h = await harness();
    h.sim.faults.dropNextOrderResponse = true;
    const o = order(0.01, 'market');
    h.adapter.submit(o);
    await h.adapter.sync();
    await until('FILLED', () => stateOf(h, o.orderId) === OrderState.FILLED && fillsOf(h, o.orderId).length === 1);
    expect(h.sim.submissions(o.clientOrderId)).toBe(1);
    expectMatchesTruth(h);
  });

  test('a restart: fills the journal holds are not emitted again; missed ones get numbers above its last fill id; an open order of the earlier process fills live once', async () => {
    const first = await harness();
    first.sim.book.marketFillParts = 2;
    const m = order(0.02, 'market');
    const resting = order(0.1, 'limit', 49_000);
    first.adapter.submit(m);
    first.adapter.submit(resting);
    await first.adapter.sync();
    await until('two fills of the market order, the limit acknowledged', () => fillsOf(first, m.orderId).length === 2 && eventsOf(first, resting.orderId).length === 1);
    // The earlier process journaled the first FILL only (killed before the second was journaled).
    const [journaledFill, lostFill] = fillsOf(first, m.orderId);
    expect([journaledFill.b, lostFill.b]).toEqual([1, 2]);
    await first.adapter.close();
    open.splice(open.indexOf(first), 1);
    const journaled: JournaledFills = {
      lastFillId: 1n, lastFillNs: journaledFill.tsExchange, filledByOrder: new Map([[m.clientOrderId, Math.abs(journaledFill.size)]]),
      fillsByOrder: new Map([[m.clientOrderId, [{ fillId: 1n, tsExchange: journaledFill.tsExchange, price: journaledFill.price, qty: Math.abs(journaledFill.size) }]]]), firstOrderNs: journaledFill.tsExchange,
    };
    const h = await harness({ sim: first.sim, journaled });
    const missed = (await h.adapter.fillsSince(1n)).map((bytes) => loadEventRecord(new DataView(bytes.buffer, bytes.byteOffset, 64), 0));
    expect(missed.map((r) => [kindOf(r), r.id, r.b, r.price, r.size, r.a]), 'the one fill the journal lacks, numbered above its last fill id')
      .toEqual([[EventKind.FILL, m.orderId, 2, lostFill.price, lostFill.size, lostFill.a]]);
    expect(await h.adapter.fillsSince(2n), 'asked again: nothing new').toEqual([]);
    const fetched = h.sim.requests.filter((r) => r.path === '/api/v3/brokerage/orders/historical/fills');
    expect(fetched.length, 'fills asked for by time, then the order\'s own fills (matched against its journaled fill)').toBeGreaterThanOrEqual(2);
    // The resting order of the earlier process fills now: one FILL, numbered next, through the user channel and the fills endpoint.
    h.sim.trade('BTC-USD', 48_900, 1);
    await until('the resting order\'s fill', () => fillsOf(h, resting.orderId).length === 1);
    await h.adapter.sync();
    await new Promise((r) => setTimeout(r, 300));
    expect(fillsOf(h, resting.orderId).map((r) => [r.b, r.size, r.price]), 'its fill once, numbered above the last').toEqual([[3, 0.1, 49_000]]);
    expect(fillsOf(h, m.orderId), 'the market order\'s fills: none emitted again live').toEqual([]);
    expect(h.adapter.orderViews().find((v) => v.clientOrderId === resting.clientOrderId)?.state).toBe(OrderState.FILLED);
    expect(h.logs.some((l) => l.includes(`order ${m.clientOrderId}, sent before this process started, tracked again (1 of its fills journaled already)`)), h.logs.join('\n')).toBe(true);
    expect(h.sim.duplicateSubmissions()).toEqual([]);
  });

  test('a restart with more missed fills than one page of the fills endpoint: every one recovered exactly once, the journaled ones (not a prefix) never again', async () => {
    const first = await harness();
    first.sim.fillsPageLimit = 3;
    first.sim.book.marketFillParts = 3;
    const m = order(0.05, 'market');
    const resting = order(0.7, 'limit', 49_000);
    first.adapter.submit(m);
    first.adapter.submit(resting);
    await first.adapter.sync();
    await until('three fills of the market order, the limit acknowledged', () => fillsOf(first, m.orderId).length === 3 && eventsOf(first, resting.orderId).length === 1);
    const mFills = first.records.filter(({ r }) => kindOf(r) === EventKind.FILL && r.id === m.orderId);
    // The earlier process journaled its first and third FILL (not a prefix of the order's fills), then died.
    const journaled = journaledOf([mFills[0].bytes, mFills[2].bytes]);
    expect(journaled.lastFillId).toBe(3n);
    await stop(first);
    // While no process runs, the resting order fills in 7 parts.
    for (let i = 0; i < 7; i++) first.sim.trade('BTC-USD', 48_900, 0.1);
    const h = await harness({ sim: first.sim, journaled });
    const pagesBefore = h.sim.requests.filter((r) => r.path === '/api/v3/brokerage/orders/historical/fills').length;
    const missed = (await h.adapter.fillsSince(3n)).map((bytes) => loadEventRecord(new DataView(bytes.buffer, bytes.byteOffset, 64), 0));
    const pages = h.sim.requests.filter((r) => r.path === '/api/v3/brokerage/orders/historical/fills').length - pagesBefore;
    expect(pages, 'the fills endpoint read page after page (3 fills a page: 10 fills since the journaled ones, plus the market order\'s own)').toBeGreaterThanOrEqual(4);
    const shape = (r: EventRecord) => [r.id, r.price, r.size];
    expect(missed.filter((r) => r.id === m.orderId).map(shape), 'the market order\'s one unjournaled fill').toEqual([shape(mFills[1].r)]);
    expect(missed.filter((r) => r.id === resting.orderId).map(shape), 'the resting order\'s seven fills, once each').toEqual(Array.from({ length: 7 }, () => [resting.orderId, 49_000, 0.1]));
    expect(missed.map((r) => r.b), 'numbered above the journal\'s last fill id').toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
    expect(await h.adapter.fillsSince(11n), 'asked again: nothing new').toEqual([]);
    // Truth: the venue's fills equal the journaled ones plus the recovered ones, trade for trade.
    const truth = (o: VenueOrderRequest) => h.sim.book.orders.find((x) => x.clientOrderId === o.clientOrderId)!.fills.map((f) => `${f.price} x ${f.qty}`).sort();
    const got = (o: VenueOrderRequest, extra: EventRecord[]) => [...missed.filter((r) => r.id === o.orderId), ...extra].map((r) => `${r.price} x ${Math.abs(r.size)}`).sort();
    expect(got(m, [mFills[0].r, mFills[2].r])).toEqual(truth(m));
    expect(got(resting, [])).toEqual(truth(resting));
    expect(h.logs.some((l) => l.includes(`order ${m.clientOrderId}, sent before this process started, tracked again (2 of its fills journaled already)`)), h.logs.join('\n')).toBe(true);
    expect(h.logs.filter((l) => l.includes('match no fill the venue lists')), 'every journaled fill found at the venue').toEqual([]);
    expect(h.sim.duplicateSubmissions()).toEqual([]);
  });

  for (const end of ['canceled', 'expired'] as const) {
    test(`an order of the earlier process that ends ${end} in the next one: its ${end.toUpperCase()} record once (duplicated user messages, a stream drop), no fill again`, async () => {
      const first = await harness();
      const resting = order(0.3, 'limit', 49_000);
      first.adapter.submit(resting);
      await first.adapter.sync();
      first.sim.trade('BTC-USD', 48_900, 0.1);
      await until('a partial fill', () => fillsOf(first, resting.orderId).length === 1);
      const journaled = journaledOf(first.records.filter(({ r }) => kindOf(r) === EventKind.FILL).map(({ bytes }) => bytes));
      await stop(first);
      const h = await harness({ sim: first.sim, journaled });
      h.sim.faults.duplicateUser = true;
      if (end === 'canceled') h.adapter.cancel({ orderId: resting.orderId, clientOrderId: resting.clientOrderId, instrument: 0 });
      else h.sim.expire(resting.clientOrderId);
      const terminal = end === 'canceled' ? EventKind.CANCELED : EventKind.EXPIRED;
      await until(`the ${end} record`, () => eventsOf(h, resting.orderId).some((r) => kindOf(r) === terminal));
      await h.adapter.sync();
      // A dropped user stream: the reconnect reconciles every unsettled order over REST.
      h.sim.dropStreams();
      await until('the user stream back', () => h.adapter.reconnects > 0 && h.sim.streamCount('user') === 1);
      await h.adapter.sync();
      await new Promise((r) => setTimeout(r, 300));
      await h.adapter.sync();
      const events = eventsOf(h, resting.orderId);
      expect(events.map(kindOf), `one ${end.toUpperCase()} record, no ACK or FILL again`).toEqual([terminal]);
      expect(events[0].size, 'the quantity left').toBeCloseTo(0.2, 9);
      expect(h.adapter.orderViews().find((v) => v.clientOrderId === resting.clientOrderId)?.state).toBe(end === 'canceled' ? OrderState.CANCELED : OrderState.EXPIRED);
      expect(h.sim.book.orders.find((o) => o.clientOrderId === resting.clientOrderId)?.status).toBe(end === 'canceled' ? 'CANCELED' : 'EXPIRED');
      expect(h.sim.duplicateSubmissions()).toEqual([]);
    });
  }

  test('the simulator is idempotent on client_order_id as Coinbase is: a repeat answers the first order, creates nothing, and is counted', async () => {
    const h = await harness();
    const params = { client_order_id: 'qf-dup-1', order_configuration: { market_market_ioc: { base_size: '0.01' } } };
    const first = await h.adapter.exchange.createOrder('BTC/USD', 'market', 'buy', 0.01, undefined, params);
    const again = await h.adapter.exchange.createOrder('BTC/USD', 'market', 'buy', 0.01, undefined, params);
    expect(again.id).toBe(first.id);
    expect(h.sim.book.orders.length).toBe(1);
    expect(h.sim.submissions('qf-dup-1')).toBe(2);
    expect(h.sim.duplicateSubmissions()).toEqual(['qf-dup-1']);
  });

  test('a legacy API key signs with HMAC (CB-ACCESS-SIGN); the venue checks it and the order goes through', async () => {
    const h = await harness({ hmac: true });
    const o = order(0.01, 'market');
    h.adapter.submit(o);
    await h.adapter.sync();
    await until('FILLED', () => stateOf(h, o.orderId) === OrderState.FILLED);
    expectMatchesTruth(h);
  });

  test('config: the example live-coinbase.yaml loads with exchange coinbase; an unknown exchange id is refused naming the field and the allowed ids', () => {
    const config = loadConfig({ configFile: 'config/examples/live-coinbase.yaml', env: {} });
    expect([config.live?.exchange, config.live?.instruments[0].symbol, config.live?.credentials]).toEqual(['coinbase', 'BTC/USD', { kind: 'env', keyVar: 'QF_CB_KEY', secretVar: 'QF_CB_SECRET' }]);
    const dir = mkdtempSync(path.join(tmpdir(), 'qf-cb-config-'));
    try {
      const bad = path.join(dir, 'bad.yaml');
      writeFileSync(bad, 'live:\n  adapter: ccxt\n  exchange: kraken\n  instruments:\n    - { symbol: BTC/USD }\n');
      expect(() => loadConfig({ configFile: bad, env: {} })).toThrow(/`live\.exchange` must be one of "binance", "coinbase", was "kraken" \(in .*bad\.yaml line 3\)/);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
