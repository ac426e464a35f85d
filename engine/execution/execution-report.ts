// What a run's execution amounted to, read from the core's ORDERS and PORTFOLIO regions once
// the engine stopped (so the state is consistent): orders by final state (and why they ended
// canceled, rejected or expired), fills, and each
// instrument's realised P&L, costs (fees, slippage, funding, borrow) and turnover, plus the
// account's interest and the round-trip counts. Amounts per instrument are in its quote
// currency (`rate` converts them); turnover and interest in the account currency.
import { endReasonCounts, isTerminalState, orderSlotOffset, orderStateName, OrderState, readOrderSlot, readOrderTableCounters, type EndedOrdersByReason } from '../orders/index.js';
import { readInstrumentLedger, readPortfolioTotals, type InstrumentLedger } from '../portfolio/index.js';
import { RiskLayout, readRiskInstrumentState } from '../risk/index.js';
import { readUnknownVolumeBars } from '../venue/index.js';

export interface OrdersReport {
  /** ORDER records written: orders sent, or released by the core's emulation. */
  readonly sent: number;
  /** Orders created held by the core (trailing stops). */
  readonly held: number;
  /** Orders by final state; `working` holds those still live at the end, by state name. */
  readonly filled: number;
  readonly canceled: number;
  readonly rejected: number;
  readonly expired: number;
  /** The canceled, rejected and expired orders by why they ended (the venue's reason, named as the orders topic names it). */
  readonly endedBy: EndedOrdersByReason;
  readonly working: Readonly<Record<string, number>>;
  readonly fills: number;
  readonly partialFills: number;
  readonly cancelsSent: number;
  readonly replacesSent: number;
  readonly uncertain: number;
  readonly illegalTransitions: number;
  /** Orders refused before creation (risk records), and of those for a full table. */
  readonly refused: number;
  readonly tableFull: number;
  /** ORDER_NOTICE counts by code (index = code). */
  readonly notices: readonly number[];
}

/** One instrument's part of the run: its ledger's P&L and costs (InstrumentLedger; realised as realisedPnl). */
export interface InstrumentExecution extends Pick<InstrumentLedger, 'fees' | 'funding' | 'borrow' | 'slippage' | 'turnover' | 'fills' | 'roundTrips'> {
  readonly instrument: number;
  readonly realisedPnl: number;
  /** Account currency per unit of its quote currency at the end of the run (1 when they are the same). */
  readonly rate: number;
  /** Bars the simulated venue saw with no volume (NaN): no participation cap or impact applied on them. */
  readonly unknownVolumeBars: number;
}

export interface ExecutionReport {
  readonly orders: OrdersReport;
  readonly instruments: readonly InstrumentExecution[];
  readonly interestPaid: number;
  readonly roundTrips: number;
  readonly winners: number;
  /** Entries that joined an instrument's newest lot for lack of room (linking then approximate). */
  readonly lotMerges: number;
}

export function readExecutionReport(memory: WebAssembly.Memory, instruments: readonly number[]): ExecutionReport {
  const view = new DataView(memory.buffer);
  const table = readOrderTableCounters(view);
  const working: Record<string, number> = {};
  if (table.live > 0) {
    for (let slot = 0; slot < table.capacity; slot++) {
      const { state } = readOrderSlot(view, orderSlotOffset(slot));
      if (state === OrderState.EMPTY || isTerminalState(state)) continue;
      const name = orderStateName(state);
      working[name] = (working[name] ?? 0) + 1;
    }
  }
  const orders: OrdersReport = {
    sent: table.submitted,
    held: table.held,
    filled: table.filled,
    canceled: table.canceled,
    rejected: table.rejected,
    expired: table.expired,
    endedBy: endReasonCounts(table.endReasons),
    working,
    fills: table.fills,
    partialFills: table.partialFills,
    cancelsSent: table.cancelsSent,
    replacesSent: table.replacesSent,
    uncertain: table.uncertain,
    illegalTransitions: table.illegal,
    refused: table.denied + table.tableFull,
    tableFull: table.tableFull,
    notices: table.notices,
  };
  const totals = readPortfolioTotals(view);
  return {
    orders,
    instruments: instruments.map((instrument) => {
      const { realised, fees, funding, borrow, slippage, turnover, fills, roundTrips } = readInstrumentLedger(view, instrument);
      const { multiplier, valueFactor } = readRiskInstrumentState(view, RiskLayout.RISK_SLOTS_OFFSET + instrument * RiskLayout.RISK_SLOT_BYTES);
      const rate = multiplier > 0 && valueFactor > 0 ? valueFactor / multiplier : 1;
      return { instrument, realisedPnl: realised, fees, funding, borrow, slippage, turnover, fills, roundTrips, rate, unknownVolumeBars: readUnknownVolumeBars(view, instrument) };
    }),
    interestPaid: totals.interestPaid,
    roundTrips: totals.roundTrips,
    winners: totals.winners,
    lotMerges: totals.lotMerges,
  };
}
