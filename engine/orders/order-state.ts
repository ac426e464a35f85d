// Names of the order table's codes: order states, types, times in force, flags, the rules
// that create orders, and ORDER_NOTICE codes. The numbers are order-layout.ts's (mirror of
// wasm/assembly/orders/order-layout.ts, where each code is explained); this module only
// names them, for messages, reports and tests.
import * as L from './order-layout.js';

export const OrderState = {
  EMPTY: L.STATE_EMPTY,
  NEW: L.STATE_NEW,
  PENDING_SUBMIT: L.STATE_PENDING_SUBMIT,
  OPEN: L.STATE_OPEN,
  PARTIALLY_FILLED: L.STATE_PARTIALLY_FILLED,
  FILLED: L.STATE_FILLED,
  PENDING_CANCEL: L.STATE_PENDING_CANCEL,
  PENDING_REPLACE: L.STATE_PENDING_REPLACE,
  CANCELED: L.STATE_CANCELED,
  REJECTED: L.STATE_REJECTED,
  EXPIRED: L.STATE_EXPIRED,
  UNCERTAIN: L.STATE_UNCERTAIN,
} as const;

export const OrderType = {
  MARKET: L.TYPE_MARKET,
  LIMIT: L.TYPE_LIMIT,
  STOP: L.TYPE_STOP,
  STOP_LIMIT: L.TYPE_STOP_LIMIT,
  TRAILING_STOP: L.TYPE_TRAILING_STOP,
} as const;

export const TimeInForce = {
  GTC: L.TIF_GTC,
  IOC: L.TIF_IOC,
  FOK: L.TIF_FOK,
  DAY: L.TIF_DAY,
  POST_ONLY: L.TIF_POST_ONLY,
} as const;

export const OrderFlag = {
  REDUCE_ONLY: L.FLAG_REDUCE_ONLY,
  EMULATED: L.FLAG_EMULATED,
  /** A venue order reconciliation adopted (policy 'adopt'): venueOrderId is the venue's id of it. */
  ADOPTED: L.FLAG_ADOPTED,
} as const;

export const OrderRule = {
  STRATEGY: L.RULE_STRATEGY,
  STOP: L.RULE_STOP,
  ATR_STOP: L.RULE_ATR_STOP,
  TRAILING_STOP: L.RULE_TRAILING_STOP,
  TARGET_1: L.RULE_TARGET,
  TARGET_2: L.RULE_TARGET + 1,
  TARGET_3: L.RULE_TARGET + 2,
  TARGET_4: L.RULE_TARGET + 3,
  MAX_HOLD: L.RULE_MAX_HOLD,
  MANUAL: L.RULE_MANUAL,
} as const;

export const NoticeCode = {
  UNKNOWN_ORDER: L.NOTICE_UNKNOWN_ORDER,
  DUPLICATE_FILL: L.NOTICE_DUPLICATE_FILL,
  DUPLICATE_EVENT: L.NOTICE_DUPLICATE_EVENT,
  LATE_EVENT: L.NOTICE_LATE_EVENT,
  ILLEGAL_TRANSITION: L.NOTICE_ILLEGAL_TRANSITION,
  OVERFILL: L.NOTICE_OVERFILL,
  FILL_AFTER_CLOSE: L.NOTICE_FILL_AFTER_CLOSE,
  ACK_TIMEOUT: L.NOTICE_ACK_TIMEOUT,
  CANCEL_TIMEOUT: L.NOTICE_CANCEL_TIMEOUT,
  REPLACE_TIMEOUT: L.NOTICE_REPLACE_TIMEOUT,
  FILL_MISMATCH: L.NOTICE_FILL_MISMATCH,
  ORDER_ALIVE: L.NOTICE_ORDER_ALIVE,
  WRONG_SIDE: L.NOTICE_WRONG_SIDE,
  RESOLVED: L.NOTICE_RESOLVED,
  QUEUE_FULL: L.NOTICE_QUEUE_FULL,
} as const;

export type OrderStateName = keyof typeof OrderState;
export type OrderTypeName = keyof typeof OrderType;
export type TimeInForceName = keyof typeof TimeInForce;
export type OrderRuleName = keyof typeof OrderRule;
export type NoticeCodeName = keyof typeof NoticeCode;

function namer<N extends string>(table: Record<N, number>, what: string): (code: number) => N {
  const names = new Map<number, N>(Object.entries(table).map(([name, code]) => [code as number, name as N]));
  return (code) => {
    const name = names.get(code);
    if (name === undefined) throw new Error(`${what} code must be one of ${[...names.keys()].join(', ')}, was ${code}`);
    return name;
  };
}

/** Name of an order state code; throws for a code the table does not know. */
export const orderStateName = namer(OrderState, 'order state');
export const orderTypeName = namer(OrderType, 'order type');
export const timeInForceName = namer(TimeInForce, 'time in force');
export const orderRuleName = namer(OrderRule, 'order rule');
export const noticeCodeName = namer(NoticeCode, 'order notice');

/** FILLED, CANCELED, REJECTED and EXPIRED are final: an order never leaves them. */
export function isTerminalState(state: number): boolean {
  return state === L.STATE_FILLED || state === L.STATE_CANCELED || state === L.STATE_REJECTED || state === L.STATE_EXPIRED;
}

/** Held, in flight, working or UNCERTAIN: the order holds its slot. */
export function isLiveState(state: number): boolean {
  return state !== L.STATE_EMPTY && !isTerminalState(state);
}
