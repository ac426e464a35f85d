// Decodes the engine's records on the outbound ring (I/O thread side), one object per record:
// they are rare next to market data, and PROGRESS records are not decoded here.
//   ORDER, CANCEL, REPLACE  commands for the venue (layouts: wasm/assembly/orders/order-commands.ts)
//   REJECT                  risk records: OrderDenied, OrderDeferred, FlattenRequired (risk/risk-reasons.ts)
//   ACK, FILL, CANCELED, REJECT, EXPIRED with SOURCE_PAPER: the simulated venue's replies, as
//                           the core applied them (orders/order-events.ts)
//   ROUND_TRIP              the trade list, with its extension slot (portfolio/round-trips.ts)
//   ORDER_NOTICE            what the order table could not apply as is (orders/order-notices.ts)
import { EV_A, EV_B, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EventKind, KIND_MASK } from '../layout/event-record.js';
import type { RiskRecord } from '../risk/index.js';

/** A new order the core sends to the venue. */
export interface OrderRecord {
  readonly orderId: bigint;
  readonly instrument: number;
  /** Decision time, ns. */
  readonly tsNs: bigint;
  /** The risk clock when it was checked, ns. */
  readonly clockNs: bigint;
  /** Signed quantity: + buy, - sell. */
  readonly qty: number;
  /** 0 when its type has none. */
  readonly limitPrice: number;
  readonly stopPrice: number;
  /** Codes of wasm/assembly/orders/order-layout.ts. */
  readonly type: number;
  readonly timeInForce: number;
  readonly flags: number;
  /** What created it: the strategy (0) or an exit rule. */
  readonly rule: number;
  /** Risk reason of the exposure limit a strategy order was cut to fit (0: not cut). */
  readonly cutBy: number;
}

/** A cancel or replace request for an order the core sent. */
export interface OrderChangeRecord {
  readonly kind: 'cancel' | 'replace';
  readonly orderId: bigint;
  readonly instrument: number;
  readonly tsNs: bigint;
  /** Cancel: signed leaves when asked; replace: new signed total quantity. */
  readonly qty: number;
  /** Replace: new limit and stop prices (0: none). */
  readonly limitPrice: number;
  readonly stopPrice: number;
  readonly rule: number;
}

/** A reply of the simulated venue as the core applied it (ACK, FILL, CANCELED, REJECT, EXPIRED). */
export interface VenueReport {
  readonly kind: number;
  readonly instrument: number;
  /** Venue time and the time it reached the core, ns. */
  readonly venueNs: bigint;
  readonly receivedNs: bigint;
  readonly price: number;
  readonly size: number;
  readonly a: number;
  readonly b: number;
  readonly orderId: bigint;
  readonly maker: boolean;
}

/** One round trip of the trade list: an entry lot (or part of one) and the fill that closed it. */
export interface RoundTripRecord {
  readonly instrument: number;
  readonly entryNs: bigint;
  readonly exitNs: bigint;
  readonly entryPrice: number;
  /** Signed quantity: + a long trip, - a short one. */
  readonly qty: number;
  readonly exitPrice: number;
  /** Net of both fees' shares, account currency. */
  readonly netPnl: number;
  readonly entryOrderId: bigint;
  readonly exitOrderId: bigint;
  /** (exit - entry) * qty * multiplier, quote currency. */
  readonly grossPnl: number;
  readonly entryFees: number;
  readonly exitFees: number;
  /** Account currency per unit of the quote currency at the exit. */
  readonly rate: number;
  readonly entryRule: number;
  readonly exitRule: number;
}

export interface OrderNoticeRecord {
  readonly instrument: number;
  readonly tsNs: bigint;
  readonly price: number;
  readonly qty: number;
  /** Notice code (wasm/assembly/orders/order-layout.ts NOTICE_*). */
  readonly code: number;
  /** State of the order before the event (0: none). */
  readonly stateBefore: number;
  readonly orderId: bigint;
}

export function readOrderRecord(view: DataView, offset: number): OrderRecord {
  const attributes = view.getFloat64(offset + EV_B, true);
  const low = attributes % 16777216;
  return {
    orderId: view.getBigInt64(offset + EV_ID, true),
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    tsNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    clockNs: view.getBigInt64(offset + EV_TS_LOCAL, true),
    qty: view.getFloat64(offset + EV_SIZE, true),
    limitPrice: view.getFloat64(offset + EV_PRICE, true),
    stopPrice: view.getFloat64(offset + EV_A, true),
    type: low & 15,
    timeInForce: (low >> 4) & 15,
    flags: (low >> 8) & 255,
    rule: (low >> 16) & 255,
    cutBy: Math.floor(attributes / 16777216),
  };
}

export function readOrderChangeRecord(view: DataView, offset: number): OrderChangeRecord {
  const kind = view.getInt32(offset + EV_KIND, true) & KIND_MASK;
  return {
    kind: kind === EventKind.CANCEL ? 'cancel' : 'replace',
    orderId: view.getBigInt64(offset + EV_ID, true),
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    tsNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    qty: view.getFloat64(offset + EV_SIZE, true),
    limitPrice: view.getFloat64(offset + EV_PRICE, true),
    stopPrice: view.getFloat64(offset + EV_A, true),
    rule: view.getFloat64(offset + EV_B, true),
  };
}

export function readVenueReport(view: DataView, offset: number): VenueReport {
  const kind = view.getInt32(offset + EV_KIND, true);
  return {
    kind: kind & KIND_MASK,
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    venueNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    receivedNs: view.getBigInt64(offset + EV_TS_LOCAL, true),
    price: view.getFloat64(offset + EV_PRICE, true),
    size: view.getFloat64(offset + EV_SIZE, true),
    a: view.getFloat64(offset + EV_A, true),
    b: view.getFloat64(offset + EV_B, true),
    orderId: view.getBigInt64(offset + EV_ID, true),
    maker: (kind & EventKind.FLAG_MAKER) !== 0,
  };
}

/** A ROUND_TRIP record at `offset` and its extension at `extension` (the slot `capacity * 64` bytes on). */
export function readRoundTrip(view: DataView, offset: number, extension: number): RoundTripRecord {
  return {
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    entryNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    exitNs: view.getBigInt64(offset + EV_TS_LOCAL, true),
    entryPrice: view.getFloat64(offset + EV_PRICE, true),
    qty: view.getFloat64(offset + EV_SIZE, true),
    exitPrice: view.getFloat64(offset + EV_A, true),
    netPnl: view.getFloat64(offset + EV_B, true),
    entryOrderId: view.getBigInt64(offset + EV_ID, true),
    exitOrderId: view.getBigInt64(extension, true),
    grossPnl: view.getFloat64(extension + 8, true),
    entryFees: view.getFloat64(extension + 16, true),
    exitFees: view.getFloat64(extension + 24, true),
    rate: view.getFloat64(extension + 32, true),
    entryRule: view.getInt32(extension + 40, true),
    exitRule: view.getInt32(extension + 44, true),
  };
}

export function readOrderNotice(view: DataView, offset: number): OrderNoticeRecord {
  return {
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    tsNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    price: view.getFloat64(offset + EV_PRICE, true),
    qty: view.getFloat64(offset + EV_SIZE, true),
    code: view.getFloat64(offset + EV_A, true),
    stateBefore: view.getFloat64(offset + EV_B, true),
    orderId: view.getBigInt64(offset + EV_ID, true),
  };
}

export function readRiskRecord(view: DataView, offset: number): RiskRecord {
  return {
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    tsNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    clockNs: view.getBigInt64(offset + EV_TS_LOCAL, true),
    price: view.getFloat64(offset + EV_PRICE, true),
    qty: view.getFloat64(offset + EV_SIZE, true),
    reason: view.getFloat64(offset + EV_A, true),
    limit: view.getFloat64(offset + EV_B, true),
    orderId: view.getBigInt64(offset + EV_ID, true),
  };
}
