// The server's edge: checks a request frame's JSON against the protocol (common/protocol.ts)
// and turns it into a typed request. Pure; every failure is a WireFormatError naming the
// field, the value and the rule, which the server sends back as an error reply. Judging an
// order (its type, prices, instrument) is the venue's job, not this module's: only the
// message's shape is checked here.
import { orderIdOfClientOrderId } from '../../../engine/live/index.js';
import {
  checkObject, checkOnlyFields, I64_MAX, MALFORMED_FRAME_KINDS, MAX_CLIENT_ORDER_ID_CHARS, MAX_MARKET_COUNT, MAX_REQUEST_ID, PROTOCOL_VERSION, readDecimal,
  readFinite, readInteger, readString, U64_MAX, WIRE_OPS, WireFormatError, type JsonObject, type MalformedFrameKind, type WireOp,
} from '../common/index.js';

export interface OrderAddress {
  readonly orderId: bigint;
  readonly clientOrderId: string;
  readonly instrument: number;
}

export type Request =
  | { readonly id: number; readonly op: 'hello'; readonly protocol: number }
  | ({
      readonly id: number;
      readonly op: 'submit';
      readonly qty: number;
      readonly orderType: number;
      readonly timeInForce: number;
      readonly limitPrice: number;
      readonly stopPrice: number;
      readonly flags: number;
      readonly decisionNs: bigint;
    } & OrderAddress)
  | ({ readonly id: number; readonly op: 'cancel' } & OrderAddress)
  | ({ readonly id: number; readonly op: 'replace'; readonly qty: number; readonly limitPrice: number; readonly stopPrice: number } & OrderAddress)
  | { readonly id: number; readonly op: 'sync' | 'status' | 'openOrders' | 'positions' | 'stats' }
  | { readonly id: number; readonly op: 'market'; readonly fromSeq: bigint; readonly count: number }
  | { readonly id: number; readonly op: 'order'; readonly clientOrderId: string }
  | { readonly id: number; readonly op: 'fillsSince'; readonly fillId: bigint }
  | { readonly id: number; readonly op: 'fault'; readonly dropAfterMessages?: number; readonly delayMs?: number; readonly malformedFrame?: MalformedFrameKind };

const I32_MAX = 0x7fff_ffff;
const MAX_DELAY_MS = 60_000;
const HEAD = ['id', 'op'];

/** The request id of `value` when it has a readable one (for the error reply), else null. */
export function requestIdOf(value: unknown): number | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as JsonObject).id;
  return typeof id === 'number' && Number.isInteger(id) && id >= 1 && id <= MAX_REQUEST_ID ? id : null;
}

function readAddress(o: JsonObject): OrderAddress {
  const clientOrderId = readString(o, 'clientOrderId', MAX_CLIENT_ORDER_ID_CHARS);
  const orderId = readDecimal(o, 'orderId', 1n, U64_MAX);
  const ours = orderIdOfClientOrderId(clientOrderId);
  if (ours !== orderId) throw new WireFormatError('clientOrderId', clientOrderId, `must be \`qf-<orderId>\` (qf-${orderId})`);
  return { orderId, clientOrderId, instrument: readInteger(o, 'instrument', 0, I32_MAX) };
}

/** Checks the JSON value of a request frame and returns the request it holds. */
export function parseRequest(value: unknown): Request {
  const o = checkObject(value, 'request');
  const id = readInteger(o, 'id', 1, MAX_REQUEST_ID);
  const op = o.op;
  if (typeof op !== 'string' || !(WIRE_OPS as readonly string[]).includes(op)) throw new WireFormatError('op', op, `must be one of ${WIRE_OPS.join(', ')}`);
  switch (op as WireOp) {
    case 'hello': {
      checkOnlyFields(o, [...HEAD, 'protocol']);
      const protocol = readInteger(o, 'protocol', 1, I32_MAX);
      if (protocol !== PROTOCOL_VERSION) throw new WireFormatError('protocol', protocol, `must be ${PROTOCOL_VERSION}, the version this server speaks`);
      return { id, op: 'hello', protocol };
    }
    case 'submit':
      checkOnlyFields(o, [...HEAD, 'orderId', 'clientOrderId', 'instrument', 'qty', 'orderType', 'timeInForce', 'limitPrice', 'stopPrice', 'flags', 'decisionNs']);
      return {
        id, op: 'submit', ...readAddress(o),
        qty: readFinite(o, 'qty'),
        orderType: readInteger(o, 'orderType', 0, I32_MAX),
        timeInForce: readInteger(o, 'timeInForce', 0, I32_MAX),
        limitPrice: readFinite(o, 'limitPrice'),
        stopPrice: readFinite(o, 'stopPrice'),
        flags: readInteger(o, 'flags', 0, I32_MAX),
        decisionNs: readDecimal(o, 'decisionNs', 0n, I64_MAX),
      };
    case 'cancel':
      checkOnlyFields(o, [...HEAD, 'orderId', 'clientOrderId', 'instrument']);
      return { id, op: 'cancel', ...readAddress(o) };
    case 'replace':
      checkOnlyFields(o, [...HEAD, 'orderId', 'clientOrderId', 'instrument', 'qty', 'limitPrice', 'stopPrice']);
      return { id, op: 'replace', ...readAddress(o), qty: readFinite(o, 'qty'), limitPrice: readFinite(o, 'limitPrice'), stopPrice: readFinite(o, 'stopPrice') };
    case 'sync':
    case 'status':
    case 'openOrders':
    case 'positions':
    case 'stats':
      checkOnlyFields(o, HEAD);
      return { id, op: op as 'sync' };
    case 'market':
      checkOnlyFields(o, [...HEAD, 'fromSeq', 'count']);
      return { id, op: 'market', fromSeq: readDecimal(o, 'fromSeq', 1n, I64_MAX), count: readInteger(o, 'count', 1, MAX_MARKET_COUNT) };
    case 'order':
      checkOnlyFields(o, [...HEAD, 'clientOrderId']);
      return { id, op: 'order', clientOrderId: readString(o, 'clientOrderId', MAX_CLIENT_ORDER_ID_CHARS) };
    case 'fillsSince':
      checkOnlyFields(o, [...HEAD, 'fillId']);
      return { id, op: 'fillsSince', fillId: readDecimal(o, 'fillId', 0n, I64_MAX) };
    case 'fault': {
      checkOnlyFields(o, [...HEAD, 'dropAfterMessages', 'delayMs', 'malformedFrame']);
      const fault: { dropAfterMessages?: number; delayMs?: number; malformedFrame?: MalformedFrameKind } = {};
      if (o.dropAfterMessages !== undefined) fault.dropAfterMessages = readInteger(o, 'dropAfterMessages', 0, I32_MAX);
      if (o.delayMs !== undefined) fault.delayMs = readInteger(o, 'delayMs', 0, MAX_DELAY_MS);
      if (o.malformedFrame !== undefined) {
        const kind = o.malformedFrame;
        if (typeof kind !== 'string' || !(MALFORMED_FRAME_KINDS as readonly string[]).includes(kind)) {
          throw new WireFormatError('malformedFrame', kind, `must be one of ${MALFORMED_FRAME_KINDS.join(', ')}`);
        }
        fault.malformedFrame = kind as MalformedFrameKind;
      }
      return { id, op: 'fault', ...fault };
    }
  }
}
