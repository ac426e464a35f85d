// Carry: what holding positions and cash costs over time, settled into the ledger.
//   funding   perpetuals pay position * price * multiplier * rate at each funding time
//             (longs pay a positive rate): at every multiple of the instrument's interval
//             (configured rate), and at each FUNDING record (the venue's rate)
//   borrow    a spot short pays |position| * mark * multiplier * borrowRate * days / daysPerYear
//             per UTC day boundary crossed
//   interest  a negative balance of any currency pays |balance| * negativeCashRate * days /
//             daysPerYear per UTC day boundary crossed
// The risk clock calls portfolioAccrue when it passes a funding time or a day boundary
// (risk-account.ts advanceClock), before a new day resets day-start equity; RATE records
// move a currency's rate and re-value cash and positions quoted in it. Amounts are in the
// quote currency and reach the account currency at the currency's rate (ledger.ts addCash).
// Order of settlement (the TS reference keeps it): funding by instrument id, then borrow by
// instrument id, then interest by currency id.
import { EV_A, EV_INSTRUMENT, EV_PRICE, EV_TS_EXCHANGE } from '../layout';
import { ERR_BAD_ARGUMENT, ERR_RISK_NOT_READY, ERR_RISK_UNKNOWN_INSTRUMENT } from '../errors';
import { advanceClock, configuredSlot, evaluateDrawdown, riskReady } from '../risk/risk-account';
import {
  RH_SLOTS_IN_USE, RISK_HEADER, RS_CURRENCY, RS_HAS_MARK, RS_MARK, RS_MULTIPLIER, RS_POSITION, RS_SETTLEMENT, SETTLE_SPOT, riskSlotAddress,
} from '../risk/risk-layout';
import { addCash, refreshNextFunding, setCurrencyRate } from './ledger';
import {
  CU_BALANCE, CU_CONFIGURED, CU_INTEREST_PAID, CU_RATE, PH_DAYS_PER_YEAR, PH_INTEREST_PAID, PH_NEG_CASH_RATE, PH_NEXT_FUNDING_NS,
  PI_BORROW, PI_BORROW_RATE, PI_FUNDING, PI_FUNDING_INTERVAL_NS, PI_FUNDING_RATE, PI_NEXT_FUNDING_NS, PORTFOLIO_CURRENCIES,
  PORTFOLIO_HEADER, currencyAddress, portfolioSlotAddress,
} from './portfolio-layout';

const DEFAULT_DAYS_PER_YEAR: f64 = 365.0;

/** Pays funding on `instrument`'s position at `price` and `rate` (quote currency; > 0 paid). */
// @ts-ignore: decorator
@inline
function payFunding(instrument: i32, price: f64, rate: f64): void {
  const s = riskSlotAddress(instrument);
  const position = load<f64>(s, RS_POSITION);
  if (position == 0.0) return;
  const payment = position * price * load<f64>(s, RS_MULTIPLIER) * rate;
  addCash(load<i32>(s, RS_CURRENCY), -payment);
  const p = portfolioSlotAddress(instrument);
  store<f64>(p, load<f64>(p, PI_FUNDING) + payment, PI_FUNDING);
}

/**
 * Settles the carry due at `clock`: every funding time passed, then, when `daysCrossed` > 0
 * UTC day boundaries were crossed, borrow and interest for those days.
 */
export function portfolioAccrue(clock: i64, daysCrossed: i64): void {
  const used = load<i32>(RISK_HEADER, RH_SLOTS_IN_USE);
  if (clock >= load<i64>(PORTFOLIO_HEADER, PH_NEXT_FUNDING_NS)) {
    for (let i = 0; i < used; i++) {
      const p = portfolioSlotAddress(i);
      const rate = load<f64>(p, PI_FUNDING_RATE);
      if (rate == 0.0) continue;
      const interval = load<i64>(p, PI_FUNDING_INTERVAL_NS);
      let next = load<i64>(p, PI_NEXT_FUNDING_NS);
      const s = riskSlotAddress(i);
      while (clock >= next) {
        if (load<i32>(s, RS_HAS_MARK) == 1) payFunding(i, load<f64>(s, RS_MARK), rate);
        next += interval;
      }
      store<i64>(p, next, PI_NEXT_FUNDING_NS);
    }
    refreshNextFunding();
  }
  if (daysCrossed <= 0) return;
  let daysPerYear = load<f64>(PORTFOLIO_HEADER, PH_DAYS_PER_YEAR);
  if (daysPerYear <= 0.0) daysPerYear = DEFAULT_DAYS_PER_YEAR;
  const years = <f64>daysCrossed / daysPerYear;
  for (let i = 0; i < used; i++) {
    const p = portfolioSlotAddress(i);
    const rate = load<f64>(p, PI_BORROW_RATE);
    if (rate == 0.0) continue;
    const s = riskSlotAddress(i);
    const position = load<f64>(s, RS_POSITION);
    if (position >= 0.0 || load<i32>(s, RS_SETTLEMENT) != SETTLE_SPOT || load<i32>(s, RS_HAS_MARK) != 1) continue;
    const cost = -position * load<f64>(s, RS_MARK) * load<f64>(s, RS_MULTIPLIER) * rate * years;
    addCash(load<i32>(s, RS_CURRENCY), -cost);
    store<f64>(p, load<f64>(p, PI_BORROW) + cost, PI_BORROW);
  }
  const cashRate = load<f64>(PORTFOLIO_HEADER, PH_NEG_CASH_RATE);
  if (cashRate == 0.0) return;
  for (let c = 0; c < PORTFOLIO_CURRENCIES; c++) {
    const a = currencyAddress(c);
    if (load<i32>(a, CU_CONFIGURED) != 1) continue;
    const balance = load<f64>(a, CU_BALANCE);
    if (balance >= 0.0) continue;
    const interest = -balance * cashRate * years;
    addCash(c, -interest);
    store<f64>(a, load<f64>(a, CU_INTEREST_PAID) + interest, CU_INTEREST_PAID);
    store<f64>(PORTFOLIO_HEADER, load<f64>(PORTFOLIO_HEADER, PH_INTEREST_PAID) + interest * load<f64>(a, CU_RATE), PH_INTEREST_PAID);
  }
}

/**
 * A FUNDING record: `instrument` pays funding at its time (tsExchange) at rate `a` on its
 * position, valued at `price` (0: its mark). Returns flatten records written (the payment may
 * trip the kill switch) or a status.
 */
export function portfolioOnFunding(record: usize, outRing: i32): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  const instrument = load<i32>(record, EV_INSTRUMENT);
  if (!configuredSlot(instrument)) return ERR_RISK_UNKNOWN_INSTRUMENT;
  const rate = load<f64>(record, EV_A);
  let price = load<f64>(record, EV_PRICE);
  if (!isFinite<f64>(rate) || !isFinite<f64>(price) || price < 0.0) return ERR_BAD_ARGUMENT;
  advanceClock(load<i64>(record, EV_TS_EXCHANGE));
  const s = riskSlotAddress(instrument);
  if (price == 0.0) {
    if (load<i32>(s, RS_HAS_MARK) != 1) return 0;
    price = load<f64>(s, RS_MARK);
  }
  payFunding(instrument, price, rate);
  return evaluateDrawdown(outRing);
}

/**
 * A RATE record: currency `instrument` (1 .. PORTFOLIO_CURRENCIES - 1, configured) is now worth
 * `price` (> 0) of the account currency. Cash held in it and every position quoted in it are
 * re-valued. Returns flatten records written or a status.
 */
export function portfolioOnRate(record: usize, outRing: i32): i32 {
  if (!riskReady()) return ERR_RISK_NOT_READY;
  const currency = load<i32>(record, EV_INSTRUMENT);
  const rate = load<f64>(record, EV_PRICE);
  if (currency < 1 || currency >= PORTFOLIO_CURRENCIES || !isFinite<f64>(rate) || rate <= 0.0) return ERR_BAD_ARGUMENT;
  const a = currencyAddress(currency);
  if (load<i32>(a, CU_CONFIGURED) != 1) return ERR_BAD_ARGUMENT;
  advanceClock(load<i64>(record, EV_TS_EXCHANGE));
  setCurrencyRate(currency, rate);
  return evaluateDrawdown(outRing);
}
