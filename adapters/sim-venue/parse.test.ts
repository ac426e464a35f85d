// The client's frame and record checks (parse.ts), the frame codec (common/frame-codec.ts)
// and the request builders' argument checks (messages.ts), on hand-made frames: good ones
// decode to the engine's model, bad ones fail with the field, the value and the rule.
import { describe, expect, it } from 'vitest';
import { EventKind } from '../../engine/layout/event-record.js';
import { f64Bits, writeVenueRecord, type VenueRecord } from '../../engine/venue/index.js';
import { encodeFrame, encodeJsonFrame, encodeRecordFrame, FRAME_JSON, FRAME_RECORD, readFrame, WireFormatError } from './common/index.js';
import { checkSimVenueAdapterOptions } from './config.js';
import { SimVenueArgumentError } from './errors.js';
import { marketMessage, submitMessage } from './messages.js';
import {
  checkMarketSeq, checkVenueRecord, nextFillId, parseFillsPage, parseOrderResult, parseServerFrame, parseStats, parseStatus,
} from './parse.js';

const LIVE = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;
const T = 1_713_236_400_000_000_000n;

function bytesOf(r: Partial<VenueRecord>): Uint8Array {
  const full: VenueRecord = { kind: 0, instrument: 0, tsExchange: T, tsLocal: T, price: 0, size: 0, a: 0, b: 0, id: 0n, ...r };
  const bytes = new Uint8Array(64);
  writeVenueRecord(new DataView(bytes.buffer), 0, full);
  return bytes;
}

const bar = (r: Partial<VenueRecord> = {}) =>
  bytesOf({ kind: EventKind.BAR | LIVE, tsExchange: T - 3_600_000_000_000n, price: 101, size: 10, a: 105, b: 99, id: f64Bits(100), ...r });
const fill = (fillId: number, r: Partial<VenueRecord> = {}) => bytesOf({ kind: EventKind.FILL | LIVE, price: 100, size: 0.5, a: 0.02, b: fillId, id: 7n, ...r });

function wireError(run: () => unknown): WireFormatError {
  try {
    run();
  } catch (error) {
    if (error instanceof WireFormatError) return error;
    throw error;
  }
  throw new Error('expected a WireFormatError, nothing was thrown');
}

describe('frame codec', () => {
  it('reads whole frames one after another and waits for incomplete ones', () => {
    const a = encodeJsonFrame({ id: 1, ok: true, result: null });
    const b = encodeRecordFrame(3n, bar());
    const stream = Buffer.concat([a, b]);
    const first = readFrame(stream, 0, 1 << 20);
    expect(first?.kind, 'first frame is whole').toBe('frame');
    if (first?.kind !== 'frame') return;
    expect(first.type).toBe(FRAME_JSON);
    const second = readFrame(stream, first.next, 1 << 20);
    expect(second?.kind === 'frame' && second.type === FRAME_RECORD && second.body.length === 72, 'second frame is a 72-byte record body').toBe(true);
    expect(readFrame(stream.subarray(0, a.length + 10), a.length, 1 << 20), 'a partial frame is not read').toBeNull();
    expect(readFrame(stream.subarray(0, 3), 0, 1 << 20), 'a partial length prefix is not read').toBeNull();
  });

  it('reports a zero length and an oversize length without reading past the prefix', () => {
    const empty = Buffer.from([0, 0, 0, 0]);
    expect(readFrame(empty, 0, 100)).toEqual({ kind: 'empty', next: 4 });
    const big = encodeFrame(FRAME_JSON, Buffer.alloc(200));
    expect(readFrame(big, 0, 100)).toEqual({ kind: 'oversize', length: 201, next: 4 });
  });
});

describe('checkVenueRecord', () => {
  it('accepts a bar with its market seq and a fill with seq 0', () => {
    expect(checkVenueRecord(bar(), 1n).price).toBe(101);
    expect(checkVenueRecord(fill(1), 0n).b).toBe(1);
    expect(checkVenueRecord(fill(1, { kind: EventKind.FILL | EventKind.FLAG_MAKER | LIVE }), 0n).b, 'a maker fill is accepted').toBe(1);
  });

  it.each([
    ['a record of 40 bytes', () => checkVenueRecord(new Uint8Array(40), 0n), 'record', 'must be 64 bytes'],
    ['no kind bit', () => checkVenueRecord(bytesOf({ kind: LIVE, id: 1n }), 0n), 'record.kind', 'exactly one kind bit'],
    ['two kind bits', () => checkVenueRecord(bytesOf({ kind: EventKind.ACK | EventKind.FILL | LIVE, id: 1n }), 0n), 'record.kind', 'exactly one kind bit'],
    ['a paper source', () => checkVenueRecord(fill(1, { kind: EventKind.FILL | EventKind.SOURCE_PAPER | EventKind.DIRECTION_INBOUND }), 0n), 'record.kind', 'SOURCE_LIVE'],
    ['an outbound command', () => checkVenueRecord(bytesOf({ kind: EventKind.ORDER | EventKind.DIRECTION_OUTBOUND, id: 1n }), 0n), 'record.kind', 'exactly one kind bit'],
    ['the maker flag on an ACK', () => checkVenueRecord(bytesOf({ kind: EventKind.ACK | EventKind.FLAG_MAKER | LIVE, size: 1, id: 1n }), 0n), 'record.kind', 'FLAG_MAKER on a FILL only'],
    ['an instrument out of range', () => checkVenueRecord(fill(1, { instrument: 5000 }), 0n), 'record.instrument', 'must be in [0, 1023]'],
    ['tsLocal before tsExchange', () => checkVenueRecord(fill(1, { tsLocal: T - 1n }), 0n), 'record.tsLocal', 'must be >= tsExchange'],
    ['a NaN price', () => checkVenueRecord(fill(1, { price: Number.NaN }), 0n), 'record.price', 'must be finite'],
    ['fill id 0', () => checkVenueRecord(fill(0), 0n), 'record.b (fill id)', 'integer >= 1'],
    ['a fill of size 0', () => checkVenueRecord(fill(1, { size: 0 }), 0n), 'record.size', 'not 0'],
    ['a fill for order id 0', () => checkVenueRecord(fill(1, { id: 0n }), 0n), 'record.id (order id)', '>= 1'],
    ['a venue event with a market seq', () => checkVenueRecord(fill(1), 4n), 'record sourceSeq', 'must be 0'],
    ['a bar with seq 0', () => checkVenueRecord(bar(), 0n), 'record sourceSeq', '>= 1'],
    ['a bar with high below low', () => checkVenueRecord(bar({ a: 98 }), 1n), 'record.a (bar high)', 'must be >= the low'],
    ['a bar whose open is outside [low, high]', () => checkVenueRecord(bar({ id: f64Bits(200) }), 1n), 'record.id (bar open bits)', 'in [low, high]'],
    ['a REJECT of request 3', () => checkVenueRecord(bytesOf({ kind: EventKind.REJECT | LIVE, a: 1, b: 3, id: 1n }), 0n), 'record.b', '0 (order), 1 (cancel) or 2 (replace)'],
  ])('rejects %s', (_, run, field, rule) => {
    const error = wireError(run);
    expect(error.field, error.message).toBe(field);
    expect(error.message, 'the message states the rule').toContain(rule);
    expect(error.message, 'the message says what was received').toContain(', was ');
  });
});

describe('parseServerFrame', () => {
  it('decodes a record frame into its seq and checked record', () => {
    const frame = encodeRecordFrame(9n, bar());
    const read = readFrame(frame, 0, 1 << 20);
    if (read?.kind !== 'frame') throw new Error('frame did not read');
    const message = parseServerFrame(read.type, read.body);
    expect(message.kind === 'record' && message.seq === 9n && message.bytes.length === 64).toBe(true);
  });

  it('decodes responses and error replies', () => {
    const body = (value: unknown) => Buffer.from(JSON.stringify(value));
    expect(parseServerFrame(FRAME_JSON, body({ id: 4, ok: true, result: { delivered: 2 } }))).toEqual({ kind: 'response', id: 4, result: { delivered: 2 } });
    const error = { field: 'qty', value: '"x"', rule: 'must be a finite number', message: '`qty` must be a finite number, was "x"' };
    expect(parseServerFrame(FRAME_JSON, body({ id: null, ok: false, error }))).toEqual({ kind: 'error', id: null, error });
  });

  it.each([
    ['a short record body', FRAME_RECORD, new Uint8Array(40), 'body', 'must be 72 bytes'],
    ['an unknown frame type', 9, new Uint8Array(3), 'type', 'must be 1 (JSON) or 2 (RECORD)'],
    ['a body that is not JSON', FRAME_JSON, Buffer.from('{"id": 1, "ok": tru'), 'body', 'one JSON value'],
    ['a body that is not UTF-8', FRAME_JSON, new Uint8Array([0xff, 0xfe]), 'body', 'valid UTF-8'],
    ['a response without ok', FRAME_JSON, Buffer.from('{"id": 1}'), 'response.ok', 'true or false'],
    ['a response with id 0', FRAME_JSON, Buffer.from('{"id": 0, "ok": true, "result": null}'), 'response.id', 'integer in [1,'],
  ])('rejects %s', (_, type, body, field, rule) => {
    const error = wireError(() => parseServerFrame(type, body));
    expect(error.field, error.message).toBe(field);
    expect(error.message).toContain(rule);
  });
});

describe('stream checks', () => {
  it('takes market records only in the order asked for', () => {
    expect(() => checkMarketSeq(5n, 5n)).not.toThrow();
    expect(wireError(() => checkMarketSeq(6n, 5n)).message).toContain('must be the next market seq asked for (5)');
    expect(wireError(() => checkMarketSeq(1n, null)).message).toContain('none was pending');
  });

  it('takes fill ids only increasing', () => {
    const first = checkVenueRecord(fill(3), 0n);
    expect(nextFillId(first, 2)).toBe(3);
    expect(wireError(() => nextFillId(first, 3)).message).toContain('must be above the last fill id on this connection (3)');
  });
});

describe('results', () => {
  it('parses a status with 64-bit fields from decimal strings', () => {
    expect(parseStatus({ nowNs: '1713236400000000000', marketSeq: '12', lastFillId: '0' })).toEqual({ nowNs: T, marketSeq: 12n, lastFillId: 0n });
    expect(wireError(() => parseStatus({ nowNs: -1, marketSeq: '1', lastFillId: '0' })).field).toBe('result.nowNs');
  });

  it('parses an order view and checks it is the one asked for', () => {
    const view = { orderId: '7', clientOrderId: 'qf-7', instrument: 0, state: 3, qty: 1, filled: 0, avgPrice: 0, submissions: 1 };
    expect(parseOrderResult({ order: view }, 'qf-7')?.orderId).toBe(7n);
    expect(parseOrderResult({ order: null }, 'qf-8')).toBeNull();
    expect(wireError(() => parseOrderResult({ order: view }, 'qf-8')).field).toBe('result.order.clientOrderId');
    expect(wireError(() => parseOrderResult({ order: { ...view, state: 99 } }, 'qf-7')).field).toBe('result.order.state');
    expect(wireError(() => parseOrderResult({ order: { ...view, clientOrderId: 'qf-9' } }, 'qf-9')).message).toContain('client order id of order 7');
  });

  it('parses a fills page: FILL records above the id asked for, in fill-id order', () => {
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
    const page = parseFillsPage({ fills: [b64(fill(4)), b64(fill(5))], more: false }, 3n);
    expect(page.fills.length).toBe(2);
    expect(page.lastFillId).toBe(5n);
    expect(wireError(() => parseFillsPage({ fills: [b64(fill(5)), b64(fill(4))], more: false }, 3n)).message).toContain('must be above 5');
    expect(wireError(() => parseFillsPage({ fills: [b64(fill(3))], more: false }, 3n)).field).toBe('result.fills[0].b (fill id)');
    expect(wireError(() => parseFillsPage({ fills: [b64(bar())], more: false }, 0n)).field, 'a bar is no fill (it fails its seq check first)').toBe('result.fills[0] sourceSeq');
    expect(wireError(() => parseFillsPage({ fills: ['%%%'], more: false }, 0n)).rule).toContain('base64');
  });

  it('parses stats', () => {
    expect(parseStats({ submissions: 3, duplicateSubmissions: 1, duplicateClientOrderIds: ['qf-1'] })).toEqual({
      submissions: 3, duplicateSubmissions: 1, duplicateClientOrderIds: ['qf-1'],
    });
    expect(wireError(() => parseStats({ submissions: 3, duplicateSubmissions: 1, duplicateClientOrderIds: [1] })).field).toBe('result.duplicateClientOrderIds[0]');
  });
});

describe('options and request arguments', () => {
  it('names the field, the value and the rule of a bad option', () => {
    expect(() => checkSimVenueAdapterOptions({ host: '10.0.0.1', port: 1 })).toThrow(/`host` must be '127.0.0.1'.*was "10.0.0.1"/);
    expect(() => checkSimVenueAdapterOptions({ host: '127.0.0.1', port: 0 })).toThrow(/`port` must be an integer in \[1, 65535\], was 0/);
    expect(() => checkSimVenueAdapterOptions({ host: '127.0.0.1', port: 9, connectTimeoutMs: -1 })).toThrow(SimVenueArgumentError);
  });

  it('refuses an order whose client order id is not qf-<orderId>, and a market request from seq 0', () => {
    const order = { orderId: 7n, clientOrderId: 'qf-8', instrument: 0, qty: 1, orderType: 0, timeInForce: 0, limitPrice: 0, stopPrice: 0, flags: 0, decisionNs: 0n };
    expect(() => submitMessage(1, order)).toThrow(/`order.clientOrderId` must be clientOrderIdOf\(orderId\) \(qf-7\), was "qf-8"/);
    expect(() => submitMessage(1, { ...order, clientOrderId: 'qf-7', qty: Number.NaN })).toThrow(/`order.qty` must be a finite number, was NaN/);
    expect(() => marketMessage(1, 0n, 1)).toThrow(/`fromSeq` must be a bigint in \[1, 2\^63\), was 0n/);
  });
});
