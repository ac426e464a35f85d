// Parity of the exit engine: the plain TS reference (engine/exits/reference, driving the
// reference order table and risk engine) and the compiled core (wasm/assembly/exits, through
// the core's order table) driven in lockstep over random streams (test/exits-stream.ts) must
// return the same status for every call, write the same records (every field of every ORDER,
// CANCEL, ORDER_NOTICE and risk record, the exits' own included), and hold the same state
// after every step: every instrument's exit state, every order slot, the table's counters,
// each instrument's index and working sums, and its position and mark. Round trips of fills
// (ROUND_TRIP records) are the portfolio's; the reference's order table does not write them.
// The streams are checked to exercise every rule (counters at the end).
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoreStatusError } from '../engine/core/core-status.js';
import { EventKind } from '../engine/layout/event-record.js';
import type { ExitEngine, ExitPrice, ExitProfile, ExitState } from '../engine/exits/index.js';
import { OrderRule, OrderType, type NewOrder, type OrderFlowRecord, type OrderManager, type ReplaceRequest, type VenueEvent } from '../engine/orders/index.js';
import { RiskReason, type RiskInstrumentState } from '../engine/risk/index.js';
import { BOOK, coreBench, referenceBench, type ExitBench, type ExitCore, type ExitMarketInputs } from './exits-fixture.js';
import { runStream, scenarioArb, type ExitScenario, type StepReport } from './exits-stream.js';
import { attempt, STREAM_LIMITS, STREAM_TABLE } from './orders-fixture.js';

const ROUND_TRIP = EventKind.ROUND_TRIP | EventKind.DIRECTION_OUTBOUND;
const orderFlow = (records: OrderFlowRecord[]) => records.filter((record) => !(record.record === 'other' && record.kind === ROUND_TRIP));
const json = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v));

/** The risk slot fields the exits and fills decide: working sums, position, average price, mark. */
function riskSlice(state: RiskInstrumentState) {
  const { position, averagePrice, pendingBuy, pendingSell, mark, markTsNs, hasMark } = state;
  return { position, averagePrice, pendingBuy, pendingSell, mark, markTsNs, hasMark };
}

/** Expects `core` to equal `reference`, building the message (the whole stream) only for a difference. */
function same<T>(what: string, core: T, reference: T, where: () => string): void {
  if (!isDeepStrictEqual(core, reference)) expect(core, `${what} differs from the TS reference at ${where()}`).toStrictEqual(reference);
}

/** Runs `run` on the reference, then the core; fails on the first difference in status or records. */
function both<T extends { records: OrderFlowRecord[] } | OrderFlowRecord[]>(what: string, reference: () => T, core: () => T, where: () => string): T {
  const ref = attempt(reference);
  const wasm = attempt(core);
  expect(wasm.status, `${what}: the core's status differs from the reference's at ${where()}`).toBe(ref.status);
  if (ref.status !== null) throw new CoreStatusError(ref.status, what);
  const strip = (value: T) => (Array.isArray(value) ? orderFlow(value) : { ...value, records: orderFlow(value.records) });
  same(`${what}: the result and records`, strip(wasm.value!), strip(ref.value!), where);
  return wasm.value!;
}

/** The order tables of both benches in lockstep (entries are placed on both; reads come from the reference). */
class LockstepOrders implements OrderManager {
  constructor(private readonly reference: OrderManager, private readonly core: OrderManager, private readonly where: () => string) {}
  configure(): void {
    throw new Error('the benches configure their order tables');
  }
  place(order: NewOrder) {
    return both(`place ${json(order)}`, () => this.reference.place(order), () => this.core.place(order), this.where);
  }
  cancel(orderId: bigint, nowNs: bigint, rule?: number) {
    return both(`cancel of ${orderId}`, () => this.reference.cancel(orderId, nowNs, rule), () => this.core.cancel(orderId, nowNs, rule), this.where);
  }
  replace(request: ReplaceRequest) {
    return both(`replace of ${request.orderId}`, () => this.reference.replace(request), () => this.core.replace(request), this.where);
  }
  applyVenueEvent(event: VenueEvent): OrderFlowRecord[] {
    throw new Error(`venue events go through the exit engines (${json(event)})`);
  }
  timer(nowNs: bigint) {
    return both(`timer at ${nowNs}`, () => this.reference.timer(nowNs), () => this.core.timer(nowNs), this.where);
  }
  order(orderId: bigint) {
    return this.reference.order(orderId);
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
}

/** Both exit engines in lockstep: every call goes to both and must agree. */
class LockstepExits implements ExitEngine {
  readonly orders: LockstepOrders;

  constructor(readonly reference: ExitBench, readonly core: ExitBench, private readonly where: () => string) {
    this.orders = new LockstepOrders(reference.exits.orders, core.exits.orders, where);
  }
  reset(): void {
    this.reference.exits.reset();
    this.core.exits.reset();
  }
  configureProfile(profile: number, spec: ExitProfile): void {
    const ref = attempt(() => this.reference.exits.configureProfile(profile, spec));
    const wasm = attempt(() => this.core.exits.configureProfile(profile, spec));
    expect(wasm.status, `configureProfile(${profile}, ${json(spec)})`).toBe(ref.status);
  }
  bindInstrument(instrument: number, profile: number): void {
    const ref = attempt(() => this.reference.exits.bindInstrument(instrument, profile));
    const wasm = attempt(() => this.core.exits.bindInstrument(instrument, profile));
    expect(wasm.status, `bindInstrument(${instrument}, ${profile})`).toBe(ref.status);
  }
  applyVenueEvent(event: VenueEvent) {
    return both(`venue event ${json(event)}`, () => this.reference.exits.applyVenueEvent(event), () => this.core.exits.applyVenueEvent(event), this.where);
  }
  onPrice(price: ExitPrice) {
    return both(`price ${json(price)}`, () => this.reference.exits.onPrice(price), () => this.core.exits.onPrice(price), this.where);
  }
  onTimer(nowNs: bigint) {
    return both(`timer at ${nowNs}`, () => this.reference.exits.onTimer(nowNs), () => this.core.exits.onTimer(nowNs), this.where);
  }
  state(instrument: number): ExitState {
    return this.reference.exits.state(instrument);
  }

  /** Every exit state, order slot, counter, index block, working sum, position and mark. */
  checkState(): void {
    const ref = this.reference.exits;
    const core = this.core.exits;
    same('every order slot', core.orders.slots(), ref.orders.slots(), this.where);
    same('the order table counters', core.orders.counters(), ref.orders.counters(), this.where);
    for (const { instrument } of BOOK) {
      same(`instrument ${instrument}'s exit state`, core.state(instrument), ref.state(instrument), this.where);
      same(`instrument ${instrument}'s order index and working sums`, core.orders.instrumentOrders(instrument), ref.orders.instrumentOrders(instrument), this.where);
    }
  }
}

/** The ATR and regime inputs of both benches. */
function bothMarkets(reference: ExitMarketInputs, core: ExitMarketInputs): ExitMarketInputs {
  return {
    atrValue: core.atrValue,
    setAtr: (instrument, atr) => (reference.setAtr(instrument, atr), core.setAtr(instrument, atr)),
    setRegime: (instrument, label) => (reference.setRegime(instrument, label), core.setRegime(instrument, label)),
  };
}

/** Counts what a step exercised (see the keys checked at the end). */
function countCoverage(coverage: Map<string, number>, report: StepReport, before: ExitState[], after: ExitState[], scenario: ExitScenario, labels: number[]): void {
  const bump = (key: string) => coverage.set(key, (coverage.get(key) ?? 0) + 1);
  for (const { call, records } of report.calls) {
    for (const record of records) {
      if (record.record === 'order' && record.rule !== OrderRule.STRATEGY) {
        bump(`order ${record.rule === OrderRule.TRAILING_STOP && record.orderType === OrderType.MARKET ? 'trail released' : `rule ${record.rule}`}`);
        if (call === 'price' && record.orderType !== OrderType.MARKET) bump('deferred exit placed on a price');
        if (record.rule === OrderRule.MAX_HOLD && before[record.instrument].closing === 1) bump('max-hold close sent again');
      }
      if (record.record === 'cancel' && record.rule !== OrderRule.STRATEGY) bump('exit canceled');
      // Entries are placed by the stream itself; every other call's risk records are the exits'.
      const deferral = record.record === 'risk' && (record.reason === RiskReason.DEFERRED_STALE_PRICE || record.reason === RiskReason.DEFERRED_ORDER_RATE);
      if (deferral && call !== 'place') bump(`exit deferred ${record.reason} on a ${call}`);
    }
  }
  const venueStep = report.calls.some(({ call }) => call === 'venue');
  after.forEach((state, instrument) => {
    const was = before[instrument];
    if (venueStep && state.side !== 0 && state.side === was.side) {
      // An exit the venue canceled, rejected or expired is forgotten, to go out again on the next fresh price.
      if (was.stopOrderId !== 0n && state.stopOrderId === 0n) bump('stop dropped by the venue');
      if (was.trailOrderId !== 0n && state.trailOrderId === 0n && state.trailHit === 1) bump('released trail dropped by the venue');
      if (was.targetOrderIds.some((id, k) => id !== 0n && state.targetOrderIds[k] === 0n && (state.tiersDone & (1 << k)) === 0)) bump('tier dropped by the venue');
    }
    const profile = scenario.profiles[instrument];
    if (state.blockSign !== 0 && was.blockSign === 0) bump('re-entry blocked');
    if (was.side !== 0 && state.side === 0 && profile?.reentry === 1 && state.blockSign === 0) bump('closed, immediate re-entry');
    if (was.side !== 0 && state.side === -was.side) bump('flipped');
    if (was.side !== 0 && state.side === was.side && state.basePosition > was.basePosition) bump('grown');
    if (state.tiersDone !== 0 && was.tiersDone === 0) bump('tier taken');
    if (state.closing === 1 && was.closing === 0) bump('max-hold close');
    if (state.trailHit === 1) bump('trail hit, release deferred');
    if (state.deferredNs !== 0n && was.deferredNs !== 0n && state.side !== 0) bump('deferred across steps');
    const armed = state.side !== 0 && (state.entryNs !== was.entryNs || state.side !== was.side);
    if (armed && labels[instrument] >= 0 && profile && profile.regimeMultiplier[labels[instrument]] !== 1 && (state.stopPrice > 0 || state.trailOffset > 0)) bump('armed under a regime multiplier');
    if (armed && state.side < 0 && profile?.targets.some((target) => target.pct >= 1)) bump('short with a tier out of reach');
  });
}

describe('exit engine parity: TS reference equals the WASM core', () => {
  it('writes the same records and holds the same exit state and order table after every step of random streams', () => {
    const shared: { core?: ExitCore } = {};
    const coverage = new Map<string, number>();
    const atrValue = referenceBench().market.atrValue;
    fc.assert(
      fc.property(scenarioArb(atrValue, 160), (scenario) => {
        const core = coreBench(shared, STREAM_LIMITS, STREAM_TABLE);
        const reference = referenceBench(STREAM_LIMITS, STREAM_TABLE);
        let step = -1;
        const where = () => `step ${step} (${json(scenario.commands[step])}) of ${json(scenario)}`;
        const exits = new LockstepExits(reference, core, where);
        const labels = BOOK.map(() => -1);
        const market = bothMarkets(reference.market, core.market);
        let before = BOOK.map(({ instrument }) => exits.state(instrument));
        runStream(
          scenario,
          {
            exits,
            market: { ...market, setRegime: (instrument, label) => ((labels[instrument] = label), market.setRegime(instrument, label)) },
            instrumentState: (instrument) => reference.risk.instrumentState(instrument),
            settle: () => core.settle(),
          },
          (report) => {
            step = report.step;
            exits.checkState();
            const slices = (bench: ExitBench) => BOOK.map(({ instrument }) => riskSlice(bench.risk.instrumentState(instrument)));
            same('the positions, working sums and marks', slices(core), slices(reference), where);
            const after = BOOK.map(({ instrument }) => exits.state(instrument));
            countCoverage(coverage, report, before, after, scenario, labels);
            before = after;
          },
        );
      }),
      { seed: 2_027, numRuns: 150 },
    );
    const keys = [
      `order rule ${OrderRule.STOP}`, `order rule ${OrderRule.ATR_STOP}`, 'order trail released', `order rule ${OrderRule.TARGET_1}`, `order rule ${OrderRule.TARGET_2}`,
      `order rule ${OrderRule.MAX_HOLD}`, 'exit canceled', `exit deferred ${RiskReason.DEFERRED_STALE_PRICE} on a venue`,
      `exit deferred ${RiskReason.DEFERRED_ORDER_RATE} on a venue`, `exit deferred ${RiskReason.DEFERRED_ORDER_RATE} on a price`,
      `exit deferred ${RiskReason.DEFERRED_STALE_PRICE} on a timer`, 're-entry blocked', 'closed, immediate re-entry', 'flipped', 'grown', 'tier taken', 'max-hold close',
      'trail hit, release deferred', 'deferred across steps', 'deferred exit placed on a price', 'max-hold close sent again', 'armed under a regime multiplier', 'short with a tier out of reach',
      'stop dropped by the venue', 'released trail dropped by the venue', 'tier dropped by the venue',
    ];
    for (const key of keys) expect(coverage.get(key) ?? 0, `the streams exercised "${key}"`).toBeGreaterThan(0);
  });
});
