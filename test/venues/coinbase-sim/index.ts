// A local Coinbase Advanced Trade simulator for adapter tests (v3 REST + advanced-trade-ws subset ccxt uses, with faults).
export { CoinbaseSim, startCoinbaseSim, COINBASE_MARKETS, CB_TEST_API_KEY, CB_TEST_HMAC_KEY, CB_TEST_HMAC_SECRET, type CoinbaseFaults, type CoinbaseSimOptions, type CbRequestLogEntry, type CbWireRecord } from './coinbase-sim.js';
export { CoinbaseAuth, type SimCredentials } from './auth.js';
export { fillTradeId, orderUuid, orderIdOfUuid } from './wire.js';
