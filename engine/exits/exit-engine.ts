// The contract both exit engines keep: the WASM core glue (wasm-exit-engine.ts) and the plain
// TS reference (reference/reference-exit-engine.ts). Each drives an order table (the one whose
// orders the exits are) and takes the engine loop's inputs in its order: venue records (the
// order table, then the exits react to a fill), prices (the risk mark, then the exits see the
// bar's high and low) and timers (the order table's timeouts, then the maximum holding time).
// Every call returns the records it wrote to the outbound ring, decoded; the state reads out
// as plain objects. Parity tests drive both with the same streams and compare everything.
import type { OrderFlowRecord, OrderManager, VenueEvent } from '../orders/index.js';
import type { ExitProfile } from './exit-profile.js';
import type { ExitState } from './read-exit-state.js';

/** A price of an instrument: a BAR (observed at max(tsExchange, tsLocal)) or a TRADE (high = low = close). */
export interface ExitPrice {
  readonly instrument: number;
  readonly tsNs: bigint;
  /** The mark: a BAR's close or a TRADE's price. */
  readonly close: number;
  readonly high: number;
  readonly low: number;
}

export interface ExitEngine {
  /** The order table the exits' orders go through (entries are placed on it directly). */
  readonly orders: OrderManager;
  /** Unbinds every instrument and clears its exit state (profiles stay). */
  reset(): void;
  /** Writes and checks exit profile `profile` (0 .. EXIT_PROFILES - 1); a CoreStatusError when refused. */
  configureProfile(profile: number, spec: ExitProfile): void;
  /** Binds `instrument` to a configured profile, or unbinds it (-1). */
  bindInstrument(instrument: number, profile: number): void;
  /** A venue record as the engine loop applies it: the order table, then the exits after a fill. */
  applyVenueEvent(event: VenueEvent): OrderFlowRecord[];
  /** A price as the engine loop applies it: the risk mark, then the exits. */
  onPrice(price: ExitPrice): OrderFlowRecord[];
  /** A TIMER as the engine loop applies it: the order table's timeouts, then the exits' holding-time check. */
  onTimer(nowNs: bigint): OrderFlowRecord[];
  state(instrument: number): ExitState;
}
