// The lot sizes a session's core sizes orders in, checked against the venue's amount steps once
// the adapter has connected (and loaded the venue's markets), before reconciliation or any order.
//
// The core rounds every order to whole lots of its pipeline's `risk.instruments[i].lotSize`: the
// configuration's `risk.instruments` entry of the symbol, or `risk.replayDefaults` when none is
// listed (a journal keeps its first session's). Nothing compared that with the venue: a symbol
// missing from `risk.instruments` took the replay default (0.00001) on a market that trades in
// steps of 0.0001, so the core sized orders the venue's precision guard then refused one by one
// (or, in paper mode, filled sizes the venue would never take). A lot must be a whole multiple
// (>= 1) of the venue's step, and no smaller than the venue's minimum order size when it says
// one (IB's minSize), so every order the core sizes is one the venue takes; otherwise
// the session refuses to start, naming the instrument, both sizes and what to change. The check
// runs before the session's start is journaled (live-session.ts): a refused first start leaves no
// session in the journal, so the corrected configuration starts on the same journal directory.
import type { PipelineRisk } from '../pipeline/index.js';
import type { VenueAdapter } from './venue-adapter.js';

export class VenueLotError extends Error {
  override readonly name = 'VenueLotError';
}

/** Relative tolerance of "a whole multiple" (lot sizes are decimals held in binary doubles). */
const TOLERANCE = 1e-9;

/**
 * Refuses (VenueLotError) a pipeline lot size that is not a whole multiple of the connected
 * venue's amount step, or is below its minimum order size; instruments the adapter has no step
 * for (it does not say) pass.
 */
export function checkVenueLots(risk: PipelineRisk | undefined, adapter: VenueAdapter): void {
  if (!risk || !adapter.amountStep) return;
  const problems: string[] = [];
  for (const { instrument, lotSize } of risk.instruments) {
    const venue = adapter.amountStep(instrument);
    if (venue === null || !(venue.step > 0)) continue;
    const lots = lotSize / venue.step;
    if (!(lots >= 1 - TOLERANCE && Math.abs(lots - Math.round(lots)) <= TOLERANCE * Math.max(1, lots))) {
      problems.push(`instrument ${instrument} (${venue.symbol}): the core sizes orders in lots of ${lotSize}, which is not a whole multiple of ${adapter.name}'s amount step ${venue.step} for ${venue.symbol}`);
    } else if (venue.minimum !== undefined && venue.minimum > 0 && lotSize < venue.minimum * (1 - TOLERANCE)) {
      // An order of one lot (an entry sized down, the remainder of an exit) would be below the venue's smallest order.
      problems.push(`instrument ${instrument} (${venue.symbol}): the core sizes orders in lots of ${lotSize}, which is below ${adapter.name}'s minimum order size ${venue.minimum} for ${venue.symbol}`);
    }
  }
  if (problems.length === 0) return;
  const first = /\(([^)]+)\)[^]*(?:amount step|minimum order size) ([^ ]+)/.exec(problems[0]);
  throw new VenueLotError(
    `${problems.join('; ')}: every order would be refused by the venue (or, in paper mode, filled in sizes it never takes), so the session does not trade; `
    + `give each symbol its venue's lot in risk.instruments (e.g. - { id: 0, symbol: ${(first?.[1] ?? 'SYMBOL').replace('/', '')}, assetClass: crypto, lotSize: ${first?.[2] ?? 'STEP'} }; risk.replayDefaults is for replays). `
    + 'Nothing of this start was journaled: on a journal no session started on, start again with the corrected configuration and the same journal; '
    + 'a journal that traded before keeps its first session\'s lot sizes: give the corrected configuration a new journal (--journal DIR)',
  );
}
