// Decoders of the records the order table writes to the outbound ring: ORDER, CANCEL and
// REPLACE commands (layouts in wasm/assembly/orders/order-commands.ts), ORDER_NOTICE
// (orders/order-notices.ts) and the risk records of refused orders (REJECT kind,
// risk/risk-reasons.ts). Anything else on the ring (round trips of fills, PROGRESS) decodes
// as `other` with its kind. A field a layout fixes (a CANCEL's price, a notice's integer
// code) that holds something else is a broken invariant: the decoder throws and says so.
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind } from '../layout/event-record.js';
import type { RiskRecord } from '../risk/index.js';

const OUT = EventKind.DIRECTION_OUTBOUND;
const ATTRIBUTE_CUT_BY = 16_777_216;

/** The packed `attributes` field of an ORDER record (b): type + 16 tif + 256 flags + 65536 rule + 2^24 cutBy. */
export interface OrderAttributes {
  readonly orderType: number;
  readonly timeInForce: number;
  readonly flags: number;
  readonly rule: number;
  /** Risk reason of the exposure limit a strategy order was cut to fit (0: not cut). */
  readonly cutBy: number;
}

/** What every command record (ORDER, CANCEL, REPLACE) carries: the order, and when. */
interface CommandHead {
  readonly orderId: bigint;
  readonly instrument: number;
  /** Decision time, ns. */
  readonly tsNs: bigint;
  /** Risk clock when the command was written, ns. */
  readonly clockNs: bigint;
}

/** A new order the core sends to the venue (ORDER record). */
export interface OrderCommandRecord extends CommandHead, OrderAttributes {
  readonly record: 'order';
  /** Signed quantity: + buy, - sell. */
  readonly qty: number;
  /** 0 when the type has none. */
  readonly limitPrice: number;
  readonly stopPrice: number;
}

/** A cancel request (CANCEL record). */
export interface CancelCommandRecord extends CommandHead {
  readonly record: 'cancel';
  /** Signed leaves when the cancel was asked. */
  readonly leaves: number;
  /** The rule that asked. */
  readonly rule: number;
}

/** A replace request (REPLACE record). */
export interface ReplaceCommandRecord extends CommandHead {
  readonly record: 'replace';
  /** New signed total quantity (filled + new leaves). */
  readonly qty: number;
  /** New limit and stop prices; 0: none. */
  readonly limitPrice: number;
  readonly stopPrice: number;
  readonly rule: number;
}

/** What the order table tells the I/O thread beyond its commands (ORDER_NOTICE record). */
export interface OrderNoticeRecord {
  readonly record: 'notice';
  readonly orderId: bigint;
  readonly instrument: number;
  /** Time of the event noticed (venue time, or the timer's), ns. */
  readonly tsNs: bigint;
  readonly clockNs: bigint;
  /** The event's price and signed quantity (a timeout: 0 and the signed leaves). */
  readonly price: number;
  readonly qty: number;
  /** NOTICE_* code (order-state.ts NoticeCode). */
  readonly code: number;
  /** State of the order before the event (0: no order). */
  readonly stateBefore: number;
}

/** An order refused before it took an id: OrderDenied or OrderDeferred (REJECT record). */
export interface RiskDenialRecord extends RiskRecord {
  readonly record: 'risk';
}

/** Any other outbound record (round trips of fills, ...), by its kind. */
export interface OtherOutboundRecord {
  readonly record: 'other';
  readonly kind: number;
  readonly instrument: number;
  readonly id: bigint;
}

export type OrderFlowRecord = OrderCommandRecord | CancelCommandRecord | ReplaceCommandRecord | OrderNoticeRecord | RiskDenialRecord | OtherOutboundRecord;

function checkInteger(value: number, field: string, record: string): number {
  if (!Number.isSafeInteger(value)) throw new Error(`${record} record: \`${field}\` must be an integer, was ${value}`);
  return value;
}

function checkZero(value: number, field: string, record: string): void {
  if (!Object.is(value, 0)) throw new Error(`${record} record: \`${field}\` must be 0, was ${value}`);
}

export function decodeOrderAttributes(attributes: number): OrderAttributes {
  if (checkInteger(attributes, 'attributes', 'ORDER') < 0) throw new Error(`ORDER record: \`attributes\` must be >= 0, was ${attributes}`);
  const low = attributes % ATTRIBUTE_CUT_BY;
  return {
    orderType: low & 0xf,
    timeInForce: (low >> 4) & 0xf,
    flags: (low >> 8) & 0xff,
    rule: (low >> 16) & 0xff,
    cutBy: (attributes - low) / ATTRIBUTE_CUT_BY,
  };
}

export function encodeOrderAttributes(attributes: OrderAttributes): number {
  const { orderType, timeInForce, flags, rule, cutBy } = attributes;
  return orderType + timeInForce * 16 + flags * 256 + rule * 65_536 + cutBy * ATTRIBUTE_CUT_BY;
}

/** Decodes the outbound record at byte `offset` of `view` (kinds: see the header). */
export function decodeOrderFlowRecord(view: DataView, offset: number): OrderFlowRecord {
  const kind = view.getInt32(offset + EV_KIND, true);
  const instrument = view.getInt32(offset + EV_INSTRUMENT, true);
  const tsNs = view.getBigInt64(offset + EV_TS_EXCHANGE, true);
  const clockNs = view.getBigInt64(offset + EV_TS_LOCAL, true);
  const price = view.getFloat64(offset + EV_PRICE, true);
  const size = view.getFloat64(offset + EV_SIZE, true);
  const a = view.getFloat64(offset + EV_A, true);
  const b = view.getFloat64(offset + EV_B, true);
  const unsignedId = view.getBigUint64(offset + EV_ID, true);
  switch (kind) {
    case EventKind.ORDER | OUT:
      return { record: 'order', orderId: unsignedId, instrument, tsNs, clockNs, qty: size, limitPrice: price, stopPrice: a, ...decodeOrderAttributes(b) };
    case EventKind.CANCEL | OUT:
      checkZero(price, 'price', 'CANCEL');
      checkZero(a, 'a', 'CANCEL');
      return { record: 'cancel', orderId: unsignedId, instrument, tsNs, clockNs, leaves: size, rule: checkInteger(b, 'rule', 'CANCEL') };
    case EventKind.REPLACE | OUT:
      return { record: 'replace', orderId: unsignedId, instrument, tsNs, clockNs, qty: size, limitPrice: price, stopPrice: a, rule: checkInteger(b, 'rule', 'REPLACE') };
    case EventKind.ORDER_NOTICE | OUT:
      return {
        record: 'notice', orderId: unsignedId, instrument, tsNs, clockNs, price, qty: size,
        code: checkInteger(a, 'code', 'ORDER_NOTICE'), stateBefore: checkInteger(b, 'stateBefore', 'ORDER_NOTICE'),
      };
    case EventKind.REJECT | OUT:
      return { record: 'risk', instrument, tsNs, clockNs, price, qty: size, reason: a, limit: b, orderId: view.getBigInt64(offset + EV_ID, true) };
    default:
      return { record: 'other', kind, instrument, id: unsignedId };
  }
}
