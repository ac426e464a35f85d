// Sets up the account and everything that trades, in the core, before the first event (on
// the engine thread): risk limits and instruments, the portfolio (linking, carry, currencies,
// contract terms), the account's cash (riskInit), the order table, the simulated venue, the
// exits of the strategy and the order stage; then a persisted halt (its flatten records, if
// a position is open, go to the outbound ring). Each core call's status is checked, and a
// refusal names the call and the instrument.
import { checkCoreStatus } from '../core/core-status.js';
import type { CoreExports } from '../core/wasm-core.js';
import { OUTBOUND_RING_OFFSET } from '../layout/memory-map.js';
import { WasmRiskEngine, type RiskCoreExports } from '../risk/index.js';
import { EXIT_PROFILES_OFFSET, writeExitProfile } from '../exits/index.js';
import type { ExecutionSpec, ExitsSpec } from './execution-spec.js';
import { exitsNeedAtr } from './execution-spec.js';

/** The execution exports of wasm/assembly/index.ts. */
export interface ExecutionCoreExports extends CoreExports {
  portfolioConfigure(linking: number, negativeCashRate: number, daysPerYear: number): number;
  portfolioConfigureCurrency(currency: number, rate: number): number;
  portfolioConfigureInstrument(instrument: number, multiplier: number, currency: number, settlement: number, fundingRate: number, fundingIntervalNs: bigint, borrowRate: number): number;
  ordersConfigure(capacity: number, ackTimeoutNs: bigint, cancelTimeoutNs: bigint, firstId: bigint): number;
  venueConfigure(latency: number, entryNs: bigint, responseNs: bigint, jitterNs: bigint, feedMultiplier: number, seed: bigint, queueModel: number, queuePower: number, touchFills: number): number;
  venueConfigureInstrument(instrument: number, mode: number, makerFee: number, takerFee: number, halfSpreadBps: number, slippageBps: number, impactBps: number, impactModel: number, participation: number, multiplier: number, lotSize: number): number;
  exitsReset(): number;
  exitsConfigureProfile(profile: number): number;
  exitsConfigureInstrument(instrument: number, profile: number): number;
  pipelineSetExecution(bandEquityPct: number, bandPositionPct: number, entryType: number, entryTif: number, limitOffsetBps: number, repriceBps: number, confirmBars: number): number;
}

/** The risk account the engine starts with (see engine/pipeline PipelineRisk). */
export interface AccountStart {
  readonly limits: Parameters<WasmRiskEngine['configure']>[0];
  readonly instruments: readonly Parameters<WasmRiskEngine['configureInstrument']>[0][];
  readonly cash: number;
  readonly startNs: bigint;
  readonly halted: boolean;
}

/** Writes the exit profile of the strategy (profile 0) for the core to check; `atrValue` is the ATR's plan value index (-1: none). */
function writeStrategyExits(memory: WebAssembly.Memory, exits: ExitsSpec, atrValue: number): void {
  const { stopPct, atrMultiple, trailPct, trailAtrMultiple, targets, maxHoldNs, regimeMultiplier, reentry } = exits;
  writeExitProfile(new DataView(memory.buffer), EXIT_PROFILES_OFFSET, { stopPct, atrMultiple, atrValue, trailPct, trailAtrMultiple, targets, maxHoldNs, regimeMultiplier, reentry });
}

/**
 * Configures the account and execution in the core (see the header). `atrValueIndex` resolves
 * the exits' ATR token in the loaded indicator plan (-1 when the plan has none).
 */
export function configureExecution(core: CoreExports, memory: WebAssembly.Memory, account: AccountStart, execution: ExecutionSpec, atrValueIndex: number): void {
  const x = core as ExecutionCoreExports;
  const risk = new WasmRiskEngine(core as RiskCoreExports, memory, OUTBOUND_RING_OFFSET);
  risk.configure(account.limits);
  for (const instrument of account.instruments) risk.configureInstrument(instrument);
  const { linking, negativeCashRate, daysPerYear, currencies } = execution.account;
  checkCoreStatus(x.portfolioConfigure(linking, negativeCashRate, daysPerYear), 'portfolioConfigure');
  for (const c of currencies) checkCoreStatus(x.portfolioConfigureCurrency(c.id, c.rate), `portfolioConfigureCurrency(${c.code})`);
  for (const t of execution.instruments) {
    checkCoreStatus(
      x.portfolioConfigureInstrument(t.instrument, t.multiplier, t.currency, t.settlement, t.fundingRate, t.fundingIntervalNs, t.borrowRate),
      `portfolioConfigureInstrument(instrument ${t.instrument})`,
    );
  }
  risk.init(account.cash, account.startNs);
  const { orders } = execution;
  checkCoreStatus(x.ordersConfigure(orders.capacity, orders.ackTimeoutNs, orders.cancelTimeoutNs, orders.firstOrderId), 'ordersConfigure');
  const venue = execution.venue;
  if (venue) {
    checkCoreStatus(
      x.venueConfigure(venue.latency, venue.entryNs, venue.responseNs, venue.jitterNs, venue.feedMultiplier, venue.seed, venue.queueModel, venue.queuePower, venue.touchFills),
      'venueConfigure',
    );
    for (const v of venue.instruments) {
      checkCoreStatus(
        x.venueConfigureInstrument(v.instrument, v.mode, v.makerFee, v.takerFee, v.halfSpreadBps, v.slippageBps, v.impactBps, v.impactModel, v.participation, v.multiplier, v.lotSize),
        `venueConfigureInstrument(instrument ${v.instrument})`,
      );
    }
  }
  checkCoreStatus(x.exitsReset(), 'exitsReset');
  if (execution.exits) {
    writeStrategyExits(memory, execution.exits, exitsNeedAtr(execution.exits) ? atrValueIndex : -1);
    checkCoreStatus(x.exitsConfigureProfile(0), 'exitsConfigureProfile (the `exits` section)');
    for (const instrument of execution.exits.instruments) checkCoreStatus(x.exitsConfigureInstrument(instrument, 0), `exitsConfigureInstrument(${instrument})`);
  }
  const s = execution.orderStage;
  checkCoreStatus(x.pipelineSetExecution(s.bandEquityPct, s.bandPositionPct, s.entryType, s.entryTif, s.limitOffsetBps, s.repriceBps, s.confirmBars), 'pipelineSetExecution');
  if (account.halted) {
    risk.restoreHalted(true);
    risk.emitFlatten();
  }
}
