// IB codes and their meaning for the engine: order types and times in force (engine/orders
// codes -> TWS strings), TWS order statuses -> engine/orders OrderState, and the TWS error codes
// the adapter acts on (rejects, cancel/modify refusals, pacing, system messages).
import { OrderState, OrderType, TimeInForce } from '../../../engine/orders/index.js';

/** engine/orders OrderType -> TWS orderType; null: not sent to IB (STOP_LIMIT is not wired yet). */
export function ibOrderTypeOf(orderType: number): 'MKT' | 'LMT' | 'STP' | 'TRAIL' | null {
  switch (orderType) {
    case OrderType.MARKET: return 'MKT';
    case OrderType.LIMIT: return 'LMT';
    case OrderType.STOP: return 'STP';
    case OrderType.TRAILING_STOP: return 'TRAIL';
    default: return null;
  }
}

/** engine/orders TimeInForce -> TWS tif; null: IB has no post-only TIF. */
export function ibTimeInForceOf(tif: number): 'GTC' | 'IOC' | 'FOK' | 'DAY' | null {
  switch (tif) {
    case TimeInForce.GTC: return 'GTC';
    case TimeInForce.IOC: return 'IOC';
    case TimeInForce.FOK: return 'FOK';
    case TimeInForce.DAY: return 'DAY';
    default: return null;
  }
}

export const IbStatus = {
  API_PENDING: 'ApiPending', PENDING_SUBMIT: 'PendingSubmit', PENDING_CANCEL: 'PendingCancel', PRE_SUBMITTED: 'PreSubmitted',
  SUBMITTED: 'Submitted', API_CANCELLED: 'ApiCancelled', CANCELLED: 'Cancelled', FILLED: 'Filled', INACTIVE: 'Inactive',
} as const;

/** The engine state of an order whose TWS status is `status` with `filled` of `quantity` (absolute) done. */
export function orderStateOfIbStatus(status: string, filled: number, quantity: number): number {
  switch (status) {
    case IbStatus.API_PENDING:
    case IbStatus.PENDING_SUBMIT: return OrderState.PENDING_SUBMIT;
    case IbStatus.PRE_SUBMITTED:
    case IbStatus.SUBMITTED: return filled > 0 ? OrderState.PARTIALLY_FILLED : OrderState.OPEN;
    case IbStatus.PENDING_CANCEL: return OrderState.PENDING_CANCEL;
    case IbStatus.API_CANCELLED:
    case IbStatus.CANCELLED: return OrderState.CANCELED;
    case IbStatus.FILLED: return filled >= quantity ? OrderState.FILLED : OrderState.PARTIALLY_FILLED;
    case IbStatus.INACTIVE: return OrderState.REJECTED;
    default: return OrderState.UNCERTAIN;
  }
}

/** Reject reasons of REJECT records (named by engine/orders venue-reason-names.ts). */
export const RejectReason = { INVALID: 1, POST_ONLY: 2, UNKNOWN_ORDER: 3, FULL: 4 } as const;
/** Cancel reasons of CANCELED records (named by engine/orders venue-reason-names.ts). */
export const CancelReason = { REQUESTED: 0, UNFILLED: 1 } as const;

/** TWS error codes the adapter acts on. */
export const IbErrorCode = {
  PACING: 100,
  CANNOT_MODIFY_FILLED: 104,
  CANCEL_NOT_CANCELLABLE: 161,
  HISTORICAL_PACING: 162,
  NO_SECURITY_DEFINITION: 200,
  ORDER_REJECTED: 201,
  ORDER_CANCELLED: 202,
  CLIENT_ID_IN_USE: 326,
  CONNECTIVITY_LOST: 1100,
  CONNECTIVITY_RESTORED_DATA_LOST: 1101,
  CONNECTIVITY_RESTORED_DATA_KEPT: 1102,
  CANCEL_NOT_FOUND: 10_147,
  MODIFY_NOT_FOUND: 10_148,
} as const;

/** Codes that end a new order before it works (REJECT of the order). */
export const ORDER_REJECT_CODES: ReadonlySet<number> = new Set([103, 105, 106, 107, 109, 110, 200, 201, 203, 321, 10_006]);
/** Codes that refuse a cancel. */
export const CANCEL_REJECT_CODES: ReadonlySet<number> = new Set([161, 10_147, 10_148]);
/** Informational system codes (farm status and the like): logged, no record. */
export function isInfoCode(code: number): boolean {
  return code >= 2100 && code < 2200;
}
