// A local Binance spot simulator for adapter tests (REST + WebSocket subset ccxt uses, with faults).
export { BinanceSim, startBinanceSim, TEST_API_KEY, TEST_SECRET, type BinanceSimOptions, type RequestLogEntry, type SimFaults } from './binance-sim.js';
export { DEFAULT_MARKETS, type SimMarket } from './markets.js';
export { FEE_RATE, SimRejection, VenueBook, type BookListener, type Kline, type SimFill, type SimOrder, type TapeTrade } from './venue-book.js';
