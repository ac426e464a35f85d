// Public API of the file adapter: load OHLCV bar CSV files into columnar series.

export { loadBarsCsv, type LoadBarsOptions, type LoadedBars } from './csv-bar-loader.js';
export type { BarSeries, OhlcvColumns } from './bar-series.js';
export type { BadRowReport } from './bad-row-report.js';
export { REPORT_EXAMPLE_LIMIT } from './bad-row-report.js';
export { BAR_RULES, CsvFileError, CsvRowError, type BarRule, type CsvFileProblem, type CsvRowIssue } from './csv-errors.js';
export { TIME_COLUMN_NAMES, TimeCellParser, type TimeCellError } from './time-column.js';
