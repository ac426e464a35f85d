// The engine's adapter to the sim-venue server (engine/live VenueAdapter): the connection and
// nothing else. Frames are decoded and checked by parse.ts and requests built by messages.ts;
// this module sends, receives and keeps the order of things.
//
// Ordering: the server answers requests one at a time, in order, each request's records
// before its response; the client holds its requests in a FIFO and checks that each response
// answers the oldest one, that records come only while a request that may cause them
// (submit, cancel, replace, market) is the oldest, that market records carry exactly the
// sequence numbers asked for, and that fill ids increase. So sync() and market() resolve only
// after every record before their response has reached the listener.
//
// Errors: anything the server sends that breaks the protocol (a malformed frame, a record
// that fails its checks, a response out of order), an error reply to a submit, cancel or
// replace (the client checked it before sending: a broken invariant), and a record listener
// that throws, all end the connection: pending requests reject with the error
// (SimVenueProtocolError, SimVenueRequestError, SimVenueDisconnectedError) and the
// onDisconnect listener gets its message. A record is never passed on unchecked, and none is
// passed on after the connection ended. A refused query rejects its own promise
// (SimVenueRequestError) and the connection stays. submit/cancel/replace on a closed adapter
// throw SimVenueDisconnectedError; a bad argument throws SimVenueArgumentError.
//
// Adoption (adopt(), reconciliation policy 'adopt'): a venue order placed by someone else
// (`qf-<venue id>`) becomes engine order E. From then on every record of it the venue sends
// (live or through fillsSince) reaches the listener with id E instead of its venue id, and a
// cancel or replace of E is sent as one of the venue's order. The map lives in this object:
// the session registers its journaled adoptions again after a restart.
import { createConnection, type Socket } from 'node:net';
import { EV_ID } from '../../engine/layout/event-record.js';
import { orderIdOfClientOrderId } from '../../engine/live/index.js';
import type {
  VenueAdapter, VenueCancelRequest, VenueOrderRequest, VenueOrderView, VenuePosition, VenueRecordListener, VenueReplaceRequest, VenueStatus,
} from '../../engine/live/index.js';
import { FRAME_RECORD, frameReadError, MAX_SERVER_FRAME_BYTES, readFrame, WireFormatError, encodeJsonFrame, type WireFault, type WireHello, type WireOp, type WireRequest } from './common/index.js';
import { checkSimVenueAdapterOptions, type ResolvedSimVenueAdapterOptions, type SimVenueAdapterOptions } from './config.js';
import { SimVenueArgumentError, SimVenueConnectError, SimVenueDisconnectedError, SimVenueProtocolError, SimVenueRequestError } from './errors.js';
import {
  cancelMessage, faultMessage, fillsSinceMessage, helloMessage, marketMessage, orderMessage, plainMessage, replaceMessage, submitMessage,
} from './messages.js';
import {
  checkMarketSeq, nextFillId, isMarketRecord, parseFillsPage, parseHello, parseMarketResult, parseNullResult, parseOpenOrders, parseOrderResult,
  parsePositions, parseServerFrame, parseStats, parseStatus, type SimVenueStats,
} from './parse.js';

interface Pending {
  readonly id: number;
  readonly op: WireOp;
  /** True for submit, cancel and replace: nobody awaits them. */
  readonly posted: boolean;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: Error) => void;
  /** Market requests: the next market seq expected and how many came. */
  nextSeq: bigint;
  received: number;
}

interface Link {
  readonly socket: Socket;
  inbox: Buffer;
  readonly pending: Pending[];
  lastFillId: number;
  /** Closed by us (close() or a failed connect): no onDisconnect. */
  closing: boolean;
  socketError: string | null;
}

const RECORD_OPS: ReadonlySet<WireOp> = new Set(['submit', 'cancel', 'replace', 'market']);
const MAX_FILL_PAGES = 1_000_000;
const CLOSE_WAIT_MS = 1000;

export class SimVenueAdapter implements VenueAdapter {
  readonly name: string;
  private readonly options: ResolvedSimVenueAdapterOptions;
  private link: Link | null = null;
  private nextId = 1;
  private recordListener: VenueRecordListener | null = null;
  private disconnectListener: ((reason: string) => void) | null = null;
  private hello: WireHello | null = null;
  /** Adopted orders: venue id -> engine id, and engine id -> the venue's address of it. */
  private readonly engineIdOfVenueId = new Map<bigint, bigint>();
  private readonly venueOf = new Map<bigint, { readonly orderId: bigint; readonly clientOrderId: string }>();

  constructor(options: SimVenueAdapterOptions) {
    this.options = checkSimVenueAdapterOptions(options);
    this.name = this.options.name;
  }

  get connected(): boolean {
    return this.link !== null;
  }

  /** Instrument names of the venue's market, id i at index i (known once connected). */
  get instrumentNames(): readonly string[] {
    return this.hello?.instruments ?? [];
  }

  /** Market records the venue's tape holds (known once connected). */
  get marketRecords(): number {
    return this.hello?.marketRecords ?? 0;
  }

  onRecord(listener: VenueRecordListener): void {
    if (this.recordListener !== null) throw new Error('sim-venue adapter: the record listener is set once, before connect');
    this.recordListener = listener;
  }

  onDisconnect(listener: (reason: string) => void): void {
    this.disconnectListener = listener;
  }

  async connect(): Promise<void> {
    if (this.link !== null) throw new Error(`sim-venue adapter is already connected to ${this.address}`);
    const deadline = Date.now() + this.options.connectTimeoutMs;
    const socket = await this.openSocket();
    const link: Link = { socket, inbox: Buffer.alloc(0), pending: [], lastFillId: 0, closing: false, socketError: null };
    this.link = link;
    socket.on('data', (chunk: Buffer) => this.receive(link, chunk));
    socket.on('error', (error) => (link.socketError = error.message));
    socket.on('close', () => this.fail(link, new SimVenueDisconnectedError(`connection to ${this.address} closed by the venue${link.socketError ? ` (${link.socketError})` : ''}`)));
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no handshake reply within ${this.options.connectTimeoutMs} ms`)), Math.max(1, deadline - Date.now()));
      });
      this.hello = await Promise.race([this.request((id) => helloMessage(id), parseHello), timeout]);
    } catch (error) {
      link.closing = true;
      this.fail(link, new SimVenueDisconnectedError('handshake failed'));
      throw new SimVenueConnectError(`sim venue at ${this.address} did not complete the handshake: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const link = this.link;
    if (link === null) return;
    link.closing = true;
    this.link = null;
    this.rejectAll(link, new SimVenueDisconnectedError(`connection to ${this.address} closed by the client`));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        link.socket.destroy();
        resolve();
      }, CLOSE_WAIT_MS);
      link.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      link.socket.end();
    });
  }

  submit(order: VenueOrderRequest): void {
    this.post((id) => submitMessage(id, order));
  }

  cancel(request: VenueCancelRequest): void {
    const venue = this.venueOf.get(request.orderId);
    this.post((id) => cancelMessage(id, venue === undefined ? request : { ...request, ...venue }));
  }

  replace(request: VenueReplaceRequest): void {
    const venue = this.venueOf.get(request.orderId);
    this.post((id) => replaceMessage(id, venue === undefined ? request : { ...request, ...venue }));
  }

  /** Venue order `clientOrderId` (`qf-<venue id>`, not ours) is engine order `orderId` from now on (see the header). */
  adopt(clientOrderId: string, orderId: bigint): void {
    const venueId = orderIdOfClientOrderId(clientOrderId);
    if (venueId === null) throw new SimVenueArgumentError('adopt.clientOrderId', clientOrderId, 'must be a sim-venue client order id `qf-<id>`');
    if (typeof orderId !== 'bigint' || orderId < 1n || orderId >= 1n << 64n) throw new SimVenueArgumentError('adopt.orderId', orderId, 'must be a bigint in [1, 2^64)');
    const known = this.engineIdOfVenueId.get(venueId);
    if (known !== undefined && known !== orderId) throw new SimVenueArgumentError('adopt.orderId', orderId, `venue order ${clientOrderId} is adopted as engine order ${known} already`);
    this.engineIdOfVenueId.set(venueId, orderId);
    this.venueOf.set(orderId, { orderId: venueId, clientOrderId });
  }

  /** `bytes`, with the engine id in place of the venue id when it is a record of an adopted order (a copy then). */
  private mapAdopted(bytes: Uint8Array): Uint8Array {
    if (this.engineIdOfVenueId.size === 0) return bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const engineId = this.engineIdOfVenueId.get(view.getBigUint64(EV_ID, true));
    if (engineId === undefined) return bytes;
    const copy = new Uint8Array(bytes); // a copy (a Buffer's slice() would share the frame's memory)
    new DataView(copy.buffer, copy.byteOffset, copy.byteLength).setBigUint64(EV_ID, engineId, true);
    return copy;
  }

  sync(): Promise<void> {
    return this.request((id) => plainMessage(id, 'sync'), parseNullResult);
  }

  market(fromSeq: bigint, count: number): Promise<number> {
    return this.request(
      (id) => marketMessage(id, fromSeq, count),
      (result, pending) => {
        const delivered = parseMarketResult(result, count);
        if (delivered !== pending.received) throw new WireFormatError('result.delivered', delivered, `must equal the market records sent for the request (${pending.received})`);
        return delivered;
      },
      fromSeq,
    );
  }

  status(): Promise<VenueStatus> {
    return this.request((id) => plainMessage(id, 'status'), parseStatus);
  }

  openOrders(): Promise<VenueOrderView[]> {
    return this.request((id) => plainMessage(id, 'openOrders'), parseOpenOrders);
  }

  order(clientOrderId: string): Promise<VenueOrderView | null> {
    return this.request((id) => orderMessage(id, clientOrderId), (result) => parseOrderResult(result, clientOrderId));
  }

  positions(): Promise<VenuePosition[]> {
    return this.request((id) => plainMessage(id, 'positions'), parsePositions);
  }

  async fillsSince(fillId: bigint): Promise<Uint8Array[]> {
    const fills: Uint8Array[] = [];
    let after = fillId;
    for (let page = 0; page < MAX_FILL_PAGES; page++) {
      const from = after;
      const got = await this.request((id) => fillsSinceMessage(id, from), (result) => parseFillsPage(result, from));
      fills.push(...got.fills.map((fill) => this.mapAdopted(fill)));
      if (!got.more) return fills;
      if (got.fills.length === 0) throw new Error(`sim-venue said more fills follow ${from} but sent none`);
      after = got.lastFillId;
    }
    throw new Error(`sim-venue fillsSince(${fillId}) did not end within ${MAX_FILL_PAGES} pages`);
  }

  /** The server's submission counts (test and admin use). */
  stats(): Promise<SimVenueStats> {
    return this.request((id) => plainMessage(id, 'stats'), parseStats);
  }

  /** Asks the server for a test fault on this connection (see WireFault in common/protocol.ts). */
  injectFault(fault: WireFault): Promise<void> {
    return this.request((id) => faultMessage(id, fault), parseNullResult);
  }

  private get address(): string {
    return `${this.options.host}:${this.options.port}`;
  }

  private openSocket(): Promise<Socket> {
    const { host, port, connectTimeoutMs } = this.options;
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host, port });
      const onError = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new SimVenueConnectError(`could not connect to the sim venue at ${this.address}: ${error.message}`, { cause: error }));
      };
      const timer = setTimeout(() => {
        socket.off('error', onError);
        socket.on('error', () => undefined);
        socket.destroy();
        reject(new SimVenueConnectError(`could not connect to the sim venue at ${this.address} within ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        socket.setNoDelay(true);
        resolve(socket);
      });
    });
  }

  private requireLink(what: string): Link {
    if (this.link === null) throw new SimVenueDisconnectedError(`sim-venue adapter cannot ${what}: not connected to ${this.address}`);
    return this.link;
  }

  /** Sends a request nobody awaits (submit, cancel, replace). */
  private post(build: (id: number) => WireRequest): void {
    const link = this.requireLink('send an order request');
    const message = build(this.nextId);
    this.nextId++;
    link.pending.push({ id: message.id, op: message.op, posted: true, resolve: () => undefined, reject: () => undefined, nextSeq: 0n, received: 0 });
    link.socket.write(encodeJsonFrame(message));
  }

  private request<T>(build: (id: number) => WireRequest, parse: (result: unknown, pending: Pending) => T, fromSeq = 0n): Promise<T> {
    let link: Link;
    let message: WireRequest;
    try {
      link = this.requireLink('send a request');
      message = build(this.nextId);
    } catch (error) {
      return Promise.reject(error);
    }
    this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        id: message.id, op: message.op, posted: false, nextSeq: fromSeq, received: 0, reject,
        resolve: (result) => resolve(parse(result, pending)),
      };
      link.pending.push(pending);
      link.socket.write(encodeJsonFrame(message));
    });
  }

  private receive(link: Link, chunk: Buffer): void {
    if (this.link !== link) return;
    link.inbox = link.inbox.length === 0 ? chunk : Buffer.concat([link.inbox, chunk]);
    let offset = 0;
    while (this.link === link) {
      const read = readFrame(link.inbox, offset, MAX_SERVER_FRAME_BYTES);
      if (read === null) break;
      if (read.kind !== 'frame') {
        this.fail(link, new SimVenueProtocolError('a frame', frameReadError(read, MAX_SERVER_FRAME_BYTES)));
        return;
      }
      offset = read.next;
      this.onFrame(link, read.type, read.body);
    }
    if (this.link === link) link.inbox = offset >= link.inbox.length ? Buffer.alloc(0) : link.inbox.subarray(offset);
  }

  private onFrame(link: Link, type: number, body: Uint8Array): void {
    const head = link.pending[0];
    try {
      const message = parseServerFrame(type, body);
      if (message.kind === 'record') {
        if (head === undefined || !RECORD_OPS.has(head.op)) {
          throw new WireFormatError('record', `kind ${message.record.kind}`, `must answer a submit, cancel, replace or market request (the oldest pending request is ${head?.op ?? 'none'})`);
        }
        if (isMarketRecord(message.record)) {
          checkMarketSeq(message.seq, head.op === 'market' ? head.nextSeq : null);
          head.nextSeq++;
          head.received++;
        } else {
          link.lastFillId = nextFillId(message.record, link.lastFillId);
        }
        this.deliver(link, isMarketRecord(message.record) ? message.bytes : this.mapAdopted(message.bytes), message.seq);
        return;
      }
      if (head === undefined || message.id !== head.id) {
        throw new WireFormatError('response.id', message.id, `must answer the oldest pending request (${head === undefined ? 'none pending' : `id ${head.id}, ${head.op}`})`);
      }
      link.pending.shift();
      if (message.kind === 'error') {
        const { field, value, rule, message: text } = message.error;
        const error = new SimVenueRequestError(head.op, field, value, rule, text);
        if (head.posted) this.fail(link, error);
        else head.reject(error);
        return;
      }
      head.resolve(message.result);
    } catch (error) {
      const failure = error instanceof WireFormatError
        ? new SimVenueProtocolError(type === FRAME_RECORD ? 'a record frame' : 'a JSON frame', error)
        : new SimVenueDisconnectedError(`sim-venue adapter dropped the connection on an unexpected error: ${(error as Error).message}`, { cause: error });
      // A response whose result failed its checks was taken off the queue already.
      if (head !== undefined && link.pending[0] !== head) head.reject(failure);
      this.fail(link, failure);
    }
  }

  private deliver(link: Link, bytes: Uint8Array, seq: bigint): void {
    if (this.recordListener === null) return;
    try {
      this.recordListener(bytes, seq);
    } catch (error) {
      this.fail(link, new SimVenueDisconnectedError(`the record listener threw, so the connection was dropped: ${(error as Error).message}`, { cause: error }));
    }
  }

  private rejectAll(link: Link, error: Error): void {
    const pending = link.pending.splice(0);
    for (const p of pending) p.reject(error);
  }

  /** Ends `link` on `error`: pending requests reject with it, the disconnect listener hears of it. */
  private fail(link: Link, error: Error): void {
    if (this.link === link) this.link = null;
    link.socket.destroy();
    this.rejectAll(link, error);
    if (!link.closing) {
      link.closing = true;
      this.disconnectListener?.(error.message);
    }
  }
}
