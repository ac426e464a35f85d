// The venue messages adapters/ib consumes, as plain objects: the payloads of @stoqey/ib's events
// (orderStatus, execDetails, commissionReport, openOrder, tickPrice/tickSize, realtimeBar,
// historicalData), reduced to the fields the engine uses. Fixtures in test/fixtures/ib/ are these
// objects as recorded from the client.

export interface IbOrderStatusMessage {
  readonly orderId: number;
  readonly status: string;
  readonly filled: number;
  readonly remaining: number;
  readonly avgFillPrice: number;
  readonly permId?: number;
  readonly lastFillPrice?: number;
  readonly clientId?: number;
}

export interface IbExecutionMessage {
  readonly orderId: number;
  readonly execId: string;
  /** "yyyymmdd-hh:mm:ss" (UTC) or "yyyymmdd  hh:mm:ss[ zone]" (read as UTC). */
  readonly time: string;
  readonly side: string; // BOT | SLD
  readonly shares: number;
  readonly price: number;
  readonly cumQty: number;
  readonly avgPrice: number;
  readonly orderRef: string;
  readonly permId?: number;
  readonly clientId?: number;
  readonly conId: number;
  readonly symbol: string;
  /** 1 added liquidity, 2 removed, 3 routed out (IB lastLiquidity). */
  readonly lastLiquidity?: number;
}

export interface IbCommissionMessage {
  readonly execId: string;
  readonly commission: number;
  readonly currency: string;
}

export interface IbOpenOrderMessage {
  readonly orderId: number;
  readonly orderRef: string;
  readonly action: string;
  readonly totalQuantity: number;
  readonly orderType: string;
  readonly lmtPrice?: number;
  readonly auxPrice?: number;
  readonly status: string;
  readonly conId: number;
  readonly symbol: string;
  readonly clientId?: number;
}

/**
 * CONTRACT_DATA (contractDetails) reduced to what the adapter uses: the conId, and the size rules
 * TWS sends from server version 164 (SIZE_RULES) on; older servers send neither (undefined).
 */
export interface IbContractDetailsMessage {
  readonly conId: number;
  /** The smallest order size. */
  readonly minSize?: number;
  /** The order size increment: every order quantity is a whole multiple of it. */
  readonly sizeIncrement?: number;
}

export interface IbBarMessage {
  /** Bar start, epoch seconds. */
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}
