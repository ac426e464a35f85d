// Pure functions from IB messages to the engine's 64-byte inbound records (engine/live
// venue-adapter.ts conventions), over an immutable per-order track. No I/O, no clock: the caller
// passes the local time. Tested on recorded fixtures (test/ib-parse.test.ts).
//
//   ACK      on the first PreSubmitted / Submitted (or synthesized before the first fill or a
//            Filled / Cancelled status that arrives first); a = 1 when it confirms a modify
//            (the OPEN_ORDER that carries the new quantity and prices), b = IB orderId
//   FILL     one per execId (duplicates dropped by the caller), price, signed shares,
//            a = commission (USD, from COMMISSION_REPORT: see "Commissions" below), b = fill id,
//            FLAG_MAKER when lastLiquidity = 1; ts_exchange = execution time
//   CANCELED on Cancelled / ApiCancelled: size = signed remaining; when the status says more was
//            filled than the executions seen so far, it waits (track.pendingCancel) for them
//   REJECT   on an order error (201, 200, ...) or Inactive: b = 0; a refused cancel (161, 10147):
//            b = 1; a refused modify (104, or 201 on a working order): b = 2. a = reason code
//            (1 invalid, 3 unknown order), price = the TWS error code (informational)
//   ORDER_STATUS (reconciliation) price = avg fill price, size = signed filled, a = OrderState,
//            b = signed quantity
//   QUOTE / TRADE / BAR as the replay tape writes them (engine/replay/market-stream.ts)
//
// Commissions: TWS sends COMMISSION_REPORT after EXECUTION_DATA, keyed by execId. A FILL record is
// built at the execution with a = 0 and its fee is written in place when the report arrives; the
// adapter holds that record, and every later record of the same order, until then (or until
// commissionWaitMs passes: the FILL then goes out with fee 0 and the adapter counts it). The fee is
// never amended after the record is published.
import { EventKind, EVENT_BYTES, EV_A, f64Bits, storeEventRecord } from '../../../engine/layout/event-record.js';
import { OrderState } from '../../../engine/orders/index.js';
import type { VenueOrderView } from '../../../engine/live/index.js';
import {
  CANCEL_REJECT_CODES, CancelReason, IbErrorCode, IbStatus, ORDER_REJECT_CODES, orderStateOfIbStatus, RejectReason,
} from '../common/index.js';
import type { IbBarMessage, IbContractDetailsMessage, IbExecutionMessage, IbOpenOrderMessage, IbOrderStatusMessage } from './messages.js';

export const LIVE_INBOUND = EventKind.SOURCE_LIVE | EventKind.DIRECTION_INBOUND;
const NS_PER_S = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;

/** The adapter's view of one order of ours. Parse functions return a new track; they never mutate. */
export interface OrderTrack {
  readonly orderId: bigint;
  readonly clientOrderId: string;
  readonly ibOrderId: number;
  readonly instrument: number;
  /** Signed quantity (+ buy, - sell). */
  readonly qty: number;
  readonly limitPrice: number;
  readonly stopPrice: number;
  readonly acked: boolean;
  /** A terminal record (FILLED by executions, CANCELED, REJECT of the order) went out. */
  readonly closed: boolean;
  /** Absolute quantity filled by the executions seen. */
  readonly execFilled: number;
  readonly execNotional: number;
  /** The latest TWS status and its filled quantity. */
  readonly status: string;
  readonly statusFilled: number;
  /** A modify in flight: the new signed quantity and prices. */
  readonly replace: { readonly qty: number; readonly limitPrice: number; readonly stopPrice: number } | null;
  readonly cancelRequested: boolean;
  /** Cancelled status seen with more filled than execFilled: the CANCELED waits for executions. */
  readonly pendingCancel: { readonly statusFilled: number } | null;
  /** The order was rebuilt from executions alone (a restart): its quantity is the largest cumQty seen, not the order's. */
  readonly qtyFromExecutions?: boolean;
}

export interface ParseResult {
  readonly track: OrderTrack;
  readonly records: Uint8Array[];
}

export function newOrderTrack(o: { orderId: bigint; clientOrderId: string; ibOrderId: number; instrument: number; qty: number; limitPrice: number; stopPrice: number }): OrderTrack {
  return {
    ...o, acked: false, closed: false, execFilled: 0, execNotional: 0, status: IbStatus.API_PENDING, statusFilled: 0, replace: null,
    cancelRequested: false, pendingCancel: null,
  };
}

/** A 64-byte record (kind gets SOURCE_LIVE | DIRECTION_INBOUND). */
export function liveRecord(kind: number, instrument: number, tsExchange: bigint, tsLocal: bigint, price: number, size: number, a: number, b: number, id: bigint): Uint8Array {
  const bytes = new Uint8Array(EVENT_BYTES);
  storeEventRecord(new DataView(bytes.buffer), 0, { kind: kind | LIVE_INBOUND, instrument, tsExchange, tsLocal: tsLocal < tsExchange ? tsExchange : tsLocal, price, size, a, b, id });
  return bytes;
}

/** Writes the fee of a FILL record in place (the commission arrived). */
export function setFillFee(record: Uint8Array, fee: number): void {
  new DataView(record.buffer, record.byteOffset, record.byteLength).setFloat64(EV_A, fee, true);
}

/** Execution time -> ns since the epoch ("yyyymmdd-hh:mm:ss" or "yyyymmdd  hh:mm:ss[ zone]", read as UTC); null when it is neither. */
export function executionTimeNs(time: unknown): bigint | null {
  if (typeof time !== 'string') return null;
  const m = /^(\d{4})(\d{2})(\d{2})[- ]+(\d{2}):(\d{2}):(\d{2})/.exec(time.trim());
  if (!m) return null;
  const [month, day, hour, minute, second] = [+m[2], +m[3], +m[4], +m[5], +m[6]];
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  return BigInt(Date.UTC(+m[1], month - 1, day, hour, minute, second)) * NS_PER_MS;
}

/** executionTimeNs, throwing when the time is not one of its forms. */
export function parseExecutionTime(time: string): bigint {
  const ns = executionTimeNs(time);
  if (ns === null) throw new Error(`IB execution ${executionTimeRule(time)}`);
  return ns;
}

const shown = (v: unknown) => (typeof v === 'number' ? String(v) : JSON.stringify(v));
const executionTimeRule = (time: unknown) => `\`time\` must be "yyyymmdd-hh:mm:ss" or "yyyymmdd  hh:mm:ss[ zone]", was ${shown(time)}`;

/**
 * Why an execution cannot be counted, naming the field, its value and the rule; null when it can.
 * The adapter checks this before it changes any state, so a malformed EXECUTION_DATA is skipped
 * whole (logged) instead of half-applied or thrown out of the socket's event handler.
 */
export function executionProblem(e: IbExecutionMessage): string | null {
  if (typeof e.execId !== 'string' || e.execId === '') return `\`execId\` must be a non-empty string, was ${shown(e.execId)}`;
  if (executionTimeNs(e.time) === null) return executionTimeRule(e.time);
  if (e.side !== 'BOT' && e.side !== 'SLD') return `\`side\` must be "BOT" or "SLD", was ${shown(e.side)}`;
  if (!(Number.isFinite(e.shares) && e.shares > 0)) return `\`shares\` must be a finite number > 0, was ${shown(e.shares)}`;
  if (!(Number.isFinite(e.price) && e.price > 0)) return `\`price\` must be a finite number > 0, was ${shown(e.price)}`;
  if (!(Number.isFinite(e.cumQty) && e.cumQty >= e.shares)) return `\`cumQty\` must be a finite number at least \`shares\` (${e.shares}), was ${shown(e.cumQty)}`;
  return null;
}

/** ns since the epoch -> the ExecutionFilter time "yyyymmdd-hh:mm:ss" (UTC). */
export function executionFilterTime(ns: bigint): string {
  const d = new Date(Number(ns / NS_PER_MS));
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

const sign = (qty: number) => (qty < 0 ? -1 : 1);

function ack(t: OrderTrack, ts: bigint): Uint8Array {
  return liveRecord(EventKind.ACK, t.instrument, ts, ts, t.limitPrice, t.qty, 0, t.ibOrderId, t.orderId);
}

function canceled(t: OrderTrack, ts: bigint, remaining: number): Uint8Array {
  const reason = t.cancelRequested ? CancelReason.REQUESTED : CancelReason.UNFILLED;
  return liveRecord(EventKind.CANCELED, t.instrument, ts, ts, 0, sign(t.qty) * remaining, reason, 0, t.orderId);
}

/** ORDER_STATUS (orderStatus event). */
export function parseOrderStatus(t: OrderTrack, m: IbOrderStatusMessage, ts: bigint): ParseResult {
  let track: OrderTrack = { ...t, status: m.status, statusFilled: Math.max(t.statusFilled, m.filled) };
  const records: Uint8Array[] = [];
  if (track.closed) return { track, records };
  switch (m.status) {
    case IbStatus.PRE_SUBMITTED:
    case IbStatus.SUBMITTED:
    case IbStatus.FILLED:
      if (!track.acked) {
        records.push(ack(track, ts));
        track = { ...track, acked: true };
      }
      break;
    case IbStatus.CANCELLED:
    case IbStatus.API_CANCELLED: {
      if (!track.acked) {
        records.push(ack(track, ts));
        track = { ...track, acked: true };
      }
      if (m.filled > track.execFilled) {
        track = { ...track, pendingCancel: { statusFilled: m.filled } };
      } else {
        records.push(canceled(track, ts, Math.abs(track.qty) - track.execFilled));
        track = { ...track, closed: true, pendingCancel: null };
      }
      break;
    }
    case IbStatus.INACTIVE:
      records.push(liveRecord(EventKind.REJECT, track.instrument, ts, ts, 0, track.qty, RejectReason.INVALID, 0, track.orderId));
      track = { ...track, closed: true };
      break;
    default:
      break;
  }
  return { track, records };
}

/**
 * One execution (already deduplicated by execId, its new shares counted by executions.ts
 * countExecution and given as e.shares): ACK first if none went out, then the FILL (fee 0 until
 * setFillFee), then a waiting CANCELED.
 */
export function parseExecution(t: OrderTrack, e: IbExecutionMessage, fillId: number, ts: bigint): ParseResult {
  const records: Uint8Array[] = [];
  let track = t;
  if (track.qtyFromExecutions && e.cumQty > Math.abs(track.qty)) track = { ...track, qty: sign(track.qty) * e.cumQty };
  const tsExchange = parseExecutionTime(e.time);
  if (!track.acked) {
    records.push(ack(track, ts < tsExchange ? tsExchange : ts));
    track = { ...track, acked: true };
  }
  const signed = e.side === 'SLD' ? -e.shares : e.shares;
  const maker = e.lastLiquidity === 1 ? EventKind.FLAG_MAKER : 0;
  records.push(liveRecord(EventKind.FILL | maker, track.instrument, tsExchange, ts, e.price, signed, 0, fillId, track.orderId));
  const execFilled = track.execFilled + e.shares;
  track = { ...track, execFilled, execNotional: track.execNotional + e.shares * e.price };
  if (execFilled >= Math.abs(track.qty)) track = { ...track, closed: true, pendingCancel: null };
  else if (track.pendingCancel && execFilled >= track.pendingCancel.statusFilled) {
    records.push(canceled(track, ts, Math.abs(track.qty) - execFilled));
    track = { ...track, closed: true, pendingCancel: null };
  }
  return { track, records };
}

/** An error event about this order (reqId = IB orderId). Returns no record for codes that are not a refusal. */
export function parseOrderError(t: OrderTrack, code: number, ts: bigint): ParseResult {
  const none = { track: t, records: [] };
  if (code === IbErrorCode.ORDER_CANCELLED) return none; // the Cancelled status carries it
  if (t.cancelRequested && CANCEL_REJECT_CODES.has(code)) {
    return { track: { ...t, cancelRequested: false }, records: [liveRecord(EventKind.REJECT, t.instrument, ts, ts, code, t.qty, RejectReason.UNKNOWN_ORDER, 1, t.orderId)] };
  }
  if (t.replace && (code === IbErrorCode.CANNOT_MODIFY_FILLED || code === IbErrorCode.MODIFY_NOT_FOUND || (t.acked && ORDER_REJECT_CODES.has(code)))) {
    const reason = code === IbErrorCode.ORDER_REJECTED ? RejectReason.INVALID : RejectReason.UNKNOWN_ORDER;
    return { track: { ...t, replace: null }, records: [liveRecord(EventKind.REJECT, t.instrument, ts, ts, code, t.replace.qty, reason, 2, t.orderId)] };
  }
  if (!t.closed && !t.acked && ORDER_REJECT_CODES.has(code)) {
    return { track: { ...t, closed: true }, records: [liveRecord(EventKind.REJECT, t.instrument, ts, ts, code, t.qty, RejectReason.INVALID, 0, t.orderId)] };
  }
  return none;
}

/** An OPEN_ORDER: confirms a modify in flight when it carries the new quantity and prices (ACK a = 1). */
export function parseOpenOrder(t: OrderTrack, m: IbOpenOrderMessage, ts: bigint): ParseResult {
  const r = t.replace;
  if (!r || t.closed) return { track: t, records: [] };
  const price = m.orderType === 'LMT' ? m.lmtPrice ?? 0 : 0;
  const stop = m.orderType === 'STP' || m.orderType === 'TRAIL' ? m.auxPrice ?? 0 : 0;
  const matches = m.totalQuantity === Math.abs(r.qty) && (r.limitPrice === 0 || price === r.limitPrice) && (r.stopPrice === 0 || stop === r.stopPrice || m.orderType === 'TRAIL');
  if (!matches) return { track: t, records: [] };
  const track: OrderTrack = { ...t, qty: r.qty, limitPrice: r.limitPrice, stopPrice: r.stopPrice, replace: null, acked: true };
  return { track, records: [liveRecord(EventKind.ACK, t.instrument, ts, ts, r.limitPrice, r.qty, 1, t.ibOrderId, t.orderId)] };
}

/** The engine state of a track, from what the venue said. */
export function trackState(t: OrderTrack): number {
  if (t.execFilled >= Math.abs(t.qty) && t.execFilled > 0) return OrderState.FILLED;
  const s = orderStateOfIbStatus(t.status, t.statusFilled, Math.abs(t.qty));
  if (s === OrderState.OPEN && t.execFilled > 0) return OrderState.PARTIALLY_FILLED;
  return s;
}

export function orderView(t: OrderTrack, submissions: number): VenueOrderView {
  return {
    orderId: t.orderId, clientOrderId: t.clientOrderId, instrument: t.instrument, state: trackState(t), qty: t.qty,
    filled: sign(t.qty) * t.execFilled, avgPrice: t.execFilled > 0 ? t.execNotional / t.execFilled : 0, submissions,
  };
}

/** ORDER_STATUS record (reconciliation). */
export function statusRecord(t: OrderTrack, ts: bigint): Uint8Array {
  const v = orderView(t, 1);
  return liveRecord(EventKind.ORDER_STATUS, t.instrument, ts, ts, v.avgPrice, v.filled, v.state, t.qty, t.orderId);
}

// ---- market data --------------------------------------------------------------------------

export const TickType = { BID_SIZE: 0, BID: 1, ASK: 2, ASK_SIZE: 3, LAST: 4, LAST_SIZE: 5 } as const;

/** The top of book of one stream as ticks build it. */
export interface QuoteState {
  readonly bid: number;
  readonly ask: number;
  readonly bidSize: number;
  readonly askSize: number;
  readonly last: number;
}

export const EMPTY_QUOTE: QuoteState = { bid: 0, ask: 0, bidSize: 0, askSize: 0, last: 0 };

/** tickPrice: updates the state (no record: the size tick that follows completes it). */
export function applyTickPrice(q: QuoteState, tickType: number, price: number): QuoteState {
  if (!(price > 0)) return q;
  if (tickType === TickType.BID) return { ...q, bid: price };
  if (tickType === TickType.ASK) return { ...q, ask: price };
  if (tickType === TickType.LAST) return { ...q, last: price };
  return q;
}

/** tickSize: a bid/ask size completes a QUOTE (when both sides are known and not crossed), a last size a TRADE. */
export function applyTickSize(q: QuoteState, tickType: number, size: number, instrument: number, ts: bigint): { state: QuoteState; record: Uint8Array | null } {
  const s = Number.isFinite(size) && size >= 0 ? size : 0;
  if (tickType === TickType.BID_SIZE || tickType === TickType.ASK_SIZE) {
    const state = tickType === TickType.BID_SIZE ? { ...q, bidSize: s } : { ...q, askSize: s };
    if (!(state.bid > 0 && state.ask >= state.bid)) return { state, record: null };
    return { state, record: liveRecord(EventKind.QUOTE, instrument, ts, ts, (state.bid + state.ask) / 2, state.bidSize, state.bid, state.ask, f64Bits(state.askSize)) };
  }
  if (tickType === TickType.LAST_SIZE && q.last > 0) return { state: q, record: liveRecord(EventKind.TRADE, instrument, ts, ts, q.last, s, 0, 0, 0n) };
  return { state: q, record: null };
}

/**
 * A bar (real-time 5 s bar or historical bar of `barSeconds`): ts_exchange = start, ts_local = its
 * close (or later, when it arrived). IB reports volume -1 where it has none (FX midpoints,
 * indexes): that is an unknown volume (NaN), not a bar that traded nothing (0).
 */
export function barRecord(b: IbBarMessage, barSeconds: number, instrument: number, receivedNs: bigint | null): Uint8Array | null {
  if (!(b.low > 0 && b.high >= b.low && b.open >= b.low && b.open <= b.high && b.close >= b.low && b.close <= b.high)) return null;
  const start = BigInt(Math.trunc(b.time)) * NS_PER_S;
  const close = start + BigInt(barSeconds) * NS_PER_S;
  const tsLocal = receivedNs !== null && receivedNs > close ? receivedNs : close;
  return liveRecord(EventKind.BAR, instrument, start, tsLocal, b.close, b.volume >= 0 ? b.volume : Number.NaN, b.high, b.low, f64Bits(b.open));
}

/**
 * The order size step of a contract: its sizeIncrement (IB: "order's size increment"), when TWS
 * sent a positive one; null when it sent none (server versions before 164 have no size rules) or
 * an unusable one. minSize is not a step (an order may be any multiple of the increment above it).
 */
export function contractSizeStep(m: IbContractDetailsMessage): number | null {
  return positiveSize(m.sizeIncrement);
}

/**
 * The smallest order size of a contract: its minSize (IB: "order's minimal size"), when TWS sent
 * a positive one; null when it sent none (server versions before 164) or an unusable one. TWS
 * rejects an order below it, whatever the increment.
 */
export function contractMinSize(m: IbContractDetailsMessage): number | null {
  return positiveSize(m.minSize);
}

function positiveSize(value: number | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : null;
}

/** Historical bar size setting ("5 secs", "1 min", "1 hour", "1 day") -> seconds; null when not one. */
export function barSizeSeconds(setting: string): number | null {
  const m = /^(\d+)\s+(sec|secs|min|mins|hour|hours|day|days)$/.exec(setting.trim());
  if (!m) return null;
  const unit = m[2].startsWith('sec') ? 1 : m[2].startsWith('min') ? 60 : m[2].startsWith('hour') ? 3600 : 86_400;
  return +m[1] * unit;
}
