// The client's requests as wire messages (common/protocol.ts), from the engine's
// VenueAdapter request objects. Pure; arguments are checked before anything is sent, and a
// bad one throws SimVenueArgumentError naming the field, the value and the rule (the server
// checks again: a request that reaches it malformed is a broken invariant of the client).
import { clientOrderIdOf, type VenueCancelRequest, type VenueOrderRequest, type VenueReplaceRequest } from '../../engine/live/index.js';
import { INSTRUMENT_CAPACITY } from '../../engine/layout/memory-map.js';
import { I64_MAX, MAX_MARKET_COUNT, PROTOCOL_VERSION, U64_MAX, type WireFault, type WireRequest, MALFORMED_FRAME_KINDS } from './common/index.js';
import { SimVenueArgumentError } from './errors.js';

function checkAddress(r: { orderId: bigint; clientOrderId: string; instrument: number }, what: string): void {
  if (typeof r.orderId !== 'bigint' || r.orderId < 1n || r.orderId > U64_MAX) throw new SimVenueArgumentError(`${what}.orderId`, r.orderId, 'must be a bigint in [1, 2^64)');
  if (r.clientOrderId !== clientOrderIdOf(r.orderId)) {
    throw new SimVenueArgumentError(`${what}.clientOrderId`, r.clientOrderId, `must be clientOrderIdOf(orderId) (${clientOrderIdOf(r.orderId)})`);
  }
  if (!Number.isInteger(r.instrument) || r.instrument < 0 || r.instrument >= INSTRUMENT_CAPACITY) {
    throw new SimVenueArgumentError(`${what}.instrument`, r.instrument, `must be an integer in [0, ${INSTRUMENT_CAPACITY - 1}]`);
  }
}

function checkFinite(field: string, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SimVenueArgumentError(field, value, 'must be a finite number');
  return value;
}

function checkCode(field: string, value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fff_ffff) throw new SimVenueArgumentError(field, value, 'must be an integer code >= 0');
  return value;
}

export function helloMessage(id: number): WireRequest {
  return { id, op: 'hello', protocol: PROTOCOL_VERSION };
}

export function submitMessage(id: number, order: VenueOrderRequest): WireRequest {
  checkAddress(order, 'order');
  if (typeof order.decisionNs !== 'bigint' || order.decisionNs < 0n || order.decisionNs > I64_MAX) {
    throw new SimVenueArgumentError('order.decisionNs', order.decisionNs, 'must be a bigint in [0, 2^63)');
  }
  return {
    id, op: 'submit',
    orderId: order.orderId.toString(10),
    clientOrderId: order.clientOrderId,
    instrument: order.instrument,
    qty: checkFinite('order.qty', order.qty),
    orderType: checkCode('order.orderType', order.orderType),
    timeInForce: checkCode('order.timeInForce', order.timeInForce),
    limitPrice: checkFinite('order.limitPrice', order.limitPrice),
    stopPrice: checkFinite('order.stopPrice', order.stopPrice),
    flags: checkCode('order.flags', order.flags),
    decisionNs: order.decisionNs.toString(10),
  };
}

export function cancelMessage(id: number, request: VenueCancelRequest): WireRequest {
  checkAddress(request, 'cancel');
  return { id, op: 'cancel', orderId: request.orderId.toString(10), clientOrderId: request.clientOrderId, instrument: request.instrument };
}

export function replaceMessage(id: number, request: VenueReplaceRequest): WireRequest {
  checkAddress(request, 'replace');
  return {
    id, op: 'replace', orderId: request.orderId.toString(10), clientOrderId: request.clientOrderId, instrument: request.instrument,
    qty: checkFinite('replace.qty', request.qty), limitPrice: checkFinite('replace.limitPrice', request.limitPrice), stopPrice: checkFinite('replace.stopPrice', request.stopPrice),
  };
}

export function marketMessage(id: number, fromSeq: bigint, count: number): WireRequest {
  if (typeof fromSeq !== 'bigint' || fromSeq < 1n || fromSeq > I64_MAX) throw new SimVenueArgumentError('fromSeq', fromSeq, 'must be a bigint in [1, 2^63)');
  if (!Number.isInteger(count) || count < 1 || count > MAX_MARKET_COUNT) throw new SimVenueArgumentError('count', count, `must be an integer in [1, ${MAX_MARKET_COUNT}]`);
  return { id, op: 'market', fromSeq: fromSeq.toString(10), count };
}

export function orderMessage(id: number, clientOrderId: string): WireRequest {
  if (typeof clientOrderId !== 'string' || clientOrderId.length === 0 || clientOrderId.length > 64) {
    throw new SimVenueArgumentError('clientOrderId', clientOrderId, 'must be a string of 1 to 64 characters');
  }
  return { id, op: 'order', clientOrderId };
}

export function fillsSinceMessage(id: number, fillId: bigint): WireRequest {
  if (typeof fillId !== 'bigint' || fillId < 0n || fillId > I64_MAX) throw new SimVenueArgumentError('fillId', fillId, 'must be a bigint in [0, 2^63)');
  return { id, op: 'fillsSince', fillId: fillId.toString(10) };
}

export function faultMessage(id: number, fault: WireFault): WireRequest {
  const { dropAfterMessages, delayMs, malformedFrame } = fault;
  if (dropAfterMessages !== undefined && (!Number.isInteger(dropAfterMessages) || dropAfterMessages < 0)) {
    throw new SimVenueArgumentError('fault.dropAfterMessages', dropAfterMessages, 'must be an integer >= 0');
  }
  if (delayMs !== undefined && (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > 60_000)) throw new SimVenueArgumentError('fault.delayMs', delayMs, 'must be an integer in [0, 60000]');
  if (malformedFrame !== undefined && !MALFORMED_FRAME_KINDS.includes(malformedFrame)) {
    throw new SimVenueArgumentError('fault.malformedFrame', malformedFrame, `must be one of ${MALFORMED_FRAME_KINDS.join(', ')}`);
  }
  return { id, op: 'fault', ...fault };
}

export function plainMessage(id: number, op: 'sync' | 'status' | 'openOrders' | 'positions' | 'stats'): WireRequest {
  return { id, op };
}
