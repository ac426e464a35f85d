// The sim-venue wire protocol: what travels between the sim-venue server process and its
// client adapter over one TCP connection (127.0.0.1 only). Owns the frame layout, the
// message shapes and the protocol's constants; frame-codec.ts reads and writes frames.
//
// Frames (both directions), little-endian:
//
//   0                4        5
//   +----------------+--------+---------------------------------------------+
//   | length (u32)   | type   | body: length - 1 bytes                      |
//   +----------------+--------+---------------------------------------------+
//   length counts type + body: 1 .. MAX_REQUEST_FRAME_BYTES (client -> server),
//   1 .. MAX_SERVER_FRAME_BYTES (server -> client).
//
//   type 1 JSON    body = one UTF-8 JSON object (requests, responses, error replies)
//   type 2 RECORD  body = 72 bytes, server -> client only:
//
//                  0                8                                                  72
//                  +----------------+--------------------------------------------------+
//                  | sourceSeq u64  | event record (64 bytes, engine/layout/event-record) |
//                  +----------------+--------------------------------------------------+
//                  sourceSeq = market sequence number of a market record (1, 2, 3 ...),
//                  0 for a venue event (ACK, FILL, CANCELED, REJECT, EXPIRED).
//
// Requests (client -> server, JSON): { "id": <integer 1 .. 2^53-1, chosen by the client>,
// "op": <name>, ...fields }. 64-bit integers (order ids, ns times, sequence numbers, fill ids)
// travel as decimal strings; prices and quantities as JSON numbers. Every request gets exactly
// one response, { "id", "ok": true, "result" }, or an error reply, { "id" (null when the
// request's id could not be read), "ok": false, "error": { field, value, rule, message } }.
// The server handles requests one at a time, in arrival order: everything it sends for a
// request (records, then the response) goes out before anything for the next one.
//
//   op          fields                                            result
//   hello       protocol                                          { protocol, venue, instruments: string[], marketRecords }
//   submit      orderId, clientOrderId, instrument, qty, orderType, timeInForce, limitPrice,
//               stopPrice, flags, decisionNs                      null   (records: ACK / REJECT, ...)
//   cancel      orderId, clientOrderId, instrument                null   (records: CANCELED / REJECT)
//   replace     orderId, clientOrderId, instrument, qty, limitPrice, stopPrice
//                                                                 null   (records: ACK / REJECT)
//   sync                                                          null
//   market      fromSeq, count                                    { delivered }  (records: for each market
//               record, the venue events it caused, then the record itself)
//   status                                                        { nowNs, marketSeq, lastFillId }
//   openOrders                                                    { orders: OrderView[] }
//   order       clientOrderId                                     { order: OrderView | null }
//   positions                                                     { positions: { instrument, qty }[] }
//   fillsSince  fillId                                            { fills: base64 records[], more }  (at most
//               FILLS_PAGE_LIMIT per reply; `more`: ask again from the last one)
//   stats                                                         { submissions, duplicateSubmissions, duplicateClientOrderIds }
//   fault       dropAfterMessages?, delayMs?, malformedFrame?     null   (test faults, see WireFault)
import { REJECT_DUPLICATE_CLIENT_ORDER_ID } from '../../../engine/orders/index.js';

export const PROTOCOL_VERSION = 1;
export const VENUE_NAME = 'sim-venue';

export const FRAME_LENGTH_BYTES = 4;
export const FRAME_JSON = 1;
export const FRAME_RECORD = 2;
export const RECORD_SEQ_BYTES = 8;
export const RECORD_BYTES = 64;
export const RECORD_FRAME_BODY_BYTES = RECORD_SEQ_BYTES + RECORD_BYTES;

/** Largest frame (type + body) a client may send: requests are small. */
export const MAX_REQUEST_FRAME_BYTES = 64 * 1024;
/** Largest frame (type + body) the server sends (a page of fills or every open order). */
export const MAX_SERVER_FRAME_BYTES = 8 * 1024 * 1024;
/** Fills per fillsSince reply. */
export const FILLS_PAGE_LIMIT = 4096;
/** Market records one market request may ask for. */
export const MAX_MARKET_COUNT = 1_000_000;
/** Longest client order id the server takes. */
export const MAX_CLIENT_ORDER_ID_CHARS = 64;
export const MAX_REQUEST_ID = Number.MAX_SAFE_INTEGER;
export const U64_MAX = (1n << 64n) - 1n;
export const I64_MAX = (1n << 63n) - 1n;

/** REJECT reasons (record field a): the core venue's codes 1..4, and the server's own. */
export const RejectReason = {
  INVALID: 1,
  POST_ONLY: 2,
  UNKNOWN_ORDER: 3,
  FULL: 4,
  /** The client order id was submitted before: this submission never reached the venue (named 'duplicate-client-order-id' by engine/orders venue-reason-names.ts). */
  DUPLICATE_CLIENT_ORDER_ID: REJECT_DUPLICATE_CLIENT_ORDER_ID,
} as const;

/** What a REJECT refuses (record field b). */
export const RejectedRequest = { ORDER: 0, CANCEL: 1, REPLACE: 2 } as const;

export type WireOp =
  | 'hello' | 'submit' | 'cancel' | 'replace' | 'sync' | 'market' | 'status' | 'openOrders' | 'order' | 'positions' | 'fillsSince' | 'stats'
  | 'fault';

export const WIRE_OPS: readonly WireOp[] = [
  'hello', 'submit', 'cancel', 'replace', 'sync', 'market', 'status', 'openOrders', 'order', 'positions', 'fillsSince', 'stats', 'fault',
];

/** Malformed frames the server can be asked to send (fault injection). */
export type MalformedFrameKind = 'bad-kind' | 'short-record' | 'bad-json' | 'unknown-type' | 'oversize-length';
export const MALFORMED_FRAME_KINDS: readonly MalformedFrameKind[] = ['bad-kind', 'short-record', 'bad-json', 'unknown-type', 'oversize-length'];

/**
 * Test faults for the connection that asks for them (or, from server flags, for every
 * connection):
 *   dropAfterMessages  the server closes the connection after sending this many more frames
 *                      (0: the next request is handled, its replies are lost)
 *   delayMs            every later reply batch waits this long before it is sent (order kept)
 *   malformedFrame     the server sends one malformed frame now, before the fault's response
 */
export interface WireFault {
  readonly dropAfterMessages?: number;
  readonly delayMs?: number;
  readonly malformedFrame?: MalformedFrameKind;
}

export interface WireSubmit {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly instrument: number;
  readonly qty: number;
  readonly orderType: number;
  readonly timeInForce: number;
  readonly limitPrice: number;
  readonly stopPrice: number;
  readonly flags: number;
  readonly decisionNs: string;
}

export interface WireCancel {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly instrument: number;
}

export interface WireReplace {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly instrument: number;
  readonly qty: number;
  readonly limitPrice: number;
  readonly stopPrice: number;
}

export type WireRequest =
  | { readonly id: number; readonly op: 'hello'; readonly protocol: number }
  | ({ readonly id: number; readonly op: 'submit' } & WireSubmit)
  | ({ readonly id: number; readonly op: 'cancel' } & WireCancel)
  | ({ readonly id: number; readonly op: 'replace' } & WireReplace)
  | { readonly id: number; readonly op: 'sync' | 'status' | 'openOrders' | 'positions' | 'stats' }
  | { readonly id: number; readonly op: 'market'; readonly fromSeq: string; readonly count: number }
  | { readonly id: number; readonly op: 'order'; readonly clientOrderId: string }
  | { readonly id: number; readonly op: 'fillsSince'; readonly fillId: string }
  | ({ readonly id: number; readonly op: 'fault' } & WireFault);

/** An order as the server reports it (64-bit integers as decimal strings). */
export interface WireOrderView {
  readonly orderId: string;
  readonly clientOrderId: string;
  readonly instrument: number;
  readonly state: number;
  readonly qty: number;
  readonly filled: number;
  readonly avgPrice: number;
  readonly submissions: number;
  /** The limit price in force (0: none). Optional on the wire: older servers do not send it. */
  readonly limitPrice?: number;
}

export interface WireHello {
  readonly protocol: number;
  readonly venue: string;
  readonly instruments: readonly string[];
  readonly marketRecords: number;
}

export interface WireStatus {
  readonly nowNs: string;
  readonly marketSeq: string;
  readonly lastFillId: string;
}

export interface WireStats {
  readonly submissions: number;
  readonly duplicateSubmissions: number;
  readonly duplicateClientOrderIds: readonly string[];
}

export interface WireErrorBody {
  readonly field: string;
  readonly value: string;
  readonly rule: string;
  readonly message: string;
}

export type WireResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number | null; readonly ok: false; readonly error: WireErrorBody };
