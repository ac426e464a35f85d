// Reads the core's PORTFOLIO region (portfolio-layout.ts) with plain loads, no core call: an
// instrument's P&L breakdown and carry, the configured currencies, an instrument's open lots
// and the portfolio's counters. Used by the WASM glue and by snapshots on the I/O thread,
// which read only at batch boundaries (the core writes the region while it processes).
import * as P from './portfolio-layout.js';
import type { CurrencyBalance, InstrumentLedger, OpenLot, PortfolioTotals } from './portfolio.js';

function checkInstrument(instrument: number): void {
  if (!Number.isInteger(instrument) || instrument < 0 || instrument >= P.PORTFOLIO_INSTRUMENTS) {
    throw new RangeError(`portfolio instrument must be an integer in [0, ${P.PORTFOLIO_INSTRUMENTS}), was ${instrument}`);
  }
}

export function readInstrumentLedger(view: DataView, instrument: number): InstrumentLedger {
  checkInstrument(instrument);
  const p = P.PF_INSTRUMENTS_OFFSET + instrument * P.PF_INSTRUMENT_BYTES;
  return {
    realised: view.getFloat64(p + P.PI_REALISED, true),
    fees: view.getFloat64(p + P.PI_FEES, true),
    funding: view.getFloat64(p + P.PI_FUNDING, true),
    borrow: view.getFloat64(p + P.PI_BORROW, true),
    slippage: view.getFloat64(p + P.PI_SLIPPAGE, true),
    turnover: view.getFloat64(p + P.PI_TURNOVER, true),
    fills: Number(view.getBigInt64(p + P.PI_FILLS, true)),
    roundTrips: Number(view.getBigInt64(p + P.PI_ROUND_TRIPS, true)),
    winners: Number(view.getBigInt64(p + P.PI_WINNERS, true)),
    openLots: view.getInt32(p + P.PI_LOT_COUNT, true),
    fundingRate: view.getFloat64(p + P.PI_FUNDING_RATE, true),
    fundingIntervalNs: view.getBigInt64(p + P.PI_FUNDING_INTERVAL_NS, true),
    nextFundingNs: view.getBigInt64(p + P.PI_NEXT_FUNDING_NS, true),
    borrowRate: view.getFloat64(p + P.PI_BORROW_RATE, true),
  };
}

/** Every configured currency, by id. */
export function readCurrencies(view: DataView): CurrencyBalance[] {
  const currencies: CurrencyBalance[] = [];
  for (let currency = 0; currency < P.PORTFOLIO_CURRENCIES; currency += 1) {
    const c = P.CURRENCIES_OFFSET + currency * P.CURRENCY_BYTES;
    if (view.getInt32(c + P.CU_CONFIGURED, true) !== 1) continue;
    currencies.push({
      currency,
      balance: view.getFloat64(c + P.CU_BALANCE, true),
      rate: view.getFloat64(c + P.CU_RATE, true),
      interestPaid: view.getFloat64(c + P.CU_INTEREST_PAID, true),
    });
  }
  return currencies;
}

/** The instrument's open lots, oldest first (its list from lotHead along next). */
export function readOpenLots(view: DataView, instrument: number): OpenLot[] {
  checkInstrument(instrument);
  const p = P.PF_INSTRUMENTS_OFFSET + instrument * P.PF_INSTRUMENT_BYTES;
  const count = view.getInt32(p + P.PI_LOT_COUNT, true);
  const lots: OpenLot[] = [];
  for (let lot = view.getInt32(p + P.PI_LOT_HEAD, true); lot >= 0; ) {
    if (lots.length >= count) throw new Error(`instrument ${instrument}: its lot list holds more than its lotCount ${count} lots (a cycle or a corrupt list)`);
    const a = P.LOTS_OFFSET + lot * P.LOT_BYTES;
    lots.push({
      orderId: view.getBigUint64(a + P.L_ORDER_ID, true),
      qty: view.getFloat64(a + P.L_QTY, true),
      price: view.getFloat64(a + P.L_PRICE, true),
      tsNs: view.getBigInt64(a + P.L_TS, true),
      feePerUnit: view.getFloat64(a + P.L_FEE_PER_UNIT, true),
      rule: view.getInt32(a + P.L_RULE, true),
    });
    lot = view.getInt32(a + P.L_NEXT, true);
  }
  return lots;
}

export function readPortfolioTotals(view: DataView): PortfolioTotals {
  const h = P.PORTFOLIO_HEADER;
  return {
    linking: view.getInt32(h + P.PH_LINKING, true),
    negativeCashRate: view.getFloat64(h + P.PH_NEG_CASH_RATE, true),
    daysPerYear: view.getFloat64(h + P.PH_DAYS_PER_YEAR, true),
    nextFundingNs: view.getBigInt64(h + P.PH_NEXT_FUNDING_NS, true),
    roundTrips: Number(view.getBigInt64(h + P.PH_ROUND_TRIPS, true)),
    winners: Number(view.getBigInt64(h + P.PH_WINNERS, true)),
    interestPaid: view.getFloat64(h + P.PH_INTEREST_PAID, true),
    lotsInUse: view.getInt32(h + P.PH_LOTS_USED, true),
    lotMerges: Number(view.getBigInt64(h + P.PH_LOT_MERGES, true)),
  };
}
