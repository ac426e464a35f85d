// Public API of adapters/ib: Interactive Brokers through @stoqey/ib (TWS / IB Gateway socket
// API). IbVenueAdapter implements engine/live's VenueAdapter (orders, reconciliation queries,
// fills) and adds a push market-data feed and historical backfill; see README.md.
export { IbVenueAdapter, type IbAdapterOptions, type IbAdapterStats, type IbBackfillRequest, type IbJournaledExecutions, type IbMarketSubscription, type IbOrderRequest } from './ib-venue-adapter.js';
export { createIbVenueAdapter } from './factories.js';
export { checkIbAdapterConfig, describeIbConfig, maskAccount, type IbAdapterConfig, type IbInstrumentConfig, type IbReconnectConfig, type ResolvedIbAdapterConfig } from './config.js';
export { IbConfigError, IbConnectError, IbDisconnectedError, IbRequestError } from './errors.js';
export * from './common/index.js';
export * from './socket/index.js';
