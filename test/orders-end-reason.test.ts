// Why an order ended, as the order table keeps it: the venue's reason code of the CANCELED,
// REJECT or EXPIRED that ended the order (its slot's endReason), 'requested' for a held order
// the core canceled itself, 'reconciled' for one the venue's order status closed, and the
// header's counts of ended orders by reason, in the compiled core and the TS reference alike.
// The names are those the state server's orders topic gives the same venue codes.
import { describe, expect, it } from 'vitest';
import { EVENT_BYTES, EventKind, storeEventRecord } from '../engine/layout/event-record.js';
import { inboundVenueReply, REJECT_LOST_BEFORE_VENUE, REJECT_WITHHELD_BY_KILL_SWITCH } from '../engine/live/index.js';
import * as V from '../engine/venue/venue-layout.js';
import { RejectReason as SimVenueReject } from '../adapters/sim-venue/common/protocol.js';
import { CancelReason as CcxtCancel, RejectReason as CcxtReject } from '../adapters/ccxt/common/consts.js';
import { CancelReason as IbCancel, RejectReason as IbReject } from '../adapters/ib/common/enums.js';
import {
  endReasonCounts, HIGHER_CODES_REASON, OrderFlag, OrderLayout as L, OrderRule, OrderState, OrderType, orderEndReasonName, type OrderManager, type OrderSlotState,
} from '../engine/orders/index.js';
import { ReferenceOrderTable } from '../engine/orders/reference/index.js';
import { ReferenceRiskEngine } from '../engine/risk/index.js';
import { createOrderCore, drain, MS, resetOrderCore, setUpRisk, START_NS, TABLE, venue } from './orders-fixture.js';

const T = (ms: number) => START_NS + BigInt(ms) * MS;

/** Ends one order each way the table knows on `orders` and returns each order's slot after it. */
function endOrders(orders: OrderManager, settle: () => void) {
  const place = (qty: number, extra: Partial<Parameters<OrderManager['place']>[0]> = {}) => {
    const { orderId } = orders.place({ instrument: 0, nowNs: T(1), qty, ...extra });
    settle();
    return orderId;
  };
  const unfilled = place(2);
  orders.applyVenueEvent(venue.ack(unfilled, T(2)));
  orders.applyVenueEvent(venue.fill(unfilled, T(3), { qty: 1, price: 100, fillId: 1 }));
  orders.applyVenueEvent(venue.canceled(unfilled, T(4), { qty: 1, reason: 1 }));
  const full = place(3);
  orders.applyVenueEvent(venue.reject(full, T(5), { qty: 3, reason: 4 }));
  const lost = place(4);
  orders.applyVenueEvent(venue.reject(lost, T(6), { qty: 4, reason: 900 }));
  const postOnly = place(5, { orderType: OrderType.LIMIT, limitPrice: 99 });
  orders.applyVenueEvent(venue.ack(postOnly, T(7)));
  orders.applyVenueEvent(venue.expired(postOnly, T(8), { qty: 5, reason: 1 }));
  const held = place(-2, { orderType: OrderType.TRAILING_STOP, flags: OrderFlag.REDUCE_ONLY, trailOffset: 1, referencePrice: 100, rule: OrderRule.TRAILING_STOP });
  orders.cancel(held, T(9));
  settle();
  const reconciled = place(6);
  orders.applyVenueEvent(venue.ack(reconciled, T(10)));
  orders.applyVenueEvent(venue.status(reconciled, T(11), { state: OrderState.CANCELED, filled: 0, qty: 6 }));
  const filled = place(2);
  orders.applyVenueEvent(venue.fill(filled, T(12), { qty: 2, price: 100, fillId: 2 }));
  const refusedCancel = place(2);
  orders.applyVenueEvent(venue.ack(refusedCancel, T(13)));
  orders.cancel(refusedCancel, T(14));
  settle();
  orders.applyVenueEvent(venue.reject(refusedCancel, T(15), { of: 1, reason: 3 }));
  settle();
  const ids = { unfilled, full, lost, postOnly, held, reconciled, filled, refusedCancel };
  return Object.fromEntries(Object.entries(ids).map(([name, id]) => [name, orders.order(id)!])) as Record<keyof typeof ids, OrderSlotState>;
}

const reasonOf = (o: OrderSlotState) => orderEndReasonName(o.state, o.endReason);

describe('order table: why an order ended', () => {
  const c = createOrderCore();

  it('keeps the venue reason of each CANCELED, REJECT and EXPIRED that ended an order, and names it', () => {
    resetOrderCore(c, { ...TABLE, capacity: 16 });
    const o = endOrders(c.orders, () => drain(c.consumer));
    expect(o.unfilled, 'an IOC remainder canceled after a partial fill').toMatchObject({ state: OrderState.CANCELED, endReason: 2 });
    expect(reasonOf(o.unfilled)).toBe('unfilled');
    expect([o.full.state, reasonOf(o.full)], 'a reject for a full book').toEqual([OrderState.REJECTED, 'full']);
    expect([o.postOnly.state, reasonOf(o.postOnly)], 'a post-only that would have taken liquidity').toEqual([OrderState.EXPIRED, 'post-only-would-take']);
    expect([o.held.state, reasonOf(o.held)], 'a held trailing stop the core canceled itself').toEqual([OrderState.CANCELED, 'requested']);
    expect([o.reconciled.state, o.reconciled.endReason, reasonOf(o.reconciled)], 'an order the venue\'s order status closed').toEqual([OrderState.CANCELED, L.END_REASON_VENUE_STATUS, 'reconciled']);
    expect([o.filled.state, o.filled.endReason, reasonOf(o.filled)], 'a filled order has no end reason').toEqual([OrderState.FILLED, 0, null]);
    expect([o.refusedCancel.state, o.refusedCancel.endReason], 'a refused cancel leaves the order working, no end reason').toEqual([OrderState.OPEN, 0]);
    expect(o.lost.endReason, 'a live adapter\'s own code (reconciliation\'s lost-before-venue, 900) is kept as is').toBe(901);
    expect(reasonOf(o.lost), 'and named as reconciliation means it').toBe('lost-before-venue');
  });

  it('counts ended orders by reason in the header, the TS reference as the core', () => {
    resetOrderCore(c, { ...TABLE, capacity: 16 });
    const coreOrders = endOrders(c.orders, () => drain(c.consumer));
    const risk = new ReferenceRiskEngine();
    setUpRisk(risk);
    const reference = new ReferenceOrderTable(risk);
    reference.configure({ ...TABLE, capacity: 16 });
    const referenceOrders = endOrders(reference, () => {});
    const counters = c.orders.counters();
    expect(endReasonCounts(counters.endReasons), 'ended orders by reason').toEqual({
      canceled: { requested: 1, unfilled: 1, reconciled: 1 },
      rejected: { full: 1, [HIGHER_CODES_REASON]: 1 },
      expired: { 'post-only-would-take': 1 },
    });
    expect(counters, 'the reasons add up to the ended-order counters').toMatchObject({ canceled: 3, rejected: 2, expired: 1 });
    expect(reference.counters().endReasons, 'the reference counts the same buckets').toEqual(counters.endReasons);
    expect(Object.values(referenceOrders).map((o) => o.endReason), 'the reference keeps the same reasons').toEqual(Object.values(coreOrders).map((o) => o.endReason));
  });

  it('names every reason code as the orders topic names the same venue code', () => {
    const record = new Uint8Array(EVENT_BYTES);
    const view = new DataView(record.buffer);
    const kinds = [[EventKind.CANCELED, OrderState.CANCELED], [EventKind.REJECT, OrderState.REJECTED], [EventKind.EXPIRED, OrderState.EXPIRED]] as const;
    for (const [kind, state] of kinds) {
      for (const code of [0, 1, 2, 3, 4, 5, 7, 8, 900]) {
        storeEventRecord(view, 0, { kind: kind | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND, instrument: 0, tsExchange: 1n, tsLocal: 1n, price: 0, size: 1, a: code, b: 0, id: 1n });
        const reply = inboundVenueReply(record);
        expect(orderEndReasonName(state, code + 1), `state ${state}, venue code ${code}`).toBe(reply && 'reason' in reply ? reply.reason : undefined);
      }
    }
  });

  it('names every reason code the engine produces as what it means, and any other code by its number', () => {
    const record = new Uint8Array(EVENT_BYTES);
    const view = new DataView(record.buffer);
    const names = (kind: number, state: number, code: number) => {
      storeEventRecord(view, 0, { kind: kind | EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND, instrument: 0, tsExchange: 1n, tsLocal: 1n, price: 0, size: 1, a: code, b: 0, id: 1n });
      const reply = inboundVenueReply(record);
      return { table: orderEndReasonName(state, code + 1), topic: reply && 'reason' in reply ? reply.reason : undefined };
    };
    const reject = (code: number) => names(EventKind.REJECT, OrderState.REJECTED, code);
    const cancel = (code: number) => names(EventKind.CANCELED, OrderState.CANCELED, code);
    const expiry = (code: number) => names(EventKind.EXPIRED, OrderState.EXPIRED, code);
    const both = (name: string) => ({ table: name, topic: name });
    expect(reject(SimVenueReject.DUPLICATE_CLIENT_ORDER_ID), 'the sim-venue server\'s duplicate client order id (5)').toEqual(both('duplicate-client-order-id'));
    expect(reject(REJECT_LOST_BEFORE_VENUE), 'reconciliation\'s order that never reached the venue (900)').toEqual(both('lost-before-venue'));
    expect(reject(REJECT_WITHHELD_BY_KILL_SWITCH), 'the live session\'s order withheld after a kill-switch trip (901)').toEqual(both('withheld-by-kill-switch'));
    expect(reject(902), 'a reject code no one produces, by its number').toEqual(both('code 902'));
    expect(reject(0), 'reject code 0 (none) is no reason').toEqual(both('code 0'));
    expect(cancel(3), 'a cancel code no one produces').toEqual(both('code 3'));
    expect(expiry(2), 'an expiry code no one produces').toEqual(both('code 2'));
    expect(expiry(900), 'reconciliation\'s reject code on an EXPIRED is not a reason of expiry').toEqual(both('code 900'));
    const produced = {
      reject: [V.VENUE_REJECT_INVALID, V.VENUE_REJECT_POST_ONLY, V.VENUE_REJECT_UNKNOWN_ORDER, V.VENUE_REJECT_FULL, ...Object.values(SimVenueReject), ...Object.values(CcxtReject), ...Object.values(IbReject), REJECT_LOST_BEFORE_VENUE, REJECT_WITHHELD_BY_KILL_SWITCH],
      cancel: [V.VENUE_CANCELED_REQUESTED, V.VENUE_CANCELED_UNFILLED, V.VENUE_CANCELED_REDUCE_ONLY, ...Object.values(CcxtCancel), ...Object.values(IbCancel)],
      expiry: [V.VENUE_EXPIRED_TIME_IN_FORCE, V.VENUE_EXPIRED_POST_ONLY_WOULD_TAKE],
    };
    for (const [how, decode] of [['reject', reject], ['cancel', cancel], ['expiry', expiry]] as const) {
      for (const code of produced[how]) {
        const { table, topic } = decode(code);
        expect(table, `${how} code ${code}, which the engine produces, has a name`).not.toMatch(/^code /);
        expect(topic, `${how} code ${code}: the orders topic names it as the order table does`).toBe(table);
      }
    }
  });
});
