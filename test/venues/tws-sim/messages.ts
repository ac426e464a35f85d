// The TWS API messages of the simulator, at server version 176 unless said: the field lists of the
// messages it sends mirror @stoqey/ib 1.6.10's decoder at 176 (dist/core/io/decoder.js), and the
// request readers mirror its encoder at 176 (dist/core/io/encoder.js). CONTRACT_DATA and ERR_MSG
// are also encoded for an older server (163..175: no size rules), for the adapter's connect path. Any drift shows up as the
// client's "Underrun error" / "unprocessed data left on queue" errors, which the tests assert are
// absent.
import type { Field } from './wire.js';

export const SERVER_VERSION = 176;

/** Incoming message ids (server -> client). */
export const IN = {
  TICK_PRICE: 1, TICK_SIZE: 2, ORDER_STATUS: 3, ERR_MSG: 4, OPEN_ORDER: 5, NEXT_VALID_ID: 9, CONTRACT_DATA: 10, EXECUTION_DATA: 11,
  MANAGED_ACCTS: 15, HISTORICAL_DATA: 17, CURRENT_TIME: 49, REAL_TIME_BARS: 50, CONTRACT_DATA_END: 52, OPEN_ORDER_END: 53,
  EXECUTION_DATA_END: 55, COMMISSION_REPORT: 59, POSITION: 61, POSITION_END: 62,
} as const;

/** Outgoing message ids (client -> server). */
export const OUT = {
  REQ_MKT_DATA: 1, CANCEL_MKT_DATA: 2, PLACE_ORDER: 3, CANCEL_ORDER: 4, REQ_OPEN_ORDERS: 5, REQ_EXECUTIONS: 7, REQ_IDS: 8,
  REQ_CONTRACT_DATA: 9, REQ_AUTO_OPEN_ORDERS: 15, REQ_ALL_OPEN_ORDERS: 16, REQ_MANAGED_ACCTS: 17, REQ_HISTORICAL_DATA: 20,
  CANCEL_HISTORICAL_DATA: 25, REQ_CURRENT_TIME: 49, REQ_REAL_TIME_BARS: 50, CANCEL_REAL_TIME_BARS: 51, REQ_MARKET_DATA_TYPE: 59,
  REQ_POSITIONS: 61, CANCEL_POSITIONS: 64, START_API: 71,
} as const;

export const TickType = { BID_SIZE: 0, BID: 1, ASK: 2, ASK_SIZE: 3, LAST: 4, LAST_SIZE: 5, VOLUME: 8 } as const;

/** A stock contract the simulator knows. */
export interface SimContract {
  readonly conId: number;
  readonly symbol: string;
  readonly secType: string;
  readonly exchange: string;
  readonly primaryExch: string;
  readonly currency: string;
  readonly minTick: number;
  /** SIZE_RULES (server version >= 164): the smallest order and the order size step (default 1 and 1: whole shares). */
  readonly minSize?: number;
  readonly sizeIncrement?: number;
  /** The size step TWS suggests (default 100: a round lot). */
  readonly suggestedSizeIncrement?: number;
}

/** The order fields the simulator keeps (what PLACE_ORDER carried, plus the venue's state). */
export interface SimOrder {
  readonly orderId: number;
  readonly clientId: number;
  readonly permId: number;
  readonly contract: SimContract;
  action: 'BUY' | 'SELL';
  totalQty: number;
  orderType: string;
  lmtPrice: number | undefined;
  auxPrice: number | undefined;
  trailStopPrice: number | undefined;
  trailingPercent: number | undefined;
  tif: string;
  readonly account: string;
  readonly orderRef: string;
  status: string;
  filled: number;
  avgPrice: number;
  lastFillPrice: number;
  /** TRAIL: the best price seen since it started trailing. */
  trailAnchor: number | undefined;
}

export interface SimExecution {
  readonly execId: string;
  readonly orderId: number;
  readonly clientId: number;
  readonly permId: number;
  readonly contract: SimContract;
  readonly side: 'BOT' | 'SLD';
  readonly shares: number;
  readonly price: number;
  readonly cumQty: number;
  readonly avgPrice: number;
  readonly orderRef: string;
  /** "yyyymmdd-hh:mm:ss" UTC (the format of ExecutionFilter.time). */
  readonly time: string;
  readonly timeMs: number;
  readonly account: string;
  readonly commission: number;
}

export interface SimBar {
  /** Bar start, epoch seconds. */
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
  readonly wap: number;
  readonly count: number;
}

const num = (x: number | undefined): Field => (x === undefined ? '' : x);

export const msgNextValidId = (id: number): Field[] => [IN.NEXT_VALID_ID, 1, id];
export const msgManagedAccounts = (accounts: string): Field[] => [IN.MANAGED_ACCTS, 1, accounts];
export const msgCurrentTime = (epochSeconds: number): Field[] => [IN.CURRENT_TIME, 1, epochSeconds];
/** ERR_MSG version 2 at 176: id, code, message, advancedOrderReject json (ADVANCED_ORDER_REJECT, 166: the simulator drops it below). id -1: an info/system message. */
export const msgError = (id: number, code: number, text: string): Field[] => [IN.ERR_MSG, 2, id, code, text, ''];
/** The first server version whose ERR_MSG carries the advancedOrderReject field. */
export const ADVANCED_ORDER_REJECT_VERSION = 166;

/** TICK_PRICE version 3: price and size in one message (the client emits tickPrice then tickSize). */
export const msgTickPrice = (reqId: number, tickType: number, price: number, size: number): Field[] => [IN.TICK_PRICE, 3, reqId, tickType, price, size, 0];
export const msgTickSize = (reqId: number, tickType: number, size: number): Field[] => [IN.TICK_SIZE, 6, reqId, tickType, size];
export const msgRealTimeBar = (reqId: number, b: SimBar): Field[] => [IN.REAL_TIME_BARS, 3, reqId, b.time, b.open, b.high, b.low, b.close, b.volume, b.wap, b.count];

/** HISTORICAL_DATA at 176: no version, start/end strings, count, then per bar date,o,h,l,c,volume,wap,barCount. */
export function msgHistoricalData(reqId: number, start: string, end: string, bars: readonly SimBar[]): Field[] {
  const out: Field[] = [IN.HISTORICAL_DATA, reqId, start, end, bars.length];
  for (const b of bars) out.push(b.time, b.open, b.high, b.low, b.close, b.volume, b.wap, b.count);
  return out;
}

/** The first server version whose CONTRACT_DATA carries minSize, sizeIncrement and suggestedSizeIncrement (MIN_SERVER_VER.SIZE_RULES). */
export const SIZE_RULES_VERSION = 164;
/** The oldest server version the simulator speaks (MIN_SERVER_VER.FRACTIONAL_SIZE_SUPPORT; see TwsSimOptions.serverVersion). */
export const OLDEST_SERVER_VERSION = 163;

/**
 * CONTRACT_DATA (no LAST_TRADE_DATE, FUND or INELIGIBILITY fields: those come after 176). At
 * SIZE_RULES (164) and later: no version field (8 implied), no mdSizeMultiplier, and after
 * stockType minSize, sizeIncrement, suggestedSizeIncrement. At 163: version 8, the mdSizeMultiplier
 * after minTick (>= 110) and, after stockType, the sizeMinTick (FRACTIONAL_SIZE_SUPPORT), no size
 * rules. The order is @stoqey/ib's decodeMsg_CONTRACT_DATA.
 */
export function msgContractData(reqId: number, c: SimContract, serverVersion = SERVER_VERSION): Field[] {
  const sizeRules = serverVersion >= SIZE_RULES_VERSION;
  return [
    IN.CONTRACT_DATA, ...(sizeRules ? [] : [8]), reqId, c.symbol, c.secType, '', 0, '', c.exchange, c.currency, c.symbol, 'NMS', 'NMS', c.conId, c.minTick,
    ...(sizeRules ? [] : [1]), '',
    'ACTIVETIM,ADJUST,ALERT,ALGO,LMT,MKT,STP,TRAIL', 'SMART,NASDAQ,NYSE', 1, 0, `${c.symbol} INC`, c.primaryExch, '', 'Technology', 'Computers',
    'Computers', 'US/Eastern', '20240102:0930-20240102:1600', '20240102:0930-20240102:1600', '', '', 0, 1, '', '', '26,26', '', 'COMMON',
    ...(sizeRules ? [num(c.minSize ?? 1), num(c.sizeIncrement ?? 1), num(c.suggestedSizeIncrement ?? 100)] : [0.0001]),
  ];
}
export const msgContractDataEnd = (reqId: number): Field[] => [IN.CONTRACT_DATA_END, 1, reqId];

/** ORDER_STATUS at 176 (MARKET_CAP_PRICE: no version field). */
export function msgOrderStatus(o: SimOrder): Field[] {
  return [IN.ORDER_STATUS, o.orderId, o.status, o.filled, o.totalQty - o.filled, o.avgPrice, o.permId, 0, o.lastFillPrice, o.clientId, '', 0];
}

function contractFields(c: SimContract): Field[] {
  return [c.conId, c.symbol, c.secType, '', 0, '', '', c.exchange, c.currency, c.symbol, 'NMS'];
}

/** EXECUTION_DATA at 176 (>= LAST_LIQUIDITY: no version; < PENDING_PRICE_REVISION). */
export function msgExecution(reqId: number, e: SimExecution): Field[] {
  return [
    IN.EXECUTION_DATA, reqId, e.orderId, ...contractFields(e.contract), e.execId, e.time, e.account, e.contract.primaryExch, e.side, e.shares,
    e.price, e.permId, e.clientId, 0, e.cumQty, e.avgPrice, e.orderRef, '', '', '', 2,
  ];
}
export const msgExecutionEnd = (reqId: number): Field[] => [IN.EXECUTION_DATA_END, 1, reqId];
export const msgCommission = (e: SimExecution): Field[] => [IN.COMMISSION_REPORT, 1, e.execId, e.commission, 'USD', '', '', ''];

export function msgPosition(account: string, c: SimContract, qty: number, avgCost: number): Field[] {
  return [IN.POSITION, 3, account, ...contractFields(c), qty, avgCost];
}
export const msgPositionEnd = (): Field[] => [IN.POSITION_END, 1];
export const msgOpenOrderEnd = (): Field[] => [IN.OPEN_ORDER_END, 1];

/** OPEN_ORDER at 176 (version = server version; faProfile still sent, < FA_PROFILE_DESUPPORT). */
export function msgOpenOrder(o: SimOrder): Field[] {
  return [
    IN.OPEN_ORDER, o.orderId, ...contractFields(o.contract),
    o.action, o.totalQty, o.orderType, num(o.lmtPrice), num(o.auxPrice), o.tif, '', o.account, 'O', 0, o.orderRef, o.clientId, o.permId,
    0, 0, 0, '', '', // outsideRth, hidden, discretionaryAmt, goodAfterTime, sharesAllocation
    '', '', '', '', '', '', // faGroup, faMethod, faPercentage, faProfile, modelCode, goodTillDate
    '', '', '', // rule80A, percentOffset, settlingFirm
    0, '', -1, 0, // shortSaleSlot, designatedLocation, exemptCode, auctionStrategy
    '', '', '', '', '', '', // startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper, displaySize
    0, 0, 0, '', 3, 0, 0, '', // blockOrder, sweepToFill, allOrNone, minQty, ocaType, eTradeOnly, firmQuoteOnly, nbboPriceCap
    0, 0, // parentId, triggerMethod
    '', 0, '', '', 0, 0, // volatility, volatilityType, deltaNeutralOrderType (empty: no more), deltaNeutralAuxPrice, continuousUpdate, referencePriceType
    num(o.trailStopPrice), num(o.trailingPercent), // trail params
    '', '', // basisPoints, basisPointsType
    '', 0, 0, // comboLegsDescription, comboLegs count, orderComboLegs count
    0, // smartComboRoutingParams count
    '', '', '', // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement (empty: no scale extras)
    '', // hedgeType (empty: no param)
    0, '', '', 0, // optOutSmartRouting, clearingAccount, clearingIntent, notHeld
    0, // deltaNeutralContract present
    '', // algoStrategy (empty: no params)
    0, // solicited
    0, o.status, '', '', '', '', '', '', '', '', '', '', '', '', '', '', // whatIf, status, 6 margin-before/change, 3 after, commission, min, max, currency, warning
    0, 0, // randomizeSize, randomizePrice
    0, // conditions count (0: no ignoreRth/cancelOrder)
    '', '', num(o.trailStopPrice), '', '', '', '', 0, // adjustedOrderType, triggerPrice, trailStopPrice (read again), lmtPriceOffset, adjustedStopPrice, adjustedStopLimitPrice, adjustedTrailingAmount, adjustableTrailingUnit
    '', '', '', // softDollarTier name, value, displayName
    '', 0, 0, 0, 0, 0, '', 0, // cashQty, dontUseAutoPriceForHedge, isOmsContainer, discretionaryUpToLimitPrice, usePriceMgmtAlgo, duration, postToAts, autoCancelParent
    '', '', '', '', '', // minTradeQty, minCompeteSize, competeAgainstBestOffset, midOffsetAtWhole, midOffsetAtHalf
  ];
}

// ---- requests (client -> server) --------------------------------------------------------

/** A field reader over one request; names the message and field in its errors. */
export class RequestReader {
  private at = 0;
  constructor(private readonly fields: readonly string[], private readonly what: string) {}
  str(name: string): string {
    if (this.at >= this.fields.length) throw new Error(`TWS sim: ${this.what} ended before field \`${name}\` (field ${this.at})`);
    return this.fields[this.at++];
  }
  int(name: string): number {
    const s = this.str(name);
    const v = s === '' ? 0 : Number.parseInt(s, 10);
    if (!Number.isFinite(v)) throw new Error(`TWS sim: ${this.what} field \`${name}\` must be an integer, was ${JSON.stringify(s)}`);
    return v;
  }
  /** Empty (or the client's Number.MAX_VALUE) reads as undefined. */
  optNum(name: string): number | undefined {
    const s = this.str(name);
    if (s === '') return undefined;
    const v = Number.parseFloat(s);
    if (!Number.isFinite(v)) throw new Error(`TWS sim: ${this.what} field \`${name}\` must be a number, was ${JSON.stringify(s)}`);
    return v === Number.MAX_VALUE ? undefined : v;
  }
  skip(n: number): void {
    this.at += n;
  }
  get remaining(): number {
    return this.fields.length - this.at;
  }
}

export interface ContractQuery {
  readonly conId: number;
  readonly symbol: string;
  readonly secType: string;
  readonly exchange: string;
  readonly currency: string;
}

/** conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, primaryExch, currency, localSymbol, tradingClass. */
function readContract(r: RequestReader): ContractQuery {
  const conId = r.int('conId');
  const symbol = r.str('symbol');
  const secType = r.str('secType');
  r.skip(4); // lastTradeDate, strike, right, multiplier
  const exchange = r.str('exchange');
  r.str('primaryExch');
  const currency = r.str('currency');
  r.skip(2); // localSymbol, tradingClass
  return { conId, symbol, secType, exchange, currency };
}

export function readContractRequest(f: readonly string[]): { reqId: number; contract: ContractQuery } {
  const r = new RequestReader(f, 'REQ_CONTRACT_DATA');
  r.skip(2); // msg id, version
  const reqId = r.int('reqId');
  return { reqId, contract: readContract(r) };
}

export function readMktDataRequest(f: readonly string[]): { reqId: number; contract: ContractQuery } {
  const r = new RequestReader(f, 'REQ_MKT_DATA');
  r.skip(2);
  const reqId = r.int('reqId');
  return { reqId, contract: readContract(r) };
}

export function readRealTimeBarsRequest(f: readonly string[]): { reqId: number; contract: ContractQuery } {
  const r = new RequestReader(f, 'REQ_REAL_TIME_BARS');
  r.skip(2);
  const reqId = r.int('reqId');
  return { reqId, contract: readContract(r) };
}

/** REQ_HISTORICAL_DATA at 176 has no version field. */
export function readHistoricalRequest(f: readonly string[]): { reqId: number; contract: ContractQuery; endDateTime: string; barSize: string; duration: string } {
  const r = new RequestReader(f, 'REQ_HISTORICAL_DATA');
  r.skip(1);
  const reqId = r.int('reqId');
  const contract = readContract(r);
  r.str('includeExpired');
  const endDateTime = r.str('endDateTime');
  const barSize = r.str('barSizeSetting');
  const duration = r.str('durationStr');
  return { reqId, contract, endDateTime, barSize, duration };
}

export interface PlaceOrderRequest {
  readonly orderId: number;
  readonly contract: ContractQuery;
  readonly action: string;
  readonly totalQty: number;
  readonly orderType: string;
  readonly lmtPrice: number | undefined;
  readonly auxPrice: number | undefined;
  readonly tif: string;
  readonly account: string;
  readonly orderRef: string;
  readonly trailStopPrice: number | undefined;
  readonly trailingPercent: number | undefined;
}

/** PLACE_ORDER at 176 (>= ORDER_CONTAINER: no version field), read up to the trailing-stop fields; BAG contracts are refused. */
export function readPlaceOrder(f: readonly string[]): PlaceOrderRequest {
  const r = new RequestReader(f, 'PLACE_ORDER');
  r.skip(1);
  const orderId = r.int('orderId');
  const contract = readContract(r);
  if (contract.secType.toUpperCase() === 'BAG') throw new Error('TWS sim: PLACE_ORDER of a BAG (combo) contract is not simulated');
  r.skip(2); // secIdType, secId
  const action = r.str('action');
  const totalQty = r.optNum('totalQuantity') ?? 0;
  const orderType = r.str('orderType');
  const lmtPrice = r.optNum('lmtPrice');
  const auxPrice = r.optNum('auxPrice');
  const tif = r.str('tif');
  r.str('ocaGroup');
  const account = r.str('account');
  r.skip(2); // openClose, origin
  const orderRef = r.str('orderRef');
  // transmit, parentId, blockOrder, sweepToFill, displaySize, triggerMethod, outsideRth, hidden,
  // sharesAllocation, discretionaryAmt, goodAfterTime, goodTillDate, faGroup, faMethod, faPercentage,
  // faProfile, modelCode, shortSaleSlot, designatedLocation, exemptCode, ocaType, rule80A,
  // settlingFirm, allOrNone, minQty, percentOffset, eTradeOnly, firmQuoteOnly, nbboPriceCap,
  // auctionStrategy, startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper,
  // overridePercentageConstraints, volatility, volatilityType
  r.skip(38);
  const deltaNeutralOrderType = r.str('deltaNeutralOrderType');
  r.str('deltaNeutralAuxPrice');
  if (deltaNeutralOrderType !== '') r.skip(8);
  r.skip(2); // continuousUpdate, referencePriceType
  const trailStopPrice = r.optNum('trailStopPrice');
  const trailingPercent = r.optNum('trailingPercent');
  return { orderId, contract, action, totalQty, orderType, lmtPrice, auxPrice, tif, account, orderRef, trailStopPrice, trailingPercent };
}

/** CANCEL_ORDER at 176: msg id, version, orderId, manualOrderCancelTime. */
export function readCancelOrder(f: readonly string[]): number {
  const r = new RequestReader(f, 'CANCEL_ORDER');
  r.skip(2);
  return r.int('orderId');
}

export interface ExecutionFilterQuery {
  readonly reqId: number;
  readonly clientId: number;
  readonly acctCode: string;
  readonly time: string;
  readonly symbol: string;
}

export function readExecutionsRequest(f: readonly string[]): ExecutionFilterQuery {
  const r = new RequestReader(f, 'REQ_EXECUTIONS');
  r.skip(2);
  const reqId = r.int('reqId');
  const clientId = r.int('clientId');
  const acctCode = r.str('acctCode');
  const time = r.str('time');
  const symbol = r.str('symbol');
  return { reqId, clientId, acctCode, time, symbol };
}

/** REQ_IDS / CANCEL_MKT_DATA / CANCEL_REAL_TIME_BARS: msg id, version, one integer. */
export function readSecondInt(f: readonly string[], what: string, name: string): number {
  const r = new RequestReader(f, what);
  r.skip(2);
  return r.int(name);
}
