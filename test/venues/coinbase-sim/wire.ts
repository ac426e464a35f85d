// The simulator's truth in Coinbase Advanced Trade v3 wire shapes (documented REST and
// advanced-trade-ws message shapes; numbers are strings, times RFC 3339). Order ids are UUIDs
// derived from the book's numeric ids; fill trade ids are UUID-like strings derived from the book's
// trade counter by a hash (so their text order is not their time order, as at Coinbase); public
// market trade ids are decimal strings (as Coinbase's market_trades and ticker trades are).
import { createHash } from 'node:crypto';
import type { SimMarket } from '../binance-sim/index.js';
import type { SimFill, SimOrder } from '../binance-sim/index.js';

export const iso = (ms: number) => new Date(ms).toISOString();
const s = (x: number) => String(Math.round(x * 1e8) / 1e8);

export function orderUuid(orderId: number): string { return `00000000-0000-4000-8000-${orderId.toString(16).padStart(12, '0')}`; }
export function orderIdOfUuid(uuid: string): number | null {
  const m = /^00000000-0000-4000-8000-([0-9a-f]{12})$/.exec(uuid);
  return m ? parseInt(m[1], 16) : null;
}

/** The user-facing trade id of the book's fill `tradeId`: a v4-shaped UUID from a hash of the counter (deterministic). */
export function fillTradeId(tradeId: number): string {
  const h = createHash('sha1').update(`coinbase-sim-fill-${tradeId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${'89ab'[parseInt(h[16], 16) & 3]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function product(m: SimMarket, price: number | undefined): Record<string, unknown> {
  return {
    product_id: m.symbol, price: price === undefined ? '' : s(price), price_percentage_change_24h: '0', volume_24h: '0', volume_percentage_change_24h: '0',
    base_increment: m.stepSize, quote_increment: m.tickSize, quote_min_size: m.minNotional, quote_max_size: '10000000', base_min_size: m.minQty, base_max_size: '10000',
    base_name: m.base, quote_name: m.quote, watched: false, is_disabled: false, new: false, status: 'online', cancel_only: false, limit_only: false, post_only: false,
    trading_disabled: false, auction_mode: false, product_type: 'SPOT', quote_currency_id: m.quote, base_currency_id: m.base, fcm_trading_session_details: null,
    mid_market_price: '', alias: '', alias_to: [], base_display_symbol: m.base, quote_display_symbol: m.quote, view_only: false, price_increment: m.tickSize,
    display_name: m.symbol, product_venue: 'CBE',
  };
}

const STATUS: Record<string, string> = { NEW: 'OPEN', PARTIALLY_FILLED: 'OPEN', FILLED: 'FILLED', CANCELED: 'CANCELLED', EXPIRED: 'EXPIRED', REJECTED: 'FAILED' };

function configuration(o: SimOrder, postOnly: boolean): Record<string, unknown> {
  if (o.type === 'MARKET') return { market_market_ioc: { base_size: s(o.origQty) } };
  if (o.timeInForce === 'IOC') return { sor_limit_ioc: { base_size: s(o.origQty), limit_price: s(o.price) } };
  return { limit_limit_gtc: { base_size: s(o.origQty), limit_price: s(o.price), post_only: postOnly } };
}

/** GET /orders/historical/{id} `order` (and list entries). */
export function restOrder(o: SimOrder): Record<string, unknown> {
  const avg = o.executedQty > 0 ? o.cumQuote / o.executedQty : 0;
  const fees = o.fills.reduce((a, f) => a + f.commission, 0);
  return {
    order_id: orderUuid(o.orderId), product_id: o.symbol, user_id: 'sim-user', order_configuration: configuration(o, o.type === 'LIMIT_MAKER'),
    side: o.side, client_order_id: o.clientOrderId, status: STATUS[o.status], time_in_force: o.type === 'MARKET' || o.timeInForce === 'IOC' ? 'IMMEDIATE_OR_CANCEL' : 'GOOD_UNTIL_CANCELLED',
    created_time: iso(o.time), completion_percentage: s((o.executedQty / o.origQty) * 100), filled_size: s(o.executedQty), average_filled_price: s(avg),
    fee: '', number_of_fills: String(o.fills.length), filled_value: s(o.cumQuote), pending_cancel: false, size_in_quote: false, total_fees: s(fees),
    size_inclusive_of_fees: false, total_value_after_fees: s(o.side === 'BUY' ? o.cumQuote + fees : o.cumQuote - fees), trigger_status: 'INVALID_ORDER_TYPE',
    order_type: o.type === 'MARKET' ? 'MARKET' : 'LIMIT', reject_reason: '', settled: o.status === 'FILLED', product_type: 'SPOT', reject_message: '', cancel_message: '',
    order_placement_source: 'RETAIL_ADVANCED', outstanding_hold_amount: s(o.locked), is_liquidation: false, last_fill_time: o.fills.length ? iso(o.fills[o.fills.length - 1].time) : null,
  };
}

/** GET /orders/historical/fills entry. */
export function restFill(o: SimOrder, f: SimFill): Record<string, unknown> {
  return {
    entry_id: `e-${f.tradeId}`, trade_id: fillTradeId(f.tradeId), order_id: orderUuid(o.orderId), trade_time: iso(f.time), trade_type: 'FILL', price: s(f.price), size: s(f.qty),
    commission: s(f.commission), product_id: o.symbol, sequence_timestamp: iso(f.time), liquidity_indicator: f.maker ? 'MAKER' : 'TAKER', size_in_quote: false, user_id: 'sim-user', side: o.side,
  };
}

/** A `user` channel order update. */
export function wsOrder(o: SimOrder): Record<string, unknown> {
  const avg = o.executedQty > 0 ? o.cumQuote / o.executedQty : 0;
  const open = o.status === 'NEW' || o.status === 'PARTIALLY_FILLED';
  return {
    order_id: orderUuid(o.orderId), client_order_id: o.clientOrderId, cumulative_quantity: s(o.executedQty), leaves_quantity: s(open ? o.origQty - o.executedQty : 0),
    avg_price: s(avg), total_fees: s(o.fills.reduce((a, f) => a + f.commission, 0)), status: o.status === 'NEW' ? 'OPEN' : STATUS[o.status],
    product_id: o.symbol, creation_time: iso(o.time), order_side: o.side, order_type: o.type === 'MARKET' ? 'Market' : 'Limit', limit_price: o.type === 'MARKET' ? '' : s(o.price),
    filled_value: s(o.cumQuote), number_of_fills: String(o.fills.length), time_in_force: 'GOOD_UNTIL_CANCELLED', cancel_reason: '', reject_Reason: '', completion_percentage: s((o.executedQty / o.origQty) * 100),
  };
}

/** Coinbase's error body (401/404/429/400): {error, error_details, message}. */
export function errorBody(error: string, message: string): Record<string, unknown> { return { error, error_details: message, message }; }
