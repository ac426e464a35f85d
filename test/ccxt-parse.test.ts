// Pure parts of adapters/ccxt on recorded fixtures (test/fixtures/ccxt: ccxt's own parse of the
// Binance simulator's frames): records per engine/live's field conventions, the precision guard's
// refusals, gap detection, backoff determinism and redaction.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  Backoff, checkOrderPrecision, fillFactsOf, orderViewOf, Redactor, TradeSequence, writeBarRecord, writeFillRecord, writeTradeRecord, CcxtParseError,
} from '../adapters/ccxt/index.js';
import { EventKind, bitsF64, loadEventRecord } from '../engine/layout/event-record.js';
import { OrderState } from '../engine/orders/index.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/ccxt/binance-spot.json', import.meta.url), 'utf8'));
const view = new DataView(new ArrayBuffer(64));
const LIVE = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;
const rules = { symbol: 'BTC/USDT', amountStep: 0.00001, priceStep: 0.01, minAmount: 0.00001, maxAmount: 9000, minPrice: 0.01, maxPrice: 1_000_000, minNotional: 5 };

describe('ccxt parse (recorded fixtures)', () => {
  test('a ccxt trade becomes a TRADE record: venue time, aggressor, trade id', () => {
    const id = writeTradeRecord(view, 0, fixture.trade, 3, 0n);
    const r = loadEventRecord(view, 0);
    expect(id).toBe(2);
    expect(r).toMatchObject({ kind: EventKind.TRADE | LIVE, instrument: 3, price: 50001, size: 0.5, a: 1, id: 2n, tsExchange: BigInt(fixture.trade.timestamp) * 1_000_000n });
    expect(r.tsLocal, 'tsLocal never below tsExchange').toBe(r.tsExchange);
  });

  test('a ccxt my-trade becomes a FILL with the fee in quote and the venue trade id', () => {
    const facts = fillFactsOf(fixture.myTrade, 'USDT');
    expect(facts.tradeId, 'the venue trade id as sent').toBe(fixture.myTrade.id);
    writeFillRecord(view, 0, facts, Number(facts.tradeId), 42n, 0, -1, BigInt(fixture.myTrade.timestamp + 5) * 1_000_000n);
    const r = loadEventRecord(view, 0);
    expect(r).toMatchObject({ kind: EventKind.FILL | LIVE, price: 50001, size: -0.01, a: 0.50001, b: 3, id: 42n });
  });

  test('an OHLCV row becomes a BAR (open in id bits, tsLocal = close time)', () => {
    writeBarRecord(view, 0, fixture.ohlcv, 0, 60_000);
    const r = loadEventRecord(view, 0);
    expect([r.price, r.size, r.a, r.b, bitsF64(r.id)]).toEqual([fixture.ohlcv[4], fixture.ohlcv[5], fixture.ohlcv[2], fixture.ohlcv[3], fixture.ohlcv[1]]);
    expect(r.tsLocal - r.tsExchange).toBe(60_000n * 1_000_000n);
  });

  test('a ccxt order becomes the venue view with states mapped to the order table', () => {
    expect(orderViewOf(fixture.order, 1n, 'qf-1', 0, 1)).toMatchObject({ state: OrderState.FILLED, qty: 0.01, filled: 0.01, avgPrice: 50001 });
    expect(orderViewOf({ ...fixture.order, status: 'open', filled: 0.004 }, 1n, 'qf-1', 0, 1).state).toBe(OrderState.PARTIALLY_FILLED);
    expect(orderViewOf({ ...fixture.order, status: 'canceled', filled: 0 }, 1n, 'qf-1', 0, 1).state).toBe(OrderState.CANCELED);
  });

  test('bad input is refused naming the field, the value and the rule', () => {
    expect(() => writeTradeRecord(view, 0, { ...fixture.trade, price: -1 }, 0, 0n)).toThrow(new CcxtParseError('trade.price', -1, 'must be a finite number > 0'));
    expect(() => writeTradeRecord(view, 0, { ...fixture.trade, id: 'abc' }, 0, 0n)).toThrow(/`trade.id` must be a decimal venue id >= 1, was "abc"/);
    expect(() => orderViewOf({ ...fixture.order, filled: 1 }, 1n, 'qf-1', 0, 1)).toThrow(/`order.filled` must be <= the order amount/);
  });
});

describe('precision guard', () => {
  test('passes a valid order with wire strings', () => {
    expect(checkOrderPrecision(rules, 0.01, 50000.5, null)).toEqual({ ok: true, amount: '0.01000', price: '50000.50' });
  });
  test.each([
    [0.000015, 50000, 'lot size', /multiple of the lot size 0.00001, was 0.000015/],
    [0.01, 50000.005, 'tick size', /multiple of the tick size 0.01, was 50000.005/],
    [0.00001, 100, 'min notional', /notional \(amount 0.00001 x price 100 = 0.001\) must be >= the minimum notional 5/],
    [10000, 1, 'max amount', /<= the maximum amount 9000, was 10000/],
  ])('refuses amount %s at %s: %s', (amount, price, rule, reason) => {
    const check = checkOrderPrecision(rules, amount, price, null);
    expect(check.ok).toBe(false);
    if (!check.ok) { expect(check.rule).toBe(rule); expect(check.reason).toMatch(reason); }
  });
  test('a market order is priced at the reference price for min notional', () => {
    expect(checkOrderPrecision(rules, 0.00005, null, 50000).ok).toBe(false);
    expect(checkOrderPrecision(rules, 0.0002, null, 50000).ok).toBe(true);
  });
});

describe('streams', () => {
  test('trade sequence: next, repeat, gap with the missing range', () => {
    const s = new TradeSequence();
    expect([s.accept(5), s.accept(6), s.accept(6), s.accept(9)]).toEqual([{ kind: 'next' }, { kind: 'next' }, { kind: 'repeat' }, { kind: 'gap', from: 7, to: 8 }]);
  });
  test('backoff: same seed, same delays; exponential within [ceiling/2, ceiling], capped', () => {
    const a = new Backoff({ initialMs: 100, maxMs: 1000, seed: 3 }), b = new Backoff({ initialMs: 100, maxMs: 1000, seed: 3 });
    const da = Array.from({ length: 6 }, () => a.next()), db = Array.from({ length: 6 }, () => b.next());
    expect(da).toEqual(db);
    da.forEach((d, i) => { const c = Math.min(1000, 100 * 2 ** i); expect(d).toBeGreaterThanOrEqual(c / 2); expect(d).toBeLessThanOrEqual(c); });
  });
  test('redaction removes secrets, signatures and API-key headers from log lines', () => {
    const r = new Redactor(['my-api-key-123', 'topsecret/+=']);
    expect(r.redact('POST /order?a=1&signature=ab12cd {"X-MBX-APIKEY":"my-api-key-123"} secret topsecret%2F%2B%3D'))
      .toBe('POST /order?a=1&signature=*** {"X-MBX-APIKEY":"***"} secret ***');
  });
});
