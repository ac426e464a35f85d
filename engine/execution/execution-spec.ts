// What the core needs to trade, beyond the risk limits: the account's currencies and carry,
// each instrument's contract terms, the order table, the order stage, the exits of the
// strategy and the simulated venue, in the units the core takes (ns, codes, fractions).
// Plain data, so it crosses to the engine thread by structured clone; built from the
// validated configuration by execution-from-config.ts.
import type { ResolvedVenueConfig } from '../venue/index.js';


export const LINKING_CODES = { fifo: 0, lifo: 1, parent: 2 } as const;
export const ORDER_TYPE_CODES = { market: 0, limit: 1, stop: 2, stopLimit: 3, trailingStop: 4 } as const;
export const TIF_CODES = { gtc: 0, ioc: 1, fok: 2, day: 3, postOnly: 4 } as const;
export const SETTLEMENT_CODES = { spot: 0, margin: 1 } as const;
export const REENTRY_CODES = { afterSignalReset: 0, immediate: 1 } as const;

export interface ExecutionSpec {
  readonly account: AccountSpec;
  /** Contract terms of every instrument the risk module knows (same ids). */
  readonly instruments: readonly InstrumentTermsSpec[];
  readonly orders: OrdersSpec;
  readonly orderStage: OrderStageSpec;
  /** The exits of the decision strategy, for the instruments listed; none without. */
  readonly exits?: ExitsSpec;
  /** The simulated venue (backtest, paper); none when every order goes to a live venue. */
  readonly venue?: VenueSpec;
}

export interface AccountSpec {
  /** Quote currencies other than the account's: id (1 .. 15) and starting rate (account currency per unit). */
  readonly currencies: readonly { readonly id: number; readonly code: string; readonly rate: number }[];
  readonly negativeCashRate: number;
  readonly daysPerYear: number;
  readonly linking: number;
}

export interface InstrumentTermsSpec {
  readonly instrument: number;
  readonly multiplier: number;
  /** 0: the account currency. */
  readonly currency: number;
  readonly settlement: number;
  readonly fundingRate: number;
  readonly fundingIntervalNs: bigint;
  readonly borrowRate: number;
}

export interface OrdersSpec {
  readonly capacity: number;
  readonly ackTimeoutNs: bigint;
  readonly cancelTimeoutNs: bigint;
  /** Id of the first order (a persisted high-water mark + 1 in live and paper trading; 1 in a backtest). */
  readonly firstOrderId: bigint;
}

export interface OrderStageSpec {
  readonly bandEquityPct: number;
  readonly bandPositionPct: number;
  readonly entryType: number;
  readonly entryTif: number;
  readonly limitOffsetBps: number;
  readonly repriceBps: number;
  /** Bars in a row a target change must ask for the same side before it trades (1: at once). */
  readonly confirmBars: number;
}

export interface ExitsSpec {
  readonly stopPct: number;
  readonly atrMultiple: number;
  /** Indicator token of the ATR the multiples use (joins the indicator plan when a multiple is set). */
  readonly atrToken: string;
  readonly trailPct: number;
  readonly trailAtrMultiple: number;
  readonly targets: readonly { readonly pct: number; readonly fraction: number }[];
  readonly maxHoldNs: bigint;
  /** By regime label code: trending, mean-reverting, choppy. */
  readonly regimeMultiplier: readonly [number, number, number];
  readonly reentry: number;
  readonly instruments: readonly number[];
}

/** The simulated venue: its resolved configuration (engine/venue/venue-config.ts). */
export type VenueSpec = ResolvedVenueConfig;

/** Whether the exits use an ATR (so its token must be in the indicator plan). */
export function exitsNeedAtr(exits: ExitsSpec | undefined): boolean {
  return exits !== undefined && (exits.atrMultiple > 0 || exits.trailAtrMultiple > 0);
}
