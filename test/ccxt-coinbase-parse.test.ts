// Coinbase Advanced Trade messages -> ccxt's unified objects -> the adapter's pure functions, on
// fixtures: *.recorded.json were recorded from what ccxt sent and received against the local
// simulator (test/fixtures/coinbase/record-fixtures.ts); documented.json holds Coinbase's message
// examples as quoted in ccxt's source. ccxt parses offline here (no network): markets come from
// the recorded products answer.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ccxt from 'ccxt';
import { describe, expect, test } from 'vitest';
import {
  CcxtParseError, checkOrderPrecision, Redactor, coinbaseProfile, fillFactsOf, FillIds, byTimeThenTradeId, marketRulesOf, OrderTracker, SequenceWatch, userOrdersOf, VenueIdTable,
  writeQuoteRecord, writeTradeRecord, type CcxtOrder, type CcxtTrade, type StreamGap,
} from '../adapters/ccxt/index.js';
import { EventKind, KIND_MASK, loadEventRecord, type EventRecord } from '../engine/layout/event-record.js';
import { clientOrderIdOf } from '../engine/live/index.js';
import { OrderState, OrderType, TimeInForce } from '../engine/orders/index.js';

const dir = path.resolve(import.meta.dirname, 'fixtures', 'coinbase');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const fixture = (name: string): any => JSON.parse(readFileSync(path.join(dir, name), 'utf8'));

/** An offline ccxt coinbase with the recorded products as its markets. */
function offlineCoinbase() {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const ex: any = new (ccxt.pro as any).coinbase({});
  const products = fixture('rest-products.recorded.json').response.products;
  ex.setMarkets(products.map((p: unknown) => ex.parseSpotMarket(p, { taker_fee_rate: '0.001', maker_fee_rate: '0.001' })));
  return ex;
}

const record = (write: (v: DataView, at: number) => void): EventRecord => {
  const view = new DataView(new ArrayBuffer(64));
  write(view, 0);
  return loadEventRecord(view, 0);
};

describe('Coinbase fixtures through ccxt and the adapter\'s parse functions', () => {
  test('products: base_increment, quote_increment and the min sizes become the precision guard\'s rules', () => {
    const ex = offlineCoinbase();
    const rules = marketRulesOf(ex.markets['ETH/USD']);
    expect(rules).toMatchObject({ symbol: 'ETH/USD', amountStep: 0.0001, priceStep: 0.01, minAmount: 0.001, minNotional: 1 });
    expect(checkOrderPrecision(rules, 0.00015, 2900, null)).toEqual({ ok: false, rule: 'lot size', reason: 'ETH/USD: `amount` must be a multiple of the lot size 0.0001, was 0.00015' });
    expect(checkOrderPrecision(rules, 0.0005, 2900, null)).toMatchObject({ ok: false, rule: 'min amount' });
    expect(checkOrderPrecision(rules, 0.001, 900, null)).toMatchObject({ ok: false, rule: 'min notional' });
    expect(checkOrderPrecision(rules, 0.01, 2900.1, null)).toEqual({ ok: true, amount: '0.0100', price: '2900.10' });
  });

  test('createOrder as ccxt sent it: our client order id, market orders in base_size, limits GTC; the answer\'s UUID becomes a decimal id', () => {
    const sent = fixture('rest-create-order.recorded.json');
    expect(sent.map((r: { request: unknown }) => r.request)).toEqual([
      { client_order_id: clientOrderIdOf(1n), product_id: 'BTC-USD', side: 'BUY', order_configuration: { market_market_ioc: { base_size: '0.02000000' } } },
      { client_order_id: clientOrderIdOf(2n), product_id: 'BTC-USD', side: 'BUY', order_configuration: { limit_limit_gtc: { base_size: '0.3', limit_price: '49900', post_only: false } } },
      { client_order_id: clientOrderIdOf(3n), product_id: 'BTC-USD', side: 'SELL', order_configuration: { limit_limit_gtc: { base_size: '0.1', limit_price: '51000', post_only: false } } },
    ]);
    const profile = coinbaseProfile();
    expect(profile.orderParams('qf-9', 'market', 'buy', '0.5', 'GTC')).toEqual({ client_order_id: 'qf-9', order_configuration: { market_market_ioc: { base_size: '0.5' } } });
    const ex = offlineCoinbase();
    const answer: CcxtOrder = ex.parseOrder(sent[0].response.success_response);
    expect([answer.id, answer.clientOrderId, answer.symbol, answer.side]).toEqual(['00000000-0000-4000-8000-0000000003e8', 'qf-1', 'BTC/USD', 'buy']);
    const ids = new VenueIdTable();
    const normalized = ids.order(answer);
    expect(normalized.id).toBe('1000000000000');
    expect(ids.venue('1000000000000')).toBe(answer.id);
    expect(ids.decimal('12345'), 'decimal ids pass through').toBe('12345');
  });

  test('order endpoint: CANCELLED maps to canceled; fills carry a string trade id, order UUID, fee in USD and maker/taker', () => {
    const ex = offlineCoinbase();
    const orders = fixture('rest-order.recorded.json').map((r: { response: { order: unknown } }) => ex.parseOrder(r.response.order));
    const byClient = new Map<string, CcxtOrder>(orders.map((o: CcxtOrder) => [o.clientOrderId, o]));
    expect(byClient.get('qf-3')).toMatchObject({ status: 'canceled', filled: 0, amount: 0.1, price: 51_000, side: 'sell' });
    const fills: CcxtTrade[] = fixture('rest-fills.recorded.json').flatMap((r: { response: { fills: unknown[] } }) => r.response.fills.map((f) => ex.parseTrade(f)));
    // Keep each trade id once (a fills answer may repeat trades an earlier one gave).
    const facts = [...new Map(fills.map((t) => [t.id, fillFactsOf(new VenueIdTable().trade(t), 'USD')])).values()];
    expect(facts.length, 'three distinct fills').toBe(3);
    expect(facts.every((f) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(f.tradeId)), `trade ids are UUID-like strings, kept as sent: ${facts.map((f) => f.tradeId)}`).toBe(true);
    expect(fills.every((t) => /^00000000-0000-4000-8000-/.test(t.order!)), 'fills name their order by UUID').toBe(true);
    const market = facts.filter((f) => f.price === 50_020);
    expect(market.map((f) => [f.price, f.amount, f.fee, f.maker])).toEqual([[50_020, 0.01, 0.5002, false], [50_020, 0.01, 0.5002, false]]);
    const maker = facts.find((f) => f.price === 49_900)!;
    expect([maker.amount, maker.maker, maker.fee]).toEqual([0.1, true, 4.99]);
  });

  test('user channel updates (recorded) through the order tracker: ACK, then the terminal state waits for its fills', () => {
    const ex = offlineCoinbase();
    const ids = new VenueIdTable();
    const out: EventRecord[] = [];
    // Coinbase's string trade ids get numbers above the journal's last fill id (41 here).
    const tracker = new OrderTracker((write) => out.push(record(write)), new FillIds('assigned', 41));
    tracker.submitted({ orderId: 1n, clientOrderId: clientOrderIdOf(1n), instrument: 0, qty: 0.02, orderType: OrderType.MARKET, timeInForce: TimeInForce.GTC, limitPrice: 0, stopPrice: 0, flags: 0, decisionNs: 0n });
    const updates = fixture('ws-user.recorded.json').flatMap((m: unknown) => userOrdersOf(m)).map((o: unknown) => ids.order(ex.parseWsOrder(o) as CcxtOrder));
    const mine = updates.filter((o: CcxtOrder) => o.clientOrderId === 'qf-1');
    expect(mine.map((o: CcxtOrder) => [o.status, o.filled])).toEqual([['open', 0], ['open', 0.01], ['closed', 0.02]]);
    for (const o of mine) tracker.order(o, 0n);
    expect(out.map((r) => r.kind & KIND_MASK)).toEqual([EventKind.ACK]);
    expect(tracker.missingFills(), 'the user channel says 0.02 filled, no fill seen yet: a REST backfill is due').toEqual([{ clientOrderId: 'qf-1', instrument: 0, venueOrderId: 1_000_000_000_000 }]);
    const fills: CcxtTrade[] = fixture('rest-fills.recorded.json')[0].response.fills.map((f: unknown) => ids.trade(ex.parseTrade(f)));
    for (const f of [...fills, ...fills]) tracker.fill(fillFactsOf(f, 'USD'), 0n);
    expect(out.map((r) => r.kind & KIND_MASK), 'each fill once, duplicates dropped').toEqual([EventKind.ACK, EventKind.FILL, EventKind.FILL]);
    expect(out.slice(1).map((r) => r.b), 'fill ids assigned above the journal\'s last, in arrival order').toEqual([42, 43]);
    expect(tracker.lastFillId).toBe(43);
    expect(tracker.view('qf-1')!.state).toBe(OrderState.FILLED);
  });

  test('fill ids: assigned numbers are dense from the last journaled one and stable per trade id; decimal ids pass through; a non-decimal id is refused in venue mode', () => {
    const assigned = new FillIds('assigned', 7);
    expect(['b-uuid', 'a-uuid', 'b-uuid', 'c-uuid'].map((id) => assigned.of(id))).toEqual([8, 9, 8, 10]);
    expect([assigned.last, assigned.peek('a-uuid'), assigned.peek('d-uuid')]).toEqual([10, 9, undefined]);
    const venue = new FillIds('venue');
    expect([venue.of('12'), venue.of('5'), venue.last]).toEqual([12, 5, 12]);
    expect(() => venue.of('f4ae4d82-3556-47de-8974-2345a6b39b0a')).toThrow('`trade.id` must be a decimal venue id >= 1, was "f4ae4d82-3556-47de-8974-2345a6b39b0a"');
    expect(() => new FillIds('assigned', -1)).toThrow(RangeError);
  });

  test('fills of an order sort by time, then trade id (decimal ids by value, others as text)', () => {
    const f = (tradeId: string, ms: number, amount: number) => ({ tradeId, tsExchange: BigInt(ms) * 1_000_000n, amount });
    const sorted = [f('z', 2, 0.02), f('b', 1, 0.01), f('a', 1, 0.01), f('c', 3, 0.005)].sort(byTimeThenTradeId);
    expect(sorted.map((x) => x.tradeId)).toEqual(['a', 'b', 'z', 'c']);
    expect([f('100', 1, 1), f('99', 1, 1), f('98', 1, 1)].sort(byTimeThenTradeId).map((x) => x.tradeId), 'decimal trade ids by value').toEqual(['98', '99', '100']);
  });

  test('market_trades and ticker (recorded) become TRADE and QUOTE records', () => {
    const ex = offlineCoinbase();
    const trades: CcxtTrade[] = fixture('ws-market-trades.recorded.json').flatMap((m: { events: { trades: unknown[] }[] }) => m.events.flatMap((e) => e.trades.map((t) => ex.parseTrade(t))));
    const recs = trades.map((t) => record((v, at) => writeTradeRecord(v, at, t, 0, 0n)));
    expect(recs.slice(0, 2).map((r) => [r.price, r.size, Number(r.id), r.a])).toEqual([[50_010, 0.5, 2, 1], [50_020, 0.25, 3, 1]]);
    expect(recs[0].tsExchange).toBe(BigInt(Date.UTC(2026, 0, 5, 14, 0, 1)) * 1_000_000n);
    const message = fixture('ws-ticker.recorded.json')[0];
    const ticker = { ...ex.parseWsTicker(message.events[0].tickers[0]), timestamp: ex.parse8601(message.timestamp) };
    const quote = record((v, at) => writeQuoteRecord(v, at, ticker, 0, 0n));
    expect([quote.a, quote.b, quote.size]).toEqual([50_009.99, 50_010.01, 1]);
  });

  test('documented messages: a snapshot order parses as open; trade id "000000000" is refused naming the field; a DOGE ticker quotes', () => {
    const ex = offlineCoinbase();
    const doc = fixture('documented.json');
    const [order] = userOrdersOf(doc.user).map((o) => ex.parseWsOrder(o) as CcxtOrder);
    expect([order.id, order.clientOrderId, order.status, order.filled, order.side]).toEqual(['XXX', 'YYY', 'open', 0, 'buy']);
    expect(new VenueIdTable().order(order).id, 'a non-decimal order id gets a decimal id').toBe('1000000000000');
    const trade: CcxtTrade = ex.parseTrade(doc.market_trades.events[0].trades[0]);
    expect(() => record((v, at) => writeTradeRecord(v, at, trade, 0, 0n))).toThrow(CcxtParseError);
    expect(() => record((v, at) => writeTradeRecord(v, at, trade, 0, 0n))).toThrow('`trade.id` must be a decimal venue id >= 1, was "000000000"');
    const t = doc.ticker_batch;
    const ticker = { ...ex.parseWsTicker(t.events[0].tickers[0]), timestamp: ex.parse8601(t.timestamp) };
    const quote = record((v, at) => writeQuoteRecord(v, at, ticker, 0, 0n));
    expect([quote.a, quote.b, quote.size]).toEqual([0.07989, 0.08308, 500]);
    expect(quote.tsExchange).toBe(BigInt(Date.UTC(2023, 2, 1, 12, 15, 18, 382)) * 1_000_000n);
  });

  test('sequence_num per connection: the recorded stream has no gap; one message removed is reported as its range', () => {
    const all = ['ws-market-trades', 'ws-ticker', 'ws-user'].flatMap((n) => fixture(`${n}.recorded.json`)).sort((a, b) => a.sequence_num - b.sequence_num);
    const gaps: StreamGap[] = [];
    const watch = new SequenceWatch((g) => gaps.push(g));
    const client = {};
    // The fixtures keep the data channels only (not the "subscriptions" acknowledgements), so the expected gaps are those acknowledgements' numbers.
    for (const m of all) watch.observe(client, m);
    const expectedGaps: StreamGap[] = [];
    for (let i = 1; i < all.length; i++) if (all[i].sequence_num > all[i - 1].sequence_num + 1) expectedGaps.push({ channel: all[i].channel, from: all[i - 1].sequence_num + 1, to: all[i].sequence_num - 1 });
    expect(gaps).toEqual(expectedGaps);
    const removed = all[3];
    const gaps2: StreamGap[] = [];
    const watch2 = new SequenceWatch((g) => gaps2.push(g));
    const client2 = {};
    for (const m of all) if (m !== removed) watch2.observe(client2, m);
    expect(gaps2).toContainEqual({ channel: all[4].channel, from: removed.sequence_num, to: all[4].sequence_num - 1 });
    expect(gaps2.length).toBe(expectedGaps.length + 1);
  });

  test('redaction: the CDP private key, a Bearer JWT and CB-ACCESS-* header values never reach a log line', () => {
    const pem = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIabc\n-----END EC PRIVATE KEY-----\n';
    const r = new Redactor(['organizations/o/apiKeys/k', pem]);
    expect(r.redact(`key ${pem} used`)).toBe('key *** used');
    expect(r.redact('{"Authorization":"Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJrIn0.sig-_x"}')).toBe('{"Authorization":"Bearer ***"}');
    expect(r.redact('{"CB-ACCESS-KEY":"abc","CB-ACCESS-SIGN":"0a1b"}')).toBe('{"CB-ACCESS-KEY":"***","CB-ACCESS-SIGN":"***"}');
    expect(r.redact('sub organizations/o/apiKeys/k')).toBe('sub ***');
  });
});
