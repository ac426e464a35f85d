// Plain TS mirror of the core's ledger (wasm/assembly/portfolio/ledger.ts) and carry
// (accruals.ts): cash per currency with its rate, the account's cash kept as sum(balance * rate)
// incrementally, each instrument's P&L breakdown, carry settings and open lots, and the
// settlement of funding, borrow and interest, with the same f64 operations in the same order.
// engine/risk/reference-risk-engine.ts owns the risk slots and drives it; the fill algorithm
// (apply-fill.ts) lives there because it moves both.
import { LINK_FIFO, LINK_PARENT, PORTFOLIO_CURRENCIES } from './portfolio-layout.js';
import { SettlementCode, type CurrencyBalance, type InstrumentLedger, type OpenLot, type PortfolioTerms, type PortfolioTotals } from './portfolio.js';
import { closeLots, dropLots, openLot, type ClosedLots, type ClosingFill, type Lot, type LotPool } from './reference-lots.js';

/** "No funding time" (i64 max). */
export const NO_TIME = 0x7fff_ffff_ffff_ffffn;
const DEFAULT_DAYS_PER_YEAR = 365;

/** What carry needs of an instrument's risk slot. */
export interface HeldPosition {
  readonly position: number;
  readonly mark: number;
  readonly hasMark: boolean;
  readonly multiplier: number;
  readonly currency: number;
  readonly settlement: number;
}

/** One instrument's ledger entry (the portfolio slot of portfolio-layout.ts). */
interface LedgerSlot {
  realised: number;
  fees: number;
  funding: number;
  borrow: number;
  slippage: number;
  turnover: number;
  fills: number;
  roundTrips: number;
  winners: number;
  readonly lots: Lot[];
  fundingRate: number;
  fundingIntervalNs: bigint;
  nextFundingNs: bigint;
  borrowRate: number;
}

interface CurrencyState {
  balance: number;
  rate: number;
  interestPaid: number;
  configured: boolean;
}

/** First funding time after `tsNs` for an interval of `intervalNs` (multiples of the interval since the epoch). */
export function nextMultiple(tsNs: bigint, intervalNs: bigint): bigint {
  let k = tsNs / intervalNs;
  if (tsNs < 0n && k * intervalNs !== tsNs) k -= 1n;
  return BigInt.asIntN(64, (k + 1n) * intervalNs);
}

export class ReferenceLedger {
  private linking = LINK_FIFO;
  private negativeCashRate = 0;
  private daysPerYear = 0;
  /** True once the ledger was reset (the core's PH_MAGIC): contract changes then schedule funding from the clock. */
  private running = false;
  /** Earliest funding time of any instrument with a funding rate. */
  nextFundingNs = 0n;
  private roundTrips = 0;
  private winners = 0;
  private interestPaid = 0;
  private readonly pool: LotPool = { used: 0, merges: 0 };
  private readonly currencyStates: CurrencyState[] = Array.from({ length: PORTFOLIO_CURRENCIES }, () => ({ balance: 0, rate: 0, interestPaid: 0, configured: false }));
  private readonly slots = new Map<number, LedgerSlot>();
  /** The account's cash, account currency: sum(balance * rate), kept as the sum of each change. */
  cash = 0;

  private slot(instrument: number): LedgerSlot {
    let slot = this.slots.get(instrument);
    if (!slot) {
      slot = {
        realised: 0, fees: 0, funding: 0, borrow: 0, slippage: 0, turnover: 0, fills: 0, roundTrips: 0, winners: 0, lots: [],
        fundingRate: 0, fundingIntervalNs: 0n, nextFundingNs: this.running ? NO_TIME : 0n, borrowRate: 0,
      };
      this.slots.set(instrument, slot);
    }
    return slot;
  }

  /** Creates the entry of a newly configured instrument. */
  addInstrument(instrument: number): void {
    this.slot(instrument);
  }

  configure(terms: PortfolioTerms): void {
    const { linking, negativeCashRate, daysPerYear } = terms;
    if (!Number.isInteger(linking) || linking < LINK_FIFO || linking > LINK_PARENT) throw new Error(`\`linking\` must be 0 (FIFO), 1 (LIFO) or 2 (PARENT), was ${linking}`);
    if (!Number.isFinite(negativeCashRate) || negativeCashRate < 0 || !Number.isFinite(daysPerYear) || daysPerYear <= 0) {
      throw new Error(`\`negativeCashRate\` must be finite and >= 0 and \`daysPerYear\` finite and > 0, was ${negativeCashRate}, ${daysPerYear}`);
    }
    this.linking = linking;
    this.negativeCashRate = negativeCashRate;
    this.daysPerYear = daysPerYear;
  }

  configureCurrency(currency: number, rate: number): void {
    if (!Number.isInteger(currency) || currency < 1 || currency >= PORTFOLIO_CURRENCIES || !Number.isFinite(rate) || rate <= 0) {
      throw new Error(`\`currency\` must be an integer in 1..${PORTFOLIO_CURRENCIES - 1} and its rate finite and > 0, was ${currency}, ${rate}`);
    }
    this.moveRate(currency, rate);
    this.currencyStates[currency].configured = true;
  }

  /** True for the account currency (0) and every configured currency. */
  quotable(currency: number): boolean {
    return Number.isInteger(currency) && currency >= 0 && currency < PORTFOLIO_CURRENCIES && (currency === 0 || this.currencyStates[currency].configured);
  }

  /** Account currency per unit of `currency` (0 for an unconfigured one). */
  rate(currency: number): number {
    return this.currencyStates[currency].rate;
  }

  /** Sets the instrument's carry; while running, its first funding time follows `clockNs`. */
  setCarry(instrument: number, fundingRate: number, fundingIntervalNs: bigint, borrowRate: number, clockNs: bigint, slotsInUse: number): void {
    const slot = this.slot(instrument);
    slot.fundingRate = fundingRate;
    slot.fundingIntervalNs = fundingRate !== 0 ? fundingIntervalNs : 0n;
    slot.borrowRate = borrowRate;
    if (this.running) {
      slot.nextFundingNs = fundingRate !== 0 ? nextMultiple(clockNs, fundingIntervalNs) : NO_TIME;
      this.refreshNextFunding(slotsInUse);
    }
  }

  /** Starts with `cash` of the account currency at `tsNs`: balances, breakdown, lots and counters cleared; configuration kept. */
  reset(cash: number, tsNs: bigint, slotsInUse: number): void {
    for (const c of this.currencyStates) {
      c.balance = 0;
      c.interestPaid = 0;
    }
    const account = this.currencyStates[0];
    account.rate = 1;
    account.configured = true;
    account.balance = cash;
    for (const slot of this.slots.values()) {
      Object.assign(slot, { realised: 0, fees: 0, funding: 0, borrow: 0, slippage: 0, turnover: 0, fills: 0, roundTrips: 0, winners: 0 });
      slot.lots.length = 0;
      slot.nextFundingNs = slot.fundingRate !== 0 ? nextMultiple(tsNs, slot.fundingIntervalNs) : NO_TIME;
    }
    this.pool.used = 0;
    this.pool.merges = 0;
    this.roundTrips = 0;
    this.winners = 0;
    this.interestPaid = 0;
    this.running = true;
    this.cash = cash;
    this.refreshNextFunding(slotsInUse);
  }

  /** Adds `amount` (may be < 0) of `currency` to its balance and, at its rate, to the account's cash. */
  addCash(currency: number, amount: number): void {
    const c = this.currencyStates[currency];
    c.balance = c.balance + amount;
    this.cash = this.cash + amount * c.rate;
  }

  /** A new rate's effect on cash (ledger.ts setCurrencyRate): the currency's balance is re-valued at `rate`. */
  moveRate(currency: number, rate: number): void {
    const c = this.currencyStates[currency];
    this.cash = this.cash + c.balance * (rate - c.rate);
    c.rate = rate;
  }

  private refreshNextFunding(slotsInUse: number): void {
    let next = NO_TIME;
    for (let i = 0; i < slotsInUse; i += 1) {
      const slot = this.slots.get(i);
      if (slot && slot.fundingRate !== 0 && slot.nextFundingNs < next) next = slot.nextFundingNs;
    }
    this.nextFundingNs = next;
  }

  openLot(instrument: number, orderId: bigint, qty: number, price: number, tsNs: bigint, feePerUnit: number, rule: number): void {
    openLot(this.slot(instrument).lots, this.pool, orderId, qty, price, tsNs, feePerUnit, rule);
  }

  /** Closes `quantity` of the instrument's lots for `fill`, counts the round trips and adds the realised P&L. */
  closeLots(quantity: number, fill: ClosingFill): ClosedLots {
    const slot = this.slot(fill.instrument);
    const closed = closeLots(slot.lots, this.pool, this.linking, quantity, fill);
    for (const trip of closed.roundTrips) {
      this.roundTrips += 1;
      slot.roundTrips += 1;
      if (trip.netPnl > 0) {
        this.winners += 1;
        slot.winners += 1;
      }
    }
    slot.realised = slot.realised + closed.realised;
    return closed;
  }

  dropLots(instrument: number): void {
    dropLots(this.slot(instrument).lots, this.pool);
  }

  /** The fill's part of the breakdown: fee, count, turnover (account currency) and slippage against `referencePrice` (0: none). */
  recordFill(instrument: number, qty: number, price: number, fee: number, valueFactor: number, multiplier: number, referencePrice: number): void {
    const slot = this.slot(instrument);
    slot.fees = slot.fees + fee;
    slot.fills += 1;
    slot.turnover = slot.turnover + Math.abs(qty) * price * valueFactor;
    if (referencePrice > 0) slot.slippage = slot.slippage + (price - referencePrice) * qty * multiplier;
  }

  /** Pays funding on `held`'s position at `price` and `rate` (> 0: paid). */
  payFunding(instrument: number, held: HeldPosition, price: number, rate: number): void {
    if (held.position === 0) return;
    const payment = held.position * price * held.multiplier * rate;
    this.addCash(held.currency, -payment);
    const slot = this.slot(instrument);
    slot.funding = slot.funding + payment;
  }

  /**
   * Settles the carry due at `clock` (accruals.ts portfolioAccrue): every funding time passed,
   * then, when `daysCrossed` > 0, borrow (by instrument id) and interest (by currency id).
   */
  accrue(clock: bigint, daysCrossed: bigint, slotsInUse: number, held: (instrument: number) => HeldPosition | undefined): void {
    if (clock >= this.nextFundingNs) {
      for (let i = 0; i < slotsInUse; i += 1) {
        const slot = this.slots.get(i);
        if (!slot || slot.fundingRate === 0) continue;
        const position = held(i)!;
        let next = slot.nextFundingNs;
        while (clock >= next) {
          if (position.hasMark) this.payFunding(i, position, position.mark, slot.fundingRate);
          next = BigInt.asIntN(64, next + slot.fundingIntervalNs);
        }
        slot.nextFundingNs = next;
      }
      this.refreshNextFunding(slotsInUse);
    }
    if (daysCrossed <= 0n) return;
    let daysPerYear = this.daysPerYear;
    if (daysPerYear <= 0) daysPerYear = DEFAULT_DAYS_PER_YEAR;
    const years = Number(daysCrossed) / daysPerYear;
    for (let i = 0; i < slotsInUse; i += 1) {
      const slot = this.slots.get(i);
      if (!slot || slot.borrowRate === 0) continue;
      const position = held(i)!;
      if (position.position >= 0 || position.settlement !== SettlementCode.SPOT || !position.hasMark) continue;
      const cost = -position.position * position.mark * position.multiplier * slot.borrowRate * years;
      this.addCash(position.currency, -cost);
      slot.borrow = slot.borrow + cost;
    }
    const cashRate = this.negativeCashRate;
    if (cashRate === 0) return;
    this.currencyStates.forEach((c, currency) => {
      if (!c.configured || c.balance >= 0) return;
      const interest = -c.balance * cashRate * years;
      this.addCash(currency, -interest);
      c.interestPaid = c.interestPaid + interest;
      this.interestPaid = this.interestPaid + interest * c.rate;
    });
  }

  instrumentLedger(instrument: number): InstrumentLedger {
    const slot = this.slot(instrument);
    return {
      realised: slot.realised,
      fees: slot.fees,
      funding: slot.funding,
      borrow: slot.borrow,
      slippage: slot.slippage,
      turnover: slot.turnover,
      fills: slot.fills,
      roundTrips: slot.roundTrips,
      winners: slot.winners,
      openLots: slot.lots.length,
      fundingRate: slot.fundingRate,
      fundingIntervalNs: slot.fundingIntervalNs,
      nextFundingNs: slot.nextFundingNs,
      borrowRate: slot.borrowRate,
    };
  }

  currencies(): CurrencyBalance[] {
    return this.currencyStates.flatMap((c, currency) => (c.configured ? [{ currency, balance: c.balance, rate: c.rate, interestPaid: c.interestPaid }] : []));
  }

  openLots(instrument: number): OpenLot[] {
    return this.slot(instrument).lots.map((lot) => ({ ...lot }));
  }

  totals(): PortfolioTotals {
    return {
      linking: this.linking,
      negativeCashRate: this.negativeCashRate,
      daysPerYear: this.daysPerYear,
      nextFundingNs: this.nextFundingNs,
      roundTrips: this.roundTrips,
      winners: this.winners,
      interestPaid: this.interestPaid,
      lotsInUse: this.pool.used,
      lotMerges: this.pool.merges,
    };
  }
}
