// Code mappings between the engine's order table (engine/orders) and ccxt's unified strings:
// order status -> OrderState, OrderType / TimeInForce codes -> ccxt type / timeInForce.
import { OrderState, OrderType, TimeInForce } from '../../../engine/orders/index.js';

/** The engine state of a ccxt order: ccxt's `status` plus how much of it is filled. */
export function orderStateOf(status: string | undefined, filled: number): number {
  switch (status) {
    case 'open': return filled > 0 ? OrderState.PARTIALLY_FILLED : OrderState.OPEN;
    case 'closed': return OrderState.FILLED;
    case 'canceled': return OrderState.CANCELED;
    case 'expired': return OrderState.EXPIRED;
    case 'rejected': return OrderState.REJECTED;
    default: return OrderState.UNCERTAIN;
  }
}

/** ccxt's order type for an engine OrderType code, or null when the adapter does not send it. */
export function ccxtOrderType(code: number): 'market' | 'limit' | null {
  if (code === OrderType.MARKET) return 'market';
  if (code === OrderType.LIMIT) return 'limit';
  return null;
}

/** ccxt's timeInForce for an engine TimeInForce code (POST_ONLY travels as ccxt's postOnly). */
export function ccxtTimeInForce(code: number): 'GTC' | 'IOC' | 'FOK' | 'PO' | null {
  switch (code) {
    case TimeInForce.GTC: case TimeInForce.DAY: return 'GTC';
    case TimeInForce.IOC: return 'IOC';
    case TimeInForce.FOK: return 'FOK';
    case TimeInForce.POST_ONLY: return 'PO';
    default: return null;
  }
}
