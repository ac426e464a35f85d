// Public API of engine/replay: bar files merged into one replay tape (ordered by bar close
// time), the player that streams a tape into the inbound ring, short instrument names from
// file names, bar intervals as timeframes, the trading pipeline a run builds from its
// configuration, and the bar-replay (backtest) driver that runs a tape through the engine.
export { buildBarReplayTape, barIntervalNs, REPLAY_BAR_KIND, type ReplayTape } from './bar-replay-tape.js';
export { playTape, type PlayOptions, type PlayResult } from './tape-player.js';
export { instrumentNames } from './instrument-names.js';
export { timeframeOfInterval } from './timeframe-of-interval.js';
export { instrumentsByStrategy, tradingPipeline, type TradingPipeline, type TradingPipelineInput } from './trading-pipeline.js';
export { replayRisk } from './replay-risk.js';
export { tapeChecksum } from './tape-checksum.js';
export { BadTradeRecordError, tradeRecordProblem, type TradeRecordProblem, type TradeRecordRule } from './trade-record-rules.js';
export { RECORD_BYTES, type MarketStream, type MarketRecordKind, type RecordBlock, type StreamIssue } from './market-stream.js';
export {
  runBarReplay,
  type BarReplayEngine, type BarReplayOptions, type BarReplayPipelineResult, type BarReplayResult, type BarReplayRiskResult,
} from './run-bar-replay.js';
