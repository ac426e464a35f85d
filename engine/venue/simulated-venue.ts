// The simulated venue's contract, kept by the WASM core's venue (wasm-venue.ts) and by its
// plain TS reference (reference/): configure it, hand it commands and market records, take
// its events out in due order (time, then first in first out), and read its state.
import type { VenueCommand, VenueOrderType, VenueTimeInForce } from './venue-commands.js';
import type { VenueConfig, VenueModeName } from './venue-config.js';
import type { VenueEvent } from './venue-events.js';
import type { VenueMarketRecord } from './venue-market.js';
import type { VenueRecord } from './venue-record.js';

/** The venue's side of an order it holds. */
export interface VenueOrderState {
  readonly clientId: bigint;
  readonly instrument: number;
  /** triggered: a stop whose trigger was hit, now a market or limit order. */
  readonly state: 'resting' | 'triggered';
  readonly orderType: VenueOrderType;
  readonly timeInForce: VenueTimeInForce;
  readonly reduceOnly: boolean;
  /** Signed total and filled quantities. */
  readonly qty: number;
  readonly filled: number;
  readonly limitPrice: number;
  readonly stopPrice: number;
  /** When it (or its last replace) reached the venue: its time priority. */
  readonly arrivalNs: bigint;
  /** End of its UTC day (DAY orders), else null. */
  readonly expiryNs: bigint | null;
  /** Its limit fills add liquidity (it rested). */
  readonly maker: boolean;
  /** Displayed size ahead of it at its price (tick mode), when known. */
  readonly queueAhead: number;
  readonly queueTraded: number;
  readonly queueKnown: boolean;
}

/** The venue's market state, position and book of one instrument. */
export interface VenueInstrumentState {
  readonly mode: VenueModeName;
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
  /** Displayed size our fills have not taken since the last quote. */
  readonly bidLeft: number;
  readonly askLeft: number;
  /** Last trade (tick mode) or bar close (bar mode). */
  readonly last: number;
  readonly lastSize: number;
  readonly quoted: boolean;
  readonly traded: boolean;
  readonly feedLatencyNs: bigint;
  /** The venue's position from its own fills (reduce-only orders fill up to it). */
  readonly position: number;
  /** Volume our fills took from the bar closing at usedBarNs. */
  readonly volumeUsed: number;
  readonly usedBarNs: bigint;
  /** Client ids of its orders, in time priority. */
  readonly orders: readonly bigint[];
}

export interface VenueCounters {
  readonly ordersHeld: number;
  readonly eventsQueued: number;
  readonly fills: number;
  readonly rejects: number;
  readonly canceled: number;
  readonly expired: number;
  /** Commands the venue took at once because its queue was full. */
  readonly earlyEvents: number;
}

/** An event taken out of the queue, as its record and due time. */
export interface VenueQueueRecord {
  readonly record: VenueRecord;
  readonly dueNs: bigint;
}

export interface SimulatedVenue {
  /** Clears the venue (book, queue, market state) and sets it up; throws on a bad config. */
  configure(config: VenueConfig): void;
  /** A command sent at `nowNs`: queued to reach the venue after the entry latency (ignored for an instrument not simulated). */
  submit(command: VenueCommand, nowNs: bigint): void;
  /** A market record, seen at its event time: DAY orders past their day expire, then orders fill as it allows. */
  market(record: VenueMarketRecord): void;
  /** Due time of the earliest queued event, or null when none. */
  nextDueNs(): bigint | null;
  /** Takes the earliest event out (a command is acted on by the venue), as its record; null when none. */
  popRecord(): VenueQueueRecord | null;
  /** popRecord, decoded. */
  pop(): VenueEvent | null;
  /** The venue's order `clientId`, or null when it holds none. */
  order(clientId: bigint): VenueOrderState | null;
  instrument(instrument: number): VenueInstrumentState;
  counters(): VenueCounters;
}
