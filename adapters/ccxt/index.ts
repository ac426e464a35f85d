// Public API of adapters/ccxt: live venues through ccxt pro (Binance spot, Coinbase Advanced Trade;
// the exchange id is config, the per-exchange parts live in exchanges/). CcxtVenueAdapter implements engine/live's VenueAdapter for orders and pushes market
// records through subscribeMarket; parse functions (ccxt unified objects -> 64-byte records) and the
// precision guard are pure and usable on their own.
export { CcxtVenueAdapter, type CcxtAdapterOptions, type FeedHealthEvent, type MarketChannel, type MarketSubscription, type OrderRefusal } from './ccxt-venue-adapter.js';
export { loadCredentials, resolveCcxtConfig, CcxtConfigError, type CcxtAdapterConfig, type CcxtCredentials, type ResolvedCcxtAdapterConfig } from './config.js';
export { createCcxtExchange, exchangeProfile, rewriteUrls, type CcxtExchange, type ExchangeProfile } from './factories.js';
export { binanceProfile, coinbaseProfile, SequenceWatch, userOrdersOf, VenueIdTable, type StreamGap, type StreamHooks } from './exchanges/index.js';
export { OrderTracker, type RecordWriter } from './order-tracker.js';
export { FillIds, byTimeThenTradeId, type FillIdMode } from './common/fill-ids.js';
export { journaledFillsById, journaledFillsOf, JOURNALED_MATCH_TOLERANCE } from './common/journaled-match.js';
export { RequestQueue, type RequestQueueOptions } from './http/request-queue.js';
export { Backoff } from './websocket/backoff.js';
export { BarSequence, TradeSequence, type SequenceVerdict } from './websocket/sequence.js';
export { ClockSync } from './common/clock-sync.js';
export { CancelReason, EXCHANGE_IDS, LIVE_INBOUND, RejectReason, RejectedRequest, type ExchangeId } from './common/consts.js';
export { ccxtOrderType, ccxtTimeInForce, orderStateOf } from './common/enums.js';
export * from './common/parse.js';
export { checkOrderPrecision, isMultipleOf, marketRulesOf, type MarketRules, type PrecisionCheck, type PrecisionRule } from './common/precision.js';
export { Redactor, redactingLog, type LogLine } from '../../engine/live/index.js';
export { closestSymbols, InstrumentSymbols, UnlistedSymbolError, type InstrumentSymbol } from './common/symbols.js';
