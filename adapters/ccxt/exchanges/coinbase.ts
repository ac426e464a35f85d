// Coinbase Advanced Trade (API v3) through ccxt pro's `coinbase` class:
//   markets   fetchMarketsV3 (public products + transaction_summary fees; currencies not loaded);
//             time and balances over v3 (brokerage/time, brokerage/accounts).
//   orders    our client order id goes in `client_order_id` (Coinbase answers a repeat with the
//             first order: idempotent); market orders always in base_size (ccxt would send a market
//             buy in quote_size); cancel needs the venue's UUID order id; lookup by client order id
//             lists the product's orders (there is no GET by client id).
//   fills     ccxt pro has no watchMyTrades for Coinbase: the `user` channel gives cumulative
//             quantities and the fills come from orders/historical/fills (by order id). Fill
//             trade ids are strings (UUID-like): the adapter numbers FILL records itself
//             (fillIds 'assigned'), and missed fills are fetched by time (start_sequence_timestamp).
//             The fills endpoint pages: every page is read, following `cursor` (fetchAllFills).
//   candles   ccxt pro has no watchOHLCV for Coinbase: bars are polled over REST (candles).
//   trades    missed trades are fetched by time (ticker endpoint start/end), then cut by trade id.
//   sequence  every advanced-trade-ws message has a per-connection sequence_num; a jump is a gap
//             (reported through `onGap`; ccxt itself ignores it).
//   user      the private stream is ready once the venue's `subscriptions` message confirmed the
//             `user` channel on the open connection (coinbase-user-subscription.ts), at connect
//             and after every drop: the adapter says it reconnected (the session reconciles) then.
import ccxt from 'ccxt';
import type { CcxtOrder, CcxtTrade } from '../common/parse.js';
import { retryAfterHeader } from './binance.js';
import { VenueIdTable, type CcxtExchange, type ExchangeProfile, type StreamGap } from './profile.js';
import { UserSubscriptionWatch } from './coinbase-user-subscription.js';

/** Watches the sequence_num of every message per WebSocket client; calls `onGap` on a jump. Pure apart from the callback. */
export class SequenceWatch {
  private readonly last = new WeakMap<object, number>();

  constructor(private readonly onGap: (gap: StreamGap) => void) {}

  observe(client: object, message: unknown): void {
    const m = message as { sequence_num?: unknown; channel?: unknown } | null;
    if (!m || typeof m.sequence_num !== 'number') return;
    const prev = this.last.get(client);
    if (prev !== undefined && m.sequence_num > prev + 1) this.onGap({ channel: String(m.channel), from: prev + 1, to: m.sequence_num - 1 });
    if (prev === undefined || m.sequence_num > prev) this.last.set(client, m.sequence_num);
  }
}

export function coinbaseProfile(): ExchangeProfile {
  const ids = new CoinbaseIdTable();
  const userSubscription = new UserSubscriptionWatch();
  const notFound = (clientOrderId: string) => new (ccxt as unknown as { OrderNotFound: new (m: string) => Error }).OrderNotFound(`coinbase: no order with client_order_id ${clientOrderId}`);
  return {
    options: { fetchMarkets: 'fetchMarketsV3', fetchTime: 'v3PublicGetBrokerageTime', fetchBalance: 'v3PrivateGetBrokerageAccounts', createMarketBuyOrderRequiresPrice: false },
    streamsMyTrades: false,
    streamsOHLCV: false,
    rawOrderUpdates: true,
    configure: (exchange, hooks) => {
      exchange.has.fetchCurrencies = false; // loadMarkets would fetch v2 currencies + exchange rates: not needed for spot trading
      const watch = new SequenceWatch(hooks.onGap);
      const handle = exchange.handleMessage.bind(exchange);
      // Clients bind handleMessage when they are created (first watch), so this runs before any socket exists.
      exchange.handleMessage = (client: object, message: unknown) => {
        watch.observe(client, message);
        userSubscription.observe(client, message);
        const orders = userOrdersOf(message);
        if (orders.length > 0) hooks.onOrders(orders.map((o) => exchange.parseWsOrder(o) as CcxtOrder));
        return handle(client, message);
      };
    },
    userStreamReady: (exchange) => userSubscription.ready(exchange), // subscribed (its own JWT / signature) and confirmed by the venue
    retryAfterSeconds: retryAfterHeader,
    orderParams: (clientOrderId, type, _side, amount, tif) => {
      const params: Record<string, unknown> = { client_order_id: clientOrderId };
      if (type === 'market') params.order_configuration = { market_market_ioc: { base_size: amount } };
      else if (tif === 'PO') params.postOnly = true;
      else params.timeInForce = tif;
      return params;
    },
    cancelOrder: async (ex, symbol, clientOrderId, venueOrderId) => {
      const id = venueOrderId ?? (await findByClientId(ex, symbol, clientOrderId))?.id;
      if (id === undefined) throw notFound(clientOrderId);
      return ex.cancelOrder(id, symbol) as Promise<CcxtOrder>;
    },
    fetchOrderByClientId: async (ex, symbol, clientOrderId, venueOrderId) => {
      if (venueOrderId !== undefined) return ex.fetchOrder(venueOrderId, symbol) as Promise<CcxtOrder>;
      const found = await findByClientId(ex, symbol, clientOrderId);
      if (!found) throw notFound(clientOrderId);
      return found;
    },
    fetchOrderById: (ex, symbol, id) => ex.fetchOrder(id, symbol) as Promise<CcxtOrder>,
    fetchOrderFills: (ex, symbol, id) => fetchAllFills(ex, symbol, { order_ids: [id] }),
    // Fill trade ids are strings (UUID-like): FILL records get numbers assigned by the adapter, and
    // missed fills are asked for by time (start_sequence_timestamp), never by id.
    fillIds: 'assigned',
    fetchFills: async (ex, symbol, from) => {
      if ('fillId' in from) throw new Error('coinbase: fills cannot be asked for by trade id (its trade ids are not numbers); ask by time');
      return fetchAllFills(ex, symbol, from.sinceMs === null ? {} : { start_sequence_timestamp: ex.iso8601(from.sinceMs) });
    },
    fetchTradesFrom: async (ex, symbol, fromId, limit, sinceMs) => {
      const since = (sinceMs ?? ex.milliseconds() - 300_000) - 1000;
      const trades = (await ex.fetchTrades(symbol, since, 1000, { until: ex.milliseconds() + 60_000 })) as CcxtTrade[];
      return trades.filter((t) => Number(t.id) >= fromId).sort((a, b) => Number(a.id) - Number(b.id)).slice(0, limit);
    },
    ids,
  };
}

/**
 * Coinbase's ids (VenueIdTable), and one status fix on the way: ccxt parses Coinbase's EXPIRED as
 * 'canceled' (REST and WebSocket); every Coinbase order passes here, so an order whose raw status
 * is EXPIRED (a good-till-date order at its time) becomes 'expired' (an EXPIRED record, not CANCELED).
 */
class CoinbaseIdTable extends VenueIdTable {
  override order<T extends CcxtOrder>(o: T): T {
    const out = super.order(o);
    return (o as CcxtOrder & { readonly info?: { readonly status?: unknown } }).info?.status === 'EXPIRED' ? { ...out, status: 'expired' } : out;
  }
}

/** The raw order updates of a `user` channel message (snapshot or update events). */
export function userOrdersOf(message: unknown): Record<string, unknown>[] {
  const m = message as { channel?: unknown; events?: unknown } | null;
  if (!m || m.channel !== 'user' || !Array.isArray(m.events)) return [];
  return m.events.flatMap((e: { orders?: unknown }) => (Array.isArray(e?.orders) ? e.orders as Record<string, unknown>[] : []));
}

/** Fills asked for per page (Coinbase may answer fewer; the cursor says whether more follow). */
export const FILLS_PAGE_SIZE = 1000;
/** A bound on pages per query (a venue repeating cursors without end is an error, not a hang). */
const MAX_FILL_PAGES = 100_000;

/**
 * Every fill of orders/historical/fills for `params` (order_ids, start_sequence_timestamp, ...),
 * page after page: ccxt's fetchMyTrades returns one page and puts the response's `cursor` on the
 * first raw fill (trade.info.cursor); it is sent back as `cursor` until the venue answers an empty
 * one. ccxt's own `paginate` option is not used: it stops silently after `paginationCalls` pages
 * (10 by default), retries failed pages on its own, and drops fills whose trade time is before
 * `since` (Coinbase filters by sequence time), so the page holding the cursor could vanish. Here
 * the time bound goes to the venue as start_sequence_timestamp and nothing is filtered locally;
 * a failed page fails the whole query (the request queue retries rate limits).
 */
export async function fetchAllFills(ex: CcxtExchange, symbol: string, params: Record<string, unknown>, pageSize = FILLS_PAGE_SIZE): Promise<CcxtTrade[]> {
  const out: CcxtTrade[] = [];
  const cursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_FILL_PAGES; page++) {
    const trades = (await ex.fetchMyTrades(symbol, undefined, pageSize, cursor === undefined ? { ...params } : { ...params, cursor })) as CcxtTrade[];
    let next: string | undefined;
    for (const t of trades) {
      const c = (t as CcxtTrade & { readonly info?: { readonly cursor?: unknown } }).info?.cursor;
      if (typeof c === 'string' && c !== '') next = c;
      // ccxt adds a cursor-only entry to an empty page that has a cursor: not a fill.
      if (t.id !== undefined) out.push(t);
    }
    if (next === undefined) return out;
    if (cursors.has(next)) throw new Error(`coinbase: orders/historical/fills returned cursor ${JSON.stringify(next)} a second time (page ${page + 1}); the fills cannot be read to the end`);
    cursors.add(next);
    cursor = next;
  }
  throw new Error(`coinbase: orders/historical/fills still has a cursor after ${MAX_FILL_PAGES} pages; the fills cannot be read to the end`);
}

async function findByClientId(ex: CcxtExchange, symbol: string, clientOrderId: string): Promise<CcxtOrder | undefined> {
  const orders = (await ex.fetchOrders(symbol, undefined, 1000)) as CcxtOrder[];
  return orders.find((o) => o.clientOrderId === clientOrderId);
}
