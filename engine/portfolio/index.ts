// Public surface of engine/portfolio: the ledger behind the risk account (cash per currency,
// contract terms and carry, lots and round trips, the P&L breakdown). Its contract, the WASM
// glue for configuration and reads, the decoders of its records, the plain TS reference pieces
// the risk reference drives, and the export of fills and state for the independent P&L check.
export {
  LinkingPolicy, SettlementCode,
  type CurrencyBalance, type FillOutcome, type FundingEvent, type InstrumentLedger, type InstrumentTerms, type LinkingCode, type OpenLot, type Portfolio,
  type PortfolioFill, type PortfolioReader, type PortfolioSetup, type PortfolioTerms, type PortfolioTotals, type RateEvent, type RoundTrip,
  type SettlementCodeValue,
} from './portfolio.js';
export { WasmPortfolio, type PortfolioCoreExports } from './wasm-portfolio.js';
export { readRoundTrip, readRoundTrips } from './round-trip-records.js';
export { readCurrencies, readInstrumentLedger, readOpenLots, readPortfolioTotals } from './read-portfolio-state.js';
export { writeFundingRecord, writeRateRecord } from './carry-records.js';
export { exportPnl, readFillRecord, type FillRecord, type PnlExport, type PnlFill, type PnlStateSource } from './pnl-export.js';
export { ReferenceLedger, NO_TIME, type HeldPosition } from './reference-ledger.js';
export { PORTFOLIO_CURRENCIES, LOTS_PER_INSTRUMENT_MAX } from './portfolio-layout.js';
