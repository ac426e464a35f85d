// Writes the input of the independent P&L check (tools/pnl/recompute_pnl.py, format
// "quantflow-pnl/1", described in its docstring) from a ledger's state and the fills as the
// I/O thread sees them: FILL records (price, signed size, a = fee, id = order id). Each fill
// carries its instrument's contract terms (multiplier, quote currency, settlement); the file
// holds the final marks and rates, the starting cash and the linking policy (FIFO or LIFO:
// the script matches lots itself; PARENT needs the orders' parents, which FILL records lack).
import { EV_A, EV_ID, EV_INSTRUMENT, EV_KIND, EV_PRICE, EV_SIZE, EV_TS_EXCHANGE, EventKind, KIND_MASK } from '../layout/event-record.js';
import type { PreTradeRisk } from '../risk/index.js';
import { LinkingPolicy, SettlementCode, type PortfolioReader } from './portfolio.js';

/** A FILL record, decoded. */
export interface FillRecord {
  readonly instrument: number;
  readonly tsNs: bigint;
  /** Signed quantity: + bought, - sold. */
  readonly qty: number;
  readonly price: number;
  /** Fee, quote currency. */
  readonly fee: number;
  readonly orderId: bigint;
}

/** Decodes the FILL record at byte `offset`; fails on another kind. */
export function readFillRecord(view: DataView, offset: number): FillRecord {
  const kind = view.getInt32(offset + EV_KIND, true) & KIND_MASK;
  if (kind !== EventKind.FILL) throw new Error(`record at ${offset} must be a FILL (kind ${EventKind.FILL}), was kind ${kind}`);
  return {
    instrument: view.getInt32(offset + EV_INSTRUMENT, true),
    tsNs: view.getBigInt64(offset + EV_TS_EXCHANGE, true),
    qty: view.getFloat64(offset + EV_SIZE, true),
    price: view.getFloat64(offset + EV_PRICE, true),
    fee: view.getFloat64(offset + EV_A, true),
    orderId: view.getBigUint64(offset + EV_ID, true),
  };
}

/** One fill of the export, with its instrument's contract terms. */
export interface PnlFill {
  readonly tsNs: string;
  readonly instrument: number;
  readonly qty: number;
  readonly price: number;
  readonly fee: number;
  readonly multiplier: number;
  readonly currency: number;
  readonly settlement: 'spot' | 'margin';
}

export interface PnlExport {
  readonly format: 'quantflow-pnl/1';
  readonly startingCash: number;
  readonly linking: 'fifo' | 'lifo';
  /** Account currency per unit, by currency id (final). */
  readonly rates: Record<string, number>;
  /** Final mark, by instrument id. */
  readonly marks: Record<string, number>;
  readonly fills: PnlFill[];
}

/** What the export reads of a ledger: the risk slots, the currencies and the linking policy. */
export type PnlStateSource = Pick<PreTradeRisk, 'instrumentState'> & Pick<PortfolioReader, 'currencies' | 'portfolioTotals'>;

/** The export of `fills` applied to `state`, which started with `startingCash` of the account currency. */
export function exportPnl(state: PnlStateSource, fills: readonly FillRecord[], startingCash: number): PnlExport {
  if (!Number.isFinite(startingCash) || startingCash <= 0) throw new Error(`\`startingCash\` must be finite and > 0, was ${startingCash}`);
  const { linking } = state.portfolioTotals();
  if (linking !== LinkingPolicy.FIFO && linking !== LinkingPolicy.LIFO) {
    throw new Error(`the ledger's linking must be FIFO (${LinkingPolicy.FIFO}) or LIFO (${LinkingPolicy.LIFO}) for the P&L check, was ${linking}`);
  }
  const instruments = [...new Set(fills.map((fill) => fill.instrument))].sort((a, b) => a - b);
  const slots = new Map(instruments.map((instrument) => [instrument, state.instrumentState(instrument)]));
  const marks: Record<string, number> = {};
  for (const [instrument, slot] of slots) {
    if (!slot.hasMark) throw new Error(`instrument ${instrument} has fills but no mark`);
    marks[String(instrument)] = slot.mark;
  }
  const rates: Record<string, number> = {};
  for (const { currency, rate } of state.currencies()) rates[String(currency)] = rate;
  return {
    format: 'quantflow-pnl/1',
    startingCash,
    linking: linking === LinkingPolicy.FIFO ? 'fifo' : 'lifo',
    rates,
    marks,
    fills: fills.map((fill) => {
      const slot = slots.get(fill.instrument)!;
      return {
        tsNs: fill.tsNs.toString(),
        instrument: fill.instrument,
        qty: fill.qty,
        price: fill.price,
        fee: fill.fee,
        multiplier: slot.multiplier,
        currency: slot.currency,
        settlement: slot.settlement === SettlementCode.MARGIN ? 'margin' : 'spot',
      };
    }),
  };
}
