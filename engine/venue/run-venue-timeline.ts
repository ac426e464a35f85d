// Drives a SimulatedVenue through a timeline of commands and market records the way the engine
// loop interleaves them (wasm/assembly/engine.ts): before each step at time t, every venue
// event due at or before t comes out first (commands reaching the venue are acted on as they
// come out), then the step; after the last step the events due by `untilNs` come out (all of
// them by default). Steps must be in non-decreasing time.
import type { SimulatedVenue } from './simulated-venue.js';
import type { VenueCommand } from './venue-commands.js';
import type { VenueEvent } from './venue-events.js';
import { marketRecordTime, type VenueMarketRecord } from './venue-market.js';

export type VenueStep =
  | { readonly type: 'submit'; readonly atNs: bigint; readonly command: VenueCommand }
  | { readonly type: 'market'; readonly record: VenueMarketRecord };

/** One thing the driver did: a step it handed over, or an event it took out of the queue. */
export type VenueAction = { readonly type: 'step'; readonly index: number; readonly step: VenueStep } | { readonly type: 'event'; readonly event: VenueEvent };

export function stepTime(step: VenueStep): bigint {
  return step.type === 'submit' ? step.atNs : marketRecordTime(step.record);
}

export interface VenueTimelineOptions {
  /** Called after each action (a step handed over, an event taken out), to check the venue's state as it goes. */
  readonly observe?: (action: VenueAction) => void;
  /** After the last step, take out only the events due by then (default: every event). */
  readonly untilNs?: bigint;
}

/** Runs `steps` through `venue` and returns every event it took out, in order. */
export function runVenueTimeline(venue: SimulatedVenue, steps: readonly VenueStep[], options: VenueTimelineOptions = {}): VenueEvent[] {
  const { observe, untilNs } = options;
  const events: VenueEvent[] = [];
  const takeDue = (until: bigint | null) => {
    for (let due = venue.nextDueNs(); due !== null && (until === null || due <= until); due = venue.nextDueNs()) {
      const event = venue.pop();
      if (event === null) throw new Error(`venue reported an event due at ${due} but popped none`);
      events.push(event);
      observe?.({ type: 'event', event });
    }
  };
  let last: bigint | null = null;
  steps.forEach((step, index) => {
    const at = stepTime(step);
    if (last !== null && at < last) throw new RangeError(`timeline step ${index} is at ${at}, before step ${index - 1} at ${last}: steps must be in non-decreasing time`);
    last = at;
    takeDue(at);
    if (step.type === 'submit') venue.submit(step.command, step.atNs);
    else venue.market(step.record);
    observe?.({ type: 'step', index, step });
  });
  takeDue(untilNs ?? null);
  return events;
}
