// Public API of engine/backtest: a backtest as a product. Market streams (files, the LMDB
// store, QuestDB, or records held in memory) merge by arrival time into the engine thread's
// inbound ring and run through the same core, order table, exits and simulated venue that
// paper and live trading use; the run is recorded from the outbound ring and written out as
// report.json, fills.csv, trades.csv, equity.csv and a self-contained report.html.
export { runBacktest, planInstruments, simulatedTradingSpec, modelInstruments, completedRun, type CompletedRunInput, type BacktestOptions, type BacktestRun, type BuiltSpec, type InstrumentPlan, type SimulatedTradingSpecInput, type SimulatedModelInput } from './run-backtest.js';
export { summariseBacktest, type BacktestSummary, type SummaryContext } from './backtest-summary.js';
export { backtestModelOf, modelSummaryLines, type BacktestModel, type BacktestModelReport, type ServedFold } from './backtest-model.js';
export { modelRecordsAhead, startModelRecordsAhead, interleaveModelRecords, type AheadInstrument, type AheadBars, type ModelAhead, type ModelAheadStats, type ModelAheadOptions } from './model-ahead.js';
export { StreamMerger, BacktestStreamError, type RecordSink } from './stream-merger.js';
export { playRecords, type RecordPlayOptions, type RecordPlayResult } from './record-player.js';
export { ringWriter, type RingWriter } from './ring-writer.js';
export { MemoryStream } from './memory-stream.js';
export { GatedRecordStream, type RecordGate } from './gated-record-stream.js';
export { parseTimeframe } from './timeframe.js';
export { BacktestOptionError, BacktestSetupError } from './backtest-errors.js';
export { RunRecorder } from './run-recorder.js';
export { EquitySeries } from './equity-series.js';
export type { BacktestRecording, EquityPoint, RecordedBar, RecordedFill, RecordedInstrument, RecordedOrders, RecordedTotals } from './backtest-recording.js';
export { writeBacktestOutputs, BACKTEST_OUTPUT_FILES, computeReport, csvDecimal, csvMoney, equityCsv, fillsCsv, fillsHash, formatIsoNs, type BacktestReport, type RecordedDataSource } from './report/index.js';
export { RunStore, RunStoreError, RunQueryError, RunIdError, DEFAULT_RUN_STORE_DIR, RUN_FILES, checkRunId, isRunId, isRunFileName, configHash, runInputFromOutputs, type RunContext, type RunFigures, type RunFileName, type RunInput, type RunPage, type RunSummary } from './run-store/index.js';
