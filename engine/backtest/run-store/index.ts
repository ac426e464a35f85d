// Public API of engine/backtest/run-store: the embedded (LMDB) store of backtest runs, with
// each run's summary figures and report files, keyed by time-ordered ids; `quantflow backtest`
// records into it and the state server reads it for the dashboard's Runs page.
export { RunStore, RunStoreError, RunQueryError, DEFAULT_RUN_STORE_DIR, RUN_FILES, MAX_PAGE, isRunFileName, type RunFigures, type RunFileName, type RunInput, type RunPage, type RunSummary } from './run-store.js';
export { RUN_ID_PATTERN, RunIdError, checkRunId, isRunId, runIdOf, runIdTime } from './run-id.js';
export { configHash, runInputFromOutputs, type RunContext } from './run-record.js';
