// TS glue over the core's portfolio ledger (wasm/assembly/portfolio): the configuration exports
// (linking and carry, currencies, contract terms) and reads of the PORTFOLIO region. The calls
// that move the ledger and may trip the kill switch (fills, FUNDING, RATE) go through the risk
// glue (engine/risk/wasm-risk-engine.ts), which reads the flatten records they publish.
import { checkCoreStatus } from '../core/core-status.js';
import type { CoreExports } from '../core/wasm-core.js';
import type { CurrencyBalance, InstrumentLedger, InstrumentTerms, OpenLot, PortfolioReader, PortfolioSetup, PortfolioTerms, PortfolioTotals } from './portfolio.js';
import { readCurrencies, readInstrumentLedger, readOpenLots, readPortfolioTotals } from './read-portfolio-state.js';

/** The portfolio exports of wasm/assembly/index.ts. */
export interface PortfolioCoreExports extends CoreExports {
  portfolioConfigure(linking: number, negativeCashRate: number, daysPerYear: number): number;
  portfolioConfigureCurrency(currency: number, rate: number): number;
  portfolioConfigureInstrument(instrument: number, multiplier: number, currency: number, settlement: number, fundingRate: number, fundingIntervalNs: bigint, borrowRate: number): number;
  portfolioApplyFill(instrument: number, tsNs: bigint, qty: number, price: number, fee: number, orderId: bigint, rule: number, parentId: bigint, referencePrice: number, outRing: number): number;
  portfolioOnFunding(record: number, outRing: number): number;
  portfolioOnRate(record: number, outRing: number): number;
}

export class WasmPortfolio implements PortfolioSetup, PortfolioReader {
  private readonly view: DataView;

  constructor(readonly core: PortfolioCoreExports, memory: WebAssembly.Memory) {
    this.view = new DataView(memory.buffer);
  }

  configurePortfolio(terms: PortfolioTerms): void {
    checkCoreStatus(this.core.portfolioConfigure(terms.linking, terms.negativeCashRate, terms.daysPerYear), `portfolioConfigure(${JSON.stringify(terms)})`);
  }

  configureCurrency(currency: number, rate: number): void {
    checkCoreStatus(this.core.portfolioConfigureCurrency(currency, rate), `portfolioConfigureCurrency(${currency}, ${rate})`);
  }

  configureContract(terms: InstrumentTerms): void {
    const { instrument, multiplier, currency, settlement, fundingRate, fundingIntervalNs, borrowRate } = terms;
    checkCoreStatus(
      this.core.portfolioConfigureInstrument(instrument, multiplier, currency, settlement, fundingRate, fundingIntervalNs, borrowRate),
      `portfolioConfigureInstrument(${instrument}, multiplier ${multiplier}, currency ${currency}, settlement ${settlement}, funding ${fundingRate} per ${fundingIntervalNs} ns, borrow ${borrowRate})`,
    );
  }

  instrumentLedger(instrument: number): InstrumentLedger {
    return readInstrumentLedger(this.view, instrument);
  }

  currencies(): CurrencyBalance[] {
    return readCurrencies(this.view);
  }

  openLots(instrument: number): OpenLot[] {
    return readOpenLots(this.view, instrument);
  }

  portfolioTotals(): PortfolioTotals {
    return readPortfolioTotals(this.view);
  }
}
