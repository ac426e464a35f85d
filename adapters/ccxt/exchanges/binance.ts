// Binance spot through ccxt pro: client order id as newClientOrderId / origClientOrderId, fills
// and missed trades paged by trade id (fromId), the user stream through the WebSocket API, a
// Retry-After on 429/418. Venue ids are decimal already: FILL records carry Binance's trade ids.
import type { CcxtOrder, CcxtTrade } from '../common/parse.js';
import { VenueIdTable, type CcxtExchange, type ExchangeProfile } from './profile.js';

export function retryAfterHeader(exchange: CcxtExchange): number | null {
  const headers = (exchange.last_response_headers ?? {}) as Record<string, string>;
  const value = headers['Retry-After'] ?? headers['retry-after'];
  return value === undefined || !Number.isFinite(Number(value)) ? null : Number(value);
}

export function binanceProfile(): ExchangeProfile {
  return {
    options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false, warnOnFetchOpenOrdersWithoutSymbol: false },
    streamsMyTrades: true,
    streamsOHLCV: true,
    rawOrderUpdates: false,
    configure: () => undefined,
    userStreamReady: async (exchange) => { await exchange.authenticate({ type: 'spot' }); },
    retryAfterSeconds: retryAfterHeader,
    orderParams: (clientOrderId, type, _side, _amount, tif) => {
      const params: Record<string, unknown> = { newClientOrderId: clientOrderId };
      if (type === 'limit') { if (tif === 'PO') params.postOnly = true; else params.timeInForce = tif; }
      return params;
    },
    cancelOrder: (ex, symbol, clientOrderId) => ex.cancelOrder('', symbol, { origClientOrderId: clientOrderId }) as Promise<CcxtOrder>,
    fetchOrderByClientId: (ex, symbol, clientOrderId) => ex.fetchOrder('', symbol, { origClientOrderId: clientOrderId }) as Promise<CcxtOrder>,
    fetchOrderById: (ex, symbol, id) => ex.fetchOrder(id, symbol) as Promise<CcxtOrder>,
    fetchOrderFills: (ex, symbol, id) => ex.fetchMyTrades(symbol, undefined, 1000, { orderId: Number(id) }) as Promise<CcxtTrade[]>,
    fillIds: 'venue',
    fetchFills: (ex, symbol, from) => ('fillId' in from
      ? ex.fetchMyTrades(symbol, undefined, 1000, { fromId: from.fillId })
      : ex.fetchMyTrades(symbol, from.sinceMs ?? undefined, 1000)) as Promise<CcxtTrade[]>,
    fetchTradesFrom: (ex, symbol, fromId, limit) => ex.fetchTrades(symbol, undefined, limit, { fetchTradesMethod: 'publicGetHistoricalTrades', fromId }) as Promise<CcxtTrade[]>,
    ids: new VenueIdTable(),
  };
}
