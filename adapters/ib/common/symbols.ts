// Instruments <-> IB contracts: the configured instruments, keyed both ways, and the contract
// resolution cache (symbol/secType/exchange/currency -> conId and order size step, filled by
// REQ_CONTRACT_DATA once and kept across reconnects: a conId never changes).
import type { ResolvedIbInstrument } from '../config.js';

export interface IbContractSpec {
  readonly conId?: number;
  readonly symbol: string;
  readonly secType: string;
  readonly exchange: string;
  readonly primaryExch?: string;
  readonly currency: string;
}

export class InstrumentContracts {
  private readonly byInstrument = new Map<number, ResolvedIbInstrument>();
  private readonly conIds = new Map<number, number>();
  /** Order size step by instrument (the contract's sizeIncrement); null: TWS sent none. */
  private readonly sizeSteps = new Map<number, number | null>();
  /** Smallest order size by instrument (the contract's minSize); null: TWS sent none. */
  private readonly minSizes = new Map<number, number | null>();
  private readonly instrumentsByConId = new Map<number, number>();
  private readonly instrumentsBySymbol = new Map<string, number>();

  constructor(instruments: readonly ResolvedIbInstrument[]) {
    for (const i of instruments) {
      this.byInstrument.set(i.instrument, i);
      this.instrumentsBySymbol.set(`${i.symbol}|${i.secType}|${i.currency}`, i.instrument);
    }
  }

  instruments(): number[] {
    return [...this.byInstrument.keys()];
  }

  config(instrument: number): ResolvedIbInstrument {
    const i = this.byInstrument.get(instrument);
    if (!i) throw new Error(`IB adapter: instrument ${instrument} is not configured (configured: ${this.instruments().join(', ')})`);
    return i;
  }

  has(instrument: number): boolean {
    return this.byInstrument.has(instrument);
  }

  /** The contract to send for `instrument`: with its conId once resolved. */
  contract(instrument: number): IbContractSpec {
    const i = this.config(instrument);
    const conId = this.conIds.get(instrument);
    return { ...(conId === undefined ? {} : { conId }), symbol: i.symbol, secType: i.secType, exchange: i.exchange, currency: i.currency, ...(i.primaryExchange ? { primaryExch: i.primaryExchange } : {}) };
  }

  isResolved(instrument: number): boolean {
    return this.conIds.has(instrument);
  }

  resolve(instrument: number, conId: number, sizeStep: number | null = null, minSize: number | null = null): void {
    if (!Number.isInteger(conId) || conId <= 0) throw new Error(`IB adapter: conId of instrument ${instrument} must be a positive integer, was ${conId}`);
    this.conIds.set(instrument, conId);
    this.sizeSteps.set(instrument, sizeStep);
    this.minSizes.set(instrument, minSize);
    this.instrumentsByConId.set(conId, instrument);
  }

  /** The order size step of `instrument` as its contract details gave it; null: unresolved, or TWS sent none. */
  sizeStep(instrument: number): number | null {
    return this.sizeSteps.get(instrument) ?? null;
  }

  /** The smallest order size of `instrument` as its contract details gave it; null: unresolved, or TWS sent none. */
  minSize(instrument: number): number | null {
    return this.minSizes.get(instrument) ?? null;
  }

  /** The engine instrument of an IB contract (by conId, else by symbol/secType/currency); null: not ours. */
  instrumentOf(contract: { conId?: number; symbol?: string; secType?: string; currency?: string }): number | null {
    if (contract.conId !== undefined) {
      const byId = this.instrumentsByConId.get(contract.conId);
      if (byId !== undefined) return byId;
    }
    return this.instrumentsBySymbol.get(`${contract.symbol}|${contract.secType}|${contract.currency}`) ?? null;
  }
}
