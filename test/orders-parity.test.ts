// Parity of the order table: the plain TS reference (engine/orders/reference) and the compiled
// core (wasm/assembly/orders) driven in lockstep over random command streams with a random
// venue (test/orders-stream.ts) must return the same outcome or the same status for every
// call, write the same records (every field of every ORDER, CANCEL, REPLACE, ORDER_NOTICE
// and risk record), and hold the same table after every step: every field of every slot,
// the header counters and notice counts, each instrument's index block and working sums, and
// the position and mark of its risk slot. Round trips of fills (ROUND_TRIP records) are the
// portfolio's, not the order table's; the reference does not write them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoreStatusError } from '../engine/core/core-status.js';
import { EventKind } from '../engine/layout/event-record.js';
import type { NewOrder, OrderFlowRecord, OrderManager, ReplaceRequest, VenueEvent } from '../engine/orders/index.js';
import { ReferenceOrderTable } from '../engine/orders/reference/index.js';
import { ReferenceRiskEngine, type RiskInstrumentState } from '../engine/risk/index.js';
import { attempt, BOOK, createOrderCore, drain, resetOrderCore, setUpRisk, STREAM_LIMITS, STREAM_TABLE, type OrderCore } from './orders-fixture.js';
import { runStream, streamArb } from './orders-stream.js';

const ROUND_TRIP = EventKind.ROUND_TRIP | EventKind.DIRECTION_OUTBOUND;

const orderFlow = (records: OrderFlowRecord[]) => records.filter((record) => !(record.record === 'other' && record.kind === ROUND_TRIP));

/** The risk slot fields the order table and fills decide: working sums, position, mark. */
function riskSlice(state: RiskInstrumentState) {
  const { position, pendingBuy, pendingSell, mark, markTsNs, hasMark } = state;
  return { position, pendingBuy, pendingSell, mark, markTsNs, hasMark };
}

/** Forwards every call to the reference and the core and fails on the first difference. */
class LockstepOrders implements OrderManager {
  constructor(readonly reference: ReferenceOrderTable, readonly core: OrderManager, private readonly where: () => string) {}

  private both<T extends { records: OrderFlowRecord[] } | OrderFlowRecord[]>(what: string, run: (manager: OrderManager) => T): T {
    const ref = attempt(() => run(this.reference));
    const core = attempt(() => run(this.core));
    expect(core.status, `${what}: the core's status differs from the reference's at ${this.where()}`).toBe(ref.status);
    if (ref.status !== null) throw new CoreStatusError(ref.status, what);
    const strip = (value: T) => (Array.isArray(value) ? orderFlow(value) : { ...value, records: orderFlow(value.records) });
    expect(strip(core.value!), `${what}: the core's result and records differ from the reference's at ${this.where()}`).toEqual(strip(ref.value!));
    return core.value!;
  }

  configure(...args: Parameters<OrderManager['configure']>): void {
    this.reference.configure(...args);
    this.core.configure(...args);
  }
  place(order: NewOrder) {
    return this.both(`place ${JSON.stringify(order, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`, (m) => m.place(order));
  }
  cancel(orderId: bigint, nowNs: bigint, rule?: number) {
    return this.both(`cancel of ${orderId}`, (m) => m.cancel(orderId, nowNs, rule));
  }
  replace(request: ReplaceRequest) {
    return this.both(`replace of ${request.orderId} to ${request.qty}`, (m) => m.replace(request));
  }
  applyVenueEvent(event: VenueEvent) {
    return this.both(`venue event ${JSON.stringify(event, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`, (m) => m.applyVenueEvent(event));
  }
  timer(nowNs: bigint) {
    return this.both(`timer at ${nowNs}`, (m) => m.timer(nowNs));
  }
  order(orderId: bigint) {
    const ref = this.reference.order(orderId);
    expect(this.core.order(orderId), `order ${orderId} at ${this.where()}`).toEqual(ref);
    return ref;
  }
  slots() {
    return this.reference.slots();
  }
  counters() {
    return this.reference.counters();
  }
  instrumentOrders(instrument: number) {
    return this.reference.instrumentOrders(instrument);
  }

  /** Every slot, the header and each instrument's index, working sums, position and mark. */
  checkState(c: OrderCore, risk: ReferenceRiskEngine): void {
    const where = this.where();
    expect(this.core.slots(), `every slot field at ${where}`).toEqual(this.reference.slots());
    expect(this.core.counters(), `header counters and notice counts at ${where}`).toEqual(this.reference.counters());
    for (const { instrument } of BOOK) {
      expect(this.core.instrumentOrders(instrument), `instrument ${instrument}'s index and working sums at ${where}`).toEqual(this.reference.instrumentOrders(instrument));
      expect(riskSlice(c.risk.instrumentState(instrument)), `instrument ${instrument}'s position and mark at ${where}`).toEqual(riskSlice(risk.instrumentState(instrument)));
    }
  }
}

describe('order table parity: TS reference equals the WASM core', () => {
  it('returns the same outcomes and records and holds the same table after every command and venue event of random streams', () => {
    const c = createOrderCore();
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(streamArb(150), fc.bigInt({ min: 1n, max: (1n << 53n) - 1_000_000n }), (commands, firstId) => {
        const table = { ...STREAM_TABLE, firstId };
        resetOrderCore(c, table, STREAM_LIMITS);
        const risk = new ReferenceRiskEngine();
        setUpRisk(risk, STREAM_LIMITS);
        let step = 0;
        const lockstep = new LockstepOrders(new ReferenceOrderTable(risk), c.orders, () => `step ${step} (${JSON.stringify(commands[step])}) of a stream with first id ${firstId}`);
        lockstep.reference.configure(table);
        lockstep.checkState(c, risk);
        const marks = {
          onMark(instrument: number, tsNs: bigint, price: number) {
            const records = c.risk.onMark(instrument, tsNs, price);
            expect(records, `flatten records after a mark at step ${step}`).toEqual(risk.onMark(instrument, tsNs, price));
            return records;
          },
        };
        runStream(commands, { orders: lockstep, risk: marks, settle: () => drain(c.consumer) }, (report) => {
          for (const record of report.records) {
            const key = record.record === 'notice' ? `notice ${record.code}` : record.record === 'risk' ? `risk ${record.reason}` : record.record;
            kinds.set(key, (kinds.get(key) ?? 0) + 1);
          }
          lockstep.checkState(c, risk);
          step = report.step + 1;
        });
      }),
      { seed: 2_026, numRuns: 100 },
    );
    for (const key of ['order', 'cancel', 'replace', 'notice 5', 'notice 6', 'notice 8', 'notice 14', 'risk 6', 'risk 17', 'risk 18']) {
      expect(kinds.get(key) ?? 0, `the streams compared ${key} records`).toBeGreaterThan(0);
    }
  });
});
