// adapters/ib/socket: the TWS socket client (I/O over @stoqey/ib), the message shapes it hands
// on, the pure parse functions from those messages to 64-byte records, and the rules that count
// an execution's new shares (corrections, cumQty).
export { IbSocketClient, backoffDelayMs, seededRandom, REQ_ID_BASE, type IbSocketHandlers, type IbExecutionFilter } from './client.js';
export type { IbBarMessage, IbCommissionMessage, IbContractDetailsMessage, IbExecutionMessage, IbOpenOrderMessage, IbOrderStatusMessage } from './messages.js';
export * from './parse.js';
export * from './executions.js';
export { RealtimeBarAggregator, realtimeBarSeconds, REALTIME_BAR_SECONDS } from './realtime-bar-aggregator.js';
