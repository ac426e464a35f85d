// Parity of the pre-trade risk module: the plain TS reference (engine/risk/reference-risk-engine.ts)
// and the compiled core (wasm/assembly/risk) driven in lockstep over random command streams
// (prices, crashes, orders, fills, cancels, day changes) must make the same decision with the
// same risk record for every order, emit the same flatten records, and hold bit-identical
// state (cash, equity, high-water mark, positions, pending, marks) after every command.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ReferenceRiskEngine, RiskReason, riskReasonName, type PreTradeRisk, type ProposedOrder, type RiskDecision, type RiskRecord,
} from '../engine/risk/index.js';
import { BOOK, createWasmRisk, drain, runStream, setUpBook, streamArb } from './risk-stream.js';

/** Forwards every call to both engines and fails on the first difference. */
class LockstepRisk implements PreTradeRisk {
  constructor(readonly reference: ReferenceRiskEngine, readonly wasm: PreTradeRisk, private readonly label: () => string) {}

  private same<T>(what: string, ref: T, core: T): T {
    expect(core, `${what}: core differs from the TS reference at ${this.label()}`).toStrictEqual(ref);
    return ref;
  }

  configure(...args: Parameters<PreTradeRisk['configure']>): void {
    this.reference.configure(...args);
    this.wasm.configure(...args);
  }
  configureInstrument(...args: Parameters<PreTradeRisk['configureInstrument']>): void {
    this.reference.configureInstrument(...args);
    this.wasm.configureInstrument(...args);
  }
  init(cash: number, tsNs: bigint): void {
    this.reference.init(cash, tsNs);
    this.wasm.init(cash, tsNs);
  }
  onMark(instrument: number, tsNs: bigint, price: number): RiskRecord[] {
    return this.same('flatten records after a mark', this.reference.onMark(instrument, tsNs, price), this.wasm.onMark(instrument, tsNs, price));
  }
  onFill(instrument: number, tsNs: bigint, qty: number, price: number, fee: number): RiskRecord[] {
    return this.same('flatten records after a fill', this.reference.onFill(instrument, tsNs, qty, price, fee), this.wasm.onFill(instrument, tsNs, qty, price, fee));
  }
  onOrderClosed(instrument: number, remainingQty: number): void {
    this.reference.onOrderClosed(instrument, remainingQty);
    this.wasm.onOrderClosed(instrument, remainingQty);
  }
  checkOrder(order: ProposedOrder): RiskDecision {
    return this.same(`decision on order ${order.orderId}`, this.reference.checkOrder(order), this.wasm.checkOrder(order));
  }
  impliedOrder(instrument: number, target: number, price: number) {
    return this.same(`implied order of instrument ${instrument} for target ${target} at ${price}`, this.reference.impliedOrder(instrument, target, price), this.wasm.impliedOrder(instrument, target, price));
  }
  emitFlatten(): RiskRecord[] {
    return this.same('flatten records', this.reference.emitFlatten(), this.wasm.emitFlatten());
  }
  restoreHalted(halted: boolean): void {
    this.reference.restoreHalted(halted);
    this.wasm.restoreHalted(halted);
  }
  resetKillSwitch(): void {
    this.reference.resetKillSwitch();
    this.wasm.resetKillSwitch();
  }
  account() {
    return this.same('account state', this.reference.account(), this.wasm.account());
  }
  instrumentState(instrument: number) {
    return this.same(`state of instrument ${instrument}`, this.reference.instrumentState(instrument), this.wasm.instrumentState(instrument));
  }
}

describe('risk parity: TS reference equals the WASM core', () => {
  it('makes the same decisions and holds the same state on random order, price and fill streams', () => {
    const { risk: wasm, consumer } = createWasmRisk();
    const reasons = new Map<string, number>();
    const shaped = new Map<string, number>();
    let trips = 0;
    fc.assert(
      fc.property(streamArb, (commands) => {
        let step = 0;
        const lockstep = new LockstepRisk(new ReferenceRiskEngine(), wasm, () => `command ${step} of ${JSON.stringify(commands)}`);
        setUpBook(lockstep);
        drain(consumer);
        runStream(
          lockstep,
          commands,
          (result) => {
            if (result.type === 'check') {
              const name = riskReasonName(result.decision.reason);
              reasons.set(name, (reasons.get(name) ?? 0) + 1);
            }
            if (result.type !== 'check' && result.type !== 'other' && result.records.length > 0) trips += 1;
          },
          () => {
            step += 1;
            const { equity } = lockstep.account();
            for (const entry of BOOK) {
              const { position, mark, hasMark } = lockstep.instrumentState(entry.instrument);
              if (!hasMark) continue;
              // Targets around the limits and the position: the order stage's implied order must agree too.
              for (const target of [position, position + 0.3 * entry.lotSize, -position, (equity / mark) * 0.2, (equity / mark) * 0.6, (-equity / mark) * 2, (equity / mark) * 3]) {
                const { limit } = lockstep.impliedOrder(entry.instrument, target, mark);
                const name = riskReasonName(limit);
                shaped.set(name, (shaped.get(name) ?? 0) + 1);
              }
            }
            drain(consumer);
          },
        );
        if (lockstep.account().halted) {
          lockstep.emitFlatten();
          lockstep.resetKillSwitch();
          lockstep.account();
        }
        drain(consumer);
      }),
      { numRuns: 100, seed: 20261121 },
    );
    expect(reasons.get('ACCEPTED') ?? 0, `streams must accept orders to be meaningful, reasons seen: ${JSON.stringify([...reasons])}`).toBeGreaterThan(100);
    for (const name of ['KILL_SWITCH', 'STALE_PRICE', 'PRICE_BAND', 'MAX_POSITION', 'ASSET_CLASS', 'ORDER_RATE', 'MIN_NOTIONAL'] as const) {
      expect(reasons.get(name) ?? 0, `streams must exercise ${name} (${RiskReason[name]}), reasons seen: ${JSON.stringify([...reasons])}`).toBeGreaterThan(0);
    }
    expect(trips, 'streams must trip the kill switch with open positions at least once').toBeGreaterThan(0);
    for (const name of ['ACCEPTED', 'MAX_POSITION', 'ASSET_CLASS', 'MIN_NOTIONAL'] as const) {
      expect(shaped.get(name) ?? 0, `implied orders must meet ${name}, limits seen: ${JSON.stringify([...shaped])}`).toBeGreaterThan(0);
    }
  });


  it('an implied order cut to fit the exposure limits passes them when checked', () => {
    const { risk, consumer } = createWasmRisk();
    const exposure = new Set<number>([RiskReason.MAX_POSITION, RiskReason.ASSET_CLASS, RiskReason.GROSS_EXPOSURE, RiskReason.LEVERAGE]);
    let fitted = 0;
    fc.assert(
      fc.property(streamArb, fc.integer({ min: 1, max: 40 }), (commands, multiple) => {
        setUpBook(risk);
        drain(consumer);
        runStream(risk, commands, () => {}, () => {
          const { equity } = risk.account();
          for (const entry of BOOK) {
            const { mark, hasMark } = risk.instrumentState(entry.instrument);
            if (!hasMark) continue;
            const target = ((entry.instrument % 2 === 0 ? 1 : -1) * multiple * 0.1 * equity) / mark;
            const { qty, limit } = risk.impliedOrder(entry.instrument, target, mark);
            if (qty === 0 || !exposure.has(limit)) continue;
            fitted++;
            const { reason } = risk.checkOrder({ orderId: 1n, instrument: entry.instrument, tsNs: risk.account().clockNs, qty, price: mark });
            expect(exposure.has(reason), `order ${qty} of instrument ${entry.instrument}, cut by ${riskReasonName(limit)}, denied for ${riskReasonName(reason)}`).toBe(false);
          }
          drain(consumer);
        });
        drain(consumer);
      }),
      { numRuns: 60, seed: 20261122 },
    );
    expect(fitted, 'streams must cut orders to fit').toBeGreaterThan(100);
  });
});
