// Public API of the file adapter: load OHLCV bar CSV files into columnar series, and open CSV
// bar, trade and quote files as market streams of event records (openCsvStream).

export { loadBarsCsv, type LoadBarsOptions, type LoadedBars } from './csv-bar-loader.js';
export { BarGaps, barIntervalProblem, inferredBarIntervalProblem } from './bar-interval-check.js';
export type { BarSeries, OhlcvColumns } from './bar-series.js';
export type { BadRowReport } from './bad-row-report.js';
export { REPORT_EXAMPLE_LIMIT } from './bad-row-report.js';
export { BAR_RULES, CsvFileError, CsvRowError, type BarRule, type CsvRule, type TickRule, type CsvFileProblem, type CsvRowIssue } from './csv-errors.js';
export { TIME_COLUMN_NAMES, TimeCellParser, type TimeCellError } from './time-column.js';
export { openCsvStream, measureCsvLoad, CsvMarketStream, BAR_STAMP_REQUIRED } from './csv-market-stream.js';
export {
  CSV_COLUMN_ROLES,
  CSV_STREAM_KINDS,
  CSV_TIME_FORMATS,
  CSV_BAR_STAMPS,
  CSV_BAD_ROW_POLICIES,
  CSV_DUPLICATE_POLICIES,
  parseBarInterval,
  checkCsvStreamOptions,
  SYMBOL_RULE,
  SYMBOL_RULE_TEXT,
  type CsvStreamOptions,
  type CsvColumnRole,
  type CsvTimeFormat,
} from './csv-stream-options.js';
export { symbolFromFileName } from './stream-header.js';
export { DUPLICATE_ID_WINDOW, StreamIssueTally, TradeIdWindow } from './tick-stream-guards.js';
export type { StreamRowRule } from './stream-row-context.js';
export { readFileMetadata, sidecarPaths } from './file-metadata.js';
