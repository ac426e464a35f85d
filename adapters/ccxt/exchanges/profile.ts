// The exchange profile: everything the adapter does differently per ccxt exchange id (options,
// how a client order id is sent and looked up, how fills and missed trades are fetched, which
// streams ccxt pro has, venue id formats). One module per exchange implements it (binance.ts,
// coinbase.ts); the adapter itself only speaks to this interface.
import type { CcxtOrder, CcxtTrade } from '../common/parse.js';
import type { FillIdMode } from '../common/fill-ids.js';

/** The part of a ccxt pro exchange the adapter uses (ccxt's own class is wider). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CcxtExchange = any;

/** A gap in a WebSocket connection's message sequence numbers (venues that number their messages). */
export interface StreamGap { readonly channel: string; readonly from: number; readonly to: number }

/** What the profile's message hooks report to the adapter. */
export interface StreamHooks {
  /** A jump in a WebSocket connection's message sequence numbers. */
  readonly onGap: (gap: StreamGap) => void;
  /** Each order update as it arrives (rawOrderUpdates profiles), before ccxt's cache merges updates of one order. */
  readonly onOrders: (orders: CcxtOrder[]) => void;
}

export interface ExchangeProfile {
  readonly options: Record<string, unknown>;
  /** ccxt pro streams the user's fills (watchMyTrades); when false, fills are fetched over REST when an order update reports more filled. */
  readonly streamsMyTrades: boolean;
  /** ccxt pro streams candles (watchOHLCV); when false, bars are polled over REST (fetchOHLCV). */
  readonly streamsOHLCV: boolean;
  /**
   * Order updates come through `hooks.onOrders`, one per message in arrival order (watchOrders then
   * only keeps the subscription): ccxt's order cache keeps the latest version of an order, so
   * updates that arrive together and out of order would hide the fill counts of the earlier ones.
   */
  readonly rawOrderUpdates: boolean;
  /** Adjusts the exchange once it is built (capabilities not to use, message hooks). */
  configure(exchange: CcxtExchange, hooks: StreamHooks): void;
  /** Resolves once the private (user data) stream can be subscribed. */
  userStreamReady(exchange: CcxtExchange): Promise<void>;
  /** The Retry-After of the last response, seconds (null: none). */
  retryAfterSeconds(exchange: CcxtExchange): number | null;
  /** createOrder params carrying our client order id (and the order's shape where ccxt's default differs). */
  orderParams(clientOrderId: string, type: 'market' | 'limit', side: 'buy' | 'sell', amount: string, timeInForce: string): Record<string, unknown>;
  cancelOrder(exchange: CcxtExchange, symbol: string, clientOrderId: string, venueOrderId: string | undefined): Promise<CcxtOrder>;
  /** The order with our client order id (its venue id helps when known); throws ccxt's OrderNotFound when the venue does not know it. */
  fetchOrderByClientId(exchange: CcxtExchange, symbol: string, clientOrderId: string, venueOrderId: string | undefined): Promise<CcxtOrder>;
  fetchOrderById(exchange: CcxtExchange, symbol: string, venueOrderId: string): Promise<CcxtOrder>;
  /** Every fill of one order. */
  fetchOrderFills(exchange: CcxtExchange, symbol: string, venueOrderId: string): Promise<CcxtTrade[]>;
  /**
   * How FILL records are numbered (common/fill-ids.ts): 'venue' passes the venue's decimal, growing
   * trade ids through (Binance); 'assigned' numbers string trade ids above the journal's last fill
   * id (Coinbase), and missed fills are then fetched by time, not by id.
   */
  readonly fillIds: FillIdMode;
  /**
   * The user's fills: with trade id >= `from.fillId` ('venue' profiles), or from venue time
   * `from.sinceMs` on ('assigned' profiles; null: every fill the venue returns).
   */
  fetchFills(exchange: CcxtExchange, symbol: string, from: { readonly fillId: number } | { readonly sinceMs: number | null }): Promise<CcxtTrade[]>;
  /** Public trades from trade id `fromId` on (`sinceMs`: the time of the last trade seen, for venues that page by time), ascending ids. */
  fetchTradesFrom(exchange: CcxtExchange, symbol: string, fromId: number, limit: number, sinceMs: number | null): Promise<CcxtTrade[]>;
  /** Venue order ids as decimal ids (the records' venue id fields) and back. */
  readonly ids: VenueIdTable;
}

/**
 * Venue order ids <-> the decimal ids records carry. Decimal ids (Binance's) pass through; any
 * other id (Coinbase's UUID order ids) gets the next number from 10^12 on, remembered both ways for
 * the process's life (so a restart renumbers; the journal keys orders by client order id, which
 * does not change). Trade ids are not mapped here: FILL records are numbered by FillIds.
 */
export class VenueIdTable {
  private readonly toNumber = new Map<string, string>();
  private readonly fromNumber = new Map<string, string>();
  private next = 1_000_000_000_000;

  decimal(id: string | undefined): string | undefined {
    if (id === undefined || /^[0-9]{1,12}$/.test(id)) return id;
    let n = this.toNumber.get(id);
    if (n === undefined) { n = String(this.next++); this.toNumber.set(id, n); this.fromNumber.set(n, id); }
    return n;
  }

  venue(decimal: string): string { return this.fromNumber.get(decimal) ?? decimal; }

  order<T extends CcxtOrder>(o: T): T { return o.id === undefined ? o : { ...o, id: this.decimal(o.id) }; }
  /** The trade with its order id decimal (its trade id as the venue sent it). */
  trade<T extends CcxtTrade>(t: T): T { return { ...t, order: this.decimal(t.order) }; }
}
