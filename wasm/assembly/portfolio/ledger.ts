// The portfolio's ledger: cash per currency and its rate to the account currency, kept so
// that the risk header's cash (account currency) is always sum(balance * rate). Also resets
// the portfolio when the account starts (riskInit), and configures the ledger: lot linking,
// carry rates, currencies and each instrument's contract terms. Layout: portfolio-layout.ts.
import { ERR_BAD_ARGUMENT, ERR_RISK_UNKNOWN_INSTRUMENT, OK } from '../errors';
import { refreshExposure, refreshValue } from '../risk/risk-account';
import { RH_CASH, RH_CLOCK_NS, RH_SLOTS_IN_USE, RISK_HEADER, RS_CONFIGURED, RS_CURRENCY, RS_MULTIPLIER, RS_POSITION, RS_SETTLEMENT, RS_VALUE_FACTOR, SETTLE_MARGIN, SETTLE_SPOT, riskSlotAddress } from '../risk/risk-layout';
import { INSTRUMENT_CAPACITY } from '../layout';
import {
  CU_BALANCE, CU_CONFIGURED, CU_INTEREST_PAID, CU_RATE, LINK_FIFO, LINK_PARENT, L_NEXT, PF_INSTRUMENT_BYTES, PH_DAYS_PER_YEAR,
  PH_INTEREST_PAID, PH_LINKING, PH_LOT_FREE, PH_LOT_MERGES, PH_LOTS_UNTOUCHED, PH_LOTS_USED, PH_MAGIC, PH_NEG_CASH_RATE, PH_NEXT_FUNDING_NS, PH_ROUND_TRIPS,
  PH_WINNERS, PI_BORROW_RATE, PI_FUNDING_INTERVAL_NS, PI_FUNDING_RATE, PI_LOT_HEAD, PI_LOT_TAIL, PI_NEXT_FUNDING_NS, PORTFOLIO_CURRENCIES,
  PORTFOLIO_HEADER, PORTFOLIO_LOT_CAPACITY, PORTFOLIO_MAGIC, currencyAddress, lotAddress, portfolioSlotAddress,
} from './portfolio-layout';

const NO_TIME: i64 = i64.MAX_VALUE;

/** Account currency per unit of `currency` (1 for the account currency, 0 for an unconfigured one). */
// @ts-ignore: decorator
@inline
export function currencyRate(currency: i32): f64 {
  return load<f64>(currencyAddress(currency), CU_RATE);
}

/** Earliest funding time of any instrument with a funding rate (i64 max: none). */
// @ts-ignore: decorator
@inline
export function nextFundingNs(): i64 {
  return load<i64>(PORTFOLIO_HEADER, PH_NEXT_FUNDING_NS);
}

/** Adds `amount` (may be < 0) of `currency` to its balance and, at its rate, to the account's cash. */
// @ts-ignore: decorator
@inline
export function addCash(currency: i32, amount: f64): void {
  const c = currencyAddress(currency);
  store<f64>(c, load<f64>(c, CU_BALANCE) + amount, CU_BALANCE);
  store<f64>(RISK_HEADER, load<f64>(RISK_HEADER, RH_CASH) + amount * load<f64>(c, CU_RATE), RH_CASH);
}

/**
 * Moves `currency`'s rate to `rate` (account currency per unit): the cash held in it and every
 * position quoted in it are re-valued, so cash stays sum(balance * rate). RATE records
 * (accruals.ts) and a rate configured while the account runs both come here.
 */
export function setCurrencyRate(currency: i32, rate: f64): void {
  const a = currencyAddress(currency);
  const old = load<f64>(a, CU_RATE);
  store<f64>(RISK_HEADER, load<f64>(RISK_HEADER, RH_CASH) + load<f64>(a, CU_BALANCE) * (rate - old), RH_CASH);
  store<f64>(a, rate, CU_RATE);
  const used = load<i32>(RISK_HEADER, RH_SLOTS_IN_USE);
  for (let i = 0; i < used; i++) {
    const s = riskSlotAddress(i);
    if (load<i32>(s, RS_CONFIGURED) != 1 || load<i32>(s, RS_CURRENCY) != currency) continue;
    store<f64>(s, load<f64>(s, RS_MULTIPLIER) * currencyRate(currency), RS_VALUE_FACTOR);
    refreshValue(s);
    refreshExposure(s);
  }
}

/** First funding time after `tsNs` for an interval of `intervalNs` (multiples of the interval since the epoch). */
// @ts-ignore: decorator
@inline
export function nextMultiple(tsNs: i64, intervalNs: i64): i64 {
  let k = tsNs / intervalNs;
  if (tsNs < 0 && k * intervalNs != tsNs) k--;
  return (k + 1) * intervalNs;
}

/** Recomputes the earliest funding time over the instruments in use. */
export function refreshNextFunding(): void {
  const used = load<i32>(RISK_HEADER, RH_SLOTS_IN_USE);
  let next = NO_TIME;
  for (let i = 0; i < used; i++) {
    const p = portfolioSlotAddress(i);
    if (load<f64>(p, PI_FUNDING_RATE) != 0.0) {
      const t = load<i64>(p, PI_NEXT_FUNDING_NS);
      if (t < next) next = t;
    }
  }
  store<i64>(PORTFOLIO_HEADER, next, PH_NEXT_FUNDING_NS);
}

/**
 * Starts the ledger with `cash` of the account currency at `tsNs` (called by riskInit):
 * balances, P&L breakdown, lots and counters cleared; configuration (linking, rates,
 * currencies, contract terms, carry rates) kept; funding times scheduled from `tsNs`.
 */
export function portfolioReset(cash: f64, tsNs: i64): void {
  const h = PORTFOLIO_HEADER;
  for (let c = 0; c < PORTFOLIO_CURRENCIES; c++) {
    const a = currencyAddress(c);
    store<f64>(a, 0.0, CU_BALANCE);
    store<f64>(a, 0.0, CU_INTEREST_PAID);
  }
  const account = currencyAddress(0);
  store<f64>(account, 1.0, CU_RATE);
  store<i32>(account, 1, CU_CONFIGURED);
  store<f64>(account, cash, CU_BALANCE);
  for (let i = 0; i < INSTRUMENT_CAPACITY; i++) {
    const p = portfolioSlotAddress(i);
    const fundingRate = load<f64>(p, PI_FUNDING_RATE);
    const interval = load<i64>(p, PI_FUNDING_INTERVAL_NS);
    const borrowRate = load<f64>(p, PI_BORROW_RATE);
    memory.fill(p, 0, <usize>PF_INSTRUMENT_BYTES);
    store<f64>(p, fundingRate, PI_FUNDING_RATE);
    store<i64>(p, interval, PI_FUNDING_INTERVAL_NS);
    store<f64>(p, borrowRate, PI_BORROW_RATE);
    store<i64>(p, fundingRate != 0.0 ? nextMultiple(tsNs, interval) : NO_TIME, PI_NEXT_FUNDING_NS);
    store<i32>(p, -1, PI_LOT_HEAD);
    store<i32>(p, -1, PI_LOT_TAIL);
  }
  // No lot written: the free list is empty and every lot untouched (portfolio-layout.ts header).
  store<i32>(h, -1, PH_LOT_FREE);
  store<i32>(h, PORTFOLIO_LOT_CAPACITY, PH_LOTS_UNTOUCHED);
  store<i32>(h, 0, PH_LOTS_USED);
  store<i64>(h, 0, PH_ROUND_TRIPS);
  store<i64>(h, 0, PH_WINNERS);
  store<f64>(h, 0.0, PH_INTEREST_PAID);
  store<i64>(h, 0, PH_LOT_MERGES);
  store<i32>(h, PORTFOLIO_MAGIC, PH_MAGIC);
  refreshNextFunding();
}

/**
 * How closing fills pick the lots they close (`linking`: LINK_FIFO, LINK_LIFO, LINK_PARENT), the
 * annual interest on negative cash (>= 0, finite) and the days per year carry accrues over
 * (> 0). Returns OK or ERR_BAD_ARGUMENT (nothing changed).
 */
export function portfolioConfigure(linking: i32, negativeCashRate: f64, daysPerYear: f64): i32 {
  if (linking < LINK_FIFO || linking > LINK_PARENT) return ERR_BAD_ARGUMENT;
  if (!isFinite<f64>(negativeCashRate) || negativeCashRate < 0.0 || !isFinite<f64>(daysPerYear) || daysPerYear <= 0.0) return ERR_BAD_ARGUMENT;
  store<i32>(PORTFOLIO_HEADER, linking, PH_LINKING);
  store<f64>(PORTFOLIO_HEADER, negativeCashRate, PH_NEG_CASH_RATE);
  store<f64>(PORTFOLIO_HEADER, daysPerYear, PH_DAYS_PER_YEAR);
  return OK;
}

/**
 * Declares `currency` (1 .. PORTFOLIO_CURRENCIES - 1) with its starting rate (account currency
 * per unit, finite and > 0). RATE records move the rate afterwards; a rate configured while
 * the account runs re-values like one (setCurrencyRate).
 */
export function portfolioConfigureCurrency(currency: i32, rate: f64): i32 {
  if (currency < 1 || currency >= PORTFOLIO_CURRENCIES || !isFinite<f64>(rate) || rate <= 0.0) return ERR_BAD_ARGUMENT;
  setCurrencyRate(currency, rate);
  store<i32>(currencyAddress(currency), 1, CU_CONFIGURED);
  return OK;
}

/**
 * Contract terms and carry of a configured, flat `instrument`: multiplier (> 0), quote
 * currency (configured), settlement (SETTLE_SPOT or SETTLE_MARGIN), funding rate per interval
 * (finite; 0 = none) and its interval (> 0 when the rate is not 0), annual borrow rate of spot
 * shorts (>= 0). The slot's working orders are re-valued at the new value factor. Returns OK
 * or a status (nothing changed).
 */
export function portfolioConfigureInstrument(instrument: i32, multiplier: f64, currency: i32, settlement: i32, fundingRate: f64, fundingIntervalNs: i64, borrowRate: f64): i32 {
  if (instrument < 0 || instrument >= INSTRUMENT_CAPACITY) return ERR_RISK_UNKNOWN_INSTRUMENT;
  const s = riskSlotAddress(instrument);
  if (load<i32>(s, RS_CONFIGURED) != 1) return ERR_RISK_UNKNOWN_INSTRUMENT;
  if (!isFinite<f64>(multiplier) || multiplier <= 0.0 || settlement < SETTLE_SPOT || settlement > SETTLE_MARGIN) return ERR_BAD_ARGUMENT;
  if (currency < 0 || currency >= PORTFOLIO_CURRENCIES || (currency != 0 && load<i32>(currencyAddress(currency), CU_CONFIGURED) != 1)) return ERR_BAD_ARGUMENT;
  if (!isFinite<f64>(fundingRate) || (fundingRate != 0.0 && fundingIntervalNs <= 0) || !isFinite<f64>(borrowRate) || borrowRate < 0.0) return ERR_BAD_ARGUMENT;
  if (load<f64>(s, RS_POSITION) != 0.0) return ERR_BAD_ARGUMENT;
  store<f64>(s, multiplier, RS_MULTIPLIER);
  store<i32>(s, currency, RS_CURRENCY);
  store<i32>(s, settlement, RS_SETTLEMENT);
  store<f64>(s, multiplier * (currency == 0 ? 1.0 : currencyRate(currency)), RS_VALUE_FACTOR);
  // Working orders of the flat slot are worth something else now: re-value them in the sums.
  refreshValue(s);
  refreshExposure(s);
  const p = portfolioSlotAddress(instrument);
  store<f64>(p, fundingRate, PI_FUNDING_RATE);
  store<i64>(p, fundingRate != 0.0 ? fundingIntervalNs : 0, PI_FUNDING_INTERVAL_NS);
  store<f64>(p, borrowRate, PI_BORROW_RATE);
  if (load<i32>(PORTFOLIO_HEADER, PH_MAGIC) == PORTFOLIO_MAGIC) {
    // The account is running: the first funding time follows the risk clock.
    store<i64>(p, fundingRate != 0.0 ? nextMultiple(load<i64>(RISK_HEADER, RH_CLOCK_NS), fundingIntervalNs) : NO_TIME, PI_NEXT_FUNDING_NS);
    refreshNextFunding();
  }
  return OK;
}

