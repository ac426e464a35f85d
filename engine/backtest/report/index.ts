// Public surface of engine/backtest/report: the outputs of `quantflow backtest --out DIR`
// (report.json, fills.csv, trades.csv, equity.csv, report.html) from a BacktestRecording,
// the report's metrics without I/O, and the fills CSV and its SHA-256 (the run's fills hash).
export { writeBacktestOutputs, BACKTEST_OUTPUT_FILES, type BacktestOutputOptions, type RecordedDataSource } from './write-backtest-outputs.js';
export {
  computeReport, METRIC_DEFINITIONS,
  type AccountReport, type BacktestReport, type DrawdownReport, type InstrumentReport, type OrderOutcome, type OrdersReport, type SliceReport, type StrategyReport,
} from './compute-report.js';
export { fillsCsv, fillsCsvBlocks, fillsHash, FILLS_CSV_HEADER, type FillsSource } from './fills-csv.js';
export { tradesCsv, tradesCsvBlocks, TRADES_CSV_HEADER } from './trades-csv.js';
export { equityCsv, equityCsvBlocks, EQUITY_CSV_HEADER } from './equity-csv.js';
export { formatIsoNs } from './iso-time.js';
export { csvDecimal, csvMoney, MONEY_DECIMALS } from './csv-text.js';
export { cagr, drawdownSeries, maxDrawdown, medianGapNs, medianIntervalNs, observedPeriodsPerYear, periodsPerYear, returnStats, sampling, worstDrawdown, simpleReturns, type MaxDrawdown, type ReturnStats } from './return-metrics.js';
export { tradeStats, type TradeStats } from './trade-metrics.js';
export { exposure } from './exposure.js';
export { regimeBreakdown, type RegimeBreakdown, type RegimeSlice } from './regime-breakdown.js';
export { monthlyReturns, type MonthlyReturn } from './monthly-returns.js';
export { tradeExcursion, worstDecile, type TradeExcursion } from './trade-excursions.js';
