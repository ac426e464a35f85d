// The sim-venue server in its own process and the client adapter over TCP on 127.0.0.1,
// against the bundled demo bars (data/: BTCUSDT is instrument 0, ETHUSDT instrument 1; their
// hourly bars alternate in the market stream: seq 1 BTC, 2 ETH, 3 BTC ...). Covers the record
// order (ACK, then each bar's fills before the bar), limit, cancel, replace, duplicate
// submissions, the queries against the events, determinism across two fresh servers, faults
// both ways (malformed frames from the server, malformed requests to it), a connection cut
// mid-stream, and a server killed and restarted on its state. Needs `npm run build` (dist/).
// Every server is started on port 0 and stopped by its own pid.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectSocket, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clientOrderIdOf, type VenueOrderRequest } from '../engine/live/index.js';
import { EventKind, KIND_MASK, type EventRecord } from '../engine/layout/event-record.js';
import { OrderState, OrderType, TimeInForce } from '../engine/orders/index.js';
import { bitsF64, readVenueRecord } from '../engine/venue/index.js';
import {
  encodeFrame, encodeJsonFrame, FRAME_JSON, MALFORMED_FRAME_KINDS, readFrame, RejectedRequest, RejectReason, SimVenueAdapter, SimVenueDisconnectedError,
  SimVenueProtocolError, startSimVenueServer, type MalformedFrameKind, type SimVenueServerProcess, type StartSimVenueServerOptions,
} from '../adapters/sim-venue/index.js';

const repoRoot = path.resolve(import.meta.dirname, '..');
const BARS = ['BTCUSDT', 'ETHUSDT'].map((symbol) => path.join(repoRoot, `data/binance_spot_${symbol}_1h_2024-04-16_2026-04-16.csv`));
const LIVE = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;
const TAKER_FEE = 0.0005;
const MAKER_FEE = 0.0002;
const tmp = mkdtempSync(path.join(tmpdir(), 'qf-sim-venue-'));
const started: SimVenueServerProcess[] = [];

afterAll(async () => {
  for (const server of started) await server.stop();
  rmSync(tmp, { recursive: true, force: true });
});

let stateDirs = 0;
async function startServer(options: Partial<StartSimVenueServerOptions> = {}): Promise<SimVenueServerProcess> {
  const server = await startSimVenueServer({
    stateDir: options.stateDir ?? path.join(tmp, `state-${++stateDirs}`), barFiles: BARS, takerFee: TAKER_FEE, makerFee: MAKER_FEE, ...options,
  });
  started.push(server);
  return server;
}

interface Received {
  readonly seq: bigint;
  readonly bytes: Uint8Array;
  readonly r: EventRecord;
}

const kindOf = (r: EventRecord) => r.kind & KIND_MASK;
const KIND_NAME: Record<number, string> = {
  [EventKind.BAR]: 'BAR', [EventKind.ACK]: 'ACK', [EventKind.FILL]: 'FILL', [EventKind.CANCELED]: 'CANCELED', [EventKind.REJECT]: 'REJECT',
  [EventKind.EXPIRED]: 'EXPIRED',
};
const describeRecords = (records: readonly Received[]) => records.map((x) => `${KIND_NAME[kindOf(x.r)] ?? x.r.kind}${x.seq > 0n ? `#${x.seq}` : `(${x.r.id})`}`);

/** A connected adapter and everything it heard. */
class Client {
  readonly adapter: SimVenueAdapter;
  readonly records: Received[] = [];
  readonly disconnects: string[] = [];
  private mark = 0;

  constructor(port: number) {
    this.adapter = new SimVenueAdapter({ host: '127.0.0.1', port, connectTimeoutMs: 10_000 });
    this.adapter.onRecord((bytes, seq) => this.records.push({ seq, bytes, r: readVenueRecord(new DataView(bytes.buffer, bytes.byteOffset, 64), 0) }));
    this.adapter.onDisconnect((reason) => this.disconnects.push(reason));
  }

  static async open(port: number): Promise<Client> {
    const client = new Client(port);
    await client.adapter.connect();
    return client;
  }

  /** Records received since the last call. */
  take(): Received[] {
    const fresh = this.records.slice(this.mark);
    this.mark = this.records.length;
    return fresh;
  }

  /** The market records `fromSeq`.. (count), and what came with them. */
  async market(fromSeq: bigint, count: number): Promise<Received[]> {
    const delivered = await this.adapter.market(fromSeq, count);
    expect(delivered, `market(${fromSeq}, ${count}) delivered every record asked for`).toBe(count);
    return this.take();
  }

  /** Submits and waits for the venue's replies. */
  async submit(order: VenueOrderRequest): Promise<Received[]> {
    this.adapter.submit(order);
    await this.adapter.sync();
    return this.take();
  }
}

function order(orderId: bigint, instrument: number, qty: number, fields: Partial<VenueOrderRequest> = {}): VenueOrderRequest {
  return {
    orderId, clientOrderId: clientOrderIdOf(orderId), instrument, qty, orderType: OrderType.MARKET, timeInForce: TimeInForce.GTC, limitPrice: 0, stopPrice: 0,
    flags: 0, decisionNs: 0n, ...fields,
  };
}

const limit = (orderId: bigint, instrument: number, qty: number, price: number) => order(orderId, instrument, qty, { orderType: OrderType.LIMIT, limitPrice: price });
const address = (orderId: bigint, instrument: number) => ({ orderId, clientOrderId: clientOrderIdOf(orderId), instrument });
const lastBar = (records: readonly Received[], instrument: number) => [...records].reverse().find((x) => kindOf(x.r) === EventKind.BAR && x.r.instrument === instrument)!.r;

describe('sim venue: one session against a server process', () => {
  let server: SimVenueServerProcess;
  let client: Client;
  let seq = 0n;
  const all: Received[] = [];
  const advance = async (count: number) => {
    const got = await client.market(seq + 1n, count);
    seq += BigInt(count);
    all.push(...got);
    return got;
  };
  const submit = async (o: VenueOrderRequest) => {
    const got = await client.submit(o);
    all.push(...got);
    return got;
  };
  const command = async (send: () => void) => {
    send();
    await client.adapter.sync();
    const got = client.take();
    all.push(...got);
    return got;
  };

  it('starts, answers the handshake and delivers bars with their market seq', async () => {
    server = await startServer();
    expect(server.port, 'the server chose a port').toBeGreaterThan(0);
    client = await Client.open(server.port);
    expect(client.adapter.instrumentNames).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(client.adapter.marketRecords, 'two files of 17,520 bars').toBe(35_040);
    const bars = await advance(2);
    expect(bars.map((x) => [x.seq, kindOf(x.r), x.r.instrument, x.r.kind & ~KIND_MASK]), 'seq 1 is BTC, seq 2 ETH, both SOURCE_LIVE | INBOUND').toEqual([
      [1n, EventKind.BAR, 0, LIVE], [2n, EventKind.BAR, 1, LIVE],
    ]);
    expect(bitsF64(bars[0].r.id), 'the first BTC bar opens at 63254.74 (data/ first row)').toBe(63254.74);
  });

  it('acknowledges a market buy at once, then sends its FILL before the bar that filled it', async () => {
    const ack = await submit(order(1n, 0, 0.01));
    expect(describeRecords(ack)).toEqual(['ACK(1)']);
    expect(ack[0].r).toMatchObject({ kind: EventKind.ACK | LIVE, instrument: 0, size: 0.01, a: 0, b: 1, id: 1n });
    const got = await advance(2);
    expect(describeRecords(got), 'the fill of bar 3 comes before bar 3').toEqual(['FILL(1)', 'BAR#3', 'BAR#4']);
    const [fill, bar] = got;
    const open = bitsF64(bar.r.id);
    expect(fill.r.price, 'a market order fills at the next bar open').toBe(open);
    expect(fill.r).toMatchObject({ kind: EventKind.FILL | LIVE, instrument: 0, size: 0.01, b: 1, id: 1n });
    expect(fill.r.a, 'taker fee = qty * price * fee').toBeCloseTo(0.01 * open * TAKER_FEE, 12);
    expect(await client.adapter.order('qf-1')).toMatchObject({ orderId: 1n, state: OrderState.FILLED, qty: 0.01, filled: 0.01, avgPrice: open, submissions: 1 });
  });

  it('rests a limit buy below the market and fills it when a bar trades through it', async () => {
    const limitPrice = Math.round(lastBar(all, 0).price * 0.99 * 100) / 100;
    const ack = await submit(limit(2n, 0, 0.02, limitPrice));
    expect(describeRecords(ack)).toEqual(['ACK(2)']);
    expect(ack[0].r.price, 'the ACK carries the limit').toBe(limitPrice);
    expect((await client.adapter.openOrders()).map((v) => [v.clientOrderId, v.state]), 'it rests').toEqual([['qf-2', OrderState.OPEN]]);
    let fillAt = -1;
    let got: Received[] = [];
    for (let round = 0; round < 200 && fillAt < 0; round++) {
      got = await advance(24);
      fillAt = got.findIndex((x) => kindOf(x.r) === EventKind.FILL && x.r.id === 2n);
    }
    expect(fillAt, 'the limit filled within 200 days of bars').toBeGreaterThanOrEqual(0);
    const fill = got[fillAt].r;
    const bar = got.slice(fillAt + 1).find((x) => kindOf(x.r) === EventKind.BAR && x.r.instrument === 0)!;
    expect(got[fillAt + 1], 'the bar that filled it follows its fill').toBe(bar);
    const open = bitsF64(bar.r.id);
    expect(open > limitPrice ? bar.r.b < limitPrice : true, 'that bar traded through the limit').toBe(true);
    expect(fill.price, 'a limit buy fills at its limit, or at a lower open').toBe(open <= limitPrice ? open : limitPrice);
    expect((fill.kind & EventKind.FLAG_MAKER) !== 0, 'a rested limit filled at its price added liquidity').toBe(open > limitPrice);
    expect(fill.b, 'fill ids go on from the last one').toBe(2);
    expect(await client.adapter.order('qf-2')).toMatchObject({ state: OrderState.FILLED, filled: 0.02, avgPrice: fill.price });
    expect(await client.adapter.openOrders()).toEqual([]);
  });

  it('cancels a resting order, and rejects the cancel of an order it no longer holds', async () => {
    const price = Math.round(lastBar(all, 1).price * 0.5 * 100) / 100;
    expect(describeRecords(await submit(limit(3n, 1, 0.3, price)))).toEqual(['ACK(3)']);
    const canceled = await command(() => client.adapter.cancel(address(3n, 1)));
    expect(describeRecords(canceled)).toEqual(['CANCELED(3)']);
    expect(canceled[0].r).toMatchObject({ size: 0.3, a: 0, id: 3n, instrument: 1 });
    expect(await client.adapter.order('qf-3')).toMatchObject({ state: OrderState.CANCELED, filled: 0 });
    const again = await command(() => client.adapter.cancel(address(3n, 1)));
    expect(describeRecords(again)).toEqual(['REJECT(3)']);
    expect(again[0].r, 'REJECT of a cancel: unknown order').toMatchObject({ a: RejectReason.UNKNOWN_ORDER, b: RejectedRequest.CANCEL });
    expect(await client.adapter.openOrders()).toEqual([]);
  });

  it('replaces a resting order: ACK of the replace with the new quantity and limit, same venue order id', async () => {
    const price = Math.round(lastBar(all, 0).price * 0.5 * 100) / 100;
    const ack = await submit(limit(4n, 0, 0.02, price));
    const replaced = await command(() => client.adapter.replace({ ...address(4n, 0), qty: 0.05, limitPrice: price + 1, stopPrice: 0 }));
    expect(describeRecords(replaced)).toEqual(['ACK(4)']);
    expect(replaced[0].r).toMatchObject({ a: 1, size: 0.05, price: price + 1, b: ack[0].r.b });
    expect(await client.adapter.order('qf-4')).toMatchObject({ state: OrderState.OPEN, qty: 0.05, filled: 0 });
  });

  it('rejects and counts a duplicate submission of a client order id, leaving the order as it was', async () => {
    const before = await client.adapter.stats();
    const duplicate = await submit(limit(4n, 0, 0.02, 1));
    expect(describeRecords(duplicate)).toEqual(['REJECT(4)']);
    expect(duplicate[0].r).toMatchObject({ a: RejectReason.DUPLICATE_CLIENT_ORDER_ID, b: RejectedRequest.ORDER, size: 0.02 });
    const filledAgain = await submit(order(1n, 0, 0.01));
    expect(describeRecords(filledAgain), 'a filled order submitted again is rejected too').toEqual(['REJECT(1)']);
    expect(await client.adapter.stats()).toEqual({
      submissions: before.submissions + 2, duplicateSubmissions: 2, duplicateClientOrderIds: ['qf-1', 'qf-4'],
    });
    expect(await client.adapter.order('qf-4')).toMatchObject({ state: OrderState.OPEN, qty: 0.05, submissions: 2 });
    expect(await client.adapter.order('qf-1')).toMatchObject({ state: OrderState.FILLED, submissions: 2 });
    expect(await client.adapter.order('qf-999'), 'an id never seen').toBeNull();
  });

  it('answers queries that agree with the events it sent', async () => {
    await submit(order(5n, 1, -0.4));
    await advance(4);
    const fills = all.filter((x) => kindOf(x.r) === EventKind.FILL);
    expect(fills.length, 'three orders filled').toBe(3);
    const fromServer = await client.adapter.fillsSince(0n);
    expect(fromServer.map((b) => Buffer.from(b).toString('hex')), 'fillsSince(0) returns the FILL records as sent').toEqual(fills.map((x) => Buffer.from(x.bytes).toString('hex')));
    expect((await client.adapter.fillsSince(2n)).length, 'fillsSince(2) returns fill 3 only').toBe(1);
    const position = (instrument: number) => fills.filter((x) => x.r.instrument === instrument).reduce((sum, x) => sum + x.r.size, 0);
    expect(await client.adapter.positions()).toEqual([{ instrument: 0, qty: position(0) }, { instrument: 1, qty: position(1) }]);
    const status = await client.adapter.status();
    const bars = all.filter((x) => kindOf(x.r) === EventKind.BAR);
    expect(status).toEqual({ nowNs: bars[bars.length - 1].r.tsLocal, marketSeq: seq, lastFillId: BigInt(fills[fills.length - 1].r.b) });
    expect(await client.adapter.order('qf-5')).toMatchObject({ state: OrderState.FILLED, filled: -0.4, avgPrice: fills[2].r.price });
    expect((await client.adapter.openOrders()).map((v) => v.clientOrderId)).toEqual(['qf-4']);
    expect(client.disconnects, 'nothing dropped the connection').toEqual([]);
  });

  it('re-sends market records it already delivered without matching again (a gap fill)', async () => {
    const again = await client.market(3n, 2);
    expect(describeRecords(again), 'no fill this time').toEqual(['BAR#3', 'BAR#4']);
    expect(again.map((x) => Buffer.from(x.bytes).toString('hex'))).toEqual(all.filter((x) => x.seq === 3n || x.seq === 4n).map((x) => Buffer.from(x.bytes).toString('hex')));
    await expect(client.adapter.market(seq + 2n, 1), 'the venue does not skip market records').rejects.toThrow(/`fromSeq` must be at most the venue's market seq \+ 1/);
    expect(client.adapter.connected, 'a refused query leaves the connection up').toBe(true);
    expect(await client.adapter.market(35_041n, 5), 'past the end of the tape: the feed ended').toBe(0);
    await client.adapter.close();
  });
});

/** A script of requests touching every path; returns every record and query answer it got, as bytes. */
async function script(port: number): Promise<Buffer> {
  const client = await Client.open(port);
  const a = client.adapter;
  const answers: unknown[] = [];
  await client.market(1n, 6);
  a.submit(order(1n, 0, 0.01));
  a.submit(limit(2n, 1, 0.5, 3000));
  a.submit(order(3n, 1, -0.2, { orderType: OrderType.STOP, stopPrice: 3000 }));
  a.submit(limit(4n, 0, 0.03, 60_000));
  await a.sync();
  await client.market(7n, 40);
  a.replace({ ...address(4n, 0), qty: 0.04, limitPrice: 61_000, stopPrice: 0 });
  a.cancel(address(2n, 1));
  a.submit(order(1n, 0, 0.01));
  a.submit(order(6n, 7, 0.01));
  await client.market(47n, 400);
  answers.push(await a.status(), await a.openOrders(), await a.positions(), await a.stats(), await a.order('qf-4'), await a.order('qf-6'));
  const fills = await a.fillsSince(0n);
  await a.close();
  const json = Buffer.from(JSON.stringify(answers, (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)));
  const seqs = Buffer.from(client.records.map((x) => x.seq.toString()).join(','));
  return Buffer.concat([...client.records.map((x) => x.bytes), seqs, ...fills, json]);
}

describe('sim venue: determinism', () => {
  it('gives byte-identical record streams and answers from two fresh servers fed the same requests', async () => {
    const [first, second] = await Promise.all([startServer(), startServer()]);
    const [one, two] = await Promise.all([script(first.port), script(second.port)]);
    expect(one.length, 'the script produced a stream').toBeGreaterThan(400 * 64);
    expect(Buffer.compare(one, two), 'the two streams are byte-identical').toBe(0);
    await Promise.all([first.stop(), second.stop()]);
  });
});

describe('sim venue: faults', () => {
  const FIELD_OF: Record<MalformedFrameKind, string> = {
    'bad-kind': '`record.kind` must hold exactly one kind bit',
    'short-record': '`body` of a RECORD frame must be 72 bytes',
    'bad-json': '`body` of a JSON frame must be one JSON value',
    'unknown-type': '`type` of a server frame must be 1 (JSON) or 2 (RECORD)',
    'oversize-length': '`length` of a frame must be in [1, 8388608]',
  };

  it('drops the connection with a clear error on each malformed frame from the server, and reconnects', async () => {
    const server = await startServer();
    const client = await Client.open(server.port);
    await client.market(1n, 3);
    const status = await client.adapter.status();
    for (const kind of MALFORMED_FRAME_KINDS) {
      const attempt = client.adapter.injectFault({ malformedFrame: kind });
      await expect(attempt, `${kind}: the pending request rejects with a protocol error`).rejects.toBeInstanceOf(SimVenueProtocolError);
      await expect(attempt, `${kind}: the error names the field and the rule`).rejects.toThrow(FIELD_OF[kind]);
      expect(client.disconnects.at(-1), `${kind}: the disconnect listener heard why`).toContain(FIELD_OF[kind]);
      expect(client.adapter.connected).toBe(false);
      expect(client.take(), `${kind}: no bad record reached the listener`).toEqual([]);
      expect(() => client.adapter.submit(order(1n, 0, 1)), 'a submit while disconnected throws').toThrow(SimVenueDisconnectedError);
      await client.adapter.connect();
      expect(await client.adapter.status(), `${kind}: the server state is as it was`).toEqual(status);
    }
    expect(client.disconnects.length).toBe(MALFORMED_FRAME_KINDS.length);
    await client.adapter.close();
  });

  it('answers malformed requests with an error naming the field, the value and the rule, and keeps the connection', async () => {
    const server = await startServer();
    const raw = await RawClient.open(server.port);
    const replies: unknown[] = [];
    raw.send(encodeFrame(FRAME_JSON, Buffer.from('{"id": 1, "op": "sta')));
    replies.push(await raw.next());
    raw.send(encodeFrame(2, Buffer.alloc(72)));
    replies.push(await raw.next());
    raw.send(encodeJsonFrame({ id: 7, op: 'submit', orderId: '9', clientOrderId: 'qf-9', instrument: 0, qty: 'abc', orderType: 0, timeInForce: 0, limitPrice: 0, stopPrice: 0, flags: 0, decisionNs: '0' }));
    replies.push(await raw.next());
    raw.send(Buffer.from([0, 0, 0, 0]));
    replies.push(await raw.next());
    raw.send(encodeFrame(FRAME_JSON, Buffer.alloc(70_000, 0x20)));
    replies.push(await raw.next());
    raw.send(encodeJsonFrame({ id: 8, op: 'status' }));
    replies.push(await raw.next());
    raw.close();
    expect(replies).toEqual([
      { id: null, ok: false, error: expect.objectContaining({ field: 'body', rule: 'of a JSON frame must be one JSON value' }) },
      { id: null, ok: false, error: expect.objectContaining({ field: 'type', value: '2', rule: expect.stringContaining('must be 1 (JSON)') }) },
      { id: 7, ok: false, error: { field: 'qty', value: '"abc"', rule: 'must be a finite number', message: '`qty` must be a finite number, was "abc"' } },
      { id: null, ok: false, error: expect.objectContaining({ field: 'length', value: '0' }) },
      { id: null, ok: false, error: expect.objectContaining({ field: 'length', value: '70001', rule: expect.stringContaining('must be in [1, 65536]') }) },
      { id: 8, ok: true, result: { nowNs: '0', marketSeq: '0', lastFillId: '0' } },
    ]);
    const client = await Client.open(server.port);
    expect(await client.adapter.stats(), 'the malformed submit counted nothing').toEqual({ submissions: 0, duplicateSubmissions: 0, duplicateClientOrderIds: [] });
    await client.adapter.close();
  });

  it('keeps its state when the connection is cut mid-stream: fillsSince returns what was missed, then the bars again', async () => {
    const server = await startServer();
    const client = await Client.open(server.port);
    await client.market(1n, 2);
    expect(describeRecords(await client.submit(order(1n, 0, 0.01)))).toEqual(['ACK(1)']);
    await client.adapter.injectFault({ dropAfterMessages: 0 });
    await expect(client.adapter.market(3n, 2), 'the request in flight rejects').rejects.toBeInstanceOf(SimVenueDisconnectedError);
    expect(client.disconnects.length, 'the disconnect listener heard of it').toBe(1);
    expect(client.take(), 'nothing of the cut reply arrived').toEqual([]);
    await client.adapter.connect();
    expect(await client.adapter.status(), 'the server handled the request before the cut').toMatchObject({ marketSeq: 4n, lastFillId: 1n });
    const missed = await client.adapter.fillsSince(0n);
    expect(missed.length).toBe(1);
    const fill = readVenueRecord(new DataView(missed[0].buffer, missed[0].byteOffset, 64), 0);
    expect(fill).toMatchObject({ kind: EventKind.FILL | LIVE, id: 1n, size: 0.01, b: 1 });
    expect(describeRecords(await client.market(3n, 2)), 'the bars again, without the fill').toEqual(['BAR#3', 'BAR#4']);

    expect(describeRecords(await client.submit(order(2n, 0, 0.02)))).toEqual(['ACK(2)']);
    await client.adapter.injectFault({ dropAfterMessages: 1 });
    await expect(client.adapter.market(5n, 2)).rejects.toBeInstanceOf(SimVenueDisconnectedError);
    const partial = client.take();
    expect(describeRecords(partial), 'only the first frame (the fill) arrived').toEqual(['FILL(2)']);
    await client.adapter.connect();
    const again = await client.adapter.fillsSince(1n);
    expect(again.map((b) => Buffer.from(b).toString('hex')), 'fillsSince gives the same fill bytes').toEqual([Buffer.from(partial[0].bytes).toString('hex')]);
    expect(describeRecords(await client.market(5n, 2))).toEqual(['BAR#5', 'BAR#6']);
    expect(await client.adapter.order('qf-2')).toMatchObject({ state: OrderState.FILLED, filled: 0.02 });
    await client.adapter.close();
  });

  it('delays replies when asked, keeping their order', async () => {
    const server = await startServer({ faults: { delayMs: 0 } });
    const client = await Client.open(server.port);
    await client.adapter.injectFault({ delayMs: 300 });
    const started = Date.now();
    await client.market(1n, 2);
    const replies = await client.submit(order(1n, 0, 0.01));
    expect(Date.now() - started, 'two delayed replies (market, sync) and the submit take at least 3 x 300 ms').toBeGreaterThanOrEqual(850);
    expect(describeRecords(replies)).toEqual(['ACK(1)']);
    await client.adapter.close();
  });

  it('refuses to connect with a clear error when nothing listens', async () => {
    const server = await startServer();
    const port = server.port;
    await server.stop();
    const adapter = new SimVenueAdapter({ host: '127.0.0.1', port, connectTimeoutMs: 2000 });
    await expect(adapter.connect()).rejects.toThrow(new RegExp(`could not connect to the sim venue at 127.0.0.1:${port}`));
  });
});

describe('sim venue: restart', () => {
  /** Part 1 of the restart script: fills, a resting limit, a cancel. */
  async function partOne(client: Client): Promise<number> {
    await client.market(1n, 10);
    await client.submit(order(1n, 0, 0.01));
    const close = lastBar(client.records, 0).price;
    await client.submit(limit(2n, 0, 0.02, Math.round(close * 0.97 * 100) / 100));
    await client.submit(limit(3n, 1, 0.3, 100));
    client.adapter.cancel(address(3n, 1));
    await client.adapter.sync();
    await client.market(11n, 10);
    return 20;
  }

  /** Part 2: a duplicate of an old id, then bars until the resting limit fills. */
  async function partTwo(client: Client, from: number): Promise<Received[]> {
    client.take();
    await client.submit(order(1n, 0, 0.01));
    let seq = from;
    for (let round = 0; round < 100; round++) {
      const got = await client.market(BigInt(seq + 1), 48);
      seq += 48;
      if (got.some((x) => kindOf(x.r) === EventKind.FILL && x.r.id === 2n)) break;
    }
    return client.records.slice();
  }

  it('serves its state after a SIGKILL and restart, and rebuilds its book: the rest of the stream equals an uninterrupted run', async () => {
    const stateDir = path.join(tmp, 'restart');
    let server = await startServer({ stateDir });
    let client = await Client.open(server.port);
    const at = await partOne(client);
    const before = {
      status: await client.adapter.status(), open: await client.adapter.openOrders(), positions: await client.adapter.positions(),
      stats: await client.adapter.stats(), fills: await client.adapter.fillsSince(0n), order: await client.adapter.order('qf-3'),
    };
    expect(before.open.map((v) => v.clientOrderId), 'the limit rests').toEqual(['qf-2']);
    await server.kill();
    for (let wait = 0; wait < 100 && client.disconnects.length === 0; wait++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(client.disconnects.length, 'the client saw the server die').toBe(1);

    server = await startServer({ stateDir });
    client = await Client.open(server.port);
    expect({
      status: await client.adapter.status(), open: await client.adapter.openOrders(), positions: await client.adapter.positions(),
      stats: await client.adapter.stats(), fills: await client.adapter.fillsSince(0n), order: await client.adapter.order('qf-3'),
    }, 'every query answers as before the kill').toEqual(before);
    const restarted = await partTwo(client, at);

    const reference = await startServer();
    const uninterrupted = await Client.open(reference.port);
    await partOne(uninterrupted);
    const expected = await partTwo(uninterrupted, at);
    const tail = (records: Received[]) => records.slice(records.length - restarted.length).map((x) => `${x.seq}:${Buffer.from(x.bytes).toString('hex')}`);
    expect(describeRecords(restarted).slice(0, 1), 'the old id is still known: a duplicate').toEqual(['REJECT(1)']);
    expect(restarted.some((x) => kindOf(x.r) === EventKind.FILL && x.r.id === 2n), 'the limit rested across the restart and filled').toBe(true);
    expect(restarted.map((x) => `${x.seq}:${Buffer.from(x.bytes).toString('hex')}`), 'after the restart the stream equals the uninterrupted one').toEqual(tail(expected));
    await client.adapter.close();
    await uninterrupted.adapter.close();
  });
});

/** A bare TCP client sending raw frames (for malformed requests). */
class RawClient {
  private inbox = Buffer.alloc(0);
  private waiting: ((value: unknown) => void) | null = null;
  private readonly ready: unknown[] = [];

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.inbox = Buffer.concat([this.inbox, chunk]);
      for (let read = readFrame(this.inbox, 0, 1 << 24); read !== null && read.kind === 'frame'; read = readFrame(this.inbox, 0, 1 << 24)) {
        this.ready.push(JSON.parse(Buffer.from(read.body).toString('utf8')));
        this.inbox = this.inbox.subarray(read.next);
      }
      if (this.waiting && this.ready.length > 0) {
        const resolve = this.waiting;
        this.waiting = null;
        resolve(this.ready.shift());
      }
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connectSocket({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next reply (bounded wait). */
  next(): Promise<unknown> {
    if (this.ready.length > 0) return Promise.resolve(this.ready.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply within 5 s')), 5000);
      this.waiting = (value) => {
        clearTimeout(timer);
        resolve(value);
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }
}
