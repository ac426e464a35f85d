// Decodes the engine's order-flow records on the outbound ring (I/O thread side): ORDER
// records (an accepted order for the venue; layout in wasm/assembly/pipeline/order-stage.ts)
// and risk records (OrderDenied, OrderDeferred, FlattenRequired; REJECT kind, layout in
// wasm/assembly/risk/risk-reasons.ts). Allocates one object per record: orders and risk
// records are rare next to market data, and PROGRESS records are not decoded here.
import { EV_A, EV_ID, EV_INSTRUMENT, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EV_TS_LOCAL, EV_B } from '../layout/event-record.js';
import type { RiskRecord } from '../risk/index.js';

/** An order the engine accepted through the risk checks: the I/O thread sends it to the venue. */
export interface OrderRecord {
  readonly orderId: bigint;
  readonly instrument: number;
  /** Decision time (the bar close), ns. */
  readonly tsNs: bigint;
  /** The risk clock when it was checked, ns. */
  readonly clockNs: bigint;
  /** Reference price: the bar close it was sized at. */
  readonly price: number;
  /** Signed quantity: + buy, - sell. */
  readonly qty: number;
  /** The target position it moves towards. */
  readonly targetQty: number;
  /**
   * The risk reason (RiskReason) of the exposure limit the order was cut to fit, because the
   * target lay beyond it; 0 when the order moves all the way to the target.
   */
  readonly cutBy: number;
}

export function readOrderRecord(view: DataView, offset: number): OrderRecord {
  return {
    orderId: view.getBigInt64(offset + EV_ID, true),
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    tsNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    clockNs: view.getBigInt64(offset + EV_TS_LOCAL, true),
    price: view.getFloat64(offset + EV_PRICE, true),
    qty: view.getFloat64(offset + EV_SIZE, true),
    targetQty: view.getFloat64(offset + EV_A, true),
    cutBy: view.getFloat64(offset + EV_B, true),
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
