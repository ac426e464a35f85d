// decCheckTargets / decDecideAndCheck (wasm/assembly/decision/check-targets.ts): after a
// batch, each instrument's bar close becomes its risk mark and the order its target implies
// goes through the core's pre-trade checks, in one core call.
import { describe, expect, it } from 'vitest';
import { DecisionPair } from '../../test/decision-harness.js';
import { DECISION_REGION_BYTES, DECISION_REGION_OFFSET, OUTBOUND_RING_OFFSET } from '../layout/memory-map.js';
import { initRing, RingConsumer } from '../ring/index.js';
import { RiskReason, WasmRiskEngine, type RiskCoreExports, type RiskLimits } from '../risk/index.js';
import { NO_ORDER } from './index.js';

const HOUR = 3_600_000_000_000n;
const NOW = 1_700_000_000_000_000_000n;
const EQUITY = 100_000;
const LOT = 0.01;
const LIMITS: RiskLimits = {
  maxPositionPct: 1, maxAssetClassPct: 1, maxGrossExposure: 1e9, maxLeverage: 10, dailyLossPct: 0.5,
  maxDrawdownPct: 0.5, priceBandPct: 0.05, minNotional: 1, maxOrders: 1024, windowNs: HOUR,
};
/** Record field `a`: the reason code of a risk record. */
const RECORD_REASON = 40;
/** Record field `id`: the order id of a risk record. */
const RECORD_ID = 56;

/** Instruments 0 and 1 decide long on an ML output (trending regime, close 100); only 0 is risk-configured. */
function setUp(limits: RiskLimits = LIMITS) {
  const pair = DecisionPair.create({
    sizing: { strategies: { fixed: { method: 'fixedFractional' } } },
    instruments: [0, 1].map((instrument) => ({ instrument, indicatorSlot: instrument, timeframe: '1h', strategy: 'fixed' })),
  });
  for (const instrument of [0, 1]) {
    pair.setBar(instrument, { close: 100, 'rvol:20': 0.01 });
    pair.setRegime(instrument, [1, 0, 0], [0, 1, 2]);
    pair.model({ instrument, tsNs: NOW - HOUR, quantiles: [-0.01, -0.004, 0.006, 0.012, 0.02] });
  }
  initRing(pair.memory, OUTBOUND_RING_OFFSET, 1024);
  const consumer = new RingConsumer(pair.memory, OUTBOUND_RING_OFFSET);
  const risk = new WasmRiskEngine(pair.core as unknown as RiskCoreExports, pair.memory, OUTBOUND_RING_OFFSET);
  risk.configure(limits);
  risk.configureInstrument({ instrument: 0, assetClass: 0, lotSize: LOT, staleNs: HOUR });
  risk.init(EQUITY, NOW - HOUR);
  pair.wasm.stageBatch([0, 1]);
  return { pair, risk, consumer };
}

describe('decDecideAndCheck: decide, mark and check the implied orders in one call', () => {
  it('checks the order the target implies, in whole lots, and counts it as working', () => {
    const { pair, risk } = setUp();
    pair.wasm.nextOrderId = 500n;
    const checked = pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    const target = pair.wasm.quantity(0);
    expect(target, 'the fixture decides a long target').toBeGreaterThan(0);
    const qty = pair.wasm.orderQuantity(0);
    expect(checked, 'one order: instrument 1 has no risk configuration').toBe(1);
    expect(qty, `target ${target} in lots of ${LOT}`).toBeCloseTo(LOT * Math.round(target / LOT), 12);
    expect(pair.wasm.orderReason(0), 'the order passes every check').toBe(RiskReason.ACCEPTED);
    const state = risk.instrumentState(0);
    expect(state.pendingBuy, 'an accepted order counts as working').toBe(qty);
    expect(state.mark, 'the bar close became the mark').toBe(100);
    expect(pair.wasm.nextOrderId, 'the order took id 500').toBe(501n);
  });

  it('implies no order once working orders cover the target', () => {
    const { pair } = setUp();
    pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    const checked = pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    expect(checked, 'position + working orders already equal the target').toBe(0);
    expect(pair.wasm.orderReason(0)).toBe(NO_ORDER);
    expect(pair.wasm.orderQuantity(0)).toBe(0);
  });

  it('gives an instrument without a risk configuration no order', () => {
    const { pair } = setUp();
    pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    expect(pair.wasm.quantity(1), 'instrument 1 has a target').toBeGreaterThan(0);
    expect(pair.wasm.orderReason(1), 'but no risk slot to check it against').toBe(NO_ORDER);
  });

  it('writes a denied order as a risk record with its reason', () => {
    const { pair, risk, consumer } = setUp();
    risk.restoreHalted(true);
    const checked = pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    expect(checked).toBe(1);
    expect(pair.wasm.orderReason(0), 'halted: no new exposure').toBe(RiskReason.KILL_SWITCH);
    expect(consumer.available(), 'one record for the denial').toBe(1);
    const view = new DataView(pair.memory.buffer);
    expect(view.getFloat64(consumer.slotOffset(consumer.cursor) + RECORD_REASON, true), 'the record carries the reason').toBe(RiskReason.KILL_SWITCH);
  });

  it('cuts an entry above the position limit to the largest order that fits, instead of denying it', () => {
    const { pair, risk } = setUp({ ...LIMITS, maxPositionPct: 0.1 });
    const checked = pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    expect(checked).toBe(1);
    expect(pair.wasm.quantity(0) * 100, 'the target is worth more than 10% of equity').toBeGreaterThan(0.1 * EQUITY);
    const qty = pair.wasm.orderQuantity(0);
    expect(pair.wasm.orderReason(0), 'the cut order passes every check').toBe(RiskReason.ACCEPTED);
    expect(pair.wasm.orderLimit(0), 'the position limit shaped it').toBe(RiskReason.MAX_POSITION);
    expect(qty * 100, 'within 10% of equity').toBeLessThanOrEqual(0.1 * EQUITY);
    expect(qty * 100, 'and at most a lot below it').toBeGreaterThanOrEqual(0.1 * EQUITY - LOT * 100 - 1e-6);
    expect(risk.instrumentState(0).pendingBuy).toBe(qty);
    const again = pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    expect(again, 'at the limit the next bar proposes nothing, and nothing is denied').toBe(0);
    expect(pair.wasm.orderLimit(0), 'the limit still binds').toBe(RiskReason.MAX_POSITION);
  });

  it('fits an entry to the room its asset class has left', () => {
    const { pair, risk } = setUp({ ...LIMITS, maxPositionPct: 0.5, maxAssetClassPct: 0.3 });
    risk.configureInstrument({ instrument: 1, assetClass: 0, lotSize: LOT, staleNs: HOUR });
    pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    const [first, second] = [0, 1].map((i) => pair.wasm.orderQuantity(i));
    expect([0, 1].map((i) => pair.wasm.orderReason(i)), 'both accepted').toEqual([RiskReason.ACCEPTED, RiskReason.ACCEPTED]);
    expect(pair.wasm.orderLimit(1), 'the second met the class limit').toBe(RiskReason.ASSET_CLASS);
    expect((first + second) * 100, 'together within 30% of equity').toBeLessThanOrEqual(0.3 * EQUITY);
    expect((first + second) * 100, 'and filling it to the lot').toBeGreaterThanOrEqual(0.3 * EQUITY - LOT * 100 - 1e-6);
  });

  it('proposes no order below the minimum notional, and says why', () => {
    const { pair, consumer } = setUp({ ...LIMITS, minNotional: 1e9 });
    const checked = pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    expect(checked, 'nothing to check').toBe(0);
    expect(pair.wasm.orderReason(0)).toBe(NO_ORDER);
    expect(pair.wasm.orderLimit(0)).toBe(RiskReason.MIN_NOTIONAL);
    expect(consumer.available(), 'and no denial record').toBe(0);
  });

  it('publishes the denials of one batch together, in list order', () => {
    const { pair, risk, consumer } = setUp();
    risk.configureInstrument({ instrument: 1, assetClass: 0, lotSize: LOT, staleNs: HOUR });
    risk.restoreHalted(true);
    pair.wasm.nextOrderId = 7n;
    const checked = pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    expect(checked, 'both instruments are risk-configured now').toBe(2);
    expect(consumer.available(), 'one published record per denial').toBe(2);
    const view = new DataView(pair.memory.buffer);
    const ids = [0, 1].map((k) => view.getBigInt64(consumer.slotOffset(consumer.cursor + k) + RECORD_ID, true));
    expect(ids, 'records in batch list order, each with its order id').toEqual([7n, 8n]);
  });

  it('stops at a full outbound ring and still publishes the records written before it', () => {
    const { pair, risk } = setUp();
    risk.configureInstrument({ instrument: 1, assetClass: 0, lotSize: LOT, staleNs: HOUR });
    risk.restoreHalted(true);
    initRing(pair.memory, OUTBOUND_RING_OFFSET, 1);
    const oneSlot = new RingConsumer(pair.memory, OUTBOUND_RING_OFFSET);
    expect(() => pair.wasm.decideAndCheckStaged(2, NOW, EQUITY, OUTBOUND_RING_OFFSET), 'the second denial finds no room').toThrow(/decDecideAndCheck/);
    expect(oneSlot.available(), 'the first denial is published; the unpublished one counted as used').toBe(1);
    const view = new DataView(pair.memory.buffer);
    expect(view.getFloat64(oneSlot.slotOffset(oneSlot.cursor) + RECORD_REASON, true), 'it is the first instrument\'s denial').toBe(RiskReason.KILL_SWITCH);
  });

  it('refuses to check before the risk module is initialised', () => {
    const pair = DecisionPair.create();
    pair.wasm.stageBatch([0]);
    expect(() => pair.wasm.decideAndCheckStaged(1, NOW, EQUITY, OUTBOUND_RING_OFFSET), 'riskConfigure and riskInit come first').toThrow(/decDecideAndCheck/);
  });
});

/**
 * Four instruments, three of them risk-configured (instrument 2 is not), long targets that
 * differ by instrument, and an order rate of 2 per hour: a bar gives accepted orders, denials
 * (ORDER_RATE) and an instrument without a check. `ringSlots` sizes the outbound ring.
 */
function setUpFour(ringSlots = 1024) {
  const instruments = [0, 1, 2, 3];
  const pair = DecisionPair.create({
    sizing: { strategies: { fixed: { method: 'fixedFractional' } } },
    instruments: instruments.map((instrument) => ({ instrument, indicatorSlot: instrument, timeframe: '1h', strategy: 'fixed' })),
  });
  for (const instrument of instruments) {
    pair.setRegime(instrument, [0.7, 0.2, 0.1], [0, 1, 2]);
    pair.model({ instrument, tsNs: NOW - HOUR, quantiles: [-0.01, -0.004, 0.002 * (instrument + 1), 0.012, 0.02] });
  }
  initRing(pair.memory, OUTBOUND_RING_OFFSET, ringSlots);
  const risk = new WasmRiskEngine(pair.core as unknown as RiskCoreExports, pair.memory, OUTBOUND_RING_OFFSET);
  risk.configure({ ...LIMITS, maxOrders: 2 });
  for (const instrument of [0, 1, 3]) risk.configureInstrument({ instrument, assetClass: instrument % 2, lotSize: LOT, staleNs: HOUR });
  risk.init(EQUITY, NOW - HOUR);
  pair.wasm.stageBatch(instruments);
  pair.wasm.nextOrderId = 1n;
  const bar = (k: number) => {
    for (const instrument of instruments) pair.setBar(instrument, { close: 100 + 3 * k + instrument, 'rvol:20': 0.01 + 0.002 * k });
  };
  return { pair, risk, bar, count: instruments.length };
}

/** The decision and risk state (fusion, sizing, risk regions) and the outbound ring, as bytes. */
function stateBytes(pair: DecisionPair, ringSlots: number): Uint8Array {
  const memory = new Uint8Array(pair.memory.buffer);
  const ring = memory.slice(OUTBOUND_RING_OFFSET, OUTBOUND_RING_OFFSET + 256 + 64 * ringSlots);
  const out = new Uint8Array(DECISION_REGION_BYTES + ring.length);
  out.set(memory.subarray(DECISION_REGION_OFFSET, DECISION_REGION_OFFSET + DECISION_REGION_BYTES));
  out.set(ring, DECISION_REGION_BYTES);
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe('decDecideAndCheck: one pass per instrument, the same result as the two passes', () => {
  it('leaves the same outputs, risk state and records as decRunBatch then decCheckTargets, bar after bar', () => {
    const fused = setUpFour();
    const passes = setUpFour();
    const outcomes = new Set<number>();
    for (let k = 0; k < 4; k++) {
      const now = NOW + BigInt(k) * 60_000_000_000n;
      fused.bar(k);
      passes.bar(k);
      const checked = fused.pair.wasm.decideAndCheckStaged(fused.count, now, EQUITY, OUTBOUND_RING_OFFSET);
      passes.pair.wasm.runStagedBatch(passes.count, now, EQUITY);
      const checkedByPasses = passes.pair.wasm.checkStagedTargets(passes.count, now, OUTBOUND_RING_OFFSET);
      expect(checked, `bar ${k}: orders checked`).toBe(checkedByPasses);
      for (const instrument of [0, 1, 2, 3]) outcomes.add(fused.pair.wasm.orderReason(instrument));
      const at = firstDifference(stateBytes(fused.pair, 1024), stateBytes(passes.pair, 1024));
      expect(at, `bar ${k}: first differing byte of the decision/risk regions and the ring (-1: none)`).toBe(-1);
    }
    expect([...outcomes].sort((a, b) => a - b), 'the bars gave no order, accepted orders and order-rate denials')
      .toEqual([NO_ORDER, RiskReason.ACCEPTED, RiskReason.ORDER_RATE]);
  });

  it('still decides every instrument after a check stops at a full ring, as the two passes do', () => {
    const fused = setUpFour(2);
    const passes = setUpFour(2);
    fused.bar(0);
    passes.bar(0);
    // Two accepted orders and no record; the next bar's order-rate denials find one free slot.
    fused.pair.wasm.decideAndCheckStaged(fused.count, NOW, EQUITY, OUTBOUND_RING_OFFSET);
    passes.pair.wasm.runStagedBatch(passes.count, NOW, EQUITY);
    passes.pair.wasm.checkStagedTargets(passes.count, NOW, OUTBOUND_RING_OFFSET);
    const later = NOW + 60_000_000_000n;
    fused.bar(1);
    passes.bar(1);
    initRing(fused.pair.memory, OUTBOUND_RING_OFFSET, 1);
    initRing(passes.pair.memory, OUTBOUND_RING_OFFSET, 1);
    expect(() => fused.pair.wasm.decideAndCheckStaged(fused.count, later, EQUITY, OUTBOUND_RING_OFFSET), 'the second denial finds no room').toThrow(/decDecideAndCheck/);
    passes.pair.wasm.runStagedBatch(passes.count, later, EQUITY);
    expect(() => passes.pair.wasm.checkStagedTargets(passes.count, later, OUTBOUND_RING_OFFSET)).toThrow(/decCheckTargets/);
    expect(fused.pair.wasm.output(3).tsNs, 'the instrument after the failed check was decided at this bar').toBe(later);
    const at = firstDifference(stateBytes(fused.pair, 1), stateBytes(passes.pair, 1));
    expect(at, 'first differing byte of the decision/risk regions and the ring (-1: none)').toBe(-1);
  });

  it('returns the status of decRunBatch for a listed instrument it cannot decide, before any check', () => {
    const { pair, risk, bar, count } = setUpFour();
    bar(0);
    pair.wasm.stageBatch([0, 1, 7, 3]);
    expect(() => pair.wasm.decideAndCheckStaged(count, NOW, EQUITY, OUTBOUND_RING_OFFSET), 'instrument 7 was never configured').toThrow(/decDecideAndCheck/);
    expect(pair.wasm.nextOrderId, 'no order took an id').toBe(1n);
    expect(risk.instrumentState(0).pendingBuy, 'no order of instrument 0 was accepted').toBe(0);
    expect(pair.wasm.output(1).tsNs, 'the instruments before it were decided, as decRunBatch does').toBe(NOW);
  });
});
