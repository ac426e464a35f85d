// Binance spot through ccxt pro: client order id as newClientOrderId / origClientOrderId, fills
// and missed trades paged by trade id (fromId), the user stream through the WebSocket API, a
// Retry-After on 429/418. Venue ids are decimal already: FILL records carry Binance's trade ids.
// GET /api/v3/myTrades answers at most 1,000 trades a call (by fromId, by startTime, or for one
// orderId), so the user's fills are read page after page until a page comes back short.
import type { CcxtOrder, CcxtTrade } from '../common/parse.js';
import { VenueIdTable, type CcxtExchange, type ExchangeProfile } from './profile.js';

export function retryAfterHeader(exchange: CcxtExchange): number | null {
  const headers = (exchange.last_response_headers ?? {}) as Record<string, string>;
  const value = headers['Retry-After'] ?? headers['retry-after'];
  return value === undefined || !Number.isFinite(Number(value)) ? null : Number(value);
}

/** The future ccxt's spot authenticate keeps for concurrent callers while it subscribes (ccxt pro binance.js, ensureUserDataStreamWsSubscribeSignature). */
const SPOT_AUTH_FUTURE = 'authenticate:signature:spot';

/**
 * Subscribes the spot user-data stream over the WebSocket API. When the venue refuses it (a wrong
 * API key: -2014) ccxt rejects the future it registered for concurrent callers although none
 * awaits it: an unhandled rejection that killed `quantflow run` with ccxt's stack trace. That
 * future is marked handled here (the call sets it up synchronously); the refusal still reaches
 * the caller through authenticate's own promise.
 */
async function spotUserStreamReady(exchange: CcxtExchange): Promise<void> {
  const ready = exchange.authenticate({ type: 'spot' }) as Promise<void>;
  const url = exchange.urls?.api?.ws?.['ws-api']?.spot;
  const client = exchange.clients?.[url];
  (client?.futures?.[SPOT_AUTH_FUTURE] as Promise<unknown> | undefined)?.catch(() => undefined);
  await ready;
  // ccxt answers at once when the client it holds has subscribed already, even when that client's
  // connection has just dropped (it is forgotten only once its error is handled): the subscription
  // is confirmed only on an open connection.
  const now = exchange.clients?.[url];
  if (!now || typeof now.isOpen !== 'function' || !now.isOpen()) throw Object.assign(new Error(`the user data stream's connection (${url}) is not open`), { name: 'NetworkError' });
}

export function binanceProfile(): ExchangeProfile {
  return {
    options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false, warnOnFetchOpenOrdersWithoutSymbol: false },
    streamsMyTrades: true,
    streamsOHLCV: true,
    rawOrderUpdates: false,
    configure: () => undefined,
    userStreamReady: spotUserStreamReady,
    retryAfterSeconds: retryAfterHeader,
    orderParams: (clientOrderId, type, _side, _amount, tif) => {
      const params: Record<string, unknown> = { newClientOrderId: clientOrderId };
      if (type === 'limit') { if (tif === 'PO') params.postOnly = true; else params.timeInForce = tif; }
      return params;
    },
    cancelOrder: (ex, symbol, clientOrderId) => ex.cancelOrder('', symbol, { origClientOrderId: clientOrderId }) as Promise<CcxtOrder>,
    fetchOrderByClientId: (ex, symbol, clientOrderId) => ex.fetchOrder('', symbol, { origClientOrderId: clientOrderId }) as Promise<CcxtOrder>,
    fetchOrderById: (ex, symbol, id) => ex.fetchOrder(id, symbol) as Promise<CcxtOrder>,
    fetchOrderFills: (ex, symbol, id) => myTradesPaged(ex, symbol, { orderId: Number(id) }),
    fillIds: 'venue',
    fetchFills: (ex, symbol, from) => myTradesPaged(ex, symbol, 'fillId' in from ? { fromId: from.fillId } : { sinceMs: from.sinceMs }),
    fetchTradesFrom: (ex, symbol, fromId, limit) => ex.fetchTrades(symbol, undefined, limit, { fetchTradesMethod: 'publicGetHistoricalTrades', fromId }) as Promise<CcxtTrade[]>,
    ids: new VenueIdTable(),
  };
}

/** Trades per GET /api/v3/myTrades call (the venue's maximum). */
export const MY_TRADES_PAGE = 1000;

/**
 * The user's trades of `symbol` from trade id `fromId`, from time `sinceMs` (null: the venue's
 * most recent page only, as it has no start), or of one `orderId`: the first page as asked, then
 * by trade id from the last one + 1 (with the orderId when one was given: `symbol + orderId +
 * fromId` is a combination the venue accepts; `fromId` with a time is not) while pages come back
 * full. Ascending trade ids.
 */
export async function myTradesPaged(ex: CcxtExchange, symbol: string, from: { readonly fromId: number } | { readonly sinceMs: number | null } | { readonly orderId: number }): Promise<CcxtTrade[]> {
  const byOrder = 'orderId' in from ? { orderId: from.orderId } : {};
  let page = (await ('fromId' in from
    ? ex.fetchMyTrades(symbol, undefined, MY_TRADES_PAGE, { fromId: from.fromId })
    : 'orderId' in from
      ? ex.fetchMyTrades(symbol, undefined, MY_TRADES_PAGE, byOrder)
      : ex.fetchMyTrades(symbol, from.sinceMs ?? undefined, MY_TRADES_PAGE))) as CcxtTrade[];
  const trades = [...page];
  if ('sinceMs' in from && from.sinceMs === null) return trades;
  while (page.length >= MY_TRADES_PAGE) {
    const next = lastTradeId(page, symbol) + 1;
    page = (await ex.fetchMyTrades(symbol, undefined, MY_TRADES_PAGE, { ...byOrder, fromId: next })) as CcxtTrade[];
    // Ids only grow from page to page; a venue that ignored fromId would loop here for ever.
    if (page.length > 0 && page.some((trade) => Number(trade.id) < next)) throw new Error(`Binance myTrades ${symbol}: asked from trade id ${next}, got trade id(s) below it`);
    trades.push(...page);
  }
  return trades;
}

/** The largest trade id of a page (Binance's ids are integers below 2^53). */
function lastTradeId(page: readonly CcxtTrade[], symbol: string): number {
  let last = -1;
  for (const trade of page) {
    const id = Number(trade.id);
    if (!Number.isSafeInteger(id) || id < 0) throw new Error(`Binance myTrades ${symbol}: trade id ${JSON.stringify(trade.id)} is not a non-negative integer`);
    if (id > last) last = id;
  }
  return last;
}
