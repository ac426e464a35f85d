// TS glue over the core's exit engine (wasm/assembly/exits; exports in exit-api.ts and
// exit-engine.ts): writes and checks profiles, binds instruments, and feeds the exits the
// engine loop's inputs through the same core calls the loop makes (a venue record through
// ordersApplyVenueRecord, whose fills reach exitsOnFill; a price through riskOnMark then
// exitsMark; a timer through ordersTimer then exitsTimer). The records each call published on
// the outbound ring come back decoded, without being consumed (the ring's consumer releases
// them); the exit state reads through one DataView of the memory.
import { checkCoreStatus } from '../core/core-status.js';
import { type OrderCoreExports, type OrderFlowRecord, type VenueEvent, type WasmOrderManager } from '../orders/index.js';
import type { ExitEngine, ExitPrice } from './exit-engine.js';
import { writeExitProfile, type ExitProfile } from './exit-profile.js';
import { readExitState, type ExitState } from './read-exit-state.js';

/** The exit exports of wasm/assembly/index.ts, with the order-table and mark exports they follow. */
export interface ExitCoreExports extends OrderCoreExports {
  exitsReset(): number;
  exitsConfigureProfile(profile: number): number;
  exitsConfigureInstrument(instrument: number, profile: number): number;
  exitsMark(instrument: number, nowNs: bigint, high: number, low: number, ring: number): number;
  exitsTimer(nowNs: bigint, ring: number): number;
  exitsProfileOffset(profile: number): number;
  exitsStateOffset(instrument: number): number;
  riskOnMark(instrument: number, tsNs: bigint, price: number, outRing: number): number;
}

export class WasmExitEngine implements ExitEngine {
  private readonly view: DataView;
  private readonly outRing: number;

  constructor(
    readonly core: ExitCoreExports,
    memory: WebAssembly.Memory,
    /** The glue of the same core's order table (its outbound ring is the exits' too). */
    readonly orders: WasmOrderManager,
  ) {
    this.view = new DataView(memory.buffer);
    this.outRing = orders.outRing;
  }

  private published(): number {
    return this.orders.published();
  }

  private recordsSince(from: number): OrderFlowRecord[] {
    return this.orders.recordsSince(from);
  }

  reset(): void {
    checkCoreStatus(this.core.exitsReset(), 'exitsReset');
  }

  configureProfile(profile: number, spec: ExitProfile): void {
    const offset = checkCoreStatus(this.core.exitsProfileOffset(profile), `exitsProfileOffset(${profile})`);
    writeExitProfile(this.view, offset, spec);
    checkCoreStatus(this.core.exitsConfigureProfile(profile), `exitsConfigureProfile(${profile})`);
  }

  bindInstrument(instrument: number, profile: number): void {
    checkCoreStatus(this.core.exitsConfigureInstrument(instrument, profile), `exitsConfigureInstrument(${instrument}, ${profile})`);
  }

  applyVenueEvent(event: VenueEvent): OrderFlowRecord[] {
    return this.orders.applyVenueEvent(event);
  }

  onPrice(price: ExitPrice): OrderFlowRecord[] {
    const { instrument, tsNs, close, high, low } = price;
    const before = this.published();
    checkCoreStatus(this.core.riskOnMark(instrument, tsNs, close, this.outRing), `riskOnMark(${instrument}, ${close})`);
    checkCoreStatus(this.core.exitsMark(instrument, tsNs, high, low, this.outRing), `exitsMark(${instrument})`);
    return this.recordsSince(before);
  }

  onTimer(nowNs: bigint): OrderFlowRecord[] {
    const before = this.published();
    checkCoreStatus(this.core.ordersTimer(nowNs, this.outRing), 'ordersTimer');
    checkCoreStatus(this.core.exitsTimer(nowNs, this.outRing), 'exitsTimer');
    return this.recordsSince(before);
  }

  state(instrument: number): ExitState {
    return readExitState(this.view, checkCoreStatus(this.core.exitsStateOffset(instrument), `exitsStateOffset(${instrument})`));
  }
}
