// The contract between the I/O thread and a venue: what a live session asks of every venue
// adapter (the local simulated-venue server now; ccxt and IB later). Requests go out as plain
// objects; everything the venue says comes back as 64-byte inbound ring records, in the order
// the venue said it, through one listener, so the session can journal each record before it
// publishes it. Market records and venue events share that stream: their relative order is
// what the core must see.
//
// Record fields (as wasm/assembly/orders/order-events.ts reads them; id = the engine's order
// id, which is the numeric part of the client order id):
//   ACK    price = limit, size = signed qty, a = 0 new / 1 replace, b = venue order id
//   FILL   price, size signed, a = fee (quote currency), b = venue fill id (> 0, increasing),
//          kind | FLAG_MAKER when it added liquidity
//   CANCELED size = signed qty canceled, a = reason; REJECT size = signed qty, a = venue reason,
//          b = 0 order / 1 cancel / 2 replace; EXPIRED size = signed qty
//   ORDER_STATUS (reconciliation only) price = average fill price, size = signed cumulative
//          filled, a = state code (engine/orders OrderState), b = signed order quantity
//   market records: BAR / TRADE / QUOTE as the replay tape writes them
// Every record from a venue carries EventKind.SOURCE_LIVE | DIRECTION_INBOUND.

/** A new order, as the session sends it after its journal record is durable. */
export interface VenueOrderRequest {
  /** The engine's order id; the client order id is `clientOrderIdOf(orderId)`. */
  readonly orderId: bigint;
  readonly clientOrderId: string;
  readonly instrument: number;
  /** Signed quantity: + buy, - sell. */
  readonly qty: number;
  /** engine/orders OrderType code (market, limit, stop, stop-limit ...). */
  readonly orderType: number;
  /** engine/orders TimeInForce code. */
  readonly timeInForce: number;
  /** 0 when the type has none. */
  readonly limitPrice: number;
  readonly stopPrice: number;
  /** engine/orders OrderFlag bits (reduce-only, post-only ...). */
  readonly flags: number;
  /** The core's decision time, ns. */
  readonly decisionNs: bigint;
}

export interface VenueCancelRequest {
  readonly orderId: bigint;
  readonly clientOrderId: string;
  readonly instrument: number;
}

export interface VenueReplaceRequest {
  readonly orderId: bigint;
  readonly clientOrderId: string;
  readonly instrument: number;
  /** New signed total quantity. */
  readonly qty: number;
  readonly limitPrice: number;
  readonly stopPrice: number;
}

/** The venue's view of one order (any state, closed ones included). */
export interface VenueOrderView {
  readonly orderId: bigint;
  readonly clientOrderId: string;
  readonly instrument: number;
  /** engine/orders OrderState code as the venue sees it (OPEN, PARTIALLY_FILLED, FILLED, CANCELED, EXPIRED, REJECTED). */
  readonly state: number;
  /** Signed order quantity and signed cumulative filled quantity. */
  readonly qty: number;
  readonly filled: number;
  readonly avgPrice: number;
  /** The limit price in force (0: none or not reported); what an adopted order carries as its limit. */
  readonly limitPrice?: number;
  /** How many times this client order id was submitted to the venue (1 unless duplicated). */
  readonly submissions: number;
}

export interface VenuePosition {
  readonly instrument: number;
  /** Signed quantity from the venue's own fills. */
  readonly qty: number;
}

/** Where the venue stands: its clock and its market stream. */
export interface VenueStatus {
  /** The venue's current time, ns (the last market record it acted on). */
  readonly nowNs: bigint;
  /** Sequence number of the last market record it delivered (0: none yet). */
  readonly marketSeq: bigint;
  /** Its last fill id (0: none). */
  readonly lastFillId: bigint;
}

/** One record from the venue, with the stream sequence it came with (market seq for market data, 0 otherwise). */
export type VenueRecordListener = (record: Uint8Array, sourceSeq: bigint) => void;

export interface VenueAdapter {
  readonly name: string;
  /** Connects (and authenticates); rejects with a clear error when the venue cannot be reached. */
  connect(): Promise<void>;
  /**
   * Optional: the venue's amount step for `instrument` (every order quantity is a whole multiple
   * of it) and the venue's symbol, known once connected; null when the venue did not say; with
   * `minimum`, the smallest order quantity the venue takes (IB: the contract's minSize). The
   * session refuses a pipeline lot size that is not a whole multiple of the step, or is below
   * the minimum (venue-lots.ts).
   */
  amountStep?(instrument: number): { readonly symbol: string; readonly step: number; readonly minimum?: number } | null;
  /**
   * The venue's words for an order it refused (its error message, or the adapter's own refusal
   * before sending), by client order id; undefined when it has none. The session names the last
   * one when it trips the kill switch on consecutive rejections (live.maxConsecutiveRejects).
   */
  rejectMessage?(clientOrderId: string): string | undefined;
  /** Closes the connection; pending requests reject. */
  close(): Promise<void>;
  /** Every record the venue sends, in order. Set once, before connect. */
  onRecord(listener: VenueRecordListener): void;
  /** Called when the connection drops unexpectedly (the session reconnects and reconciles). */
  onDisconnect(listener: (reason: string) => void): void;
  submit(order: VenueOrderRequest): void;
  cancel(request: VenueCancelRequest): void;
  replace(request: VenueReplaceRequest): void;
  /** Resolves once the venue has handled every request sent before it and its replies reached the listener. */
  sync(): Promise<void>;
  /**
   * Market data: asks for market records from sequence `fromSeq` on (records the venue already
   * delivered are sent again, as a feed's gap fill), up to `count` of them, advancing the venue's
   * market as needed. Resolves with how many market records were delivered (0: the feed ended),
   * after they and the venue events they caused reached the listener.
   */
  market(fromSeq: bigint, count: number): Promise<number>;
  status(): Promise<VenueStatus>;
  openOrders(): Promise<VenueOrderView[]>;
  /** null when the venue has never seen the client order id. */
  order(clientOrderId: string): Promise<VenueOrderView | null>;
  positions(): Promise<VenuePosition[]>;
  /**
   * FILL records with a fill id above `fillId`, in fill-id order. `lastFillIdByInstrument` is the
   * largest fill id the journal holds per instrument (an instrument absent: none journaled), for
   * venues that number fills per instrument (Binance numbers trades per symbol); others may
   * ignore it.
   */
  fillsSince(fillId: bigint, lastFillIdByInstrument?: ReadonlyMap<number, bigint>): Promise<Uint8Array[]>;
  /**
   * Optional (reconciliation policy 'adopt' needs it; push adapters do not have it): venue order
   * `clientOrderId`, not one of ours, is engine order `orderId` from now on. Its later records
   * (fills, cancels, expiries, fillsSince included) reach the listener with id `orderId`, and a
   * cancel or replace of `orderId` goes to it. A restarted session calls it again for every
   * adoption its journal holds (OrderAdopted) before it reconciles.
   */
  adopt?(clientOrderId: string, orderId: bigint): void;
}

/** The client order id of engine order `orderId` (what the venue sees). */
export function clientOrderIdOf(orderId: bigint): string {
  return `qf-${orderId.toString(10)}`;
}

/** The engine order id in a client order id of ours, or null when it is not one of ours. */
export function orderIdOfClientOrderId(clientOrderId: string): bigint | null {
  const match = /^qf-([1-9][0-9]{0,19})$/.exec(clientOrderId);
  if (!match) return null;
  const id = BigInt(match[1]);
  return id < 1n << 64n ? id : null;
}

/** One pushed market stream: TRADE, BAR (at `timeframe`) or QUOTE records of an instrument. */
export interface PushMarketStream {
  readonly instrument: number;
  readonly channel: 'trades' | 'bars' | 'quotes';
  /** bars only ('1m' by default). */
  readonly timeframe?: string;
}

/**
 * A venue whose market data is pushed (ccxt, IB): the session subscribes once, after connect, and
 * market records then reach the record listener whenever the venue sends them (sourceSeq = the
 * adapter's own market sequence). The adapter reconnects and restores its streams by itself and
 * says so through onReconnect; the session then reconciles. `market()` is not used in push mode.
 */
export interface PushVenueAdapter extends VenueAdapter {
  subscribe(streams: readonly PushMarketStream[]): void;
  /** Called after the adapter restored a dropped connection (streams back, missed fills recovered). */
  onReconnect(listener: () => void): void;
  /** Optional: what the adapter knows of its feed's health beyond the records (engine/live SessionFeedHealth turns it into FEED_HEALTH records). */
  onFeedSignal?(listener: (signal: FeedSignal) => void): void;
}

/**
 * A fact about a pushed feed that is not a market record:
 *   gap         the venue's sequence skipped `missed` messages on the stream (trade ids, bar times);
 *               what the adapter backfills still follows
 *   book        a best bid / ask the adapter could not publish as a QUOTE (crossed: bid > ask)
 *   connection  the market-data connection of `instrument` (all instruments when absent) went
 *               down or came back (e.g. IB's market-data farm status messages)
 */
export type FeedSignal =
  | { readonly kind: 'gap'; readonly instrument: number; readonly channel: PushMarketStream['channel']; readonly missed: number }
  | { readonly kind: 'book'; readonly instrument: number; readonly bid: number; readonly ask: number; readonly exchangeNs: bigint }
  | { readonly kind: 'connection'; readonly up: boolean; readonly instrument?: number; readonly reason: string };

export function isPushVenueAdapter(adapter: VenueAdapter): adapter is PushVenueAdapter {
  const candidate = adapter as Partial<PushVenueAdapter>;
  return typeof candidate.subscribe === 'function' && typeof candidate.onReconnect === 'function';
}
