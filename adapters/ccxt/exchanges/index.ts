// Exchange profiles by ccxt id (binance, coinbase): the per-exchange parts of the ccxt adapter.
import type { ExchangeId } from '../common/consts.js';
import { binanceProfile } from './binance.js';
import { coinbaseProfile } from './coinbase.js';
import type { ExchangeProfile } from './profile.js';

export { binanceProfile } from './binance.js';
export { coinbaseProfile, SequenceWatch, userOrdersOf } from './coinbase.js';
export { VenueIdTable, type CcxtExchange, type ExchangeProfile, type StreamGap, type StreamHooks } from './profile.js';

const PROFILES: Record<ExchangeId, () => ExchangeProfile> = { binance: binanceProfile, coinbase: coinbaseProfile };

/** A fresh profile for `id` (each adapter owns one: the venue id table is per process). */
export function exchangeProfile(id: ExchangeId): ExchangeProfile {
  const make = PROFILES[id];
  if (!make) throw new Error(`ccxt adapter: exchange ${String(id)} has no profile (supported: ${Object.keys(PROFILES).join(', ')})`);
  return make();
}
