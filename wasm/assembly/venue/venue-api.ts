// The simulated venue's exports for callers outside the engine loop (tests, tools): hand it a
// command or a market record, take its events out one at a time in due order, and find its
// state. The engine loop drives the same functions (engine.ts).
import { EVENT_BYTES, EV_INSTRUMENT, EV_KIND, EV_TS_EXCHANGE, EV_TS_LOCAL, DIRECTION_OUTBOUND, INSTRUMENT_CAPACITY, MEMORY_BYTES } from '../layout';
import { ERR_BAD_ARGUMENT } from '../errors';
import { findVenueOrder } from './venue-book';
import { venueOnMarket } from './venue-config';
import { venueProcessCommand, venueTakeCommand } from './venue-intake';
import { eventDueNs, venueFreeEvent, venuePopEvent } from './venue-queue';
import { VENUE_HEADER, VENUE_MAGIC, VH_MAGIC, venueEventAddress, venueInstrumentAddress, venueOrderAddress } from './venue-layout';

// @ts-ignore: decorator
@inline
function inMemory(record: i32, bytes: i32): bool {
  return record >= 0 && record <= MEMORY_BYTES - bytes;
}

/** Hands the venue the command record (ORDER, CANCEL, REPLACE) at `record`, sent at `nowNs`. */
export function venueSubmit(record: i32, nowNs: i64): i32 {
  if (load<i32>(VENUE_HEADER, VH_MAGIC) != VENUE_MAGIC || !inMemory(record, EVENT_BYTES)) return ERR_BAD_ARGUMENT;
  venueTakeCommand(<usize>record, nowNs);
  return 0;
}

/** Shows the venue the market record (TRADE, QUOTE, BAR) at `record`, at its event time. */
export function venueMarket(record: i32): i32 {
  if (load<i32>(VENUE_HEADER, VH_MAGIC) != VENUE_MAGIC || !inMemory(record, EVENT_BYTES)) return ERR_BAD_ARGUMENT;
  const r = <usize>record;
  const exchange = load<i64>(r, EV_TS_EXCHANGE);
  const local = load<i64>(r, EV_TS_LOCAL);
  venueOnMarket(r, load<i32>(r, EV_INSTRUMENT), local > exchange ? local : exchange);
  return 0;
}

/**
 * Takes the venue's earliest event out: its record goes to `target` (64 bytes) and its due time
 * to `target + 64` (i64). A command is also acted on by the venue. Returns 1, or 0 when the
 * queue is empty.
 */
export function venuePop(target: i32): i32 {
  if (load<i32>(VENUE_HEADER, VH_MAGIC) != VENUE_MAGIC || !inMemory(target, EVENT_BYTES + 8)) return ERR_BAD_ARGUMENT;
  const entry = venuePopEvent();
  if (entry < 0) return 0;
  const record = venueEventAddress(entry);
  const due = eventDueNs(entry);
  memory.copy(<usize>target, record, EVENT_BYTES);
  store<i64>(<usize>target + EVENT_BYTES, due);
  if ((load<i32>(record, EV_KIND) & DIRECTION_OUTBOUND) != 0) venueProcessCommand(record, due);
  venueFreeEvent(entry);
  return 1;
}

/** Byte offset of the venue's order `clientId`, or ERR_BAD_ARGUMENT when it holds none. */
export function venueOrderOffset(clientId: u64): i32 {
  const slot = findVenueOrder(clientId);
  return slot < 0 ? ERR_BAD_ARGUMENT : <i32>venueOrderAddress(slot);
}

/** Byte offset of `instrument`'s venue block (costs, market state, position). */
export function venueInstrumentOffset(instrument: i32): i32 {
  if (instrument < 0 || instrument >= INSTRUMENT_CAPACITY) return ERR_BAD_ARGUMENT;
  return <i32>venueInstrumentAddress(instrument);
}
