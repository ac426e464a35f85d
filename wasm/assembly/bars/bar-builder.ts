// Time-bar builder of the core: turns trades (price, size) or quotes (mid, configurable
// volume per quote) into OHLCV bars of any timeframe (integer ns). A bar
// [t, t + timeframe) closes when an event at or after t + timeframe arrives or when the
// timer calls barsFlush(upToNs) with upToNs >= t + timeframe. Empty intervals are skipped
// or filled with flat bars at the previous close (volume 0), per slot.
//
// Completed bars go to an output ring (ring.ts producer half) as BAR event records:
// price = close, size = volume, a = high, b = low, id = bits of the open (f64),
// tsExchange = bar open time, tsLocal = time of the event (or flush) that closed it.
// State lives in the BARS region (bars-layout.ts). Never allocates, never throws.
//
// Retry rule: when the output ring fills up mid-way, the call returns ERR_OUTBOUND_FULL
// with every bar written so far published and the event not yet applied; calling again
// with the same event (after draining) resumes exactly where it stopped.

import {
  EV_A,
  EV_B,
  EV_ID,
  EV_INSTRUMENT,
  EV_KIND,
  EV_PRICE,
  EV_SIZE,
  EV_TS_EXCHANGE,
  EV_TS_LOCAL,
  KIND_BAR,
  KIND_QUOTE,
  KIND_TIMER,
  KIND_TRADE,
  BARS_REGION_OFFSET,
  MEMORY_BYTES,
  EVENT_BYTES,
} from '../layout';
import { ERR_BAD_ARGUMENT, ERR_BARS_OUT_OF_ORDER, ERR_BARS_SLOT_RANGE, ERR_OUTBOUND_FULL, OK } from '../errors';
import { ringCheck, ringFreeSlots, ringPublish, ringPublished, ringSlotAddress } from '../ring';
import {
  BARS_H_MAGIC,
  BARS_H_SLOTS_IN_USE,
  BARS_MAGIC,
  BARS_SLOT_CAPACITY,
  BAR_SLOT_BYTES,
  BS_ACTIVE,
  BS_BARS_EMITTED,
  BS_BAR_START,
  BS_CLOSE,
  BS_CURSOR,
  BS_FILL,
  BS_HAS_BAR,
  BS_HAS_CLOSE,
  BS_HIGH,
  BS_INSTRUMENT,
  BS_LAST_TS,
  BS_LOW,
  BS_OPEN,
  BS_PREVIOUS_CLOSE,
  BS_QUOTE_VOLUME,
  BS_SOURCE,
  BS_TIMEFRAME,
  BS_VOLUME,
  barSlotAddress,
} from './bars-layout';

const HEADER: usize = <usize>BARS_REGION_OFFSET;

/**
 * Configures builder `slot` for `instrument`: bars of `timeframeNs` (> 0) from `source`
 * (KIND_TRADE or KIND_QUOTE), `fill` 1 to fill empty intervals (0 to skip them),
 * `quoteVolume` (finite, >= 0) added per quote. Clears the slot's state. Returns OK or a status.
 */
export function barsConfigure(slot: i32, instrument: i32, timeframeNs: i64, source: i32, fill: i32, quoteVolume: f64): i32 {
  if (slot < 0 || slot >= BARS_SLOT_CAPACITY) return ERR_BARS_SLOT_RANGE;
  if (timeframeNs <= 0 || (source != KIND_TRADE && source != KIND_QUOTE) || (fill != 0 && fill != 1)) return ERR_BAD_ARGUMENT;
  if (!isFinite(quoteVolume) || quoteVolume < 0) return ERR_BAD_ARGUMENT;
  const s = barSlotAddress(slot);
  memory.fill(s, 0, <usize>BAR_SLOT_BYTES);
  store<i32>(s, instrument, BS_INSTRUMENT);
  store<i64>(s, timeframeNs, BS_TIMEFRAME);
  store<i32>(s, source, BS_SOURCE);
  store<i32>(s, fill, BS_FILL);
  store<i64>(s, i64.MIN_VALUE, BS_LAST_TS);
  store<f64>(s, quoteVolume, BS_QUOTE_VOLUME);
  store<i32>(s, 1, BS_ACTIVE);
  store<i32>(HEADER, BARS_MAGIC, BARS_H_MAGIC);
  if (slot >= load<i32>(HEADER, BARS_H_SLOTS_IN_USE)) store<i32>(HEADER, slot + 1, BARS_H_SLOTS_IN_USE);
  return OK;
}

/** Switches builder `slot` off (its open bar is dropped). */
export function barsDisable(slot: i32): i32 {
  if (slot < 0 || slot >= BARS_SLOT_CAPACITY) return ERR_BARS_SLOT_RANGE;
  store<i32>(barSlotAddress(slot), 0, BS_ACTIVE);
  return OK;
}

/** Trade `price` x `size` at `tsNs` for every trade builder of `instrument`. Returns bars emitted or a status. */
export function barsOnTrade(instrument: i32, tsNs: i64, price: f64, size: f64, outRing: i32): i32 {
  if (!isFinite(price) || !isFinite(size) || size < 0) return ERR_BAD_ARGUMENT;
  return onEvent(instrument, KIND_TRADE, tsNs, price, size, outRing);
}

/** Quote (bid, ask) at `tsNs` for every quote builder of `instrument`, on the mid. Returns bars emitted or a status. */
export function barsOnQuote(instrument: i32, tsNs: i64, bid: f64, ask: f64, outRing: i32): i32 {
  if (!isFinite(bid) || !isFinite(ask)) return ERR_BAD_ARGUMENT;
  return onEvent(instrument, KIND_QUOTE, tsNs, (bid + ask) * 0.5, NaN, outRing);
}

/**
 * Timer: closes every open bar with barStart + timeframe <= upToNs and (fill mode) emits
 * the flat bars of every complete empty interval before upToNs, in all builders; advances
 * each builder's clock to upToNs. Returns bars emitted or a status.
 */
export function barsFlush(upToNs: i64, outRing: i32): i32 {
  const status = ringCheck(outRing);
  if (status != OK) return status;
  if (upToNs < 0) return ERR_BAD_ARGUMENT;
  const inUse = load<i32>(HEADER, BARS_H_SLOTS_IN_USE);
  let emitted: i32 = 0;
  for (let i: i32 = 0; i < inUse; i++) {
    const s = barSlotAddress(i);
    if (load<i32>(s, BS_ACTIVE) == 0) continue;
    const result = advance(s, bucketStart(upToNs, load<i64>(s, BS_TIMEFRAME)), upToNs, outRing);
    if (result < 0) return result;
    emitted += result;
    if (upToNs > load<i64>(s, BS_LAST_TS)) store<i64>(s, upToNs, BS_LAST_TS);
  }
  return emitted;
}

/**
 * Feeds the event record at `record` (a ring slot, read in place): TRADE (price, size),
 * QUOTE (a = bid, b = ask) or TIMER (flush up to tsExchange). Other kinds: 0.
 */
export function barsOnRecord(record: i32, outRing: i32): i32 {
  if (record < 0 || record > MEMORY_BYTES - EVENT_BYTES) return ERR_BAD_ARGUMENT;
  const r = <usize>record;
  const kind = load<i32>(r, EV_KIND);
  if ((kind & KIND_TRADE) != 0) return barsOnTrade(load<i32>(r, EV_INSTRUMENT), load<i64>(r, EV_TS_EXCHANGE), load<f64>(r, EV_PRICE), load<f64>(r, EV_SIZE), outRing);
  if ((kind & KIND_QUOTE) != 0) return barsOnQuote(load<i32>(r, EV_INSTRUMENT), load<i64>(r, EV_TS_EXCHANGE), load<f64>(r, EV_A), load<f64>(r, EV_B), outRing);
  if ((kind & KIND_TIMER) != 0) return barsFlush(load<i64>(r, EV_TS_EXCHANGE), outRing);
  return 0;
}

export function barsSlotOffset(slot: i32): i32 {
  if (slot < 0 || slot >= BARS_SLOT_CAPACITY) return ERR_BARS_SLOT_RANGE;
  return <i32>barSlotAddress(slot);
}

export function barsSlotBytes(): i32 {
  return BAR_SLOT_BYTES;
}

export function barsSlotCapacity(): i32 {
  return BARS_SLOT_CAPACITY;
}

// @ts-ignore: decorator
@inline
function bucketStart(ts: i64, timeframe: i64): i64 {
  return ts - ts % timeframe;
}

/** `volume` NaN means "a quote": the slot's quoteVolume is used. */
function onEvent(instrument: i32, source: i32, ts: i64, price: f64, volume: f64, outRing: i32): i32 {
  const status = ringCheck(outRing);
  if (status != OK) return status;
  if (ts < 0) return ERR_BAD_ARGUMENT;
  const inUse = load<i32>(HEADER, BARS_H_SLOTS_IN_USE);
  // 1. Reject a late event before touching any builder.
  for (let i: i32 = 0; i < inUse; i++) {
    const s = barSlotAddress(i);
    if (matches(s, instrument, source) && ts < load<i64>(s, BS_LAST_TS)) return ERR_BARS_OUT_OF_ORDER;
  }
  // 2. Close and fill up to the event's interval (resumable after ERR_OUTBOUND_FULL).
  let emitted: i32 = 0;
  for (let i: i32 = 0; i < inUse; i++) {
    const s = barSlotAddress(i);
    if (!matches(s, instrument, source)) continue;
    const result = advance(s, bucketStart(ts, load<i64>(s, BS_TIMEFRAME)), ts, outRing);
    if (result < 0) return result;
    emitted += result;
  }
  // 3. Apply the event (cannot fail).
  for (let i: i32 = 0; i < inUse; i++) {
    const s = barSlotAddress(i);
    if (!matches(s, instrument, source)) continue;
    const v = isNaN(volume) ? load<f64>(s, BS_QUOTE_VOLUME) : volume;
    if (load<i32>(s, BS_HAS_BAR) == 0) {
      const start = bucketStart(ts, load<i64>(s, BS_TIMEFRAME));
      store<i64>(s, start, BS_BAR_START);
      store<i64>(s, start, BS_CURSOR);
      store<f64>(s, price, BS_OPEN);
      store<f64>(s, price, BS_HIGH);
      store<f64>(s, price, BS_LOW);
      store<f64>(s, v, BS_VOLUME);
      store<i32>(s, 1, BS_HAS_BAR);
    } else {
      if (price > load<f64>(s, BS_HIGH)) store<f64>(s, price, BS_HIGH);
      if (price < load<f64>(s, BS_LOW)) store<f64>(s, price, BS_LOW);
      store<f64>(s, load<f64>(s, BS_VOLUME) + v, BS_VOLUME);
    }
    store<f64>(s, price, BS_CLOSE);
    store<i64>(s, ts, BS_LAST_TS);
  }
  return emitted;
}

// @ts-ignore: decorator
@inline
function matches(s: usize, instrument: i32, source: i32): bool {
  return load<i32>(s, BS_ACTIVE) != 0 && load<i32>(s, BS_INSTRUMENT) == instrument && load<i32>(s, BS_SOURCE) == source;
}

/**
 * Emits what precedes the interval starting at `limitStart`: the open bar if it started
 * before it, then (fill mode) one flat bar per empty interval from the cursor up to it.
 * Returns bars emitted, or ERR_OUTBOUND_FULL with the state consistent for a retry.
 */
function advance(s: usize, limitStart: i64, closeTs: i64, outRing: i32): i32 {
  let emitted: i32 = 0;
  const timeframe = load<i64>(s, BS_TIMEFRAME);
  if (load<i32>(s, BS_HAS_BAR) != 0) {
    const start = load<i64>(s, BS_BAR_START);
    if (start >= limitStart) return 0;
    if (ringFreeSlots(outRing) < 1) return ERR_OUTBOUND_FULL;
    const close = load<f64>(s, BS_CLOSE);
    emit(s, outRing, start, closeTs, load<f64>(s, BS_OPEN), load<f64>(s, BS_HIGH), load<f64>(s, BS_LOW), close, load<f64>(s, BS_VOLUME));
    store<i32>(s, 0, BS_HAS_BAR);
    store<i32>(s, 1, BS_HAS_CLOSE);
    store<f64>(s, close, BS_PREVIOUS_CLOSE);
    store<i64>(s, start + timeframe, BS_CURSOR);
    emitted++;
  }
  if (load<i32>(s, BS_FILL) == 0 || load<i32>(s, BS_HAS_CLOSE) == 0) return emitted;
  const flat = load<f64>(s, BS_PREVIOUS_CLOSE);
  let cursor = load<i64>(s, BS_CURSOR);
  while (cursor < limitStart) {
    if (ringFreeSlots(outRing) < 1) return ERR_OUTBOUND_FULL;
    emit(s, outRing, cursor, closeTs, flat, flat, flat, flat, 0.0);
    cursor += timeframe;
    store<i64>(s, cursor, BS_CURSOR);
    emitted++;
  }
  return emitted;
}

function emit(s: usize, outRing: i32, start: i64, closeTs: i64, open: f64, high: f64, low: f64, close: f64, volume: f64): void {
  const seq = ringPublished(outRing);
  const r = ringSlotAddress(outRing, seq);
  store<i32>(r, KIND_BAR, EV_KIND);
  store<i32>(r, load<i32>(s, BS_INSTRUMENT), EV_INSTRUMENT);
  store<i64>(r, start, EV_TS_EXCHANGE);
  store<i64>(r, closeTs, EV_TS_LOCAL);
  store<f64>(r, close, EV_PRICE);
  store<f64>(r, volume, EV_SIZE);
  store<f64>(r, high, EV_A);
  store<f64>(r, low, EV_B);
  store<i64>(r, reinterpret<i64>(open), EV_ID);
  ringPublish(outRing, seq + 1);
  store<i64>(s, load<i64>(s, BS_BARS_EMITTED) + 1, BS_BARS_EMITTED);
}
