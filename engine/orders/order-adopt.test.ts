// Adoption (order-events.ts onAdopt): an ORDER_STATUS record with a negative state makes a
// venue order we did not place one of ours. The compiled core and the TS reference are driven
// with the same records and must agree on every slot field, notice and working sum.
import { beforeEach, describe, expect, it } from 'vitest';
import { CoreStatusError } from '../core/core-status.js';
import { ReferenceRiskEngine } from '../risk/index.js';
import { createOrderCore, drain, resetOrderCore, setUpRisk, START_NS, TABLE, venue, type OrderCore } from '../../test/orders-fixture.js';
import { ReferenceOrderTable } from './reference/index.js';
import type { OrderManager, VenueEvent } from './order-manager.js';
import { NoticeCode, OrderFlag, OrderState, OrderType } from './index.js';

const c: OrderCore = createOrderCore();
let reference: ReferenceOrderTable;

beforeEach(() => {
  resetOrderCore(c);
  const risk = new ReferenceRiskEngine();
  setUpRisk(risk);
  reference = new ReferenceOrderTable(risk);
  reference.configure(TABLE);
});

/** An adoption record: venue id `venueId`, signed qty, signed filled so far, limit (0 market). */
const adoption = (venueId: bigint, o: { qty: number; filled?: number; limit?: number; state?: number; instrument?: number }): VenueEvent =>
  venue.status(venueId, START_NS, { instrument: o.instrument ?? 0, state: -(o.state ?? (o.filled ? OrderState.PARTIALLY_FILLED : OrderState.OPEN)), filled: o.filled ?? 0, price: o.limit ?? 0, qty: o.qty });

function statusOf(run: () => unknown): number | null {
  try {
    run();
    return null;
  } catch (error) {
    if (error instanceof CoreStatusError) return error.status;
    throw error;
  }
}

/** Applies `event` to both tables; they must agree on the records, every slot and the sums. */
function both(event: VenueEvent) {
  let coreRecords: unknown = null;
  let refRecords: unknown = null;
  const coreStatus = statusOf(() => (coreRecords = c.orders.applyVenueEvent(event)));
  drain(c.consumer);
  const refStatus = statusOf(() => (refRecords = reference.applyVenueEvent(event)));
  expect(coreStatus, 'core and reference fail alike').toBe(refStatus);
  expect(coreRecords, 'core and reference write the same records').toEqual(refRecords);
  const used = (m: OrderManager) => m.slots().filter((s) => s.state !== OrderState.EMPTY);
  expect(used(c.orders), 'every used slot agrees').toEqual(used(reference));
  expect(c.orders.counters(), 'counters and notices agree').toEqual(reference.counters());
  expect(c.orders.instrumentOrders(0), 'instrument 0 sums agree').toEqual(reference.instrumentOrders(0));
  return { status: coreStatus, records: coreRecords as unknown[] };
}

describe('order table: adopting a venue order (ORDER_STATUS with a negative state)', () => {
  it('allocates the next engine id, keeps the venue id, works the leaves like any order', () => {
    expect(both(adoption(900_001n, { qty: 3, limit: 95 })).status).toBeNull();
    const order = c.orders.order(1n);
    expect(order, 'adopted as engine order 1').toMatchObject({
      state: OrderState.OPEN, qty: 3, filled: 0, limitPrice: 95, orderType: OrderType.LIMIT, venueOrderId: 900_001n, flags: OrderFlag.ADOPTED,
    });
    expect(c.orders.instrumentOrders(0).pendingBuy, 'its leaves count as working buys').toBe(3);
    both(adoption(900_002n, { qty: -4, filled: -1, limit: 120 }));
    expect(c.orders.order(2n), 'a partially filled sell').toMatchObject({ state: OrderState.PARTIALLY_FILLED, qty: -4, filled: -1 });
    expect(c.orders.instrumentOrders(0).pendingSell, 'its leaves count as working sells').toBe(3);
    // The venue's later records, mapped to the engine id by the adapter, work as for our own orders.
    both(venue.fill(1n, START_NS + 5n, { qty: 3, price: 95, fillId: 11 }));
    expect(c.orders.order(1n)?.state, 'filled').toBe(OrderState.FILLED);
    expect(c.risk.instrumentState(0).position, 'the fill moved the position').toBe(3);
    expect(c.orders.instrumentOrders(0).pendingBuy, 'nothing working on the buy side').toBe(0);
  });

  it('ignores a second adoption of a live adopted order (DUPLICATE_EVENT), not a first one of the same venue id on another instrument', () => {
    both(adoption(77n, { qty: 2, limit: 95 }));
    const again = both(adoption(77n, { qty: 2, limit: 95 }));
    expect(again.records, 'one DUPLICATE_EVENT notice').toHaveLength(1);
    expect(again.records[0]).toMatchObject({ record: 'notice', code: NoticeCode.DUPLICATE_EVENT, orderId: 1n });
    expect(c.orders.counters().live, 'still one live order').toBe(1);
    expect(c.orders.counters().notices[NoticeCode.DUPLICATE_EVENT], 'the duplicate is counted').toBe(1);
    // An order of ours whose ack carried the same venue id is not an adoption: no false duplicate.
    both(venue.canceled(1n, START_NS + 1n));
    both(adoption(77n, { qty: 2, limit: 95 }));
    expect(c.orders.order(2n)?.state, 'after the first closed, the id can be adopted again').toBe(OrderState.OPEN);
  });

  it('refuses a malformed adoption record (ERR_BAD_ARGUMENT) and changes nothing', () => {
    for (const bad of [
      adoption(0n, { qty: 1, limit: 95 }),
      adoption(5n, { qty: 0, limit: 95 }),
      adoption(5n, { qty: 2, filled: 2, limit: 95 }),
      adoption(5n, { qty: 2, filled: -1, limit: 95 }),
      adoption(5n, { qty: 2, limit: -1 }),
      adoption(5n, { qty: 2, limit: 95, state: OrderState.FILLED }),
      adoption(5n, { qty: 2, filled: 1, limit: 95, state: OrderState.OPEN }),
    ]) {
      expect(both(bad).status, `refused: ${JSON.stringify(bad, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`).not.toBeNull();
    }
    expect(c.orders.counters().live, 'no order was created').toBe(0);
  });
});
