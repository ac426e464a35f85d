// Pure functions from the sim-venue server's frames to the engine's model (engine/live
// VenueAdapter types and 64-byte inbound records), for the client adapter. Every record is
// checked before it reaches a listener: 64 bytes, a kind the venue sends (one kind bit,
// SOURCE_LIVE | DIRECTION_INBOUND, the maker flag on fills only), an instrument id in range,
// finite fields, tsLocal >= tsExchange, and per kind the fields the engine reads (fill id > 0,
// a bar's high >= low > 0 ...). Every failure is a WireFormatError naming the field, the value
// and the rule.
import { clientOrderIdOf, type VenueOrderView, type VenuePosition, type VenueStatus } from '../../engine/live/index.js';
import { bitsF64, readVenueRecord } from '../../engine/venue/index.js';
import { EventKind, KIND_MASK, type EventRecord } from '../../engine/layout/event-record.js';
import { INSTRUMENT_CAPACITY } from '../../engine/layout/memory-map.js';
import { OrderState } from '../../engine/orders/index.js';
import {
  checkArray, checkObject, decodeJsonBody, FILLS_PAGE_LIMIT, FRAME_JSON, FRAME_RECORD, I64_MAX, MAX_REQUEST_ID, PROTOCOL_VERSION, readBoolean,
  readDecimal, readFinite, readInteger, readString, RECORD_BYTES, RECORD_FRAME_BODY_BYTES, RECORD_SEQ_BYTES, U64_MAX, WireFormatError,
  type JsonObject, type WireErrorBody, type WireHello,
} from './common/index.js';

/** One frame from the server, decoded. */
export type ServerMessage =
  | { readonly kind: 'record'; readonly seq: bigint; readonly bytes: Uint8Array; readonly record: EventRecord }
  | { readonly kind: 'response'; readonly id: number; readonly result: unknown }
  | { readonly kind: 'error'; readonly id: number | null; readonly error: WireErrorBody };

const MARKET_KINDS: ReadonlySet<number> = new Set([EventKind.BAR, EventKind.TRADE, EventKind.QUOTE]);
const EVENT_KINDS: ReadonlySet<number> = new Set([EventKind.ACK, EventKind.FILL, EventKind.CANCELED, EventKind.REJECT, EventKind.EXPIRED, EventKind.ORDER_STATUS]);
const LIVE_INBOUND = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;
const ORDER_STATES: ReadonlySet<number> = new Set(Object.values(OrderState));
const KIND_NAMES = 'BAR, TRADE, QUOTE, ACK, FILL, CANCELED, REJECT, EXPIRED or ORDER_STATUS';

/** True for a market record (BAR, TRADE, QUOTE); false for a venue event. */
export function isMarketRecord(record: EventRecord): boolean {
  return MARKET_KINDS.has(record.kind & KIND_MASK);
}

function check(ok: boolean, field: string, value: unknown, rule: string): void {
  if (!ok) throw new WireFormatError(field, value, rule);
}

const isWhole = (x: number) => Number.isInteger(x);

/** Checks the 64-byte record `bytes` that came with stream sequence `seq`; returns its fields. */
export function checkVenueRecord(bytes: Uint8Array, seq: bigint, at = 'record'): EventRecord {
  check(bytes.length === RECORD_BYTES, `${at}`, `${bytes.length} bytes`, `must be ${RECORD_BYTES} bytes`);
  const r = readVenueRecord(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
  const base = r.kind & KIND_MASK;
  const market = MARKET_KINDS.has(base);
  check(market || EVENT_KINDS.has(base), `${at}.kind`, r.kind, `must hold exactly one kind bit of ${KIND_NAMES}`);
  const extra = r.kind & ~KIND_MASK & ~LIVE_INBOUND & ~(base === EventKind.FILL ? EventKind.FLAG_MAKER : 0);
  check((r.kind & LIVE_INBOUND) === LIVE_INBOUND && extra === 0, `${at}.kind`, r.kind, 'must carry SOURCE_LIVE | DIRECTION_INBOUND and no other flag (FLAG_MAKER on a FILL only)');
  check(r.instrument >= 0 && r.instrument < INSTRUMENT_CAPACITY, `${at}.instrument`, r.instrument, `must be in [0, ${INSTRUMENT_CAPACITY - 1}]`);
  check(r.tsExchange >= 0n, `${at}.tsExchange`, r.tsExchange, 'must be >= 0');
  check(r.tsLocal >= r.tsExchange, `${at}.tsLocal`, r.tsLocal, `must be >= tsExchange (${r.tsExchange})`);
  for (const field of ['price', 'size', 'a', 'b'] as const) check(Number.isFinite(r[field]), `${at}.${field}`, r[field], 'must be finite');
  if (market) {
    check(seq >= 1n, `${at} sourceSeq`, seq, 'of a market record must be its market sequence number (>= 1)');
    if (base === EventKind.BAR) {
      const open = bitsF64(r.id);
      check(r.b > 0, `${at}.b (bar low)`, r.b, 'must be > 0');
      check(r.a >= r.b, `${at}.a (bar high)`, r.a, `must be >= the low (${r.b})`);
      check(Number.isFinite(open) && open >= r.b && open <= r.a, `${at}.id (bar open bits)`, open, `must be a price in [low, high] = [${r.b}, ${r.a}]`);
      check(r.price >= r.b && r.price <= r.a, `${at}.price (bar close)`, r.price, `must be in [low, high] = [${r.b}, ${r.a}]`);
      check(r.size >= 0, `${at}.size (bar volume)`, r.size, 'must be >= 0');
    } else if (base === EventKind.TRADE) {
      check(r.price > 0, `${at}.price`, r.price, 'must be > 0');
      check(r.a === 1 || r.a === 0 || r.a === -1, `${at}.a (aggressor)`, r.a, 'must be 1, 0 or -1');
    } else {
      check(r.a > 0 && r.b >= r.a, `${at}.b (ask)`, r.b, `must be >= the bid (${r.a}) > 0`);
    }
    return r;
  }
  check(seq === 0n, `${at} sourceSeq`, seq, 'of a venue event must be 0');
  check(r.id >= 1n, `${at}.id (order id)`, r.id, 'must be an engine order id >= 1');
  switch (base) {
    case EventKind.ACK:
      check(r.size !== 0, `${at}.size`, r.size, 'of an ACK must be the signed order quantity (not 0)');
      check(r.a === 0 || r.a === 1, `${at}.a`, r.a, 'of an ACK must be 0 (new) or 1 (replace)');
      check(isWhole(r.b) && r.b >= 0, `${at}.b (venue order id)`, r.b, 'must be an integer >= 0');
      break;
    case EventKind.FILL:
      check(r.price > 0, `${at}.price`, r.price, 'of a FILL must be > 0');
      check(r.size !== 0, `${at}.size`, r.size, 'of a FILL must be the signed filled quantity (not 0)');
      check(isWhole(r.b) && r.b >= 1, `${at}.b (fill id)`, r.b, 'must be an integer >= 1');
      break;
    case EventKind.CANCELED:
      check(isWhole(r.a) && r.a >= 0, `${at}.a (cancel reason)`, r.a, 'must be an integer >= 0');
      break;
    case EventKind.REJECT:
      check(isWhole(r.a) && r.a >= 0, `${at}.a (reject reason)`, r.a, 'must be an integer >= 0');
      check(r.b === 0 || r.b === 1 || r.b === 2, `${at}.b`, r.b, 'of a REJECT must be 0 (order), 1 (cancel) or 2 (replace)');
      break;
    case EventKind.ORDER_STATUS:
      check(ORDER_STATES.has(r.a), `${at}.a (order state)`, r.a, 'must be an engine/orders OrderState code');
      break;
  }
  return r;
}

/** Decodes and checks one server frame. */
export function parseServerFrame(type: number, body: Uint8Array): ServerMessage {
  if (type === FRAME_RECORD) {
    check(body.length === RECORD_FRAME_BODY_BYTES, 'body', `${body.length} bytes`, `of a RECORD frame must be ${RECORD_FRAME_BODY_BYTES} bytes (sourceSeq u64 + a ${RECORD_BYTES}-byte record)`);
    const seq = new DataView(body.buffer, body.byteOffset, body.byteLength).getBigUint64(0, true);
    const bytes = body.slice(RECORD_SEQ_BYTES);
    return { kind: 'record', seq, bytes, record: checkVenueRecord(bytes, seq) };
  }
  if (type !== FRAME_JSON) throw new WireFormatError('type', type, `of a server frame must be ${FRAME_JSON} (JSON) or ${FRAME_RECORD} (RECORD)`);
  const o = checkObject(decodeJsonBody(body), 'response');
  const ok = readBoolean(o, 'ok', 'response.');
  if (ok) {
    check('result' in o, 'response.result', undefined, 'must be present in a successful response');
    return { kind: 'response', id: readInteger(o, 'id', 1, MAX_REQUEST_ID, 'response.'), result: o.result };
  }
  const id = o.id === null ? null : readInteger(o, 'id', 1, MAX_REQUEST_ID, 'response.');
  const e = checkObject(o.error, 'response.error');
  const text = (name: string) => {
    check(typeof e[name] === 'string', `response.error.${name}`, e[name], 'must be a string');
    return e[name] as string;
  };
  return { kind: 'error', id, error: { field: text('field'), value: text('value'), rule: text('rule'), message: text('message') } };
}

/** The stream check of market records: each one must be the next sequence number asked for. */
export function checkMarketSeq(seq: bigint, expected: bigint | null): void {
  check(expected !== null, 'sourceSeq', seq, 'of a market record must answer a market request (none was pending)');
  check(seq === expected, 'sourceSeq', seq, `must be the next market seq asked for (${expected})`);
}

/** The stream check of fills: fill ids increase on a connection. Returns the last fill id after `record`. */
export function nextFillId(record: EventRecord, lastFillId: number): number {
  if ((record.kind & KIND_MASK) !== EventKind.FILL) return lastFillId;
  check(record.b > lastFillId, 'record.b (fill id)', record.b, `must be above the last fill id on this connection (${lastFillId})`);
  return record.b;
}

export function parseHello(result: unknown): WireHello {
  const o = checkObject(result, 'result');
  const protocol = readInteger(o, 'protocol', 1, 0x7fff_ffff, 'result.');
  check(protocol === PROTOCOL_VERSION, 'result.protocol', protocol, `must be ${PROTOCOL_VERSION}, the version this client speaks`);
  const instruments = checkArray(o.instruments, 'result.instruments', INSTRUMENT_CAPACITY).map((name, i) => {
    check(typeof name === 'string' && name.length > 0, `result.instruments[${i}]`, name, 'must be a non-empty string');
    return name as string;
  });
  return { protocol, venue: readString(o, 'venue', 64, 'result.'), instruments, marketRecords: readInteger(o, 'marketRecords', 0, Number.MAX_SAFE_INTEGER, 'result.') };
}

export function parseMarketResult(result: unknown, count: number): number {
  return readInteger(checkObject(result, 'result'), 'delivered', 0, count, 'result.');
}

export function parseStatus(result: unknown): VenueStatus {
  const o = checkObject(result, 'result');
  return { nowNs: readDecimal(o, 'nowNs', 0n, I64_MAX, 'result.'), marketSeq: readDecimal(o, 'marketSeq', 0n, I64_MAX, 'result.'), lastFillId: readDecimal(o, 'lastFillId', 0n, I64_MAX, 'result.') };
}

export function parseOrderView(value: unknown, at: string): VenueOrderView {
  const o: JsonObject = checkObject(value, at);
  const p = `${at}.`;
  const orderId = readDecimal(o, 'orderId', 1n, U64_MAX, p);
  const clientOrderId = readString(o, 'clientOrderId', 64, p);
  check(clientOrderId === clientOrderIdOf(orderId), `${p}clientOrderId`, clientOrderId, `must be the client order id of order ${orderId} (${clientOrderIdOf(orderId)})`);
  const state = readInteger(o, 'state', 0, 0x7fff_ffff, p);
  check(ORDER_STATES.has(state), `${p}state`, state, 'must be an engine/orders OrderState code');
  const avgPrice = readFinite(o, 'avgPrice', p);
  check(avgPrice >= 0, `${p}avgPrice`, avgPrice, 'must be >= 0');
  const limitPrice = o.limitPrice === undefined ? 0 : readFinite(o, 'limitPrice', p);
  check(limitPrice >= 0, `${p}limitPrice`, limitPrice, 'must be >= 0');
  return {
    orderId, clientOrderId, state, avgPrice, limitPrice,
    instrument: readInteger(o, 'instrument', 0, INSTRUMENT_CAPACITY - 1, p),
    qty: readFinite(o, 'qty', p),
    filled: readFinite(o, 'filled', p),
    submissions: readInteger(o, 'submissions', 1, Number.MAX_SAFE_INTEGER, p),
  };
}

export function parseOpenOrders(result: unknown): VenueOrderView[] {
  const list = checkArray(checkObject(result, 'result').orders, 'result.orders', 1 << 20);
  return list.map((view, i) => parseOrderView(view, `result.orders[${i}]`));
}

export function parseOrderResult(result: unknown, clientOrderId: string): VenueOrderView | null {
  const order = checkObject(result, 'result').order;
  if (order === null) return null;
  const view = parseOrderView(order, 'result.order');
  check(view.clientOrderId === clientOrderId, 'result.order.clientOrderId', view.clientOrderId, `must be the client order id asked for (${clientOrderId})`);
  return view;
}

export function parsePositions(result: unknown): VenuePosition[] {
  const list = checkArray(checkObject(result, 'result').positions, 'result.positions', INSTRUMENT_CAPACITY);
  return list.map((item, i) => {
    const o = checkObject(item, `result.positions[${i}]`);
    return { instrument: readInteger(o, 'instrument', 0, INSTRUMENT_CAPACITY - 1, `result.positions[${i}].`), qty: readFinite(o, 'qty', `result.positions[${i}].`) };
  });
}

export interface FillsPage {
  /** FILL records (64 bytes each), fill ids increasing from above the id asked for. */
  readonly fills: Uint8Array[];
  readonly more: boolean;
  /** Fill id of the last record (the id asked for when the page is empty). */
  readonly lastFillId: bigint;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A page of fillsSince(`afterFillId`): every record a FILL, fill ids above `afterFillId` and increasing. */
export function parseFillsPage(result: unknown, afterFillId: bigint): FillsPage {
  const o = checkObject(result, 'result');
  const list = checkArray(o.fills, 'result.fills', FILLS_PAGE_LIMIT);
  let last = afterFillId;
  const fills = list.map((text, i) => {
    const at = `result.fills[${i}]`;
    check(typeof text === 'string' && BASE64.test(text), at, text, 'must be a base64 string');
    const bytes = new Uint8Array(Buffer.from(text as string, 'base64'));
    const record = checkVenueRecord(bytes, 0n, at);
    check((record.kind & KIND_MASK) === EventKind.FILL, `${at}.kind`, record.kind, 'must be a FILL');
    check(BigInt(record.b) > last, `${at}.b (fill id)`, record.b, `must be above ${last} (fills come in fill-id order, after the id asked for)`);
    last = BigInt(record.b);
    return bytes;
  });
  return { fills, more: readBoolean(o, 'more', 'result.'), lastFillId: last };
}

export interface SimVenueStats {
  /** Submissions received, duplicates included. */
  readonly submissions: number;
  /** Submissions of a client order id already submitted (each rejected, none reached the venue). */
  readonly duplicateSubmissions: number;
  readonly duplicateClientOrderIds: readonly string[];
}

export function parseStats(result: unknown): SimVenueStats {
  const o = checkObject(result, 'result');
  const ids = checkArray(o.duplicateClientOrderIds, 'result.duplicateClientOrderIds', 1 << 24).map((id, i) => {
    check(typeof id === 'string' && id.length > 0, `result.duplicateClientOrderIds[${i}]`, id, 'must be a non-empty string');
    return id as string;
  });
  return {
    submissions: readInteger(o, 'submissions', 0, Number.MAX_SAFE_INTEGER, 'result.'),
    duplicateSubmissions: readInteger(o, 'duplicateSubmissions', 0, Number.MAX_SAFE_INTEGER, 'result.'),
    duplicateClientOrderIds: ids,
  };
}

/** The result of a request that answers with null (submit, cancel, replace, sync, fault). */
export function parseNullResult(result: unknown): void {
  check(result === null, 'result', result, 'must be null for this request');
}
