// Public API of engine/exits: the core's exit engine behind the ExitEngine contract (the WASM
// glue; the plain TS reference is in ./reference), exit profiles and their writer, the reader
// of an instrument's exit state, and the EXITS region's layout (engine/execution writes the
// strategy's profile into it).
export type { ExitEngine, ExitPrice } from './exit-engine.js';
export { exitProfile, writeExitProfile, type ExitProfile, type ExitTarget } from './exit-profile.js';
export { readExitState, type ExitState } from './read-exit-state.js';
export { WasmExitEngine, type ExitCoreExports } from './wasm-exit-engine.js';
export * from './exit-layout.js';
