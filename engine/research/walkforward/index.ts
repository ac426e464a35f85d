// Public API of engine/research/walkforward: walk-forward folds (rolling, anchored) and CPCV
// splits and paths with purging and embargo (pure), the final out-of-sample reserve (cut at the
// source, its looks logged in LMDB), and the walk-forward run: the regime model refitted per
// training window, each test window backtested after a warm-up that cannot trade, and the
// out-of-sample results per fold, stitched, or per CPCV path.
export { walkForwardFolds, purge, overlaps, type TimeRange, type SampleInterval, type WalkForwardFold, type WalkForwardOptions } from './folds.js';
export { cpcvPlan, binomial, type CpcvOptions, type CpcvPlan, type CpcvSplit } from './cpcv.js';
export { addBars, addSpan, parseSpan, parseWindowSpan, describeSpan, isZeroSpan, type BarCalendar, type Span } from './spans.js';
export { loadResearchData, cutReserve, dataIdentity, reserveStart, recordTimeRange, type DataIdentity, type ResearchData, type SourceIdentity } from './research-data.js';
export { ReserveLog, ReserveReadError, type ReserveLook } from './reserve-log.js';
export { readTrainingBars, trainingFeatures, fitFoldModel, type TrainingBar, type FoldModelFit } from './training-bars.js';
export { runFoldBacktest, type FoldBacktestOptions, type FoldBacktestResult } from './fold-backtest.js';
export { oosMetrics, stitchCurves, curvePiece, type OosMetrics, type EquitySample } from './oos-metrics.js';
export { runWalkForward, planWarmup, REGIME_FIT_DEFAULTS, type WalkForwardRunOptions, type WalkForwardRun, type WalkForwardReport, type FoldJson, type QuantileModelJson } from './run-walk-forward.js';
