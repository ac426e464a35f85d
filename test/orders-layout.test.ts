// The TS mirror of the ORDERS region (engine/orders/order-layout.ts) agrees with the compiled
// core: slot offsets the core exports, and every header, index and slot field the mirror
// reads holding exactly what the core's exports wrote there (distinct values per field, so a
// misplaced offset reads another field's value and fails).
import { beforeEach, describe, expect, it } from 'vitest';
import { INSTRUMENT_CAPACITY, ORDERS_REGION_BYTES, ORDERS_REGION_OFFSET } from '../engine/layout/memory-map.js';
import { encodeOrderAttributes, OrderFlag, OrderLayout as L, OrderRule, OrderState, OrderType, TimeInForce, type OrderCommandRecord } from '../engine/orders/index.js';
import { createOrderCore, drain, MS, resetOrderCore, START_NS, TABLE, venue, type OrderCore } from './orders-fixture.js';

const T = (ms: number) => START_NS + BigInt(ms) * MS;
const c: OrderCore = createOrderCore();

beforeEach(() => resetOrderCore(c));

describe('orders layout: TS mirror and compiled core', () => {
  it('puts order id k at ORDER_SLOTS_OFFSET + (k % capacity) * ORDER_SLOT_BYTES for every capacity', () => {
    for (const capacity of [1, 8, 13, L.ORDER_CAPACITY_MAX]) {
      resetOrderCore(c, { ...TABLE, capacity, firstId: 1_000_003n });
      for (let k = 0; k < Math.min(capacity, 3); k++) {
        const { orderId } = c.orders.place({ instrument: 0, nowNs: T(k), qty: 2 });
        drain(c.consumer);
        const offset = c.core.ordersSlotOffset(orderId);
        expect(offset - L.ORDER_SLOTS_OFFSET, `capacity ${capacity}, order ${orderId}`).toBe(Number(orderId % BigInt(capacity)) * L.ORDER_SLOT_BYTES);
        expect(c.orders.order(orderId)?.id, `the slot at that offset holds order ${orderId}`).toBe(orderId);
      }
    }
  });

  it('answers ERR_BAD_ARGUMENT (-6) for an id not in the table, and before any ordersConfigure instead of trapping', () => {
    expect(c.core.ordersSlotOffset(0n), 'id 0 is never an order').toBe(-6);
    expect(c.core.ordersSlotOffset(5n), 'no order 5 yet').toBe(-6);
    const unconfigured = createOrderCore();
    expect(unconfigured.core.ordersSlotOffset(5n), 'a capacity of 0 must not reach the id % capacity').toBe(-6);
  });

  it('reads the configuration and the empty index where ordersConfigure wrote them', () => {
    resetOrderCore(c, { capacity: 13, ackTimeoutNs: 1_234_567n, cancelTimeoutNs: 7_654_321n, firstId: 987_654_321n });
    const view = new DataView(c.memory.buffer);
    expect(view.getInt32(L.ORDERS_HEADER + L.OH_MAGIC, true), 'magic').toBe(L.ORDERS_MAGIC);
    expect(c.orders.counters(), 'header fields').toMatchObject({ capacity: 13, live: 0, emulated: 0, nextId: 987_654_321n, ackTimeoutNs: 1_234_567n, cancelTimeoutNs: 7_654_321n, fillIdHead: 0, fillIdCount: 0 });
    for (const instrument of [0, 1, INSTRUMENT_CAPACITY - 1]) {
      expect(c.orders.instrumentOrders(instrument), `index block of instrument ${instrument}`).toMatchObject({ head: -1, live: 0, uncertain: 0, strategySlot: -1, reduceBuy: 0, reduceSell: 0 });
    }
  });

  it('reads every slot field where the core wrote it: a placed order, its ack, a fill, a replace and a cancel', () => {
    const placed = c.orders.place({
      instrument: 2, nowNs: T(3), qty: 8, orderType: OrderType.LIMIT, timeInForce: TimeInForce.POST_ONLY, rule: OrderRule.TARGET_3,
      limitPrice: 20.5, referencePrice: 20.25, parentId: 0x1234_5678_9an,
    });
    drain(c.consumer);
    const id = placed.orderId;
    expect(c.orders.order(id), 'fields ordersPlace wrote').toMatchObject({
      slot: Number(id % BigInt(TABLE.capacity)), id, instrument: 2, state: OrderState.PENDING_SUBMIT, orderType: OrderType.LIMIT, timeInForce: TimeInForce.POST_ONLY,
      flags: 0, rule: OrderRule.TARGET_3, qty: 8, limitPrice: 20.5, stopPrice: 0, filled: 0, referencePrice: 20.25, createdNs: T(3), updatedNs: T(3),
      deadlineNs: T(3) + TABLE.ackTimeoutNs, counted: 8, parentId: 0x1234_5678_9an, watermark: 20.25, next: -1, prev: -1, strategy: 0, fillCount: 0,
    });
    const [order] = placed.records as OrderCommandRecord[];
    expect(order.record).toBe('order');
    const slot = c.orders.order(id)!;
    expect(encodeOrderAttributes(order), 'the ORDER record packs the slot\'s type, tif, flags and rule')
      .toBe(encodeOrderAttributes({ orderType: slot.orderType, timeInForce: slot.timeInForce, flags: slot.flags, rule: slot.rule, cutBy: 0 }));

    c.orders.applyVenueEvent(venue.ack(id, T(4), { instrument: 2, venueId: 55_555 }));
    c.orders.applyVenueEvent(venue.fill(id, T(5), { instrument: 2, qty: 3, price: 20.4, fee: 0.125, fillId: 901 }));
    c.orders.replace({ orderId: id, nowNs: T(6), qty: 20, limitPrice: 20.75, stopPrice: 0, rule: OrderRule.MAX_HOLD });
    drain(c.consumer);
    expect(c.orders.order(id), 'fields the ack, the fill and the replace wrote').toMatchObject({
      state: OrderState.PENDING_REPLACE, venueOrderId: 55_555n, filled: 3, averageFillPrice: 20.4, fees: 0.125, fillCount: 1, updatedNs: T(6),
      pendingQty: 20, pendingLimitPrice: 20.75, pendingStopPrice: 0, previousState: OrderState.PARTIALLY_FILLED, deadlineNs: T(6) + TABLE.cancelTimeoutNs, counted: 17,
    });
    c.orders.applyVenueEvent(venue.replaceAck(id, T(7), { instrument: 2 }));
    c.orders.cancel(id, T(8));
    drain(c.consumer);
    expect(c.orders.order(id), 'fields the replace ack and the cancel wrote').toMatchObject({
      state: OrderState.PENDING_CANCEL, qty: 20, limitPrice: 20.75, pendingQty: 0, previousState: OrderState.PARTIALLY_FILLED, counted: 17, deadlineNs: T(8) + TABLE.cancelTimeoutNs,
    });
  });

  it('reads a held trailing stop\'s trigger, offset and watermark where the core wrote them', () => {
    const held = c.orders.place({ instrument: 1, nowNs: T(1), qty: -4, orderType: OrderType.TRAILING_STOP, flags: OrderFlag.REDUCE_ONLY, trailOffset: 2.25, referencePrice: 49.5, rule: OrderRule.TRAILING_STOP });
    drain(c.consumer);
    expect(held.outcome, 'the core holds trailing stops').toBe('held');
    expect(c.orders.order(held.orderId), 'a sell trails below the reference price').toMatchObject({
      state: OrderState.NEW, flags: OrderFlag.REDUCE_ONLY | OrderFlag.EMULATED, stopPrice: 47.25, trailOffset: 2.25, watermark: 49.5, referencePrice: 49.5, counted: 0, deadlineNs: 0n,
    });
    expect(c.orders.counters(), 'a held order counts as emulated and live').toMatchObject({ emulated: 1, held: 1, live: 1, submitted: 0 });
  });

  it('reads the counters, notice counts, fill-id cursor and index sums where the core keeps them', () => {
    const entry = c.orders.place({ instrument: 0, nowNs: T(1), qty: 5 });
    c.orders.applyVenueEvent(venue.fill(entry.orderId, T(2), { qty: 2, price: 100, fillId: 1 }));
    c.orders.applyVenueEvent(venue.fill(entry.orderId, T(3), { qty: 2, price: 100, fillId: 1 }));
    c.orders.applyVenueEvent(venue.fill(entry.orderId, T(4), { qty: 3, price: 100, fillId: 2 }));
    const exit = c.orders.place({ instrument: 0, nowNs: T(5), qty: -3, flags: OrderFlag.REDUCE_ONLY });
    c.orders.place({ instrument: 0, nowNs: T(6), qty: 0.5 });
    c.orders.cancel(exit.orderId, T(7));
    drain(c.consumer);
    const counters = c.orders.counters();
    expect(counters, 'counters by OC_* index').toMatchObject({ submitted: 2, fills: 2, partialFills: 1, cancelsSent: 1, denied: 1, tableFull: 0, illegal: 0, live: 1 });
    expect(counters.notices[2], 'one DUPLICATE_FILL notice (code 2)').toBe(1);
    expect(counters.notices.reduce((sum, n) => sum + n, 0), 'and no other').toBe(1);
    expect(counters.fillIdCount, 'two distinct fill ids remembered').toBe(2);
    expect(c.orders.instrumentOrders(0), 'index: the exit is live, waiting for its cancel answer, and counts as reduce-only').toMatchObject({
      live: 1, head: exit.slot, reduceSell: 3, reduceBuy: 0, pendingBuy: 0, pendingSell: 0,
    });
  });

  it('fits the header, index, slots and fill-id areas inside the ORDERS region without overlap', () => {
    const areas = [
      { name: 'header', start: L.ORDERS_HEADER, end: L.ORDERS_HEADER + L.OH_END_REASONS + 8 * 3 * L.END_REASON_BUCKETS },
      { name: 'index', start: L.ORDERS_INDEX_OFFSET, end: L.ORDERS_INDEX_OFFSET + L.ORDER_INSTRUMENTS * L.ORDERS_INDEX_BYTES },
      { name: 'slots', start: L.ORDER_SLOTS_OFFSET, end: L.ORDER_SLOTS_OFFSET + L.ORDER_CAPACITY_MAX * L.ORDER_SLOT_BYTES },
      { name: 'fill-id index', start: L.FILL_ID_INDEX_OFFSET, end: L.FILL_ID_INDEX_OFFSET + L.FILL_ID_INDEX_CAPACITY * 16 },
      { name: 'fill-id FIFO', start: L.FILL_ID_FIFO_OFFSET, end: L.FILL_ID_FIFO_OFFSET + L.FILL_ID_MEMORY * 8 },
    ];
    expect(areas[0].start, 'the header opens the region').toBe(ORDERS_REGION_OFFSET);
    expect(L.OH_END_REASONS + 8 * 3 * L.END_REASON_BUCKETS, 'the header\'s fields fit its 4 KiB').toBeLessThanOrEqual(L.ORDERS_INDEX_OFFSET - L.ORDERS_HEADER);
    for (let i = 1; i < areas.length; i++) expect(areas[i].start >= areas[i - 1].end, `${areas[i].name} starts after ${areas[i - 1].name} ends`).toBe(true);
    expect(areas[areas.length - 1].end <= ORDERS_REGION_OFFSET + ORDERS_REGION_BYTES, 'the FIFO ends inside the region').toBe(true);
    expect(L.ORDERS_INDEX_OFFSET + L.ORDER_INSTRUMENTS * L.ORDERS_INDEX_BYTES, 'ordersConfigure clears header, index and slots').toBeLessThanOrEqual(ORDERS_REGION_OFFSET + L.ORDERS_TABLE_BYTES);
    expect(L.ORDER_SLOTS_OFFSET + L.ORDER_CAPACITY_MAX * L.ORDER_SLOT_BYTES).toBe(ORDERS_REGION_OFFSET + L.ORDERS_TABLE_BYTES);
    expect(L.O_VENUE_ID + 8, 'the last slot field fits its slot').toBeLessThanOrEqual(L.ORDER_SLOT_BYTES);
  });
});
