// Consistent snapshots for readers on any thread, from the blocks the core publishes at batch
// boundaries under seqlocks (wasm/assembly/state/): the account and positions, and each
// instrument's last decision (the experts' scores, weights, fused signal) with its feed health.
export { readConsistentState, type ConsistentAccount, type ConsistentInstrument, type ConsistentState } from './read-consistent-state.js';
export { StateNotPublishedError, type ReadConsistentStateOptions } from './seqlock-block.js';
export {
  readConsistentSignals,
  type ConsistentDecision, type ConsistentFeedHealth, type ConsistentInstrumentSignals, type ConsistentSignals,
} from './read-consistent-signals.js';
export * as StateLayout from './state-layout.js';
