// A strategy's close is sent reduce-only (wasm/assembly/pipeline/order-stage.ts), but it is not
// an exit rule's order: while an order of the instrument is UNCERTAIN it is refused like an
// opening order (on a venue with no reduce-only, Binance spot, it is a plain sell, and a second
// close sent while the first one's fate is unknown sells past flat), and it is held to the price
// band (it is priced at the market, so one far from the mark is a bad price). Exit rules' orders
// (stops, profit tiers) keep both exemptions, and so does the strategy's close while the kill
// switch is halted (its flatten goes at once). Run on the compiled core and on the TS reference.
import { beforeEach, describe, expect, it } from 'vitest';
import { OrderFlag, OrderState, OrderType, type OrderManager, type PlaceResult } from '../engine/orders/index.js';
import { ReferenceOrderTable } from '../engine/orders/reference/index.js';
import { ReferenceRiskEngine, RiskReason, type PreTradeRisk } from '../engine/risk/index.js';
import { createOrderCore, drain, MS, resetOrderCore, setUpRisk, START_NS, TABLE, venue } from './orders-fixture.js';

const T = (ms: number) => START_NS + BigInt(ms) * MS;
const RULE_STRATEGY = 0;
const RULE_STOP = 1;
const RULE_TARGET = 4;
const { REDUCE_ONLY } = OrderFlag;

interface Subject {
  orders: OrderManager;
  risk: PreTradeRisk;
  settle(): void;
}

const core = createOrderCore();
const subjects: [string, () => Subject][] = [
  ['core', () => {
    resetOrderCore(core);
    return { orders: core.orders, risk: core.risk, settle: () => drain(core.consumer) };
  }],
  ['TS reference', () => {
    const risk = new ReferenceRiskEngine();
    setUpRisk(risk);
    const orders = new ReferenceOrderTable(risk);
    orders.configure(TABLE);
    return { orders, risk, settle: () => undefined };
  }],
];

describe.each(subjects)('a strategy\'s reduce-only close (%s)', (_name, make) => {
  let s: Subject;
  beforeEach(() => {
    s = make();
  });

  const place = (qty: number, ms: number, extra: { flags?: number; rule?: number; orderType?: number; limitPrice?: number; stopPrice?: number } = {}): PlaceResult => {
    const result = s.orders.place({ instrument: 0, nowNs: T(ms), qty, ...extra });
    s.settle();
    return result;
  };

  /** Long 10 at 100, then a strategy close of 4 sent and timed out: UNCERTAIN. */
  const longWithUncertainClose = (): { now: number; lost: bigint } => {
    const entry = place(10, 0);
    s.orders.applyVenueEvent(venue.ack(entry.orderId, T(1)));
    s.orders.applyVenueEvent(venue.fill(entry.orderId, T(2), { qty: 10, price: 100, fillId: 1 }));
    s.settle();
    const close = place(-4, 100, { flags: REDUCE_ONLY, rule: RULE_STRATEGY });
    expect(close.outcome, 'the first close goes').toBe('sent');
    s.orders.timer(T(100) + TABLE.ackTimeoutNs);
    s.settle();
    expect(s.orders.order(close.orderId)?.state).toBe(OrderState.UNCERTAIN);
    return { now: 100 + Number(TABLE.ackTimeoutNs / MS) + 1, lost: close.orderId };
  };

  it('is refused (ORDER_UNCERTAIN) while another close on the instrument is UNCERTAIN; an exit rule\'s stop still goes', () => {
    const { now, lost } = longWithUncertainClose();
    const second = place(-6, now, { flags: REDUCE_ONLY, rule: RULE_STRATEGY });
    expect(second.outcome, 'a second close while the first one\'s fate is unknown could sell past flat').toBe('refused');
    expect(second.records).toEqual([
      { record: 'risk', instrument: 0, tsNs: T(now), clockNs: T(now), price: 100, qty: -6, reason: RiskReason.ORDER_UNCERTAIN, limit: 0, orderId: 0n },
    ]);
    const stop = place(-6, now + 1, { flags: REDUCE_ONLY, rule: RULE_STOP, orderType: OrderType.STOP, stopPrice: 95 });
    expect(stop.outcome, 'an exit rule\'s reduce-only stop is not blocked').toBe('sent');
    s.orders.applyVenueEvent(venue.ack(lost, T(now + 2)));
    s.settle();
    expect(place(-6, now + 3, { flags: REDUCE_ONLY, rule: RULE_STRATEGY }).outcome, 'resolved: the close goes').toBe('sent');
  });

  it('is not blocked while the kill switch is halted: the flat target\'s close goes at once', () => {
    const { now } = longWithUncertainClose();
    s.risk.restoreHalted(true);
    expect(place(-6, now, { flags: REDUCE_ONLY, rule: RULE_STRATEGY }).outcome).toBe('sent');
  });

  it('is held to the price band (10%): a sell limit at 80 against a mark of 100 is refused PRICE_BAND; a profit tier at 130 goes', () => {
    const entry = place(10, 0);
    s.orders.applyVenueEvent(venue.ack(entry.orderId, T(1)));
    s.orders.applyVenueEvent(venue.fill(entry.orderId, T(2), { qty: 10, price: 100, fillId: 1 }));
    s.settle();
    const close = place(-10, 10, { flags: REDUCE_ONLY, rule: RULE_STRATEGY, orderType: OrderType.LIMIT, limitPrice: 80 });
    expect(close.records).toEqual([
      { record: 'risk', instrument: 0, tsNs: T(10), clockNs: T(10), price: 80, qty: -10, reason: RiskReason.PRICE_BAND, limit: 100, orderId: 0n },
    ]);
    const tier = place(-5, 11, { flags: REDUCE_ONLY, rule: RULE_TARGET, orderType: OrderType.LIMIT, limitPrice: 130 });
    expect(tier.outcome, 'an exit rule\'s profit tier lies away from the market by design').toBe('sent');
    expect(place(-5, 12, { flags: REDUCE_ONLY, rule: RULE_STRATEGY, orderType: OrderType.LIMIT, limitPrice: 99.9 }).outcome, 'a close at the market goes').toBe('sent');
  });

  it('adds to a working close by a replace only when no order of the instrument is UNCERTAIN', () => {
    const entry = place(10, 0);
    s.orders.applyVenueEvent(venue.ack(entry.orderId, T(1)));
    s.orders.applyVenueEvent(venue.fill(entry.orderId, T(2), { qty: 10, price: 100, fillId: 1 }));
    const close = place(-3, 10, { flags: REDUCE_ONLY, rule: RULE_STRATEGY, orderType: OrderType.LIMIT, limitPrice: 101 });
    s.orders.applyVenueEvent(venue.ack(close.orderId, T(11)));
    const lost = place(-2, 20, { flags: REDUCE_ONLY, rule: RULE_STOP, orderType: OrderType.STOP, stopPrice: 95 });
    s.orders.timer(T(20) + TABLE.ackTimeoutNs);
    s.settle();
    expect(s.orders.order(lost.orderId)?.state).toBe(OrderState.UNCERTAIN);
    const now = 20 + Number(TABLE.ackTimeoutNs / MS) + 1;
    const more = s.orders.replace({ orderId: close.orderId, nowNs: T(now), qty: -8, limitPrice: 101, stopPrice: 0, rule: RULE_STRATEGY });
    s.settle();
    expect(more.outcome).toBe('refused');
    expect(more.records).toEqual([
      { record: 'risk', instrument: 0, tsNs: T(now), clockNs: T(now), price: 101, qty: -5, reason: RiskReason.ORDER_UNCERTAIN, limit: 0, orderId: 0n },
    ]);
  });
});
