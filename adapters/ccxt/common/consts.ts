// Constants of the ccxt adapter: record flags every inbound record carries, reason codes (the
// engine's venue codes, engine/venue venue-layout), time units and the exchange ids it knows.
import { EventKind } from '../../../engine/layout/event-record.js';

export const LIVE_INBOUND = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;
export const NS_PER_MS = 1_000_000n;

/** REJECT `a`: the engine's venue reject codes (engine/venue venue-layout VENUE_REJECT_*). */
export const RejectReason = { INVALID: 1, POST_ONLY: 2, UNKNOWN_ORDER: 3, FULL: 4 } as const;
/** REJECT `b`: which request was refused. */
export const RejectedRequest = { ORDER: 0, CANCEL: 1, REPLACE: 2 } as const;
/** CANCELED `a`: the engine's cancel reasons (engine/venue VENUE_CANCELED_*). */
export const CancelReason = { REQUESTED: 0, UNFILLED: 1, REDUCE_ONLY: 2 } as const;

export const EXCHANGE_IDS = ['binance', 'coinbase'] as const;
export type ExchangeId = (typeof EXCHANGE_IDS)[number];
