// Public API of engine/threads: the engine host (the I/O thread's handle on the engine
// thread, its rings, listeners and order-flow tally), the wait strategies by name, and the
// worker spawner that runs TypeScript workers from source or dist alike, an engine thread
// started ahead of its run (PrestartedEngineThread), and the per-stage latency histograms
// (LatencyMonitor) with the stamps and clock they are measured with.
export { DEFAULT_MAX_BATCH, EngineHost, type EngineCounters, type EngineHostOptions, type OrderFlowTally } from './engine-host.js';
export { PrestartedEngineThread } from './prestarted-engine-thread.js';
export { CHECKPOINT_IMAGE_BYTES, type CoreCheckpoint } from './core-checkpoint.js';
export type { OutboundListeners } from './outbound-dispatch.js';
export { readEquityRecord, type EquityRecord } from './outbound-dispatch.js';
export { WAIT_STRATEGY_NAMES, checkWaitStrategyName, createWaitStrategy, type WaitStrategyName } from './wait-strategy-by-name.js';
export { spawnWorker } from './spawn-worker.js';
export { workerEntry } from './worker-entry.js';
export { LATENCY_STAGES, LatencyMonitor, latencyHistogram, type LatencyHistogram, type LatencyRow, type LatencyStage } from './latency-monitor.js';
export { BATCH_LOG_ENTRIES, LatencyStamps, StampingRingProducer, type IngressRecorder } from './latency-stamps.js';
export { monotonicNs } from './latency-clock.js';
