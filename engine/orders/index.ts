// Public API of engine/orders: the core's order table behind the OrderManager contract (the
// WASM glue; the plain TS reference is in ./reference), the decoders of the records it
// writes, readers of its region, the names of its codes (and of why orders ended: the venue's
// reason codes, one table for every reader) and the
// region's layout.
export {
  withOrderDefaults,
  type ChangeResult, type CompleteOrder, type InstrumentOrders, type NewOrder, type OrderManager, type OrderTableConfig, type PlaceResult,
  type ReplaceRequest, type TimerResult, type VenueEvent,
} from './order-manager.js';
export { WasmOrderManager, type OrderCoreExports } from './wasm-order-manager.js';
export {
  decodeOrderAttributes, decodeOrderFlowRecord, encodeOrderAttributes,
  type CancelCommandRecord, type OrderAttributes, type OrderCommandRecord, type OrderFlowRecord, type OrderNoticeRecord, type OtherOutboundRecord,
  type ReplaceCommandRecord, type RiskDenialRecord,
} from './order-records.js';
export {
  orderSlotOffset, readInstrumentOrderIndex, readOrderSlot, readOrderTableCounters,
  type EndReasonBuckets, type InstrumentOrderIndex, type OrderSlotState, type OrderTableCounters,
} from './read-order-table.js';
export { HIGHER_CODES_REASON, RECONCILED_REASON, UNRECORDED_REASON, endReasonCounts, orderEndReasonName, type EndedOrdersByReason } from './order-end-reason.js';
export {
  NoticeCode, OrderFlag, OrderRule, OrderState, OrderType, TimeInForce, isLiveState, isTerminalState, noticeCodeName, orderRuleName,
  orderStateName, orderTypeName, timeInForceName,
  type NoticeCodeName, type OrderRuleName, type OrderStateName, type OrderTypeName, type TimeInForceName,
} from './order-state.js';
export {
  CANCEL_REASON_NAMES, EXPIRY_REASON_NAMES, REJECT_DUPLICATE_CLIENT_ORDER_ID, REJECT_LOST_BEFORE_VENUE, REJECT_REASON_NAMES, REJECT_WITHHELD_BY_KILL_SWITCH, cancelReasonName, expiryReasonName,
  rejectReasonName, unknownReasonName, type CancelReasonName, type ExpiryReasonName, type RejectReasonName, type UnknownReasonName,
} from './venue-reason-names.js';
export * as OrderLayout from './order-layout.js';
