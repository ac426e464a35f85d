// What a run's execution amounted to, read from the core's ORDERS and PORTFOLIO regions once
// the engine stopped (so the state is consistent): orders by final state, fills, and each
// instrument's realised P&L, costs (fees, slippage, funding, borrow) and turnover, plus the
// account's interest and the round-trip counts. Amounts per instrument are in its quote
// currency; turnover and interest in the account currency.
import {
  NOTICE_CODES, OC_CANCELED, OC_CANCELS_SENT, OC_DENIED, OC_EXPIRED, OC_FILLED, OC_FILLS, OC_HELD, OC_ILLEGAL, OC_PARTIAL_FILLS,
  OC_REJECTED, OC_REPLACES_SENT, OC_SUBMITTED, OC_TABLE_FULL, OC_UNCERTAIN, OH_CAPACITY, OH_COUNTERS, OH_LIVE, OH_NOTICES, ORDERS_HEADER, ORDER_SLOTS_OFFSET,
  ORDER_SLOT_BYTES, O_STATE,
} from '../orders/order-layout.js';
import {
  PF_INSTRUMENTS_OFFSET, PF_INSTRUMENT_BYTES, PH_INTEREST_PAID, PH_LOT_MERGES, PH_ROUND_TRIPS, PH_WINNERS, PI_BORROW, PI_FEES, PI_FILLS, PI_FUNDING,
  PI_REALISED, PI_ROUND_TRIPS, PI_SLIPPAGE, PI_TURNOVER, PORTFOLIO_HEADER,
} from '../portfolio/portfolio-layout.js';

/** Order state names by code (wasm/assembly/orders/order-layout.ts). */
export const ORDER_STATE_NAMES = [
  'EMPTY', 'NEW', 'PENDING_SUBMIT', 'OPEN', 'PARTIALLY_FILLED', 'FILLED', 'PENDING_CANCEL', 'PENDING_REPLACE', 'CANCELED', 'REJECTED', 'EXPIRED', 'UNCERTAIN',
] as const;

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

export interface InstrumentExecution {
  readonly instrument: number;
  readonly realisedPnl: number;
  readonly fees: number;
  readonly funding: number;
  readonly borrow: number;
  readonly slippage: number;
  readonly turnover: number;
  readonly fills: number;
  readonly roundTrips: number;
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
  const counter = (index: number): number => Number(view.getBigInt64(ORDERS_HEADER + OH_COUNTERS + 8 * index, true));
  const working: Record<string, number> = {};
  const capacity = view.getInt32(ORDERS_HEADER + OH_CAPACITY, true);
  if (view.getInt32(ORDERS_HEADER + OH_LIVE, true) > 0) {
    for (let slot = 0; slot < capacity; slot++) {
      const state = view.getInt32(ORDER_SLOTS_OFFSET + slot * ORDER_SLOT_BYTES + O_STATE, true);
      const name = ORDER_STATE_NAMES[state];
      if (state !== 0 && !['FILLED', 'CANCELED', 'REJECTED', 'EXPIRED'].includes(name)) working[name] = (working[name] ?? 0) + 1;
    }
  }
  const notices = Array.from({ length: NOTICE_CODES }, (_, code) => Number(view.getBigInt64(ORDERS_HEADER + OH_NOTICES + 8 * code, true)));
  const orders: OrdersReport = {
    sent: counter(OC_SUBMITTED),
    held: counter(OC_HELD),
    filled: counter(OC_FILLED),
    canceled: counter(OC_CANCELED),
    rejected: counter(OC_REJECTED),
    expired: counter(OC_EXPIRED),
    working,
    fills: counter(OC_FILLS),
    partialFills: counter(OC_PARTIAL_FILLS),
    cancelsSent: counter(OC_CANCELS_SENT),
    replacesSent: counter(OC_REPLACES_SENT),
    uncertain: counter(OC_UNCERTAIN),
    illegalTransitions: counter(OC_ILLEGAL),
    refused: counter(OC_DENIED) + counter(OC_TABLE_FULL),
    tableFull: counter(OC_TABLE_FULL),
    notices,
  };
  return {
    orders,
    instruments: instruments.map((instrument) => {
      const p = PF_INSTRUMENTS_OFFSET + instrument * PF_INSTRUMENT_BYTES;
      return {
        instrument,
        realisedPnl: view.getFloat64(p + PI_REALISED, true),
        fees: view.getFloat64(p + PI_FEES, true),
        funding: view.getFloat64(p + PI_FUNDING, true),
        borrow: view.getFloat64(p + PI_BORROW, true),
        slippage: view.getFloat64(p + PI_SLIPPAGE, true),
        turnover: view.getFloat64(p + PI_TURNOVER, true),
        fills: Number(view.getBigInt64(p + PI_FILLS, true)),
        roundTrips: Number(view.getBigInt64(p + PI_ROUND_TRIPS, true)),
      };
    }),
    interestPaid: view.getFloat64(PORTFOLIO_HEADER + PH_INTEREST_PAID, true),
    roundTrips: Number(view.getBigInt64(PORTFOLIO_HEADER + PH_ROUND_TRIPS, true)),
    winners: Number(view.getBigInt64(PORTFOLIO_HEADER + PH_WINNERS, true)),
    lotMerges: Number(view.getBigInt64(PORTFOLIO_HEADER + PH_LOT_MERGES, true)),
  };
}
