// The precision guard: an order is checked against the venue's rules from the loaded markets
// (amount step = lot size, price tick, min/max amount and price, min notional) before it is sent.
// A refusal names the rule, the field, the value and the limit; a pass gives the amount and price
// as the decimal strings that go on the wire (no float noise).
export interface MarketRules {
  readonly symbol: string;
  /** Lot size (amount step) and price tick; 0 when the venue has none. */
  readonly amountStep: number;
  readonly priceStep: number;
  readonly minAmount: number;
  readonly maxAmount: number;
  readonly minPrice: number;
  readonly maxPrice: number;
  readonly minNotional: number;
}

/** The rules of a ccxt market (precisionMode TICK_SIZE: precision.amount/price are step sizes). */
export function marketRulesOf(market: { symbol: string; precision: { amount?: number; price?: number }; limits: Record<string, { min?: number; max?: number } | undefined> }): MarketRules {
  const lim = (name: string, side: 'min' | 'max', dflt: number) => market.limits[name]?.[side] ?? dflt;
  return {
    symbol: market.symbol,
    amountStep: market.precision.amount ?? 0,
    priceStep: market.precision.price ?? 0,
    minAmount: lim('amount', 'min', 0), maxAmount: lim('amount', 'max', Infinity),
    minPrice: lim('price', 'min', 0), maxPrice: lim('price', 'max', Infinity),
    minNotional: lim('cost', 'min', 0),
  };
}

export type PrecisionRule = 'amount' | 'lot size' | 'min amount' | 'max amount' | 'price' | 'tick size' | 'min price' | 'max price' | 'min notional';

export type PrecisionCheck =
  | { readonly ok: true; readonly amount: string; readonly price: string | undefined }
  | { readonly ok: false; readonly rule: PrecisionRule; readonly reason: string };

function decimalsOf(step: number): number {
  if (!(step > 0)) return 8;
  const text = step.toExponential();
  const [mantissa, exp] = text.split('e');
  const fraction = mantissa.includes('.') ? mantissa.split('.')[1].length : 0;
  return Math.max(0, fraction - Number(exp));
}

/** True when `value` is a whole number of `step`s, within float noise. */
export function isMultipleOf(value: number, step: number): boolean {
  if (!(step > 0)) return true;
  const ratio = value / step;
  return Math.abs(ratio - Math.round(ratio)) <= 1e-9 * Math.max(1, Math.abs(ratio));
}

/**
 * Checks an order of `amount` (unsigned) at `price` (null for market) against `rules`;
 * `referencePrice` (the last trade) prices a market order's notional.
 */
export function checkOrderPrecision(rules: MarketRules, amount: number, price: number | null, referencePrice: number | null): PrecisionCheck {
  const refuse = (rule: PrecisionRule, reason: string): PrecisionCheck => ({ ok: false, rule, reason: `${rules.symbol}: ${reason}` });
  if (!Number.isFinite(amount) || amount <= 0) return refuse('amount', `\`amount\` must be a finite number > 0, was ${amount}`);
  if (!isMultipleOf(amount, rules.amountStep)) return refuse('lot size', `\`amount\` must be a multiple of the lot size ${rules.amountStep}, was ${amount}`);
  if (amount < rules.minAmount) return refuse('min amount', `\`amount\` must be >= the minimum amount ${rules.minAmount}, was ${amount}`);
  if (amount > rules.maxAmount) return refuse('max amount', `\`amount\` must be <= the maximum amount ${rules.maxAmount}, was ${amount}`);
  if (price !== null) {
    if (!Number.isFinite(price) || price <= 0) return refuse('price', `\`price\` must be a finite number > 0, was ${price}`);
    if (!isMultipleOf(price, rules.priceStep)) return refuse('tick size', `\`price\` must be a multiple of the tick size ${rules.priceStep}, was ${price}`);
    if (price < rules.minPrice) return refuse('min price', `\`price\` must be >= the minimum price ${rules.minPrice}, was ${price}`);
    if (price > rules.maxPrice) return refuse('max price', `\`price\` must be <= the maximum price ${rules.maxPrice}, was ${price}`);
  }
  const notionalPrice = price ?? referencePrice;
  if (notionalPrice !== null && rules.minNotional > 0) {
    const notional = amount * notionalPrice;
    if (notional < rules.minNotional) {
      return refuse('min notional', `notional (amount ${amount} x ${price === null ? 'last price' : 'price'} ${notionalPrice} = ${+notional.toPrecision(12)}) must be >= the minimum notional ${rules.minNotional}`);
    }
  }
  return {
    ok: true,
    amount: amount.toFixed(decimalsOf(rules.amountStep)),
    price: price === null ? undefined : price.toFixed(decimalsOf(rules.priceStep)),
  };
}
