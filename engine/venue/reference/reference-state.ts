// The reference venue's state as plain objects: its models (from a resolved config), its
// generator, fill-id cursor, clock and counters, each instrument's costs, market state and
// orders in time priority, and its orders by client id. Mirrors the VENUE region
// (wasm/assembly/venue/venue-layout.ts), without slots or links.
import { INSTRUMENT_CAPACITY } from '../../layout/memory-map.js';
import type { ResolvedVenueConfig } from '../venue-config.js';
import { VENUE_OFF } from '../venue-layout.js';
import { ReferenceEventQueue } from './reference-event-queue.js';
import { SplitMix64 } from './splitmix64.js';

export const I64_MAX = (1n << 63n) - 1n;
export const I64_MIN = -(1n << 63n);

/** Wraps like an i64 sum in the core. */
export function i64(value: bigint): bigint {
  return BigInt.asIntN(64, value);
}

/** The venue's side of one order (codes of wasm/assembly/orders/order-layout.ts). */
export interface SimOrder {
  readonly clientId: bigint;
  readonly instrument: number;
  /** False once removed from the book. */
  held: boolean;
  /** VO_RESTING or VO_TRIGGERED. */
  state: number;
  type: number;
  tif: number;
  flags: number;
  total: number;
  filled: number;
  limit: number;
  stop: number;
  arrivalNs: bigint;
  /** I64_MAX: none. */
  expiryNs: bigint;
  maker: boolean;
  queueAhead: number;
  queueTraded: number;
  queueKnown: boolean;
}

export interface SimInstrument {
  mode: number;
  makerFee: number;
  takerFee: number;
  halfSpreadBps: number;
  slippageBps: number;
  impactBps: number;
  impactModel: number;
  participation: number;
  /** Capped fills (participation; ticks: displayed size, print, queue) are whole lots of this (0: none). */
  lotSize: number;
  multiplier: number;
  bid: number;
  ask: number;
  bidSize: number;
  askSize: number;
  last: number;
  lastSize: number;
  quoted: boolean;
  traded: boolean;
  feedLatencyNs: bigint;
  position: number;
  volumeUsed: number;
  usedBarNs: bigint;
  bidLeft: number;
  askLeft: number;
  /** Time priority. */
  readonly orders: SimOrder[];
}

function unsimulatedInstrument(): SimInstrument {
  return {
    mode: VENUE_OFF, makerFee: 0, takerFee: 0, halfSpreadBps: 0, slippageBps: 0, impactBps: 0, impactModel: 0, participation: 0, lotSize: 0, multiplier: 1,
    bid: 0, ask: 0, bidSize: 0, askSize: 0, last: 0, lastSize: 0, quoted: false, traded: false, feedLatencyNs: 0n, position: 0,
    volumeUsed: 0, usedBarNs: 0n, bidLeft: 0, askLeft: 0, orders: [],
  };
}

export class ReferenceVenueState {
  readonly latency: number;
  readonly entryNs: bigint;
  readonly responseNs: bigint;
  readonly jitterNs: bigint;
  readonly feedMultiplier: number;
  readonly queueModel: number;
  readonly queuePower: number;
  readonly touchFills: boolean;
  readonly rng: SplitMix64;
  readonly queue = new ReferenceEventQueue();
  readonly orders = new Map<bigint, SimOrder>();
  readonly instruments: SimInstrument[] = [];
  fillId = 0;
  /** Earliest end of day of a resting DAY order (I64_MAX: none). */
  nextExpiryNs = I64_MAX;
  /** Time of the record the venue is acting on: no reply is due before it. */
  clockNs = I64_MIN;
  fills = 0;
  rejects = 0;
  canceled = 0;
  expired = 0;
  earlyEvents = 0;
  repliesLost = 0;

  constructor(config: ResolvedVenueConfig) {
    this.latency = config.latency;
    this.entryNs = config.entryNs;
    this.responseNs = config.responseNs;
    this.jitterNs = config.jitterNs;
    this.feedMultiplier = config.feedMultiplier;
    this.queueModel = config.queueModel;
    this.queuePower = config.queuePower;
    this.touchFills = config.touchFills === 1;
    this.rng = new SplitMix64(config.seed);
    for (let i = 0; i < INSTRUMENT_CAPACITY; i++) this.instruments.push(unsimulatedInstrument());
    for (const c of config.instruments) {
      Object.assign(this.instruments[c.instrument], {
        mode: c.mode, makerFee: c.makerFee, takerFee: c.takerFee, halfSpreadBps: c.halfSpreadBps, slippageBps: c.slippageBps,
        impactBps: c.impactBps, impactModel: c.impactModel, participation: c.participation, lotSize: c.lotSize, multiplier: c.multiplier,
      });
    }
  }

  /** The simulation mode of `instrument` (VENUE_OFF outside the table). */
  modeOf(instrument: number): number {
    return instrument >= 0 && instrument < INSTRUMENT_CAPACITY ? this.instruments[instrument].mode : VENUE_OFF;
  }
}
