// Instrument id -> symbol for the outputs. An id the recording does not list prints as
// `#<id>` rather than failing, so a partial recording still writes its files.
import type { RecordedInstrument } from '../backtest-recording.js';

/** A lookup from instrument id to its symbol. */
export function symbolLookup(instruments: readonly RecordedInstrument[]): (id: number) => string {
  const byId = new Map<number, string>();
  for (const instrument of instruments) byId.set(instrument.id, instrument.symbol);
  return (id) => byId.get(id) ?? `#${id}`;
}
