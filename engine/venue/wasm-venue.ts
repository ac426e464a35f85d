// TS glue over the core's simulated venue (wasm/assembly/venue): commands and market records
// are written as 64-byte records into a scratch area and handed over by offset, events come
// out of venuePop into the scratch area with their due time, and state is read through one
// DataView of the VENUE region. Only scalars cross; negative statuses become CoreStatusError.
import { checkCoreStatus } from '../core/core-status.js';
import type { CoreExports } from '../core/wasm-core.js';
import { EVENT_BYTES } from '../layout/event-record.js';
import { SCRATCH_REGION_BYTES, SCRATCH_REGION_OFFSET } from '../layout/memory-map.js';
import { OrderFlag } from '../orders/index.js';
import type { SimulatedVenue, VenueCounters, VenueInstrumentState, VenueOrderState, VenueQueueRecord } from './simulated-venue.js';
import { encodeVenueCommand, ORDER_TYPE_CODES, TIME_IN_FORCE_CODES, type VenueCommand, type VenueOrderType, type VenueTimeInForce } from './venue-commands.js';
import { resolveVenueConfig, VENUE_MODE_CODES, type VenueConfig, type VenueModeName } from './venue-config.js';
import { decodeVenueEvent, type VenueEvent } from './venue-events.js';
import { encodeMarketRecord, type VenueMarketRecord } from './venue-market.js';
import { readVenueRecord, writeVenueRecord } from './venue-record.js';
import * as L from './venue-layout.js';

/** The venue exports of wasm/assembly/index.ts. */
export interface VenueCoreExports extends CoreExports {
  venueConfigure(
    latency: number, entryNs: bigint, responseNs: bigint, jitterNs: bigint, feedMultiplier: number, seed: bigint, queueModel: number,
    queuePower: number, touchFills: number,
  ): number;
  venueConfigureInstrument(
    instrument: number, mode: number, makerFee: number, takerFee: number, halfSpreadBps: number, slippageBps: number, impactBps: number,
    impactModel: number, participation: number, multiplier: number, lotSize: number,
  ): number;
  venueSubmit(record: number, nowNs: bigint): number;
  venueMarket(record: number): number;
  venuePop(target: number): number;
  venueOrderOffset(clientId: bigint): number;
  venueInstrumentOffset(instrument: number): number;
}

const I64_MAX = (1n << 63n) - 1n;
/** venueOrderOffset's answer (ERR_BAD_ARGUMENT) when the venue holds no such order. */
const NO_ORDER = -6;
/** Scratch the glue uses: a record to hand over, then a popped record and its due time. */
export const WASM_VENUE_SCRATCH_BYTES = 2 * EVENT_BYTES + 8;

function nameOf<T extends string>(codes: Readonly<Record<T, number>>, code: number, what: string): T {
  const name = (Object.keys(codes) as T[]).find((key) => codes[key] === code);
  if (name === undefined) throw new Error(`venue region holds ${what} code ${code}, which the venue never writes`);
  return name;
}

export class WasmVenue implements SimulatedVenue {
  private readonly view: DataView;
  private readonly inAt: number;
  private readonly outAt: number;

  constructor(
    readonly core: VenueCoreExports,
    memory: WebAssembly.Memory,
    /** Byte offset of the scratch bytes (WASM_VENUE_SCRATCH_BYTES, 8-aligned) the glue may use. */
    scratchOffset: number = SCRATCH_REGION_OFFSET,
  ) {
    if (scratchOffset % 8 !== 0 || scratchOffset < SCRATCH_REGION_OFFSET || scratchOffset + WASM_VENUE_SCRATCH_BYTES > SCRATCH_REGION_OFFSET + SCRATCH_REGION_BYTES) {
      throw new RangeError(`\`scratchOffset\` must be 8-aligned with ${WASM_VENUE_SCRATCH_BYTES} bytes inside the scratch region, was ${scratchOffset}`);
    }
    this.view = new DataView(memory.buffer);
    this.inAt = scratchOffset;
    this.outAt = scratchOffset + EVENT_BYTES;
  }

  configure(config: VenueConfig): void {
    const c = resolveVenueConfig(config);
    checkCoreStatus(
      this.core.venueConfigure(c.latency, c.entryNs, c.responseNs, c.jitterNs, c.feedMultiplier, c.seed, c.queueModel, c.queuePower, c.touchFills),
      'venueConfigure',
    );
    for (const i of c.instruments) {
      checkCoreStatus(
        this.core.venueConfigureInstrument(i.instrument, i.mode, i.makerFee, i.takerFee, i.halfSpreadBps, i.slippageBps, i.impactBps, i.impactModel, i.participation, i.multiplier, i.lotSize),
        `venueConfigureInstrument(${i.instrument})`,
      );
    }
  }

  submit(command: VenueCommand, nowNs: bigint): void {
    writeVenueRecord(this.view, this.inAt, encodeVenueCommand(command, nowNs));
    checkCoreStatus(this.core.venueSubmit(this.inAt, nowNs), 'venueSubmit');
  }

  market(record: VenueMarketRecord): void {
    writeVenueRecord(this.view, this.inAt, encodeMarketRecord(record));
    checkCoreStatus(this.core.venueMarket(this.inAt), 'venueMarket');
  }

  nextDueNs(): bigint | null {
    const h = L.VENUE_HEADER;
    if (this.view.getInt32(h + L.VH_HEAP_SIZE, true) === 0) return null;
    const entry = this.view.getInt32(L.VENUE_HEAP_OFFSET, true);
    return this.view.getBigInt64(L.VENUE_KEYS_OFFSET + 16 * entry, true);
  }

  popRecord(): VenueQueueRecord | null {
    if (checkCoreStatus(this.core.venuePop(this.outAt), 'venuePop') === 0) return null;
    return { record: readVenueRecord(this.view, this.outAt), dueNs: this.view.getBigInt64(this.outAt + EVENT_BYTES, true) };
  }

  pop(): VenueEvent | null {
    const popped = this.popRecord();
    return popped === null ? null : decodeVenueEvent(popped.record, popped.dueNs);
  }

  order(clientId: bigint): VenueOrderState | null {
    const v = this.core.venueOrderOffset(clientId);
    if (v === NO_ORDER) return null;
    checkCoreStatus(v, 'venueOrderOffset');
    return this.readOrder(v);
  }

  private readOrder(v: number): VenueOrderState {
    const view = this.view;
    const i32 = (field: number) => view.getInt32(v + field, true);
    const f64 = (field: number) => view.getFloat64(v + field, true);
    const expiry = view.getBigInt64(v + L.VO_EXPIRY_NS, true);
    const state = i32(L.VO_STATE);
    if (state !== L.VO_RESTING && state !== L.VO_TRIGGERED) throw new Error(`venue order at ${v} is in state ${state}, neither resting nor triggered`);
    return {
      clientId: view.getBigUint64(v + L.VO_CLIENT_ID, true),
      instrument: i32(L.VO_INSTRUMENT),
      state: state === L.VO_RESTING ? 'resting' : 'triggered',
      orderType: nameOf<VenueOrderType>(ORDER_TYPE_CODES, i32(L.VO_TYPE), 'order type'),
      timeInForce: nameOf<VenueTimeInForce>(TIME_IN_FORCE_CODES, i32(L.VO_TIF), 'time in force'),
      reduceOnly: (i32(L.VO_FLAGS) & OrderFlag.REDUCE_ONLY) !== 0,
      qty: f64(L.VO_TOTAL),
      filled: f64(L.VO_FILLED),
      limitPrice: f64(L.VO_LIMIT_PX),
      stopPrice: f64(L.VO_STOP_PX),
      arrivalNs: view.getBigInt64(v + L.VO_ARRIVAL_NS, true),
      expiryNs: expiry === I64_MAX ? null : expiry,
      maker: i32(L.VO_MAKER) === 1,
      queueAhead: f64(L.VO_QUEUE_AHEAD),
      queueTraded: f64(L.VO_QUEUE_TRADED),
      queueKnown: i32(L.VO_QUEUE_KNOWN) === 1,
    };
  }

  instrument(instrument: number): VenueInstrumentState {
    const vi = checkCoreStatus(this.core.venueInstrumentOffset(instrument), `venueInstrumentOffset(${instrument})`);
    const view = this.view;
    const f64 = (field: number) => view.getFloat64(vi + field, true);
    const count = view.getInt32(vi + L.VI_COUNT, true);
    const orders: bigint[] = [];
    for (let slot = count > 0 ? view.getInt32(vi + L.VI_HEAD, true) : -1; slot >= 0; ) {
      const v = L.VENUE_ORDERS_OFFSET + slot * L.VENUE_ORDER_BYTES;
      orders.push(view.getBigUint64(v + L.VO_CLIENT_ID, true));
      slot = view.getInt32(v + L.VO_NEXT, true);
      if (orders.length > count) throw new Error(`venue order list of instrument ${instrument} is longer than its count ${count}`);
    }
    if (orders.length !== count) throw new Error(`venue order list of instrument ${instrument} holds ${orders.length} orders, its count says ${count}`);
    return {
      mode: nameOf<VenueModeName>(VENUE_MODE_CODES, view.getInt32(vi + L.VI_MODE, true), 'mode'),
      bid: f64(L.VI_BID),
      ask: f64(L.VI_ASK),
      bidSize: f64(L.VI_BID_SIZE),
      askSize: f64(L.VI_ASK_SIZE),
      bidLeft: f64(L.VI_BID_LEFT),
      askLeft: f64(L.VI_ASK_LEFT),
      last: f64(L.VI_LAST),
      lastSize: f64(L.VI_LAST_SIZE),
      quoted: view.getInt32(vi + L.VI_QUOTED, true) !== 0,
      traded: view.getInt32(vi + L.VI_TRADED, true) !== 0,
      feedLatencyNs: view.getBigInt64(vi + L.VI_FEED_LATENCY_NS, true),
      position: f64(L.VI_POSITION),
      volumeUsed: f64(L.VI_VOLUME_USED),
      usedBarNs: view.getBigInt64(vi + L.VI_USED_BAR_NS, true),
      orders,
    };
  }

  counters(): VenueCounters {
    const h = L.VENUE_HEADER;
    const i64 = (field: number) => Number(this.view.getBigInt64(h + field, true));
    return {
      ordersHeld: this.view.getInt32(h + L.VH_ORDERS, true),
      eventsQueued: this.view.getInt32(h + L.VH_HEAP_SIZE, true),
      fills: i64(L.VH_FILLS),
      rejects: i64(L.VH_REJECTS),
      canceled: i64(L.VH_CANCELED),
      expired: i64(L.VH_EXPIRED),
      earlyEvents: i64(L.VH_EARLY_EVENTS),
    };
  }
}
