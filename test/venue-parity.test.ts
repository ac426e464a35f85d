// Parity of the simulated venue: the plain TS reference (engine/venue/reference) and the
// compiled core (wasm/assembly/venue), driven in lockstep over random timelines
// (engine/venue/random-venue-timeline.ts: every latency, queue and cost model, bars or ticks,
// orders of every type and time in force, cancels and replaces), must take out the same
// events (every field of the 64-byte record, bit for bit, and the due time) in the same order,
// and hold the same state after every action: each instrument's market state, position,
// participation use and order list in time priority, every order the venue holds, its
// counters and its next due time.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileCore, createSharedMemory, instantiateCore } from '../engine/core/wasm-core.js';
import {
  decodeVenueEvent, randomVenueTimeline, ReferenceVenue, runVenueTimeline, WasmVenue,
  type SimulatedVenue, type VenueAction, type VenueCommand, type VenueConfig, type VenueCoreExports, type VenueEvent, type VenueMarketRecord, type VenueQueueRecord,
} from '../engine/venue/index.js';

const RUNS = 400;

/** Forwards every call to both venues and fails on the first difference. */
class LockstepVenue implements SimulatedVenue {
  constructor(readonly reference: SimulatedVenue, readonly wasm: SimulatedVenue, private readonly label: () => string) {}

  private same<T>(what: string, ref: T, core: T): T {
    if (!sameValue(ref, core)) expect(core, `${what}: the core differs from the TS reference at ${this.label()}`).toStrictEqual(ref);
    return ref;
  }

  configure(config: VenueConfig): void {
    this.reference.configure(config);
    this.wasm.configure(config);
  }
  submit(command: VenueCommand, nowNs: bigint): void {
    this.reference.submit(command, nowNs);
    this.wasm.submit(command, nowNs);
  }
  market(record: VenueMarketRecord): void {
    this.reference.market(record);
    this.wasm.market(record);
  }
  nextDueNs(): bigint | null {
    return this.same('next due time', this.reference.nextDueNs(), this.wasm.nextDueNs());
  }
  popRecord(): VenueQueueRecord | null {
    return this.same('record taken out of the queue', this.reference.popRecord(), this.wasm.popRecord());
  }
  pop(): VenueEvent | null {
    const popped = this.popRecord();
    return popped === null ? null : decodeVenueEvent(popped.record, popped.dueNs);
  }
  order(clientId: bigint) {
    return this.same(`order ${clientId}`, this.reference.order(clientId), this.wasm.order(clientId));
  }
  instrument(instrument: number) {
    return this.same(`instrument ${instrument}`, this.reference.instrument(instrument), this.wasm.instrument(instrument));
  }
  counters() {
    return this.same('counters', this.reference.counters(), this.wasm.counters());
  }

  /** Compares everything the venues hold about `instruments`. */
  compareState(instruments: readonly number[]): void {
    this.counters();
    this.nextDueNs();
    for (const i of instruments) {
      for (const id of this.instrument(i).orders) this.order(id);
    }
  }
}

/** Deep equality of plain data with Object.is on leaves (+0 and -0 differ, NaN equals NaN): the fast path before expect's diff. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

const memory = createSharedMemory();
const core = instantiateCore(memory, compileCore('release')) as VenueCoreExports;
const seedArb = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const show = (value: unknown) => JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? `${v}` : v));

function checkParity(seed: bigint, mode: 'bars' | 'ticks', records: number): number {
  const { config, steps, instruments } = randomVenueTimeline(seed, { mode, records });
  let last: VenueAction | null = null;
  const where = () => (last === null ? 'configure' : last.type === 'step' ? `step ${last.index} ${show(last.step)}` : `the event ${show(last.event)}`);
  const venue = new LockstepVenue(new ReferenceVenue(), new WasmVenue(core, memory), () => `${where()} (${mode} seed ${seed}n, ${records} records)`);
  venue.configure(config);
  venue.compareState(instruments);
  const events = runVenueTimeline(venue, steps, {
    observe(action) {
      last = action;
      venue.compareState(instruments);
    },
  });
  return events.length;
}

describe('simulated venue parity: TS reference equals the WASM core', () => {
  it('takes out the same events and holds the same state on random bar timelines', () => {
    let events = 0;
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 40 }), (seed, records) => {
        events += checkParity(seed, 'bars', records);
      }),
      { seed: 20_261_207, numRuns: RUNS },
    );
    expect(events, 'the bar timelines produced events to compare').toBeGreaterThan(RUNS * 5);
  });

  it('takes out the same events and holds the same state on random tick timelines', () => {
    let events = 0;
    fc.assert(
      fc.property(seedArb, fc.integer({ min: 1, max: 80 }), (seed, records) => {
        events += checkParity(seed, 'ticks', records);
      }),
      { seed: 20_261_208, numRuns: RUNS },
    );
    expect(events, 'the tick timelines produced events to compare').toBeGreaterThan(RUNS * 5);
  });
});
