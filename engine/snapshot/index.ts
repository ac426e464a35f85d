// Consistent snapshots of the core's account and positions for readers on any thread: the block
// the core publishes at batch boundaries under a seqlock (wasm/assembly/state/).
export {
  readConsistentState, StateNotPublishedError,
  type ConsistentAccount, type ConsistentInstrument, type ConsistentState, type ReadConsistentStateOptions,
} from './read-consistent-state.js';
export * as StateLayout from './state-layout.js';
