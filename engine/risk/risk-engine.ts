// The contract both pre-trade risk implementations keep: the WASM core glue
// (wasm-risk-engine.ts) and the plain TS reference (reference-risk-engine.ts). Parity tests
// drive both through it with the same streams and compare every decision and state field.
// Both also keep the portfolio ledger's contract (engine/portfolio/portfolio.ts).
import type { InstrumentRiskConfig, RiskLimits } from './risk-limits.js';

/** A risk record (REJECT kind on the outbound ring): OrderDenied, OrderDeferred or FlattenRequired. */
export interface RiskRecord {
  readonly instrument: number;
  readonly tsNs: bigint;
  readonly clockNs: bigint;
  readonly price: number;
  /** Signed quantity: the order's, or the quantity that flattens the position. */
  readonly qty: number;
  readonly reason: number;
  /** The limit the order met (see wasm/assembly/risk/risk-reasons.ts). */
  readonly limit: number;
  readonly orderId: bigint;
}

export interface ProposedOrder {
  readonly orderId: bigint;
  readonly instrument: number;
  readonly tsNs: bigint;
  /** Signed quantity: + buy, - sell. */
  readonly qty: number;
  /** Limit price, or the expected fill price of a market order. */
  readonly price: number;
}

export interface RiskDecision {
  /** RiskReason.ACCEPTED (0) or the reason of the denial / deferral. */
  readonly reason: number;
  readonly record: RiskRecord | null;
}

export interface RiskAccountState {
  readonly cash: number;
  readonly marketValue: number;
  readonly equity: number;
  readonly highWaterMark: number;
  readonly dayStartEquity: number;
  readonly halted: boolean;
  readonly tripCount: number;
  readonly tripEquity: number;
  readonly clockNs: bigint;
}

export interface RiskInstrumentState {
  readonly position: number;
  /** costBasis / position: the price of the open lots (0 when flat). */
  readonly averagePrice: number;
  readonly pendingBuy: number;
  readonly pendingSell: number;
  readonly mark: number;
  readonly markTsNs: bigint;
  readonly hasMark: boolean;
  /**
   * Time of the instrument's latest market record the engine has taken and marks next
   * (priceInHand; 0 before any): the staleness check counts from the later of it and markTsNs.
   */
  readonly priceInHandNs: bigint;
  /** Contract multiplier: a contract at price p is worth p * multiplier quote units. */
  readonly multiplier: number;
  /** Quote currency id (0: the account currency). */
  readonly currency: number;
  /** SETTLE_SPOT (0) or SETTLE_MARGIN (1) of risk-region.ts. */
  readonly settlement: number;
  /** multiplier * the quote currency's rate: account currency per contract per unit of price. */
  readonly valueFactor: number;
  /** This instrument's part of marketValue: position * mark * valueFactor (spot) or (position * mark - costBasis) * valueFactor (margin). */
  readonly value: number;
  /** Sum over the open lots of signed quantity * entry price. */
  readonly costBasis: number;
}

/** An order the order stage would propose (PreTradeRisk.impliedOrder). */
export interface ImpliedOrder {
  /** Signed quantity (+ buy, - sell); 0 when no order is proposed. */
  readonly qty: number;
  /**
   * The risk reason of the limit that cut the order to fit (MAX_POSITION, ASSET_CLASS,
   * GROSS_EXPOSURE, LEVERAGE) or stopped it (MIN_NOTIONAL, or one of those when nothing fits);
   * RiskReason.ACCEPTED (0) when no limit shaped it.
   */
  readonly limit: number;
}

export interface PreTradeRisk {
  configure(limits: RiskLimits): void;
  configureInstrument(config: InstrumentRiskConfig): void;
  /** Starts the account with `cash` at `tsNs`; positions, marks, window and kill switch cleared. */
  init(cash: number, tsNs: bigint): void;
  /** Last trade price; returns the FlattenRequired records of a kill-switch trip (usually none). */
  onMark(instrument: number, tsNs: bigint, price: number): RiskRecord[];
  /**
   * The engine took a market record of `instrument` at `tsNs` with `price` and marks it once the
   * venue replies due at or before it have run: until then its price of `tsNs` counts as fresh
   * (wasm/assembly/risk/risk-account.ts riskPriceInHand). Ignored for an unconfigured
   * instrument or a price a mark would refuse.
   */
  priceInHand(instrument: number, tsNs: bigint, price: number): void;
  /**
   * A fill of signed `qty` with no order attribution (Portfolio.applyFill has it); returns the
   * FlattenRequired records of a trip (usually none). Working quantities are not released.
   */
  onFill(instrument: number, tsNs: bigint, qty: number, price: number, fee: number): RiskRecord[];
  /**
   * Signed `qty` of accepted orders stopped working (filled, canceled, expired, rejected):
   * released from the working quantities. Fills do not do it themselves: in the engine the
   * order table keeps the working sums; a caller of checkOrder keeps its own orders.
   */
  releaseWorking(instrument: number, qty: number): void;
  checkOrder(order: ProposedOrder): RiskDecision;
  /**
   * The order the order stage proposes to move `instrument` to `target` at `price`, from the
   * state now (wasm/assembly/risk/implied-order.ts): whole lots, an entry fitted to the
   * exposure limits, none below the minimum notional. Changes nothing.
   */
  impliedOrder(instrument: number, target: number, price: number): ImpliedOrder;
  /** While halted: one FlattenRequired record per open position. */
  emitFlatten(): RiskRecord[];
  /** Restores the persisted kill-switch state at start. */
  restoreHalted(halted: boolean): void;
  /** Clears the kill switch (after an authenticated reset); the high-water mark restarts at equity. */
  resetKillSwitch(): void;
  account(): RiskAccountState;
  instrumentState(instrument: number): RiskInstrumentState;
}
