// The simulated venue in plain TypeScript: the parity oracle of the WASM core's venue
// (wasm/assembly/venue). Same event order (due time, then sequence), same latency draws
// (splitmix64 over BigInt), same fills, prices, fees, fill ids, queue positions and expiries.
import type { SimulatedVenue, VenueCounters, VenueInstrumentState, VenueOrderState, VenueQueueRecord } from '../simulated-venue.js';
import { encodeVenueCommand, ORDER_TYPE_CODES, TIME_IN_FORCE_CODES, type VenueCommand, type VenueOrderType, type VenueTimeInForce } from '../venue-commands.js';
import { resolveVenueConfig, VENUE_MODE_CODES, type VenueConfig, type VenueModeName } from '../venue-config.js';
import { decodeVenueEvent, type VenueEvent } from '../venue-events.js';
import { encodeMarketRecord, marketRecordTime, type VenueMarketRecord } from '../venue-market.js';
import { VO_RESTING } from '../venue-layout.js';
import { EventKind } from '../../layout/event-record.js';
import { FLAG_REDUCE_ONLY } from '../../orders/order-layout.js';
import { onMarket, processCommand, takeCommand } from './reference-intake.js';
import { I64_MAX, ReferenceVenueState } from './reference-state.js';

function nameOf<T extends string>(codes: Readonly<Record<T, number>>, code: number): T {
  return (Object.keys(codes) as T[]).find((key) => codes[key] === code) as T;
}

export class ReferenceVenue implements SimulatedVenue {
  private configured: ReferenceVenueState | null = null;

  private get state(): ReferenceVenueState {
    if (this.configured === null) throw new Error('reference venue used before configure()');
    return this.configured;
  }

  configure(config: VenueConfig): void {
    this.configured = new ReferenceVenueState(resolveVenueConfig(config));
  }

  submit(command: VenueCommand, nowNs: bigint): void {
    takeCommand(this.state, encodeVenueCommand(command, nowNs), nowNs);
  }

  market(record: VenueMarketRecord): void {
    onMarket(this.state, encodeMarketRecord(record), marketRecordTime(record));
  }

  nextDueNs(): bigint | null {
    return this.state.queue.nextDueNs();
  }

  popRecord(): VenueQueueRecord | null {
    const state = this.state;
    const taken = state.queue.take();
    if (taken === null) return null;
    if ((taken.record.kind & EventKind.DIRECTION_OUTBOUND) !== 0) processCommand(state, taken.record, taken.dueNs);
    state.queue.release();
    return { record: taken.record, dueNs: taken.dueNs };
  }

  pop(): VenueEvent | null {
    const popped = this.popRecord();
    return popped === null ? null : decodeVenueEvent(popped.record, popped.dueNs);
  }

  order(clientId: bigint): VenueOrderState | null {
    const o = this.state.orders.get(clientId);
    if (o === undefined) return null;
    return {
      clientId: o.clientId,
      instrument: o.instrument,
      state: o.state === VO_RESTING ? 'resting' : 'triggered',
      orderType: nameOf<VenueOrderType>(ORDER_TYPE_CODES, o.type),
      timeInForce: nameOf<VenueTimeInForce>(TIME_IN_FORCE_CODES, o.tif),
      reduceOnly: (o.flags & FLAG_REDUCE_ONLY) !== 0,
      qty: o.total,
      filled: o.filled,
      limitPrice: o.limit,
      stopPrice: o.stop,
      arrivalNs: o.arrivalNs,
      expiryNs: o.expiryNs === I64_MAX ? null : o.expiryNs,
      maker: o.maker,
      queueAhead: o.queueAhead,
      queueTraded: o.queueTraded,
      queueKnown: o.queueKnown,
    };
  }

  instrument(instrument: number): VenueInstrumentState {
    const i = this.state.instruments[instrument];
    if (i === undefined) throw new RangeError(`\`instrument\` must be an integer in [0, ${this.state.instruments.length - 1}], was ${instrument}`);
    return {
      mode: nameOf<VenueModeName>(VENUE_MODE_CODES, i.mode),
      bid: i.bid,
      ask: i.ask,
      bidSize: i.bidSize,
      askSize: i.askSize,
      bidLeft: i.bidLeft,
      askLeft: i.askLeft,
      last: i.last,
      lastSize: i.lastSize,
      quoted: i.quoted,
      traded: i.traded,
      feedLatencyNs: i.feedLatencyNs,
      position: i.position,
      volumeUsed: i.volumeUsed,
      usedBarNs: i.usedBarNs,
      orders: i.orders.map((o) => o.clientId),
    };
  }

  counters(): VenueCounters {
    const state = this.state;
    return {
      ordersHeld: state.orders.size,
      eventsQueued: state.queue.size,
      fills: state.fills,
      rejects: state.rejects,
      canceled: state.canceled,
      expired: state.expired,
      earlyEvents: state.earlyEvents,
    };
  }
}
