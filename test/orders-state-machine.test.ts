// Example-based tests of the core's order table (wasm/assembly/orders), one transition or race
// of the table in order-events.ts's header each: what the venue reports, in which state, and
// what the table must do (new state, notice, working sums, position). Every test checks the
// records the call wrote and the state after it.
import { beforeEach, describe, expect, it } from 'vitest';
import { CoreStatusError } from '../engine/core/core-status.js';
import { NoticeCode, OrderFlag, OrderState, OrderType, type OrderFlowRecord, type PlaceResult } from '../engine/orders/index.js';
import { RiskReason } from '../engine/risk/index.js';
import { BOOK, createOrderCore, drain, LIMITS, MS, resetOrderCore, SECOND, START_NS, TABLE, venue, type OrderCore } from './orders-fixture.js';

const T = (ms: number) => START_NS + BigInt(ms) * MS;
const { ORDER_UNCERTAIN, ORDER_TABLE_FULL } = RiskReason;

const c: OrderCore = createOrderCore();

beforeEach(() => resetOrderCore(c));

function place(qty: number, ms = 0, extra: { instrument?: number; flags?: number; orderType?: number; limitPrice?: number } = {}): PlaceResult {
  const result = c.orders.place({ instrument: 0, nowNs: T(ms), qty, ...extra });
  drain(c.consumer);
  return result;
}

function apply(event: Parameters<OrderCore['orders']['applyVenueEvent']>[0]): OrderFlowRecord[] {
  const records = c.orders.applyVenueEvent(event);
  drain(c.consumer);
  return records;
}

function stateOf(id: bigint): number {
  const order = c.orders.order(id);
  if (!order) throw new Error(`order ${id} is not in the table`);
  return order.state;
}

function notice(code: number, id: bigint, stateBefore: number, ts: bigint, price: number, qty: number, instrument = 0): OrderFlowRecord {
  return { record: 'notice', orderId: id, instrument, tsNs: ts, clockNs: ts, price, qty, code, stateBefore };
}

/** An order of `qty` on instrument 0 sent at `ms` and acknowledged 1 ms later. */
function openOrder(qty: number, ms = 0, extra: { instrument?: number; flags?: number } = {}): bigint {
  const placed = place(qty, ms, extra);
  expect(placed.outcome, `order of ${qty} sent`).toBe('sent');
  apply(venue.ack(placed.orderId, T(ms + 1), { instrument: extra.instrument }));
  expect(stateOf(placed.orderId), 'acknowledged').toBe(OrderState.OPEN);
  return placed.orderId;
}

describe('order table: new orders and acknowledgements', () => {
  it('sends a new order as an ORDER record with the next client id, counts it as working and opens it on the ack', () => {
    const placed = place(5);
    expect(placed.outcome).toBe('sent');
    expect(placed.records, 'one ORDER record').toEqual([
      { record: 'order', orderId: 1n, instrument: 0, tsNs: T(0), clockNs: T(0), qty: 5, limitPrice: 0, stopPrice: 0, orderType: OrderType.MARKET, timeInForce: 0, flags: 0, rule: 9, cutBy: 0 },
    ]);
    expect(stateOf(1n), 'waiting for the ack').toBe(OrderState.PENDING_SUBMIT);
    expect(c.orders.instrumentOrders(0).pendingBuy, 'its quantity is working').toBe(5);
    expect(apply(venue.ack(1n, T(1), { venueId: 4242 })), 'an ack writes nothing').toEqual([]);
    expect(c.orders.order(1n), 'open, with the venue id, no deadline').toMatchObject({ state: OrderState.OPEN, venueOrderId: 4242n, deadlineNs: 0n });
  });

  it('applies a fill that arrives before the ack (PARTIALLY_FILLED); the late ack keeps its venue id, a repeated ack is DUPLICATE_EVENT', () => {
    const id = place(5).orderId;
    expect(apply(venue.fill(id, T(1), { qty: 2, price: 100, fillId: 1 })), 'the early fill is no anomaly: no notice').toEqual([]);
    expect(stateOf(id), 'a fill proves the order is live').toBe(OrderState.PARTIALLY_FILLED);
    expect(c.orders.order(id)?.deadlineNs, 'nothing is overdue any more').toBe(0n);
    expect(c.risk.instrumentState(0).position, 'the fill moved the position').toBe(2);
    expect(apply(venue.ack(id, T(2), { venueId: 99 })), 'the late first ack is no anomaly either').toEqual([]);
    expect(c.orders.order(id), 'still partially filled, with the venue id the ack carried').toMatchObject({ state: OrderState.PARTIALLY_FILLED, venueOrderId: 99n });
    expect(apply(venue.ack(id, T(3), { venueId: 99 })), 'a second ack is a duplicate').toEqual([notice(NoticeCode.DUPLICATE_EVENT, id, OrderState.PARTIALLY_FILLED, T(3), 0, 0)]);
  });

  it('gives client ids that only grow, each in slot id % capacity, skipping ids whose slot holds a live order', () => {
    const ids = [1, 2, 3, 4].map((k) => place(1 + k, k).orderId);
    expect(ids, 'consecutive ids from firstId').toEqual([1n, 2n, 3n, 4n]);
    for (const id of ids) expect(c.orders.order(id)?.slot, `order ${id}'s slot`).toBe(Number(id % BigInt(TABLE.capacity)));
    apply(venue.canceled(2n, T(10)));
    // ids 5..8 take slots 5, 6, 7, 0; id 9 would take slot 1 (live: order 1), id 10 slot 2 (free: order 2 was canceled).
    const next = [5, 6, 7, 8, 9].map((k) => place(2, 10 + k).orderId);
    expect(next, 'ids skip 9, whose slot is live, and never go back').toEqual([5n, 6n, 7n, 8n, 10n]);
    expect(c.orders.order(10n)?.slot, 'order 10 took the slot order 2 left').toBe(2);
    expect(c.orders.order(2n), 'order 2 is gone from the table once its slot is reused').toBeNull();
  });

  it('refuses a new order with ORDER_TABLE_FULL when every slot is live, spending no id', () => {
    for (let k = 0; k < TABLE.capacity; k++) place(2, k);
    const before = c.orders.counters();
    const refused = place(3, 20);
    expect(refused.outcome).toBe('refused');
    expect(refused.records, 'a risk record with reason 18').toEqual([
      { record: 'risk', instrument: 0, tsNs: T(20), clockNs: T(20), price: BOOK[0].startPrice, qty: 3, reason: ORDER_TABLE_FULL, limit: 0, orderId: 0n },
    ]);
    const after = c.orders.counters();
    expect(after.nextId, 'no id was spent').toBe(before.nextId);
    expect(after.tableFull - before.tableFull, 'counted as table full').toBe(1);
    expect(after.denied, 'not as a risk denial').toBe(before.denied);
    expect(c.orders.instrumentOrders(0).pendingBuy, 'the refused order is not working').toBe(2 * TABLE.capacity);
  });

  it('reuses a closed order\'s slot only after capacity more ids: until then a late event for it is LATE_EVENT, afterwards UNKNOWN_ORDER', () => {
    const first = openOrder(5);
    apply(venue.fill(first, T(2), { qty: 5, price: 100, fillId: 1 }));
    expect(stateOf(first)).toBe(OrderState.FILLED);
    for (let k = 2; k <= TABLE.capacity; k++) expect(place(2, k).orderId, `order ${k}`).toBe(BigInt(k));
    expect(apply(venue.canceled(first, T(20))), 'the closed order is still known').toEqual([notice(NoticeCode.LATE_EVENT, first, OrderState.FILLED, T(20), 0, 0)]);
    const reuse = place(2, 30);
    expect(reuse.orderId, 'id first + capacity').toBe(first + BigInt(TABLE.capacity));
    expect(reuse.slot, 'takes the closed order\'s slot').toBe(Number(first));
    expect(apply(venue.canceled(first, T(40))), 'the old id is no longer in the table').toEqual([notice(NoticeCode.UNKNOWN_ORDER, first, 0, T(40), 0, 0)]);
  });
});

describe('order table: fills', () => {
  it('applies a duplicated fill id once: DUPLICATE_FILL notice, filled and position unchanged', () => {
    const id = openOrder(5);
    apply(venue.fill(id, T(2), { qty: 2, price: 100, fillId: 77 }));
    expect(apply(venue.fill(id, T(3), { qty: 2, price: 100, fillId: 77 }))).toEqual([notice(NoticeCode.DUPLICATE_FILL, id, 0, T(3), 100, 2)]);
    expect(c.orders.order(id), 'applied once').toMatchObject({ filled: 2, fillCount: 1, state: OrderState.PARTIALLY_FILLED });
    expect(c.risk.instrumentState(0).position, 'the duplicate did not move the position').toBe(2);
  });

  it('fills an order with more than its leaves: OVERFILL notice, order FILLED at its quantity, position moved by the whole fill', () => {
    const id = openOrder(5);
    expect(apply(venue.fill(id, T(2), { qty: 8, price: 100, fillId: 1 }))).toEqual([notice(NoticeCode.OVERFILL, id, OrderState.OPEN, T(2), 100, 8)]);
    expect(c.orders.order(id), 'filled at its quantity').toMatchObject({ state: OrderState.FILLED, filled: 5, counted: 0 });
    expect(c.risk.instrumentState(0).position, 'the venue\'s fill is the position\'s truth').toBe(8);
    expect(c.orders.counters().illegal, 'an overfill counts as illegal').toBe(1);
  });

  it('moves the position for a fill of an unknown order and notices UNKNOWN_ORDER', () => {
    expect(apply(venue.fill(999n, T(1), { qty: -3, price: 101, fillId: 5 }))).toEqual([notice(NoticeCode.UNKNOWN_ORDER, 999n, 0, T(1), 101, -3)]);
    expect(c.risk.instrumentState(0), 'position and mark follow the fill').toMatchObject({ position: -3, mark: 101 });
    expect(c.orders.counters().fills, 'no order was filled').toBe(0);
  });

  it('takes a fill after the order closed as FILL_AFTER_CLOSE: the position moves, the order does not', () => {
    const id = openOrder(4);
    apply(venue.canceled(id, T(2)));
    expect(apply(venue.fill(id, T(3), { qty: 4, price: 100, fillId: 2 }))).toEqual([notice(NoticeCode.FILL_AFTER_CLOSE, id, OrderState.CANCELED, T(3), 100, 4)]);
    expect(c.orders.order(id), 'still canceled, nothing filled').toMatchObject({ state: OrderState.CANCELED, filled: 0 });
    expect(c.risk.instrumentState(0).position).toBe(4);
  });

  it('takes a fill against the order\'s side as WRONG_SIDE: the position moves, the order does not', () => {
    const id = openOrder(4);
    expect(apply(venue.fill(id, T(2), { qty: -1, price: 100, fillId: 3 }))).toEqual([notice(NoticeCode.WRONG_SIDE, id, OrderState.OPEN, T(2), 100, -1)]);
    expect(c.orders.order(id)).toMatchObject({ state: OrderState.OPEN, filled: 0, counted: 4 });
    expect(c.risk.instrumentState(0).position).toBe(-1);
  });

  it('reports a malformed fill (zero quantity) as ERR_BAD_ARGUMENT instead of dropping it', () => {
    const id = openOrder(4);
    expect(() => c.orders.applyVenueEvent(venue.fill(id, T(2), { qty: 0, price: 100 })), 'a fill of 0 is malformed').toThrow(CoreStatusError);
    drain(c.consumer);
    expect(c.orders.order(id)).toMatchObject({ state: OrderState.OPEN, filled: 0 });
  });
});

describe('order table: cancels and rejects', () => {
  it('takes a cancel ack after the final fill as LATE_EVENT: the order stays FILLED', () => {
    const id = openOrder(5);
    const cancel = c.orders.cancel(id, T(2));
    drain(c.consumer);
    expect(cancel.records, 'the CANCEL carries the signed leaves').toEqual([{ record: 'cancel', orderId: id, instrument: 0, tsNs: T(2), clockNs: T(2), leaves: 5, rule: 9 }]);
    expect(stateOf(id)).toBe(OrderState.PENDING_CANCEL);
    expect(apply(venue.fill(id, T(3), { qty: 5, price: 100, fillId: 1 })), 'the fill races the cancel and wins').toEqual([]);
    expect(stateOf(id), 'nothing left: FILLED').toBe(OrderState.FILLED);
    expect(apply(venue.canceled(id, T(4)))).toEqual([notice(NoticeCode.LATE_EVENT, id, OrderState.FILLED, T(4), 0, 0)]);
    expect(stateOf(id), 'terminal states are final').toBe(OrderState.FILLED);
    expect(c.orders.counters(), 'one terminal transition').toMatchObject({ filled: 1, canceled: 0 });
  });

  it('takes a reject after the ack as ILLEGAL_TRANSITION: the order stays OPEN and keeps working', () => {
    const id = openOrder(5);
    expect(apply(venue.reject(id, T(2)))).toEqual([notice(NoticeCode.ILLEGAL_TRANSITION, id, OrderState.OPEN, T(2), 0, 0)]);
    expect(stateOf(id)).toBe(OrderState.OPEN);
    expect(c.orders.instrumentOrders(0).pendingBuy, 'still working').toBe(5);
    expect(c.orders.counters().illegal).toBe(1);
  });

  it('rejects an unacknowledged order (REJECTED, working released) and takes a repeat as DUPLICATE_EVENT', () => {
    const id = place(5).orderId;
    expect(apply(venue.reject(id, T(1)))).toEqual([]);
    expect(stateOf(id)).toBe(OrderState.REJECTED);
    expect(c.orders.instrumentOrders(0), 'nothing working, no live order').toMatchObject({ pendingBuy: 0, live: 0, head: -1 });
    expect(apply(venue.reject(id, T(2)))).toEqual([notice(NoticeCode.DUPLICATE_EVENT, id, OrderState.REJECTED, T(2), 0, 0)]);
  });

  it('returns a partially filled order to PARTIALLY_FILLED when its cancel is rejected after a fill', () => {
    const id = openOrder(6);
    c.orders.cancel(id, T(2));
    apply(venue.fill(id, T(3), { qty: 2, price: 100, fillId: 1 }));
    expect(stateOf(id), 'a partial fill while the cancel is pending').toBe(OrderState.PENDING_CANCEL);
    expect(apply(venue.reject(id, T(4), { of: 1 })), 'a rejected cancel is no anomaly').toEqual([]);
    expect(c.orders.order(id), 'back to working, with its fill').toMatchObject({ state: OrderState.PARTIALLY_FILLED, filled: 2, counted: 4 });
  });

  it('keeps an unacknowledged order\'s acknowledgement deadline when its cancel is rejected: it still turns UNCERTAIN', () => {
    const id = place(5).orderId;
    c.orders.cancel(id, T(10));
    drain(c.consumer);
    apply(venue.reject(id, T(20), { of: 1 }));
    expect(stateOf(id), 'waiting for its ack again').toBe(OrderState.PENDING_SUBMIT);
    const timer = c.orders.timer(T(10_000));
    drain(c.consumer);
    expect(timer.timedOut, 'the ack never came').toBe(1);
    expect(stateOf(id)).toBe(OrderState.UNCERTAIN);
  });

  it('records the ack of an order whose cancel is pending, so a rejected cancel returns it to OPEN', () => {
    const id = place(5).orderId;
    c.orders.cancel(id, T(10));
    drain(c.consumer);
    expect(apply(venue.ack(id, T(11), { venueId: 31 })), 'the ack crossed the cancel: no anomaly').toEqual([]);
    expect(c.orders.order(id), 'still waiting for the cancel answer, venue id kept').toMatchObject({ state: OrderState.PENDING_CANCEL, venueOrderId: 31n });
    apply(venue.reject(id, T(20), { of: 1 }));
    expect(stateOf(id), 'acknowledged, so OPEN').toBe(OrderState.OPEN);
    expect(c.orders.timer(T(10_000)).timedOut, 'an acknowledged order never times out').toBe(0);
  });
});

describe('order table: timeouts and UNCERTAIN', () => {
  it('turns an unacknowledged order UNCERTAIN at its deadline: new exposure on the instrument is refused (reason 17), a reduce-only exit and other instruments still trade', () => {
    const entry = openOrder(10);
    apply(venue.fill(entry, T(2), { qty: 10, price: 100, fillId: 1 }));
    const lost = place(5, 100).orderId;
    expect(c.orders.timer(T(100) + TABLE.ackTimeoutNs - 1n).timedOut, 'not overdue yet').toBe(0);
    const timer = c.orders.timer(T(100) + TABLE.ackTimeoutNs);
    drain(c.consumer);
    expect(timer.records, 'an ACK_TIMEOUT notice with the signed leaves').toEqual([notice(NoticeCode.ACK_TIMEOUT, lost, OrderState.PENDING_SUBMIT, T(100) + TABLE.ackTimeoutNs, 0, 5)]);
    expect(stateOf(lost)).toBe(OrderState.UNCERTAIN);
    expect(c.orders.instrumentOrders(0), 'UNCERTAIN still counts as working').toMatchObject({ uncertain: 1, pendingBuy: 5 });
    const now = 100 + Number(TABLE.ackTimeoutNs / MS) + 1;
    const refused = place(2, now);
    expect(refused.records, 'new exposure refused while an order is UNCERTAIN').toEqual([
      { record: 'risk', instrument: 0, tsNs: T(now), clockNs: T(now), price: 100, qty: 2, reason: ORDER_UNCERTAIN, limit: 0, orderId: 0n },
    ]);
    expect(place(-4, now + 1, { flags: OrderFlag.REDUCE_ONLY }).outcome, 'a reduce-only exit still goes').toBe('sent');
    expect(c.orders.instrumentOrders(0).reduceSell, 'the exit counts in the reduce-only sums').toBe(4);
    expect(place(3, now + 2, { instrument: 1 }).outcome, 'another instrument is not blocked').toBe('sent');
    expect(apply(venue.ack(lost, T(now + 3))), 'the late ack resolves it').toEqual([notice(NoticeCode.RESOLVED, lost, OrderState.UNCERTAIN, T(now + 3), 0, 0)]);
    expect(c.orders.instrumentOrders(0).uncertain).toBe(0);
    expect(place(2, now + 4).outcome, 'new exposure goes again').toBe('sent');
  });

  it('turns an unanswered cancel UNCERTAIN (CANCEL_TIMEOUT) and resolves it with the cancel ack', () => {
    const id = openOrder(5);
    c.orders.cancel(id, T(10));
    drain(c.consumer);
    const timer = c.orders.timer(T(10) + TABLE.cancelTimeoutNs);
    drain(c.consumer);
    expect(timer.records).toEqual([notice(NoticeCode.CANCEL_TIMEOUT, id, OrderState.PENDING_CANCEL, T(10) + TABLE.cancelTimeoutNs, 0, 5)]);
    expect(stateOf(id)).toBe(OrderState.UNCERTAIN);
    expect(apply(venue.canceled(id, T(2_000)))).toEqual([notice(NoticeCode.RESOLVED, id, OrderState.UNCERTAIN, T(2_000), 0, 0)]);
    expect(c.orders.instrumentOrders(0), 'closed: nothing working, nothing uncertain').toMatchObject({ uncertain: 0, pendingBuy: 0, live: 0 });
  });

  it('keeps counting a requested increase as working when its replace times out into UNCERTAIN', () => {
    const id = openOrder(10);
    c.orders.replace({ orderId: id, nowNs: T(10), qty: 30, limitPrice: 0, stopPrice: 0, rule: 9 });
    drain(c.consumer);
    expect(c.orders.instrumentOrders(0).pendingBuy, 'the larger quantity counts while the replace is pending').toBe(30);
    c.orders.timer(T(10) + TABLE.cancelTimeoutNs);
    drain(c.consumer);
    expect(stateOf(id)).toBe(OrderState.UNCERTAIN);
    expect(c.orders.instrumentOrders(0).pendingBuy, 'the venue may have taken the increase: it still counts').toBe(30);
    apply(venue.replaceAck(id, T(3_000)));
    expect(c.orders.order(id), 'the late replace ack resolves it with the new quantity').toMatchObject({ state: OrderState.OPEN, qty: 30, counted: 30 });
  });

  it('forgets a timed-out replace the venue rejects: the order stays UNCERTAIN and counts its old quantity again', () => {
    const id = openOrder(10);
    c.orders.replace({ orderId: id, nowNs: T(10), qty: 30, limitPrice: 0, stopPrice: 0, rule: 9 });
    c.orders.timer(T(10) + TABLE.cancelTimeoutNs);
    drain(c.consumer);
    expect(apply(venue.reject(id, T(3_000), { of: 2 })), 'the answer to the replace, late but expected').toEqual([]);
    expect(c.orders.order(id), 'a rejected replace proves nothing about the order: still UNCERTAIN').toMatchObject({ state: OrderState.UNCERTAIN, qty: 10, pendingQty: 0, counted: 10 });
    expect(c.orders.instrumentOrders(0).pendingBuy).toBe(10);
  });
});

describe('order table: replaces', () => {
  it('checks a replace that increases the quantity: past the gross cap it is refused, within it it goes out and counts the larger quantity', () => {
    const id = openOrder(100);
    const refused = c.orders.replace({ orderId: id, nowNs: T(10), qty: 700, limitPrice: 0, stopPrice: 0, rule: 9 });
    drain(c.consumer);
    expect(refused.outcome).toBe('refused');
    expect(refused.records, 'the increase of 600 is checked: 700 * 100 exceeds the gross cap').toEqual([
      { record: 'risk', instrument: 0, tsNs: T(10), clockNs: T(10), price: 100, qty: 600, reason: RiskReason.GROSS_EXPOSURE, limit: LIMITS.maxGrossExposure, orderId: 0n },
    ]);
    expect(c.orders.order(id), 'a refused replace leaves the order alone').toMatchObject({ state: OrderState.OPEN, qty: 100, pendingQty: 0 });
    const sent = c.orders.replace({ orderId: id, nowNs: T(11), qty: 500, limitPrice: 0, stopPrice: 0, rule: 9 });
    drain(c.consumer);
    expect(sent.records).toEqual([{ record: 'replace', orderId: id, instrument: 0, tsNs: T(11), clockNs: T(11), qty: 500, limitPrice: 0, stopPrice: 0, rule: 9 }]);
    expect(c.orders.instrumentOrders(0).pendingBuy, 'the larger of old and new counts while pending').toBe(500);
    apply(venue.replaceAck(id, T(12)));
    expect(c.orders.order(id)).toMatchObject({ state: OrderState.OPEN, qty: 500, pendingQty: 0, counted: 500 });
  });

  it('judges a replace that adds a little on the new leaves against the minimum notional (150), not on the increase alone', () => {
    // Instrument 2 trades at 20: an increase of 2 is worth 40 alone, the replaced order's leaves 240.
    const id = openOrder(10, 0, { instrument: 2 });
    const sent = c.orders.replace({ orderId: id, nowNs: T(10), qty: 12, limitPrice: 0, stopPrice: 0, rule: 9 });
    drain(c.consumer);
    expect(sent.records, 'leaves of 12 (240) pass').toEqual([{ record: 'replace', orderId: id, instrument: 2, tsNs: T(10), clockNs: T(10), qty: 12, limitPrice: 0, stopPrice: 0, rule: 9 }]);
    apply(venue.replaceAck(id, T(11), { instrument: 2 }));
    apply(venue.fill(id, T(12), { instrument: 2, qty: 11, price: 20, fillId: 1 }));
    const refused = c.orders.replace({ orderId: id, nowNs: T(13), qty: 13, limitPrice: 0, stopPrice: 0, rule: 9 });
    drain(c.consumer);
    expect(refused.records, 'after 11 filled, new leaves of 2 (40) are below the minimum').toEqual([
      { record: 'risk', instrument: 2, tsNs: T(13), clockNs: T(13), price: 20, qty: 1, reason: RiskReason.MIN_NOTIONAL, limit: 150, orderId: 0n },
    ]);
  });

  it('sends a replace that decreases the quantity without the checks, even when they would refuse any order now', () => {
    const id = openOrder(100);
    const stale = 1 + Number(BOOK[0].staleNs / MS);
    expect(place(2, stale).records[0], 'the mark went stale: new orders are refused').toMatchObject({ record: 'risk', reason: RiskReason.STALE_PRICE });
    const sent = c.orders.replace({ orderId: id, nowNs: T(stale + 1), qty: 40, limitPrice: 0, stopPrice: 0, rule: 9 });
    drain(c.consumer);
    expect(sent.outcome, 'a decrease adds no exposure').toBe('sent');
    expect(c.orders.instrumentOrders(0).pendingBuy, 'the old quantity counts until the venue answers').toBe(100);
    apply(venue.replaceAck(id, T(stale + 2)));
    expect(c.orders.instrumentOrders(0).pendingBuy).toBe(40);
  });

  it('closes an order whose replace to less is acknowledged after fills beyond the new quantity: FILLED, never more filled than its quantity', () => {
    const id = openOrder(10);
    c.orders.replace({ orderId: id, nowNs: T(10), qty: 5, limitPrice: 0, stopPrice: 0, rule: 9 });
    drain(c.consumer);
    apply(venue.fill(id, T(11), { qty: 8, price: 100, fillId: 1 }));
    expect(stateOf(id), 'the fill beat the replace').toBe(OrderState.PENDING_REPLACE);
    apply(venue.replaceAck(id, T(12)));
    const order = c.orders.order(id)!;
    expect(order.state, 'nothing left').toBe(OrderState.FILLED);
    expect(Math.abs(order.filled) <= Math.abs(order.qty), `filled ${order.filled} must not exceed qty ${order.qty}`).toBe(true);
    expect(c.risk.instrumentState(0).position, 'the position has every fill').toBe(8);
  });
});
