// How many bars the simulated venue matched against with an unknown volume (NaN: the source had
// no volume column, or the venue reported none), per instrument, read from the VENUE region
// (unknownVolumeBars in wasm/assembly/venue/venue-layout.ts). On those bars the participation cap
// and the impact model could not apply, so a run's summary says so.
import { VENUE_INSTRUMENT_BYTES, VENUE_INSTRUMENTS_OFFSET, VI_UNKNOWN_VOLUME_BARS } from './venue-layout.js';

export function readUnknownVolumeBars(view: DataView, instrument: number): number {
  return view.getInt32(VENUE_INSTRUMENTS_OFFSET + instrument * VENUE_INSTRUMENT_BYTES + VI_UNKNOWN_VOLUME_BARS, true);
}
