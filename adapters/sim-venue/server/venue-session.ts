// The deterministic heart of the server: handles one checked request at a time against the
// venue driver and the store, and says what to send back (records, then a result). The same
// requests in the same order give the same output, byte for byte: nothing here reads a wall
// clock, a random source or the connection.
//
//   submit   counts the client order id's submission; a second one is REJECTed (reason
//            DUPLICATE_CLIENT_ORDER_ID) and never reaches the venue. An order the venue cannot
//            take (instrument outside the tape, a type, time in force or flag it does not
//            simulate) is REJECTed here (reason INVALID); every other one goes to the venue.
//   cancel, replace  go to the venue (which REJECTs what it does not hold), except for an
//            instrument outside the tape (REJECT, INVALID)
//   market   re-sends market records already delivered as they were (no matching: a feed's gap
//            fill), and advances the venue record by record past its market seq: each
//            record's replies go out before the record
// Replies get the server's ids: FILL b = fill id (1, 2, 3 ... across restarts), ACK b = venue
// order id (1, 2, 3 ... per acknowledged order; a replace ACK repeats it). Each request that
// changes anything is one store transaction, committed before its output is returned.
//
// Restart: the store keeps the journal of commands handed to the venue; opening a session
// over an existing state replays it over the same tape to rebuild the venue's book, and
// checks that the replay gives the fills the state recorded.
import { clientOrderIdOf } from '../../../engine/live/index.js';
import { EventKind, KIND_MASK } from '../../../engine/layout/event-record.js';
import { OrderFlag, OrderType, TimeInForce } from '../../../engine/orders/index.js';
import { writeVenueRecord, type VenueCommand, type VenueOrderType, type VenueRecord, type VenueTimeInForce } from '../../../engine/venue/index.js';
import {
  FILLS_PAGE_LIMIT, PROTOCOL_VERSION, RECORD_BYTES, RejectedRequest, RejectReason, VENUE_NAME, WireFormatError,
  type WireHello, type WireOrderView, type WireStats, type WireStatus,
} from '../common/index.js';
import type { MarketTape } from './market-tape.js';
import { applyReply, isWorking, newOrderView, type OrderView } from './order-views.js';
import type { Request } from './parse-request.js';
import { LIVE_INBOUND, VenueDriver, type VenueCosts } from './venue-driver.js';
import { VenueStore, type JournalEntry, type StoredCommand, type StoredMeta } from './venue-store.js';

/** A record to send and the stream sequence it goes with (market seq, 0 for a venue event). */
export interface OutRecord {
  readonly seq: bigint;
  readonly bytes: Uint8Array;
}

export interface SessionOutput {
  readonly records: readonly OutRecord[];
  readonly result: unknown;
}

export type SessionRequest = Exclude<Request, { op: 'fault' }>;

const TYPE_NAMES: ReadonlyMap<number, VenueOrderType> = new Map([
  [OrderType.MARKET, 'market'], [OrderType.LIMIT, 'limit'], [OrderType.STOP, 'stop'], [OrderType.STOP_LIMIT, 'stop-limit'],
]);
const TIF_NAMES: ReadonlyMap<number, VenueTimeInForce> = new Map([
  [TimeInForce.GTC, 'gtc'], [TimeInForce.IOC, 'ioc'], [TimeInForce.FOK, 'fok'], [TimeInForce.DAY, 'day'], [TimeInForce.POST_ONLY, 'post-only'],
]);
/** Largest fill id the store keys (u32). */
const MAX_FILL_KEY = 0xffff_ffff;

function toBytes(record: VenueRecord): Uint8Array {
  const bytes = new Uint8Array(RECORD_BYTES);
  writeVenueRecord(new DataView(bytes.buffer), 0, record);
  return bytes;
}

function storeCommand(command: VenueCommand): StoredCommand {
  return { ...command, clientId: command.clientId.toString(10), qty: command.qty ?? 0 } as StoredCommand;
}

function loadCommand(stored: StoredCommand): VenueCommand {
  return { ...stored, clientId: BigInt(stored.clientId) } as VenueCommand;
}

function countFills(records: readonly VenueRecord[]): number {
  return records.filter((r) => (r.kind & KIND_MASK) === EventKind.FILL).length;
}

function wireView(view: OrderView, submissions: number): WireOrderView {
  return {
    orderId: view.orderId.toString(10), clientOrderId: view.clientOrderId, instrument: view.instrument, state: view.state,
    qty: view.qty, filled: view.filled, avgPrice: view.avgPrice, submissions, limitPrice: view.limitPrice ?? 0,
  };
}

export class VenueSession {
  private readonly orders = new Map<string, OrderView>();
  private readonly submissions: Map<string, number>;
  private readonly positions: Map<number, number>;

  private constructor(
    private readonly driver: VenueDriver,
    private readonly store: VenueStore,
    private meta: StoredMeta,
  ) {
    this.submissions = store.loadSubmissions();
    this.positions = store.loadPositions();
    for (const o of store.loadOrders()) this.orders.set(o.clientOrderId, { ...o, orderId: BigInt(o.orderId) });
  }

  /** Opens the state at `statePath` for `tape` (new, or restored: see the header). */
  static open(tape: MarketTape, costs: VenueCosts, statePath: string): VenueSession {
    const store = VenueStore.open(statePath);
    const driver = new VenueDriver(tape, costs);
    let meta = store.readMeta();
    if (meta === undefined) {
      meta = {
        tape: tape.fingerprint, instruments: tape.instrumentNames, makerFee: costs.makerFee, takerFee: costs.takerFee,
        marketSeq: 0, nowNs: '0', lastFillId: 0, lastVenueOrderId: 0, journalLength: 0,
      };
      const initial = meta;
      store.transact(() => store.putMeta(initial));
    } else {
      if (meta.tape !== tape.fingerprint) {
        throw new Error(`state at ${statePath} belongs to another market tape (instruments ${meta.instruments.join(', ')}): give the same --bars and --instrument-names, or a fresh --state`);
      }
      if (meta.makerFee !== costs.makerFee || meta.takerFee !== costs.takerFee) {
        throw new Error(`state at ${statePath} was made with maker fee ${meta.makerFee} and taker fee ${meta.takerFee}, not ${costs.makerFee} and ${costs.takerFee}: give the same fees, or a fresh --state`);
      }
      VenueSession.replayJournal(driver, store, meta, statePath);
    }
    return new VenueSession(driver, store, meta);
  }

  private static replayJournal(driver: VenueDriver, store: VenueStore, meta: StoredMeta, statePath: string): void {
    let fills = 0;
    for (const entry of store.journalEntries(meta.journalLength)) {
      while (driver.marketSeq < entry.atMarketSeq) fills += countFills(driver.advance().replies);
      fills += countFills(driver.command(loadCommand(entry.command)));
    }
    while (driver.marketSeq < meta.marketSeq) fills += countFills(driver.advance().replies);
    if (fills !== meta.lastFillId || driver.nowNs !== BigInt(meta.nowNs)) {
      throw new Error(
        `replaying the venue journal of ${statePath} gave ${fills} fills at clock ${driver.nowNs}, the state records ${meta.lastFillId} fills at ${meta.nowNs}: the state is damaged or was made by another venue build`,
      );
    }
  }

  get instrumentNames(): readonly string[] {
    return this.driver.tape.instrumentNames;
  }

  close(): Promise<void> {
    return this.store.close();
  }

  handle(request: SessionRequest): SessionOutput {
    switch (request.op) {
      case 'hello': {
        const hello: WireHello = { protocol: PROTOCOL_VERSION, venue: VENUE_NAME, instruments: this.instrumentNames, marketRecords: this.driver.marketRecords };
        return { records: [], result: hello };
      }
      case 'submit':
      case 'cancel':
      case 'replace':
        return { records: this.transact((out) => this.command(request, out)), result: null };
      case 'market':
        return this.market(request.fromSeq, request.count);
      case 'sync':
        return { records: [], result: null };
      case 'status': {
        const status: WireStatus = { nowNs: this.driver.nowNs.toString(10), marketSeq: String(this.driver.marketSeq), lastFillId: String(this.meta.lastFillId) };
        return { records: [], result: status };
      }
      case 'openOrders': {
        const open = [...this.orders.values()].filter(isWorking).sort((x, y) => (x.orderId < y.orderId ? -1 : x.orderId > y.orderId ? 1 : 0));
        return { records: [], result: { orders: open.map((v) => wireView(v, this.submissions.get(v.clientOrderId) ?? 0)) } };
      }
      case 'order': {
        const view = this.orders.get(request.clientOrderId);
        return { records: [], result: { order: view === undefined ? null : wireView(view, this.submissions.get(view.clientOrderId) ?? 0) } };
      }
      case 'positions': {
        const positions = this.driver.tape.instrumentNames.map((_, instrument) => ({ instrument, qty: this.positions.get(instrument) ?? 0 }));
        return { records: [], result: { positions } };
      }
      case 'fillsSince': {
        const after = request.fillId >= BigInt(this.meta.lastFillId) ? this.meta.lastFillId : Number(request.fillId);
        const fills = after >= Math.min(this.meta.lastFillId, MAX_FILL_KEY) ? [] : this.store.fillsAfter(after, FILLS_PAGE_LIMIT);
        const last = after + fills.length;
        return { records: [], result: { fills: fills.map((f) => Buffer.from(f).toString('base64')), more: last < this.meta.lastFillId } };
      }
      case 'stats':
        return { records: [], result: this.stats() };
    }
  }

  private stats(): WireStats {
    let submissions = 0;
    let duplicateSubmissions = 0;
    const duplicated: string[] = [];
    for (const [clientOrderId, count] of this.submissions) {
      submissions += count;
      if (count > 1) {
        duplicateSubmissions += count - 1;
        duplicated.push(clientOrderId);
      }
    }
    const key = (id: string) => this.orders.get(id)?.orderId ?? 0n;
    duplicated.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : x < y ? -1 : x > y ? 1 : 0));
    return { submissions, duplicateSubmissions, duplicateClientOrderIds: duplicated };
  }

  /** Runs `work` in one store transaction, with the meta written last; returns the records it produced. */
  private transact(work: (out: OutRecord[]) => void): OutRecord[] {
    const out: OutRecord[] = [];
    this.store.transact(() => {
      work(out);
      this.meta = { ...this.meta, marketSeq: this.driver.marketSeq, nowNs: this.driver.nowNs.toString(10) };
      this.store.putMeta(this.meta);
    });
    return out;
  }

  private market(fromSeq: bigint, count: number): SessionOutput {
    const length = BigInt(this.driver.marketRecords);
    const current = BigInt(this.driver.marketSeq);
    if (fromSeq > length) return { records: [], result: { delivered: 0 } };
    if (fromSeq > current + 1n) {
      throw new WireFormatError('fromSeq', fromSeq.toString(10), `must be at most the venue's market seq + 1 (${current + 1n}): the venue does not skip market records`);
    }
    const from = Number(fromSeq);
    const to = Math.min(from + count - 1, this.driver.marketRecords);
    const resend: OutRecord[] = [];
    for (let seq = from; seq <= Math.min(to, this.driver.marketSeq); seq++) resend.push({ seq: BigInt(seq), bytes: toBytes(this.driver.marketRecord(seq)) });
    const advanced = to > this.driver.marketSeq
      ? this.transact((out) => {
          while (this.driver.marketSeq < to) {
            const { replies, record } = this.driver.advance();
            for (const reply of replies) out.push({ seq: 0n, bytes: toBytes(this.applyVenueReply(reply)) });
            out.push({ seq: BigInt(this.driver.marketSeq), bytes: toBytes(record) });
          }
        })
      : [];
    return { records: [...resend, ...advanced], result: { delivered: to - from + 1 } };
  }

  private command(request: Extract<SessionRequest, { op: 'submit' | 'cancel' | 'replace' }>, out: OutRecord[]): void {
    const { orderId, clientOrderId, instrument } = request;
    const inTape = instrument < this.driver.instruments;
    const view = this.orders.get(clientOrderId);
    if (request.op === 'submit') {
      const count = this.submissions.get(clientOrderId) ?? 0;
      this.submissions.set(clientOrderId, count + 1);
      this.store.putSubmissions(clientOrderId, count + 1);
      if (count > 0) {
        out.push({ seq: 0n, bytes: toBytes(this.reject(orderId, instrument, request.qty, RejectReason.DUPLICATE_CLIENT_ORDER_ID, RejectedRequest.ORDER)) });
        return;
      }
      this.putOrder(newOrderView(orderId, clientOrderId, instrument, request.qty, request.limitPrice));
      const orderType = TYPE_NAMES.get(request.orderType);
      const timeInForce = TIF_NAMES.get(request.timeInForce);
      if (!inTape || orderType === undefined || timeInForce === undefined || (request.flags & ~OrderFlag.REDUCE_ONLY) !== 0) {
        const reject = this.reject(orderId, instrument, request.qty, RejectReason.INVALID, RejectedRequest.ORDER);
        this.applyOwnReply(reject);
        out.push({ seq: 0n, bytes: toBytes(reject) });
        return;
      }
      this.sendToVenue(
        {
          type: 'order', instrument, clientId: orderId, qty: request.qty, orderType, timeInForce,
          reduceOnly: (request.flags & OrderFlag.REDUCE_ONLY) !== 0, limitPrice: request.limitPrice, stopPrice: request.stopPrice,
        },
        out,
      );
      return;
    }
    const leaves = view === undefined ? 0 : view.qty - view.filled;
    if (request.op === 'cancel') {
      if (!inTape) out.push({ seq: 0n, bytes: toBytes(this.reject(orderId, instrument, leaves, RejectReason.INVALID, RejectedRequest.CANCEL)) });
      else this.sendToVenue({ type: 'cancel', instrument, clientId: orderId, qty: leaves }, out);
      return;
    }
    if (!inTape) out.push({ seq: 0n, bytes: toBytes(this.reject(orderId, instrument, request.qty, RejectReason.INVALID, RejectedRequest.REPLACE)) });
    else this.sendToVenue({ type: 'replace', instrument, clientId: orderId, qty: request.qty, limitPrice: request.limitPrice, stopPrice: request.stopPrice }, out);
  }

  private sendToVenue(command: VenueCommand, out: OutRecord[]): void {
    const n = this.meta.journalLength + 1;
    const entry: JournalEntry = { atMarketSeq: this.driver.marketSeq, command: storeCommand(command) };
    this.store.appendJournal(n, entry);
    this.meta = { ...this.meta, journalLength: n };
    for (const reply of this.driver.command(command)) out.push({ seq: 0n, bytes: toBytes(this.applyVenueReply(reply)) });
  }

  /** A REJECT the server sends itself, at the venue's clock. */
  private reject(orderId: bigint, instrument: number, qty: number, reason: number, of: number): VenueRecord {
    const now = this.driver.nowNs;
    return { kind: EventKind.REJECT | LIVE_INBOUND, instrument, tsExchange: now, tsLocal: now, price: 0, size: qty, a: reason, b: of, id: orderId };
  }

  private putOrder(view: OrderView): void {
    this.orders.set(view.clientOrderId, view);
    this.store.putOrder({ ...view, orderId: view.orderId.toString(10) });
  }

  private applyOwnReply(r: VenueRecord): void {
    const view = this.orders.get(clientOrderIdOf(r.id));
    if (view !== undefined) this.putOrder(applyReply(view, r));
  }

  /** Gives a venue reply the server's ids and applies it to the order, the fills and the positions: the record to send. */
  private applyVenueReply(reply: VenueRecord): VenueRecord {
    const clientOrderId = clientOrderIdOf(reply.id);
    const view = this.orders.get(clientOrderId);
    const kind = reply.kind & KIND_MASK;
    let r = reply;
    if (kind === EventKind.FILL) {
      const fillId = this.meta.lastFillId + 1;
      if (fillId > MAX_FILL_KEY) throw new Error(`fill ids are exhausted at ${MAX_FILL_KEY}`);
      this.meta = { ...this.meta, lastFillId: fillId };
      r = { ...reply, b: fillId };
      this.store.putFill(fillId, toBytes(r));
      const position = (this.positions.get(r.instrument) ?? 0) + r.size;
      this.positions.set(r.instrument, position);
      this.store.putPosition(r.instrument, position);
    } else if (kind === EventKind.ACK) {
      let venueOrderId = view?.venueOrderId ?? 0;
      if (reply.a === 0 && venueOrderId === 0) {
        venueOrderId = this.meta.lastVenueOrderId + 1;
        this.meta = { ...this.meta, lastVenueOrderId: venueOrderId };
      }
      r = { ...reply, b: venueOrderId };
      if (view !== undefined) this.putOrder(applyReply(view, r, venueOrderId));
      return r;
    }
    if (view !== undefined) this.putOrder(applyReply(view, r));
    return r;
  }
}
