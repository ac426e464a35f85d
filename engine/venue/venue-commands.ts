// Commands to the simulated venue as plain objects (new order, cancel, replace) and their
// records, laid out as the core's order stage writes them (header of
// wasm/assembly/orders/order-commands.ts): ORDER price = limit, size = signed qty, a = stop,
// b = type + 16 * tif + 256 * flags; CANCEL size = signed leaves asked; REPLACE price = new
// limit, size = new signed total, a = new stop; id = client order id; both times = sent at.
import { EventKind, KIND_MASK } from '../layout/event-record.js';
import { INSTRUMENT_CAPACITY } from '../layout/memory-map.js';
import { decodeOrderAttributes, encodeOrderAttributes, OrderFlag, OrderType, TimeInForce } from '../orders/index.js';
import type { VenueRecord } from './venue-record.js';

export type VenueOrderType = 'market' | 'limit' | 'stop' | 'stop-limit';
export type VenueTimeInForce = 'gtc' | 'ioc' | 'fok' | 'day' | 'post-only';

export interface VenueOrderCommand {
  readonly type: 'order';
  readonly instrument: number;
  readonly clientId: bigint;
  /** Signed: + buy, - sell. */
  readonly qty: number;
  readonly orderType: VenueOrderType;
  /** Default gtc. */
  readonly timeInForce?: VenueTimeInForce;
  readonly reduceOnly?: boolean;
  /** 0 or absent: none (the venue rejects a limit or stop-limit without one). */
  readonly limitPrice?: number;
  readonly stopPrice?: number;
}

export interface VenueCancelCommand {
  readonly type: 'cancel';
  readonly instrument: number;
  readonly clientId: bigint;
  /** Signed leaves as the sender saw them (default 0); echoed in a REJECT of the cancel. */
  readonly qty?: number;
}

export interface VenueReplaceCommand {
  readonly type: 'replace';
  readonly instrument: number;
  readonly clientId: bigint;
  /** New signed total quantity (filled + new leaves). */
  readonly qty: number;
  /** 0 or absent: unchanged. */
  readonly limitPrice?: number;
  readonly stopPrice?: number;
}

export type VenueCommand = VenueOrderCommand | VenueCancelCommand | VenueReplaceCommand;

export const ORDER_TYPE_CODES: Readonly<Record<VenueOrderType, number>> = {
  market: OrderType.MARKET, limit: OrderType.LIMIT, stop: OrderType.STOP, 'stop-limit': OrderType.STOP_LIMIT,
};
export const TIME_IN_FORCE_CODES: Readonly<Record<VenueTimeInForce, number>> = {
  gtc: TimeInForce.GTC, ioc: TimeInForce.IOC, fok: TimeInForce.FOK, day: TimeInForce.DAY, 'post-only': TimeInForce.POST_ONLY,
};

const U64_LIMIT = 1n << 64n;

function nameOf<T extends string>(codes: Readonly<Record<T, number>>, code: number, what: string): T {
  const name = (Object.keys(codes) as T[]).find((key) => codes[key] === code);
  if (name === undefined) throw new Error(`venue command record holds ${what} code ${code}, which no command encodes`);
  return name;
}

function checkAddress(command: VenueCommand): void {
  if (!Number.isInteger(command.instrument) || command.instrument < 0 || command.instrument >= INSTRUMENT_CAPACITY) {
    throw new RangeError(`\`instrument\` of a ${command.type} command must be an integer in [0, ${INSTRUMENT_CAPACITY - 1}], was ${command.instrument}`);
  }
  if (typeof command.clientId !== 'bigint' || command.clientId < 0n || command.clientId >= U64_LIMIT) {
    throw new RangeError(`\`clientId\` of a ${command.type} command must be a bigint in [0, 2^64), was ${String(command.clientId)}`);
  }
}

function checkCode<T extends string>(field: string, value: T, codes: Readonly<Record<T, number>>): number {
  if (!Object.prototype.hasOwnProperty.call(codes, value)) throw new RangeError(`\`${field}\` must be one of ${Object.keys(codes).join(', ')}, was ${JSON.stringify(value)}`);
  return codes[value];
}

/** The record of `command` sent at `nowNs`. Prices and quantities go as given: judging them is the venue's job. */
export function encodeVenueCommand(command: VenueCommand, nowNs: bigint): VenueRecord {
  checkAddress(command);
  const head = { instrument: command.instrument, tsExchange: nowNs, tsLocal: nowNs, id: command.clientId };
  switch (command.type) {
    case 'order': {
      const type = checkCode('orderType', command.orderType, ORDER_TYPE_CODES);
      const tif = checkCode('timeInForce', command.timeInForce ?? 'gtc', TIME_IN_FORCE_CODES);
      const flags = command.reduceOnly ? OrderFlag.REDUCE_ONLY : 0;
      const b = encodeOrderAttributes({ orderType: type, timeInForce: tif, flags, rule: 0, cutBy: 0 });
      return { ...head, kind: EventKind.ORDER | EventKind.DIRECTION_OUTBOUND, price: command.limitPrice ?? 0, size: command.qty, a: command.stopPrice ?? 0, b };
    }
    case 'cancel':
      return { ...head, kind: EventKind.CANCEL | EventKind.DIRECTION_OUTBOUND, price: 0, size: command.qty ?? 0, a: 0, b: 0 };
    case 'replace':
      return { ...head, kind: EventKind.REPLACE | EventKind.DIRECTION_OUTBOUND, price: command.limitPrice ?? 0, size: command.qty, a: command.stopPrice ?? 0, b: 0 };
  }
}

/** The command a command record holds (every field explicit). */
export function decodeVenueCommand(r: VenueRecord): VenueCommand {
  const kind = r.kind & KIND_MASK;
  const head = { instrument: r.instrument, clientId: r.id };
  if (kind === EventKind.ORDER) {
    const attributes = decodeOrderAttributes(r.b);
    return {
      type: 'order',
      ...head,
      qty: r.size,
      orderType: nameOf(ORDER_TYPE_CODES, attributes.orderType, 'order type'),
      timeInForce: nameOf(TIME_IN_FORCE_CODES, attributes.timeInForce, 'time in force'),
      reduceOnly: (attributes.flags & OrderFlag.REDUCE_ONLY) !== 0,
      limitPrice: r.price,
      stopPrice: r.a,
    };
  }
  if (kind === EventKind.CANCEL) return { type: 'cancel', ...head, qty: r.size };
  if (kind === EventKind.REPLACE) return { type: 'replace', ...head, qty: r.size, limitPrice: r.price, stopPrice: r.a };
  throw new Error(`record of kind ${r.kind} is not a venue command (ORDER, CANCEL or REPLACE)`);
}
