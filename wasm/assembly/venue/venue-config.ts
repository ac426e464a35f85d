// Setting up the simulated venue and feeding it market data: the latency and queue models
// and the seed (venueConfigure), each simulated instrument's mode and costs
// (venueConfigureInstrument), and venueOnMarket, which the engine loop calls with every TRADE,
// QUOTE and BAR record of a simulated instrument before the core's own stages see it.
import { EV_KIND, EV_TS_EXCHANGE, EV_TS_LOCAL, INSTRUMENT_CAPACITY, KIND_BAR, KIND_MASK, KIND_QUOTE, KIND_TRADE } from '../layout';
import { ERR_BAD_ARGUMENT, OK } from '../errors';
import { venueBookReset, venueExpire } from './venue-book';
import { venueOnBar, venueOnQuote, venueOnTrade } from './venue-matching';
import { venueQueueReset } from './venue-queue';
import { setVenueClock } from './venue-replies';
import {
  IMPACT_NONE, IMPACT_SQRT, LATENCY_CONSTANT, LATENCY_FEED, QUEUE_CONSERVATIVE, QUEUE_PROBABILISTIC, VENUE_BARS, VENUE_HEADER,
  VENUE_MAGIC, VENUE_OFF, VENUE_RESET_BYTES, VENUE_TICKS, VH_ENTRY_NS, VH_FEED_MULTIPLIER, VH_JITTER_NS, VH_LATENCY, VH_MAGIC, VH_QUEUE_MODEL,
  VH_QUEUE_POWER, VH_RESPONSE_NS, VH_RNG, VH_TOUCH_FILLS, VI_FEED_LATENCY_NS, VI_HALF_SPREAD_BPS, VI_HEAD, VI_IMPACT_BPS, VI_IMPACT_MODEL,
  VI_MAKER_FEE, VI_MODE, VI_LOT_SIZE, VI_MULTIPLIER, VI_PARTICIPATION, VI_SLIPPAGE_BPS, VI_TAIL, VI_TAKER_FEE, venueInstrumentAddress,
} from './venue-layout';
import { venueMode } from './venue-intake';

const MAX_FEE: f64 = 0.1;
const MAX_BPS: f64 = 10_000.0;

/**
 * Clears the venue (book, queue, market state; every instrument not simulated) and sets its
 * models: `latency` (LATENCY_*), entry and response latency (ns, >= 0), uniform jitter (ns,
 * >= 0), feed-latency multiplier (>= 0, finite), `seed` of the generator, `queueModel`
 * (QUEUE_*), `queuePower` (1 .. 8) and `touchFills` (0 or 1). Returns OK or ERR_BAD_ARGUMENT.
 */
export function venueConfigure(latency: i32, entryNs: i64, responseNs: i64, jitterNs: i64, feedMultiplier: f64, seed: u64, queueModel: i32, queuePower: i32, touchFills: i32): i32 {
  if (latency < LATENCY_CONSTANT || latency > LATENCY_FEED || entryNs < 0 || responseNs < 0 || jitterNs < 0) return ERR_BAD_ARGUMENT;
  if (!isFinite<f64>(feedMultiplier) || feedMultiplier < 0.0) return ERR_BAD_ARGUMENT;
  if (queueModel < QUEUE_CONSERVATIVE || queueModel > QUEUE_PROBABILISTIC || queuePower < 1 || queuePower > 8 || (touchFills != 0 && touchFills != 1)) return ERR_BAD_ARGUMENT;
  memory.fill(VENUE_HEADER, 0, <usize>VENUE_RESET_BYTES);
  const h = VENUE_HEADER;
  store<i32>(h, latency, VH_LATENCY);
  store<i64>(h, entryNs, VH_ENTRY_NS);
  store<i64>(h, responseNs, VH_RESPONSE_NS);
  store<i64>(h, jitterNs, VH_JITTER_NS);
  store<f64>(h, feedMultiplier, VH_FEED_MULTIPLIER);
  store<u64>(h, seed, VH_RNG);
  store<i32>(h, queueModel, VH_QUEUE_MODEL);
  store<i32>(h, queuePower, VH_QUEUE_POWER);
  store<i32>(h, touchFills, VH_TOUCH_FILLS);
  for (let i = 0; i < INSTRUMENT_CAPACITY; i++) {
    const vi = venueInstrumentAddress(i);
    store<i32>(vi, -1, VI_HEAD);
    store<i32>(vi, -1, VI_TAIL);
    store<f64>(vi, 1.0, VI_MULTIPLIER);
    store<f64>(vi, 0.0, VI_LOT_SIZE);
  }
  venueBookReset();
  venueQueueReset();
  setVenueClock(i64.MIN_VALUE);
  store<i32>(h, VENUE_MAGIC, VH_MAGIC);
  return OK;
}

/**
 * Simulates `instrument` in `mode` (VENUE_BARS, VENUE_TICKS; VENUE_OFF: its orders go to a live
 * venue) with maker and taker fees (fractions of the notional in [-0.1, 0.1]), half-spread,
 * slippage and impact in bps (>= 0), `impactModel` (IMPACT_*), participation cap (fraction of
 * bar volume in [0, 1], 0 = none), contract multiplier (> 0) and lot size (>= 0, 0 = none: a
 * capped fill, by participation or by the displayed size, is rounded down to whole lots). Returns OK or ERR_BAD_ARGUMENT.
 */
export function venueConfigureInstrument(
  instrument: i32, mode: i32, makerFee: f64, takerFee: f64, halfSpreadBps: f64, slippageBps: f64, impactBps: f64, impactModel: i32,
  participation: f64, multiplier: f64, lotSize: f64,
): i32 {
  if (load<i32>(VENUE_HEADER, VH_MAGIC) != VENUE_MAGIC || instrument < 0 || instrument >= INSTRUMENT_CAPACITY) return ERR_BAD_ARGUMENT;
  if (mode < VENUE_OFF || mode > VENUE_TICKS || impactModel < IMPACT_NONE || impactModel > IMPACT_SQRT) return ERR_BAD_ARGUMENT;
  if (!(Math.abs(makerFee) <= MAX_FEE) || !(Math.abs(takerFee) <= MAX_FEE)) return ERR_BAD_ARGUMENT;
  if (!(halfSpreadBps >= 0.0 && halfSpreadBps <= MAX_BPS) || !(slippageBps >= 0.0 && slippageBps <= MAX_BPS) || !(impactBps >= 0.0 && impactBps <= MAX_BPS)) return ERR_BAD_ARGUMENT;
  if (!(participation >= 0.0 && participation <= 1.0) || !(multiplier > 0.0) || !isFinite<f64>(multiplier)) return ERR_BAD_ARGUMENT;
  if (!(lotSize >= 0.0) || !isFinite<f64>(lotSize)) return ERR_BAD_ARGUMENT;
  const vi = venueInstrumentAddress(instrument);
  store<i32>(vi, mode, VI_MODE);
  store<f64>(vi, makerFee, VI_MAKER_FEE);
  store<f64>(vi, takerFee, VI_TAKER_FEE);
  store<f64>(vi, halfSpreadBps, VI_HALF_SPREAD_BPS);
  store<f64>(vi, slippageBps, VI_SLIPPAGE_BPS);
  store<f64>(vi, impactBps, VI_IMPACT_BPS);
  store<i32>(vi, impactModel, VI_IMPACT_MODEL);
  store<f64>(vi, participation, VI_PARTICIPATION);
  store<f64>(vi, multiplier, VI_MULTIPLIER);
  store<f64>(vi, lotSize, VI_LOT_SIZE);
  return OK;
}

/**
 * A market record (TRADE, QUOTE, BAR) of a simulated instrument at venue time `venueNs`: its
 * DAY orders past their end of day expire, then the venue updates its market state and fills
 * what the record allows (venue-matching.ts). BARs match VENUE_BARS instruments, TRADEs and
 * QUOTEs VENUE_TICKS ones; feed latency comes from TRADE and QUOTE records.
 */
export function venueOnMarket(record: usize, instrument: i32, venueNs: i64): void {
  const mode = venueMode(instrument);
  if (mode == VENUE_OFF) return;
  setVenueClock(venueNs);
  venueExpire(venueNs);
  const kind = load<i32>(record, EV_KIND) & KIND_MASK;
  if ((kind & (KIND_TRADE | KIND_QUOTE)) != 0) {
    const local = load<i64>(record, EV_TS_LOCAL);
    const exchange = load<i64>(record, EV_TS_EXCHANGE);
    if (local >= exchange && local > 0) store<i64>(venueInstrumentAddress(instrument), local - exchange, VI_FEED_LATENCY_NS);
  }
  if (mode == VENUE_BARS) {
    if ((kind & KIND_BAR) != 0) venueOnBar(instrument, record);
  } else if ((kind & KIND_QUOTE) != 0) {
    venueOnQuote(instrument, record, venueNs);
  } else if ((kind & KIND_TRADE) != 0) {
    venueOnTrade(instrument, record, venueNs);
  }
}

