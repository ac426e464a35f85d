// Reads the published-state block (state-layout.ts; written by the core at batch boundaries,
// wasm/assembly/state/state-publish.ts) whole, on any thread holding the shared memory, by the
// seqlock protocol of seqlock-block.ts, and decodes the copy.
import { readSeqlockBlock, type ReadConsistentStateOptions, type SeqlockBlockLayout } from './seqlock-block.js';
import * as S from './state-layout.js';

export interface ConsistentAccount {
  /** cash + marketValue, as the core computed it from the two values below. */
  readonly equity: number;
  readonly cash: number;
  readonly marketValue: number;
  /**
   * Sum of the instruments' realised P&L less the interest paid on negative cash (account
   * currency). equity - starting cash = realisedPnl + unrealisedPnl.
   */
  readonly realisedPnl: number;
  /** Sum of the instruments' unrealised P&L (account currency). */
  readonly unrealisedPnl: number;
  readonly highWaterMark: number;
  /** max(0, (highWaterMark - equity) / highWaterMark). */
  readonly drawdown: number;
  readonly halted: boolean;
  readonly tripCount: number;
  /** Sum of the instruments' worst-case exposures (working orders included), summed at publish time: exactly 0 for a flat book. */
  readonly grossExposure: number;
  /** Sum of position * mark * valueFactor, signed. */
  readonly netExposure: number;
  /** Live orders in UNCERTAIN. */
  readonly uncertainOrders: number;
  /** Orders refused before they were created, since the start. */
  readonly deniedOrders: number;
}

export interface ConsistentInstrument {
  readonly instrument: number;
  /** Signed contracts. */
  readonly position: number;
  /** Last mark (0 before any). */
  readonly mark: number;
  readonly avgPrice: number;
  /** (position * mark - cost) * value factor less the open lots' entry fees, account currency. */
  readonly unrealisedPnl: number;
  /** Closed round trips' P&L net of their fees, less funding and borrow, at the quote currency's current rate (account currency). */
  readonly realisedPnl: number;
  /** Its part of marketValue, account currency. */
  readonly value: number;
}

export interface ConsistentState {
  /** The seqlock value the block was read at (even; grows by 2 per publication). */
  readonly seq: number;
  /** Inbound records consumed over the core's life when the block was written: it covers exactly those. */
  readonly inboundSeq: number;
  /** The risk clock (ns). */
  readonly clockNs: bigint;
  readonly account: ConsistentAccount;
  /** Every configured instrument, by id. */
  readonly instruments: ConsistentInstrument[];
}

const STATE_BLOCK: SeqlockBlockLayout = {
  reader: 'readConsistentState', offset: S.PUBLISHED_STATE_OFFSET, maxBytes: S.PS_BLOCK_BYTES_MAX, headerBytes: S.PS_ENTRIES, entryBytes: S.PS_ENTRY_BYTES, countField: S.PS_COUNT,
};

export function readConsistentState(memory: WebAssembly.Memory, options: ReadConsistentStateOptions = {}): ConsistentState {
  const { view, seq, count } = readSeqlockBlock(memory, STATE_BLOCK, options);
  return decode(view, seq, count);
}

function decode(view: DataView, seq: number, count: number): ConsistentState {
  const f64 = (at: number): number => view.getFloat64(at, true);
  const instruments: ConsistentInstrument[] = [];
  for (let i = 0; i < count; i += 1) {
    const e = S.PS_ENTRIES + i * S.PS_ENTRY_BYTES;
    instruments.push({
      instrument: view.getInt32(e + S.PE_INSTRUMENT, true),
      position: f64(e + S.PE_POSITION),
      mark: f64(e + S.PE_MARK),
      avgPrice: f64(e + S.PE_AVG_PRICE),
      unrealisedPnl: f64(e + S.PE_UNREALISED_PNL),
      realisedPnl: f64(e + S.PE_REALISED_PNL),
      value: f64(e + S.PE_VALUE),
    });
  }
  return {
    seq,
    inboundSeq: Number(view.getBigInt64(S.PS_INBOUND_SEQ, true)),
    clockNs: view.getBigInt64(S.PS_CLOCK_NS, true),
    account: {
      equity: f64(S.PS_EQUITY),
      cash: f64(S.PS_CASH),
      marketValue: f64(S.PS_MARKET_VALUE),
      realisedPnl: f64(S.PS_REALISED_PNL),
      unrealisedPnl: f64(S.PS_UNREALISED_PNL),
      highWaterMark: f64(S.PS_HWM),
      drawdown: f64(S.PS_DRAWDOWN),
      halted: view.getInt32(S.PS_HALTED, true) === 1,
      tripCount: view.getInt32(S.PS_TRIP_COUNT, true),
      grossExposure: f64(S.PS_GROSS_EXPOSURE),
      netExposure: f64(S.PS_NET_EXPOSURE),
      uncertainOrders: view.getInt32(S.PS_UNCERTAIN_ORDERS, true),
      deniedOrders: Number(view.getBigInt64(S.PS_DENIED_ORDERS, true)),
    },
    instruments,
  };
}
