// The contract of the portfolio ledger behind the risk account, kept by both implementations:
// the WASM core glue (engine/risk/wasm-risk-engine.ts over wasm/assembly/portfolio) and the
// plain TS reference (engine/risk/reference-risk-engine.ts). It sits beside PreTradeRisk
// (engine/risk/risk-engine.ts): contract terms and carry, fills with their order's
// attribution, FUNDING and RATE records, round trips, the P&L breakdown and cash per currency.
// Amounts are in the instrument's quote currency unless marked "account currency".
import type { RiskRecord } from '../risk/index.js';
import { LINK_FIFO, LINK_LIFO, LINK_PARENT } from './portfolio-layout.js';

/** How a closing fill picks the open lots it closes: oldest first, newest first, the exit's parent entry first. */
export const LinkingPolicy = { FIFO: LINK_FIFO, LIFO: LINK_LIFO, PARENT: LINK_PARENT } as const;
export type LinkingCode = (typeof LinkingPolicy)[keyof typeof LinkingPolicy];

/** Settlement of an instrument (SETTLE_* of engine/risk/risk-region.ts): spot pays the notional, margin moves cash by realised P&L. */
export const SettlementCode = { SPOT: 0, MARGIN: 1 } as const;
export type SettlementCodeValue = (typeof SettlementCode)[keyof typeof SettlementCode];

export interface PortfolioTerms {
  readonly linking: LinkingCode;
  /** Annual interest on a negative balance of any currency, charged per UTC day boundary crossed (>= 0). */
  readonly negativeCashRate: number;
  /** Days per year carry accrues over (> 0). */
  readonly daysPerYear: number;
}

/** Contract terms and carry of one configured, flat instrument. */
export interface InstrumentTerms {
  readonly instrument: number;
  /** A contract at price p is worth p * multiplier quote units (> 0). */
  readonly multiplier: number;
  /** Quote currency id: 0 is the account currency, others configured with configureCurrency. */
  readonly currency: number;
  readonly settlement: SettlementCodeValue;
  /** Funding rate per interval (perpetuals; longs pay a positive rate), 0 for none. */
  readonly fundingRate: number;
  /** Funding is paid at every multiple of this interval since the epoch (> 0 when the rate is not 0). */
  readonly fundingIntervalNs: bigint;
  /** Annual borrow rate of a spot short, charged per UTC day boundary crossed (>= 0). */
  readonly borrowRate: number;
}

/** A fill with the attribution of the order it belongs to. */
export interface PortfolioFill {
  readonly instrument: number;
  readonly tsNs: bigint;
  /** Signed quantity: + bought, - sold. */
  readonly qty: number;
  readonly price: number;
  /** Fee, quote currency. */
  readonly fee: number;
  /** 0n when unknown. */
  readonly orderId: bigint;
  /** What created the order: the strategy (0), an exit rule, or -1 when unknown. */
  readonly rule: number;
  /** The entry order an exit protects (LINK_PARENT closes its lots first); 0n for none. */
  readonly parentId: bigint;
  /** The price the order was decided at (slippage is measured against it); 0 for none. */
  readonly referencePrice: number;
}

/** A FUNDING record: `instrument` pays `rate` on its position valued at `price` (0: its mark). */
export interface FundingEvent {
  readonly instrument: number;
  readonly tsNs: bigint;
  readonly rate: number;
  readonly price: number;
}

/** A RATE record: `currency` (1..15) is now worth `rate` units of the account currency. */
export interface RateEvent {
  readonly currency: number;
  readonly tsNs: bigint;
  readonly rate: number;
}

/** One round trip of the trade list: an entry lot (or a part of one) and the fill that closed it. */
export interface RoundTrip {
  readonly instrument: number;
  readonly entryNs: bigint;
  readonly exitNs: bigint;
  readonly entryPrice: number;
  /** Signed quantity: + a long trip, - a short one. */
  readonly qty: number;
  readonly exitPrice: number;
  /** (grossPnl - entryFees - exitFees) * rate, account currency. */
  readonly netPnl: number;
  readonly entryOrderId: bigint;
  readonly exitOrderId: bigint;
  /** (exitPrice - entryPrice) * qty * multiplier. */
  readonly grossPnl: number;
  /** The entry fill's fee for this quantity; exitFees likewise. */
  readonly entryFees: number;
  readonly exitFees: number;
  /** Account currency per unit of the quote currency at the exit. */
  readonly rate: number;
  readonly entryRule: number;
  readonly exitRule: number;
}

/** What a fill produced: FlattenRequired records of a kill-switch trip, and the round trips it closed. */
export interface FillOutcome {
  readonly records: RiskRecord[];
  readonly roundTrips: RoundTrip[];
}

/** One instrument's P&L breakdown and carry settings. */
export interface InstrumentLedger {
  /** Sum of its round trips' gross P&L. */
  readonly realised: number;
  readonly fees: number;
  /** Funding paid (> 0) or received (< 0). */
  readonly funding: number;
  /** Borrow paid on spot shorts. */
  readonly borrow: number;
  /** Sum over fills of (price - referencePrice) * qty * multiplier: a cost when > 0. */
  readonly slippage: number;
  /** Sum of |qty| * price * valueFactor, account currency. */
  readonly turnover: number;
  readonly fills: number;
  readonly roundTrips: number;
  /** Round trips with a positive net P&L. */
  readonly winners: number;
  readonly openLots: number;
  readonly fundingRate: number;
  readonly fundingIntervalNs: bigint;
  /** Next funding time at the configured interval (i64 max: none). */
  readonly nextFundingNs: bigint;
  readonly borrowRate: number;
}

/** Cash held in one configured currency. */
export interface CurrencyBalance {
  readonly currency: number;
  readonly balance: number;
  /** Account currency per unit. */
  readonly rate: number;
  /** Interest paid on a negative balance, in this currency. */
  readonly interestPaid: number;
}

/** An open lot: an entry fill (or the part of one that opened a position) not yet closed. */
export interface OpenLot {
  readonly orderId: bigint;
  /** Signed remaining quantity. */
  readonly qty: number;
  readonly price: number;
  readonly tsNs: bigint;
  readonly feePerUnit: number;
  readonly rule: number;
}

/** Portfolio-wide settings and counters. */
export interface PortfolioTotals {
  readonly linking: number;
  readonly negativeCashRate: number;
  readonly daysPerYear: number;
  /** Earliest funding time of any instrument with a funding rate (i64 max: none). */
  readonly nextFundingNs: bigint;
  readonly roundTrips: number;
  readonly winners: number;
  /** Interest charged so far, account currency. */
  readonly interestPaid: number;
  readonly lotsInUse: number;
  /** Entries that joined an instrument's newest lot because it held the most lots allowed. */
  readonly lotMerges: number;
}

/** Configuration of the ledger. Call configureCurrency before the account starts (init). */
export interface PortfolioSetup {
  configurePortfolio(terms: PortfolioTerms): void;
  configureCurrency(currency: number, rate: number): void;
  /** Needs the instrument configured in the risk account and flat. */
  configureContract(terms: InstrumentTerms): void;
}

/** Reads of the ledger, changing nothing. */
export interface PortfolioReader {
  instrumentLedger(instrument: number): InstrumentLedger;
  /** Every configured currency, by id (the account currency first). */
  currencies(): CurrencyBalance[];
  /** The instrument's open lots, oldest first. */
  openLots(instrument: number): OpenLot[];
  portfolioTotals(): PortfolioTotals;
}

export interface Portfolio extends PortfolioSetup, PortfolioReader {
  /** A fill (see wasm/assembly/portfolio/apply-fill.ts). Working quantities are not released. */
  applyFill(fill: PortfolioFill): FillOutcome;
  /** A FUNDING record; returns the FlattenRequired records of a trip (usually none). */
  onFunding(funding: FundingEvent): RiskRecord[];
  /** A RATE record: cash in the currency and positions quoted in it are re-valued. */
  onRate(rate: RateEvent): RiskRecord[];
}
