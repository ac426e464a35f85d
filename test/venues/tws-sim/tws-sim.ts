// A local TWS (Trader Workstation) simulator for tests: a TCP server on 127.0.0.1 speaking the TWS
// API at server version 176 (or an older one for the connect path: TwsSimOptions.serverVersion) for the subset @stoqey/ib uses in adapters/ib (handshake, START_API,
// contracts, market data, real-time bars, historical bars, orders MKT/LMT/STP/TRAIL with partial
// fills and commissions, cancel, modify, open orders, positions, executions with a time filter,
// errors and system messages). It owns the venue's truth: orders, executions (with execIds) and
// positions survive client disconnects; every submission is counted per orderId and per orderRef.
//
// Determinism: no wall clock. The venue clock starts at `startTimeMs` and advances one second per
// execution (and on advance()); execIds and permIds are sequence numbers.
//
// Fault API (tests): drop connections (also right before/after a PLACE_ORDER is handled), hold
// order messages and release them later as sent or reversed (delayed / reordered / out-of-order
// fills), duplicate order statuses and executions, reject the next order, pacing violations (error
// 100 on market data, 162 on historical data), stale market data per symbol, TWS<->IB connectivity
// loss (1100, then 1101/1102), and the nightly reset (connections drop and are refused until it ends).
import net from 'node:net';
import {
  ADVANCED_ORDER_REJECT_VERSION, IN, OLDEST_SERVER_VERSION, OUT, SERVER_VERSION, TickType, msgCommission, msgContractData, msgContractDataEnd, msgCurrentTime, msgError, msgExecution, msgExecutionEnd,
  msgHistoricalData, msgManagedAccounts, msgNextValidId, msgOpenOrder, msgOpenOrderEnd, msgOrderStatus, msgPosition, msgPositionEnd,
  msgRealTimeBar, msgTickPrice, msgTickSize, readCancelOrder, readContractRequest, readExecutionsRequest, readHistoricalRequest,
  readMktDataRequest, readPlaceOrder, readRealTimeBarsRequest, readSecondInt,
  type ContractQuery, type SimBar, type SimContract, type SimExecution, type SimOrder,
} from './messages.js';
import { encodeMessage, FrameReader, type Field } from './wire.js';

export interface TwsSimOptions {
  readonly contracts?: readonly SimContract[];
  readonly account?: string;
  /** Venue clock start, ms since the epoch (default 2024-01-02T14:30:00Z). */
  readonly startTimeMs?: number;
  /** Fractions of an order's quantity filled as separate executions (default [1]). */
  readonly fillChunks?: readonly number[];
  /** USD per share, with a 1 USD minimum per execution (default 0.005). */
  readonly commissionPerShare?: number;
  /** Historical bars per symbol, oldest first. */
  readonly history?: Readonly<Record<string, readonly SimBar[]>>;
  /**
   * The server version the handshake announces (default 176; 163..176). Below SIZE_RULES (164)
   * CONTRACT_DATA carries no minSize / sizeIncrement (older TWS), below 166 ERR_MSG no
   * advancedOrderReject; OPEN_ORDER is simulated at 170 and later only (below, a protocol error).
   */
  readonly serverVersion?: number;
}

interface Session {
  readonly socket: net.Socket;
  readonly reader: FrameReader;
  clientId: number | null;
  readonly mktData: Map<number, number>; // reqId -> conId
  readonly bars: Map<number, number>;
}

interface Market { bid: number; ask: number; bidSize: number; askSize: number; last: number; lastSize: number }

const DEFAULT_CONTRACTS: readonly SimContract[] = [
  { conId: 265598, symbol: 'AAPL', secType: 'STK', exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD', minTick: 0.01 },
  { conId: 272093, symbol: 'MSFT', secType: 'STK', exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD', minTick: 0.01 },
];

const OPEN_STATUSES = new Set(['PreSubmitted', 'Submitted']);
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** "yyyymmdd-hh:mm:ss" UTC. */
export function execTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** Parses an ExecutionFilter time ("yyyymmdd-hh:mm:ss" or "yyyymmdd hh:mm:ss", UTC); empty: no filter. */
export function parseFilterTime(text: string): number {
  if (text.trim() === '') return Number.NEGATIVE_INFINITY;
  const m = /^(\d{4})(\d{2})(\d{2})[- ]+(\d{2}):(\d{2}):(\d{2})/.exec(text.trim());
  if (!m) throw new Error(`TWS sim: ExecutionFilter.time must be "yyyymmdd-hh:mm:ss", was ${JSON.stringify(text)}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

export class TwsSimFaults {
  /** The next PLACE_ORDER: 'before' drops the connection without handling it; 'after' handles it, then drops before any reply. */
  dropOnPlace: 'before' | 'after' | null = null;
  /** Order messages (OPEN_ORDER, ORDER_STATUS, EXECUTION_DATA, COMMISSION_REPORT, order errors) are held until releaseHeld(). */
  holdOrderMessages = false;
  duplicateStatus = false;
  duplicateExecutions = false;
  /** The next n orders are rejected with this error. */
  reject: { count: number; code: number; text: string } | null = null;
  /** The next n REQ_MKT_DATA / REQ_HISTORICAL_DATA get a pacing violation (100 / 162). */
  pacingMktData = 0;
  pacingHistorical = 0;
  /** Symbols whose market data stops while the connection stays up. */
  readonly stale = new Set<string>();
  /** Chunks override for the next fills (fractions of the order quantity). */
  fillChunks: readonly number[] | null = null;
}

export class TwsSim {
  readonly faults = new TwsSimFaults();
  private readonly server: net.Server;
  private readonly sessions = new Set<Session>();
  private readonly contracts: SimContract[];
  private readonly account: string;
  private readonly commissionPerShare: number;
  private readonly defaultChunks: readonly number[];
  private readonly history: Readonly<Record<string, readonly SimBar[]>>;
  /** The server version announced at the handshake (TwsSimOptions.serverVersion). */
  readonly serverVersion: number;
  private readonly markets = new Map<number, Market>();
  private readonly orderBook = new Map<number, SimOrder>();
  private readonly execs: SimExecution[] = [];
  private readonly pos = new Map<number, { qty: number; cost: number }>();
  private readonly refSubmissions = new Map<string, number>();
  private readonly idPlacements = new Map<number, number>();
  private held: { clientId: number; fields: Field[] }[] = [];
  private nextOrderId = 1;
  private permSeq = 1_000_000;
  private execSeq = 0;
  private nowMs: number;
  private resetting = false;
  private connectivity = true;
  /** Every request the simulator received, as [clientId, message id] (for tests). */
  readonly requests: { clientId: number | null; msgId: number }[] = [];
  /** Errors raised while handling a client's message (a malformed request): the test asserts none. */
  readonly protocolErrors: string[] = [];

  private constructor(options: TwsSimOptions) {
    this.contracts = [...(options.contracts ?? DEFAULT_CONTRACTS)];
    this.account = options.account ?? 'DU1234567';
    this.nowMs = options.startTimeMs ?? Date.UTC(2024, 0, 2, 14, 30, 0);
    this.defaultChunks = options.fillChunks ?? [1];
    this.commissionPerShare = options.commissionPerShare ?? 0.005;
    this.history = options.history ?? {};
    this.serverVersion = options.serverVersion ?? SERVER_VERSION;
    if (!Number.isInteger(this.serverVersion) || this.serverVersion < OLDEST_SERVER_VERSION || this.serverVersion > SERVER_VERSION) {
      throw new RangeError(`TWS sim: \`serverVersion\` must be an integer in ${OLDEST_SERVER_VERSION}..${SERVER_VERSION}, was ${options.serverVersion}`);
    }
    this.server = net.createServer((socket) => this.accept(socket));
  }

  static async start(options: TwsSimOptions = {}): Promise<TwsSim> {
    const sim = new TwsSim(options);
    await new Promise<void>((resolve, reject) => {
      sim.server.once('error', reject);
      sim.server.listen(0, '127.0.0.1', () => resolve());
    });
    return sim;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.socket.destroy();
    this.sessions.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- truth -------------------------------------------------------------------------------

  orders(): SimOrder[] {
    return [...this.orderBook.values()].map((o) => ({ ...o }));
  }
  executions(): SimExecution[] {
    return [...this.execs];
  }
  /** Signed position per symbol (symbols with no fills are absent). */
  positions(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [conId, p] of this.pos) out[this.contractById(conId).symbol] = p.qty;
    return out;
  }
  /** How many distinct orders (orderIds) carried this orderRef: 1 unless it was submitted twice. */
  submissions(orderRef: string): number {
    return this.refSubmissions.get(orderRef) ?? 0;
  }
  /** How many PLACE_ORDER messages this orderId had (1 + modifications). */
  placements(orderId: number): number {
    return this.idPlacements.get(orderId) ?? 0;
  }
  connectedClients(): number[] {
    return [...this.sessions].filter((s) => s.clientId !== null).map((s) => s.clientId as number);
  }
  now(): number {
    return this.nowMs;
  }
  advance(ms: number): void {
    this.nowMs += ms;
  }

  // ---- market ------------------------------------------------------------------------------

  quote(symbol: string, bid: number, ask: number, bidSize = 100, askSize = 100): void {
    const c = this.contractBySymbol(symbol);
    const m = this.market(c.conId);
    Object.assign(m, { bid, ask, bidSize, askSize });
    this.broadcastTicks(c, [[TickType.BID, bid, bidSize], [TickType.ASK, ask, askSize]]);
    this.matchAll(c.conId);
  }

  trade(symbol: string, price: number, size = 100): void {
    const c = this.contractBySymbol(symbol);
    const m = this.market(c.conId);
    m.last = price;
    m.lastSize = size;
    this.broadcastTicks(c, [[TickType.LAST, price, size]]);
    this.matchAll(c.conId);
  }

  bar(symbol: string, bar: SimBar): void {
    const c = this.contractBySymbol(symbol);
    if (this.faults.stale.has(symbol) || !this.connectivity) return;
    for (const s of this.sessions) for (const [reqId, conId] of s.bars) if (conId === c.conId) this.write(s, msgRealTimeBar(reqId, bar));
  }

  // ---- faults ------------------------------------------------------------------------------

  /**
   * Runs `send` with every client socket corked: the messages it writes (held order messages
   * released, bars, ticks) leave in one TCP write, as TWS sends what it has queued in one go, so
   * the client reads them in one chunk and handles them before its event loop turns.
   */
  burst(send: () => void): void {
    const sockets = [...this.sessions].map((s) => s.socket).filter((socket) => !socket.destroyed);
    for (const socket of sockets) socket.cork();
    try {
      send();
    } finally {
      for (const socket of sockets) socket.uncork();
    }
  }

  /** Drops every client connection (the venue keeps its state). */
  dropConnections(): void {
    for (const s of this.sessions) s.socket.destroy();
    this.sessions.clear();
  }
  /** IB's nightly reset begins: connections drop and new ones are refused until endReset(). */
  beginReset(): void {
    this.resetting = true;
    this.dropConnections();
  }
  endReset(): void {
    this.resetting = false;
  }
  /** TWS loses its link to IB (1100): market data stops; the API socket stays up. */
  connectivityLost(): void {
    this.connectivity = false;
    this.systemMessage(1100, 'Connectivity between IB and Trader Workstation has been lost.');
  }
  /** The link is back: 1101 (market data subscriptions lost: the client must resubscribe) or 1102 (data maintained). */
  connectivityRestored(dataLost: boolean): void {
    this.connectivity = true;
    if (dataLost) for (const s of this.sessions) s.mktData.clear(), s.bars.clear();
    this.systemMessage(dataLost ? 1101 : 1102, dataLost
      ? 'Connectivity between IB and Trader Workstation has been restored - data lost.'
      : 'Connectivity between IB and Trader Workstation has been restored - data maintained.');
  }
  /** A market-data farm status message (id -1) to every client: 2103 broken, 2104 OK, 2108 inactive (available on demand). */
  farmStatus(code: number, text = code === 2103 ? 'Market data farm connection is broken:usfarm' : code === 2104 ? 'Market data farm connection is OK:usfarm' : `farm status ${code}`): void {
    this.systemMessage(code, text);
  }
  /** An error on every market-data and bar request of `symbol` (10167: delayed data displayed; 354: not subscribed). */
  marketDataError(symbol: string, code: number, text = code === 354 ? 'Requested market data is not subscribed.' : 'Requested market data is not subscribed. Displaying delayed market data.'): void {
    const c = this.contractBySymbol(symbol);
    for (const s of this.sessions) for (const reqs of [s.mktData, s.bars]) for (const [reqId, conId] of reqs) if (conId === c.conId) this.write(s, msgError(reqId, code, text));
  }
  /** Sends one message to client `clientId` as given, past the venue's state and faults (a malformed or corrected message a test injects). */
  sendRaw(clientId: number, fields: Field[]): void {
    const s = [...this.sessions].find((x) => x.clientId === clientId);
    if (s) this.write(s, fields);
  }
  /** Sends the held order messages to their clients (still connected ones), as held or reversed. */
  releaseHeld(order: 'as-held' | 'reversed' = 'as-held'): number {
    const held = order === 'reversed' ? [...this.held].reverse() : this.held;
    this.held = [];
    this.faults.holdOrderMessages = false;
    for (const h of held) this.toClient(h.clientId, h.fields);
    return held.length;
  }

  // ---- connections -------------------------------------------------------------------------

  private accept(socket: net.Socket): void {
    if (this.resetting) {
      socket.destroy();
      return;
    }
    const session: Session = { socket, reader: new FrameReader(), clientId: null, mktData: new Map(), bars: new Map() };
    this.sessions.add(session);
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(session, chunk));
    socket.on('close', () => this.sessions.delete(session));
    socket.on('error', () => this.sessions.delete(session));
  }

  private onData(s: Session, chunk: Buffer): void {
    let read;
    try {
      read = s.reader.push(chunk);
    } catch (e) {
      this.protocolErrors.push((e as Error).message);
      s.socket.destroy();
      return;
    }
    if (read.hello !== null) {
      const m = /^v(\d+)\.\.(\d+)/.exec(read.hello);
      if (!m || +m[1] > this.serverVersion || +m[2] < this.serverVersion) {
        this.protocolErrors.push(`TWS sim: the client's version range ${read.hello} does not include ${this.serverVersion}`);
        s.socket.destroy();
        return;
      }
      s.socket.write(encodeMessage([this.serverVersion, `${execTime(this.nowMs).replace('-', ' ')} UTC`]));
    }
    for (const fields of read.messages) {
      if (!this.sessions.has(s)) return;
      try {
        this.handle(s, fields);
      } catch (e) {
        this.protocolErrors.push((e as Error).message);
      }
    }
  }

  private handle(s: Session, f: string[]): void {
    const msgId = Number.parseInt(f[0], 10);
    this.requests.push({ clientId: s.clientId, msgId });
    if (msgId === OUT.START_API) return this.startApi(s, Number.parseInt(f[2], 10));
    if (s.clientId === null) throw new Error(`TWS sim: message ${msgId} before START_API`);
    switch (msgId) {
      case OUT.REQ_CONTRACT_DATA: return this.contractDetails(s, f);
      case OUT.REQ_MKT_DATA: return this.mktData(s, f);
      case OUT.CANCEL_MKT_DATA: s.mktData.delete(readSecondInt(f, 'CANCEL_MKT_DATA', 'reqId')); return;
      case OUT.REQ_REAL_TIME_BARS: { const r = readRealTimeBarsRequest(f); s.bars.set(r.reqId, this.resolve(r.contract).conId); return; }
      case OUT.CANCEL_REAL_TIME_BARS: s.bars.delete(readSecondInt(f, 'CANCEL_REAL_TIME_BARS', 'reqId')); return;
      case OUT.REQ_HISTORICAL_DATA: return this.historical(s, f);
      case OUT.PLACE_ORDER: return this.placeOrder(s, f);
      case OUT.CANCEL_ORDER: return this.cancelOrder(s, readCancelOrder(f));
      case OUT.REQ_OPEN_ORDERS: return this.openOrders(s, s.clientId);
      case OUT.REQ_ALL_OPEN_ORDERS: return this.openOrders(s, null);
      case OUT.REQ_AUTO_OPEN_ORDERS: return;
      case OUT.REQ_POSITIONS: return this.sendPositions(s);
      case OUT.CANCEL_POSITIONS: return;
      case OUT.REQ_EXECUTIONS: return this.executionsFor(s, f);
      case OUT.REQ_IDS: this.write(s, msgNextValidId(this.nextOrderId)); return;
      case OUT.REQ_CURRENT_TIME: this.write(s, msgCurrentTime(Math.floor(this.nowMs / 1000))); return;
      case OUT.REQ_MANAGED_ACCTS: this.write(s, msgManagedAccounts(this.account)); return;
      case OUT.REQ_MARKET_DATA_TYPE: return;
      default: this.write(s, msgError(-1, 10_000, `TWS sim: message ${msgId} is not simulated`));
    }
  }

  private startApi(s: Session, clientId: number): void {
    const inUse = [...this.sessions].some((o) => o !== s && o.clientId === clientId);
    if (inUse) {
      this.write(s, msgError(-1, 326, 'Unable to connect as the client id is already in use. Retry with a unique client id.'));
      s.socket.end();
      return;
    }
    s.clientId = clientId;
    this.write(s, msgManagedAccounts(this.account));
    this.write(s, msgNextValidId(this.nextOrderId));
    this.write(s, msgError(-1, 2104, 'Market data farm connection is OK:usfarm'));
    this.write(s, msgError(-1, 2106, 'HMDS data farm connection is OK:ushmds'));
  }

  // ---- requests ----------------------------------------------------------------------------

  private contractDetails(s: Session, f: string[]): void {
    const { reqId, contract } = readContractRequest(f);
    const c = this.find(contract);
    if (!c) {
      this.write(s, msgError(reqId, 200, 'No security definition has been found for the request'));
      return;
    }
    this.write(s, msgContractData(reqId, c, this.serverVersion));
    this.write(s, msgContractDataEnd(reqId));
  }

  private mktData(s: Session, f: string[]): void {
    const { reqId, contract } = readMktDataRequest(f);
    if (this.faults.pacingMktData > 0) {
      this.faults.pacingMktData--;
      this.write(s, msgError(reqId, 100, 'Max rate of messages per second has been exceeded:max=50 rec=51'));
      return;
    }
    const c = this.find(contract);
    if (!c) {
      this.write(s, msgError(reqId, 200, 'No security definition has been found for the request'));
      return;
    }
    s.mktData.set(reqId, c.conId);
    const m = this.markets.get(c.conId);
    if (m && this.connectivity && !this.faults.stale.has(c.symbol)) {
      if (m.bid > 0) this.write(s, msgTickPrice(reqId, TickType.BID, m.bid, m.bidSize)), this.write(s, msgTickSize(reqId, TickType.BID_SIZE, m.bidSize));
      if (m.ask > 0) this.write(s, msgTickPrice(reqId, TickType.ASK, m.ask, m.askSize));
    }
  }

  private historical(s: Session, f: string[]): void {
    const r = readHistoricalRequest(f);
    if (this.faults.pacingHistorical > 0) {
      this.faults.pacingHistorical--;
      this.write(s, msgError(r.reqId, 162, 'Historical Market Data Service error message:Historical data request pacing violation'));
      return;
    }
    const c = this.find(r.contract);
    if (!c) {
      this.write(s, msgError(r.reqId, 200, 'No security definition has been found for the request'));
      return;
    }
    const bars = this.history[c.symbol] ?? [];
    const start = bars.length > 0 ? execTime(bars[0].time * 1000) : '';
    const end = bars.length > 0 ? execTime(bars[bars.length - 1].time * 1000) : '';
    this.write(s, msgHistoricalData(r.reqId, start, end, bars));
  }

  private placeOrder(s: Session, f: string[]): void {
    if (this.faults.dropOnPlace === 'before') {
      this.faults.dropOnPlace = null;
      s.socket.destroy();
      this.sessions.delete(s);
      return;
    }
    const dropAfter = this.faults.dropOnPlace === 'after';
    if (dropAfter) {
      this.faults.dropOnPlace = null;
      this.sessions.delete(s); // replies of this order go nowhere: the client is gone
      s.socket.destroy();
    }
    const r = readPlaceOrder(f);
    const clientId = s.clientId as number;
    this.idPlacements.set(r.orderId, (this.idPlacements.get(r.orderId) ?? 0) + 1);
    const existing = this.orderBook.get(r.orderId);
    if (existing) return this.modify(existing, r.totalQty, r.lmtPrice, r.auxPrice, r.trailStopPrice);
    this.refSubmissions.set(r.orderRef, (this.refSubmissions.get(r.orderRef) ?? 0) + 1);
    this.nextOrderId = Math.max(this.nextOrderId, r.orderId + 1);
    const c = this.find(r.contract);
    const order: SimOrder = {
      orderId: r.orderId, clientId, permId: ++this.permSeq, contract: c ?? this.contracts[0], action: r.action === 'SELL' ? 'SELL' : 'BUY',
      totalQty: r.totalQty, orderType: r.orderType, lmtPrice: r.lmtPrice, auxPrice: r.auxPrice, trailStopPrice: r.trailStopPrice,
      trailingPercent: r.trailingPercent, tif: r.tif, account: r.account || this.account, orderRef: r.orderRef, status: 'PendingSubmit',
      filled: 0, avgPrice: 0, lastFillPrice: 0, trailAnchor: undefined,
    };
    this.orderBook.set(order.orderId, order);
    const reason = !c ? 'No security definition has been found for the request'
      : !(r.totalQty > 0) ? 'Order rejected - reason:quantity must be positive'
      : !['MKT', 'LMT', 'STP', 'TRAIL'].includes(r.orderType) ? `Order rejected - reason:order type ${r.orderType} is not simulated`
      : null;
    if (reason || this.faults.reject) {
      const code = reason ? (c ? 201 : 200) : (this.faults.reject as { code: number }).code;
      const text = reason ?? (this.faults.reject as { text: string }).text;
      if (!reason && this.faults.reject && --this.faults.reject.count <= 0) this.faults.reject = null;
      order.status = 'Inactive';
      this.toClient(clientId, msgError(order.orderId, code, text));
      this.toClient(clientId, msgOrderStatus(order));
      return;
    }
    order.status = order.orderType === 'MKT' || order.orderType === 'LMT' ? 'Submitted' : 'PreSubmitted';
    this.toClient(clientId, msgOpenOrder(order));
    this.toClient(clientId, msgOrderStatus(order));
    this.match(order);
  }

  private modify(o: SimOrder, qty: number, lmt: number | undefined, aux: number | undefined, trailStop: number | undefined): void {
    if (!OPEN_STATUSES.has(o.status)) {
      this.toClient(o.clientId, msgError(o.orderId, 104, `Cannot modify a filled order (status ${o.status}).`));
      return;
    }
    if (!(qty >= o.filled) || !(qty > 0)) {
      this.toClient(o.clientId, msgError(o.orderId, 201, `Order rejected - reason:the new quantity ${qty} is below the filled ${o.filled}`));
      return;
    }
    Object.assign(o, { totalQty: qty, lmtPrice: lmt, auxPrice: aux, trailStopPrice: trailStop ?? o.trailStopPrice });
    this.toClient(o.clientId, msgOpenOrder(o));
    this.toClient(o.clientId, msgOrderStatus(o));
    this.match(o);
  }

  private cancelOrder(s: Session, orderId: number): void {
    const o = this.orderBook.get(orderId);
    if (!o) {
      this.write(s, msgError(orderId, 10_147, `OrderId ${orderId} that needs to be cancelled is not found.`));
      return;
    }
    if (!OPEN_STATUSES.has(o.status)) {
      this.toClient(o.clientId, msgError(orderId, 161, `Cancel attempted when order is not in a cancellable state.  Order permId =${o.permId}`));
      return;
    }
    o.status = 'Cancelled';
    this.toClient(o.clientId, msgOrderStatus(o));
    this.toClient(o.clientId, msgError(orderId, 202, 'Order Canceled - reason:'));
  }

  private openOrders(s: Session, clientId: number | null): void {
    for (const o of this.orderBook.values()) {
      if (!OPEN_STATUSES.has(o.status) || (clientId !== null && o.clientId !== clientId)) continue;
      this.write(s, msgOpenOrder(o));
      this.write(s, msgOrderStatus(o));
    }
    this.write(s, msgOpenOrderEnd());
  }

  private sendPositions(s: Session): void {
    for (const [conId, p] of this.pos) this.write(s, msgPosition(this.account, this.contractById(conId), p.qty, p.qty === 0 ? 0 : p.cost / p.qty));
    this.write(s, msgPositionEnd());
  }

  private executionsFor(s: Session, f: string[]): void {
    const q = readExecutionsRequest(f);
    const since = parseFilterTime(q.time);
    for (const e of this.execs) {
      if (q.clientId !== 0 && e.clientId !== q.clientId) continue;
      if (q.symbol !== '' && e.contract.symbol !== q.symbol) continue;
      if (e.timeMs < since) continue;
      this.write(s, msgExecution(q.reqId, e));
      this.write(s, msgCommission(e));
    }
    this.write(s, msgExecutionEnd(q.reqId));
  }

  // ---- matching ----------------------------------------------------------------------------

  private matchAll(conId: number): void {
    for (const o of [...this.orderBook.values()]) if (o.contract.conId === conId && OPEN_STATUSES.has(o.status)) this.match(o);
  }

  /** The fill price if the order executes now, else null. */
  private executable(o: SimOrder): number | null {
    const m = this.markets.get(o.contract.conId);
    if (!m) return null;
    const buy = o.action === 'BUY';
    const touch = buy ? (m.ask > 0 ? m.ask : m.last) : (m.bid > 0 ? m.bid : m.last);
    switch (o.orderType) {
      case 'MKT':
        return touch > 0 ? touch : null;
      case 'LMT': {
        const lmt = o.lmtPrice ?? 0;
        if (!(touch > 0)) return null;
        return buy ? (touch <= lmt ? touch : null) : (touch >= lmt ? touch : null);
      }
      case 'STP': {
        const stop = o.auxPrice ?? 0;
        if (!(m.last > 0)) return null;
        return buy ? (m.last >= stop ? m.last : null) : (m.last <= stop ? m.last : null);
      }
      case 'TRAIL': {
        if (!(m.last > 0)) return null;
        o.trailAnchor = o.trailAnchor === undefined ? m.last : buy ? Math.min(o.trailAnchor, m.last) : Math.max(o.trailAnchor, m.last);
        const offset = o.trailingPercent !== undefined ? (o.trailAnchor * o.trailingPercent) / 100 : (o.auxPrice ?? 0);
        const trailed = buy ? o.trailAnchor + offset : o.trailAnchor - offset;
        const initial = o.trailStopPrice;
        const stop = initial === undefined ? trailed : buy ? Math.min(initial, trailed) : Math.max(initial, trailed);
        o.trailStopPrice = stop;
        return buy ? (m.last >= stop ? m.last : null) : (m.last <= stop ? m.last : null);
      }
      default:
        return null;
    }
  }

  private match(o: SimOrder): void {
    const price = this.executable(o);
    if (price === null) return;
    const chunks = this.faults.fillChunks ?? this.defaultChunks;
    this.faults.fillChunks = null;
    const remaining = o.totalQty - o.filled;
    let done = 0;
    for (let i = 0; i < chunks.length && done < remaining; i++) {
      const qty = i === chunks.length - 1 ? remaining - done : Math.min(remaining - done, Math.max(1, Math.floor(o.totalQty * chunks[i])));
      if (qty <= 0) continue;
      done += qty;
      this.execute(o, qty, price);
    }
  }

  private execute(o: SimOrder, qty: number, price: number): void {
    o.avgPrice = (o.avgPrice * o.filled + price * qty) / (o.filled + qty);
    o.filled += qty;
    o.lastFillPrice = price;
    o.status = o.filled >= o.totalQty ? 'Filled' : 'Submitted';
    const signed = o.action === 'BUY' ? qty : -qty;
    const p = this.pos.get(o.contract.conId) ?? { qty: 0, cost: 0 };
    p.qty += signed;
    p.cost += signed * price;
    this.pos.set(o.contract.conId, p);
    this.execSeq++;
    const e: SimExecution = {
      execId: `0000e0d5.${(0x65a0_0000 + this.execSeq).toString(16)}.01.01`, orderId: o.orderId, clientId: o.clientId, permId: o.permId,
      contract: o.contract, side: o.action === 'BUY' ? 'BOT' : 'SLD', shares: qty, price, cumQty: o.filled, avgPrice: o.avgPrice,
      orderRef: o.orderRef, time: execTime(this.nowMs), timeMs: this.nowMs, account: o.account,
      commission: Math.max(1, Math.round(qty * this.commissionPerShare * 100) / 100),
    };
    this.nowMs += 1000;
    this.execs.push(e);
    this.toClient(o.clientId, msgExecution(-1, e));
    this.toClient(o.clientId, msgOrderStatus(o));
    this.toClient(o.clientId, msgCommission(e));
  }

  // ---- output ------------------------------------------------------------------------------

  private toClient(clientId: number, fields: Field[]): void {
    if (this.faults.holdOrderMessages) {
      this.held.push({ clientId, fields });
      return;
    }
    const s = [...this.sessions].find((x) => x.clientId === clientId);
    if (!s) return; // the client is away: it recovers through REQ_EXECUTIONS / REQ_OPEN_ORDERS
    const id = fields[0];
    const copies = (id === IN.ORDER_STATUS && this.faults.duplicateStatus) || ((id === IN.EXECUTION_DATA || id === IN.COMMISSION_REPORT) && this.faults.duplicateExecutions) ? 2 : 1;
    for (let i = 0; i < copies; i++) this.write(s, fields);
  }

  private write(s: Session, fields: Field[]): void {
    if (fields[0] === IN.ERR_MSG && this.serverVersion < ADVANCED_ORDER_REJECT_VERSION) fields = fields.slice(0, -1);
    if (fields[0] === IN.OPEN_ORDER && this.serverVersion < 170) {
      this.protocolErrors.push(`TWS sim: OPEN_ORDER is simulated at server version 170 and later (PEGBEST_PEGMID_OFFSETS), this one is ${this.serverVersion}`);
      return;
    }
    if (!s.socket.destroyed) s.socket.write(encodeMessage(fields));
  }

  private systemMessage(code: number, text: string): void {
    for (const s of this.sessions) if (s.clientId !== null) this.write(s, msgError(-1, code, text));
  }

  private broadcastTicks(c: SimContract, ticks: [number, number, number][]): void {
    if (this.faults.stale.has(c.symbol) || !this.connectivity) return;
    for (const s of this.sessions) {
      for (const [reqId, conId] of s.mktData) {
        if (conId !== c.conId) continue;
        for (const [type, price, size] of ticks) {
          this.write(s, msgTickPrice(reqId, type, price, size));
          // @stoqey/ib 1.6.10 drops the bid size carried by TICK_PRICE (BID_SIZE is tick type 0,
          // falsy in its decoder); TWS also sends sizes as TICK_SIZE, which the client does pass on.
          if (type === TickType.BID) this.write(s, msgTickSize(reqId, TickType.BID_SIZE, size));
        }
        if (ticks.some(([t]) => t === TickType.LAST)) this.write(s, msgTickSize(reqId, TickType.VOLUME, 0));
      }
    }
  }

  private market(conId: number): Market {
    let m = this.markets.get(conId);
    if (!m) this.markets.set(conId, (m = { bid: 0, ask: 0, bidSize: 0, askSize: 0, last: 0, lastSize: 0 }));
    return m;
  }

  private find(q: ContractQuery): SimContract | undefined {
    if (q.conId > 0) return this.contracts.find((c) => c.conId === q.conId);
    return this.contracts.find((c) => c.symbol === q.symbol && (q.secType === '' || c.secType === q.secType) && (q.currency === '' || c.currency === q.currency));
  }
  private resolve(q: ContractQuery): SimContract {
    const c = this.find(q);
    if (!c) throw new Error(`TWS sim: unknown contract ${JSON.stringify(q)}`);
    return c;
  }
  private contractBySymbol(symbol: string): SimContract {
    const c = this.contracts.find((x) => x.symbol === symbol);
    if (!c) throw new Error(`TWS sim: unknown symbol ${symbol}`);
    return c;
  }
  private contractById(conId: number): SimContract {
    const c = this.contracts.find((x) => x.conId === conId);
    if (!c) throw new Error(`TWS sim: unknown conId ${conId}`);
    return c;
  }
}
